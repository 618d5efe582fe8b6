//! Alipay OpenAPI requests, built as data: a [`Call`] is the common parameters plus
//! `biz_content`; [`Call::content`] is what the app signs (through [`super::request_content`],
//! the one sign-string builder), and the edge adds the RSA2 `sign` it made (WebCrypto is
//! asynchronous) with [`Call::into_request`] (server calls) or [`Call::into_url`] (the
//! buyer's `alipay.trade.page.pay` redirect). Clock and amounts come in; nothing is read.

use serde_json::{Value, json};

use crate::AmountFen;
use crate::form::encode_pairs;
use crate::http::{HttpRequest, Method};
use crate::time::beijing_datetime;

/// Alipay's production gateway.
pub const DEFAULT_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";

/// `subject` is at most 256 characters.
const SUBJECT_MAX_CHARS: usize = 256;

/// The app's OpenAPI settings that requests carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiConfig {
    /// `ALIPAY_OPENAPI_GATEWAY` (default [`DEFAULT_GATEWAY`]).
    pub gateway: String,
    /// `ALIPAY_APP_ID`.
    pub app_id: String,
}

/// One OpenAPI call before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `alipay.trade.query`, …
    pub method: &'static str,
    /// Every parameter but `sign`, in sending order.
    pub params: Vec<(&'static str, String)>,
}

impl Call {
    /// What the app signs.
    pub fn content(&self) -> String {
        super::request_content(self.params.iter().map(|(k, v)| (*k, v.as_str())))
    }

    fn query_with(&self, sign: &str) -> String {
        encode_pairs(self.params.iter().map(|(k, v)| (*k, v.as_str())).chain([("sign", sign)]))
    }

    /// The server call: every parameter and the `sign` as a UTF-8 form body.
    pub fn into_request(self, cfg: &OpenApiConfig, sign: &str) -> HttpRequest {
        let body = self.query_with(sign);
        HttpRequest {
            method: Method::Post,
            url: with_query(&cfg.gateway, "charset=utf-8"),
            content_type: Some("application/x-www-form-urlencoded; charset=utf-8"),
            body: body.into_bytes(),
            needs_client_cert: false,
            headers: Vec::new(),
        }
    }

    /// The buyer's redirect: the gateway with every parameter and the `sign` in the query.
    pub fn into_url(self, cfg: &OpenApiConfig, sign: &str) -> String {
        with_query(&cfg.gateway, &self.query_with(sign))
    }
}

fn with_query(gateway: &str, query: &str) -> String {
    let sep = if gateway.contains('?') { '&' } else { '?' };
    format!("{gateway}{sep}{query}")
}

fn call(cfg: &OpenApiConfig, method: &'static str, biz: Value, now: i64, urls: &[(&'static str, &str)]) -> Call {
    let mut params = vec![
        ("app_id", cfg.app_id.clone()),
        ("method", method.to_owned()),
        ("format", "JSON".to_owned()),
        ("charset", "utf-8".to_owned()),
        ("sign_type", "RSA2".to_owned()),
        ("timestamp", beijing_datetime(now)),
        ("version", "1.0".to_owned()),
    ];
    params.extend(urls.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, (*v).to_owned())));
    params.push(("biz_content", biz.to_string()));
    Call { method, params }
}

fn subject(text: &str) -> String {
    text.chars().take(SUBJECT_MAX_CHARS).collect()
}

/// What a new trade needs (cashier page or QR code).
#[derive(Debug, Clone)]
pub struct NewTrade<'a> {
    /// `out_trade_no`.
    pub trade_no: &'a str,
    /// Shown to the buyer.
    pub subject: &'a str,
    /// `total_amount`.
    pub total: AmountFen,
    /// The worker's OpenAPI notify URL.
    pub notify_url: &'a str,
    /// The order's expiry (Unix seconds): `time_expire`, so Alipay closes the trade then.
    pub expires_at: i64,
}

