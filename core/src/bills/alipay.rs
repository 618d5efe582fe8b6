//! Alipay's 业务明细 (trade detail) CSV, read as a stream.
//!
//! `alipay.data.dataservice.bill.downloadurl.query` with `bill_type=trade` gives the URL
//! of a ZIP (see [`super::zip`]) holding `<账号>_<yyyyMMdd>_业务明细.csv` and
//! `…_业务明细(汇总).csv`, both GBK. The worker decodes the detail file to UTF-8
//! (`TextDecoder("gbk")`) and feeds it here; the 汇总 file repeats totals per store and is
//! skipped. The detail file (a real one is quoted in the tests) reads:
//!
//! ```text
//! #支付宝业务明细查询
//! #账号：[20880211096256330156]
//! #起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]
//! #-----------------------------------------业务明细列表----------------------------------------
//! 支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注
//! 2019091622001458860515315453\t,service_1568601259302\t,交易\t,下单测试,2019-09-16 10:55:16,2019-09-16 10:55:23,…,0.01,0.01,…
//! 2019091622001458860515315453\t,service_1568601259302\t,退款\t,下单测试,2019-09-16 10:55:16,2019-09-16 10:56:48,…,-0.01,-0.01,…,re_test_1568602607356\t,…
//! #-----------------------------------------业务明细列表结束------------------------------------
//! #交易合计：6笔，商家实收共0.06元，商家优惠共0.00元
//! #退款合计：4笔，商家实收退款共-0.04元，商家优惠退款共0.00元
//! #导出时间：[2019年09月17日 05:46:49]
//! ```
//!
//! Fields are padded with tabs and spaces, which are trimmed. Columns are found by name
//! (full-width and ASCII parentheses alike), so added columns still read. Fields are not
//! quoted: a line with more fields than the header (a comma inside 商品名称 or 备注) is
//! refused rather than guessed at.
//!
//! | 业务类型 | line | time | amount |
//! |---|---|---|---|
//! | 交易 | payment | 完成时间 (paid) | 订单金额（元）: `total_amount` |
//! | 退款 | refund, `refund_no` 退款批次号/请求号, status `SUCCESS` (the bill lists completed refunds only) | 完成时间 (refunded) | minus 订单金额（元）, which is negative: the refunded amount |
//!
//! Why 订单金额: the worker records the order amount (`total_amount` / `total_fee`);
//! 商家实收 is what reached the merchant after discounts. The footer totals 商家实收, so
//! [`AlipayBillParser::finish`] checks both footer counts and their 商家实收 sums against the
//! lines (older bills total 交易金额 instead, checked against 订单金额), and returns totals
//! in order amounts, the same as the lines.

use super::text::{Columns, LineReader, amount_column, bad, beijing_time, clip, signed_yuan_fen, yuan};
use super::{BillError, BillLine, BillTotals, LineKind};

const DETAIL: [&str; 8] = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "完成时间",
    "订单金额(元)",
    "商家实收(元)",
    "退款批次号/请求号",
];
// Indexes into DETAIL.
const TXID: usize = 0;
const TRADE_NO: usize = 1;
const KIND: usize = 2;
const SUBJECT: usize = 3;
const FINISHED: usize = 4;
const TOTAL: usize = 5;
const RECEIPT: usize = 6;
const REFUND_NO: usize = 7;

const END_MARK: &str = "业务明细列表结束";
const TRADE_FOOTER: &str = "#交易合计：";
const REFUND_FOOTER: &str = "#退款合计：";

/// Reads an Alipay 业务明细 CSV (UTF-8) chunk by chunk (see the module docs).
///
/// Lines handed out by [`feed`](Self::feed) are final only once [`finish`](Self::finish)
/// succeeds: a bill that turns out truncated or inconsistent must be dropped whole.
#[derive(Debug, Default)]
pub struct AlipayBillParser {
    reader: LineReader,
    state: State,
}

#[derive(Debug, Default)]
struct State {
    stage: Stage,
    trades: Side,
    refunds: Side,
    trade_footer: Option<(u64, Footer)>,
    refund_footer: Option<(u64, Footer)>,
}

