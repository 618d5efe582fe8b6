//! The demo shop's backend, on only with `DEMO_SHOP=on` (the sandbox setup): it plays the
//! merchant's server so the demo page never holds the merchant token. It sells one
//! item at a fixed price; the page cannot choose the amount.

use paycore::api::{ApiError, CreateOrderRequest, OrderReply, OrderView, ResultCode};
use paycore::{AmountFen, OrderNo};
use serde::Serialize;
use worker::kv::KvStore;

use crate::config::Config;
use crate::merchant;

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

/// `POST /demo/order`: a new order for the demo item (¥0.01, 10 minutes to pay).
pub async fn create_order(
    config: &Config,
    kv: &KvStore,
    now: i64,
    random: &str,
) -> Result<OrderReply<OrderView>, ApiError> {
    ensure_on(config)?;
    let order_no = OrderNo::parse(&format!("demo{now}{}", &random[..8]))
        .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))?;
    let req = CreateOrderRequest {
        order_no,
        total_fee: AmountFen::MIN,
        subject: "Paybridge 纪念贴纸 · Sticker".into(),
        body: "Demo order (sandbox)".into(),
        expire_seconds: Some(600),
    };
    merchant::create_order(kv, req, now).await
}
