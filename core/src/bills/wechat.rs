//! WeChat Pay's `ALL` trade bill, read as a stream.
//!
//! The same text comes from v2 `downloadbill` (`bill_type=ALL`) and from the file behind
//! v3 `/v3/bill/tradebill`'s `download_url` (a Go v3 client's download test has exactly
//! this content; v3 adds only the SHA-1 of the uncompressed file in `hash_value` and an
//! optional `tar_type=GZIP`, both the API module's business). It has four parts:
//!
//! 1. the header, plain names: `交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,
//!    商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,
//!    微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,
//!    商户数据包,手续费,费率,订单金额,申请退款金额,费率备注` (27 columns since 2019);
//! 2. one line per payment or refund, every field prefixed by a back-tick
//!    (`` `2021-01-28 17:07:11,`wx81be3101902f7cb2,`… ``) so Excel keeps long numbers.
//!    Fields are therefore split at `` ,` ``: a comma inside 商品名称 is not a separator;
//! 3. the summary header `总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,
//!    订单总金额,申请退款总金额`;
//! 4. the summary values, back-ticked like the details.
//!
//! Columns are found by name, so a reordered or extended header still reads; the old
//! 24-column header (总金额, no 订单金额) and the SUCCESS / REFUND bill types lack columns
//! and are refused. The empty answers (`No Bill Exist`, `Bill Creating`) are XML error
//! replies, never a bill: the API module handles them.
//!
//! | 交易状态 | line | time | amount |
//! |---|---|---|---|
//! | `SUCCESS` | payment | 支付成功时间 | 订单金额 |
//! | `REFUND` | refund, 退款状态 `SUCCESS` / `PROCESSING` / `REFUNDCLOSE` / `CHANGE` as of the bill's making | 退款受理时间 | 申请退款金额 |
//! | anything else (`REVOKED`: 付款码 only) | refused | | |
//!
//! Why those amounts: the worker records a payment's `total_fee` and a refund's
//! requested `refund_fee`. 订单金额 is `total_fee`, 申请退款金额 is `refund_fee`;
//! 应结订单金额 and 退款金额 are the settlement amounts (`settlement_total_fee`,
//! `settlement_refund_fee`: less 非充值代金券), which differ whenever a coupon paid part.
//! A payment's refund columns and a refund's order columns are `0.00`, as in every sample.
//!
//! [`WechatBillParser::finish`] checks 总交易单数 and all four amount totals (订单, 申请退款,
//! 应结订单, 退款) against the lines; 手续费 (five decimals, rounded per line) is not read.

use super::text::{Columns, LineReader, amount_column, bad, beijing_time, clip, yuan, yuan_column};
use super::{BillError, BillLine, BillTotals, LineKind};

const DETAIL: [&str; 14] = [
    "交易时间",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "货币种类",
    "应结订单金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "退款状态",
    "商品名称",
    "商户数据包",
    "订单金额",
    "申请退款金额",
];
// Indexes into DETAIL.
const TIME: usize = 0;
const TXID: usize = 1;
const TRADE_NO: usize = 2;
const STATE: usize = 3;
const CURRENCY: usize = 4;
const SETTLE: usize = 5;
const REFUND_ID: usize = 6;
const REFUND_NO: usize = 7;
const SETTLE_REFUND: usize = 8;
const REFUND_STATE: usize = 9;
const SUBJECT: usize = 10;
const ATTACH: usize = 11;
const TOTAL: usize = 12;
const REFUND_FEE: usize = 13;

const SUMMARY: [&str; 5] = ["总交易单数", "应结订单总金额", "退款总金额", "订单总金额", "申请退款总金额"];

/// Reads a WeChat `ALL` bill chunk by chunk (see the module docs).
///
/// Lines handed out by [`feed`](Self::feed) are final only once [`finish`](Self::finish)
/// succeeds: a bill that turns out truncated or inconsistent must be dropped whole.
#[derive(Debug, Default)]
pub struct WechatBillParser {
    reader: LineReader,
    state: State,
}