fn trade_biz(t: &NewTrade<'_>, product_code: &str) -> Value {
    json!({
        "out_trade_no": t.trade_no,
        "total_amount": t.total.to_yuan(),
        "subject": subject(t.subject),
        "product_code": product_code,
        "time_expire": beijing_datetime(t.expires_at),
    })
}

/// `alipay.trade.page.pay`: the desktop cashier, opened by redirecting the buyer.
pub fn page_pay(cfg: &OpenApiConfig, t: &NewTrade<'_>, return_url: &str, now: i64) -> Call {
    let biz = trade_biz(t, "FAST_INSTANT_TRADE_PAY");
    call(cfg, "alipay.trade.page.pay", biz, now, &[("notify_url", t.notify_url), ("return_url", return_url)])
}

/// `alipay.trade.wap.pay`: the phone cashier, opened by redirecting the buyer; `quit_url`
/// is the shop's page the cashier's back button returns to.
pub fn wap_pay(cfg: &OpenApiConfig, t: &NewTrade<'_>, return_url: &str, quit_url: &str, now: i64) -> Call {
    let mut biz = trade_biz(t, "QUICK_WAP_WAY");
    biz["quit_url"] = json!(quit_url);
    call(cfg, "alipay.trade.wap.pay", biz, now, &[("notify_url", t.notify_url), ("return_url", return_url)])
}

/// `alipay.trade.precreate`: a QR code the buyer scans (当面付).
pub fn precreate(cfg: &OpenApiConfig, t: &NewTrade<'_>, now: i64) -> Call {
    let biz = trade_biz(t, "FACE_TO_FACE_PAYMENT");
    call(cfg, "alipay.trade.precreate", biz, now, &[("notify_url", t.notify_url)])
}

/// `alipay.data.dataservice.bill.downloadurl.query` for `date`'s trade bill.
pub fn bill_url(cfg: &OpenApiConfig, date: crate::bills::BillDate, now: i64) -> Call {
    let biz = json!({"bill_type": "trade", "bill_date": date.iso()});
    call(cfg, "alipay.data.dataservice.bill.downloadurl.query", biz, now, &[])
}

/// `alipay.trade.query`.
pub fn query(cfg: &OpenApiConfig, trade_no: &str, now: i64) -> Call {
    call(cfg, "alipay.trade.query", json!({"out_trade_no": trade_no}), now, &[])
}

/// `alipay.trade.close`.
pub fn close(cfg: &OpenApiConfig, trade_no: &str, now: i64) -> Call {
    call(cfg, "alipay.trade.close", json!({"out_trade_no": trade_no}), now, &[])
}

/// What one refund needs.
#[derive(Debug, Clone)]
pub struct Refund<'a> {
    /// The paid trade's `out_trade_no`.
    pub trade_no: &'a str,
    /// `out_request_no`: this attempt's number (a retry reuses it, so Alipay refunds once).
    pub out_request_no: &'a str,
    /// `refund_amount`.
    pub amount: AmountFen,
    /// `refund_reason` (left out when empty).
    pub reason: &'a str,
}

/// `alipay.trade.refund` (partial refunds by `out_request_no`).
pub fn refund(cfg: &OpenApiConfig, r: &Refund<'_>, now: i64) -> Call {
    let mut biz = json!({
        "out_trade_no": r.trade_no,
        "refund_amount": r.amount.to_yuan(),
        "out_request_no": r.out_request_no,
    });
    if !r.reason.is_empty() {
        biz["refund_reason"] = json!(r.reason.chars().take(256).collect::<String>());
    }
    call(cfg, "alipay.trade.refund", biz, now, &[])
}

/// `alipay.trade.fastpay.refund.query` of one refund request.
pub fn refund_query(cfg: &OpenApiConfig, trade_no: &str, out_request_no: &str, now: i64) -> Call {
    let biz = json!({"out_trade_no": trade_no, "out_request_no": out_request_no});
    call(cfg, "alipay.trade.fastpay.refund.query", biz, now, &[])
}
