//! Reply bodies. Each carries `result` and `msg`; success replies have `result: 0` and
//! `msg: ""` as in the spec's samples. Field names are the spec's (snake_case).

use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::order::{Order, PayState, Provider};

/// Any failed command: `{"result": <code>, "msg": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// Non-zero [`super::ResultCode`].
    pub result: i32,
    /// What went wrong.
    pub msg: String,
}

impl From<&ApiError> for ErrorReply {
    fn from(e: &ApiError) -> Self {
        Self { result: e.code.code(), msg: e.msg.clone() }
    }
}

/// `pay_info` of a `Pay` reply: one of the two URLs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayInfo {
    /// Type 1: the signed Alipay cashier URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_url: Option<String>,
    /// Type 2: the WeChat `code_url` to show as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_pay_url: Option<String>,
}

/// `Pay` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The URL.
    pub pay_info: PayInfo,
}

/// `WechatPay` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatPayReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// `weixin://wxpay/bizpayurl?pr=…`: the QR code's text.
    pub code_url: String,
    /// Extension: when the order stops accepting payment (Unix seconds). Countdowns
    /// should use this, never a hard-coded duration.
    pub expires_at: i64,
}

/// `WechatPayState` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The order.
    pub order_no: String,
    /// 0 waiting, 1 paid, 2 cancelled, 3 refunded.
    pub pay_state: u8,
    /// 等待支付 / 已支付 / 已取消 / 已退款.
    pub pay_state_desc: String,
    /// Extension: the order's expiry (Unix seconds).
    pub expires_at: i64,
}

impl StateReply {
    /// The state of `order`.
    pub fn of(order: &Order) -> Self {
        Self {
            result: 0,
            msg: String::new(),
            order_no: order.order_no.to_string(),
            pay_state: order.state.code(),
            pay_state_desc: order.state.desc().to_owned(),
            expires_at: order.expires_at,
        }
    }
}

/// The merchant's summary of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// The order.
    pub order_no: String,
    /// Amount in fen.
    pub total_fee: u64,
    /// Subject.
    pub subject: String,
    /// Description.
    pub body: String,
    /// 0–3.
    pub pay_state: u8,
    /// Its description.
    pub pay_state_desc: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Who was paid, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The provider's transaction id, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            order_no: o.order_no.to_string(),
            total_fee: o.total_fee.fen(),
            subject: o.subject.clone(),
            body: o.body.clone(),
            pay_state: o.state.code(),
            pay_state_desc: o.state.desc().to_owned(),
            created_at: o.created_at,
            expires_at: o.expires_at,
            provider: o.payment.as_ref().map(|p| p.provider),
            transaction_id: o.payment.as_ref().map(|p| p.transaction_id.clone()),
        }
    }
}

/// Reply of the merchant commands: the order (an [`OrderView`], or for `QueryOrder` the
/// full stored [`Order`] with its evidence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReply<T> {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The order.
    pub order: T,
}

impl<T> OrderReply<T> {
    /// A success reply.
    pub fn ok(order: T) -> Self {
        Self { result: 0, msg: String::new(), order }
    }
}

impl PayState {
    /// The English name the SDK uses: `waiting`, `paid`, `cancelled`, `refunded`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }
}
