//! What the order's one writer decides before and after it talks to a provider: whether
//! an order can be paid, closed or refunded, which `return_url` it keeps, what a refund
//! request means, and when the providers are asked next. The worker's Durable Object
//! calls these and only does the I/O, so every rule here is tested natively.

use crate::api::{ApiError, CreateOrderRequest, RefundRequest, ResultCode};
use crate::order::{CloseReason, Event, Order, PayState, Payment, Refund, RefundStatus, Source};
use crate::{AmountFen, reconcile};

/// WeChat wants `time_expire` more than a minute after the `unifiedorder` call.
pub const MIN_REMAINING_FOR_NEW_CODE: i64 = 60;

/// The object's own provider checks of a waiting order, in seconds after its first wallet
/// session started: fast at first (most buyers pay within a minute), then every
/// [`CHECK_EVERY_SECS`].
pub const CHECK_OFFSETS_SECS: [i64; 4] = [5, 15, 30, 60];
/// The interval after the last of [`CHECK_OFFSETS_SECS`].
pub const CHECK_EVERY_SECS: i64 = 120;
/// A pending refund is checked every [`CHECK_EVERY_SECS`] for this long, then every
/// [`SLOW_REFUND_CHECK_SECS`] (some refunds take days).
pub const FAST_REFUND_CHECKS_SECS: i64 = 3600;
/// The interval of refund checks after the first hour.
pub const SLOW_REFUND_CHECK_SECS: i64 = 1800;
/// A page poll asks the providers at most this often per order, however many pages poll.
pub const POLL_QUERY_INTERVAL_SECS: i64 = 3;
/// While a page watches the order live (an open WebSocket, so no polls ask the providers),
/// the object asks them itself this often: a payment whose notify is lost still reaches
/// the screen within seconds.
pub const LIVE_CHECK_EVERY_SECS: i64 = 5;
/// An expired order whose close failed (a provider down) is tried again this often.
pub const EXPIRED_RETRY_SECS: i64 = 30;

/// The order can take a new payment session (`-12` when final, `-13` when expired).
pub fn ensure_payable(order: &Order, now: i64) -> Result<(), ApiError> {
    if order.state != PayState::Waiting {
        return Err(ApiError::new(
            ResultCode::OrderNotPayable,
            format!("the order is {} ({})", order.state.name(), order.state.desc()),
        ));
    }
    if order.is_expired(now) {
        return Err(ApiError::new(ResultCode::OrderExpired, "the order has expired"));
    }
    Ok(())
}

/// A new WeChat code needs more than a minute left before expiry.
pub fn ensure_time_for_new_code(order: &Order, now: i64) -> Result<(), ApiError> {
    if order.expires_at - now < MIN_REMAINING_FOR_NEW_CODE {
        return Err(ApiError::new(ResultCode::OrderExpired, "less than a minute is left to pay this order"));
    }
    Ok(())
}

/// A repeated `CreateOrder` must carry the stored content (`-11` otherwise).
pub fn ensure_same_order(stored: &Order, req: &CreateOrderRequest) -> Result<(), ApiError> {
    let same = stored.total_fee == req.total_fee
        && stored.subject == req.subject
        && stored.body == req.body
        && stored.expires_at - stored.created_at == i64::from(req.expire_seconds())
        && (req.return_url.is_none() || req.return_url == stored.return_url);
    if same {
        Ok(())
    } else {
        Err(ApiError::new(ResultCode::OrderConflict, "an order with this order_no exists with different content"))
    }
}

/// The `return_url` origin rule: `RETURN_URL_ORIGINS` (comma-separated, `*` for any).
pub fn ensure_return_origin(url: &str, allowed: &str) -> Result<(), ApiError> {
    let origin = crate::http::origin_of(url);
    if origin.as_deref().is_some_and(|o| crate::http::origin_listed(allowed, o)) {
        Ok(())
    } else {
        Err(ApiError::new(
            ResultCode::ReturnUrlNotAllowed,
            format!("the origin of return_url is not in RETURN_URL_ORIGINS ({})", origin.as_deref().unwrap_or("none")),
        ))
    }
}

/// The `return_url` an order keeps: the one fixed first stays (`-21` for another); the
/// first one given is fixed. `Some(url)` when it must be stored now.
pub fn fix_return_url(order: &Order, requested: &str) -> Result<Option<String>, ApiError> {
    match &order.return_url {
        Some(fixed) if fixed == requested => Ok(None),
        Some(_) => Err(ApiError::new(
            ResultCode::ReturnUrlFixed,
            "this order's return_url is fixed and differs from the one given",
        )),
        None => Ok(Some(requested.to_owned())),
    }
}

/// What `CloseOrder` does with an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseStep {
    /// Already cancelled: answer it.
    AlreadyClosed,
    /// Close at every provider the order started, then cancel.
    Close,
}

