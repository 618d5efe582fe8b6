//! Settings from the environment: `[vars]` in wrangler.toml, secrets from `wrangler secret`
//! (locally `.dev.vars`). Read per request; a missing setting fails only the commands
//! that need it, with `-19 NotConfigured`.

use paycore::alipay::AlipayConfig;
use paycore::alipay_openapi::request::{DEFAULT_GATEWAY, OpenApiConfig};
use paycore::api::{ApiError, ResultCode};
use paycore::keys::{KeyError, PrivateKey, PublicKey};
use paycore::sign::{SecretKey, WechatSignType};
use paycore::webhook;
use paycore::wechat::WechatConfig;
use paycore::wechat_v3::request::V3Config;
use worker::Env;

use crate::providers::{OpenApiSettings, V3Settings, WechatKeys};

/// Where and how events go to the merchant's backend.
pub struct WebhookSettings {
    /// `WEBHOOK_URL`.
    pub url: String,
    /// `WEBHOOK_SECRET` (at least 32 characters).
    pub secret: SecretKey,
    /// Retry delays (`WEBHOOK_RETRY_SCHEDULE`, seconds; default 10 s … 1 h, then hourly).
    pub schedule: Vec<i64>,
    /// When an undelivered event is failed (`WEBHOOK_GIVE_UP_SECONDS`, default 24 h).
    pub give_up: i64,
    /// One attempt's timeout (`WEBHOOK_TIMEOUT_MS`, default 10 s).
    pub timeout_ms: u64,
}

/// The worker's settings.
pub struct Config {
    env: Env,
}

fn missing(name: &str) -> ApiError {
    ApiError::new(ResultCode::NotConfigured, format!("the worker setting {name} is missing"))
}

impl Config {
    /// Wraps the request's environment.
    pub fn new(env: Env) -> Self {
        Self { env }
    }

    /// A setting's value, if set and non-empty.
    pub fn get(&self, name: &str) -> Option<String> {
        self.env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &str) -> Result<String, ApiError> {
        self.get(name).ok_or_else(|| missing(name))
    }

    /// The raw environment (KV and service bindings).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// WeChat Pay settings.
    pub fn wechat(&self) -> Result<WechatConfig, ApiError> {
        let sign_type = match self.get("WECHAT_SIGN_TYPE").as_deref() {
            None | Some("HMAC-SHA256") => WechatSignType::HmacSha256,
            Some("MD5") => WechatSignType::Md5,
            Some(_) => {
                return Err(ApiError::new(ResultCode::NotConfigured, "WECHAT_SIGN_TYPE must be MD5 or HMAC-SHA256"));
            }
        };
        Ok(WechatConfig {
            appid: self.required("WECHAT_APPID")?,
            mch_id: self.required("WECHAT_MCH_ID")?,
            api_key: SecretKey::new(self.required("WECHAT_API_KEY")?),
            api_base: self.required("WECHAT_API_BASE")?,
            sign_type,
        })
    }

    /// True when `WECHAT_API_VERSION=v3` (default v2).
    pub fn wechat_v3_on(&self) -> Result<bool, ApiError> {
        match self.get("WECHAT_API_VERSION").as_deref() {
            None | Some("v2") => Ok(false),
            Some("v3") => Ok(true),
            Some(_) => Err(ApiError::new(ResultCode::NotConfigured, "WECHAT_API_VERSION must be v2 or v3")),
        }
    }

    /// True when `ALIPAY_API=openapi` (default mapi).
    pub fn alipay_openapi_on(&self) -> Result<bool, ApiError> {
        match self.get("ALIPAY_API").as_deref() {
            None | Some("mapi") => Ok(false),
            Some("openapi") => Ok(true),
            Some(_) => Err(ApiError::new(ResultCode::NotConfigured, "ALIPAY_API must be mapi or openapi")),
        }
    }

