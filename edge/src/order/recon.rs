//! Reconciliation inside the order's object: what it recorded for a bill day
//! (`POST /recon/record`), and a bill's finding followed up (`POST /recon/lead`): a bill
//! line is a lead, never evidence, so the object asks the provider (verified) about the
//! trade or its refunds, records what that proves like any check, and tells the merchant
//! once per finding (`reconciliation.discrepancy` in the order's own event log).

use paycore::bills::compare::{Discrepancy, DiscrepancyKind, Recorded};
use paycore::bills::{BillDate, parse_bill_date};
use paycore::ops::{Check, QueriesRefunds};
use paycore::order::{Order, Provider};
use paycore::recon::Finding;
use paycore::schedule::Checks;
use paycore::webhook::EventType;
use serde::Deserialize;

use super::OrderObject;
use super::drive::{drive, queries_refunds};
use crate::platform::Error;
use crate::platform::config::Config;

/// What a lead or a record request names.
#[derive(Deserialize)]
pub struct Ask {
    /// The wallet.
    pub wallet: Provider,
    /// The bill day, `YYYY-MM-DD` (a record request without one: every day).
    #[serde(default)]
    pub date: String,
    /// The finding to follow up (a lead).
    #[serde(default)]
    pub finding: Option<Discrepancy>,
}

fn day(ask: &Ask) -> Result<BillDate, Error> {
    parse_bill_date(&ask.date)
        .map_err(|e| paycore::api::ApiError::new(paycore::api::ResultCode::InvalidField, e.to_string()).into())
}

/// What the order recorded for the wallet on the bill day, or on every day (`None`:
/// nothing).
pub fn record(order: &Order, wallet: Provider, date: Option<BillDate>) -> Option<Recorded> {
    let mut entries = paycore::recon::index_entries(order)
        .into_iter()
        .filter(|e| e.wallet == wallet && date.is_none_or(|d| e.date == d));
    let Some(first) = entries.next() else {
        // No money movements: the order and its trades, for a bill line naming them.
        let mut trade_nos: Vec<String> = vec![order.order_no.as_str().to_owned()];
        trade_nos.extend(order.sessions.iter().filter(|s| s.provider == wallet).map(|s| s.trade_no.clone()));
        trade_nos.dedup();
        let order_no = order.order_no.as_str().to_owned();
        return date.is_none().then_some(Recorded { order_no, trade_nos, payments: vec![], refunds: vec![] });
    };
    let mut whole = first.recorded;
    for e in entries {
        whole.payments.extend(e.recorded.payments);
        whole.refunds.extend(e.recorded.refunds);
    }
    Some(whole)
}

/// `/recon/record`.
pub fn recorded(obj: &OrderObject, ask: &Ask) -> Result<Option<Recorded>, Error> {
    let date = if ask.date.is_empty() { None } else { Some(day(ask)?) };
    Ok(obj.store()?.load()?.and_then(|order| record(&order, ask.wallet, date)))
}

/// `/recon/lead`: asks the provider about the finding, records what it proves, tells the
/// merchant once; what was done.
pub async fn lead(obj: &OrderObject, config: &Config, ask: &Ask, now: i64) -> Result<String, Error> {
    let finding = ask.finding.as_ref().ok_or_else(|| Error::internal("a lead without a finding"))?;
    let store = obj.store()?;
    let before = store.load_existing()?;
    let action = match finding.kind {
        DiscrepancyKind::UnknownRefund => {
            let queries: QueriesRefunds<'_> = &queries_refunds(config);
            let checks = Checks { refunds: true, ..Checks::default() };
            let after = drive(obj, config, &mut Check::new(&before, checks, queries, now), now).await?.order;
            let known = |o: &Order| o.refunds.iter().any(|r| Some(&r.provider_refund_no) == finding.refund_no.as_ref());
            if known(&after) {
                "the refund is this order's: the provider was asked and its state recorded".to_owned()
            } else {
                "no refund of this worker has this number: it was made outside it (see the provider's portal)"
                    .to_owned()
            }
        }
        _ if !before.has_trade(ask.wallet, &finding.trade_no) => {
            "the order never started this trade: not recorded (see the provider's portal)".to_owned()
        }
        _ => {
            let applied = drive(obj, config, &mut Check::trade(ask.wallet, &finding.trade_no), now).await?;
            trade_action(&before, &applied.order, finding)
        }
    };
    let key = finding.key(ask.wallet, &ask.date);
    let data = serde_json::json!({"order": store.load_existing()?, "discrepancy": finding, "action": action, "date": ask.date, "wallet": ask.wallet});
    store.record_once(&key, &EventType::ReconciliationDiscrepancy, data, now)?;
    Ok(action)
}

