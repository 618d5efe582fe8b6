//! The order record and its forward-only state machine.
//!
//! States are the spec's `pay_state`: 0 waiting, 1 paid, 2 cancelled, 3 refunded. Every
//! change comes from an [`Event`] backed by provider evidence (a verified notify or a
//! query reply) or by the merchant's own command, and is appended to the history with
//! the message that caused it.
//!
//! | from \ event | Paid | Closed | RefundRequested | Refunded |
//! |---|---|---|---|---|
//! | waiting | → paid | → cancelled | refused | refused |
//! | paid | same payment: no-op; another payment: kept as evidence | no-op (a late close never cancels a paid order) | recorded | → refunded |
//! | cancelled | → paid (the provider took the money: the truth wins, flagged in history) | no-op | refused | refused |
//! | refunded | no-op (extra payments kept as evidence) | no-op | no-op | no-op |
//!
//! Provider states map onto these in [`crate::wechat::TradeState::pay_state`] and
//! [`crate::alipay::TradeStatus::pay_state`].

use serde::{Deserialize, Serialize};

use crate::{AmountFen, OrderNo};

/// `pay_state` of the command API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum PayState {
    /// 0 等待支付.
    Waiting,
    /// 1 已支付.
    Paid,
    /// 2 已取消.
    Cancelled,
    /// 3 已退款.
    Refunded,
}

impl PayState {
    /// The numeric `pay_state`.
    pub fn code(self) -> u8 {
        match self {
            Self::Waiting => 0,
            Self::Paid => 1,
            Self::Cancelled => 2,
            Self::Refunded => 3,
        }
    }

    /// `pay_state_desc`, as in the spec.
    pub fn desc(self) -> &'static str {
        match self {
            Self::Waiting => "等待支付",
            Self::Paid => "已支付",
            Self::Cancelled => "已取消",
            Self::Refunded => "已退款",
        }
    }

    /// True for paid, cancelled and refunded: polling can stop.
    pub fn is_final(self) -> bool {
        self != Self::Waiting
    }
}

impl From<PayState> for u8 {
    fn from(s: PayState) -> u8 {
        s.code()
    }
}

impl TryFrom<u8> for PayState {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            0 => Ok(Self::Waiting),
            1 => Ok(Self::Paid),
            2 => Ok(Self::Cancelled),
            3 => Ok(Self::Refunded),
            other => Err(format!("pay_state {other} is not 0-3")),
        }
    }
}

/// A payment provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// WeChat Pay v2.
    Wechat,
    /// Alipay MAPI.
    Alipay,
}

/// The message or command that moved an order: its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A verified WeChat payment notify.
    WechatNotify,
    /// A verified and `notify_verify`-confirmed Alipay notify.
    AlipayNotify,
    /// A WeChat `orderquery` reply.
    WechatQuery,
    /// An Alipay `single_trade_query` reply.
    AlipayQuery,
    /// The merchant's `CloseOrder`, confirmed by the provider(s).
    MerchantClose,
    /// The order's expiry passed with no payment found at the providers.
    Expiry,
    /// The merchant's `Refund`, accepted by the provider.
    MerchantRefund,
    /// A WeChat `refundquery` reply.
    WechatRefundQuery,
    /// A verified Alipay `batch_refund_notify`.
    AlipayRefundNotify,
}

/// Evidence of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Who took the money.
    pub provider: Provider,
    /// The provider's transaction id (`transaction_id` / `trade_no`).
    pub transaction_id: String,
    /// The amount the provider reported.
    pub amount: AmountFen,
    /// The provider's payment time as it sent it (`time_end` / `gmt_payment`).
    pub paid_at: Option<String>,
    /// What reported it.
    pub source: Source,
    /// When we recorded it (Unix seconds).
    pub recorded_at: i64,
}

/// Why an order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The merchant closed it.
    Merchant,
    /// It expired unpaid.
    Expired,
    /// A provider reported it closed.
    Provider,
}

/// Evidence of a cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: CloseReason,
    /// What reported it.
    pub source: Source,
    /// When (Unix seconds).
    pub at: i64,
}

