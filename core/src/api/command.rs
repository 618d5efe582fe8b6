//! Command requests: their JSON shapes, and the one parser that turns a body into a
//! [`Command`] or an [`ApiError`] with the right code.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ApiError, ResultCode};
use crate::http::is_http_url;
use crate::{AmountFen, OrderNo};

/// The largest `/api` body accepted.
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Default time to pay, when `CreateOrder` gives no `expire_seconds`.
pub const DEFAULT_EXPIRE_SECONDS: u32 = 1800;
/// Shortest time to pay (WeChat wants `time_expire` more than a minute out).
pub const MIN_EXPIRE_SECONDS: u32 = 60;
/// Longest time to pay: a WeChat `code_url` is valid for 2 hours.
pub const MAX_EXPIRE_SECONDS: u32 = 7200;

/// A command, tagged by `cmd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "cmd")]
pub enum Command {
    /// `Pay`: a wallet's payment URL (type 1 Alipay cashier, type 2 WeChat `code_url`).
    Pay(PayRequest),
    /// `WechatPay`: the WeChat Native `code_url`.
    WechatPay(WechatPayRequest),
    /// `WechatPayState`: an order's `pay_state`, whichever wallet pays it.
    WechatPayState(StateRequest),
    /// `AlipayQr` (extension): an Alipay QR code for the order (`alipay.trade.precreate`).
    AlipayQr(StateRequest),
    /// `CreateOrder` (merchant): fixes an order's amount.
    CreateOrder(CreateOrderRequest),
    /// `CloseOrder` (merchant): cancels an unpaid order at the providers.
    CloseOrder(OrderRef),
    /// `Refund` (merchant): refunds part or all of a payment.
    Refund(RefundRequest),
    /// `QueryOrder` (merchant): the full order record with its evidence.
    QueryOrder(OrderRef),
    /// `ListOrders` (merchant): orders from the listing projection (eventually consistent).
    ListOrders(ListOrdersRequest),
    /// `ListEvents` (merchant): an order's webhook events with their delivery attempts.
    ListEvents(OrderRef),
    /// `ResendEvent` (merchant): delivers an event again now (same id and body).
    ResendEvent(ResendEventRequest),
    /// `Reconcile` (merchant): reconciles a bill day now (idempotent per day and wallet).
    Reconcile(crate::recon::ReconcileRequest),
    /// `ListReconciliations` (merchant): the kept reports.
    ListReconciliations(crate::recon::ListReconciliationsRequest),
}

impl Command {
    /// The `cmd` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pay(_) => "Pay",
            Self::WechatPay(_) => "WechatPay",
            Self::WechatPayState(_) => "WechatPayState",
            Self::AlipayQr(_) => "AlipayQr",
            Self::CreateOrder(_) => "CreateOrder",
            Self::CloseOrder(_) => "CloseOrder",
            Self::Refund(_) => "Refund",
            Self::QueryOrder(_) => "QueryOrder",
            Self::ListOrders(_) => "ListOrders",
            Self::ListEvents(_) => "ListEvents",
            Self::ResendEvent(_) => "ResendEvent",
            Self::Reconcile(_) => "Reconcile",
            Self::ListReconciliations(_) => "ListReconciliations",
        }
    }

    /// True for commands that need the merchant's Bearer token.
    pub fn is_merchant_only(&self) -> bool {
        matches!(
            self,
            Self::CreateOrder(_)
                | Self::CloseOrder(_)
                | Self::Refund(_)
                | Self::QueryOrder(_)
                | Self::ListOrders(_)
                | Self::ListEvents(_)
                | Self::ResendEvent(_)
                | Self::Reconcile(_)
                | Self::ListReconciliations(_)
        )
    }

    /// The order the command is about (`None` for `ListOrders`): its object answers it.
    /// `ResendEvent` names it inside the event id.
    pub fn order_no(&self) -> Option<OrderNo> {
        match self {
            Self::Pay(r) => Some(r.order_no.clone()),
            Self::WechatPay(r) => Some(r.order_no.clone()),
            Self::WechatPayState(r) | Self::AlipayQr(r) => Some(r.order_no.clone()),
            Self::CreateOrder(r) => Some(r.order_no.clone()),
            Self::Refund(r) => Some(r.order_no.clone()),
            Self::CloseOrder(r) | Self::QueryOrder(r) | Self::ListEvents(r) => Some(r.order_no.clone()),
            Self::ResendEvent(r) => crate::webhook::order_of_event(&r.event_id),
            Self::ListOrders(_) | Self::Reconcile(_) | Self::ListReconciliations(_) => None,
        }
    }
}

