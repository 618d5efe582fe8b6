//! The demo shop's backend, on only with `DEMO_SHOP=on` (the sandbox setup): it plays the
//! merchant's server so the demo page never holds the merchant token. It sells one
//! item at a fixed price; the page cannot choose the amount.

use paycore::api::{ApiError, Command, CreateOrderRequest, ResultCode};
use paycore::{AmountFen, OrderNo};
use serde::Serialize;
use worker::Response;

use crate::config::Config;
use crate::forward;

/// What `GET /demo/config` tells the page.
#[derive(Serialize)]
pub struct DemoConfig {
    /// The sandbox's base URL (for the "simulate scan" link).
    pub sandbox_base: Option<String>,
    /// True when Alipay QR codes can be offered (`ALIPAY_API=openapi`).
    pub alipay_qr: bool,
}

/// `GET /demo/config`.
pub fn config(config: &Config) -> Result<DemoConfig, ApiError> {
    ensure_on(config)?;
    Ok(DemoConfig {
        sandbox_base: config.get("WECHAT_API_BASE"),
        alipay_qr: config.alipay_openapi_on().unwrap_or(false),
    })
}

fn ensure_on(config: &Config) -> Result<(), ApiError> {
    if config.demo_shop() { Ok(()) } else { Err(ApiError::new(ResultCode::NotFound, "the demo shop is off")) }
}

/// `POST /demo/order`: a new order for the demo item (¥0.01, 10 minutes to pay), created
/// in its object like any merchant's `CreateOrder`.
pub async fn create_order(config: &Config, now: i64, random: &str) -> Result<Response, ApiError> {
    ensure_on(config)?;
    let order_no = OrderNo::parse(&format!("demo{now}{}", &random[..8]))
        .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))?;
    let command = Command::CreateOrder(CreateOrderRequest {
        order_no: order_no.clone(),
        total_fee: AmountFen::MIN,
        subject: "Paybridge 纪念贴纸 · Sticker".into(),
        body: "Demo order (sandbox)".into(),
        expire_seconds: Some(600),
        return_url: None,
    });
    let body = serde_json::to_vec(&command).map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))?;
    forward::command(config, &order_no, &body, None).await
}

/// `POST /demo/webhook`: the demo shop's backend receiving its webhooks, as a merchant's
/// would (see the README's receiver): verify over the raw body, dedupe by event id, answer
/// 2xx fast. It keeps what it was told per order so the result page can show it.
pub async fn receive_webhook(config: &Config, body: &[u8], signature: Option<&str>, now: i64) -> Result<(), ApiError> {
    ensure_on(config)?;
    let secret = config.get("WEBHOOK_SECRET").unwrap_or_default();
    let event = paycore::webhook::verify(body, signature, &secret, paycore::webhook::TOLERANCE_SECS, now)
        .map_err(|e| ApiError::new(ResultCode::InvalidField, format!("webhook refused: {e}")))?;
    let kv = config.env().kv("ORDERS").map_err(crate::errors::storage)?;
    let key = format!("demo_told:{}", event.order_no);
    let mut told: Vec<Told> = kv.get(&key).json().await.map_err(crate::errors::storage)?.unwrap_or_default();
    if !told.iter().any(|t| t.id == event.id) {
        told.push(Told { id: event.id, kind: event.kind, received_at: now });
        kv.put(&key, serde_json::to_string(&told).map_err(crate::errors::storage)?)
            .map_err(crate::errors::storage)?
            .execute()
            .await
            .map_err(crate::errors::storage)?;
    }
    Ok(())
}

/// One event the demo shop's backend received.
#[derive(Serialize, serde::Deserialize)]
pub struct Told {
    /// The event id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it arrived (Unix seconds).
    pub received_at: i64,
}

/// `GET /demo/told?order_no=…`: what the demo shop's backend was told about an order.
pub async fn told(config: &Config, order_no: &str) -> Result<Vec<Told>, ApiError> {
    ensure_on(config)?;
    let order_no = OrderNo::parse(order_no).map_err(|e| ApiError::new(ResultCode::InvalidField, e.to_string()))?;
    let kv = config.env().kv("ORDERS").map_err(crate::errors::storage)?;
    Ok(kv.get(&format!("demo_told:{order_no}")).json().await.map_err(crate::errors::storage)?.unwrap_or_default())
}
