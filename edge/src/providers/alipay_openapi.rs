//! Alipay OpenAPI: its settings and keys. The app's RSA2 key signs what
//! `paycore::alipay_openapi` builds; Alipay's public key verifies its responses, notifies
//! and returns.

use paycore::alipay_openapi::request::{DEFAULT_GATEWAY, OpenApiConfig};
use paycore::keys::{PrivateKey, PublicKey};
use paycore::provider::CallError;

use crate::platform::config::Config;

/// An OpenAPI app's settings.
pub struct Settings {
    /// Gateway and app id.
    pub cfg: OpenApiConfig,
    /// `ALIPAY_APP_PRIVATE_KEY`: signs requests.
    pub key: PrivateKey,
    /// `ALIPAY_PUBLIC_KEY`: verifies responses, notifies and returns.
    pub alipay_key: PublicKey,
}

impl Settings {
    /// `ALIPAY_APP_ID`, `ALIPAY_APP_PRIVATE_KEY`, `ALIPAY_PUBLIC_KEY`,
    /// `ALIPAY_OPENAPI_GATEWAY` (default Alipay's).
    pub fn read(config: &Config) -> Result<Self, CallError> {
        Ok(Self {
            cfg: OpenApiConfig {
                gateway: config.gateway("ALIPAY_OPENAPI_GATEWAY", Some(DEFAULT_GATEWAY))?,
                app_id: config.required("ALIPAY_APP_ID")?,
            },
            key: config.key("ALIPAY_APP_PRIVATE_KEY", PrivateKey::parse)?,
            alipay_key: config.key("ALIPAY_PUBLIC_KEY", PublicKey::parse)?,
        })
    }
}
