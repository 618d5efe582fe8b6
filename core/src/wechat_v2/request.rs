//! WeChat Pay v2 requests, built as data. Every request gets `appid`, `mch_id`,
//! `nonce_str`, `sign_type` and `sign` in one place ([`signed`]).

use super::WechatConfig;
use crate::http::{HttpRequest, join_url};
use crate::sign::wechat_sign;
use crate::time::beijing_compact;
use crate::xml::write_wechat;
use crate::{AmountFen, Fields};

/// WeChat allows `body` up to 128 bytes; longer subjects are cut on a character boundary.
pub const BODY_MAX_BYTES: usize = 127;

/// A request to `path` with the common fields, signed (for the modules beside this one).
pub(crate) fn signed_request(cfg: &WechatConfig, path: &str, fields: Fields, nonce: &str) -> HttpRequest {
    signed(cfg, path, fields, nonce)
}

fn signed(cfg: &WechatConfig, path: &str, mut fields: Fields, nonce: &str) -> HttpRequest {
    fields
        .set("appid", cfg.appid.as_str())
        .set("mch_id", cfg.mch_id.as_str())
        .set("nonce_str", nonce)
        .set("sign_type", cfg.sign_type.as_str());
    let sign = wechat_sign(&fields, &cfg.api_key, cfg.sign_type);
    fields.set("sign", sign);
    HttpRequest::post_xml(join_url(&cfg.api_base, path), write_wechat(&fields))
}

/// Cuts `text` to at most `max` bytes without splitting a character.
pub fn truncate_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The order facts `unifiedorder` needs. Re-entry must repeat the first call's
/// parameters exactly (INVALID_REQUEST otherwise), so every value here comes from the
/// stored order, never from the clock at call time.
#[derive(Debug, Clone)]
pub struct UnifiedOrder<'a> {
    /// `out_trade_no`.
    pub trade_no: &'a str,
    /// Shown to the buyer; cut to [`BODY_MAX_BYTES`].
    pub body: &'a str,
    /// `total_fee` in fen.
    pub total_fee: AmountFen,
    /// The worker's own `/notify/wechat` (absolute, no query string).
    pub notify_url: &'a str,
    /// `spbill_create_ip`: for Native, the calling server's IP.
    pub spbill_create_ip: &'a str,
    /// Order creation time, Unix seconds (`time_start`).
    pub created_at: i64,
    /// Order expiry, Unix seconds (`time_expire`).
    pub expires_at: i64,
    /// How the buyer pays: the `trade_type` and what it needs.
    pub kind: TradeKind<'a>,
    /// `attach`, returned in notifies, queries and bills: the order number when the trade
    /// has a number of its own.
    pub attach: Option<&'a str>,
}

/// `unifiedorder`'s `trade_type` and the fields it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeKind<'a> {
    /// `NATIVE`: a QR code (`product_id` = the trade number).
    Native,
    /// `MWEB`: WeChat H5 in a phone's browser; `scene_info` is required in practice.
    Mweb {
        /// The shop's page (`h5_info.wap_url`).
        wap_url: &'a str,
        /// The shop's name for it (`h5_info.wap_name`).
        wap_name: &'a str,
    },
    /// `JSAPI`: inside WeChat, for the payer's `openid` (of this appid).
    Jsapi {
        /// `openid`.
        openid: &'a str,
    },
}

/// The `scene_info` of an H5 order: `{"h5_info":{"type":"Wap","wap_url":…,"wap_name":…}}`.
pub fn h5_scene_info(wap_url: &str, wap_name: &str) -> String {
    serde_json::json!({"h5_info": {"type": "Wap", "wap_url": wap_url, "wap_name": wap_name}}).to_string()
}

