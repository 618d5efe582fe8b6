//! The provider APIs an order can be paid through, one module each, behind one [`Wallet`]
//! with the same four calls: query the trade, close it, refund a payment, check refunds.
//! The order's logic loops over the wallets an order started; it never branches on which.
//! Each call builds its request in `paycore`, sends it through [`crate::outbound`], and
//! returns the events the verified reply proves.

mod alipay_mapi;
mod wechat_v2;

use paycore::alipay::AlipayConfig;
use paycore::api::ApiError;
use paycore::order::{Event, Order, Provider, Refund};
use paycore::wechat::WechatConfig;

use crate::config::Config;

/// A provider API with its settings.
pub enum Wallet {
    /// WeChat Pay API v2 (XML, MD5/HMAC-SHA256).
    WechatV2(WechatConfig),
    /// Alipay MAPI (`create_direct_pay_by_user`, MD5).
    AlipayMapi(AlipayConfig),
}

impl Wallet {
    /// The configured API of `provider`.
    pub fn of(config: &Config, provider: Provider) -> Result<Self, ApiError> {
        Ok(match provider {
            Provider::Wechat => Self::WechatV2(config.wechat()?),
            Provider::Alipay => Self::AlipayMapi(config.alipay()?),
        })
    }

    /// The wallets this order started a payment session with.
    pub fn started(config: &Config, order: &Order) -> Result<Vec<Self>, ApiError> {
        let mut wallets = Vec::new();
        if order.wechat.is_some() {
            wallets.push(Self::of(config, Provider::Wechat)?);
        }
        if order.alipay.is_some() {
            wallets.push(Self::of(config, Provider::Alipay)?);
        }
        Ok(wallets)
    }

    /// The wallets that have a payment or pending refund on this order, plus those started.
    pub fn involved(config: &Config, order: &Order) -> Result<Vec<Self>, ApiError> {
        let mut providers: Vec<Provider> = order.payments().map(|p| p.provider).collect();
        providers.extend(order.refunds.iter().map(|r| r.provider));
        if order.wechat.is_some() {
            providers.push(Provider::Wechat);
        }
        if order.alipay.is_some() {
            providers.push(Provider::Alipay);
        }
        let mut wallets = Vec::new();
        for p in [Provider::Wechat, Provider::Alipay] {
            if providers.contains(&p) {
                wallets.push(Self::of(config, p)?);
            }
        }
        Ok(wallets)
    }

    /// Which provider this is.
    pub fn provider(&self) -> Provider {
        match self {
            Self::WechatV2(_) => Provider::Wechat,
            Self::AlipayMapi(_) => Provider::Alipay,
        }
    }

    /// Asks about the order's trade: the events its reply proves (none while unpaid).
    pub async fn query(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::query(config, wx, order, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::query(config, ali, order, now).await,
        }
    }

    /// Closes the order's trade. Returns what the provider proved instead when the trade
    /// turns out paid (then the order must not be cancelled).
    pub async fn close(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::close(config, wx, order, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::close(config, ali, order, now).await,
        }
    }

    /// Sends a refund; `Ok` when the provider accepted it, with its refund id if it gave one.
    pub async fn refund(
        &self,
        config: &Config,
        order: &Order,
        refund: &Refund,
        now: i64,
    ) -> Result<Option<String>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::refund(config, wx, order, refund).await,
            Self::AlipayMapi(ali) => alipay_mapi::refund(config, ali, order, refund, now).await,
        }
    }

    /// Asks about the order's pending refunds at this provider.
    pub async fn refund_check(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::refund_check(config, wx, order).await,
            Self::AlipayMapi(ali) => alipay_mapi::refund_check(config, ali, order, now).await,
        }
    }
}
