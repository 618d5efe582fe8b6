//! One run of a bill day: get the bill (or, for Alipay MAPI, which has no bill API here,
//! check the day's orders one by one), keep the raw file, read it, gather the worker's
//! side, compare, and hand each finding to its order's object as a lead. The rules are
//! `paycore::bills` and `paycore::recon`'s; this does the I/O.

use paycore::bills::compare::{Discrepancy, compare};
use paycore::bills::{BillDate, BillTotals};
use paycore::order::Provider;
use paycore::recon::{Finding, ReconState, Report};
use paycore::webhook::{self, DeliveryState, EventRecord, EventType};
use worker::console_log;

use super::fetch::{self, Got, Miss};
use super::object::ReconObject;
use super::records;
use crate::order::now;
use crate::platform::config::Config;
use crate::platform::{Error, forward};
use crate::providers::{Api, Wallet};

/// Runs the day; the report as it then stands.
pub async fn run(obj: &ReconObject, config: &Config, date: BillDate, wallet: Provider) -> Result<Report, Error> {
    let started = now();
    let before = obj.report()?;
    let was_settled = before.as_ref().is_some_and(Report::is_settled);
    let mut report = before.unwrap_or_else(|| Report::new(date, wallet, started));
    report.begin(started, date, config.recon_retry_secs());
    obj.save(&report).await?;
    Wallet::of(config, wallet)?;
    let outcome = if Api::configured(config, wallet)? == Api::AlipayMapi {
        one_by_one(config, date, &mut report).await
    } else {
        by_bill(config, date, wallet, &mut report).await
    };
    match outcome {
        Ok(()) => {
            report.finished(now());
            for finding in report.discrepancies.iter().filter(|f| f.discrepancy.order_no.is_none()) {
                obj.queue(&orphan_event(&report, finding))?;
            }
            if !was_settled {
                obj.queue(&completed_event(&report))?;
            }
        }
        Err(Miss::NotReady(why)) => {
            report.not_had(&format!("the bill is not ready: {why}"), now(), date, config.recon_retry_secs())
        }
        Err(Miss::Failed(why)) => report.not_had(&why, now(), date, config.recon_retry_secs()),
    }
    console_log!(
        "{}",
        serde_json::json!({"log": "reconciliation", "date": report.date, "wallet": wallet, "state": report.state, "findings": report.discrepancies.len()})
    );
    obj.save(&report).await?;
    obj.deliver(config).await?;
    Ok(report)
}

/// Against the provider's bill.
async fn by_bill(config: &Config, date: BillDate, wallet: Provider, report: &mut Report) -> Result<(), Miss> {
    let failed = |e: Error| Miss::Failed(e.api().msg);
    let (lines, no_bill) = match fetch::bill(config, wallet, date, now()).await? {
        Got::NoBill => (Vec::new(), true),
        Got::Bill { lines, raw, ext } => {
            report.bill_key = keep(config, wallet, date, &raw, ext).await;
            (lines, false)
        }
    };
    let mut recorded = records::day(config, wallet, date).await.map_err(failed)?;
    let named = records::named(config, wallet, date, &lines, &recorded).await.map_err(failed)?;
    recorded.extend(named);
    let comparison = compare(date, &lines, &recorded);
    report.bill = comparison.bill;
    report.recorded = comparison.recorded;
    report.discrepancies = follow(config, date, wallet, comparison.discrepancies).await.map_err(failed)?;
    report.state = if no_bill { ReconState::NoBill } else { ReconState::Completed };
    Ok(())
}

/// The `reconciliation.discrepancy` event of a finding about no order of this worker (the
/// day's own log; one id per finding, so it is told once).
fn orphan_event(report: &Report, finding: &Finding) -> EventRecord {
    let d = &finding.discrepancy;
    let id = format!("evt_reconciliation:{}", d.key(report.wallet, &report.date));
    let data =
        serde_json::json!({"date": report.date, "wallet": report.wallet, "discrepancy": d, "action": finding.action});
    event(id, EventType::ReconciliationDiscrepancy, report.updated_at, data)
}

