//! [`SendRefund`]: the provider call of a refund the object stored `sending` first, or of
//! one whose call got no definite answer (`unknown`), sent again under the same provider
//! number. What the call comes back with decides the refund's status: accepted →
//! `requested` (then asked at once where the API can be asked), a definite refusal →
//! `failed`, anything else (timeout, 5xx, "try again", an unreadable reply) → `unknown`:
//! it may have gone through, so the object keeps asking rather than inviting a second
//! refund. Before sending again, the provider is asked whether it has the refund; a
//! refusal of a re-send counts as definite only after the provider proved it had none.

use std::collections::VecDeque;

use super::Operation;
use crate::api::ApiError;
use crate::facts::{RefundFacts, TradeFacts};
use crate::order::{Change, Order, Provider, Refund, SendResult};
use crate::provider::{Call, CallError, Outcome};
use crate::reconcile;

/// What a refund call's result means for the refund; `proven` says whether a refusal is
/// definite (a first call, or a re-send after the provider proved it had no such refund).
pub fn send_result(result: Result<Outcome, CallError>, proven: bool) -> SendResult {
    match result {
        Ok(Outcome::RefundAccepted { refund_id }) => SendResult::Accepted { refund_id },
        Ok(other) => SendResult::Unknown(format!("unexpected answer {other:?}").chars().take(120).collect()),
        Err(CallError::Refused { code, .. }) if proven => SendResult::Refused(code),
        Err(CallError::Refused { code, .. }) => SendResult::Unknown(format!("refused when sent again: {code}")),
        Err(e) => SendResult::Unknown(e.to_string().chars().take(200).collect()),
    }
}

/// True when `found` reports the refund known by `provider_refund_no`.
pub fn mentions(found: &[RefundFacts], provider_refund_no: &str) -> bool {
    found.iter().any(|f| f.provider_refund_no == provider_refund_no)
}

/// Sending one refund attempt.
pub struct SendRefund {
    provider: Provider,
    refund_no: String,
    provider_refund_no: String,
    queries: bool,
    /// A first call, or a re-send after the provider proved it had no such refund.
    proven: bool,
    queue: VecDeque<Call>,
    current: Option<Call>,
    sent: Option<SendResult>,
    refunds: Vec<RefundFacts>,
    trades: Vec<TradeFacts>,
    failure: Option<CallError>,
}

impl SendRefund {
    fn with(refund: &Refund, queries: bool, first: Call, proven: bool) -> Self {
        Self {
            provider: refund.provider,
            refund_no: refund.refund_no.clone(),
            provider_refund_no: refund.provider_refund_no.clone(),
            queries,
            proven,
            queue: VecDeque::from([first]),
            current: None,
            sent: None,
            refunds: Vec::new(),
            trades: Vec::new(),
            failure: None,
        }
    }

    /// The first call of a stored refund; `queries`: its API can be asked about it (then it
    /// is, right after it was accepted).
    pub fn new(refund: &Refund, queries: bool) -> Self {
        Self::with(refund, queries, Call::Refund { refund_no: refund.refund_no.clone() }, true)
    }

    /// A refund without a definite answer, sent again under the same number (asked about
    /// first where its API can be asked).
    pub fn resend(refund: &Refund, queries: bool) -> Self {
        let refund_no = refund.refund_no.clone();
        let first = if queries { Call::RefundQuery { refund_no } } else { Call::Refund { refund_no } };
        Self::with(refund, queries, first, false)
    }

    /// What the provider answered the refund call with, once it was made.
    pub fn sent(&self) -> Option<&SendResult> {
        self.sent.as_ref()
    }

    /// `Refund`'s answer: `-16` with the provider's code only when it definitely refused;
    /// otherwise the refund as stored (`requested`, `succeeded`, or `unknown`, which the
    /// merchant must not retry under another number).
    pub fn answer(&self) -> Result<(), ApiError> {
        match (&self.sent, &self.failure) {
            (Some(SendResult::Refused(_)), Some(e)) => Err(e.api_error()),
            _ => Ok(()),
        }
    }
}

impl Operation for SendRefund {
    fn next_call(&mut self, _order: &Order) -> Option<(Provider, Call)> {
        self.current = self.queue.pop_front();
        self.current.clone().map(|call| (self.provider, call))
    }

    fn feed(&mut self, result: Result<Outcome, CallError>) {
        let refund_no = self.refund_no.clone();
        match (self.current.take(), result) {
            (Some(Call::Refund { .. }), result) => {
                if let Err(e) = &result {
                    self.failure = Some(e.clone());
                }
                let sent = send_result(result, self.proven);
                if self.queries && matches!(sent, SendResult::Accepted { .. }) {
                    self.queue.push_back(Call::RefundQuery { refund_no });
                }
                self.sent = Some(sent);
            }
            // Asked before a re-send: the provider has it (settle by what it says), or
            // proved it has none (send it again).
            (Some(Call::RefundQuery { .. }), Ok(Outcome::Refunds(found))) if self.sent.is_none() => {
                if !mentions(&found, &self.provider_refund_no) {
                    self.proven = true;
                    self.queue.push_back(Call::Refund { refund_no });
                }
                self.refunds.extend(found);
            }
            (Some(Call::RefundQuery { .. }), Ok(Outcome::NoRefund)) if self.sent.is_none() => {
                self.proven = true;
                self.queue.push_back(Call::Refund { refund_no });
            }
            (_, Ok(Outcome::Refunds(found))) => self.refunds.extend(found),
            (_, Ok(Outcome::Trade(f))) => self.trades.push(f),
            (_, Ok(_)) => {}
            // A failed query leaves the refund as it is; the object asks again later.
            (_, Err(e)) => {
                self.failure.get_or_insert(e);
            }
        }
    }

    fn finish(&mut self, order: &Order, now: i64) -> Vec<Change> {
        let mut changes = Vec::new();
        if let Some(result) = self.sent.clone() {
            changes.push(Change::RefundSent { refund_no: self.refund_no.clone(), result });
        }
        changes.extend(reconcile::refund_changes(order, &self.refunds));
        for f in &self.trades {
            changes.extend(reconcile::trade_changes(order, f, now));
        }
        changes
    }

    fn failure(&self) -> Option<&CallError> {
        self.failure.as_ref()
    }
}
