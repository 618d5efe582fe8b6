//! WeChat Pay API v2: its settings. Requests and replies are signed with the API key in
//! `paycore::wechat_v2`, so the edge holds no key work for it.

use paycore::provider::CallError;
use paycore::sign::{SecretKey, WechatSignType};
use paycore::wechat_v2::WechatConfig;

use crate::platform::config::Config;

/// `WECHAT_APPID`, `WECHAT_MCH_ID`, `WECHAT_API_KEY`, `WECHAT_API_BASE`,
/// `WECHAT_SIGN_TYPE` (HMAC-SHA256 or MD5), `WECHAT_SPBILL_CREATE_IP` (default 127.0.0.1).
pub fn settings(config: &Config) -> Result<WechatConfig, CallError> {
    let sign_type = match config.get("WECHAT_SIGN_TYPE").as_deref() {
        None | Some("HMAC-SHA256") => WechatSignType::HmacSha256,
        Some("MD5") => WechatSignType::Md5,
        Some(_) => return Err(CallError::NotConfigured("WECHAT_SIGN_TYPE must be MD5 or HMAC-SHA256".into())),
    };
    Ok(WechatConfig {
        appid: config.required("WECHAT_APPID")?,
        mch_id: config.required("WECHAT_MCH_ID")?,
        api_key: SecretKey::new(config.required("WECHAT_API_KEY")?),
        api_base: config.gateway("WECHAT_API_BASE", None)?,
        sign_type,
        spbill_create_ip: config.get("WECHAT_SPBILL_CREATE_IP").unwrap_or_else(|| "127.0.0.1".to_owned()),
    })
}