#[derive(Debug, Default)]
enum Stage {
    #[default]
    Preamble,
    Details(Columns<8>),
    Footer,
}

/// One kind of line: how many, and their 订单金额 and 商家实收 sums in fen (saturating).
#[derive(Debug, Default, Clone, Copy)]
struct Side {
    count: u64,
    total: u64,
    receipt: u64,
}

/// `#交易合计：6笔，商家实收共0.06元，…`: the count and the first amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Footer {
    count: u64,
    /// True when the amount is 商家实收 (else 交易金额, compared with 订单金额).
    receipt: bool,
    negative: bool,
    fen: u64,
}

impl AlipayBillParser {
    /// A parser expecting the `#` preamble or the header.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `chunk` (any bytes of the UTF-8 text, split anywhere) and returns the detail
    /// lines it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<BillLine>, BillError> {
        let mut out = Vec::new();
        let state = &mut self.state;
        self.reader.feed(chunk, |no, text| state.line(no, text, &mut out))?;
        Ok(out)
    }

    /// Ends the bill: it must have reached its footer, and `#交易合计` and `#退款合计` must
    /// match the lines. Returns the totals in order amounts (see the module docs).
    pub fn finish(mut self) -> Result<BillTotals, BillError> {
        let state = &mut self.state;
        let mut out = Vec::new();
        self.reader.finish(|no, text| state.line(no, text, &mut out))?;
        self.state.close(self.reader.line())
    }
}

fn normalise(name: &str) -> String {
    name.trim().replace('（', "(").replace('）', ")")
}

impl State {
    fn line(&mut self, no: u64, text: &str, out: &mut Vec<BillLine>) -> Result<(), BillError> {
        match &self.stage {
            Stage::Preamble if text.starts_with('#') || text.trim().is_empty() => {}
            Stage::Preamble => {
                self.stage = Stage::Details(Columns::find(no, text.split(','), &DETAIL, normalise)?);
            }
            Stage::Details(_) if text.starts_with('#') && text.contains(END_MARK) => {
                self.stage = Stage::Footer;
            }
            Stage::Details(_) if text.starts_with('#') || text.trim().is_empty() => {
                return Err(bad(no, "expected a detail line or the end of the list"));
            }
            Stage::Details(cols) => {
                let line = detail(no, text, cols, &mut self.trades, &mut self.refunds)?;
                out.push(line);
            }
            Stage::Footer => {
                let (slot, rest) = if let Some(rest) = text.strip_prefix(TRADE_FOOTER) {
                    (&mut self.trade_footer, rest)
                } else if let Some(rest) = text.strip_prefix(REFUND_FOOTER) {
                    (&mut self.refund_footer, rest)
                } else if text.starts_with('#') || text.trim().is_empty() {
                    return Ok(());
                } else {
                    return Err(bad(no, "text after the end of the list that is not a # line"));
                };
                if slot.is_some() {
                    return Err(bad(no, "a second total of the same kind"));
                }
                let footer = footer(rest).ok_or_else(|| bad(no, format!("unreadable total `{}`", clip(text))))?;
                *slot = Some((no, footer));
            }
        }
        Ok(())
    }

    fn close(self, last: u64) -> Result<BillTotals, BillError> {
        let incomplete = |missing| Err(BillError::Incomplete { line: last, missing });
        match self.stage {
            Stage::Preamble => return incomplete("its header"),
            Stage::Details(_) => return incomplete("the end of its list (业务明细列表结束)"),
            Stage::Footer => {}
        }
        let Some(trade) = self.trade_footer else { return incomplete("#交易合计") };
        let Some(refund) = self.refund_footer else { return incomplete("#退款合计") };
        check(trade, self.trades, "交易", false)?;
        check(refund, self.refunds, "退款", true)?;
        Ok(BillTotals {
            payments: self.trades.count,
            payment_fen: self.trades.total,
            refunds: self.refunds.count,
            refund_fen: self.refunds.total,
        })
    }
}

