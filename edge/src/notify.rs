//! Provider notifies and the Alipay return. The route verifies first (signature; for
//! Alipay also `notify_verify` at the gateway), so forgeries never reach an order's
//! object; the object then checks the message against its order and applies it once.
//! The provider is answered SUCCESS only after the object stored the effect.

use paycore::alipay::notify::{self as alipay_notify, Notify, NotifyVerdict, REPLY_FAIL, REPLY_SUCCESS};
use paycore::api::{ApiError, ErrorReply, ResultCode};
use paycore::form::RawForm;
use paycore::wechat::notify as wechat_notify;
use paycore::{OrderNo, policy, reconcile};
use worker::{Response, Result, console_log};

use crate::config::Config;
use crate::object::OrderObject;
use crate::outbound::send;
use crate::providers::Wallet;
use crate::{errors, forward, reply};

fn log_reject(provider: &str, reason: &str) {
    console_log!("{}", serde_json::json!({"event": "notify_rejected", "provider": provider, "reason": reason}));
}

fn rejected(reason: impl Into<String>) -> ApiError {
    ApiError::new(ResultCode::ProviderBadReply, reason)
}

/// Forwards a verified notify to its order's object; `Err(reason)` unless it stored it.
pub async fn deliver(
    config: &Config,
    order_no: &OrderNo,
    path: &str,
    body: &[u8],
) -> std::result::Result<(), (u16, String)> {
    let (status, text) = forward::to_order(config, order_no, path, body).await.map_err(|e| (500, e.msg))?;
    match serde_json::from_str::<ErrorReply>(&text) {
        Ok(r) if r.result == 0 => Ok(()),
        // Storage or internal faults are ours (500); any other refusal is the message's (400).
        Ok(r) => Err((if matches!(status, 500 | 503) { 500 } else { 400 }, r.msg)),
        Err(_) => Err((500, "the order did not answer".into())),
    }
}

/// `POST /notify/wechat`.
pub async fn wechat(config: &Config, body: &[u8]) -> Result<Response> {
    let fail = |status: u16, reason: &str| {
        log_reject("wechat", reason);
        reply::xml(status, wechat_notify::reply_fail(reason))
    };
    let wx = match config.wechat() {
        Ok(wx) => wx,
        Err(e) => return fail(500, &e.msg),
    };
    let (notify, _fields) = match wechat_notify::verify(&wx, body) {
        Ok(v) => v,
        Err(e) => return fail(400, &e.to_string()),
    };
    match deliver(config, &notify.order_no, "/notify/wechat", body).await {
        Ok(()) => reply::xml(200, wechat_notify::reply_success()),
        Err((status, reason)) => fail(status, &reason),
    }
}

/// `POST /notify/alipay` (trade notifies) and `/notify/alipay/refund/<order_no>` (the
/// `batch_refund_notify` of that order's refunds).
pub async fn alipay(config: &Config, body: &[u8], refund_of: Option<OrderNo>) -> Result<Response> {
    let fail = |reason: &str| {
        log_reject("alipay", reason);
        reply::text(400, REPLY_FAIL)
    };
    let notify = match verified_alipay(config, body).await {
        Ok(n) => n,
        Err(reason) => return fail(&reason),
    };
    let delivered = match (notify, refund_of) {
        (Notify::Trade(n), None) => deliver(config, &n.order_no, "/notify/alipay", body).await,
        (Notify::Refund(_), Some(order_no)) => deliver(config, &order_no, "/notify/alipay/refund", body).await,
        _ => Err((400, "notify type does not match its URL".into())),
    };
    match delivered {
        Ok(()) => reply::text(200, REPLY_SUCCESS),
        Err((_, reason)) => fail(&reason),
    }
}

/// Verifies an Alipay form (notify or return): MD5 signature, then `notify_verify` must
/// answer `true`.
async fn verified_alipay(config: &Config, body: &[u8]) -> std::result::Result<Notify, String> {
    let ali = config.alipay().map_err(|e| e.msg)?;
    let form = RawForm::parse(body).map_err(|e| e.to_string())?;
    let notify = alipay_notify::verify(&ali, &form).map_err(|e| e.to_string())?;
    let notify_id = match &notify {
        Notify::Trade(n) => &n.notify_id,
        Notify::Refund(r) => &r.notify_id,
    };
    let answer = send(config, &alipay_notify::notify_verify_request(&ali, notify_id))
        .await
        .map_err(|_| "notify_verify unreachable".to_owned())?;
    match alipay_notify::parse_notify_verify(&answer) {
        NotifyVerdict::Genuine => Ok(notify),
        NotifyVerdict::Denied => Err("notify_verify answered false".into()),
        NotifyVerdict::Invalid => Err("notify_verify answered invalid".into()),
    }
}

/// An OpenAPI return (RSA2) rather than MAPI's (MD5).
fn is_openapi(query: &str) -> bool {
    RawForm::parse(query.as_bytes()).is_ok_and(|f| paycore::alipay_openapi::is_rsa2_form(&f))
}