/// `Pay`'s `type`: 1 Alipay, 2 WeChat Pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum PayType {
    /// 1: Alipay `create_direct_pay_by_user`.
    Alipay,
    /// 2: WeChat Pay Native.
    Wechat,
}

impl TryFrom<u8> for PayType {
    type Error = &'static str;
    fn try_from(v: u8) -> Result<Self, &'static str> {
        match v {
            1 => Ok(Self::Alipay),
            2 => Ok(Self::Wechat),
            _ => Err("type must be 1 (Alipay) or 2 (WeChat Pay)"),
        }
    }
}

impl From<PayType> for u8 {
    fn from(t: PayType) -> u8 {
        match t {
            PayType::Alipay => 1,
            PayType::Wechat => 2,
        }
    }
}

/// Where the buyer is, as the page tells `Pay`: it picks the way of paying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// A desktop browser (the default): WeChat's QR code, Alipay's cashier page.
    #[default]
    Pc,
    /// A phone's browser outside the wallets: WeChat H5, Alipay wap.
    Mobile,
    /// Inside WeChat: WeChat JSAPI (Alipay cannot open there).
    Wechat,
    /// Inside the Alipay app: Alipay wap (WeChat Pay cannot open there).
    Alipay,
}

/// `Pay` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRequest {
    /// The order.
    pub order_no: OrderNo,
    /// 1 Alipay, 2 WeChat Pay.
    #[serde(rename = "type")]
    pub pay_type: PayType,
    /// Where the buyer lands after paying (http or https): required for Alipay; for WeChat
    /// H5 unless `CreateOrder` fixed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Where the buyer is (default `pc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// WeChat JSAPI: the token the worker's OAuth return gave the page (`paybridge_wx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wx_token: Option<String>,
}

/// `WechatPay` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatPayRequest {
    /// The order.
    pub order_no: OrderNo,
    /// Accepted for compatibility with the spec and ignored: notifies always go to the
    /// worker's own `/notify/wechat`, so a page cannot redirect them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
}

/// `WechatPayState` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRequest {
    /// The order.
    pub order_no: OrderNo,
}

/// `CreateOrder` request (merchant only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    /// The merchant's order number.
    pub order_no: OrderNo,
    /// Amount in integer fen.
    pub total_fee: AmountFen,
    /// Shown to the buyer (1–256 characters).
    pub subject: String,
    /// Optional description (up to 400 characters).
    #[serde(default)]
    pub body: String,
    /// Time to pay, 60–7200 s (default 1800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_seconds: Option<u32>,
    /// Where the buyer lands after Alipay; fixed here or by the first `Pay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

impl CreateOrderRequest {
    /// The effective time to pay.
    pub fn expire_seconds(&self) -> u32 {
        self.expire_seconds.unwrap_or(DEFAULT_EXPIRE_SECONDS)
    }
}

/// A request naming only an order (`CloseOrder`, `Refund`, `QueryOrder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    /// The order.
    pub order_no: OrderNo,
}

/// `Refund` request (merchant only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// The order.
    pub order_no: OrderNo,
    /// Fen to refund; default all that is left of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<AmountFen>,
    /// Shown to the buyer where the provider supports it (up to 80 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The merchant's refund number (1–32 of `0-9 A-Z a-z _ -`): repeating it is safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// The payment to refund: default the one that paid the order; an extra payment's
    /// `transaction_id` refunds that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

