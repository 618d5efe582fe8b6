//! WeChat Pay v2 replies: the three-level check, signature over every field received,
//! merchant check, and only then typed results.
//!
//! 1. `return_code` FAIL: a communication error; such replies carry no business fields
//!    and no signature, so nothing is read from them but `return_msg`.
//! 2. The signature is verified over the whole field map (unknown fields included), and
//!    `appid`/`mch_id` must be ours.
//! 3. `result_code` FAIL: a business error, kept as [`ErrorCode`] data.
//! 4. For `orderquery`, `trade_state` says where the order is ([`TradeState`]).

use super::{ErrorCode, RefundStatus, TradeState, WechatConfig};
use crate::fields::MissingField;
use crate::sign::{SignError, wechat_verify};
use crate::xml::{XmlError, parse_wechat};
use crate::{AmountFen, Fields};

/// Why a WeChat reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The body is not acceptable XML.
    #[error("malformed reply: {0}")]
    Xml(#[from] XmlError),
    /// `return_code` was FAIL (communication level), with WeChat's `return_msg`.
    #[error("WeChat refused the request: {0}")]
    Communication(String),
    /// The reply's signature is missing or wrong.
    #[error("reply signature invalid: {0}")]
    Sign(#[from] SignError),
    /// The reply names another appid or mch_id.
    #[error("reply is for another merchant")]
    WrongMerchant,
    /// `result_code` was FAIL: WeChat's `err_code` and `err_code_des`.
    #[error("WeChat error {code}: {description}")]
    Business {
        /// `err_code`.
        code: ErrorCode,
        /// `err_code_des`.
        description: String,
    },
    /// A field the reply must carry is absent.
    #[error(transparent)]
    Missing(#[from] MissingField),
    /// A field is present but unreadable (e.g. a non-numeric `total_fee`).
    #[error("field `{0}` has an invalid value")]
    Invalid(&'static str),
    /// The reply is about another order than the one asked for.
    #[error("reply is for another order")]
    WrongOrder,
}

/// Verifies a reply through levels 1–3 and returns its fields.
pub fn verified_fields(cfg: &WechatConfig, body: &[u8]) -> Result<Fields, ReplyError> {
    let fields = parse_wechat(body)?;
    if fields.get("return_code") != Some("SUCCESS") {
        let msg = fields.get("return_msg").unwrap_or("no return_msg");
        return Err(ReplyError::Communication(msg.chars().take(128).collect()));
    }
    wechat_verify(&fields, &cfg.api_key, cfg.sign_type)?;
    if fields.get("appid") != Some(cfg.appid.as_str()) || fields.get("mch_id") != Some(cfg.mch_id.as_str()) {
        return Err(ReplyError::WrongMerchant);
    }
    if fields.get("result_code") != Some("SUCCESS") {
        return Err(ReplyError::Business {
            code: ErrorCode::parse(fields.get("err_code").unwrap_or("")),
            description: fields.get("err_code_des").unwrap_or("").chars().take(128).collect(),
        });
    }
    Ok(fields)
}

/// `unifiedorder` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnifiedOrderReply {
    /// `prepay_id`.
    pub prepay_id: String,
    /// What the buyer gets: `code_url` (NATIVE: the QR code's text,
    /// `weixin://wxpay/bizpayurl?pr=…`), `mweb_url` (MWEB: an https link), or the
    /// `prepay_id` again (JSAPI: the page signs its parameters).
    pub code_url: String,
}

/// Reads a `unifiedorder` reply.
pub fn unified_order(cfg: &WechatConfig, body: &[u8], trade_type: &str) -> Result<UnifiedOrderReply, ReplyError> {
    let f = verified_fields(cfg, body)?;
    let prepay_id = f.required("prepay_id")?.to_owned();
    let code_url = match trade_type {
        "MWEB" => {
            let url = f.required("mweb_url")?;
            if !url.starts_with("https://") && !crate::http::is_secure_or_loopback(url) {
                return Err(ReplyError::Invalid("mweb_url"));
            }
            url.to_owned()
        }
        "JSAPI" => prepay_id.clone(),
        _ => {
            let url = f.required("code_url")?;
            if !url.starts_with("weixin://") {
                return Err(ReplyError::Invalid("code_url"));
            }
            url.to_owned()
        }
    };
    Ok(UnifiedOrderReply { prepay_id, code_url })
}

/// `orderquery` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQueryReply {
    /// `trade_state`.
    pub trade_state: TradeState,
    /// `transaction_id`, present once paid.
    pub transaction_id: Option<String>,
    /// `total_fee`, present once paid.
    pub total_fee: Option<AmountFen>,
    /// `cash_fee`: what the buyer paid (less than `total_fee` when a coupon paid part).
    pub cash_fee: Option<AmountFen>,
    /// `fee_type` (`CNY`; absent means CNY).
    pub fee_type: Option<String>,
    /// `time_end` (Beijing `yyyyMMddHHmmss`), present once paid.
    pub time_end: Option<String>,
}

/// An optional amount field in fen.
pub(crate) fn fen(f: &Fields, name: &'static str) -> Result<Option<AmountFen>, ReplyError> {
    f.non_empty(name).map(|t| AmountFen::parse_fen(t).map_err(|_| ReplyError::Invalid(name))).transpose()
}

/// Reads an `orderquery` reply for the trade `trade_no`.
pub fn order_query(cfg: &WechatConfig, trade_no: &str, body: &[u8]) -> Result<OrderQueryReply, ReplyError> {
    let f = verified_fields(cfg, body)?;
    if f.required("out_trade_no")? != trade_no {
        return Err(ReplyError::WrongOrder);
    }
    Ok(OrderQueryReply {
        trade_state: TradeState::parse(f.required("trade_state")?),
        transaction_id: f.non_empty("transaction_id").map(str::to_owned),
        total_fee: fen(&f, "total_fee")?,
        cash_fee: fen(&f, "cash_fee")?,
        fee_type: f.non_empty("fee_type").map(str::to_owned),
        time_end: f.non_empty("time_end").map(str::to_owned),
    })
}

/// Reads a `closeorder` reply (no business fields on success).
pub fn close_order(cfg: &WechatConfig, body: &[u8]) -> Result<(), ReplyError> {
    verified_fields(cfg, body).map(|_| ())
}

/// `refund` result: the refund was accepted (its outcome comes from `refundquery`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReply {
    /// WeChat's `refund_id`.
    pub refund_id: String,
    /// `refund_fee` accepted.
    pub refund_fee: AmountFen,
}

