//! Provider notifies and the Alipay return: verify, check against the stored order, apply
//! once, and answer the provider exactly as it expects.

use paycore::OrderNo;
use paycore::alipay::notify::{self as alipay_notify, Notify, NotifyVerdict, REPLY_FAIL, REPLY_SUCCESS};
use paycore::api::ApiError;
use paycore::form::RawForm;
use paycore::order::Order;
use paycore::reconcile;
use paycore::wechat::notify as wechat_notify;
use worker::kv::KvStore;
use worker::{Response, Result, console_log};

use crate::config::Config;
use crate::provider::send;
use crate::{reply, store};

fn log_reject(provider: &str, reason: &str) {
    console_log!("{}", serde_json::json!({"event": "notify_rejected", "provider": provider, "reason": reason}));
}

/// Loads the order a notify names, and checks its amount.
async fn order_for(kv: &KvStore, order_no: &OrderNo, amount: paycore::AmountFen) -> std::result::Result<Order, String> {
    let order = match store::load(kv, order_no).await {
        Ok(Some(order)) => order,
        Ok(None) => return Err("unknown order".into()),
        Err(e) => return Err(e.msg),
    };
    order.check_amount(amount).map_err(|refusal| refusal.to_string())?;
    Ok(order)
}

/// `POST /notify/wechat`.
pub async fn wechat(config: &Config, kv: &KvStore, body: &[u8], now: i64) -> Result<Response> {
    let wx = match config.wechat() {
        Ok(wx) => wx,
        Err(e) => return reply::xml(500, wechat_notify::reply_fail(&e.msg)),
    };
    let fail = |status: u16, reason: &str| {
        log_reject("wechat", reason);
        reply::xml(status, wechat_notify::reply_fail(reason))
    };
    let (notify, _fields) = match wechat_notify::verify(&wx, body) {
        Ok(v) => v,
        Err(e) => return fail(400, &e.to_string()),
    };
    let order = match order_for(kv, &notify.order_no, notify.total_fee).await {
        Ok(order) => order,
        Err(reason) => return fail(400, &reason),
    };
    let events = reconcile::wechat_notify_events(&notify, now);
    match store::apply_to(kv, &order.order_no, Some(&order), events, now, false).await {
        Ok(_) => reply::xml(200, wechat_notify::reply_success()),
        Err(e) => fail(500, &e.msg),
    }
}

/// `POST /notify/alipay`: signature, then `notify_verify`, then the business checks.
pub async fn alipay(config: &Config, kv: &KvStore, body: &[u8], now: i64) -> Result<Response> {
    let fail = |reason: &str| {
        log_reject("alipay", reason);
        reply::text(400, REPLY_FAIL)
    };
    let notify = match verified_alipay(config, body).await {
        Ok(n) => n,
        Err(reason) => return fail(&reason),
    };
    let result: std::result::Result<(), String> = match notify {
        Notify::Trade(n) => match order_for(kv, &n.order_no, n.total_fee).await {
            Ok(order) => {
                let events = reconcile::alipay_notify_events(&n, &order, now);
                store::apply_to(kv, &order.order_no, Some(&order), events, now, false)
                    .await
                    .map(|_| ())
                    .map_err(|e: ApiError| e.msg)
            }
            Err(reason) => Err(reason),
        },
        Notify::Refund(r) => match store::order_of_batch(kv, &r.batch_no).await {
            Ok(Some(order_no)) => match store::load(kv, &order_no).await {
                Ok(Some(order)) => {
                    let events = reconcile::alipay_refund_events(&r, &order);
                    store::apply(kv, &order_no, events, now, false).await.map(|_| ()).map_err(|e| e.msg)
                }
                Ok(None) => Err("unknown order".into()),
                Err(e) => Err(e.msg),
            },
            Ok(None) => Err("unknown refund batch".into()),
            Err(e) => Err(e.msg),
        },
    };
    match result {
        Ok(()) => reply::text(200, REPLY_SUCCESS),
        Err(reason) => fail(&reason),
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

/// `GET /return/alipay`: the buyer's browser back from the cashier. Verified like a
/// notify; the order is refreshed by a provider query (state changes stay with notifies
/// and queries), then the buyer goes to the merchant's `return_url` with `order_no` and
/// `pay_state` appended.
pub async fn alipay_return(config: &Config, kv: &KvStore, query: &str, now: i64) -> Result<Response> {
    let Ok(Notify::Trade(n)) = verified_alipay(config, query.as_bytes()).await else {
        log_reject("alipay_return", "verification failed");
        return reply::html(
            400,
            "Payment return not verified",
            "This link could not be verified with Alipay. Your order page shows the real payment state.",
        );
    };
    let order = match store::load(kv, &n.order_no).await {
        Ok(Some(order)) => order,
        _ => return reply::html(404, "Order not found", "This order is unknown."),
    };
    let order = match crate::sync::alipay_query(
        config,
        &config.alipay().map_err(|e| worker::Error::RustError(e.msg))?,
        &order,
        now,
    )
    .await
    {
        Ok(events) => store::apply(kv, &order.order_no, events, now, true).await.unwrap_or(order),
        Err(_) => order,
    };
    let Some(session) = &order.alipay else {
        return reply::html(400, "Order not started with Alipay", "This order has no Alipay payment.");
    };
    let (base, fragment) = match session.return_url.split_once('#') {
        Some((base, fragment)) => (base, format!("#{fragment}")),
        None => (session.return_url.as_str(), String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let location = format!("{base}{sep}order_no={}&pay_state={}{fragment}", order.order_no, order.state.code());
    reply::redirect(&location)
}