/// `CloseOrder` closes waiting orders only (`-14` for paid or refunded ones).
pub fn close_step(order: &Order) -> Result<CloseStep, ApiError> {
    match order.state {
        PayState::Cancelled => Ok(CloseStep::AlreadyClosed),
        PayState::Waiting => Ok(CloseStep::Close),
        PayState::Paid | PayState::Refunded => Err(ApiError::new(
            ResultCode::InvalidOrderState,
            format!("a {} order cannot be closed", order.state.name()),
        )),
    }
}

/// The events of a close: what the providers proved while closing (a payment), and the
/// cancellation unless one of them reports a payment (a paid order is never closed).
pub fn close_events(mut found: Vec<Event>, reason: CloseReason, source: Source, now: i64) -> Vec<Event> {
    if !found.iter().any(|e| matches!(e, Event::Paid(_))) {
        found.push(Order::close_event(reason, source, now));
    }
    found
}

/// What a `Refund` command means for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundPlan {
    /// Answer the refund already recorded under this `refund_no` (pending or done).
    Existing(String),
    /// Send this refund to its provider, then record it.
    Send(Refund),
}

fn refund_error(code: ResultCode, msg: impl Into<String>) -> ApiError {
    ApiError::new(code, msg)
}

/// Plans a refund: which payment, how much (default: all that is left), under which
/// `refund_no` (the merchant's, or `r<n>`), and the provider's number for this attempt.
///
/// Idempotent: the same `refund_no` answers the stored refund (a failed one is retried
/// with a fresh provider number); without a `refund_no`, a pending refund of the same
/// payment and amount is answered instead of sending a second one.
pub fn plan_refund(order: &Order, req: &RefundRequest, now: i64) -> Result<RefundPlan, ApiError> {
    if !matches!(order.state, PayState::Paid | PayState::Refunded) {
        return Err(refund_error(
            ResultCode::InvalidOrderState,
            format!("a {} order cannot be refunded", order.state.name()),
        ));
    }
    let payment: &Payment = match &req.transaction_id {
        Some(tx) => order
            .find_payment(tx)
            .ok_or_else(|| refund_error(ResultCode::PaymentNotFound, "no payment with this transaction_id"))?,
        None => order.payment.as_ref().ok_or_else(|| refund_error(ResultCode::InvalidOrderState, "no payment"))?,
    };
    let left = payment.amount.fen().saturating_sub(order.committed_refund_fen(&payment.transaction_id));
    let attempt_of = |refund_no: &str, attempts: u32, amount: AmountFen| Refund {
        refund_no: refund_no.to_owned(),
        provider: payment.provider,
        transaction_id: payment.transaction_id.clone(),
        amount,
        reason: req.reason.clone().unwrap_or_default(),
        provider_refund_no: provider_refund_no(order, refund_no, attempts, now, payment.provider),
        attempts,
        refund_id: None,
        status: RefundStatus::Requested,
        requested_at: now,
        settled_at: None,
    };
    if let Some(refund_no) = &req.refund_no
        && let Some(existing) = order.refunds.iter().find(|r| &r.refund_no == refund_no)
    {
        if existing.transaction_id != payment.transaction_id || req.amount.is_some_and(|a| a != existing.amount) {
            return Err(refund_error(ResultCode::RefundConflict, "refund_no was used for another payment or amount"));
        }
        return match existing.status {
            RefundStatus::Failed(_) if existing.amount.fen() <= left => {
                Ok(RefundPlan::Send(attempt_of(refund_no, existing.attempts + 1, existing.amount)))
            }
            RefundStatus::Failed(_) => Err(refund_error(
                ResultCode::RefundTooLarge,
                format!("only {left} fen of the payment are left to refund"),
            )),
            _ => Ok(RefundPlan::Existing(refund_no.clone())),
        };
    }
    let amount = match req.amount {
        Some(a) => a,
        None => match AmountFen::new(left) {
            Ok(a) => a,
            // Nothing left: a repeated full refund answers the last refund of the payment.
            Err(_) => {
                return match order.refunds.iter().rev().find(|r| r.transaction_id == payment.transaction_id) {
                    Some(r) if req.refund_no.is_none() => Ok(RefundPlan::Existing(r.refund_no.clone())),
                    _ => Err(refund_error(ResultCode::RefundTooLarge, "nothing is left to refund of the payment")),
                };
            }
        },
    };
    if req.refund_no.is_none()
        && let Some(pending) = order.refunds.iter().find(|r| {
            r.transaction_id == payment.transaction_id && r.amount == amount && r.status == RefundStatus::Requested
        })
    {
        return Ok(RefundPlan::Existing(pending.refund_no.clone()));
    }
    if amount.fen() > left {
        return Err(refund_error(
            ResultCode::RefundTooLarge,
            format!("only {left} fen of the payment are left to refund"),
        ));
    }
    let refund_no = req.refund_no.clone().unwrap_or_else(|| format!("r{}", order.refunds.len() + 1));
    Ok(RefundPlan::Send(attempt_of(&refund_no, 1, amount)))
}

