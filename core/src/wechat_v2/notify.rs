//! The WeChat Pay v2 payment notify (POST XML to `notify_url`) and its reply.
//!
//! Handling follows the official 特别提醒: verify the signature over every field, check
//! `appid`/`mch_id`, then (in the worker) that the order exists and `total_fee` equals the
//! stored amount, apply the transition once, and answer SUCCESS to duplicates too.

use super::WechatConfig;
use crate::fields::MissingField;
use crate::sign::{SignError, wechat_verify};
use crate::xml::{XmlError, parse_wechat, write_wechat};
use crate::{AmountFen, Fields, OrderNo};

/// Why a notify was refused (the worker answers FAIL and changes nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The body is not acceptable XML.
    #[error("malformed notify: {0}")]
    Xml(#[from] XmlError),
    /// The signature is missing or wrong: forged or tampered.
    #[error("notify signature invalid: {0}")]
    Sign(#[from] SignError),
    /// `return_code` is not SUCCESS.
    #[error("notify return_code is not SUCCESS")]
    NotSuccess,
    /// `appid` or `mch_id` is not ours.
    #[error("notify is for another merchant")]
    WrongMerchant,
    /// A required field is absent.
    #[error(transparent)]
    Missing(#[from] MissingField),
    /// `out_trade_no` is not a valid order number.
    #[error("notify out_trade_no is invalid")]
    BadOrderNo,
    /// `total_fee` is not a valid amount.
    #[error("notify total_fee is invalid")]
    BadAmount,
}

/// The payment outcome a notify reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyResult {
    /// `result_code` SUCCESS: the buyer paid.
    Paid,
    /// `result_code` FAIL: the payment failed (`err_code`).
    Failed(String),
}

/// A verified payment notify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentNotify {
    /// `out_trade_no` (a valid order number's shape).
    pub trade_no: String,
    /// `transaction_id` (WeChat's order number).
    pub transaction_id: String,
    /// `total_fee` in fen: must equal the stored amount.
    pub total_fee: AmountFen,
    /// `cash_fee`: what the buyer paid.
    pub cash_fee: Option<AmountFen>,
    /// `fee_type` (absent means CNY).
    pub fee_type: Option<String>,
    /// `time_end`, Beijing time.
    pub time_end: Option<String>,
    /// Paid or failed.
    pub result: NotifyResult,
}

/// Parses and verifies a notify body. Returns the verified fields too (the evidence).
pub fn verify(cfg: &WechatConfig, body: &[u8]) -> Result<(PaymentNotify, Fields), NotifyError> {
    let fields = parse_wechat(body)?;
    wechat_verify(&fields, &cfg.api_key, cfg.sign_type)?;
    if fields.get("return_code") != Some("SUCCESS") {
        return Err(NotifyError::NotSuccess);
    }
    if fields.get("appid") != Some(cfg.appid.as_str()) || fields.get("mch_id") != Some(cfg.mch_id.as_str()) {
        return Err(NotifyError::WrongMerchant);
    }
    let trade_no = OrderNo::parse(fields.required("out_trade_no")?).map_err(|_| NotifyError::BadOrderNo)?;
    let total_fee = AmountFen::parse_fen(fields.required("total_fee")?).map_err(|_| NotifyError::BadAmount)?;
    let result = match fields.get("result_code") {
        Some("SUCCESS") => NotifyResult::Paid,
        _ => NotifyResult::Failed(fields.get("err_code").unwrap_or("").chars().take(64).collect()),
    };
    let cash_fee = super::reply::fen(&fields, "cash_fee").map_err(|_| NotifyError::BadAmount)?;
    let notify = PaymentNotify {
        trade_no: trade_no.as_str().to_owned(),
        cash_fee,
        fee_type: fields.non_empty("fee_type").map(str::to_owned),
        transaction_id: fields.required("transaction_id")?.to_owned(),
        total_fee,
        time_end: fields.non_empty("time_end").map(str::to_owned),
        result,
    };
    Ok((notify, fields))
}

/// The reply that stops WeChat's re-sends:
/// `<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>`.
pub fn reply_success() -> String {
    write_wechat(&[("return_code", "SUCCESS"), ("return_msg", "OK")].into_iter().collect())
}

/// The FAIL reply, with a short reason (WeChat will re-send).
pub fn reply_fail(reason: &str) -> String {
    write_wechat(&[("return_code", "FAIL"), ("return_msg", reason)].into_iter().collect())
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
