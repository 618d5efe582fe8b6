//! Alipay OpenAPI notifies (`POST /notify/alipay/openapi`) and the OpenAPI sync return.
//! Both are verified with RSA2 over every parameter but `sign` and `sign_type` (values
//! decoded once) with Alipay's public key, and must name this app; OpenAPI has no
//! `notify_verify` call, the signature is the proof. The order's object then checks order
//! and amount and stores the effect; Alipay is answered `success` only after that. The
//! object's path is reachable only through this route, so it does not verify again.

use paycore::alipay::notify::{REPLY_FAIL, REPLY_SUCCESS};
use paycore::alipay_openapi::{notify_to_verify, reply as openapi};
use paycore::api::{ApiError, ResultCode};
use paycore::form::RawForm;
use paycore::order::Source;
use paycore::reconcile;
use worker::{Response, Result, console_log};

use crate::config::Config;
use crate::object::OrderObject;
use crate::reply;

/// Verifies an OpenAPI notify or return form: its trade, or why not.
pub async fn verified(config: &Config, body: &[u8]) -> std::result::Result<openapi::Notify, String> {
    let s = config.alipay_openapi().map_err(|e| e.msg)?;
    let form = RawForm::parse(body).map_err(|e| e.to_string())?;
    let todo = notify_to_verify(&form).map_err(|e| e.to_string())?;
    if !s.verify(&todo).await {
        return Err("signature does not verify".into());
    }
    openapi::notify(&s.cfg.app_id, &form).map_err(|e| e.to_string())
}

/// `POST /notify/alipay/openapi`.
pub async fn receive(config: &Config, body: &[u8]) -> Result<Response> {
    let fail = |reason: &str| {
        console_log!(
            "{}",
            serde_json::json!({"event": "notify_rejected", "provider": "alipay_openapi", "reason": reason})
        );
        reply::text(400, REPLY_FAIL)
    };
    let notify = match verified(config, body).await {
        Ok(n) => n,
        Err(reason) => return fail(&reason),
    };
    match crate::notify::deliver(config, &notify.order_no, "/notify/alipay/openapi", body).await {
        Ok(()) => reply::text(200, REPLY_SUCCESS),
        Err((_, reason)) => fail(&reason),
    }
}

fn rejected(reason: impl Into<String>) -> ApiError {
    ApiError::new(ResultCode::ProviderBadReply, reason)
}

/// The trade of a form the route verified (the notify, or the return).
pub fn trade_of(config: &Config, body: &[u8]) -> std::result::Result<openapi::Notify, ApiError> {
    let app_id = config.get("ALIPAY_APP_ID").unwrap_or_default();
    let form = RawForm::parse(body).map_err(|e| rejected(e.to_string()))?;
    openapi::notify(&app_id, &form).map_err(|e| rejected(e.to_string()))
}

/// In the order's object: a verified OpenAPI trade notify.
pub fn apply(obj: &OrderObject, config: &Config, body: &[u8], now: i64) -> std::result::Result<(), ApiError> {
    let n = trade_of(config, body)?;
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| rejected("unknown order"))?;
    if order.order_no != n.order_no {
        return Err(rejected("notify for another order"));
    }
    order.check_amount(n.trade.total).map_err(|e| rejected(e.to_string()))?;
    let applied = store.apply(reconcile::alipay_trade_events(&n.trade, &order, Source::AlipayNotify, now), now)?;
    obj.log_applied(&applied);
    Ok(())
}
