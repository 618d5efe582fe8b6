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
    /// `CreateOrder` (merchant): fixes an order's amount.
    CreateOrder(CreateOrderRequest),
    /// `CloseOrder` (merchant): cancels an unpaid order at the providers.
    CloseOrder(OrderRef),
    /// `Refund` (merchant): refunds a paid order in full.
    Refund(OrderRef),
    /// `QueryOrder` (merchant): the full order record with its evidence.
    QueryOrder(OrderRef),
}

impl Command {
    /// The `cmd` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pay(_) => "Pay",
            Self::WechatPay(_) => "WechatPay",
            Self::WechatPayState(_) => "WechatPayState",
            Self::CreateOrder(_) => "CreateOrder",
            Self::CloseOrder(_) => "CloseOrder",
            Self::Refund(_) => "Refund",
            Self::QueryOrder(_) => "QueryOrder",
        }
    }

    /// True for commands that need the merchant's Bearer token.
    pub fn is_merchant_only(&self) -> bool {
        matches!(self, Self::CreateOrder(_) | Self::CloseOrder(_) | Self::Refund(_) | Self::QueryOrder(_))
    }

    /// The order the command is about.
    pub fn order_no(&self) -> &OrderNo {
        match self {
            Self::Pay(r) => &r.order_no,
            Self::WechatPay(r) => &r.order_no,
            Self::WechatPayState(r) => &r.order_no,
            Self::CreateOrder(r) => &r.order_no,
            Self::CloseOrder(r) | Self::Refund(r) | Self::QueryOrder(r) => &r.order_no,
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

/// `Pay` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    /// The order.
    pub order_no: OrderNo,
    /// 1 Alipay, 2 WeChat Pay.
    #[serde(rename = "type")]
    pub pay_type: PayType,
    /// Required for Alipay: where the buyer lands after paying (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

/// `WechatPay` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct StateRequest {
    /// The order.
    pub order_no: OrderNo,
}

/// `CreateOrder` request (merchant only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
}

impl CreateOrderRequest {
    /// The effective time to pay.
    pub fn expire_seconds(&self) -> u32 {
        self.expire_seconds.unwrap_or(DEFAULT_EXPIRE_SECONDS)
    }
}

/// A request naming only an order (`CloseOrder`, `Refund`, `QueryOrder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    /// The order.
    pub order_no: OrderNo,
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
        "CreateOrder" => Command::CreateOrder(decode(map)?),
        "CloseOrder" => Command::CloseOrder(decode(map)?),
        "Refund" => Command::Refund(decode(map)?),
        "QueryOrder" => Command::QueryOrder(decode(map)?),
        other => {
            let shown: String = other.chars().take(32).collect();
            return Err(ApiError::new(ResultCode::UnknownCommand, format!("unknown cmd `{shown}`")));
        }
    };
    command.validate()?;
    Ok(command)
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
        Command::Pay(PayRequest { pay_type: PayType::Alipay, return_url, .. }) => match return_url {
            None => Err(invalid("return_url is required for Alipay (type 1)")),
            Some(url) if !is_http_url(url) => Err(invalid("return_url must be an absolute http(s) URL")),
            Some(_) => Ok(()),
        },
        Command::CreateOrder(r) => {
            if r.subject.trim().is_empty() || !text_ok(&r.subject, 256) {
                return Err(invalid("subject must be 1 to 256 characters without control characters"));
            }
            if !text_ok(&r.body, 400) {
                return Err(invalid("body must be at most 400 characters without control characters"));
            }
            if !(MIN_EXPIRE_SECONDS..=MAX_EXPIRE_SECONDS).contains(&r.expire_seconds()) {
                return Err(invalid(format!("expire_seconds must be {MIN_EXPIRE_SECONDS} to {MAX_EXPIRE_SECONDS}")));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
