//! Daily reconciliation: one report per bill day and wallet, what it says, when a day is
//! tried again, and what the worker records for it.
//!
//! The worker's side of a day is an index the order objects keep (one entry per order and
//! bill day on which it has money movements of a wallet: [`index_entries`]), so a day is
//! read with a few listings, not one object per order. The bill is compared with it in
//! [`crate::bills::compare`]; each finding is then a lead for its order's object, which
//! asks the provider (verified) and records what that proves. Nothing here trusts a bill
//! line as evidence.
//!
//! Retries ([`next_attempt`]): a bill not generated yet, or a download that failed, is
//! tried again hourly until the next day's run; then the report is `failed`.

use serde::{Deserialize, Serialize};

use crate::bills::compare::{Discrepancy, Recorded, RecordedPayment, RecordedRefund};
use crate::bills::{BillDate, BillTotals};
use crate::order::{Order, Provider, RefundStatus};

/// `Reconcile` request (merchant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileRequest {
    /// The bill day, `YYYY-MM-DD` (Beijing).
    pub date: String,
    /// `wechat` or `alipay` (default: every wallet the worker is set up for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<Provider>,
}

/// `ListReconciliations` request (merchant): bill days from `from` to `to`, both included
/// (default the last 7 days; at most [`MAX_LIST_DAYS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListReconciliationsRequest {
    /// First day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Only this wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<Provider>,
}

/// The most days `ListReconciliations` reads at once.
pub const MAX_LIST_DAYS: i64 = 62;

/// Reply of `Reconcile` and `ListReconciliations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconReply {
    /// 0.
    pub result: i32,
    /// "".
    pub msg: String,
    /// The reports, newest day first.
    pub reports: Vec<Report>,
}

impl ListReconciliationsRequest {
    /// The days asked for, newest first; `-3` for a bad date or range.
    pub fn days(&self, now: i64) -> Result<Vec<BillDate>, crate::api::ApiError> {
        let bad =
            |e: crate::bills::BillError| crate::api::ApiError::new(crate::api::ResultCode::InvalidField, e.to_string());
        let today = crate::bills::parse_bill_date(&crate::time::beijing_datetime(now)[..10]).map_err(bad)?;
        let to = self.to.as_deref().map(crate::bills::parse_bill_date).transpose().map_err(bad)?.unwrap_or(today);
        let from = match self.from.as_deref() {
            Some(f) => crate::bills::parse_bill_date(f).map_err(bad)?,
            None => crate::bills::parse_bill_date(&crate::time::beijing_datetime(to.start() - 6 * 86_400)[..10])
                .map_err(bad)?,
        };
        let n = (to.start() - from.start()) / 86_400 + 1;
        if !(1..=MAX_LIST_DAYS).contains(&n) {
            return Err(crate::api::ApiError::new(
                crate::api::ResultCode::InvalidField,
                format!("from..to must be 1 to {MAX_LIST_DAYS} days, from not after to"),
            ));
        }
        (0..n)
            .map(|i| {
                crate::bills::parse_bill_date(&crate::time::beijing_datetime(to.start() - i * 86_400)[..10])
                    .map_err(bad)
            })
            .collect()
    }
}

/// How long after a failure a day is tried again.
pub const RETRY_SECS: i64 = 3600;

/// The daily run: 02:30 UTC (10:30 Beijing), for yesterday's bill (`30 2 * * *`).
pub const CRON_SECS_OF_DAY: i64 = 2 * 3600 + 30 * 60;

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconState {
    /// Fetching, comparing or following leads.
    Running,
    /// The bill was compared and every lead followed.
    Completed,
    /// The provider has no bill: there were no trades that day (every payment the worker
    /// recorded for it is a discrepancy).
    NoBill,
    /// The bill is not generated yet (or its download failed): tried again hourly.
    WaitingForBill,
    /// Given up: the next day's run came and the bill could not be had.
    Failed,
}

/// One finding as reported: the comparison's, and what the order's object did about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The comparison's finding.
    #[serde(flatten)]
    pub discrepancy: Discrepancy,
    /// What was done: the order's verified check and its outcome.
    pub action: String,
}