/// Where a refund stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
pub enum RefundStatus {
    /// Accepted by the provider, not yet confirmed.
    Requested,
    /// Confirmed: the money went back.
    Succeeded,
    /// The provider reported failure (its code).
    Failed(String),
}

/// Evidence of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Which provider refunds.
    pub provider: Provider,
    /// Our refund number (`out_refund_no` / `batch_no`), reused on retry.
    pub refund_no: String,
    /// The provider's refund id, when known.
    pub refund_id: Option<String>,
    /// Refunded amount (always the full payment).
    pub amount: AmountFen,
    /// Progress.
    #[serde(flatten)]
    pub status: RefundStatus,
    /// When requested (Unix seconds).
    pub requested_at: i64,
    /// When confirmed or failed (Unix seconds).
    pub settled_at: Option<i64>,
}

/// One state change, as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// State before.
    pub from: PayState,
    /// State after.
    pub to: PayState,
    /// What caused it.
    pub source: Source,
    /// When (Unix seconds).
    pub at: i64,
}

/// The WeChat Native session of an order (one `unifiedorder` per order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatSession {
    /// `code_url` for the QR code.
    pub code_url: String,
    /// `prepay_id`.
    pub prepay_id: String,
    /// When `unifiedorder` was called (the code is valid 2 h from then).
    pub created_at: i64,
}

/// The Alipay session of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlipaySession {
    /// The merchant's page the buyer returns to (after `/return/alipay` verifies).
    pub return_url: String,
    /// When the first cashier URL was issued.
    pub issued_at: i64,
}

/// An order as stored (KV value, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// `order_no`.
    pub order_no: OrderNo,
    /// The amount, fixed by the merchant's `CreateOrder`.
    pub total_fee: AmountFen,
    /// Shown to the buyer.
    pub subject: String,
    /// Optional description.
    #[serde(default)]
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; unpaid orders are cancelled after this.
    pub expires_at: i64,
    /// Current `pay_state`.
    pub state: PayState,
    /// Present once `WechatPay` (or `Pay` type 2) ran.
    #[serde(default)]
    pub wechat: Option<WechatSession>,
    /// Present once `Pay` type 1 ran.
    #[serde(default)]
    pub alipay: Option<AlipaySession>,
    /// Last time the providers were asked about this order (Unix seconds).
    #[serde(default)]
    pub last_checked_at: Option<i64>,
    /// The payment that made it paid.
    #[serde(default)]
    pub payment: Option<Payment>,
    /// Further payments for the same order (a buyer paid twice, e.g. with both wallets):
    /// evidence for the merchant to refund.
    #[serde(default)]
    pub extra_payments: Vec<Payment>,
    /// Why it was cancelled.
    #[serde(default)]
    pub closure: Option<Closure>,
    /// The refund, once requested.
    #[serde(default)]
    pub refund: Option<Refund>,
    /// Every state change, oldest first.
    #[serde(default)]
    pub history: Vec<Transition>,
}

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A provider reports the order paid.
    Paid(Payment),
    /// The order was closed or expired unpaid.
    Closed(Closure),
    /// A provider accepted a refund request.
    RefundRequested(Refund),
    /// A provider confirmed the refund.
    Refunded {
        /// The provider's refund id, if it sent one.
        refund_id: Option<String>,
        /// What confirmed it.
        source: Source,
    },
    /// A provider reported the refund failed.
    RefundFailed {
        /// The provider's status or code.
        reason: String,
        /// What reported it.
        source: Source,
    },
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The provider reports a different amount than the order's.
    #[error("amount {got} fen does not match the order's {expected} fen")]
    AmountMismatch {
        /// The order's amount.
        expected: AmountFen,
        /// The reported amount.
        got: AmountFen,
    },
    /// Refunds need a paid order.
    #[error("order is not paid")]
    NotPaid,
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The record changed (state, or new evidence): store it.
    Changed,
    /// Nothing to do (a duplicate or late event).
    Unchanged,
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;

mod machine;
