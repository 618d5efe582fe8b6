//! Settings from the environment: `[vars]` in wrangler.toml, secrets from `wrangler secret`
//! (locally `.dev.vars`). A missing setting fails only the commands that need it, with
//! `-19 NotConfigured`. Each provider API reads its own settings (`crate::providers`);
//! this holds what is the worker's.

use paycore::keys::KeyError;
use paycore::provider::CallError;
use paycore::sign::SecretKey;
use paycore::webhook;
use worker::Env;

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

fn missing(name: &str) -> CallError {
    CallError::NotConfigured(format!("the worker setting {name} is missing"))
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

    /// A setting that must be there (`-19` otherwise).
    pub fn required(&self, name: &str) -> Result<String, CallError> {
        self.get(name).ok_or_else(|| missing(name))
    }

    /// A key setting, read by `parse` (`-19` when missing or unusable).
    pub fn key<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, KeyError>) -> Result<T, CallError> {
        parse(&self.required(name)?)
            .map_err(|e| CallError::NotConfigured(format!("the worker setting {name} is not a usable key: {e}")))
    }

    /// A provider's base URL or gateway: https, or http only to a loopback address (the
    /// sandbox); a typo must not turn TLS off for the proof of payment.
    pub fn gateway(&self, name: &str, default: Option<&str>) -> Result<String, CallError> {
        let url = match (self.get(name), default) {
            (Some(url), _) => url,
            (None, Some(default)) => default.to_owned(),
            (None, None) => return Err(missing(name)),
        };
        if paycore::http::is_secure_or_loopback(&url) {
            Ok(url)
        } else {
            Err(CallError::NotConfigured(format!("the worker setting {name} must be an https URL")))
        }
    }

    /// The raw environment (KV and service bindings).
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The merchant's Bearer token.
    pub fn merchant_token(&self) -> Option<SecretKey> {
        self.get("MERCHANT_TOKEN").map(SecretKey::new)
    }

    /// The sealer of values the worker hands to browsers (keyed from `MERCHANT_TOKEN`).
    pub fn sealer(&self) -> Result<paycore::seal::Sealer, CallError> {
        Ok(paycore::seal::Sealer::new(&self.required("MERCHANT_TOKEN")?))
    }

    /// The worker's own public URL (`PUBLIC_BASE_URL`): notifies and returns come back to it.
    pub fn public_base(&self) -> Result<String, CallError> {
        self.gateway("PUBLIC_BASE_URL", None)
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

    /// Origins a `return_url` may point at (`RETURN_URL_ORIGINS`, default `ALLOWED_ORIGINS`;
    /// comma-separated, `*` for any).
    pub fn return_url_origins(&self) -> String {
        self.get("RETURN_URL_ORIGINS").or_else(|| self.get("ALLOWED_ORIGINS")).unwrap_or_default()
    }

    /// How long a reconciliation waits before it asks for a bill again
    /// (`RECONCILE_RETRY_SECONDS`, default an hour).
    pub fn recon_retry_secs(&self) -> i64 {
        self.get("RECONCILE_RETRY_SECONDS")
            .and_then(|v| v.parse().ok())
            .filter(|&s| s > 0)
            .unwrap_or(paycore::recon::RETRY_SECS)
    }

    /// True only in the test harness (`TEST_HOOKS=on`): the `/test/*` hooks (age an order,
    /// the crypto and bill paths), which also need the merchant token.
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
