//! Alipay notifies (POST form to `notify_url`) and returns (GET to `return_url`).
//!
//! Both checks are required (official demo `verifyNotify`): the MD5 signature over the
//! decoded form, then `notify_verify` at the gateway must answer exactly `true`. Then the
//! business checks: our `seller_id`/`seller_email`, a valid order number and amount (the
//! worker compares the amount with the stored order). The reply is exactly `success`.

use super::{AlipayConfig, TradeStatus};
use crate::form::{FormError, RawForm, encode_pairs};
use crate::http::HttpRequest;
use crate::sign::{SignError, alipay_verify};
use crate::{AmountFen, OrderNo};

/// The body that stops Alipay's re-sends: exactly these 7 bytes.
pub const REPLY_SUCCESS: &str = "success";
/// The body that asks Alipay to re-send.
pub const REPLY_FAIL: &str = "fail";

/// Why a notify or return was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The form is malformed.
    #[error("malformed form: {0}")]
    Form(#[from] FormError),
    /// The MD5 signature is missing or wrong.
    #[error("notify signature invalid: {0}")]
    Sign(#[from] SignError),
    /// `seller_id`/`seller_email` is not ours, or neither is present.
    #[error("notify is for another seller")]
    WrongSeller,
    /// `notify_type` is neither `trade_status_sync` nor `batch_refund_notify`.
    #[error("unsupported notify_type")]
    UnknownType,
    /// A required field is absent or empty.
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    /// A field is present but invalid (order number, amount, refund details).
    #[error("field `{0}` is invalid")]
    Invalid(&'static str),
}

/// A verified trade notify or return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeNotify {
    /// `notify_id`, to confirm with `notify_verify` (as decoded, once).
    pub notify_id: String,
    /// `out_trade_no` (a valid order number's shape).
    pub out_trade_no: String,
    /// `trade_no` (Alipay's transaction number).
    pub trade_no: String,
    /// `trade_status`.
    pub trade_status: TradeStatus,
    /// `total_fee`, converted from yuan to fen.
    pub total_fee: AmountFen,
    /// `gmt_payment`, if present.
    pub gmt_payment: Option<String>,
}

/// One refund in a `batch_refund_notify`'s `result_details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDetail {
    /// The refunded `trade_no`.
    pub trade_no: String,
    /// The refunded amount.
    pub amount: AmountFen,
    /// `SUCCESS`, or the failure code.
    pub result: String,
}

/// A verified `batch_refund_notify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundNotify {
    /// `notify_id`.
    pub notify_id: String,
    /// `batch_no` of the refund request.
    pub batch_no: String,
    /// `result_details`, one entry per refunded trade.
    pub details: Vec<RefundDetail>,
}

/// What a verified notify reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notify {
    /// `trade_status_sync` (also what a return URL carries).
    Trade(TradeNotify),
    /// `batch_refund_notify`.
    Refund(RefundNotify),
}

fn text<'a>(form: &'a RawForm, name: &'static str) -> Result<&'a str, NotifyError> {
    match form.text(name) {
        Ok(Some(v)) if !v.is_empty() => Ok(v),
        Ok(_) => Err(NotifyError::Missing(name)),
        Err(_) => Err(NotifyError::Invalid(name)),
    }
}

fn optional<'a>(form: &'a RawForm, name: &'static str) -> Result<Option<&'a str>, NotifyError> {
    match form.text(name) {
        Ok(v) => Ok(v.filter(|v| !v.is_empty())),
        Err(_) => Err(NotifyError::Invalid(name)),
    }
}

/// Verifies the signature and reads a notify (or return) form. The caller must still
/// confirm `notify_id` with [`notify_verify_request`] before acting on it.
pub fn verify(cfg: &AlipayConfig, form: &RawForm) -> Result<Notify, NotifyError> {
    alipay_verify(form.pairs(), &cfg.key)?;
    let notify_id = text(form, "notify_id")?.to_owned();
    match text(form, "notify_type")? {
        "trade_status_sync" => {
            let seller_id = optional(form, "seller_id")?;
            let seller_email = optional(form, "seller_email")?;
            let ours = match (seller_id, seller_email) {
                (None, None) => false,
                (id, email) => {
                    id.is_none_or(|id| id == cfg.partner)
                        && email.is_none_or(|e| e.eq_ignore_ascii_case(&cfg.seller_email))
                }
            };
            if !ours {
                return Err(NotifyError::WrongSeller);
            }
            Ok(Notify::Trade(TradeNotify {
                notify_id,
                out_trade_no: OrderNo::parse(text(form, "out_trade_no")?)
                    .map_err(|_| NotifyError::Invalid("out_trade_no"))?
                    .as_str()
                    .to_owned(),
                trade_no: text(form, "trade_no")?.to_owned(),
                trade_status: TradeStatus::parse(text(form, "trade_status")?),
                total_fee: AmountFen::parse_yuan(text(form, "total_fee")?)
                    .map_err(|_| NotifyError::Invalid("total_fee"))?,
                gmt_payment: optional(form, "gmt_payment")?.map(str::to_owned),
            }))
        }
        "batch_refund_notify" => Ok(Notify::Refund(RefundNotify {
            notify_id,
            batch_no: text(form, "batch_no")?.to_owned(),
            details: parse_result_details(text(form, "result_details")?)?,
        })),
        _ => Err(NotifyError::UnknownType),
    }
}

/// `result_details`: refunds separated by `#`; each `trade_no^amount^result`, optionally
/// followed by `$`-separated fee-refund details that are not needed here.
fn parse_result_details(details: &str) -> Result<Vec<RefundDetail>, NotifyError> {
    let invalid = || NotifyError::Invalid("result_details");
    details
        .split('#')
        .take(1000)
        .map(|entry| {
            let main = entry.split('$').next().unwrap_or("");
            let mut parts = main.split('^');
            let (Some(trade_no), Some(amount), Some(result), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(invalid());
            };
            Ok(RefundDetail {
                trade_no: trade_no.to_owned(),
                amount: AmountFen::parse_yuan(amount).map_err(|_| invalid())?,
                result: result.to_owned(),
            })
        })
        .collect()
}

/// `notify_verify`: asks the gateway whether Alipay really sent `notify_id`.
pub fn notify_verify_request(cfg: &AlipayConfig, notify_id: &str) -> HttpRequest {
    let query =
        encode_pairs([("service", "notify_verify"), ("partner", cfg.partner.as_str()), ("notify_id", notify_id)]);
    HttpRequest::get(cfg.gateway_with_query(&query))
}

/// The gateway's answer to `notify_verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyVerdict {
    /// `true`: Alipay sent it.
    Genuine,
    /// `false`: not genuine, or the notify_id expired.
    Denied,
    /// Anything else (`invalid`: bad parameters, or a garbled reply).
    Invalid,
}

/// Reads a `notify_verify` reply: only a body of exactly `true` (surrounding whitespace
/// allowed) is genuine.
pub fn parse_notify_verify(body: &[u8]) -> NotifyVerdict {
    match body.trim_ascii() {
        b"true" => NotifyVerdict::Genuine,
        b"false" => NotifyVerdict::Denied,
        _ => NotifyVerdict::Invalid,
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
