//! WeChat Pay v3 Native requests, built as data: a [`Call`] is the method, the path with its
//! query, and the JSON body; its [`Call::message`] is what the merchant signs, and
//! [`Call::into_request`] adds the `Authorization` the edge made from that signature
//! (WebCrypto is asynchronous, so signing happens in between, at the edge).

use serde_json::json;

use super::sign::request_message;
use crate::AmountFen;
use crate::http::{HttpRequest, Method, join_url, segment};
use crate::time::beijing_rfc3339;

/// `description` is at most 127 characters.
pub const DESCRIPTION_MAX_CHARS: usize = 127;

/// The merchant's v3 settings that requests carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Config {
    /// `https://api.mch.weixin.qq.com` (or the sandbox).
    pub api_base: String,
    /// App id.
    pub appid: String,
    /// Merchant id.
    pub mchid: String,
    /// The merchant API certificate's serial (`WECHAT_CERT_SERIAL`).
    pub serial_no: String,
}

/// One v3 API call before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// GET or POST.
    pub method: Method,
    /// Path and query, exactly as signed and sent.
    pub path: String,
    /// JSON body ("" for GET).
    pub body: String,
}

impl Call {
    /// What the merchant signs: `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`.
    pub fn message(&self, timestamp: i64, nonce: &str) -> String {
        request_message(self.method.as_str(), &self.path, timestamp, nonce, &self.body)
    }

    /// The request to send, with the `Authorization` header built from [`Call::message`]'s
    /// signature ([`super::sign::Authorization`]).
    pub fn into_request(self, cfg: &V3Config, authorization: String) -> HttpRequest {
        let url = join_url(&cfg.api_base, &self.path);
        let mut req = match self.method {
            Method::Get => HttpRequest::get(url),
            Method::Post => HttpRequest::post_json(url, self.body),
        };
        req.headers = vec![
            ("authorization".into(), authorization),
            ("accept".into(), "application/json".into()),
            ("user-agent".into(), "paybridge".into()),
        ];
        req
    }
}

fn description(text: &str) -> String {
    text.chars().take(DESCRIPTION_MAX_CHARS).collect()
}

/// What a new transaction needs.
#[derive(Debug, Clone)]
pub struct NativeOrder<'a> {
    /// `out_trade_no`.
    pub trade_no: &'a str,
    /// Shown to the buyer (cut to 127 characters).
    pub description: &'a str,
    /// Fen.
    pub total: AmountFen,
    /// The worker's v3 notify URL.
    pub notify_url: &'a str,
    /// Order expiry, Unix seconds (`time_expire`, RFC 3339 Beijing time).
    pub expires_at: i64,
}

/// How the buyer pays a v3 transaction, and what that needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayKind<'a> {
    /// `/v3/pay/transactions/native`: answers `{"code_url": …}`.
    Native,
    /// `/v3/pay/transactions/h5`: answers `{"h5_url": …}`; bound to the buyer's IP.
    H5 {
        /// `scene_info.payer_client_ip`.
        payer_client_ip: &'a str,
    },
    /// `/v3/pay/transactions/jsapi`: answers `{"prepay_id": …}`.
    Jsapi {
        /// `payer.openid`.
        openid: &'a str,
    },
}

impl PayKind<'_> {
    /// The path's last segment.
    pub fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::H5 { .. } => "h5",
            Self::Jsapi { .. } => "jsapi",
        }
    }
}

/// `POST /v3/pay/transactions/native`: answers `{"code_url": …}`.
pub fn create_native(cfg: &V3Config, order: &NativeOrder<'_>) -> Call {
    create(cfg, order, PayKind::Native, None)
}

/// `POST /v3/pay/transactions/{native,h5,jsapi}`, with `attach` (the order number when the
/// trade has a number of its own).
pub fn create(cfg: &V3Config, order: &NativeOrder<'_>, kind: PayKind<'_>, attach: Option<&str>) -> Call {
    let mut body = json!({
        "appid": cfg.appid,
        "mchid": cfg.mchid,
        "description": description(order.description),
        "out_trade_no": order.trade_no,
        "time_expire": beijing_rfc3339(order.expires_at),
        "notify_url": order.notify_url,
        "amount": {"total": order.total.fen(), "currency": "CNY"},
    });
    match kind {
        PayKind::Native => {}
        PayKind::H5 { payer_client_ip } => {
            body["scene_info"] = json!({"payer_client_ip": payer_client_ip, "h5_info": {"type": "Wap"}});
        }
        PayKind::Jsapi { openid } => body["payer"] = json!({"openid": openid}),
    }
    if let Some(attach) = attach {
        body["attach"] = json!(attach);
    }
    Call { method: Method::Post, path: format!("/v3/pay/transactions/{}", kind.name()), body: body.to_string() }
}

/// The message JSAPI's `paySign` signs (SHA256withRSA with the merchant key):
/// `appId\ntimeStamp\nnonceStr\npackage\n`.
pub fn jsapi_message(app_id: &str, time_stamp: &str, nonce_str: &str, package: &str) -> String {
    format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n")
}

/// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`: the transaction.
pub fn query(cfg: &V3Config, trade_no: &str) -> Call {
    let path = format!("/v3/pay/transactions/out-trade-no/{}?mchid={}", segment(trade_no), cfg.mchid);
    Call { method: Method::Get, path, body: String::new() }
}

/// `POST …/out-trade-no/{out_trade_no}/close`: 204 when closed.
pub fn close(cfg: &V3Config, trade_no: &str) -> Call {
    let path = format!("/v3/pay/transactions/out-trade-no/{}/close", segment(trade_no));
    Call { method: Method::Post, path, body: json!({"mchid": cfg.mchid}).to_string() }
}

/// What one refund needs.
#[derive(Debug, Clone)]
pub struct Refund<'a> {
    /// The paid trade's `out_trade_no`.
    pub trade_no: &'a str,
    /// This attempt's number; a retry reuses it.
    pub out_refund_no: &'a str,
    /// The payment's amount.
    pub total: AmountFen,
    /// The amount to refund.
    pub refund: AmountFen,
    /// Shown to the buyer (left out when empty).
    pub reason: &'a str,
    /// The worker's v3 refund notify URL.
    pub notify_url: &'a str,
}

/// `POST /v3/refund/domestic/refunds`.
pub fn refund(r: &Refund<'_>) -> Call {
    let mut body = json!({
        "out_trade_no": r.trade_no,
        "out_refund_no": r.out_refund_no,
        "notify_url": r.notify_url,
        "amount": {"refund": r.refund.fen(), "total": r.total.fen(), "currency": "CNY"},
    });
    if !r.reason.is_empty() {
        body["reason"] = json!(r.reason.chars().take(80).collect::<String>());
    }
    Call { method: Method::Post, path: "/v3/refund/domestic/refunds".into(), body: body.to_string() }
}

/// `GET /v3/refund/domestic/refunds/{out_refund_no}`.
pub fn refund_query(out_refund_no: &str) -> Call {
    Call { method: Method::Get, path: format!("/v3/refund/domestic/refunds/{out_refund_no}"), body: String::new() }
}

#[cfg(test)]
#[path = "jsapi_tests.rs"]
mod jsapi_tests;
