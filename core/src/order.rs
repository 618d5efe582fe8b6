//! The order record and its forward-only state machine.
//!
//! States are the spec's `pay_state`: 0 waiting, 1 paid, 2 cancelled, 3 refunded. Every
//! change comes from a [`Change`] backed by provider evidence (a verified notify or a
//! query reply) or by the merchant's own command, and is appended to the history with
//! the message that caused it. The order's Durable Object is its only writer; this
//! module decides, the object stores.
//!
//! | from \ change | Paid | Cancelled | SessionStarted | RefundStarted | RefundSent / RefundSettled / PaymentRefunded |
//! |---|---|---|---|---|---|
//! | waiting | → paid | → cancelled | kept | refused | refused |
//! | paid | same transaction: no-op; another: kept as an extra payment | no-op (a late close never cancels a paid order) | refused | stored (per `refund_no`) | stored; → refunded once the whole payment is back |
//! | cancelled | → paid, marked late (the provider took the money: the truth wins) | no-op | refused (its trade is closed again) | refused | refused |
//! | refunded | same: no-op; another: extra payment | no-op | refused | stored (an extra payment's refund) | stored |
//!
//! No verified payment is ever dropped: every one is kept once, keyed by its provider's
//! transaction id, as the payment or as an extra payment that needs the merchant. A
//! refund is stored (`sending`) before the provider is asked, so no refund the provider
//! may have taken is ever absent from the record (see [`RefundStatus`]).

use serde::{Deserialize, Serialize};

use crate::{AmountFen, OrderNo};

mod machine;
mod refund;
mod session;

pub use refund::{Refund, RefundResult, RefundStatus, SendResult};
pub use session::{Channel, Session};

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

    /// True for paid and refunded: the order has its payment.
    pub fn is_paid(self) -> bool {
        matches!(self, Self::Paid | Self::Refunded)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradeFact {
    /// Not paid yet (or unknown): proves nothing.
    Open,
    /// Paid.
    Paid,
    /// Closed.
    Closed,
}

/// A payment provider (a wallet), whichever of its APIs the merchant uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// WeChat Pay.
    Wechat,
    /// Alipay.
    Alipay,
}

impl Provider {
    /// Both wallets, in the order the object asks them.
    pub const ALL: [Provider; 2] = [Provider::Wechat, Provider::Alipay];

    /// The wire name (`wechat`, `alipay`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wechat => "wechat",
            Self::Alipay => "alipay",
        }
    }

    /// The name merchants read in messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Wechat => "WeChat Pay",
            Self::Alipay => "Alipay",
        }
    }
}

/// The message or command that moved an order: its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A verified WeChat payment notify.
    WechatNotify,
    /// A verified (and, for MAPI, `notify_verify`-confirmed) Alipay notify.
    AlipayNotify,
    /// A WeChat order query reply.
    WechatQuery,
    /// An Alipay trade query reply.
    AlipayQuery,
    /// The merchant's `CloseOrder`, confirmed by the provider(s).
    MerchantClose,
    /// The order's expiry passed with no payment found at the providers.
    Expiry,
    /// The merchant's `Refund`, answered by the provider.
    MerchantRefund,
    /// A WeChat refund query reply.
    WechatRefundQuery,
    /// A verified Alipay `batch_refund_notify`.
    AlipayRefundNotify,
    /// A verified and decrypted WeChat Pay v3 refund notify.
    WechatRefundNotify,
    /// An Alipay OpenAPI refund query reply.
    AlipayRefundQuery,
}

impl Source {
    /// A provider's verified payment notify.
    pub fn notify(provider: Provider) -> Self {
        match provider {
            Provider::Wechat => Self::WechatNotify,
            Provider::Alipay => Self::AlipayNotify,
        }
    }

    /// A provider's trade query reply.
    pub fn query(provider: Provider) -> Self {
        match provider {
            Provider::Wechat => Self::WechatQuery,
            Provider::Alipay => Self::AlipayQuery,
        }
    }

