//! WeChat Pay API v2 (XML + MD5/HMAC-SHA256), Native mode 2 (`code_url`).
//!
//! * [`request`]: `unifiedorder`, `orderquery`, `closeorder`, `secapi/pay/refund` and
//!   `refundquery` built as [`HttpRequest`](crate::http::HttpRequest)s.
//! * [`reply`]: the three-level check (`return_code`, `result_code`, `trade_state`),
//!   signature over every field, merchant check, then typed results.
//! * [`notify`]: the payment notify, verified the same way, and its SUCCESS/FAIL reply.
//! * `api`: [`crate::provider::ProviderApi`] for [`WechatConfig`]: calls and notifies read
//!   into typed outcomes and facts.

mod api;
pub mod bill;
pub use api::{NOTIFY_MAX_BYTES, NOTIFY_PATH, notify_reply};
pub mod codes;
pub mod notify;
pub mod reply;
pub mod request;
#[cfg(test)]
mod test_support;

pub use codes::{ErrorCode, RefundStatus, TradeState};

use crate::sign::{SecretKey, WechatSignType};

/// The merchant's WeChat Pay settings.
#[derive(Debug, Clone)]
pub struct WechatConfig {
    /// 公众账号ID (`appid`).
    pub appid: String,
    /// 商户号 (`mch_id`).
    pub mch_id: String,
    /// The v2 API key (32 characters), from 商户平台 → API安全.
    pub api_key: SecretKey,
    /// `https://api.mch.weixin.qq.com` in production; the sandbox's URL locally.
    pub api_base: String,
    /// Algorithm for requests; WeChat signs its replies the same way.
    pub sign_type: WechatSignType,
    /// `spbill_create_ip` of Native orders: the server's IP.
    pub spbill_create_ip: String,
}