fn check((line, f): (u64, Footer), side: Side, kind: &str, refund: bool) -> Result<(), BillError> {
    let mismatch = |reason: String| Err(BillError::Summary { line, reason });
    if f.count != side.count {
        return mismatch(format!("{kind}合计 is {} but the bill has {} {kind} lines", f.count, side.count));
    }
    let (name, sum) = if f.receipt { ("商家实收", side.receipt) } else { ("交易金额", side.total) };
    // A refund's total is negative (or zero), a trade's positive (or zero).
    if f.fen != sum || (f.negative && !refund) || (!f.negative && refund && f.fen != 0) {
        let sign = |neg: bool| if neg { "-" } else { "" };
        return mismatch(format!(
            "{kind}合计 {name} is {}{} but the lines add up to {}{}",
            sign(f.negative),
            yuan(f.fen),
            sign(refund && sum != 0),
            yuan(sum)
        ));
    }
    Ok(())
}

/// `6笔，商家实收共0.06元，商家优惠共0.00元` (also `商家实收：0.06元`, `交易金额共0.08元`).
fn footer(rest: &str) -> Option<Footer> {
    let (count, rest) = rest.split_once('笔')?;
    if count.is_empty() || count.len() > 12 || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = rest.strip_prefix('，').or_else(|| rest.strip_prefix(','))?;
    let first = rest.split(['，', ',']).next()?.trim().strip_suffix('元')?;
    let at = first.rfind(['共', '：', ':'])?;
    let (label, amount) = (&first[..at], &first[at..]);
    let amount = amount.trim_start_matches(['共', '：', ':']);
    let receipt = match label {
        "商家实收" | "商家实收退款" => true,
        "交易金额" | "交易退款金额" => false,
        _ => return None,
    };
    let (negative, fen) = signed_yuan_fen(amount)?;
    Some(Footer { count: count.parse().ok()?, receipt, negative, fen })
}

fn detail(
    no: u64,
    text: &str,
    cols: &Columns<8>,
    trades: &mut Side,
    refunds: &mut Side,
) -> Result<BillLine, BillError> {
    let fields: Vec<&str> = text.split(',').map(|f| f.trim_matches([' ', '\t'])).collect();
    if fields.len() != cols.count() {
        return Err(bad(no, format!("{} fields but the header has {}", fields.len(), cols.count())));
    }
    let f = |i| cols.get(&fields, i);
    let transaction_id = f(TXID);
    if transaction_id.is_empty() {
        return Err(bad(no, "支付宝交易号 is empty"));
    }
    let time = beijing_time(no, "完成时间", f(FINISHED))?;
    let receipt = signed_yuan_fen(f(RECEIPT))
        .ok_or_else(|| bad(no, format!("商家实收（元） `{}` is not a yuan amount", clip(f(RECEIPT)))))?;
    let (kind, amount, side) = match f(KIND) {
        "交易" => {
            if receipt.0 && receipt.1 != 0 {
                return Err(bad(no, "a trade with a negative 商家实收"));
            }
            (LineKind::Payment, amount_column(no, "订单金额（元）", f(TOTAL))?, trades)
        }
        "退款" => {
            if !receipt.0 && receipt.1 != 0 {
                return Err(bad(no, "a refund with a positive 商家实收"));
            }
            let total = f(TOTAL).strip_prefix('-').ok_or_else(|| bad(no, "a refund whose 订单金额 is not negative"))?;
            let kind =
                LineKind::Refund { refund_no: f(REFUND_NO).to_owned(), refund_id: None, status: "SUCCESS".into() };
            (kind, amount_column(no, "订单金额（元）", total)?, refunds)
        }
        other => return Err(bad(no, format!("业务类型 `{}` is neither 交易 nor 退款", clip(other)))),
    };
    side.count += 1;
    side.total = side.total.saturating_add(amount.fen());
    side.receipt = side.receipt.saturating_add(receipt.1);
    Ok(BillLine {
        trade_no: f(TRADE_NO).to_owned(),
        transaction_id: transaction_id.to_owned(),
        time,
        kind,
        amount,
        currency: None,
        attach: None,
        subject: f(SUBJECT).to_owned(),
    })
}

#[cfg(test)]
#[path = "alipay_tests.rs"]
mod tests;