    /// A provider's refund query reply.
    pub fn refund_query(provider: Provider) -> Self {
        match provider {
            Provider::Wechat => Self::WechatRefundQuery,
            Provider::Alipay => Self::AlipayRefundQuery,
        }
    }

    /// A provider's refund notify.
    pub fn refund_notify(provider: Provider) -> Self {
        match provider {
            Provider::Wechat => Self::WechatRefundNotify,
            Provider::Alipay => Self::AlipayRefundNotify,
        }
    }
}

/// Evidence of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Who took the money.
    pub provider: Provider,
    /// The provider's transaction id (`transaction_id` / `trade_no`).
    pub transaction_id: String,
    /// The number the provider knows the paid trade by (`out_trade_no`); refunds name it.
    /// Empty in records from before sessions had numbers of their own: the order number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trade_no: String,
    /// The amount the provider reported.
    pub amount: AmountFen,
    /// What the buyer paid, in fen, when the provider says (`cash_fee`, `payer_total`,
    /// `buyer_pay_amount`): less than `amount` when a coupon paid part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<AmountFen>,
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
    /// The provider(s) reported every trade of it closed.
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

/// An order as stored (the order object's SQLite row, JSON).
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
    /// Every payment session started for the order (a QR code, a cashier), oldest first.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// The merchant's page the buyer returns to after Alipay (verified first), when
    /// `CreateOrder` fixed one.
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
    /// Every refund asked for, oldest first.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Every state change, oldest first.
    #[serde(default)]
    pub history: Vec<Transition>,
    /// Sessions as records from before `sessions` stored them (read once, then rewritten).
    #[serde(default, rename = "wechat", skip_serializing)]
    legacy_wechat: Option<session::LegacyWechat>,
    /// See `legacy_wechat`.
    #[serde(default, rename = "alipay", skip_serializing)]
    legacy_alipay: Option<session::LegacyAlipay>,
}

/// Something that happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A provider reports a payment for the order.
    Paid(Payment),
    /// The order was closed or expired unpaid.
    Cancelled(Closure),
    /// A provider reports one of the order's trades closed: the session can take no more
    /// money, and once every session is closed the waiting order is cancelled.
    TradeClosed {
        /// Whose trade.
        provider: Provider,
        /// Its `out_trade_no`.
        trade_no: String,
        /// What reported it.
        source: Source,
    },
    /// A payment session was started (a code or cashier handed out).
    SessionStarted(Session),
    /// A refund is about to be sent (stored first: no refund is ever sent unrecorded).
    RefundStarted(Refund),
    /// What the provider answered to the refund call of `refund_no`.
    RefundSent {
        /// The merchant's refund number.
        refund_no: String,
        /// Accepted, refused, or no definite answer.
        result: SendResult,
    },
    /// A provider settled the refund it knows by `provider_refund_no`.
    RefundSettled {
        /// `out_refund_no` / `batch_no` / `out_request_no`.
        provider_refund_no: String,
        /// The provider's refund id, if it sent one.
        refund_id: Option<String>,
        /// How it ended.
        result: RefundResult,
        /// What reported it.
        source: Source,
    },
    /// A refund stayed unsettled too long: the merchant must look at it.
    RefundOverdue {
        /// The merchant's refund number.
        refund_no: String,
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

/// Why a change was refused.
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
    /// A new payment session for an order that can no longer be paid.
    #[error("the order is {0} and takes no new payment session")]
    NotPayable(&'static str),
    /// A message about a trade this order never started.
    #[error("the trade {0} is not one of this order's")]
    UnknownTrade(String),
    /// A refund message about a refund this order never sent.
    #[error("the refund {0} is not one of this order's")]
    UnknownRefund(String),
    /// A message in another currency than the order's (CNY).
    #[error("currency {0} is not CNY")]
    Currency(String),
    /// A payment message without the transaction id or amount it must carry.
    #[error("the payment message lacks its transaction id or amount")]
    Incomplete,
}

/// What applying a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The record changed (state, or new evidence): store it.
    Changed,
    /// Nothing to do (a duplicate or late change).
    Unchanged,
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
