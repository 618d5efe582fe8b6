//! [`Check`]: what the object's alarm and due page polls ask the providers: the state of
//! every open trade (a lost notify), and every open refund. A refund whose call never got
//! a definite answer is asked about and, when the provider has no such refund, sent again
//! under the same provider number (providers treat that as the same refund). Facts from
//! providers that answered are applied even when another failed; each refused change
//! refuses only itself.

use std::collections::VecDeque;

use super::{Operation, QueriesRefunds};
use crate::facts::{RefundFacts, TradeFacts};
use crate::order::{Change, Order, Provider, RefundStatus, SendResult};
use crate::provider::{Call, CallError, Outcome};
use crate::reconcile;
use crate::schedule::Checks;

use crate::policy::SENDING_STALE_SECS;

/// The check of an order's trades and refunds.
pub struct Check {
    queue: VecDeque<(Provider, Call)>,
    current: Option<(Provider, Call)>,
    /// The refunds asked about: refund number → (provider number, unanswered).
    asked: Vec<(String, String, bool)>,
    trades: Vec<TradeFacts>,
    refunds: Vec<RefundFacts>,
    sent: Vec<(String, SendResult)>,
    /// Refunds a query proved absent at the provider (their re-send's refusal is definite).
    absent: Vec<String>,
    failure: Option<CallError>,
}

impl Check {
    /// Plans `checks` for `order` at `now`.
    pub fn new(order: &Order, checks: Checks, queries_refunds: QueriesRefunds<'_>, now: i64) -> Self {
        let mut queue = VecDeque::new();
        let mut asked = Vec::new();
        if checks.trades {
            for t in order.trades(true) {
                queue.push_back((t.provider, Call::Query { trade_no: t.trade_no }));
            }
        }
        if checks.refunds {
            for r in order.refunds.iter().filter(|r| r.status.is_open()) {
                if r.status == RefundStatus::Sending && now - r.requested_at < SENDING_STALE_SECS {
                    continue;
                }
                let call = if r.status.unanswered() && !queries_refunds(r.provider) {
                    Call::Refund { refund_no: r.refund_no.clone() }
                } else {
                    Call::RefundQuery { refund_no: r.refund_no.clone() }
                };
                asked.push((r.refund_no.clone(), r.provider_refund_no.clone(), r.status.unanswered()));
                queue.push_back((r.provider, call));
            }
        }
        Self {
            queue,
            current: None,
            asked,
            trades: Vec::new(),
            refunds: Vec::new(),
            sent: Vec::new(),
            absent: Vec::new(),
            failure: None,
        }
    }

    /// A query of one trade (the buyer's verified return, before it is answered).
    pub fn trade(provider: Provider, trade_no: &str) -> Self {
        Self {
            queue: VecDeque::from([(provider, Call::Query { trade_no: trade_no.to_owned() })]),
            current: None,
            asked: Vec::new(),
            trades: Vec::new(),
            refunds: Vec::new(),
            sent: Vec::new(),
            absent: Vec::new(),
            failure: None,
        }
    }

    /// True when nothing is to be asked.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

impl Operation for Check {
    fn next_call(&mut self, _order: &Order) -> Option<(Provider, Call)> {
        self.current = self.queue.pop_front();
        self.current.clone()
    }

    fn feed(&mut self, result: Result<Outcome, CallError>) {
        let Some((provider, call)) = self.current.take() else { return };
        match (call, result) {
            (_, Ok(Outcome::Trade(f))) => self.trades.push(f),
            (Call::RefundQuery { refund_no }, Ok(outcome @ (Outcome::Refunds(_) | Outcome::NoRefund))) => {
                let found = match outcome {
                    Outcome::Refunds(found) => found,
                    _ => Vec::new(),
                };
                let asked = self.asked.iter().find(|(no, _, _)| *no == refund_no);
                let mentioned = asked.is_some_and(|(_, prn, _)| super::refund::mentions(&found, prn));
                let resent = self.sent.iter().any(|(no, _)| *no == refund_no) || self.absent.contains(&refund_no);
                if !mentioned && !resent && asked.is_some_and(|(_, _, unanswered)| *unanswered) {
                    // Not at the provider: the unanswered call never reached it. Sent
                    // again under the same number.
                    self.absent.push(refund_no.clone());
                    self.queue.push_front((provider, Call::Refund { refund_no }));
                }
                self.refunds.extend(found);
            }
            (Call::Refund { refund_no }, result) => {
                // Re-sent without proof that the first call never arrived (MAPI cannot be
                // asked): a refusal now does not prove the first one failed.
                let result = super::refund::send_result(result, self.absent.contains(&refund_no));
                if matches!(result, SendResult::Accepted { .. }) {
                    // Accepted now: ask at once how it stands (MAPI: the trade, closed once
                    // refunded in full).
                    self.queue.push_back((provider, Call::RefundQuery { refund_no: refund_no.clone() }));
                }
                self.sent.push((refund_no, result));
            }
            (_, Ok(_)) => {}
            (_, Err(e)) => {
                self.failure.get_or_insert(e);
            }
        }
    }

    fn finish(&mut self, order: &Order, now: i64) -> Vec<Change> {
        let mut changes = Vec::new();
        for f in &self.trades {
            changes.extend(reconcile::trade_changes(order, f, now));
        }
        changes.extend(reconcile::refund_changes(order, &self.refunds));
        for (refund_no, result) in self.sent.drain(..) {
            // Only a refund still unanswered takes a re-send's answer.
            if order.refund(&refund_no).is_some_and(|r| r.status.unanswered()) {
                changes.push(Change::RefundSent { refund_no, result });
            }
        }
        changes
    }

    fn failure(&self) -> Option<&CallError> {
        self.failure.as_ref()
    }
}
