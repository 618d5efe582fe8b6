//! The worker's one error type, and the one place it becomes a documented result code
//! ([`Error::api`]). Every handler returns `Result<_, Error>`; the conversions below let
//! `?` carry core errors (API errors, provider call errors, refused changes) and platform
//! failures (workerd calls, JSON) without flattening them into strings on the way.

use paycore::api::{ApiError, ResultCode};
use paycore::order::Refusal;
use paycore::provider::CallError;

/// Why a request or alarm could not do its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Already an API error with its code (a bad command, an unknown order, …).
    Api(ApiError),
    /// A provider call gave no usable outcome.
    Call(CallError),
    /// The order's state machine refused a change.
    Refused(Refusal),
    /// The order's storage (SQLite, KV, the object's binding) failed.
    Storage(String),
    /// Something that should not happen (a response that could not be built).
    Internal(String),
}

/// A provider call that produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum Transport {
    /// No reply within `PROVIDER_TIMEOUT_MS`.
    #[error("no reply in time")]
    Timeout,
    /// The connection failed.
    #[error("network: {0}")]
    Network(String),
}

impl Error {
    /// A storage failure.
    pub fn storage(e: impl std::fmt::Display) -> Self {
        Self::Storage(e.to_string())
    }

    /// A failure that should not happen.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// -10.
    pub fn order_not_found() -> Self {
        Self::Api(ApiError::new(ResultCode::OrderNotFound, "no order with this order_no"))
    }

    /// The documented result code and message of this error: the one place that decides.
    pub fn api(&self) -> ApiError {
        match self {
            Self::Api(e) => e.clone(),
            Self::Call(e) => e.api_error(),
            Self::Refused(r) => {
                let code = match r {
                    Refusal::NotPaid => ResultCode::InvalidOrderState,
                    Refusal::NotPayable(_) => ResultCode::OrderNotPayable,
                    Refusal::RefundTooLarge { .. } => ResultCode::RefundTooLarge,
                    Refusal::UnknownPayment(_) => ResultCode::PaymentNotFound,
                    Refusal::AmountMismatch { .. }
                    | Refusal::UnknownTrade(_)
                    | Refusal::UnknownRefund(_)
                    | Refusal::Currency(_)
                    | Refusal::Incomplete => ResultCode::ProviderBadReply,
                };
                ApiError::new(code, r.to_string())
            }
            Self::Storage(e) => ApiError::new(ResultCode::StorageUnavailable, format!("order storage failed: {e}")),
            Self::Internal(e) => ApiError::new(ResultCode::Internal, e.clone()),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

impl From<Refusal> for Error {
    fn from(e: Refusal) -> Self {
        Self::Refused(e)
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(format!("JSON: {e}"))
    }
}

impl Transport {
    /// -15 for `provider`'s call.
    pub fn call_error(self, provider: paycore::order::Provider) -> CallError {
        let name = provider.display_name();
        match self {
            Self::Timeout => CallError::Unavailable(format!("{name} did not answer in time")),
            Self::Network(e) => CallError::Unavailable(format!("{name} could not be reached: {e}")),
        }
    }
}