/// `pay/unifiedorder`.
pub fn unified_order(cfg: &WechatConfig, order: &UnifiedOrder<'_>, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("body", truncate_bytes(order.body, BODY_MAX_BYTES))
        .set("out_trade_no", order.trade_no)
        .set("fee_type", "CNY")
        .set("total_fee", order.total_fee.to_string())
        .set("spbill_create_ip", order.spbill_create_ip)
        .set("time_start", beijing_compact(order.created_at))
        .set("time_expire", beijing_compact(order.expires_at))
        .set("notify_url", order.notify_url);
    match order.kind {
        TradeKind::Native => f.set("trade_type", "NATIVE").set("product_id", order.trade_no),
        TradeKind::Mweb { wap_url, wap_name } => {
            f.set("trade_type", "MWEB").set("scene_info", h5_scene_info(wap_url, wap_name))
        }
        TradeKind::Jsapi { openid } => f.set("trade_type", "JSAPI").set("openid", openid),
    };
    if let Some(attach) = order.attach {
        f.set("attach", attach);
    }
    signed(cfg, "pay/unifiedorder", f, nonce)
}

/// The parameters of `getBrandWCPayRequest` for a JSAPI prepay, signed with the API key
/// by the sign type `unifiedorder` used (WeChat checks they match): upper-case hex over
/// `appId=…&nonceStr=…&package=prepay_id=…&signType=…&timeStamp=…&key=…`.
pub fn jsapi_params(cfg: &WechatConfig, prepay_id: &str, now: i64, nonce: &str) -> crate::api::JsapiParams {
    let mut f = Fields::new();
    let package = format!("prepay_id={prepay_id}");
    f.set("appId", cfg.appid.as_str())
        .set("timeStamp", now.to_string())
        .set("nonceStr", nonce)
        .set("package", package.as_str())
        .set("signType", cfg.sign_type.as_str());
    let pay_sign = wechat_sign(&f, &cfg.api_key, cfg.sign_type);
    crate::api::JsapiParams {
        app_id: cfg.appid.clone(),
        time_stamp: now.to_string(),
        nonce_str: nonce.to_owned(),
        package,
        sign_type: cfg.sign_type.as_str().to_owned(),
        pay_sign,
    }
}

/// `pay/orderquery` by `out_trade_no`.
pub fn order_query(cfg: &WechatConfig, trade_no: &str, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("out_trade_no", trade_no);
    signed(cfg, "pay/orderquery", f, nonce)
}

/// `pay/closeorder` by `out_trade_no`.
pub fn close_order(cfg: &WechatConfig, trade_no: &str, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("out_trade_no", trade_no);
    signed(cfg, "pay/closeorder", f, nonce)
}

/// What one refund needs.
#[derive(Debug, Clone)]
pub struct Refund<'a> {
    /// The paid trade's `out_trade_no`.
    pub trade_no: &'a str,
    /// This attempt's number ([`crate::policy::provider_refund_no`]); a retry of the same
    /// attempt reuses it, as WeChat requires.
    pub out_refund_no: &'a str,
    /// The payment's amount.
    pub total_fee: AmountFen,
    /// The amount to refund (all or part of it).
    pub refund_fee: AmountFen,
    /// `refund_desc`, shown to the buyer (left out when empty).
    pub reason: &'a str,
}

/// `secapi/pay/refund`: all or part of a payment. Needs the merchant's client certificate
/// (mTLS).
pub fn refund(cfg: &WechatConfig, refund: &Refund<'_>, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("out_trade_no", refund.trade_no)
        .set("out_refund_no", refund.out_refund_no)
        .set("total_fee", refund.total_fee.to_string())
        .set("refund_fee", refund.refund_fee.to_string())
        .set("refund_fee_type", "CNY");
    if !refund.reason.is_empty() {
        f.set("refund_desc", truncate_bytes(refund.reason, 80));
    }
    let mut req = signed(cfg, "secapi/pay/refund", f, nonce);
    req.needs_client_cert = true;
    req
}

/// `pay/refundquery` by `out_refund_no`.
pub fn refund_query(cfg: &WechatConfig, out_refund_no: &str, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    // By the refund's own number: WeChat lists at most 10 refunds per query by trade, and
    // an order may have up to 50.
    f.set("out_refund_no", out_refund_no);
    signed(cfg, "pay/refundquery", f, nonce)
}

#[cfg(test)]
#[path = "jsapi_tests.rs"]
mod jsapi_tests;