/// The kept report of one bill day and wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The bill day, `YYYY-MM-DD` (Beijing).
    pub date: String,
    /// `wechat` or `alipay`.
    pub wallet: Provider,
    /// Where it stands.
    pub state: ReconState,
    /// The bill's lines, counted and summed.
    pub bill: BillTotals,
    /// The worker's side of the day.
    pub recorded: BillTotals,
    /// Every finding with what was done about it.
    pub discrepancies: Vec<Finding>,
    /// Why the last attempt did not finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// When it changed (Unix seconds).
    pub updated_at: i64,
    /// When it is tried again (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// The raw bill kept for audit (its key in the bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_key: Option<String>,
}

impl Report {
    /// A report not yet run.
    pub fn new(date: BillDate, wallet: Provider, now: i64) -> Self {
        Self {
            date: date.iso(),
            wallet,
            state: ReconState::Running,
            bill: BillTotals::default(),
            recorded: BillTotals::default(),
            discrepancies: Vec::new(),
            error: None,
            attempts: 0,
            updated_at: now,
            next_attempt_at: None,
            bill_key: None,
        }
    }

    /// True when its next attempt is due at `now`.
    pub fn is_due(&self, now: i64) -> bool {
        self.next_attempt_at.is_some_and(|at| at <= now)
    }

    /// When its object must wake: its next attempt or its next event delivery.
    pub fn wake_at(&self, events: &[crate::webhook::EventRecord]) -> Option<i64> {
        events.iter().filter_map(crate::webhook::EventRecord::wake_at).chain(self.next_attempt_at).min()
    }

    /// True when nothing more will happen to it by itself.
    pub fn is_settled(&self) -> bool {
        matches!(self.state, ReconState::Completed | ReconState::NoBill | ReconState::Failed)
    }

    /// An attempt starts at `now`: `running`, with a watchdog (the next attempt, as after a
    /// failure) so a run that dies partway (a trap, the CPU limit, an early error) is run
    /// again by the day's own alarm instead of staying `running` for good.
    pub fn begin(&mut self, now: i64, date: BillDate, retry_secs: i64) {
        self.state = ReconState::Running;
        self.attempts += 1;
        self.updated_at = now;
        self.next_attempt_at = next_attempt(date, now, retry_secs);
    }

    /// The attempt got its answer (`completed` or `no_bill`): nothing more is due.
    pub fn finished(&mut self, now: i64) {
        self.error = None;
        self.updated_at = now;
        self.next_attempt_at = None;
    }

    /// After an attempt that could not get the bill: waiting (tried again within the
    /// day's window) or failed.
    pub fn not_had(&mut self, why: &str, now: i64, date: BillDate, retry_secs: i64) {
        self.error = Some(why.chars().take(300).collect());
        self.updated_at = now;
        match next_attempt(date, now, retry_secs) {
            Some(at) => {
                self.state = ReconState::WaitingForBill;
                self.next_attempt_at = Some(at);
            }
            None => {
                self.state = ReconState::Failed;
                self.next_attempt_at = None;
            }
        }
    }
}

/// The next day's run for `date`'s bill: two days after its start, at 10:30 Beijing.
pub fn deadline(date: BillDate) -> i64 {
    // The day starts at 00:00 Beijing = 16:00 UTC the day before.
    date.start() + 2 * 86_400 + 8 * 3600 + CRON_SECS_OF_DAY
}

/// When a day whose bill could not be had at `now` is tried again: `retry_secs` later
/// ([`RETRY_SECS`] unless the merchant set another), until the next day's run; `None`
/// after it.
pub fn next_attempt(date: BillDate, now: i64, retry_secs: i64) -> Option<i64> {
    let at = now + retry_secs.max(1);
    (at < deadline(date)).then_some(at)
}

/// The bill day the cron reconciles at `now`: yesterday, Beijing time.
pub fn yesterday(now: i64) -> BillDate {
    let today = crate::time::beijing_datetime(now)[..10].to_owned();
    let start = crate::bills::parse_bill_date(&today).map(BillDate::start).unwrap_or(now);
    crate::bills::parse_bill_date(&crate::time::beijing_datetime(start - 86_400)[..10])
        .unwrap_or_else(|_| crate::bills::parse_bill_date("1970-01-01").expect("a valid date"))
}

