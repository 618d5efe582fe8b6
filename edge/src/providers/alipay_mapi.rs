//! Alipay MAPI: its settings. Requests, cashier URLs and notifies are signed and checked
//! with the MD5 key in `paycore::alipay_mapi`; a notify's `notify_verify` confirmation is
//! a request the core builds and the driver sends.

use paycore::alipay_mapi::AlipayConfig;
use paycore::provider::CallError;
use paycore::sign::SecretKey;

use crate::platform::config::Config;

/// `ALIPAY_PARTNER`, `ALIPAY_KEY`, `ALIPAY_SELLER_EMAIL`, `ALIPAY_GATEWAY`,
/// `ALIPAY_IT_B_PAY` (`on` only when Alipay enabled it for the contract).
pub fn settings(config: &Config) -> Result<AlipayConfig, CallError> {
    Ok(AlipayConfig {
        partner: config.required("ALIPAY_PARTNER")?,
        key: SecretKey::new(config.required("ALIPAY_KEY")?),
        seller_email: config.required("ALIPAY_SELLER_EMAIL")?,
        gateway: config.gateway("ALIPAY_GATEWAY", None)?,
        it_b_pay: config.get("ALIPAY_IT_B_PAY").as_deref() == Some("on"),
    })
}
