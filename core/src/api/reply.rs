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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayInfo {
    /// Type 1: the signed Alipay cashier URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_url: Option<String>,
    /// Type 2: the WeChat `code_url` to show as a QR code (`pc`), or the H5 URL to open
    /// from the shop's page (`mobile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_pay_url: Option<String>,
    /// Type 2 inside WeChat: the parameters for `WeixinJSBridge.invoke("getBrandWCPayRequest", …)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_jsapi: Option<JsapiParams>,
}

/// WeChat JSAPI's parameters for `getBrandWCPayRequest`, all strings, named as the bridge
/// wants them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiParams {
    /// The appid the order was made with.
    pub app_id: String,
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// A fresh nonce.
    pub nonce_str: String,
    /// `prepay_id=<id>`.
    pub package: String,
    /// v2: the sign type `unifiedorder` was signed with (`MD5`, `HMAC-SHA256`); v3: `RSA`.
    pub sign_type: String,
    /// The signature over the other five.
    pub pay_sign: String,
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

/// `AlipayQr` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlipayQrReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// `https://qr.alipay.com/…`: the QR code's text.
    pub qr_code: String,
    /// When the order stops accepting payment (Unix seconds).
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
    /// Extension: the worker's clock when it answered (Unix seconds), so a page judges
    /// expiry by the server's clock rather than the browser's.
    #[serde(default)]
    pub server_time: i64,
}

impl StateReply {
    /// The state of `order`, answered at `now` (Unix seconds).
    pub fn of(order: &Order, now: i64) -> Self {
        Self {
            result: 0,
            msg: String::new(),
            order_no: order.order_no.to_string(),
            pay_state: order.state.code(),
            pay_state_desc: order.state.desc().to_owned(),
            expires_at: order.expires_at,
            server_time: now,
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
    /// Fen of the order's payment refunded so far.
    #[serde(default)]
    pub refunded_fee: u64,
    /// Refunds not yet settled (sending, unknown, requested, abnormal).
    #[serde(default)]
    pub pending_refunds: usize,
    /// An extra payment not refunded, or a payment after cancel: look at `QueryOrder`.
    #[serde(default)]
    pub needs_attention: bool,
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
            refunded_fee: o.payment.as_ref().map_or(0, |p| o.refunded_fen(&p.transaction_id)),
            pending_refunds: o.refunds.iter().filter(|r| r.status.is_open()).count(),
            needs_attention: o.needs_attention(),
        }
    }
}

/// `QueryOrder`'s order: the full stored record with its evidence, and whether it needs the
/// merchant's attention (as the listings say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRecord {
    /// The record.
    #[serde(flatten)]
    pub order: Order,
    /// See [`OrderView::needs_attention`].
    pub needs_attention: bool,
}

impl From<Order> for OrderRecord {
    fn from(order: Order) -> Self {
        Self { needs_attention: order.needs_attention(), order }
    }
}

/// `Refund` reply: the order and the refund the request means (pending, done or failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The order after the request.
    pub order: OrderView,
    /// The refund.
    pub refund: crate::order::Refund,
}

/// One order in `ListOrders`: the KV projection's metadata, written by the order's
/// object after each change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// The order.
    pub order_no: String,
    /// 0–3.
    pub pay_state: u8,
    /// Amount in fen.
    pub total_fee: u64,
    /// Fen refunded of the order's payment.
    #[serde(default)]
    pub refunded_fee: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// See [`OrderView::needs_attention`].
    #[serde(default)]
    pub needs_attention: bool,
    /// When the object wrote this projection (Unix seconds).
    #[serde(default)]
    pub updated_at: i64,
    /// Who was paid, once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// When it was paid (the provider's time, Unix seconds), once paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<i64>,
    /// The subject (cut to 64 characters: the metadata has room for 1 KB).
    #[serde(default)]
    pub subject: String,
}

impl OrderSummary {
    /// The projection of `o` at `now`.
    pub fn of(o: &Order, now: i64) -> Self {
        let view = OrderView::from(o);
        Self {
            order_no: view.order_no,
            pay_state: view.pay_state,
            total_fee: view.total_fee,
            refunded_fee: view.refunded_fee,
            created_at: view.created_at,
            expires_at: view.expires_at,
            needs_attention: view.needs_attention,
            updated_at: now,
            provider: o.payment.as_ref().map(|p| p.provider),
            paid_at: o
                .payment
                .as_ref()
                .map(|p| p.paid_at.as_deref().and_then(crate::recon::provider_time).unwrap_or(p.recorded_at)),
            subject: o.subject.chars().take(64).collect(),
        }
    }

    /// Whether it passes a `ListOrders` request's filters.
    pub fn matches(&self, req: &crate::api::ListOrdersRequest) -> bool {
        req.state.is_none_or(|st| st.code() == self.pay_state)
            && (!req.needs_attention.unwrap_or(false) || self.needs_attention)
            && req.from.is_none_or(|from| self.created_at >= from)
            && req.to.is_none_or(|to| self.created_at < to)
    }
}

/// `ListOrders` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOrdersReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// This page's orders (after the `state` filter: a page may hold fewer than `limit`).
    pub orders: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
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

/// `ListEvents` reply: the order's webhook events, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The events.
    pub events: Vec<crate::webhook::EventRecord>,
}

/// `ResendEvent` reply: the event after the attempt made now (or queued behind one in
/// flight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The event.
    pub event: crate::webhook::EventRecord,
}
