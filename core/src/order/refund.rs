//! Refunds and where each stands. A refund is stored `sending` before its provider call,
//! so a provider that took it is never the only one to know:
//!
//! | status | meaning for the merchant | the object |
//! |---|---|---|
//! | `sending` | being sent now | asks the provider if the call never returned (a restart) |
//! | `unknown` | the call ended without a definite answer (timeout, 5xx, a retry-able error, an unreadable reply): it may have gone through; do not refund again under another number | asks the provider (and re-sends the same number) until it knows |
//! | `requested` | the provider accepted it | asks until it settles |
//! | `succeeded` | the money went back | done |
//! | `failed` | the provider refused or closed it (`detail`); `Refund` with the same `refund_no` tries again under a new provider number | done |
//! | `abnormal` | the money left the merchant's balance but did not reach the buyer (WeChat `CHANGE`/`ABNORMAL`): finish it in the provider's portal; never retried automatically | keeps asking, records a later success |
//!
//! Every status but `failed` counts against the payment's refundable amount.

use serde::{Deserialize, Serialize};

use super::Provider;
use crate::AmountFen;

/// Where a refund stands (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
pub enum RefundStatus {
    /// Stored, the provider call under way.
    Sending,
    /// The call ended without a definite answer (why).
    Unknown(String),
    /// Accepted by the provider, not yet settled.
    Requested,
    /// Settled: the money went back.
    Succeeded,
    /// Refused or closed by the provider (its code).
    Failed(String),
    /// The money left but did not arrive; the merchant finishes it (the provider's code).
    Abnormal(String),
}

impl RefundStatus {
    /// The stored name (`sending`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Unknown(_) => "unknown",
            Self::Requested => "requested",
            Self::Succeeded => "succeeded",
            Self::Failed(_) => "failed",
            Self::Abnormal(_) => "abnormal",
        }
    }

    /// True while the object keeps asking the provider about it.
    pub fn is_open(&self) -> bool {
        !matches!(self, Self::Succeeded | Self::Failed(_))
    }

    /// True when its amount counts against the payment (all but `failed`).
    pub fn counts(&self) -> bool {
        !matches!(self, Self::Failed(_))
    }

    /// True before the provider answered the call (`sending`, `unknown`): the call may be
    /// made again under the same provider number.
    pub fn unanswered(&self) -> bool {
        matches!(self, Self::Sending | Self::Unknown(_))
    }
}

/// One refund of (part of) a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// The merchant's refund number (or one the worker derived): the idempotency key.
    pub refund_no: String,
    /// Which provider refunds.
    pub provider: Provider,
    /// The provider transaction refunded (the payment or an extra payment).
    pub transaction_id: String,
    /// Refunded amount.
    pub amount: AmountFen,
    /// The reason the merchant gave (sent to the provider where it takes one).
    #[serde(default)]
    pub reason: String,
    /// The number the provider knows this attempt by (`out_refund_no` / `batch_no` /
    /// `out_request_no`): fixed when the attempt starts and re-sent unchanged until the
    /// provider proves the attempt failed.
    pub provider_refund_no: String,
    /// Attempts so far (1 for the first).
    pub attempts: u32,
    /// The provider's refund id, when known.
    #[serde(default)]
    pub refund_id: Option<String>,
    /// Progress.
    #[serde(flatten)]
    pub status: RefundStatus,
    /// When this attempt started (Unix seconds).
    pub requested_at: i64,
    /// When it settled (Unix seconds).
    #[serde(default)]
    pub settled_at: Option<i64>,
    /// Unsettled for longer than the providers take: the merchant should look at it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
}

/// What a refund call came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// The provider accepted it (its refund id, when it gave one).
    Accepted {
        /// The provider's refund id.
        refund_id: Option<String>,
    },
    /// The provider definitely refused it (its code).
    Refused(String),
    /// No definite answer (why): it may have gone through.
    Unknown(String),
}

/// How a provider says a refund ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundResult {
    /// The money went back.
    Succeeded,
    /// The provider gave up (its status or code).
    Failed(String),
    /// The money is stuck between merchant and buyer (its status).
    Abnormal(String),
    /// Still being processed: proves nothing yet.
    Processing,
}
