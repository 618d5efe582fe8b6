//! The provider APIs, one module each, named as in `paycore` (`wechat_v2`, `wechat_v3`,
//! `alipay_mapi`, `alipay_openapi`). Each holds only what the edge must: reading its
//! settings and keys, and the key look-ups WebCrypto needs. Everything a call or notify
//! means is the core module's ([`ProviderApi`]); the one driver here ([`Wallet::run`],
//! [`Wallet::open_notify`]) does the I/O for all four: sign with the merchant's key, send,
//! verify with the provider's key, decrypt, confirm. A new API is a core module, an edge
//! module here, and one line in [`Api`].

mod alipay_mapi;
mod alipay_openapi;
mod wechat_v2;
mod wechat_v3;

use std::cell::RefCell;
use std::rc::Rc;

use paycore::OrderNo;
use paycore::facts::Notice;
use paycore::keys::{PrivateKey, PublicKey};
use paycore::order::{Order, Provider};
use paycore::provider::{
    Call, CallContext, CallError, NotifyError, NotifyInput, ORDER_SEGMENT, Opened, Outcome, ProviderApi, Ready,
    RsaCheck,
};

use crate::platform::config::Config;
use crate::platform::{outbound, webcrypto};

/// The provider APIs this worker speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// WeChat Pay API v2 (XML, MD5/HMAC-SHA256).
    WechatV2,
    /// WeChat Pay API v3 (JSON, RSA, AES-GCM notifies).
    WechatV3,
    /// Alipay MAPI (`create_direct_pay_by_user`, MD5).
    AlipayMapi,
    /// Alipay OpenAPI (`alipay.trade.*`, RSA2).
    AlipayOpenApi,
}

impl Api {
    /// The API of `provider` this merchant configured (`WECHAT_API_VERSION` v2|v3,
    /// `ALIPAY_API` mapi|openapi; anything else is `-19`).
    pub fn configured(config: &Config, provider: Provider) -> Result<Self, CallError> {
        let (name, value) = match provider {
            Provider::Wechat => ("WECHAT_API_VERSION", config.get("WECHAT_API_VERSION")),
            Provider::Alipay => ("ALIPAY_API", config.get("ALIPAY_API")),
        };
        match (provider, value.as_deref()) {
            (Provider::Wechat, None | Some("v2")) => Ok(Self::WechatV2),
            (Provider::Wechat, Some("v3")) => Ok(Self::WechatV3),
            (Provider::Alipay, None | Some("mapi")) => Ok(Self::AlipayMapi),
            (Provider::Alipay, Some("openapi")) => Ok(Self::AlipayOpenApi),
            _ => Err(CallError::NotConfigured(format!(
                "{name} must be {}",
                if provider == Provider::Wechat { "v2 or v3" } else { "mapi or openapi" }
            ))),
        }
    }

    /// The API whose notifies come to `path`, and the order a path names.
    pub fn of_notify_path(path: &str) -> Option<(Self, Option<OrderNo>)> {
        use paycore::{alipay_mapi, alipay_openapi, wechat_v2, wechat_v3};
        let apis = [
            (wechat_v2::NOTIFY_PATH, Self::WechatV2),
            (wechat_v3::NOTIFY_PATH, Self::WechatV3),
            (alipay_mapi::NOTIFY_PATH, Self::AlipayMapi),
            (alipay_openapi::NOTIFY_PATH, Self::AlipayOpenApi),
        ];
        if let Some((_, api)) = apis.iter().find(|(p, _)| *p == path) {
            return Some((*api, None));
        }
        // `<path>/order/<order_no>`: the notify of a trade with a number of its own.
        for (prefix, api) in apis {
            if let Some(segment) = path.strip_prefix(prefix).and_then(|rest| rest.strip_prefix(ORDER_SEGMENT)) {
                return Some((api, Some(paycore::http::parse_order_segment(segment)?)));
            }
        }
        let segment = path.strip_prefix(alipay_mapi::REFUND_NOTIFY_PREFIX)?;
        Some((Self::AlipayMapi, Some(paycore::http::parse_order_segment(segment)?)))
    }
}

/// A provider API with its settings and keys.
pub enum Wallet {
    /// WeChat Pay API v2.
    WechatV2(paycore::wechat_v2::WechatConfig),
    /// WeChat Pay API v3.
    WechatV3(wechat_v3::Settings),
    /// Alipay MAPI.
    AlipayMapi(paycore::alipay_mapi::AlipayConfig),
    /// Alipay OpenAPI.
    AlipayOpenApi(alipay_openapi::Settings),
}

thread_local! {
    /// Wallets of this isolate (the settings are the deployment's: fixed per isolate), so
    /// keys are parsed once, not per request.
    static WALLETS: RefCell<Vec<(Api, Rc<Wallet>)>> = const { RefCell::new(Vec::new()) };
}