/// The Unix time of a provider's payment time as it sent it: v2 `yyyyMMddHHmmss`, Alipay
/// `yyyy-MM-dd HH:mm:ss`, v3 RFC 3339 in Beijing time (`…+08:00`), all Beijing time.
pub fn provider_time(text: &str) -> Option<i64> {
    let digits: String = text.chars().take(19).filter(char::is_ascii_digit).collect();
    crate::time::parse_beijing_compact(&digits).ok()
}

/// One index entry: an order's money movements of one wallet on one bill day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The wallet.
    pub wallet: Provider,
    /// The bill day.
    pub date: BillDate,
    /// What the worker recorded, for that day.
    pub recorded: Recorded,
}

/// The index entries of an order: for each wallet and bill day with a payment (by the
/// provider's payment time) or a refund (by when it was sent), what the worker recorded.
pub fn index_entries(order: &Order) -> Vec<IndexEntry> {
    let mut entries: Vec<IndexEntry> = Vec::new();
    let mut entry = |wallet: Provider, at: i64| -> Option<usize> {
        let day = crate::bills::parse_bill_date(&crate::time::beijing_datetime(at)[..10]).ok()?;
        if let Some(i) = entries.iter().position(|e| e.wallet == wallet && e.date == day) {
            return Some(i);
        }
        let trade_nos = order.sessions.iter().filter(|s| s.provider == wallet).map(|s| s.trade_no.clone());
        let mut trade_nos: Vec<String> = trade_nos.collect();
        if !trade_nos.iter().any(|t| t == order.order_no.as_str()) {
            trade_nos.insert(0, order.order_no.as_str().to_owned());
        }
        let recorded =
            Recorded { order_no: order.order_no.as_str().to_owned(), trade_nos, payments: vec![], refunds: vec![] };
        entries.push(IndexEntry { wallet, date: day, recorded });
        Some(entries.len() - 1)
    };
    let payments = order.payment.iter().chain(order.extra_payments.iter());
    let mut placed: Vec<(usize, RecordedPayment)> = Vec::new();
    for p in payments {
        let paid_at = p.paid_at.as_deref().and_then(provider_time).unwrap_or(p.recorded_at);
        if let Some(i) = entry(p.provider, paid_at) {
            let trade_no = if p.trade_no.is_empty() { order.order_no.as_str().to_owned() } else { p.trade_no.clone() };
            placed.push((
                i,
                RecordedPayment { transaction_id: p.transaction_id.clone(), trade_no, amount: p.amount, paid_at },
            ));
        }
    }
    let mut refunds: Vec<(usize, RecordedRefund)> = Vec::new();
    for r in &order.refunds {
        if let Some(i) = entry(r.provider, r.requested_at) {
            let succeeded = matches!(r.status, RefundStatus::Succeeded);
            refunds.push((
                i,
                RecordedRefund { provider_refund_no: r.provider_refund_no.clone(), amount: r.amount, succeeded },
            ));
        }
    }
    for (i, p) in placed {
        entries[i].recorded.payments.push(p);
    }
    for (i, r) in refunds {
        entries[i].recorded.refunds.push(r);
    }
    entries
}

/// The key of an index entry in the listing store: `recon:<wallet>:<YYYY-MM-DD>:<order_no>`.
pub fn index_key(wallet: Provider, date: BillDate, order_no: &str) -> String {
    format!("{}{order_no}", index_prefix(wallet, date))
}

/// The prefix that lists one day's index of a wallet.
pub fn index_prefix(wallet: Provider, date: BillDate) -> String {
    format!("recon:{}:{}:", wallet.as_str(), date.iso())
}

/// The order a bill line names: WeChat's `attach` when it carries one (phone sessions'
/// trades have numbers of their own), else the trade number itself.
pub fn order_of_line(trade_no: &str, attach: Option<&str>) -> Option<crate::OrderNo> {
    attach.and_then(|a| crate::OrderNo::parse(a).ok()).or_else(|| crate::OrderNo::parse(trade_no).ok())
}

#[cfg(test)]
#[path = "recon_tests.rs"]
mod tests;
