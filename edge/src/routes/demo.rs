//! The demo shop's backend, on only with `DEMO_SHOP=on` (the sandbox setup): it plays the
//! merchant's server so the demo page never holds the merchant token. It sells one
//! item at a fixed price; the page cannot choose the amount.

use paycore::api::{ApiError, Command, CreateOrderRequest, ResultCode};
use paycore::{AmountFen, OrderNo};
use serde::Serialize;
use worker::{Method, Request, Response};

use super::read_body;
use crate::order::now;
use crate::platform::config::Config;
use crate::platform::{Error, forward, outbound, reply};
use crate::providers::Api;

/// `/demo/…`: the demo shop's backend routes.
pub async fn handle(mut req: Request, config: &Config, path: &str, url: &str) -> Result<Response, Error> {
    ensure_on(config)?;
    match (req.method(), path) {
        (Method::Get, "/demo/config") => Ok(reply::ok(&self::config(config))?),
        (Method::Post, "/demo/order") => create_order(config, now(), &outbound::nonce()).await,
        (Method::Post, "/demo/webhook") => {
            let signature = req.headers().get(paycore::webhook::SIGNATURE_HEADER)?;
            let body = read_body(&mut req, 256 * 1024)
                .await?
                .ok_or_else(|| ApiError::new(ResultCode::BodyTooLarge, "too large"))?;
            receive_webhook(config, &body, signature.as_deref(), now()).await?;
            Ok(reply::ok(&serde_json::json!({"received": true}))?)
        }
        (Method::Get, "/demo/told") => {
            let order_no = url.split_once("order_no=").map_or("", |(_, v)| v.split('&').next().unwrap_or(""));
            let told = told(config, order_no).await?;
            Ok(reply::ok(&serde_json::json!({"result": 0, "msg": "", "told": told}))?)
        }
        _ => Err(ApiError::new(ResultCode::NotFound, "no such path").into()),
    }
}

/// What `GET /demo/config` tells the page.
#[derive(Serialize)]
pub struct DemoConfig {
    /// The sandbox's base URL (for the "simulate scan" link).
    pub sandbox_base: Option<String>,
    /// True when Alipay QR codes can be offered (`ALIPAY_API=openapi`).
    pub alipay_qr: bool,
}

/// `GET /demo/config`.
fn config(config: &Config) -> DemoConfig {
    let alipay = Api::configured(config, paycore::order::Provider::Alipay);
    DemoConfig { sandbox_base: config.get("WECHAT_API_BASE"), alipay_qr: alipay == Ok(Api::AlipayOpenApi) }
}

fn ensure_on(config: &Config) -> Result<(), ApiError> {
    if config.demo_shop() { Ok(()) } else { Err(ApiError::new(ResultCode::NotFound, "the demo shop is off")) }
}

/// `POST /demo/order`: a new order for the demo item (¥0.01, 10 minutes to pay), created
/// in its object like any merchant's `CreateOrder`.
async fn create_order(config: &Config, now: i64, random: &str) -> Result<Response, Error> {
    let order_no = OrderNo::parse(&format!("demo{now}{}", &random[..8])).map_err(Error::internal)?;
    let command = Command::CreateOrder(CreateOrderRequest {
        order_no: order_no.clone(),
        total_fee: AmountFen::MIN,
        subject: "Paybridge 纪念贴纸 · Sticker".into(),
        body: "Demo order (sandbox)".into(),
        expire_seconds: Some(600),
        return_url: None,
    });
    forward::command(config, &order_no, &serde_json::to_vec(&command)?, None, None).await
}

/// `POST /demo/webhook`: the demo shop's backend receiving its webhooks, as a merchant's
/// would (see the README's receiver): verify over the raw body, dedupe by event id, answer
/// 2xx fast. It keeps what it was told per order so the result page can show it.
async fn receive_webhook(config: &Config, body: &[u8], signature: Option<&str>, now: i64) -> Result<(), Error> {
    let secret = config.get("WEBHOOK_SECRET").unwrap_or_default();
    let event = paycore::webhook::verify(body, signature, &secret, paycore::webhook::TOLERANCE_SECS, now)
        .map_err(|e| ApiError::new(ResultCode::InvalidField, format!("webhook refused: {e}")))?;
    let kv = config.env().kv("ORDERS").map_err(Error::storage)?;
    let key = format!("demo_told:{}", event.order_no.unwrap_or_default());
    let mut told: Vec<Told> = kv.get(&key).json().await.map_err(Error::storage)?.unwrap_or_default();
    if !told.iter().any(|t| t.id == event.id) {
        told.push(Told { id: event.id, kind: event.kind, received_at: now });
        kv.put(&key, serde_json::to_string(&told)?).map_err(Error::storage)?.execute().await.map_err(Error::storage)?;
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
async fn told(config: &Config, order_no: &str) -> Result<Vec<Told>, Error> {
    let order_no = OrderNo::parse(order_no).map_err(|e| ApiError::new(ResultCode::InvalidField, e.to_string()))?;
    let kv = config.env().kv("ORDERS").map_err(Error::storage)?;
    Ok(kv.get(&format!("demo_told:{order_no}")).json().await.map_err(Error::storage)?.unwrap_or_default())
}