impl Wallet {
    /// The wallet of `api`, read from the settings once per isolate.
    pub fn load(config: &Config, api: Api) -> Result<Rc<Self>, CallError> {
        if let Some(w) = WALLETS.with(|w| w.borrow().iter().find(|(a, _)| *a == api).map(|(_, w)| Rc::clone(w))) {
            return Ok(w);
        }
        let wallet = Rc::new(match api {
            Api::WechatV2 => Self::WechatV2(wechat_v2::settings(config)?),
            Api::WechatV3 => Self::WechatV3(wechat_v3::Settings::read(config)?),
            Api::AlipayMapi => Self::AlipayMapi(alipay_mapi::settings(config)?),
            Api::AlipayOpenApi => Self::AlipayOpenApi(alipay_openapi::Settings::read(config)?),
        });
        WALLETS.with(|w| w.borrow_mut().push((api, Rc::clone(&wallet))));
        Ok(wallet)
    }

    /// The configured API of `provider`.
    pub fn of(config: &Config, provider: Provider) -> Result<Rc<Self>, CallError> {
        Self::load(config, Api::configured(config, provider)?)
    }

    /// Its core side: requests, replies, notifies.
    pub fn api(&self) -> &dyn ProviderApi {
        match self {
            Self::WechatV2(cfg) => cfg,
            Self::WechatV3(s) => &s.cfg,
            Self::AlipayMapi(cfg) => cfg,
            Self::AlipayOpenApi(s) => &s.cfg,
        }
    }

    /// The merchant's RSA key, for the APIs that sign with one.
    fn signing_key(&self) -> Option<&PrivateKey> {
        match self {
            Self::WechatV3(s) => Some(&s.key),
            Self::AlipayOpenApi(s) => Some(&s.key),
            Self::WechatV2(_) | Self::AlipayMapi(_) => None,
        }
    }

    /// The provider's public key for `serial`, for the APIs whose messages carry an RSA
    /// signature.
    async fn provider_key(&self, config: &Config, serial: Option<&str>, now: i64) -> Option<PublicKey> {
        match self {
            Self::WechatV3(s) => s.key_for(config, serial?, now).await,
            Self::AlipayOpenApi(s) => Some(s.alipay_key.clone()),
            Self::WechatV2(_) | Self::AlipayMapi(_) => None,
        }
    }

    /// Checks a provider's RSA signature.
    async fn verify(&self, config: &Config, check: &RsaCheck, now: i64) -> Result<(), String> {
        let serial = check.serial.as_deref();
        let key = self.provider_key(config, serial, now).await.ok_or_else(|| match serial {
            Some(serial) => format!("unknown serial {}", serial.chars().take(64).collect::<String>()),
            None => "no key to verify with".to_owned(),
        })?;
        if webcrypto::rsa_sha256_verify(&key, &check.message, &check.signature).await {
            Ok(())
        } else {
            Err("signature does not verify".into())
        }
    }

    /// Makes `call` about `order`: the one driver for every API.
    pub async fn run(
        &self,
        config: &Config,
        call: &Call,
        order: &Order,
        cx: &CallContext,
    ) -> Result<Outcome, CallError> {
        let api = self.api();
        let provider = api.provider();
        let prepared = api.prepare(call, order, cx)?;
        let signature = match (&prepared.to_sign, self.signing_key()) {
            (Some(message), Some(key)) => Some(
                webcrypto::rsa_sha256_sign(key, message)
                    .await
                    .map_err(|e| CallError::NotConfigured(format!("the merchant's signing key: {e}")))?,
            ),
            _ => None,
        };
        let request = match prepared.finish(signature.as_deref()) {
            Ready::Send(request) => request,
            Ready::Done(outcome) => return Ok(outcome),
            Ready::Failed(e) => return Err(e),
        };
        let resp = outbound::exchange(config, &request).await.map_err(|t| t.call_error(provider))?;
        if let Some(check) = api.reply_check(call, &resp, cx.now)? {
            self.verify(config, &check, cx.now).await.map_err(|why| CallError::bad_reply(provider, why))?;
        }
        api.outcome(call, order, &resp)
    }

    /// Verifies, opens and confirms a notify (or a buyer's return), then reads it.
    pub async fn open_notify(
        &self,
        config: &Config,
        input: &NotifyInput,
        now: i64,
    ) -> Result<(OrderNo, Notice), NotifyError> {
        let api = self.api();
        let check = api.notify_check(input, now)?;
        if let Some(rsa) = &check.rsa {
            self.verify(config, rsa, now).await.map_err(NotifyError::Signature)?;
        }
        let mut opened = Opened::default();
        if let Some(sealed) = &check.sealed {
            let Self::WechatV3(s) = self else { return Err(NotifyError::Ours("no key opens this notify".into())) };
            let plain = webcrypto::aes_gcm_decrypt(&s.apiv3_key, &sealed.nonce, &sealed.aad, &sealed.data).await;
            opened.plaintext = Some(plain.map_err(|_| NotifyError::Rejected("resource does not decrypt".into()))?);
        }
        if let Some(confirm) = &check.confirm {
            let answer = outbound::exchange(config, confirm).await.ok();
            opened.confirmation = answer.filter(|r| r.status == 200).map(|r| r.body);
        }
        api.notice(input, &opened)
    }
}
