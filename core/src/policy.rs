//! What the order's one writer decides before it talks to a provider: whether an order can
//! be paid, closed or refunded, which `return_url` a buyer comes back to, and what a refund request means. The worker's Durable Object calls these and
//! only does the I/O, so every rule here is tested natively. When the providers are asked
//! is [`crate::schedule`]'s, what they answer means [`crate::reconcile`]'s.

use crate::AmountFen;
use crate::api::{ApiError, CreateOrderRequest, RefundRequest, ResultCode};
use crate::order::{Order, PayState, Payment, Provider, Refund, RefundStatus};

/// WeChat wants `time_expire` more than a minute after the `unifiedorder` call.
pub const MIN_REMAINING_FOR_NEW_CODE: i64 = 60;

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

/// No code or cashier URL is handed out while a `CloseOrder` of the order runs (`closing`):
/// its close may already have asked the provider about that trade, and the order is about
/// to be cancelled (`-12`).
pub fn ensure_not_closing(closing: bool) -> Result<(), ApiError> {
    if closing {
        return Err(ApiError::new(ResultCode::OrderNotPayable, "the order is being closed"));
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

/// The order a `CreateOrder` makes at `now` (its time to pay from the request).
pub fn new_order(req: &CreateOrderRequest, now: i64) -> Order {
    let expires_at = now + i64::from(req.expire_seconds());
    let mut order =
        Order::new(req.order_no.clone(), req.total_fee, req.subject.clone(), req.body.clone(), now, expires_at);
    order.return_url.clone_from(&req.return_url);
    order
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

/// Where a `Pay`'s buyer comes back to: the page that `Pay` names (its origin must be
/// listed), unless the merchant fixed another with `CreateOrder` (`-21`); without one, the
/// merchant's. Nothing is stored: each `Pay`'s destination travels, sealed, in the
/// worker's own return URL ([`return_url_for`]), so no page can steer another buyer's.
pub fn return_destination(order: &Order, requested: Option<&str>, allowed: &str) -> Result<String, ApiError> {
    match (requested, &order.return_url) {
        (Some(url), Some(fixed)) if url != fixed => Err(ApiError::new(
            ResultCode::ReturnUrlFixed,
            "the merchant fixed this order's return_url with CreateOrder and it differs from the one given",
        )),
        (Some(url), _) => {
            ensure_return_origin(url, allowed)?;
            Ok(url.to_owned())
        }
        (None, Some(fixed)) => Ok(fixed.clone()),
        (None, None) => Err(ApiError::new(ResultCode::InvalidField, "return_url is required (CreateOrder set none)")),
    }
}

/// Alipay takes a `return_url` of at most 200 characters, without a query string.
pub const RETURN_URL_MAX: usize = 200;

/// The worker's own return URL carrying a sealed destination (`<base>/return/alipay/<token>`);
/// `-3` when it would be longer than Alipay takes (a shorter `return_url` fits).
pub fn return_url_for(public_base: &str, token: &str) -> Result<String, ApiError> {
    let url = crate::http::join_url(public_base, &format!("{}/{token}", crate::alipay_mapi::RETURN_PATH));
    if url.len() > RETURN_URL_MAX {
        return Err(ApiError::new(
            ResultCode::InvalidField,
            format!(
                "return_url is too long: the cashier's return would be {} characters, Alipay takes {RETURN_URL_MAX}",
                url.len()
            ),
        ));
    }
    Ok(url)
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

/// What a `Refund` command means for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundPlan {
    /// Answer the refund already recorded under this `refund_no` (in flight, pending or done).
    Existing(String),
    /// Store this refund (`sending`), then send it to its provider.
    Send(Refund),
    /// The refund `refund_no` got no definite answer: ask about it and send it again under
    /// the same provider number (never a new one).
    Resend(String),
}

/// A refund `sending` for this long lost its call (a restart): it is asked about again.
pub const SENDING_STALE_SECS: i64 = 60;

/// What to do with a refund already recorded under the number a request repeats.
fn repeat(existing: &Refund, now: i64) -> RefundPlan {
    let lost = match existing.status {
        RefundStatus::Unknown(_) => true,
        RefundStatus::Sending => now - existing.requested_at >= SENDING_STALE_SECS,
        _ => false,
    };
    if lost { RefundPlan::Resend(existing.refund_no.clone()) } else { RefundPlan::Existing(existing.refund_no.clone()) }
}

fn refund_error(code: ResultCode, msg: impl Into<String>) -> ApiError {
    ApiError::new(code, msg)
}

/// Plans a refund: which payment, how much (default: all that is left), under which
/// `refund_no` (the merchant's, or `r<n>`), and the provider's number for this attempt.
///
/// Idempotent: the same `refund_no` answers the stored refund; one without a definite
/// answer (`unknown`) is asked about and sent again under its own provider number; only a
/// refund the provider proved failed is tried again under a fresh provider number.
/// Without a `refund_no`, an open refund of the same payment and amount is answered (or
/// resent) instead of sending a second one. A new refund is stored `sending` first.
pub fn plan_refund(order: &Order, req: &RefundRequest, now: i64) -> Result<RefundPlan, ApiError> {
    if !order.state.is_paid() {
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
        status: RefundStatus::Sending,
        requested_at: now,
        settled_at: None,
        overdue: false,
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
            _ => Ok(repeat(existing, now)),
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
        && let Some(pending) = order
            .refunds
            .iter()
            .find(|r| r.transaction_id == payment.transaction_id && r.amount == amount && r.status.is_open())
    {
        return Ok(repeat(pending, now));
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
pub fn provider_refund_no(order: &Order, refund_no: &str, attempt: u32, now: i64, provider: Provider) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(format!("{}|{refund_no}|{attempt}", order.order_no).as_bytes());
    let serial: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match provider {
        Provider::Wechat => format!("R{serial}{attempt}"),
        Provider::Alipay => format!("{}{serial}", crate::time::beijing_date(now)),
    }
}

/// Where the buyer goes after a verified return: `destination` with `order_no`,
/// `pay_state`, `paybridge_ts` and `paybridge_sig` appended (before any fragment). The
/// signature ([`crate::seal::return_signature`]) proves the worker stated that state at that
/// time; it is a statement for the merchant's backend, not proof of a payment beyond it.
pub fn return_location(destination: &str, order: &Order, merchant_token: &str, now: i64) -> String {
    let (base, fragment) = match destination.split_once('#') {
        Some((base, fragment)) => (base, format!("#{fragment}")),
        None => (destination, String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let state = order.state.code();
    let sig = crate::seal::return_signature(merchant_token, order.order_no.as_str(), state, now);
    format!(
        "{base}{sep}order_no={}&pay_state={state}&paybridge_ts={now}&paybridge_sig={sig}{fragment}",
        crate::http::order_segment(&order.order_no),
    )
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
