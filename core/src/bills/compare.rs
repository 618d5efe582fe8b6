//! One bill day of one wallet against the worker's records: the pure comparison.
//!
//! Why pure and here: what counts as a discrepancy is a rule, like every other rule in
//! core; the worker only gathers the input and stores the answer. For one wallet and one
//! [`BillDate`] it passes the bill's lines and a [`Recorded`] for (a) every order the bill
//! names (looked up by `trade_no`) and (b) every order it recorded as paid that day.
//! Duplicates are fine: an order is taken once, by `order_no`.
//!
//! | finding | when |
//! |---|---|
//! | `missing_payment` | a bill payment whose transaction id no record has: a lost notify, a second payment the worker never saw, or a trade not made through the worker (`order_no` none) |
//! | `amount_differs` | a bill payment or refund the worker has, with another amount |
//! | `unknown_refund` | a bill refund whose refund number the worker has no refund under |
//! | `missing_in_bill` | a payment the worker recorded as paid within the day (`paid_at`, the provider's payment time) that the bill does not list |
//!
//! Payments match by transaction id (then the order is the one holding it), refunds by
//! the provider refund number (`out_refund_no` / `out_request_no` / `batch_no`), looked for
//! in the order the line's `trade_no` names first, then in any order. Refund statuses are
//! not compared: a bill is a snapshot at its making (WeChat lists a refund `PROCESSING` that
//! settles later), and each order object follows its refunds to the end on its own.
//! Findings are sorted, so the same input always gives the same output.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{BillDate, BillLine, BillTotals, LineKind};
use crate::AmountFen;

/// What the worker recorded for one order of the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The merchant's order number.
    pub order_no: String,
    /// Every `out_trade_no` this order used with the wallet.
    pub trade_nos: Vec<String>,
    /// Its payments (the payment and any extra payments) with the wallet.
    pub payments: Vec<RecordedPayment>,
    /// Its refunds with the wallet, every attempt under its own provider number.
    pub refunds: Vec<RecordedRefund>,
}

/// A payment as the worker recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPayment {
    /// The provider's transaction id.
    pub transaction_id: String,
    /// The `out_trade_no` it was paid under (empty: unknown, then the order's first
    /// `trade_no` is reported).
    #[serde(default)]
    pub trade_no: String,
    /// The amount the provider reported (`total_fee` / `total_amount`).
    pub amount: AmountFen,
    /// The provider's payment time (Unix seconds).
    pub paid_at: i64,
}

/// A refund attempt as the worker recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRefund {
    /// The number the provider knows the attempt by.
    pub provider_refund_no: String,
    /// The requested amount.
    pub amount: AmountFen,
    /// True once the worker knows the money went back.
    pub succeeded: bool,
}

/// What kind of discrepancy (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// The bill has a payment the worker has not recorded.
    MissingPayment,
    /// Both have it, with different amounts.
    AmountDiffers,
    /// The bill has a refund the worker has no refund for.
    UnknownRefund,
    /// The worker recorded a payment that day which the bill does not list.
    MissingInBill,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Discrepancy {
    /// What kind.
    pub kind: DiscrepancyKind,
    /// The `out_trade_no` concerned.
    pub trade_no: String,
    /// The provider's transaction id.
    pub transaction_id: Option<String>,
    /// For a refund: its refund number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// The worker's order, when one is known.
    pub order_no: Option<String>,
    /// The bill's amount (none for `missing_in_bill`).
    pub bill_amount: Option<AmountFen>,
    /// The worker's amount (none for `missing_payment` and `unknown_refund`).
    pub recorded_amount: Option<AmountFen>,
}

impl Discrepancy {
    /// The finding's identity within a day and wallet (`<wallet>:<date>:<kind>:<trade_no>:
    /// <refund_no>`): a re-run of the day finds it again under the same key, so it is told
    /// once.
    pub fn key(&self, wallet: crate::order::Provider, date: &str) -> String {
        format!(
            "{}:{date}:{:?}:{}:{}",
            wallet.as_str(),
            self.kind,
            self.trade_no,
            self.refund_no.as_deref().unwrap_or("")
        )
    }
}