/// `ListOrders` request (merchant only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOrdersRequest {
    /// Only orders in this `pay_state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::order::PayState>,
    /// `true`: only orders that need the merchant's attention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_attention: Option<bool>,
    /// Only orders created at or after this time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// Only orders created before this time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// The `cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Keys read per page, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `ResendEvent` request (merchant only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResendEventRequest {
    /// The event's id (`evt_<order_no>.<n>`).
    pub event_id: String,
}

/// Default and largest `ListOrders` page.
pub const LIST_LIMIT: (u32, u32) = (100, 1000);

impl ListOrdersRequest {
    /// The effective page size.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(LIST_LIMIT.0)
    }
}

/// Where a parsed, authorized command goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A page command (no token): to the object of this order, counted against the
    /// client's rate limit.
    Page(OrderNo),
    /// A merchant command: to the object of this order.
    Order(OrderNo),
    /// A merchant command the worker answers itself (`ListOrders` from the listing
    /// projection; `Reconcile` and `ListReconciliations` from the reconciliations).
    Worker(Command),
}

/// Checks `Authorization: Bearer <token>` against the merchant token in constant time
/// (`-5` otherwise; `-19` when no token is configured).
pub fn authorize(merchant_token: Option<&str>, authorization: Option<&str>) -> Result<(), ApiError> {
    let expected = merchant_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::new(ResultCode::NotConfigured, "the worker setting MERCHANT_TOKEN is missing"))?;
    let given = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
    if !given.is_empty() && crate::sign::secret_eq(expected.as_bytes(), given.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(ResultCode::Unauthorized, "merchant commands need Authorization: Bearer <MERCHANT_TOKEN>"))
    }
}

/// Parses an `/api` body, authorizes merchant commands, and says where the command goes.
pub fn route(body: &[u8], merchant_token: Option<&str>, authorization: Option<&str>) -> Result<Route, ApiError> {
    let command = parse_command(body)?;
    let merchant = command.is_merchant_only();
    if merchant {
        authorize(merchant_token, authorization)?;
    }
    match command {
        c @ (Command::ListOrders(_) | Command::Reconcile(_) | Command::ListReconciliations(_)) => Ok(Route::Worker(c)),
        other => other
            .order_no()
            .map(if merchant { Route::Order } else { Route::Page })
            .ok_or_else(|| ApiError::new(ResultCode::Internal, "a command without an order")),
    }
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ResultCode::InvalidField, msg)
}

fn text_ok(text: &str, max_chars: usize) -> bool {
    text.chars().count() <= max_chars && !text.chars().any(char::is_control)
}

fn decode<T: serde::de::DeserializeOwned>(map: Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        let msg = e.to_string();
        invalid(msg.chars().take(200).collect::<String>())
    })
}

/// Parses and validates an `/api` body. Codes: -4 too large, -1 not a JSON object,
/// -2 missing or unknown `cmd`, -3 any field problem.
pub fn parse_command(body: &[u8]) -> Result<Command, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(ResultCode::BodyTooLarge, format!("body exceeds {MAX_BODY_BYTES} bytes")));
    }
    let mut map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(ApiError::new(ResultCode::MalformedJson, "body must be a JSON object")),
        Err(e) => return Err(ApiError::new(ResultCode::MalformedJson, format!("invalid JSON: {e}"))),
    };
    let cmd = match map.remove("cmd") {
        Some(Value::String(cmd)) => cmd,
        Some(_) => return Err(ApiError::new(ResultCode::UnknownCommand, "cmd must be a string")),
        None => return Err(ApiError::new(ResultCode::UnknownCommand, "cmd is missing")),
    };
    let command = match cmd.as_str() {
        "Pay" => Command::Pay(decode(map)?),
        "WechatPay" => Command::WechatPay(decode(map)?),
        "WechatPayState" => Command::WechatPayState(decode(map)?),
        "AlipayQr" => Command::AlipayQr(decode(map)?),
        "CreateOrder" => Command::CreateOrder(decode(map)?),
        "CloseOrder" => Command::CloseOrder(decode(map)?),
        "Refund" => Command::Refund(decode(map)?),
        "QueryOrder" => Command::QueryOrder(decode(map)?),
        "ListOrders" => Command::ListOrders(decode(map)?),
        "ListEvents" => Command::ListEvents(decode(map)?),
        "ResendEvent" => Command::ResendEvent(decode(map)?),
        "Reconcile" => Command::Reconcile(decode(map)?),
        "ListReconciliations" => Command::ListReconciliations(decode(map)?),
        other => {
            let shown: String = other.chars().take(32).collect();
            return Err(ApiError::new(ResultCode::UnknownCommand, format!("unknown cmd `{shown}`")));
        }
    };
    command.validate()?;
    Ok(command)
}

