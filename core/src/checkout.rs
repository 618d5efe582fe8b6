//! How a buyer pays: the way ([`Provider`] and [`Channel`]) a wallet takes on the device
//! the page says the buyer is on, and the session that serves them: one made before and
//! still good, or a new one under the trade number it must have.
//!
//! Desktop sessions (WeChat's QR code, Alipay's cashier and QR code) and Alipay's wap
//! cashier are the order's own trade: `out_trade_no` = the order number. WeChat refuses a
//! second `unifiedorder` of another `trade_type` (or other parameters) under one number,
//! so its phone sessions (H5, JSAPI) get numbers of their own, within WeChat's 32
//! characters for every order number: [`session_trade_no`]. Their notifies name the order
//! in their URL and `attach`.

use crate::api::{ApiError, Device, PayType, ResultCode};
use crate::order::{Channel, Order, Provider};
use crate::policy::{ensure_payable, ensure_time_for_new_code};
use crate::provider::Buyer;

/// An H5 link lives 5 minutes at WeChat: one older than this is not handed out again.
pub const H5_REUSE_SECS: i64 = 270;
/// A `prepay_id` lives 2 hours: one older than this is not used again.
pub const PREPAY_REUSE_SECS: i64 = 2 * 3600 - 600;
/// Phone sessions one order may start per channel (each is a provider call anyone with
/// the order number can cause).
pub const MAX_PHONE_SESSIONS: usize = 20;

/// The way `pay_type` is paid on `device`: `-34` where the wallet cannot open (Alipay
/// inside WeChat, WeChat Pay inside Alipay), and nothing is sent anywhere.
pub fn way(pay_type: PayType, device: Device) -> Result<(Provider, Channel), ApiError> {
    let wrong_app = |what: &str| {
        ApiError::new(ResultCode::WrongApp, format!("{what}: open this page in the phone's browser to pay"))
    };
    match (pay_type, device) {
        (PayType::Alipay, Device::Pc) => Ok((Provider::Alipay, Channel::Cashier)),
        (PayType::Alipay, Device::Mobile | Device::Alipay) => Ok((Provider::Alipay, Channel::Wap)),
        (PayType::Alipay, Device::Wechat) => Err(wrong_app("Alipay cannot open inside WeChat")),
        (PayType::Wechat, Device::Pc) => Ok((Provider::Wechat, Channel::Qr)),
        (PayType::Wechat, Device::Mobile) => Ok((Provider::Wechat, Channel::Wap)),
        (PayType::Wechat, Device::Wechat) => Ok((Provider::Wechat, Channel::Jsapi)),
        (PayType::Wechat, Device::Alipay) => Err(wrong_app("WeChat Pay cannot open inside Alipay")),
    }
}

/// What a page's request for a payment session comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionPlan {
    /// Hand out the code the order's session already has (JSAPI: its `prepay_id`, to sign).
    Reuse {
        /// The session's trade.
        trade_no: String,
        /// Its code.
        code: String,
    },
    /// Start a session for the trade `trade_no`.
    Start {
        /// The trade's `out_trade_no`.
        trade_no: String,
    },
}

/// The session that serves a buyer paying `provider` through `channel`: a QR code is made
/// once per order and handed out again; an H5 link again to the same IP within
/// [`H5_REUSE_SECS`]; a prepay again to the same payer within [`PREPAY_REUSE_SECS`];
/// cashier URLs are signed each time. `-12` when the order is final, `-13` when expired or
/// too close to expiry for a new code, `-14` when an order has started too many phone
/// sessions.
pub fn session_plan(
    order: &Order,
    provider: Provider,
    channel: Channel,
    buyer: &Buyer,
    now: i64,
) -> Result<SessionPlan, ApiError> {
    ensure_payable(order, now)?;
    let own = || order.order_no.as_str().to_owned();
    let sessions = || order.sessions.iter().filter(|s| s.provider == provider && s.channel == channel);
    // A session the provider reported closed takes no more money: never handed out again.
    let reusable = sessions().rev().find(|s| {
        s.code.is_some()
            && !s.closed
            && match (provider, channel) {
                (_, Channel::Qr) => true,
                (Provider::Wechat, Channel::Wap) => {
                    s.client_ip == buyer.client_ip && now - s.started_at < H5_REUSE_SECS
                }
                (Provider::Wechat, Channel::Jsapi) => s.payer == buyer.payer && now - s.started_at < PREPAY_REUSE_SECS,
                _ => false,
            }
    });
    if let Some(s) = reusable {
        return Ok(SessionPlan::Reuse { trade_no: s.trade_no.clone(), code: s.code.clone().unwrap_or_default() });
    }
    let trade_no = match (provider, channel) {
        (Provider::Wechat, Channel::Wap | Channel::Jsapi) => {
            let n = sessions().count() + 1;
            if n > MAX_PHONE_SESSIONS {
                return Err(ApiError::new(
                    ResultCode::InvalidOrderState,
                    "this order has started too many payment sessions",
                ));
            }
            session_trade_no(order.order_no.as_str(), if channel == Channel::Wap { 'H' } else { 'J' }, n)
        }
        _ => own(),
    };
    if crate::ops::made_by_request(provider, channel) {
        ensure_time_for_new_code(order, now)?;
    }
    Ok(SessionPlan::Start { trade_no })
}

/// The trade number of an order's `n`th phone session of a kind (`tag`: `H` for H5, `J`
/// for JSAPI): `<order_no>*<tag><n>`, readable in the merchant's WeChat portal; an order
/// number longer than 27 characters is shortened to its first 17 and 10 hex digits of its
/// MD5, so two long numbers with the same start still differ. At most 31 characters.
pub fn session_trade_no(order_no: &str, tag: char, n: usize) -> String {
    use md5::{Digest, Md5};
    let base = if order_no.len() <= 27 {
        order_no.to_owned()
    } else {
        let digest = Md5::digest(order_no.as_bytes());
        format!("{}{}", &order_no[..17], &crate::sign::hex(&digest, false)[..10])
    };
    format!("{base}*{tag}{n}")
}

/// True when `trade_no` has the shape of a phone session's trade number (ends in `*H<n>`
/// or `*J<n>`): `CreateOrder` refuses such order numbers, so an order's number is never
/// another order's session trade (whose payment it would then be shown).
pub fn is_session_trade_no(trade_no: &str) -> bool {
    let Some((_, tail)) = trade_no.rsplit_once('*') else { return false };
    let mut chars = tail.chars();
    matches!(chars.next(), Some('H' | 'J')) && !chars.as_str().is_empty() && chars.all(|c| c.is_ascii_digit())
}

#[cfg(test)]
#[path = "checkout_tests.rs"]
mod tests;
