//! The spec's page commands inside the order's object: `Pay`, `WechatPay` and
//! `WechatPayState`. The decisions are `paycore::policy`'s; this does the I/O.

use paycore::alipay::pay_url;
use paycore::api::{
    AlipayQrReply, ApiError, PayInfo, PayReply, PayRequest, PayType, ResultCode, StateReply, WechatPayReply,
    WechatPayRequest,
};
use paycore::order::{Order, PayState, Provider, WechatSession};
use paycore::policy;

use crate::checks;
use crate::config::Config;
use crate::object::OrderObject;
use crate::providers::{Code, Wallet};

/// `Pay`: type 1 → the signed Alipay cashier URL; type 2 → the WeChat `code_url`.
pub async fn pay(obj: &OrderObject, config: &Config, req: PayRequest, now: i64) -> Result<PayReply, ApiError> {
    let pay_info = match req.pay_type {
        PayType::Alipay => PayInfo {
            alipay_url: Some(alipay_url(obj, config, req.return_url.as_deref().unwrap_or_default(), now).await?),
            wechat_pay_url: None,
        },
        PayType::Wechat => {
            PayInfo { alipay_url: None, wechat_pay_url: Some(code(obj, config, Provider::Wechat, now).await?.0) }
        }
    };
    Ok(PayReply { result: 0, msg: String::new(), pay_info })
}

/// The cashier URL. The first `return_url` (from `CreateOrder` or here) is fixed; its
/// origin must be in `RETURN_URL_ORIGINS`.
async fn alipay_url(obj: &OrderObject, config: &Config, return_url: &str, now: i64) -> Result<String, ApiError> {
    let wallet = Wallet::of(config, Provider::Alipay)?;
    let store = obj.store()?;
    let order = store.load_existing()?;
    policy::ensure_payable(&order, now)?;
    policy::ensure_return_origin(return_url, &config.return_url_origins())?;
    let fixed = policy::fix_return_url(&order, return_url)?;
    let order = if fixed.is_some() || order.alipay.is_none() { store.start_alipay(fixed, now)? } else { order };
    let it_b_pay = config.alipay_it_b_pay().then(|| pay_url::it_b_pay_minutes(order.expires_at, now));
    wallet.cashier_url(config, &order, it_b_pay, now).await
}

fn stored_code(order: &Order, provider: Provider) -> Option<&str> {
    match provider {
        Provider::Wechat => order.wechat.as_ref().map(|s| s.code_url.as_str()),
        Provider::Alipay => order.alipay.as_ref().and_then(|s| s.qr_code.as_deref()),
    }
}

/// The order's QR code at `provider` and its expiry: the stored one, or a new one from
/// the wallet (WeChat Native; Alipay `precreate`).
async fn code(obj: &OrderObject, config: &Config, provider: Provider, now: i64) -> Result<(String, i64), ApiError> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    policy::ensure_payable(&order, now)?;
    if let Some(code) = stored_code(&order, provider) {
        return Ok((code.to_owned(), order.expires_at));
    }
    let wallet = Wallet::of(config, provider)?;
    policy::ensure_time_for_new_code(&order, now)?;
    let (text, prepay_id) = match wallet.create_code(config, &order, now).await? {
        Code::New { text, prepay_id } => (text, prepay_id),
        Code::AlreadyPaid => {
            // The provider says it is paid: record what its query proves, then report it.
            let events = wallet.query(config, &order, now).await?;
            let applied = store.apply(events, now)?;
            obj.log_applied(&applied);
            return Err(match applied.order.state {
                PayState::Waiting => ApiError::new(
                    ResultCode::ProviderRejected,
                    "the provider says the order is paid but its query does not confirm a payment",
                ),
                state => ApiError::new(ResultCode::OrderNotPayable, format!("the order is {}", state.name())),
            });
        }
    };
    // Re-read: a concurrent call may have stored a code while this one waited.
    let order = match provider {
        Provider::Wechat => store.start_wechat(WechatSession { code_url: text, prepay_id, created_at: now })?,
        Provider::Alipay => store.start_alipay_qr(text, now)?,
    };
    let code = stored_code(&order, provider).ok_or_else(|| crate::errors::internal("code not stored"))?;
    Ok((code.to_owned(), order.expires_at))
}

/// `AlipayQr` (extension): the Alipay QR code (`alipay.trade.precreate`) and `expires_at`,
/// so a page can show both wallets' codes side by side.
pub async fn alipay_qr(obj: &OrderObject, config: &Config, now: i64) -> Result<AlipayQrReply, ApiError> {
    let (qr_code, expires_at) = code(obj, config, Provider::Alipay, now).await?;
    Ok(AlipayQrReply { result: 0, msg: String::new(), qr_code, expires_at })
}

/// `WechatPay`: the `code_url` (and, as an extension, `expires_at`). A `notify_url` in
/// the request is ignored: notifies always come to this worker.
pub async fn wechat_pay(
    obj: &OrderObject,
    config: &Config,
    _req: WechatPayRequest,
    now: i64,
) -> Result<WechatPayReply, ApiError> {
    let (code_url, expires_at) = code(obj, config, Provider::Wechat, now).await?;
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
