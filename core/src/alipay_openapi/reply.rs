//! Reading OpenAPI answers once their signature was verified over the exact raw text
//! ([`super::signed_response`]), and notifies once verified ([`super::notify_content`]):
//! the common `code`/`sub_code`, then each call's fields. Amounts are yuan text on the wire
//! and fen here.

use serde::Deserialize;

use crate::alipay_mapi::TradeStatus;
use crate::form::RawForm;
use crate::{AmountFen, OrderNo};

/// Why an OpenAPI answer or notify was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    /// The response or notify carries no valid signature of Alipay's key.
    #[error("signature does not verify")]
    BadSignature,
    /// Not the JSON or form it should be.
    #[error("malformed: {0}")]
    Malformed(String),
    /// Alipay refused the call (`code` 40004 and the like).
    #[error("Alipay refused: {code} {sub_code}: {sub_msg}")]
    Refused {
        /// `code`.
        code: String,
        /// `sub_code`, e.g. `ACQ.TRADE_NOT_EXIST`.
        sub_code: String,
        /// `sub_msg`.
        sub_msg: String,
    },
    /// `code` 20000 (service unavailable) or an unknown `code`: ask again later.
    #[error("Alipay unavailable ({0})")]
    Unavailable(String),
    /// For another app.
    #[error("for another app")]
    WrongApp,
    /// About another order.
    #[error("for another order")]
    WrongOrder,
}

impl OpenApiError {
    /// The `sub_code` of a refusal.
    pub fn sub_code(&self) -> Option<&str> {
        match self {
            Self::Refused { sub_code, .. } => Some(sub_code),
            _ => None,
        }
    }
}

/// `ACQ.TRADE_NOT_EXIST`: the buyer has not opened the cashier or scanned yet.
pub const TRADE_NOT_EXIST: &str = "ACQ.TRADE_NOT_EXIST";
/// No bill for that day (no trades, or not made yet).
pub const BILL_NOT_EXIST: &str = "isp.bill_not_exist";
/// `ACQ.TRADE_STATUS_ERROR`: e.g. closing a paid trade.
pub const TRADE_STATUS_ERROR: &str = "ACQ.TRADE_STATUS_ERROR";
/// `ACQ.TRADE_HAS_SUCCESS`: precreate of a paid trade.
pub const TRADE_HAS_SUCCESS: &str = "ACQ.TRADE_HAS_SUCCESS";

#[derive(Deserialize)]
struct Common {
    code: String,
    #[serde(default)]
    sub_code: String,
    #[serde(default)]
    sub_msg: String,
}

/// The verified content of a response, when `code` is 10000.
fn success<'a, T: Deserialize<'a>>(content: &'a str) -> Result<T, OpenApiError> {
    let common: Common = serde_json::from_str(content).map_err(|e| OpenApiError::Malformed(e.to_string()))?;
    match common.code.as_str() {
        "10000" => serde_json::from_str(content).map_err(|e| OpenApiError::Malformed(e.to_string())),
        "20000" | "20001" => Err(OpenApiError::Unavailable(common.code)),
        _ if common.code.starts_with('4') => {
            Err(OpenApiError::Refused { code: common.code, sub_code: common.sub_code, sub_msg: common.sub_msg })
        }
        _ => Err(OpenApiError::Unavailable(common.code)),
    }
}

fn yuan(text: &str, field: &str) -> Result<AmountFen, OpenApiError> {
    AmountFen::parse_yuan(text).map_err(|_| OpenApiError::Malformed(field.to_owned()))
}

/// A trade as a query reply or a notify reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    /// `trade_no` (Alipay's transaction number).
    pub trade_no: String,
    /// `trade_status`.
    pub trade_status: TradeStatus,
    /// `total_amount`, in fen.
    pub total: AmountFen,
    /// `buyer_pay_amount`: what the buyer paid, in fen, when given.
    pub payer_total: Option<AmountFen>,
    /// `gmt_payment` / `send_pay_date`, when given.
    pub paid_at: Option<String>,
}

#[derive(Deserialize)]
struct QueryWire {
    out_trade_no: String,
    #[serde(default)]
    trade_no: String,
    trade_status: String,
    total_amount: String,
    #[serde(default)]
    buyer_pay_amount: Option<String>,
    #[serde(default)]
    send_pay_date: Option<String>,
}

/// An optional yuan amount (empty means absent).
fn yuan_opt(text: Option<&str>, field: &str) -> Result<Option<AmountFen>, OpenApiError> {
    text.filter(|t| !t.is_empty()).map(|t| yuan(t, field)).transpose()
}

/// `alipay.trade.query`'s verified content for the trade `trade_no`.
pub fn trade_query(trade_no: &str, content: &str) -> Result<Trade, OpenApiError> {
    let w: QueryWire = success(content)?;
    if w.out_trade_no != trade_no {
        return Err(OpenApiError::WrongOrder);
    }
    Ok(Trade {
        trade_no: w.trade_no,
        trade_status: TradeStatus::parse(&w.trade_status),
        total: yuan(&w.total_amount, "total_amount")?,
        payer_total: yuan_opt(w.buyer_pay_amount.as_deref(), "buyer_pay_amount")?,
        paid_at: w.send_pay_date,
    })
}