#[derive(Debug, Default)]
struct State {
    stage: Stage,
    seen: Sums,
    totals: BillTotals,
    summary: Option<(u64, Sums)>,
}

#[derive(Debug, Default)]
enum Stage {
    #[default]
    Header,
    Details(Columns<14>),
    SummaryValues(Columns<5>),
    Done,
}

/// Counted lines and column sums in fen (saturating: a saturated sum never equals a
/// summary figure, which is at most 10^17).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sums {
    lines: u64,
    total: u64,
    refund: u64,
    settle: u64,
    settle_refund: u64,
}

impl WechatBillParser {
    /// A parser expecting the header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `chunk` (any bytes of the bill, split anywhere) and returns the detail lines
    /// it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<BillLine>, BillError> {
        let mut out = Vec::new();
        let state = &mut self.state;
        self.reader.feed(chunk, |no, text| state.line(no, text, &mut out))?;
        Ok(out)
    }

    /// Ends the bill: it must have had its summary, and the summary must match the lines.
    /// Returns the bill's own totals (订单总金额 and 申请退款总金额; the line counts split by
    /// kind), which then equal the sums of the lines handed out.
    pub fn finish(mut self) -> Result<BillTotals, BillError> {
        let state = &mut self.state;
        let mut out = Vec::new();
        self.reader.finish(|no, text| state.line(no, text, &mut out))?;
        self.state.close(self.reader.line())
    }
}

impl State {
    fn line(&mut self, no: u64, text: &str, out: &mut Vec<BillLine>) -> Result<(), BillError> {
        match &self.stage {
            Stage::Header => {
                if text.starts_with('`') || text.trim().is_empty() {
                    return Err(bad(no, "expected the header line"));
                }
                self.stage = Stage::Details(Columns::find(no, text.split(','), &DETAIL, |s| s.trim().to_owned())?);
            }
            Stage::Details(cols) => {
                if let Some(rest) = text.strip_prefix('`') {
                    let line = detail(no, rest, cols, &mut self.seen)?;
                    self.totals.add(&line);
                    out.push(line);
                } else if text.starts_with("总交易单数") {
                    let cols = Columns::find(no, text.split(','), &SUMMARY, |s| s.trim().to_owned())?;
                    self.stage = Stage::SummaryValues(cols);
                } else {
                    return Err(bad(no, "neither a detail line (starting with `) nor the summary header"));
                }
            }
            Stage::SummaryValues(cols) => {
                self.summary = Some((no, summary(no, text, cols)?));
                self.stage = Stage::Done;
            }
            Stage::Done if text.trim().is_empty() => {}
            Stage::Done => return Err(bad(no, "text after the summary")),
        }
        Ok(())
    }

    fn close(self, last: u64) -> Result<BillTotals, BillError> {
        let missing = match self.stage {
            Stage::Header => "its header",
            Stage::Details(_) => "its summary",
            Stage::SummaryValues(_) => "its summary values",
            Stage::Done => "",
        };
        let Some((line, s)) = self.summary else {
            return Err(BillError::Incomplete { line: last, missing });
        };
        let seen = self.seen;
        let mismatch = |reason: String| Err(BillError::Summary { line, reason });
        if s.lines != seen.lines {
            return mismatch(format!("总交易单数 is {} but the bill has {} lines", s.lines, seen.lines));
        }
        let pairs = [
            ("订单总金额", s.total, seen.total),
            ("申请退款总金额", s.refund, seen.refund),
            ("应结订单总金额", s.settle, seen.settle),
            ("退款总金额", s.settle_refund, seen.settle_refund),
        ];
        for (name, said, sum) in pairs {
            if said != sum {
                return mismatch(format!("{name} is {} but the lines add up to {}", yuan(said), yuan(sum)));
            }
        }
        Ok(self.totals)
    }
}

