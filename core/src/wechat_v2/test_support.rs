//! Shared fixtures for the WeChat tests: a config and a signer that plays WeChat.

use super::WechatConfig;
use crate::Fields;
use crate::sign::{SecretKey, WechatSignType, wechat_sign};
use crate::xml::write_wechat;

pub(crate) fn config() -> WechatConfig {
    WechatConfig {
        appid: "wx2421b1c4370ec43b".into(),
        mch_id: "10000100".into(),
        api_key: SecretKey::new("192006250b4c09247ec02edce69f6a2d"),
        api_base: "https://api.mch.weixin.qq.com".into(),
        sign_type: WechatSignType::HmacSha256,
        spbill_create_ip: "127.0.0.1".into(),
    }
}

/// Builds a body as WeChat would: our appid/mch_id plus `extra`, signed with `sign_type`,
/// which the body names in its `sign_type` field.
pub(crate) fn signed_body(extra: &[(&str, &str)], key: &str, sign_type: WechatSignType) -> String {
    build(extra, key, sign_type, true)
}

/// Like [`signed_body`] but without a `sign_type` field, as WeChat sends the notifies and
/// `orderquery` replies of HMAC-SHA256 orders.
pub(crate) fn signed_body_without_sign_type(extra: &[(&str, &str)], key: &str, sign_type: WechatSignType) -> String {
    build(extra, key, sign_type, false)
}

fn build(extra: &[(&str, &str)], key: &str, sign_type: WechatSignType, declared: bool) -> String {
    let cfg = config();
    let mut f: Fields = [
        ("appid", cfg.appid.as_str()),
        ("mch_id", cfg.mch_id.as_str()),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
    ]
    .into_iter()
    .collect();
    for (k, v) in extra {
        f.set(*k, *v);
    }
    if declared {
        f.set("sign_type", sign_type.as_str());
    }
    let sign = wechat_sign(&f, &SecretKey::new(key), sign_type);
    f.set("sign", sign);
    write_wechat(&f)
}

pub(crate) const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
