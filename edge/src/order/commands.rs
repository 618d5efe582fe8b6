//! The spec's page commands inside the order's object (`Pay` on every device, `WechatPay`,
//! `WechatPayState`, and `AlipayQr`), and the verified provider messages the routes hand
//! over (a notify's notice, the buyer's return). The decisions are `paycore`'s; this does
//! the I/O.

use paycore::api::{AlipayQrReply, ApiError, PayInfo, PayReply, PayRequest, ResultCode, StateReply, WechatPayReply};
use paycore::checkout::{self, SessionPlan};
use paycore::facts::Notice;
use paycore::ops::{Check, Create, Handout};
use paycore::order::{Channel, Provider};
use paycore::policy;
use paycore::provider::Buyer;
use paycore::reconcile;

use super::drive::{check, drive};
use super::{OrderObject, oauth};
use crate::platform::Error;
use crate::platform::config::Config;
use crate::providers::Wallet;

/// `Pay`: the way the wallet takes on the buyer's device (`paycore::checkout::way`):
/// Alipay's cashier or wap URL, WeChat's QR code, H5 link or JSAPI parameters.
pub async fn pay(
    obj: &OrderObject,
    config: &Config,
    req: PayRequest,
    client_ip: Option<String>,
    now: i64,
) -> Result<PayReply, Error> {
    let (provider, channel) = checkout::way(req.pay_type, req.device.unwrap_or_default())?;
    let order = obj.store()?.load_existing()?;
    let origins = config.return_url_origins();
    let mut buyer = Buyer::default();
    match (provider, channel) {
        (Provider::Alipay, _) => {
            let destination = policy::return_destination(&order, req.return_url.as_deref(), &origins)?;
            let token = config.sealer()?.return_token(&order.order_no, &destination);
            buyer.return_url = Some(policy::return_url_for(&config.public_base()?, &token)?);
            buyer.page_url = Some(destination);
        }
        (_, Channel::Wap) => {
            buyer.page_url = Some(policy::return_destination(&order, req.return_url.as_deref(), &origins)?);
            let ip = client_ip.filter(|ip| !ip.is_empty());
            buyer.client_ip =
                Some(ip.ok_or_else(|| ApiError::new(ResultCode::InvalidField, "the buyer's IP is unknown"))?);
        }
        (_, Channel::Jsapi) => {
            let (id, openid) = oauth::payer(obj, config, req.wx_token.as_deref(), now)?;
            (buyer.payer, buyer.openid) = (Some(id), Some(openid));
        }
        _ => {}
    }
    let page_url = buyer.page_url.clone();
    let (handout, _) = session(obj, config, provider, channel, buyer, now).await?;
    let pay_info = match (provider, channel) {
        (Provider::Alipay, _) => PayInfo { alipay_url: Some(handout.code), ..PayInfo::default() },
        (_, Channel::Jsapi) => PayInfo { wechat_jsapi: handout.jsapi, ..PayInfo::default() },
        (_, Channel::Wap) => {
            let back = paycore::form::urlencode(page_url.as_deref().unwrap_or_default());
            PayInfo { wechat_pay_url: Some(format!("{}&redirect_url={back}", handout.code)), ..PayInfo::default() }
        }
        _ => PayInfo { wechat_pay_url: Some(handout.code), ..PayInfo::default() },
    };
    Ok(PayReply { result: 0, msg: String::new(), pay_info })
}

/// The order's session at `provider` through `channel`: a stored code handed out again,
/// or a new one from the provider; and the order's expiry.
async fn session(
    obj: &OrderObject,
    config: &Config,
    provider: Provider,
    channel: Channel,
    buyer: Buyer,
    now: i64,
) -> Result<(Handout, i64), Error> {
    let order = obj.store()?.load_existing()?;
    policy::ensure_not_closing(obj.closing.get() > 0)?;
    let mut op = match checkout::session_plan(&order, provider, channel, &buyer, now)? {
        SessionPlan::Reuse { trade_no, code } if channel == Channel::Jsapi => {
            Create::jsapi_again(provider, &trade_no, &code, now)
        }
        SessionPlan::Reuse { code, .. } => return Ok((Handout { code, jsapi: None }, order.expires_at)),
        SessionPlan::Start { trade_no } => {
            // A missing setting is -19 before anything is asked.
            Wallet::of(config, provider)?;
            Create::new(provider, channel, &trade_no, buyer, now)
        }
    };
    let applied = drive(obj, config, &mut op, now).await?;
    // A close that began meanwhile closes this trade too; its code is not handed out.
    policy::ensure_not_closing(obj.closing.get() > 0)?;
    Ok((op.answer(&applied.order)?, applied.order.expires_at))
}

