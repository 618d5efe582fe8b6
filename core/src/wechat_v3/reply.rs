//! Reading v3 replies, after the edge verified their signature
//! ([`super::sign::verify`] or WebCrypto): what a status means, and the JSON of each call.

use serde::Deserialize;

use super::V3Error;
use crate::http::HttpResponse;
use crate::wechat_v2::codes::TradeState;

wire_enum! {
    /// `status` of a v3 refund (and the event of a refund notify).
    pub enum RefundStatus {
        /// Refunded.
        Success = "SUCCESS",
        /// Closed without refunding.
        Closed = "CLOSED",
        /// Being processed.
        Processing = "PROCESSING",
        /// Failed (e.g. the buyer's card was cancelled): needs the merchant.
        Abnormal = "ABNORMAL",
    }
}

/// A v3 error body (`{"code": "ORDERNOTEXIST", "message": "…"}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    /// WeChat's error code.
    pub code: String,
    /// Its message.
    #[serde(default)]
    pub message: String,
}

impl ErrorBody {
    /// The order or refund is unknown to WeChat (`ORDER_NOT_EXIST`, v2's spelling
    /// `ORDERNOTEXIST`, `RESOURCE_NOT_EXISTS`).
    pub fn is_not_found(&self) -> bool {
        matches!(self.code.as_str(), "ORDER_NOT_EXIST" | "ORDERNOTEXIST" | "RESOURCE_NOT_EXISTS")
    }

    /// `ORDERPAID`: the order is paid (create or close came too late).
    pub fn is_order_paid(&self) -> bool {
        self.code == "ORDERPAID"
    }

    /// `ORDER_CLOSED`: already closed.
    pub fn is_order_closed(&self) -> bool {
        self.code == "ORDER_CLOSED"
    }
    /// WeChat says to try again with the same parameters (`SYSTEM_ERROR`,
    /// `FREQUENCY_LIMITED`, `BANK_ERROR`).
    pub fn is_retryable(&self) -> bool {
        matches!(self.code.as_str(), "SYSTEM_ERROR" | "SYSTEMERROR" | "FREQUENCY_LIMITED" | "BANK_ERROR")
    }
}

/// What a status says before the body is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 200 or 204: the body (maybe empty) is the answer.
    Ok,
    /// 4xx: WeChat refused; its error code and message.
    Refused(ErrorBody),
    /// 5xx or anything else: try again later.
    Unavailable(u16),
}

/// Classifies a (verified) reply.
pub fn outcome(resp: &HttpResponse) -> Outcome {
    match resp.status {
        200 | 204 => Outcome::Ok,
        400..=499 => Outcome::Refused(serde_json::from_slice(&resp.body).unwrap_or(ErrorBody {
            code: format!("HTTP_{}", resp.status),
            message: String::from_utf8_lossy(&resp.body).chars().take(200).collect(),
        })),
        other => Outcome::Unavailable(other),
    }
}

#[derive(Deserialize)]
struct Created {
    #[serde(default)]
    code_url: Option<String>,
    #[serde(default)]
    h5_url: Option<String>,
    #[serde(default)]
    prepay_id: Option<String>,
}

/// `create_native`'s answer.
pub fn code_url(body: &[u8]) -> Result<String, V3Error> {
    created(body, "native")
}

/// What a new transaction's answer hands the buyer: `code_url` (native, a `weixin://`
/// URL), `h5_url` (h5, https), or `prepay_id` (jsapi: the page signs its parameters).
pub fn created(body: &[u8], kind: &str) -> Result<String, V3Error> {
    let reply: Created = serde_json::from_slice(body).map_err(|e| V3Error::Malformed(e.to_string()))?;
    let missing = |what: &str| V3Error::Malformed(format!("{what} is missing"));
    match kind {
        "h5" => {
            let url = reply.h5_url.ok_or_else(|| missing("h5_url"))?;
            if !crate::http::is_secure_or_loopback(&url) {
                return Err(V3Error::Malformed("h5_url is not an https URL".into()));
            }
            Ok(url)
        }
        "jsapi" => reply.prepay_id.filter(|p| !p.is_empty()).ok_or_else(|| missing("prepay_id")),
        _ => {
            let url = reply.code_url.ok_or_else(|| missing("code_url"))?;
            if !url.starts_with("weixin://") {
                return Err(V3Error::Malformed("code_url is not a weixin:// URL".into()));
            }
            Ok(url)
        }
    }
}

/// The amounts of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundAmount {
    /// Refunded, fen.
    pub refund: u64,
    /// The payment's total, fen.
    pub total: u64,
}

/// A refund, as `refund` and `refund_query` answer (and a decrypted refund notify carries).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RefundReply {
    /// WeChat's refund id.
    pub refund_id: String,
    /// Our refund number.
    pub out_refund_no: String,
    /// The order.
    #[serde(default)]
    pub out_trade_no: String,
    /// State (`refund_status` in notifies).
    #[serde(alias = "refund_status", deserialize_with = "refund_status")]
    pub status: RefundStatus,
    /// Amounts.
    pub amount: RefundAmount,
}

fn refund_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RefundStatus, D::Error> {
    Ok(RefundStatus::parse(&String::deserialize(d)?))
}

impl RefundReply {
    /// Reads a refund reply or decrypted refund resource.
    pub fn parse(body: &[u8]) -> Result<Self, V3Error> {
        serde_json::from_slice(body).map_err(|e| V3Error::Malformed(e.to_string()))
    }
}

impl super::notify::Transaction {
    /// The v3 `trade_state`, in the vocabulary v2 shares.
    pub fn state(&self) -> TradeState {
        TradeState::parse(&self.trade_state)
    }
}