/// `/recon/check` (Alipay MAPI, which has no bill here): every trade of the order asked
/// about, closed ones too (a late payment to a stale cashier); a payment that proves is a
/// finding, told once.
pub async fn check(obj: &OrderObject, config: &Config, ask: &Ask, now: i64) -> Result<Option<Finding>, Error> {
    let store = obj.store()?;
    let Some(before) = store.load()? else { return Ok(None) };
    let trades: Vec<String> =
        before.trades(false).into_iter().filter(|t| t.provider == ask.wallet).map(|t| t.trade_no).collect();
    for trade_no in &trades {
        drive(obj, config, &mut Check::trade(ask.wallet, trade_no), now).await?;
    }
    let after = store.load_existing()?;
    let known = |tx: &str| before.payment.iter().chain(before.extra_payments.iter()).any(|p| p.transaction_id == tx);
    let Some(new) = after
        .payment
        .iter()
        .chain(after.extra_payments.iter())
        .find(|p| p.provider == ask.wallet && !known(&p.transaction_id))
    else {
        return Ok(None);
    };
    let discrepancy = Discrepancy {
        kind: DiscrepancyKind::MissingPayment,
        trade_no: if new.trade_no.is_empty() { after.order_no.as_str().to_owned() } else { new.trade_no.clone() },
        transaction_id: Some(new.transaction_id.clone()),
        refund_no: None,
        order_no: Some(after.order_no.as_str().to_owned()),
        bill_amount: None,
        recorded_amount: Some(new.amount),
    };
    let action = "payment recorded: found by single_trade_query (MAPI has no bill here)".to_owned();
    let key = format!("{}:{}:check:{}", ask.wallet.as_str(), ask.date, new.transaction_id);
    let data = serde_json::json!({"order": after, "discrepancy": discrepancy, "action": action, "date": ask.date, "wallet": ask.wallet});
    store.record_once(&key, &EventType::ReconciliationDiscrepancy, data, now)?;
    Ok(Some(Finding { discrepancy, action }))
}

/// What a verified trade query made of a payment finding.
fn trade_action(before: &Order, after: &Order, finding: &Discrepancy) -> String {
    let holds = |o: &Order| {
        o.payment
            .iter()
            .chain(o.extra_payments.iter())
            .any(|p| Some(&p.transaction_id) == finding.transaction_id.as_ref())
    };
    match finding.kind {
        DiscrepancyKind::MissingPayment if holds(after) && !holds(before) => {
            "payment recorded: the provider's verified query proved it".to_owned()
        }
        DiscrepancyKind::MissingPayment if holds(after) => "the order holds this payment".to_owned(),
        DiscrepancyKind::MissingPayment => {
            "the provider's verified query proved no payment: see the provider's portal".to_owned()
        }
        DiscrepancyKind::AmountDiffers => {
            "the provider was asked; the order keeps the amount its verified messages stated: look at it".to_owned()
        }
        _ if holds(after) => {
            "the provider was asked: the payment stands; the bill may list it on another day".to_owned()
        }
        _ => "the provider was asked: look at this payment".to_owned(),
    }
}