/// The number a provider knows one refund attempt by, derived so that a retry of the same
/// attempt (after a timeout) reuses it: WeChat's `out_refund_no` (≤ 64 characters) or
/// Alipay's `batch_no` (today's Beijing date + 16 hex digits).
pub fn provider_refund_no(
    order: &Order,
    refund_no: &str,
    attempt: u32,
    now: i64,
    provider: crate::order::Provider,
) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(format!("{}|{refund_no}|{attempt}", order.order_no).as_bytes());
    let serial: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match provider {
        crate::order::Provider::Wechat => format!("R{serial}{attempt}"),
        crate::order::Provider::Alipay => format!("{}{serial}", crate::time::beijing_date(now)),
    }
}

/// What the object's alarm (or a due page poll) asks the providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checks {
    /// Query the trades of every wallet the order started (a lost notify).
    pub trades: bool,
    /// The order expired unpaid: close at the providers and cancel.
    pub expire: bool,
    /// Ask about pending refunds.
    pub refunds: bool,
}

impl Checks {
    /// True when nothing is to be asked.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn first_session_at(order: &Order) -> Option<i64> {
    let wx = order.wechat.as_ref().map(|s| s.created_at);
    let ali = order.alipay.as_ref().map(|s| s.issued_at);
    wx.into_iter().chain(ali).min()
}

fn has_pending_refund(order: &Order) -> bool {
    order.refunds.iter().any(|r| r.status == RefundStatus::Requested)
}

/// What is due at `now` when the alarm fires.
pub fn due_checks(order: &Order, now: i64) -> Checks {
    match order.state {
        PayState::Waiting if reconcile::is_expired_unpaid(order, now) => Checks { expire: true, ..Checks::default() },
        PayState::Waiting => Checks { trades: first_session_at(order).is_some(), ..Checks::default() },
        PayState::Paid | PayState::Refunded => Checks { refunds: has_pending_refund(order), ..Checks::default() },
        PayState::Cancelled => Checks::default(),
    }
}

/// What a page poll may ask, given when this object last asked the providers: a waiting
/// order with a wallet session, at most every [`POLL_QUERY_INTERVAL_SECS`].
pub fn poll_checks(order: &Order, last_asked: Option<i64>, now: i64) -> Checks {
    let rested = last_asked.is_none_or(|t| now - t >= POLL_QUERY_INTERVAL_SECS);
    if !rested {
        return Checks::default();
    }
    due_checks(order, now)
}

fn next_on_schedule(start: i64, now: i64, every: i64) -> i64 {
    if let Some(at) = CHECK_OFFSETS_SECS.iter().map(|o| start + o).find(|&at| at > now) {
        return at;
    }
    let last = start + CHECK_OFFSETS_SECS[CHECK_OFFSETS_SECS.len() - 1];
    last + ((now - last) / every + 1) * every
}

/// When the object should wake next (Unix seconds), or `None` when nothing is left to
/// check. A waiting order is checked on the schedule from its first wallet session and
/// always woken at expiry (plus grace) to be closed; pending refunds are checked until
/// settled.
pub fn next_check_at(order: &Order, now: i64) -> Option<i64> {
    match order.state {
        PayState::Waiting => {
            let expiry = order.expires_at + reconcile::EXPIRY_GRACE_SECS;
            if now >= expiry {
                return Some(now + EXPIRED_RETRY_SECS);
            }
            let scheduled = first_session_at(order).map(|start| next_on_schedule(start, now, CHECK_EVERY_SECS));
            Some(scheduled.map_or(expiry, |at| at.min(expiry)).max(now + 1))
        }
        PayState::Paid | PayState::Refunded if has_pending_refund(order) => {
            let start =
                order.refunds.iter().filter(|r| r.status == RefundStatus::Requested).map(|r| r.requested_at).min()?;
            let every = if now - start < FAST_REFUND_CHECKS_SECS { CHECK_EVERY_SECS } else { SLOW_REFUND_CHECK_SECS };
            Some(next_on_schedule(start, now, every))
        }
        _ => None,
    }
}

/// [`next_check_at`] for an order that `watched` pages follow live: a waiting order with a
/// wallet session is checked at least every [`LIVE_CHECK_EVERY_SECS`] while they watch.
pub fn next_check_at_watched(order: &Order, now: i64, watched: bool) -> Option<i64> {
    let next = next_check_at(order, now);
    let live = (watched && order.state == PayState::Waiting && first_session_at(order).is_some())
        .then_some(now + LIVE_CHECK_EVERY_SECS);
    match (next, live) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where the buyer goes after a verified Alipay return: the order's fixed `return_url` with
/// `order_no` and `pay_state` appended (before any fragment).
pub fn return_location(return_url: &str, order: &Order) -> String {
    let (base, fragment) = match return_url.split_once('#') {
        Some((base, fragment)) => (base, format!("#{fragment}")),
        None => (return_url, String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{sep}order_no={}&pay_state={}{fragment}",
        crate::http::order_segment(&order.order_no),
        order.state.code()
    )
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