    fn key<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, KeyError>) -> Result<T, ApiError> {
        parse(&self.required(name)?).map_err(|e| {
            ApiError::new(ResultCode::NotConfigured, format!("the worker setting {name} is not a usable key: {e}"))
        })
    }

    /// WeChat Pay v3 settings. WeChat is verified with the WeChat Pay public key
    /// (`WECHAT_PAY_PUBLIC_KEY` + `WECHAT_PAY_PUBLIC_KEY_ID`) or, without it, with platform
    /// certificates downloaded from `/v3/certificates`.
    pub fn wechat_v3(&self) -> Result<V3Settings, ApiError> {
        let apiv3_key = self.required("WECHAT_APIV3_KEY")?.into_bytes();
        if apiv3_key.len() != 32 {
            return Err(ApiError::new(ResultCode::NotConfigured, "WECHAT_APIV3_KEY must be 32 bytes"));
        }
        // Public-key mode when WECHAT_PAY_PUBLIC_KEY is set; platform certificates otherwise.
        let wechat_keys = match self.get("WECHAT_PAY_PUBLIC_KEY") {
            Some(_) => WechatKeys::PublicKey(
                self.required("WECHAT_PAY_PUBLIC_KEY_ID")?,
                self.key("WECHAT_PAY_PUBLIC_KEY", PublicKey::parse)?,
            ),
            None => WechatKeys::Certificates,
        };
        Ok(V3Settings {
            cfg: self.wechat_v3_config()?,
            key: self.key("WECHAT_PRIVATE_KEY", PrivateKey::parse)?,
            apiv3_key,
            wechat_keys,
        })
    }

    /// What v3 requests carry (ids only, no keys parsed).
    pub fn wechat_v3_config(&self) -> Result<V3Config, ApiError> {
        Ok(V3Config {
            api_base: self.required("WECHAT_API_BASE")?,
            appid: self.required("WECHAT_APPID")?,
            mchid: self.required("WECHAT_MCH_ID")?,
            serial_no: self.required("WECHAT_CERT_SERIAL")?,
        })
    }

    /// Alipay OpenAPI settings.
    pub fn alipay_openapi(&self) -> Result<OpenApiSettings, ApiError> {
        Ok(OpenApiSettings {
            cfg: OpenApiConfig {
                gateway: self.get("ALIPAY_OPENAPI_GATEWAY").unwrap_or_else(|| DEFAULT_GATEWAY.to_owned()),
                app_id: self.required("ALIPAY_APP_ID")?,
            },
            key: self.key("ALIPAY_APP_PRIVATE_KEY", PrivateKey::parse)?,
            alipay_key: self.key("ALIPAY_PUBLIC_KEY", PublicKey::parse)?,
        })
    }

    /// Alipay settings.
    pub fn alipay(&self) -> Result<AlipayConfig, ApiError> {
        Ok(AlipayConfig {
            partner: self.required("ALIPAY_PARTNER")?,
            key: SecretKey::new(self.required("ALIPAY_KEY")?),
            seller_email: self.required("ALIPAY_SELLER_EMAIL")?,
            gateway: self.required("ALIPAY_GATEWAY")?,
        })
    }

    /// The merchant's Bearer token.
    pub fn merchant_token(&self) -> Option<SecretKey> {
        self.get("MERCHANT_TOKEN").map(SecretKey::new)
    }

    /// An absolute URL on this worker (notify and return URLs).
    pub fn public_url(&self, path: &str) -> Result<String, ApiError> {
        Ok(paycore::http::join_url(&self.required("PUBLIC_BASE_URL")?, path))
    }

    /// Whether `origin` may call the API from a browser (`ALLOWED_ORIGINS`, comma-separated;
    /// `*` allows any).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.get("ALLOWED_ORIGINS").is_some_and(|list| paycore::http::origin_listed(&list, origin))
    }

    /// Provider call timeout in milliseconds (default 8000).
    pub fn provider_timeout_ms(&self) -> u64 {
        self.get("PROVIDER_TIMEOUT_MS").and_then(|v| v.parse().ok()).filter(|&ms| ms > 0).unwrap_or(8000)
    }

    /// `spbill_create_ip` for WeChat Native: the server's IP (default 127.0.0.1).
    pub fn spbill_create_ip(&self) -> String {
        self.get("WECHAT_SPBILL_CREATE_IP").unwrap_or_else(|| "127.0.0.1".to_owned())
    }

    /// Origins a `return_url` may point at (`RETURN_URL_ORIGINS`, default `ALLOWED_ORIGINS`;
    /// comma-separated, `*` for any).
    pub fn return_url_origins(&self) -> String {
        self.get("RETURN_URL_ORIGINS").or_else(|| self.get("ALLOWED_ORIGINS")).unwrap_or_default()
    }

    /// True when Alipay's `it_b_pay` is enabled for the contract (`ALIPAY_IT_B_PAY=on`).
    pub fn alipay_it_b_pay(&self) -> bool {
        self.get("ALIPAY_IT_B_PAY").as_deref() == Some("on")
    }

    /// True only in the test harness (`TEST_HOOKS=on`): the object's `/test/age` hook.
    pub fn test_hooks(&self) -> bool {
        self.get("TEST_HOOKS").as_deref() == Some("on")
    }

    /// Webhook settings: `None` when `WEBHOOK_URL` is empty (webhooks off); an error when
    /// the secret is missing or shorter than 32 characters (nothing is delivered then).
    pub fn webhook(&self) -> Option<Result<WebhookSettings, String>> {
        let url = self.get("WEBHOOK_URL")?;
        let Some(secret) = self.get("WEBHOOK_SECRET") else {
            return Some(Err("WEBHOOK_SECRET is missing".into()));
        };
        if let Err(e) = webhook::check_secret(&secret) {
            return Some(Err(e.to_string()));
        }
        let schedule = self
            .get("WEBHOOK_RETRY_SCHEDULE")
            .and_then(|s| webhook::parse_schedule(&s))
            .unwrap_or_else(|| webhook::RETRY_SCHEDULE_SECS.to_vec());
        let give_up = self.get("WEBHOOK_GIVE_UP_SECONDS").and_then(|v| v.parse().ok()).unwrap_or(webhook::GIVE_UP_SECS);
        let timeout_ms = self.get("WEBHOOK_TIMEOUT_MS").and_then(|v| v.parse().ok()).unwrap_or(webhook::TIMEOUT_MS);
        Some(Ok(WebhookSettings { url, secret: SecretKey::new(secret), schedule, give_up, timeout_ms }))
    }

    /// True when the demo shop endpoints are on (`DEMO_SHOP=on`).
    pub fn demo_shop(&self) -> bool {
        self.get("DEMO_SHOP").as_deref() == Some("on")
    }
}