impl PayRequest {
    /// Alipay needs an absolute http(s) `return_url` (the SDK checks it alone, without the
    /// other commands' rules).
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.wx_token.as_ref().is_some_and(|t| t.len() > 128 || !t.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(invalid("wx_token is not a token this worker gives"));
        }
        match (self.pay_type, &self.return_url) {
            (PayType::Alipay, None) => Err(invalid("return_url is required for Alipay (type 1)")),
            (_, Some(url)) if !is_http_url(url) => Err(invalid("return_url must be an absolute http(s) URL")),
            _ => Ok(()),
        }
    }
}

impl Command {
    /// Checks what the types alone cannot: Alipay's `return_url`, `CreateOrder`'s texts and
    /// expiry. The SDK runs the same check before sending anything.
    pub fn validate(&self) -> Result<(), ApiError> {
        validate(self)
    }
}

fn validate(command: &Command) -> Result<(), ApiError> {
    match command {
        Command::Pay(r) => r.validate(),
        Command::CreateOrder(r) => {
            if crate::checkout::is_session_trade_no(r.order_no.as_str()) {
                return Err(invalid(
                    "order_no may not end in *H<n> or *J<n>: those are the numbers of phone payment sessions",
                ));
            }
            if r.subject.trim().is_empty() || !text_ok(&r.subject, 256) {
                return Err(invalid("subject must be 1 to 256 characters without control characters"));
            }
            if !text_ok(&r.body, 400) {
                return Err(invalid("body must be at most 400 characters without control characters"));
            }
            if !(MIN_EXPIRE_SECONDS..=MAX_EXPIRE_SECONDS).contains(&r.expire_seconds()) {
                return Err(invalid(format!("expire_seconds must be {MIN_EXPIRE_SECONDS} to {MAX_EXPIRE_SECONDS}")));
            }
            match &r.return_url {
                Some(url) if !is_http_url(url) => Err(invalid("return_url must be an absolute http(s) URL")),
                _ => Ok(()),
            }
        }
        Command::Refund(r) => {
            if let Some(no) = &r.refund_no
                && (no.is_empty()
                    || no.len() > 32
                    || !no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            {
                return Err(invalid("refund_no must be 1 to 32 of 0-9 A-Z a-z _ -"));
            }
            // Alipay's detail_data separates with ^ | $ #, so a reason may not hold them.
            if let Some(reason) = &r.reason
                && (!text_ok(reason, 80) || reason.contains(['^', '|', '$', '#']))
            {
                return Err(invalid("reason must be at most 80 characters without control characters or ^ | $ #"));
            }
            if let Some(tx) = &r.transaction_id
                && (tx.is_empty() || tx.len() > 64 || !tx.bytes().all(|b| b.is_ascii_graphic()))
            {
                return Err(invalid("transaction_id must be 1 to 64 printable ASCII characters"));
            }
            Ok(())
        }
        Command::ResendEvent(r) => match crate::webhook::order_of_event(&r.event_id) {
            Some(_) => Ok(()),
            None => Err(invalid("event_id must be an event id (evt_<order_no>.<n>)")),
        },
        Command::ListOrders(r) => {
            if !(1..=LIST_LIMIT.1).contains(&r.limit()) {
                return Err(invalid(format!("limit must be 1 to {}", LIST_LIMIT.1)));
            }
            match &r.cursor {
                Some(c) if c.len() > 1024 => Err(invalid("cursor is too long")),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}
