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

/// -18: KV failed.
pub fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ResultCode::StorageUnavailable, format!("order storage failed: {e}"))
}

/// -14 (or -17 for an amount that disagrees with the order).
pub fn refusal(r: &Refusal) -> ApiError {
    match r {
        Refusal::NotPaid => ApiError::new(ResultCode::InvalidOrderState, "the order is not paid"),
        Refusal::AmountMismatch { .. } => ApiError::new(ResultCode::ProviderBadReply, r.to_string()),
    }
}

/// -10.
pub fn order_not_found() -> ApiError {
    ApiError::new(ResultCode::OrderNotFound, "no order with this order_no")
}