/// The result for one day and wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// Every finding, sorted.
    pub discrepancies: Vec<Discrepancy>,
    /// The bill's lines, counted and summed.
    pub bill: BillTotals,
    /// The worker's side: the payments it recorded as paid within the day, and its own
    /// amounts for the refunds the bill lists that it knows.
    pub recorded: BillTotals,
}

/// Compares one day's bill lines of one wallet with the worker's records (module docs).
pub fn compare(date: BillDate, lines: &[BillLine], recorded: &[Recorded]) -> Comparison {
    let mut orders: Vec<&Recorded> = recorded.iter().collect();
    orders.sort_by(|a, b| a.order_no.cmp(&b.order_no));
    orders.dedup_by(|a, b| a.order_no == b.order_no);

    let mut by_trade: HashMap<&str, &Recorded> = HashMap::new();
    let mut by_txid: HashMap<&str, (&Recorded, &RecordedPayment)> = HashMap::new();
    let mut by_refund: HashMap<&str, (&Recorded, &RecordedRefund)> = HashMap::new();
    for &order in &orders {
        for trade_no in &order.trade_nos {
            by_trade.entry(trade_no).or_insert(order);
        }
        for p in &order.payments {
            by_txid.entry(&p.transaction_id).or_insert((order, p));
        }
        for r in &order.refunds {
            by_refund.entry(&r.provider_refund_no).or_insert((order, r));
        }
    }
    let order_of = |line: &BillLine| {
        by_trade.get(line.trade_no.as_str()).copied().or_else(|| by_txid.get(line.transaction_id.as_str()).map(|p| p.0))
    };

    let mut out = Vec::new();
    let mut mine = BillTotals::default();
    let finding = |kind, line: &BillLine, refund_no: Option<&String>, order: Option<&Recorded>, recorded| Discrepancy {
        kind,
        trade_no: line.trade_no.clone(),
        transaction_id: Some(line.transaction_id.clone()),
        refund_no: refund_no.cloned(),
        order_no: order.map(|o| o.order_no.clone()),
        bill_amount: Some(line.amount),
        recorded_amount: recorded,
    };
    for line in lines {
        match &line.kind {
            LineKind::Payment => match by_txid.get(line.transaction_id.as_str()) {
                Some(&(order, p)) if p.amount != line.amount => {
                    out.push(finding(DiscrepancyKind::AmountDiffers, line, None, Some(order), Some(p.amount)));
                }
                Some(_) => {}
                None => out.push(finding(DiscrepancyKind::MissingPayment, line, None, order_of(line), None)),
            },
            LineKind::Refund { refund_no, .. } => {
                let in_order = order_of(line)
                    .and_then(|o| o.refunds.iter().find(|r| r.provider_refund_no == *refund_no).map(|r| (o, r)));
                match in_order.or_else(|| by_refund.get(refund_no.as_str()).copied()) {
                    Some((order, r)) => {
                        mine.refunds += 1;
                        mine.refund_fen += r.amount.fen();
                        if r.amount != line.amount {
                            let kind = DiscrepancyKind::AmountDiffers;
                            out.push(finding(kind, line, Some(refund_no), Some(order), Some(r.amount)));
                        }
                    }
                    None => {
                        out.push(finding(DiscrepancyKind::UnknownRefund, line, Some(refund_no), order_of(line), None));
                    }
                }
            }
        }
    }

    let billed: HashSet<&str> =
        lines.iter().filter(|l| l.kind == LineKind::Payment).map(|l| l.transaction_id.as_str()).collect();
    for order in &orders {
        for p in order.payments.iter().filter(|p| date.contains(p.paid_at)) {
            mine.payments += 1;
            mine.payment_fen += p.amount.fen();
            if billed.contains(p.transaction_id.as_str()) {
                continue;
            }
            let trade_no = Some(&p.trade_no)
                .filter(|t| !t.is_empty())
                .or(order.trade_nos.first())
                .unwrap_or(&order.order_no)
                .clone();
            out.push(Discrepancy {
                kind: DiscrepancyKind::MissingInBill,
                trade_no,
                transaction_id: Some(p.transaction_id.clone()),
                refund_no: None,
                order_no: Some(order.order_no.clone()),
                bill_amount: None,
                recorded_amount: Some(p.amount),
            });
        }
    }
    out.sort();
    Comparison { discrepancies: out, bill: BillTotals::of(lines), recorded: mine }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