/// Reads a `refund` reply for the trade `trade_no`.
pub fn refund(cfg: &WechatConfig, trade_no: &str, body: &[u8]) -> Result<RefundReply, ReplyError> {
    let f = verified_fields(cfg, body)?;
    if f.required("out_trade_no")? != trade_no {
        return Err(ReplyError::WrongOrder);
    }
    Ok(RefundReply {
        refund_id: f.required("refund_id")?.to_owned(),
        refund_fee: AmountFen::parse_fen(f.required("refund_fee")?).map_err(|_| ReplyError::Invalid("refund_fee"))?,
    })
}

/// One refund of `refundquery`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// `out_refund_no_$n`.
    pub out_refund_no: String,
    /// `refund_id_$n`.
    pub refund_id: String,
    /// `refund_status_$n`.
    pub status: RefundStatus,
}

/// Reads a `refundquery` reply: every `_$n` refund, `$n` from 0 to `refund_count - 1`.
pub fn refund_query(cfg: &WechatConfig, trade_no: &str, body: &[u8]) -> Result<Vec<RefundRecord>, ReplyError> {
    let f = verified_fields(cfg, body)?;
    if f.required("out_trade_no")? != trade_no {
        return Err(ReplyError::WrongOrder);
    }
    let count: usize = f.required("refund_count")?.parse().map_err(|_| ReplyError::Invalid("refund_count"))?;
    if count > 50 {
        return Err(ReplyError::Invalid("refund_count"));
    }
    (0..count)
        .map(|n| {
            let get = |name: &str| f.required(&format!("{name}_{n}")).map(str::to_owned);
            Ok(RefundRecord {
                out_refund_no: get("out_refund_no")?,
                refund_id: get("refund_id")?,
                status: RefundStatus::parse(&get("refund_status")?),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
