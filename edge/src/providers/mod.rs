//! The provider APIs an order can be paid through, one module each, behind one [`Wallet`]
//! with the same four calls: query the trade, close it, refund a payment, check refunds.
//! The order's logic loops over the wallets an order started; it never branches on which.
//! Each call builds its request in `paycore`, sends it through [`crate::outbound`], and
//! returns the events the verified reply proves.

mod alipay_mapi;
mod alipay_openapi;
mod wechat_v2;
mod wechat_v3;

use paycore::alipay::AlipayConfig;
use paycore::api::{ApiError, ResultCode};
use paycore::order::{Event, Order, Provider, Refund};
use paycore::wechat::WechatConfig;

pub use alipay_openapi::OpenApiSettings;
pub use wechat_v3::{V3Settings, WechatKeys};

use crate::config::Config;

/// A provider API with its settings.
pub enum Wallet {
    /// WeChat Pay API v2 (XML, MD5/HMAC-SHA256).
    WechatV2(WechatConfig),
    /// WeChat Pay API v3 (JSON, RSA, AES-GCM notifies).
    WechatV3(Box<V3Settings>),
    /// Alipay MAPI (`create_direct_pay_by_user`, MD5).
    AlipayMapi(AlipayConfig),
    /// Alipay OpenAPI (`alipay.trade.*`, RSA2).
    AlipayOpenApi(Box<OpenApiSettings>),
}

/// A QR code a wallet created for an order.
pub enum Code {
    /// The code's text, and WeChat v2's `prepay_id` when there is one.
    New {
        /// `code_url` / `qr_code`.
        text: String,
        /// `prepay_id` (WeChat v2).
        prepay_id: String,
    },
    /// The provider says the order is paid already: query it.
    AlreadyPaid,
}

impl Wallet {
    /// The API of `provider` this merchant configured (`WECHAT_API_VERSION`, `ALIPAY_API`).
    pub fn of(config: &Config, provider: Provider) -> Result<Self, ApiError> {
        Ok(match provider {
            Provider::Wechat if config.wechat_v3_on()? => Self::WechatV3(Box::new(config.wechat_v3()?)),
            Provider::Wechat => Self::WechatV2(config.wechat()?),
            Provider::Alipay if config.alipay_openapi_on()? => Self::AlipayOpenApi(Box::new(config.alipay_openapi()?)),
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
            Self::WechatV2(_) | Self::WechatV3(_) => Provider::Wechat,
            Self::AlipayMapi(_) | Self::AlipayOpenApi(_) => Provider::Alipay,
        }
    }

    /// True when a refund's outcome can be asked for at once (MAPI's comes by notify only).
    pub fn refund_check_after_refund(&self) -> bool {
        !matches!(self, Self::AlipayMapi(_))
    }

    /// A new QR code for the order: WeChat Native's `code_url`, Alipay OpenAPI's
    /// `precreate`. MAPI has none (-28).
    pub async fn create_code(&self, config: &Config, order: &Order, now: i64) -> Result<Code, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::create(config, wx, order).await,
            Self::WechatV3(s) => wechat_v3::create(config, s, order, now).await,
            Self::AlipayOpenApi(s) => alipay_openapi::create(config, s, order, now).await,
            Self::AlipayMapi(_) => Err(ApiError::new(
                ResultCode::NotSupported,
                "Alipay QR codes need ALIPAY_API=openapi (alipay.trade.precreate); MAPI has no QR code",
            )),
        }
    }

    /// The Alipay cashier URL (signed; MAPI's MD5 or OpenAPI's RSA2 `page.pay`).
    pub async fn cashier_url(
        &self,
        config: &Config,
        order: &Order,
        it_b_pay_minutes: Option<i64>,
        now: i64,
    ) -> Result<String, ApiError> {
        match self {
            Self::AlipayMapi(ali) => alipay_mapi::cashier_url(config, ali, order, it_b_pay_minutes),
            Self::AlipayOpenApi(s) => alipay_openapi::cashier_url(config, s, order, now).await,
            Self::WechatV2(_) | Self::WechatV3(_) => Err(crate::errors::internal("WeChat has no cashier URL")),
        }
    }

    /// Asks about the order's trade: the events its reply proves (none while unpaid).
    pub async fn query(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::query(config, wx, order, now).await,
            Self::WechatV3(s) => wechat_v3::query(config, s, order, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::query(config, ali, order, now).await,
            Self::AlipayOpenApi(s) => alipay_openapi::query(config, s, order, now).await,
        }
    }

    /// Closes the order's trade. Returns what the provider proved instead when the trade
    /// turns out paid (then the order must not be cancelled).
    pub async fn close(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::close(config, wx, order, now).await,
            Self::WechatV3(s) => wechat_v3::close(config, s, order, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::close(config, ali, order, now).await,
            Self::AlipayOpenApi(s) => alipay_openapi::close(config, s, order, now).await,
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
            Self::WechatV3(s) => wechat_v3::refund(config, s, order, refund, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::refund(config, ali, order, refund, now).await,
            Self::AlipayOpenApi(s) => alipay_openapi::refund(config, s, order, refund, now).await,
        }
    }

    /// Asks about the order's pending refunds at this provider.
    pub async fn refund_check(&self, config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
        match self {
            Self::WechatV2(wx) => wechat_v2::refund_check(config, wx, order).await,
            Self::WechatV3(s) => wechat_v3::refund_check(config, s, order, now).await,
            Self::AlipayMapi(ali) => alipay_mapi::refund_check(config, ali, order, now).await,
            Self::AlipayOpenApi(s) => alipay_openapi::refund_check(config, s, order, now).await,
        }
    }
}
