//! [`Close`]: closing an order at every provider it started a trade with (the merchant's
//! `CloseOrder`, or expiry), then cancelling it. A provider that refuses because the trade
//! is paid is asked for the payment instead, and a paid order is never cancelled. Trades
//! started while the close runs are closed too (it looks at the order as stored after
//! every call), so no code handed out before the cancellation stays payable.

use std::collections::VecDeque;

use super::Operation;
use crate::api::{ApiError, ResultCode};
use crate::facts::TradeFacts;
use crate::order::{Change, CloseReason, Order, PayState, Provider, Source, TradeFact};
use crate::provider::{Call, CallError, Outcome};
use crate::reconcile;

/// Closing an order's trades, and cancelling it.
pub struct Close {
    reason: CloseReason,
    source: Source,
    /// Trades asked to close: (provider, trade number, how many sessions it had then). A
    /// session started later under the same number (Alipay's QR code and cashier share the
    /// order number) is asked again.
    tried: Vec<(Provider, String, usize)>,
    queue: VecDeque<(Provider, Call)>,
    current: Option<(Provider, Call)>,
    trades: Vec<TradeFacts>,
    failure: Option<CallError>,
}

impl Close {
    /// Closes every trade of the order, then cancels it for `reason`.
    pub fn new(reason: CloseReason, source: Source) -> Self {
        Self {
            reason,
            source,
            tried: Vec::new(),
            queue: VecDeque::new(),
            current: None,
            trades: Vec::new(),
            failure: None,
        }
    }

    /// `CloseOrder`'s answer, given the order as stored after the changes: closed, the
    /// provider failure that kept it open, or `-14` when a payment was found.
    pub fn answer(&self, order: &Order) -> Result<(), ApiError> {
        match (&self.failure, order.state) {
            (_, PayState::Cancelled) => Ok(()),
            (Some(e), PayState::Waiting) => Err(e.api_error()),
            (_, state) => Err(ApiError::new(
                ResultCode::InvalidOrderState,
                format!("the order is {} and was not closed", state.name()),
            )),
        }
    }

    /// True when a provider reported a payment while closing.
    fn found_payment(&self) -> bool {
        self.trades.iter().any(|t| t.state == TradeFact::Paid)
    }
}

impl Operation for Close {
    fn next_call(&mut self, order: &Order) -> Option<(Provider, Call)> {
        if self.queue.is_empty() && order.state == PayState::Waiting {
            let next = order.sessions.iter().filter(|s| !s.closed).find_map(|s| {
                let sessions =
                    order.sessions.iter().filter(|o| o.provider == s.provider && o.trade_no == s.trade_no).count();
                let asked = self.tried.iter().any(|(p, n, c)| *p == s.provider && *n == s.trade_no && *c >= sessions);
                (!asked).then(|| (s.provider, s.trade_no.clone(), sessions))
            });
            if let Some((provider, trade_no, sessions)) = next {
                self.tried.push((provider, trade_no.clone(), sessions));
                self.queue.push_back((provider, Call::Close { trade_no }));
            }
        }
        self.current = self.queue.pop_front();
        self.current.clone()
    }

    fn feed(&mut self, result: Result<Outcome, CallError>) {
        let Some((provider, call)) = self.current.take() else { return };
        match (call, result) {
            (Call::Close { trade_no }, Ok(Outcome::PaidNotClosed)) => {
                self.queue.push_back((provider, Call::Query { trade_no }));
            }
            (_, Ok(Outcome::Trade(f))) => self.trades.push(f),
            (_, Ok(_)) => {}
            (_, Err(e)) => {
                self.failure.get_or_insert(e);
            }
        }
    }

    fn finish(&mut self, order: &Order, now: i64) -> Vec<Change> {
        let mut changes: Vec<Change> =
            self.trades.iter().flat_map(|f| reconcile::trade_changes(order, f, now)).collect();
        if self.failure.is_none() && !self.found_payment() {
            changes.push(Order::cancellation(self.reason, self.source, now));
        }
        changes
    }

    fn failure(&self) -> Option<&CallError> {
        self.failure.as_ref()
    }
}