fn event(id: String, kind: EventType, created_at: i64, data: serde_json::Value) -> EventRecord {
    let body = webhook::body_with(&id, &kind, created_at, None, data);
    EventRecord {
        id,
        kind: kind.as_str().to_owned(),
        created_at,
        state: DeliveryState::Pending,
        next_attempt_at: Some(created_at),
        attempts: Vec::new(),
        body,
    }
}

/// Alipay MAPI: no bill API here. Every order of the day's index and every order created
/// that day is checked with `single_trade_query` by its object; payments it proves are
/// reported as found.
async fn one_by_one(config: &Config, date: BillDate, report: &mut Report) -> Result<(), Miss> {
    let failed = |e: Error| Miss::Failed(e.api().msg);
    let recorded = records::day(config, Provider::Alipay, date).await.map_err(failed)?;
    let mut orders: Vec<String> = recorded.iter().map(|r| r.order_no.clone()).collect();
    orders.extend(crate::order::created_on(config, date).await.map_err(failed)?);
    orders.sort();
    orders.dedup();
    let mut findings = Vec::new();
    for order_no in orders {
        let Ok(no) = paycore::OrderNo::parse(&order_no) else { continue };
        let body = serde_json::json!({"wallet": Provider::Alipay, "date": date.iso()});
        let (_, text) = forward::to_order(config, &no, "/recon/check", &serde_json::to_vec(&body).unwrap_or_default())
            .await
            .map_err(failed)?;
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if let Ok(found) = serde_json::from_value::<Finding>(answer["found"].clone()) {
            findings.push(found);
        }
    }
    let recorded = records::day(config, Provider::Alipay, date).await.map_err(failed)?;
    report.recorded = compare(date, &[], &recorded).recorded;
    report.bill = BillTotals::default();
    report.discrepancies = findings;
    report.state = ReconState::Completed;
    Ok(())
}

/// Keeps the raw bill in the `BILLS` bucket (when bound); its key.
async fn keep(config: &Config, wallet: Provider, date: BillDate, raw: &[u8], ext: &str) -> Option<String> {
    let bucket = config.env().bucket("BILLS").ok()?;
    let key = format!("bills/{}/{}/{}.{ext}", wallet.as_str(), date.iso(), now());
    match bucket.put(&key, raw.to_vec()).execute().await {
        Ok(_) => Some(key),
        Err(e) => {
            console_log!("{}", serde_json::json!({"log": "bill_not_kept", "key": key, "error": e.to_string()}));
            None
        }
    }
}

/// Each finding to its order's object (which asks the provider and records what that
/// proves); findings about no order of this worker are reported as they are.
async fn follow(
    config: &Config,
    date: BillDate,
    wallet: Provider,
    found: Vec<Discrepancy>,
) -> Result<Vec<Finding>, Error> {
    let mut out = Vec::with_capacity(found.len());
    for discrepancy in found {
        let order = discrepancy.order_no.as_deref().and_then(|o| paycore::OrderNo::parse(o).ok());
        let action = match order {
            Some(order_no) => {
                let body = serde_json::json!({"wallet": wallet, "date": date.iso(), "finding": discrepancy});
                let (_, text) =
                    forward::to_order(config, &order_no, "/recon/lead", &serde_json::to_vec(&body)?).await?;
                let answer: serde_json::Value = serde_json::from_str(&text)?;
                answer["action"]
                    .as_str()
                    .map_or_else(|| format!("the order could not be asked: {}", answer["msg"]), str::to_owned)
            }
            None => "no order of this worker has this trade: see the provider's portal".to_owned(),
        };
        out.push(Finding { discrepancy, action });
    }
    Ok(out)
}

/// The day's `reconciliation.completed` event (told once, when the day first settles).
fn completed_event(report: &Report) -> EventRecord {
    let id = format!("evt_reconciliation:{}:{}", report.wallet.as_str(), report.date);
    let data = serde_json::to_value(report).unwrap_or_default();
    event(id, EventType::ReconciliationCompleted, report.updated_at, data)
}
