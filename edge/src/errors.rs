//! The one place where every failure becomes an [`ApiError`] with its documented code.

use paycore::alipay::service::ServiceError;
use paycore::api::{ApiError, ResultCode};
use paycore::order::Refusal;
use paycore::wechat::reply::ReplyError;

/// A provider call that produced no usable reply.
#[derive(Debug)]
pub enum Transport {
    /// No reply within `PROVIDER_TIMEOUT_MS`.
    Timeout,
    /// The connection failed.
    Network(String),
    /// HTTP status other than 200.
    Status(u16),
}

/// -15: the provider could not be reached.
pub fn transport(provider: &str, t: &Transport) -> ApiError {
    let msg = match t {
        Transport::Timeout => format!("{provider} did not answer in time"),
        Transport::Network(e) => format!("{provider} could not be reached: {e}"),
        Transport::Status(s) => format!("{provider} answered HTTP {s}"),
    };
    ApiError::new(ResultCode::ProviderUnavailable, msg)
}

/// -16 for WeChat's refusals, -17 for replies that fail parsing or verification.
pub fn wechat(e: &ReplyError) -> ApiError {
    match e {
        ReplyError::Business { code, description } if code.as_str().is_empty() => ApiError::new(
            ResultCode::ProviderRejected,
            format!("WeChat Pay result_code FAIL without err_code {description}"),
        ),
        ReplyError::Business { code, description } => {
            ApiError::new(ResultCode::ProviderRejected, format!("WeChat Pay {code}: {description}"))
        }
        ReplyError::Communication(msg) => {
            ApiError::new(ResultCode::ProviderRejected, format!("WeChat Pay FAIL: {msg}"))
        }
        other => ApiError::new(ResultCode::ProviderBadReply, format!("WeChat Pay reply rejected: {other}")),
    }
}

/// -16 for Alipay's refusals, -17 for replies that fail parsing.
pub fn alipay(e: &ServiceError) -> ApiError {
    match e {
        ServiceError::Refused(code) => ApiError::new(ResultCode::ProviderRejected, format!("Alipay {code}")),
        other => ApiError::new(ResultCode::ProviderBadReply, format!("Alipay reply rejected: {other}")),
    }
}

/// -18: the order's storage (or the listing projection) failed.
pub fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ResultCode::StorageUnavailable, format!("order storage failed: {e}"))
}

/// The code of a refused event: -14 for a state that does not allow it, -17 for an
/// amount that disagrees with the order, -23 and -25 for refunds.
pub fn refusal(r: &Refusal) -> ApiError {
    let code = match r {
        Refusal::NotPaid => ResultCode::InvalidOrderState,
        Refusal::AmountMismatch { .. } => ResultCode::ProviderBadReply,
        Refusal::RefundTooLarge { .. } => ResultCode::RefundTooLarge,
        Refusal::UnknownPayment(_) => ResultCode::PaymentNotFound,
    };
    ApiError::new(code, r.to_string())
}

/// -10.
pub fn order_not_found() -> ApiError {
    ApiError::new(ResultCode::OrderNotFound, "no order with this order_no")
}

/// -20: a state the code should never reach.
pub fn internal(msg: &str) -> ApiError {
    ApiError::new(ResultCode::Internal, msg)
}
