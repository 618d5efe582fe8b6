//! The order record and its forward-only state machine.
//!
//! States are the spec's `pay_state`: 0 waiting, 1 paid, 2 cancelled, 3 refunded. Every
//! change comes from an [`Event`] backed by provider evidence (a verified notify or a
//! query reply) or by the merchant's own command, and is appended to the history with
//! the message that caused it. The order's Durable Object is its only writer; this
//! module decides, the object stores.
//!
//! | from \ event | Paid | Closed | RefundRequested | RefundSettled / PaymentRefunded |
//! |---|---|---|---|---|
//! | waiting | → paid | → cancelled | refused | refused |
//! | paid | same transaction: no-op; another: kept as an extra payment | no-op (a late close never cancels a paid order) | recorded (per `refund_no`) | recorded; → refunded once the whole payment is back |
//! | cancelled | → paid, marked late (the provider took the money: the truth wins) | no-op | refused | refused |
//! | refunded | same: no-op; another: extra payment | no-op | recorded (an extra payment's refund) | recorded |
//!
//! No verified payment is ever dropped: every one is kept once, keyed by its provider's
//! transaction id, as the payment or as an extra payment that needs the merchant.

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
    type Error = &'static str;
    fn try_from(v: u8) -> Result<Self, &'static str> {
        match v {
            0 => Ok(Self::Waiting),
            1 => Ok(Self::Paid),
            2 => Ok(Self::Cancelled),
            3 => Ok(Self::Refunded),
            _ => Err("pay_state must be 0 to 3"),
        }
    }
}

/// What a provider's trade state proves about one trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeFact {
    /// Not paid yet (or unknown): proves nothing.
    Open,
    /// Paid.
    Paid,
    /// Closed.
    Closed,
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
    /// A verified and decrypted WeChat Pay v3 refund notify.
    WechatRefundNotify,
    /// An Alipay OpenAPI refund reply or `alipay.trade.fastpay.refund.query`.
    AlipayRefundQuery,
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
    /// True when it arrived after the order was cancelled (closed or expired): the money
    /// is real, so the order became paid, but the merchant should look at it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
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
    /// The number the provider knows this attempt by (`out_refund_no` / `batch_no`); a
    /// failed refund retried gets a fresh one.
    pub provider_refund_no: String,
    /// Attempts so far (1 for the first).
    pub attempts: u32,
    /// The provider's refund id, when known.
    #[serde(default)]
    pub refund_id: Option<String>,
    /// Progress.
    #[serde(flatten)]
    pub status: RefundStatus,
    /// When requested (Unix seconds).
    pub requested_at: i64,
    /// When confirmed or failed (Unix seconds).
    #[serde(default)]
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
    /// When the first cashier URL or QR code was issued.
    pub issued_at: i64,
    /// The OpenAPI `precreate` QR code, once one was made (`AlipayQr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
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
    /// The merchant's page the buyer returns to after Alipay (verified first): fixed by
    /// `CreateOrder` or the first `Pay`, never changed afterwards.
    #[serde(default)]
    pub return_url: Option<String>,
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
    /// Every refund requested, oldest first.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Every state change, oldest first.
    #[serde(default)]
    pub history: Vec<Transition>,
}

/// How a refund ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundOutcome {
    /// The money went back.
    Succeeded,
    /// The provider gave up (its status or code).
    Failed(String),
}

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A provider reports a payment for the order.
    Paid(Payment),
    /// The order was closed or expired unpaid.
    Closed(Closure),
    /// A provider accepted a refund request (new, or a retry of a failed one).
    RefundRequested(Refund),
    /// A provider settled the refund it knows by `provider_refund_no`.
    RefundSettled {
        /// `out_refund_no` / `batch_no`.
        provider_refund_no: String,
        /// The provider's refund id, if it sent one.
        refund_id: Option<String>,
        /// How it ended.
        outcome: RefundOutcome,
        /// What reported it.
        source: Source,
    },
    /// A provider reports a whole transaction refunded (Alipay's `TRADE_CLOSED` after
    /// payment), whoever asked for it.
    PaymentRefunded {
        /// The transaction.
        transaction_id: String,
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
    /// A refund names a transaction the order has no payment for.
    #[error("the order has no payment {0}")]
    UnknownPayment(String),
    /// A refund for more than is left of its payment.
    #[error("only {left} fen of the payment are left to refund")]
    RefundTooLarge {
        /// Fen left.
        left: u64,
    },
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
