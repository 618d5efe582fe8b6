//! Daily reconciliation against the providers' trade bills (交易账单 / 业务明细).
//!
//! Why: a notify can be lost and a query only asks about trades we already know of. The
//! bill is each provider's own account of a day's money, so it also names the payments
//! and refunds the worker never heard of, and the ones whose amounts differ.
//!
//! Reading a bill is pure text work, so it lives here and is tested natively. The worker
//! only downloads, decompresses and decodes: workerd's `DecompressionStream("deflate-raw")`
//! and `TextDecoder("gbk")` do that, so no inflater and no encoding table is compiled into
//! the wasm. Core does read the ZIP container Alipay sends ([`zip`]), which is small.
//!
//! * [`wechat`]: WeChat Pay's `ALL` trade bill (v2 `downloadbill`, and the file behind
//!   v3 `/v3/bill/tradebill`'s `download_url`, which has the same format).
//! * [`alipay`]: Alipay's 业务明细 CSV from `alipay.data.dataservice.bill.downloadurl.query`
//!   (`bill_type=trade`), already decoded from GBK to UTF-8.
//! * [`zip`]: the archive that Alipay's CSVs come in, and a CRC-32 for the inflated bytes.
//! * [`mod@compare`]: the bill lines of one day and wallet against the worker's records.
//!
//! Both readers stream: `feed` takes chunks split anywhere (inside a line or a UTF-8
//! sequence) and returns the complete lines so far; `finish` checks the bill's own summary
//! against every line seen. A truncated or inconsistent bill is an error, never a short
//! report. Bill times are Beijing local time; a bill day runs from 00:00 to 24:00 in
//! Beijing (UTC+8), see [`bill_day_bounds`].

use serde::{Deserialize, Serialize};

use crate::AmountFen;

pub mod alipay;
pub mod compare;
pub mod wechat;
pub mod zip;

mod text;

pub use alipay::AlipayBillParser;
pub use compare::{Comparison, Discrepancy, DiscrepancyKind, Recorded, RecordedPayment, RecordedRefund, compare};
pub use wechat::WechatBillParser;

/// One line of a trade bill: a payment, or a refund of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    /// The merchant's `out_trade_no` (商户订单号). For a refund, the refunded trade's.
    pub trade_no: String,
    /// The provider's trade id (微信订单号 / 支付宝交易号). For a refund, the refunded trade's.
    pub transaction_id: String,
    /// Unix seconds (the bill shows Beijing local time): when the payment succeeded or the
    /// refund was accepted (WeChat) / completed (Alipay).
    pub time: i64,
    /// Payment or refund.
    pub kind: LineKind,
    /// The payment's order amount, or the refund's requested amount (see each format).
    pub amount: AmountFen,
    /// The currency column where the format has one (WeChat 货币种类).
    pub currency: Option<String>,
    /// WeChat's 商户数据包 (`attach`), when not empty.
    pub attach: Option<String>,
    /// 商品名称.
    pub subject: String,
}

/// What a bill line is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum LineKind {
    /// A successful payment.
    Payment,
    /// A refund of (part of) the trade.
    Refund {
        /// The merchant's refund number: WeChat `out_refund_no`, Alipay `out_request_no`
        /// or MAPI `batch_no` (退款批次号/请求号).
        refund_no: String,
        /// The provider's refund id (微信退款单号), where the format has one.
        refund_id: Option<String>,
        /// The refund's status as the bill shows it (WeChat 退款状态: `SUCCESS`,
        /// `PROCESSING`, …; Alipay lists settled refunds only: `SUCCESS`).
        status: String,
    },
}

/// Counts and sums of a day's lines, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillTotals {
    /// Payment lines.
    pub payments: u64,
    /// Their amounts.
    pub payment_fen: u64,
    /// Refund lines.
    pub refunds: u64,
    /// Their amounts.
    pub refund_fen: u64,
}

impl BillTotals {
    /// Adds one line.
    pub fn add(&mut self, line: &BillLine) {
        match line.kind {
            LineKind::Payment => {
                self.payments += 1;
                self.payment_fen += line.amount.fen();
            }
            LineKind::Refund { .. } => {
                self.refunds += 1;
                self.refund_fen += line.amount.fen();
            }
        }
    }

    /// The totals of some lines.
    pub fn of(lines: &[BillLine]) -> Self {
        let mut totals = Self::default();
        lines.iter().for_each(|l| totals.add(l));
        totals
    }
}

/// Why a bill (or a bill date) was refused. Lines are numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    /// A line that does not read as the format says.
    #[error("line {line}: {reason}")]
    Line {
        /// Which line.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The bill stopped before its summary: truncated.
    #[error("the bill ends after line {line} without {missing}")]
    Incomplete {
        /// The last line read.
        line: u64,
        /// What was still expected.
        missing: &'static str,
    },
    /// The bill's own summary disagrees with its lines.
    #[error("line {line}: the summary disagrees with the lines: {reason}")]
    Summary {
        /// The summary's line.
        line: u64,
        /// Which figure, both ways.
        reason: String,
    },
    /// `feed` or `finish` after an error.
    #[error("the parser already failed")]
    Failed,
    /// Not a `YYYY-MM-DD` day.
    #[error("`{0}` is not a YYYY-MM-DD date")]
    Date(String),
}

/// One bill day: from 00:00 to 24:00 Beijing time (UTC+8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BillDate {
    start: i64,
}

impl BillDate {
    /// Unix seconds of 00:00 Beijing time that day.
    pub fn start(self) -> i64 {
        self.start
    }

    /// Unix seconds of 24:00 Beijing time (the next day's start; not part of this day).
    pub fn end(self) -> i64 {
        self.start + 86_400
    }

    /// True for a moment within the day.
    pub fn contains(self, unix: i64) -> bool {
        (self.start..self.end()).contains(&unix)
    }

    /// `2026-12-04`: v3 `bill_date`, Alipay `bill_date`.
    pub fn iso(self) -> String {
        crate::time::beijing_datetime(self.start)[..10].to_owned()
    }

    /// `20261204`: v2 `bill_date`, and the date in Alipay's file names.
    pub fn compact(self) -> String {
        crate::time::beijing_date(self.start)
    }
}

impl std::fmt::Display for BillDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso())
    }
}

/// Reads exactly `YYYY-MM-DD` (a real calendar day, year 1970 or later); anything else is
/// refused.
pub fn parse_bill_date(text: &str) -> Result<BillDate, BillError> {
    let err = || BillError::Date(text.chars().take(24).collect());
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return Err(err());
    }
    if &text[..4] < "1970" {
        return Err(err());
    }
    let compact = format!("{}{}{}000000", &text[..4], &text[5..7], &text[8..10]);
    let start = crate::time::parse_beijing_compact(&compact).map_err(|_| err())?;
    Ok(BillDate { start })
}

/// `(start, end)` in Unix seconds of a bill day: `start <= t < end` is that day.
pub fn bill_day_bounds(date: BillDate) -> (i64, i64) {
    (date.start(), date.end())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