/// `GET /return/alipay`: the buyer's browser back from the cashier, verified like a
/// notify (MAPI or OpenAPI, by its `sign_type`); the order's object refreshes it by a query and names the merchant's page.
pub async fn alipay_return(config: &Config, query: &str) -> Result<Response> {
    let order_no = if is_openapi(query) {
        crate::notify_openapi::verified(config, query.as_bytes()).await.ok().map(|n| n.order_no)
    } else {
        match verified_alipay(config, query.as_bytes()).await {
            Ok(Notify::Trade(n)) => Some(n.order_no),
            _ => None,
        }
    };
    let Some(order_no) = order_no else {
        log_reject("alipay_return", "verification failed");
        return reply::html(
            400,
            "Payment return not verified",
            "This link could not be verified with Alipay. Your order page shows the real payment state.",
        );
    };
    let answer = forward::to_order_get(config, &order_no, &format!("/return/alipay?{query}")).await;
    let location = answer.ok().and_then(|(_, text)| {
        serde_json::from_str::<serde_json::Value>(&text).ok()?.get("location")?.as_str().map(str::to_owned)
    });
    match location {
        Some(location) => reply::redirect(&location),
        None => reply::html(404, "Order not found", "This order is unknown or has no return page."),
    }
}

// ---- inside the order's object ----

/// Applies a verified WeChat payment notify to this order.
pub fn apply_wechat(obj: &OrderObject, config: &Config, body: &[u8], now: i64) -> std::result::Result<(), ApiError> {
    let wx = config.wechat()?;
    let (notify, _) = wechat_notify::verify(&wx, body).map_err(|e| rejected(e.to_string()))?;
    let (store, _) = notified_order(obj, &notify.order_no, notify.total_fee)?;
    let applied = store.apply(reconcile::wechat_notify_events(&notify, now), now)?;
    obj.log_applied(&applied);
    Ok(())
}

/// This object's order, when a verified notify names it and its amount: anything else is
/// refused before an event is made.
fn notified_order<'a>(
    obj: &'a OrderObject,
    order_no: &OrderNo,
    amount: paycore::AmountFen,
) -> std::result::Result<(&'a crate::order_store::OrderStore, paycore::order::Order), ApiError> {
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| rejected("unknown order"))?;
    if &order.order_no != order_no {
        return Err(rejected("notify for another order"));
    }
    order.check_amount(amount).map_err(|r| rejected(r.to_string()))?;
    Ok((store, order))
}

fn alipay_form(config: &Config, body: &[u8]) -> std::result::Result<Notify, ApiError> {
    let ali = config.alipay()?;
    let form = RawForm::parse(body).map_err(|e| rejected(e.to_string()))?;
    alipay_notify::verify(&ali, &form).map_err(|e| rejected(e.to_string()))
}

/// Applies a verified Alipay trade notify to this order.
pub fn apply_alipay_trade(
    obj: &OrderObject,
    config: &Config,
    body: &[u8],
    now: i64,
) -> std::result::Result<(), ApiError> {
    let Notify::Trade(n) = alipay_form(config, body)? else { return Err(rejected("not a trade notify")) };
    let (store, order) = notified_order(obj, &n.order_no, n.total_fee)?;
    let applied = store.apply(reconcile::alipay_notify_events(&n, &order, now), now)?;
    obj.log_applied(&applied);
    Ok(())
}

/// Applies a verified `batch_refund_notify` to this order: only a batch it sent counts.
/// An unknown batch is refused, so Alipay sends it again (it may have raced the refund's
/// own reply).
pub fn apply_alipay_refund(
    obj: &OrderObject,
    config: &Config,
    body: &[u8],
    now: i64,
) -> std::result::Result<(), ApiError> {
    let Notify::Refund(r) = alipay_form(config, body)? else { return Err(rejected("not a refund notify")) };
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| rejected("unknown order"))?;
    let events = reconcile::alipay_refund_events(&r, &order);
    if events.is_empty() {
        return Err(rejected("unknown refund batch for this order"));
    }
    let applied = store.apply(events, now)?;
    obj.log_applied(&applied);
    Ok(())
}

/// The buyer's verified return: refresh by a trade query, then the merchant's page with
/// the order's state.
pub async fn alipay_return_location(
    obj: &OrderObject,
    config: &Config,
    query: &str,
    now: i64,
) -> std::result::Result<String, ApiError> {
    let order_no = if is_openapi(query) {
        crate::notify_openapi::trade_of(config, query.as_bytes())?.order_no
    } else {
        let Notify::Trade(n) = alipay_form(config, query.as_bytes())? else {
            return Err(rejected("not a trade return"));
        };
        n.order_no
    };
    let store = obj.store()?;
    let order = store.load_existing()?;
    if order.order_no != order_no {
        return Err(rejected("return for another order"));
    }
    let wallet = Wallet::of(config, paycore::order::Provider::Alipay)?;
    let order = match wallet.query(config, &order, now).await {
        Ok(events) => match store.apply(events, now) {
            Ok(applied) => {
                obj.log_applied(&applied);
                applied.order
            }
            Err(_) => store.load_existing()?,
        },
        Err(_) => store.load_existing()?,
    };
    let return_url = order.return_url.as_deref().ok_or_else(errors::order_not_found)?;
    Ok(policy::return_location(return_url, &order))
}