fn detail(no: u64, rest: &str, cols: &Columns<14>, seen: &mut Sums) -> Result<BillLine, BillError> {
    let fields: Vec<&str> = rest.split(",`").collect();
    if fields.len() != cols.count() {
        return Err(bad(no, format!("{} fields but the header has {}", fields.len(), cols.count())));
    }
    let f = |i| cols.get(&fields, i);
    let time = beijing_time(no, "交易时间", f(TIME))?;
    let total = yuan_column(no, "订单金额", f(TOTAL))?;
    let refund = yuan_column(no, "申请退款金额", f(REFUND_FEE))?;
    let settle = yuan_column(no, "应结订单金额", f(SETTLE))?;
    let settle_refund = yuan_column(no, "退款金额", f(SETTLE_REFUND))?;
    let transaction_id = f(TXID);
    if transaction_id.is_empty() {
        return Err(bad(no, "微信订单号 is empty"));
    }
    let (kind, amount) = match f(STATE) {
        "SUCCESS" => {
            if refund != 0 || settle_refund != 0 {
                return Err(bad(no, "a payment with refund amounts"));
            }
            (LineKind::Payment, amount_column(no, "订单金额", f(TOTAL))?)
        }
        "REFUND" => {
            if total != 0 || settle != 0 {
                return Err(bad(no, "a refund with order amounts"));
            }
            let refund_no = f(REFUND_NO);
            if refund_no.is_empty() || refund_no == "0" {
                return Err(bad(no, "a refund without 商户退款单号"));
            }
            let status = f(REFUND_STATE);
            if status.is_empty() || !status.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                return Err(bad(no, format!("退款状态 `{}` is not a status", clip(status))));
            }
            let refund_id = Some(f(REFUND_ID)).filter(|id| !id.is_empty() && *id != "0").map(str::to_owned);
            let kind = LineKind::Refund { refund_no: refund_no.to_owned(), refund_id, status: status.to_owned() };
            (kind, amount_column(no, "申请退款金额", f(REFUND_FEE))?)
        }
        other => return Err(bad(no, format!("交易状态 `{}` is neither SUCCESS nor REFUND", clip(other)))),
    };
    seen.lines += 1;
    seen.total = seen.total.saturating_add(total);
    seen.refund = seen.refund.saturating_add(refund);
    seen.settle = seen.settle.saturating_add(settle);
    seen.settle_refund = seen.settle_refund.saturating_add(settle_refund);
    let some = |s: &str| Some(s).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(BillLine {
        trade_no: f(TRADE_NO).to_owned(),
        transaction_id: transaction_id.to_owned(),
        time,
        kind,
        amount,
        currency: some(f(CURRENCY)),
        attach: some(f(ATTACH)),
        subject: f(SUBJECT).to_owned(),
    })
}

fn summary(no: u64, text: &str, cols: &Columns<5>) -> Result<Sums, BillError> {
    let rest = text.strip_prefix('`').ok_or_else(|| bad(no, "expected the summary values (starting with `)"))?;
    let fields: Vec<&str> = rest.split(",`").collect();
    if fields.len() != cols.count() {
        return Err(bad(no, format!("{} summary fields but its header has {}", fields.len(), cols.count())));
    }
    let f = |i| cols.get(&fields, i);
    let count = f(0);
    if count.is_empty() || count.len() > 12 || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(no, format!("总交易单数 `{}` is not a count", clip(count))));
    }
    Ok(Sums {
        lines: count.parse().map_err(|_| bad(no, "总交易单数 is not a count"))?,
        settle: yuan_column(no, SUMMARY[1], f(1))?,
        settle_refund: yuan_column(no, SUMMARY[2], f(2))?,
        total: yuan_column(no, SUMMARY[3], f(3))?,
        refund: yuan_column(no, SUMMARY[4], f(4))?,
    })
}

#[cfg(test)]
#[path = "wechat_tests.rs"]
mod tests;
