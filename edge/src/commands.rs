//! The spec's page commands inside the order's object: `Pay`, `WechatPay` and
//! `WechatPayState`. The decisions are `paycore::policy`'s; this does the I/O.

use paycore::alipay::pay_url::{self, DirectPay};
use paycore::api::{
    ApiError, PayInfo, PayReply, PayRequest, PayType, ResultCode, StateReply, WechatPayReply, WechatPayRequest,
};
use paycore::order::{PayState, WechatSession};
use paycore::policy;
use paycore::wechat::reply::{self as wechat_reply, ReplyError};
use paycore::wechat::{self, ErrorCode};

use crate::config::Config;
use crate::object::OrderObject;
use crate::outbound::{nonce, send};
use crate::providers::Wallet;
use crate::{checks, errors};

/// `Pay`: type 1 → the signed Alipay cashier URL; type 2 → the WeChat `code_url`.
pub async fn pay(obj: &OrderObject, config: &Config, req: PayRequest, now: i64) -> Result<PayReply, ApiError> {
    let pay_info = match req.pay_type {
        PayType::Alipay => PayInfo {
            alipay_url: Some(alipay_url(obj, config, req.return_url.as_deref().unwrap_or_default(), now)?),
            wechat_pay_url: None,
        },
        PayType::Wechat => PayInfo { alipay_url: None, wechat_pay_url: Some(wechat_code(obj, config, now).await?.0) },
    };
    Ok(PayReply { result: 0, msg: String::new(), pay_info })
}

/// The cashier URL. The first `return_url` (from `CreateOrder` or here) is fixed; its
/// origin must be in `RETURN_URL_ORIGINS`.
fn alipay_url(obj: &OrderObject, config: &Config, return_url: &str, now: i64) -> Result<String, ApiError> {
    let ali = config.alipay()?;
    let notify_url = config.public_url("/notify/alipay")?;
    let our_return_url = config.public_url("/return/alipay")?;
    let store = obj.store()?;
    let order = store.load_existing()?;
    policy::ensure_payable(&order, now)?;
    policy::ensure_return_origin(return_url, &config.return_url_origins())?;
    let fixed = policy::fix_return_url(&order, return_url)?;
    let order = if fixed.is_some() || order.alipay.is_none() { store.start_alipay(fixed, now)? } else { order };
    Ok(pay_url::build(
        &ali,
        &DirectPay {
            order_no: &order.order_no,
            subject: &order.subject,
            body: &order.body,
            total_fee: order.total_fee,
            notify_url: &notify_url,
            return_url: &our_return_url,
            it_b_pay_minutes: config.alipay_it_b_pay().then(|| pay_url::it_b_pay_minutes(order.expires_at, now)),
        },
    ))
}

/// The order's WeChat `code_url` and its expiry: the stored one, or a new `unifiedorder`.
async fn wechat_code(obj: &OrderObject, config: &Config, now: i64) -> Result<(String, i64), ApiError> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    policy::ensure_payable(&order, now)?;
    if let Some(session) = &order.wechat {
        return Ok((session.code_url.clone(), order.expires_at));
    }
    policy::ensure_time_for_new_code(&order, now)?;
    let wx = config.wechat()?;
    let notify_url = config.public_url("/notify/wechat")?;
    let spbill_create_ip = config.spbill_create_ip();
    let unified = wechat::request::UnifiedOrder {
        order_no: &order.order_no,
        body: &order.subject,
        total_fee: order.total_fee,
        notify_url: &notify_url,
        spbill_create_ip: &spbill_create_ip,
        created_at: order.created_at,
        expires_at: order.expires_at,
    };
    let body = send(config, &wechat::request::unified_order(&wx, &unified, &nonce()))
        .await
        .map_err(|t| errors::transport("WeChat Pay", &t))?;
    let reply = match wechat_reply::unified_order(&wx, &body) {
        Ok(reply) => reply,
        Err(ReplyError::Business { code: ErrorCode::OrderPaid, .. }) => {
            // WeChat says it is paid: record what orderquery proves, then report it.
            let events = Wallet::WechatV2(wx).query(config, &order, now).await?;
            let applied = store.apply(events, now)?;
            obj.log_applied(&applied);
            return Err(match applied.order.state {
                PayState::Waiting => ApiError::new(
                    ResultCode::ProviderRejected,
                    "WeChat Pay answered ORDERPAID but orderquery does not confirm a payment",
                ),
                state => ApiError::new(ResultCode::OrderNotPayable, format!("the order is {}", state.name())),
            });
        }
        Err(e) => return Err(errors::wechat(&e)),
    };
    // Re-read: a concurrent call may have stored a session while this one waited.
    let order =
        store.start_wechat(WechatSession { code_url: reply.code_url, prepay_id: reply.prepay_id, created_at: now })?;
    let session = order.wechat.as_ref().ok_or_else(|| errors::internal("code_url not stored"))?;
    Ok((session.code_url.clone(), order.expires_at))
}

/// `WechatPay`: the `code_url` (and, as an extension, `expires_at`). A `notify_url` in
/// the request is ignored: notifies always come to this worker.
pub async fn wechat_pay(
    obj: &OrderObject,
    config: &Config,
    _req: WechatPayRequest,
    now: i64,
) -> Result<WechatPayReply, ApiError> {
    let (code_url, expires_at) = wechat_code(obj, config, now).await?;
    Ok(WechatPayReply { result: 0, msg: String::new(), code_url, expires_at })
}

/// `WechatPayState`: the object's state, after asking the providers when a poll may (at
/// most every 3 s per order, one check at a time, however many pages poll). A provider
/// fault is logged and the stored state answered; the alarm asks again.
pub async fn state(obj: &OrderObject, config: &Config, now: i64) -> Result<StateReply, ApiError> {
    let order = obj.store()?.load_existing()?;
    let due = policy::poll_checks(&order, obj.last_asked.get(), now);
    if due.is_empty() || obj.checking.get() {
        return Ok(StateReply::of(&order, now));
    }
    match checks::run(obj, config, due, now).await {
        Ok(applied) => Ok(StateReply::of(&applied.order, now)),
        Err(_) => Ok(StateReply::of(&obj.store()?.load_existing()?, now)),
    }
}
