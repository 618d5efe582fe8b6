//! WeChat Pay v3 notifies (`POST /notify/wechat/v3`): payments (`TRANSACTION.*`) and refunds
//! (`REFUND.*`). The route verifies the `Wechatpay-*` headers (signature with the key of
//! the serial, timestamp within 300 s, no `WECHATPAY/SIGNTEST/` probe), decrypts the
//! resource with the APIv3 key, and forwards the plaintext to the order's object, which
//! checks merchant, app, order and amount and stores the effect. WeChat is answered 204
//! only after that; anything else is 4xx/5xx with `{"code":"FAIL",…}`, so it sends again.
//! The object's path is reachable only through this route (Durable Objects have no public
//! address), so it trusts the plaintext it is given and does not decrypt again.

use paycore::api::{ApiError, ResultCode};
use paycore::order::Source;
use paycore::reconcile;
use paycore::wechat_v3::evidence;
use paycore::wechat_v3::notify::{Envelope, Kind, Transaction, order_of};
use paycore::wechat_v3::sign::SignedHeaders;
use worker::{Response, Result, console_log};

use crate::config::Config;
use crate::object::OrderObject;
use crate::{reply, webcrypto};

/// The largest v3 notify body read (they are about 1 KB).
pub const MAX_BYTES: usize = 16 * 1024;

fn fail(status: u16, reason: &str) -> Result<Response> {
    console_log!("{}", serde_json::json!({"event": "notify_rejected", "provider": "wechat_v3", "reason": reason}));
    reply::json_text(status, serde_json::json!({"code": "FAIL", "message": reason}).to_string())
}

/// `POST /notify/wechat/v3`.
pub async fn receive(config: &Config, headers: &[(String, String)], body: &[u8], now: i64) -> Result<Response> {
    let s = match config.wechat_v3() {
        Ok(s) => s,
        Err(e) => return fail(500, &e.msg),
    };
    let signed = SignedHeaders::from_pairs(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Err(e) = s.verify(config, &signed, body, now).await {
        return fail(401, &e.to_string());
    }
    let envelope = match Envelope::parse(body) {
        Ok(e) => e,
        Err(e) => return fail(400, &e.to_string()),
    };
    let sealed = match envelope.resource.sealed() {
        Ok(b) => b,
        Err(e) => return fail(400, &e.to_string()),
    };
    let r = &envelope.resource;
    let Ok(plain) =
        webcrypto::aes_gcm_decrypt(&s.apiv3_key, r.nonce.as_bytes(), r.associated_data.as_bytes(), &sealed).await
    else {
        return fail(400, "resource does not decrypt");
    };
    let kind = match envelope.kind() {
        Ok(kind) => kind,
        Err(e) => return fail(400, &e.to_string()),
    };
    let order_no = match order_of(kind, &plain) {
        Ok(no) => no,
        Err(e) => return fail(400, &e.to_string()),
    };
    let path = match kind {
        Kind::Transaction => "/notify/wechat/v3/transaction",
        Kind::Refund => "/notify/wechat/v3/refund",
    };
    match crate::notify::deliver(config, &order_no, path, &plain).await {
        Ok(()) => Response::empty().map(|r| r.with_status(204)),
        Err((status, reason)) => fail(status, &reason),
    }
}

fn rejected(reason: impl Into<String>) -> ApiError {
    ApiError::new(ResultCode::ProviderBadReply, reason)
}

/// In the order's object: a decrypted `TRANSACTION.*` resource.
pub fn apply_transaction(
    obj: &OrderObject,
    config: &Config,
    plain: &[u8],
    now: i64,
) -> std::result::Result<(), ApiError> {
    let cfg = config.wechat_v3_config()?;
    let t = Transaction::parse(plain).map_err(|e| rejected(e.to_string()))?;
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| rejected("unknown order"))?;
    let r = evidence::transaction(&cfg, &order.order_no, &t).map_err(|e| rejected(e.to_string()))?;
    if let Some(amount) = r.total_fee {
        order.check_amount(amount).map_err(|e| rejected(e.to_string()))?;
    }
    let applied = store.apply(reconcile::wechat_trade_events(&r, Source::WechatNotify, now), now)?;
    obj.log_applied(&applied);
    Ok(())
}

/// In the order's object: a decrypted `REFUND.*` resource. Only a refund this order sent
/// counts; an unknown one is refused, so WeChat sends it again (it may have raced the
/// refund's own reply).
pub fn apply_refund(obj: &OrderObject, config: &Config, plain: &[u8], now: i64) -> std::result::Result<(), ApiError> {
    let cfg = config.wechat_v3_config()?;
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| rejected("unknown order"))?;
    let record = evidence::refund_notify(&cfg, &order.order_no, plain).map_err(|e| rejected(e.to_string()))?;
    if !order.refunds.iter().any(|r| r.provider_refund_no == record.out_refund_no) {
        return Err(rejected("unknown refund for this order"));
    }
    let events = reconcile::wechat_refund_events_from(vec![record], &order, Source::WechatRefundNotify);
    let applied = store.apply(events, now)?;
    obj.log_applied(&applied);
    Ok(())
}
