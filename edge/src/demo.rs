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
}

/// `GET /demo/config`.
pub fn config(config: &Config) -> Result<DemoConfig, ApiError> {
    ensure_on(config)?;
    Ok(DemoConfig { sandbox_base: config.get("WECHAT_API_BASE") })
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
