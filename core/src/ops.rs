//! The order's provider work as sans-IO operations: checking its trades and refunds,
//! closing it, starting a session, sending a refund. Each is a small state machine the
//! order's object drives (quinn-proto style): it asks [`Operation::next_call`] with the
//! order as stored *now* (re-read after every provider call, since other requests run
//! while one awaits), makes the call through the provider's API, hands the result to
//! [`Operation::feed`], and when no call is left applies [`Operation::finish`]'s changes to
//! the order as it is then. The operation decides; the object only does the I/O.

mod check;
mod close;
mod create;
mod refund;

pub use check::Check;
pub use close::Close;
pub use create::{Create, Created, Handout, made_by_request};
pub use refund::SendRefund;

use crate::order::{Change, Order, Provider};
use crate::provider::{Call, CallError, Outcome};

/// One operation on an order's providers.
pub trait Operation {
    /// The next call to make given the order as stored now; `None` when done.
    fn next_call(&mut self, order: &Order) -> Option<(Provider, Call)>;

    /// The result of the call [`Operation::next_call`] gave last.
    fn feed(&mut self, result: Result<Outcome, CallError>);

    /// The changes to apply to the order as stored now, once no call is left.
    fn finish(&mut self, order: &Order, now: i64) -> Vec<Change>;

    /// The first call that failed, if any (what was proven is applied anyway).
    fn failure(&self) -> Option<&CallError>;
}

/// Which provider APIs can be asked about a refund (all but Alipay MAPI, whose refunds
/// settle by notify; asking it means asking about the trade).
pub type QueriesRefunds<'a> = &'a dyn Fn(Provider) -> bool;

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