/// `AlipayQr` (extension): the Alipay QR code (`alipay.trade.precreate`) and `expires_at`.
pub async fn alipay_qr(obj: &OrderObject, config: &Config, now: i64) -> Result<AlipayQrReply, Error> {
    let (handout, expires_at) = session(obj, config, Provider::Alipay, Channel::Qr, Buyer::default(), now).await?;
    Ok(AlipayQrReply { result: 0, msg: String::new(), qr_code: handout.code, expires_at })
}

/// `WechatPay`: the `code_url` (and, as an extension, `expires_at`). A `notify_url` in
/// the request is ignored: notifies always come to this worker.
pub async fn wechat_pay(obj: &OrderObject, config: &Config, now: i64) -> Result<WechatPayReply, Error> {
    let (handout, expires_at) = session(obj, config, Provider::Wechat, Channel::Qr, Buyer::default(), now).await?;
    Ok(WechatPayReply { result: 0, msg: String::new(), code_url: handout.code, expires_at })
}

/// `WechatPayState`: the object's state, after asking the providers when a poll may (at
/// most every 3 s per order, one check at a time, however many pages poll). A provider
/// fault is logged and the stored state answered; the alarm asks again.
pub async fn state(obj: &OrderObject, config: &Config, now: i64) -> Result<StateReply, Error> {
    let order = obj.store()?.load_existing()?;
    let checks = obj.agenda.borrow().poll(&order, now);
    if let Err(e) = check(obj, config, checks, now).await {
        super::log_error("poll check", &e);
    }
    Ok(StateReply::of(&obj.store()?.load_existing()?, now))
}

/// A notify the route verified: applied when [`reconcile::accept_notice`] accepts it for
/// this order, and stored before the route answers the provider.
pub fn notice(obj: &OrderObject, notice: &Notice, now: i64) -> Result<(), Error> {
    let store = obj.store()?;
    let order = store.load()?.ok_or_else(|| ApiError::new(ResultCode::ProviderBadReply, "unknown order"))?;
    let changes = reconcile::accept_notice(&order, notice, now)?;
    obj.log_applied(&store.apply(changes, now)?);
    Ok(())
}

/// The buyer's verified return from a cashier: the trade asked about (a return proves
/// nothing by itself), then the page the `Pay` asked for (sealed in `token`, checked here
/// for this order) or the merchant's, with the order's state, signed.
pub async fn buyer_return(
    obj: &OrderObject,
    config: &Config,
    notice: &Notice,
    token: Option<&str>,
    now: i64,
) -> Result<String, Error> {
    let order = obj.store()?.load_existing()?;
    let Notice::Trade(facts) = notice else {
        return Err(ApiError::new(ResultCode::ProviderBadReply, "a return names a trade").into());
    };
    if !order.has_trade(facts.provider, &facts.trade_no) {
        return Err(ApiError::new(ResultCode::ProviderBadReply, "return for another order").into());
    }
    let order = match drive(obj, config, &mut Check::trade(facts.provider, &facts.trade_no), now).await {
        Ok(applied) => applied.order,
        Err(_) => obj.store()?.load_existing()?,
    };
    let sealer = config.sealer()?;
    let destination = match token.map(|t| sealer.open_return_token(&order.order_no, t)) {
        Some(Ok(url)) => url,
        Some(Err(e)) => return Err(ApiError::new(ResultCode::InvalidField, format!("return destination {e}")).into()),
        None => order.return_url.clone().ok_or_else(Error::order_not_found)?,
    };
    let token = config.required("MERCHANT_TOKEN")?;
    Ok(policy::return_location(&destination, &order, &token, now))
}
