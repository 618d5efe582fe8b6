//! The spec's public commands: `Pay`, `WechatPay` and `WechatPayState`.

use paycore::alipay::pay_url::{self, DirectPay};
use paycore::api::{
    ApiError, PayInfo, PayReply, PayRequest, PayType, ResultCode, StateReply, WechatPayReply, WechatPayRequest,
};
use paycore::order::{AlipaySession, Order, PayState, WechatSession};
use paycore::wechat::reply::{self as wechat_reply, ReplyError};
use paycore::wechat::{self, ErrorCode};
use paycore::{OrderNo, reconcile};
use worker::kv::KvStore;

use crate::config::Config;
use crate::provider::{nonce, send};
use crate::{errors, store, sync};

/// WeChat wants `time_expire` more than a minute after the `unifiedorder` call.
const MIN_REMAINING_FOR_NEW_CODE: i64 = 60;

fn ensure_payable(order: &Order, now: i64) -> Result<(), ApiError> {
    if order.state != PayState::Waiting {
        return Err(ApiError::new(
            ResultCode::OrderNotPayable,
            format!("the order is {} ({})", order.state.name(), order.state.desc()),
        ));
    }
    if order.is_expired(now) {
        return Err(ApiError::new(ResultCode::OrderExpired, "the order has expired"));
    }
    Ok(())
}

/// `Pay`: type 1 → the signed Alipay cashier URL; type 2 → the WeChat `code_url`.
pub async fn pay(config: &Config, kv: &KvStore, req: PayRequest, now: i64) -> Result<PayReply, ApiError> {
    let pay_info = match req.pay_type {
        PayType::Alipay => {
            let return_url = req.return_url.unwrap_or_default();
            PayInfo {
                alipay_url: Some(alipay_url(config, kv, &req.order_no, return_url, now).await?),
                wechat_pay_url: None,
            }
        }
        PayType::Wechat => {
            let (code_url, _) = wechat_code(config, kv, &req.order_no, now).await?;
            PayInfo { alipay_url: None, wechat_pay_url: Some(code_url) }
        }
    };
    Ok(PayReply { result: 0, msg: String::new(), pay_info })
}

async fn alipay_url(
    config: &Config,
    kv: &KvStore,
    order_no: &OrderNo,
    return_url: String,
    now: i64,
) -> Result<String, ApiError> {
    let ali = config.alipay()?;
    let notify_url = config.public_url("/notify/alipay")?;
    let our_return_url = config.public_url("/return/alipay")?;
    let order = store::load_existing(kv, order_no).await?;
    ensure_payable(&order, now)?;
    // Only a new or different return_url needs the lock and a write.
    let order = if order.alipay.as_ref().is_some_and(|s| s.return_url == return_url) {
        order
    } else {
        store::update(kv, order_no, |o| {
            let unchanged = o.alipay.as_ref().is_some_and(|s| s.return_url == return_url);
            if !unchanged {
                let issued_at = o.alipay.as_ref().map_or(now, |s| s.issued_at);
                o.alipay = Some(AlipaySession { return_url, issued_at });
            }
            !unchanged
        })
        .await?
    };
    Ok(pay_url::build(
        &ali,
        &DirectPay {
            order_no: &order.order_no,
            subject: &order.subject,
            body: &order.body,
            total_fee: order.total_fee,
            notify_url: &notify_url,
            return_url: &our_return_url,
        },
    ))
}

/// The order's WeChat `code_url` and its expiry: the stored one, or a new `unifiedorder`.
async fn wechat_code(config: &Config, kv: &KvStore, order_no: &OrderNo, now: i64) -> Result<(String, i64), ApiError> {
    let order = store::load_existing(kv, order_no).await?;
    ensure_payable(&order, now)?;
    if let Some(session) = &order.wechat {
        return Ok((session.code_url.clone(), order.expires_at));
    }
    if order.expires_at - now < MIN_REMAINING_FOR_NEW_CODE {
        return Err(ApiError::new(ResultCode::OrderExpired, "less than a minute is left to pay this order"));
    }
    let wx = config.wechat()?;
    let notify_url = config.public_url("/notify/wechat")?;
    let spbill_create_ip = config.spbill_create_ip();
    let unified = wechat::request::UnifiedOrder {
        order_no,
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
            // WeChat says it is paid: record the payment, then report it.
            let events = sync::wechat_query(config, &wx, &order, now).await?;
            let order = store::apply(kv, order_no, events, now, true).await?;
            return Err(if order.state == PayState::Waiting {
                ApiError::new(
                    ResultCode::ProviderRejected,
                    "WeChat Pay answered ORDERPAID but orderquery does not confirm a payment",
                )
            } else {
                ApiError::new(ResultCode::OrderNotPayable, format!("the order is {}", order.state.name()))
            });
        }
        Err(e) => return Err(errors::wechat(&e)),
    };
    let order = store::update(kv, order_no, |o| {
        if o.wechat.is_some() {
            return false; // a concurrent call stored it first; WeChat re-entry returns the same code
        }
        o.wechat = Some(WechatSession { code_url: reply.code_url, prepay_id: reply.prepay_id, created_at: now });
        true
    })
    .await?;
    let session = order.wechat.as_ref().ok_or_else(|| ApiError::new(ResultCode::Internal, "code_url not stored"))?;
    Ok((session.code_url.clone(), order.expires_at))
}

/// `WechatPay`: the `code_url` (and, as an extension, `expires_at`). A `notify_url` in
/// the request is ignored: notifies always come to this worker.
pub async fn wechat_pay(
    config: &Config,
    kv: &KvStore,
    req: WechatPayRequest,
    now: i64,
) -> Result<WechatPayReply, ApiError> {
    let (code_url, expires_at) = wechat_code(config, kv, &req.order_no, now).await?;
    Ok(WechatPayReply { result: 0, msg: String::new(), code_url, expires_at })
}

/// `WechatPayState`: the order's state, after asking the providers when it is due.
pub async fn state(config: &Config, kv: &KvStore, order_no: &OrderNo, now: i64) -> Result<StateReply, ApiError> {
    let order = store::load_existing(kv, order_no).await?;
    let order = if reconcile::should_check(&order, now)
        || reconcile::is_expired_unpaid(&order, now)
        || order.refund.is_some()
    {
        sync::refresh(config, kv, order, now).await?
    } else {
        order
    };
    Ok(StateReply::of(&order))
}