#[derive(Deserialize)]
struct PrecreateWire {
    out_trade_no: String,
    qr_code: String,
}

/// `alipay.trade.precreate`'s verified content: the QR code's text.
pub fn precreate(trade_no: &str, content: &str) -> Result<String, OpenApiError> {
    let w: PrecreateWire = success(content)?;
    if w.out_trade_no != trade_no {
        return Err(OpenApiError::WrongOrder);
    }
    if !w.qr_code.starts_with("https://") {
        return Err(OpenApiError::Malformed("qr_code is not an https URL".into()));
    }
    Ok(w.qr_code)
}

#[derive(Deserialize)]
struct BillUrlWire {
    bill_download_url: String,
}

/// `alipay.data.dataservice.bill.downloadurl.query`'s verified content: where the day's
/// bill (a ZIP of GBK CSVs) is; `isp.bill_not_exist` when there is none.
pub fn bill_url(content: &str) -> Result<String, OpenApiError> {
    let w: BillUrlWire = success(content)?;
    if !crate::http::is_secure_or_loopback(&w.bill_download_url) {
        return Err(OpenApiError::Malformed("bill_download_url is not an https URL".into()));
    }
    Ok(w.bill_download_url)
}

/// `alipay.trade.close`'s verified content.
pub fn close(content: &str) -> Result<(), OpenApiError> {
    success::<serde::de::IgnoredAny>(content).map(|_| ())
}

#[derive(Deserialize)]
struct RefundWire {
    out_trade_no: String,
    #[serde(default)]
    trade_no: String,
}

/// `alipay.trade.refund`'s verified content: code 10000 means refunded (`fund_change` N
/// only says this `out_request_no` was refunded before). Returns Alipay's `trade_no`.
pub fn refund(trade_no: &str, content: &str) -> Result<String, OpenApiError> {
    let w: RefundWire = success(content)?;
    if w.out_trade_no != trade_no {
        return Err(OpenApiError::WrongOrder);
    }
    Ok(w.trade_no)
}

#[derive(Deserialize)]
struct RefundQueryWire {
    #[serde(default)]
    out_request_no: String,
    #[serde(default)]
    refund_amount: String,
    #[serde(default)]
    refund_status: String,
}

/// `alipay.trade.fastpay.refund.query`'s verified content for `out_request_no`: `Some(amount)`
/// when Alipay reports that refund done (a record with an empty or `REFUND_SUCCESS`
/// status, as Alipay documents), `None` when it has no such refund (yet).
pub fn refund_query(out_request_no: &str, content: &str) -> Result<Option<AmountFen>, OpenApiError> {
    let w: RefundQueryWire = success(content)?;
    if w.out_request_no.is_empty() || w.refund_amount.is_empty() {
        return Ok(None);
    }
    if w.out_request_no != out_request_no {
        return Err(OpenApiError::WrongOrder);
    }
    match w.refund_status.as_str() {
        "" | "REFUND_SUCCESS" => Ok(Some(yuan(&w.refund_amount, "refund_amount")?)),
        _ => Ok(None),
    }
}

/// A verified trade notify (or sync return) of this app: its order and trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notify {
    /// `out_trade_no` (a valid order number's shape).
    pub out_trade_no: String,
    /// The trade.
    pub trade: Trade,
}

/// Reads a verified notify form (or sync return) sent to app `app_id`. The return carries
/// no `trade_status` (only the notify does), which then reads as unknown: it proves nothing
/// by itself, and the object asks `alipay.trade.query`.
pub fn notify(app_id: &str, form: &RawForm) -> Result<Notify, OpenApiError> {
    let text = |name: &str| -> Result<Option<&str>, OpenApiError> {
        form.text(name).map_err(|e| OpenApiError::Malformed(e.to_string()))
    };
    let required =
        |name: &'static str| text(name)?.filter(|v| !v.is_empty()).ok_or(OpenApiError::Malformed(name.into()));
    if required("app_id")? != app_id {
        return Err(OpenApiError::WrongApp);
    }
    let out_trade_no =
        OrderNo::parse(required("out_trade_no")?).map_err(|_| OpenApiError::Malformed("out_trade_no".into()))?;
    Ok(Notify {
        out_trade_no: out_trade_no.as_str().to_owned(),
        trade: Trade {
            trade_no: required("trade_no")?.to_owned(),
            trade_status: TradeStatus::parse(text("trade_status")?.unwrap_or_default()),
            total: yuan(required("total_amount")?, "total_amount")?,
            payer_total: yuan_opt(text("buyer_pay_amount")?, "buyer_pay_amount")?,
            paid_at: text("gmt_payment")?.filter(|v| !v.is_empty()).map(str::to_owned),
        },
    })
}
