//! Daily reconciliation against the providers' own bills: `Reconcile` and
//! `ListReconciliations` (merchant commands the worker answers itself), the cron, and one
//! Durable Object per bill day and wallet ([`ReconObject`]) that runs the day, keeps its
//! report, retries while the bill is not to be had, and tells the merchant.

mod fetch;
mod object;
mod records;
mod run;
mod unpack;

pub use object::ReconObject;

use paycore::api::{ApiError, ResultCode};
use paycore::bills::{BillDate, parse_bill_date};
use paycore::order::Provider;
use paycore::recon::{ListReconciliationsRequest, ReconReply, ReconcileRequest, Report};
use worker::Stub;

use crate::platform::config::Config;
use crate::platform::{Error, forward::post_stub};
use crate::providers::Wallet;

fn stub(config: &Config, wallet: Provider, date: BillDate) -> Result<Stub, Error> {
    let namespace = config.env().durable_object("RECONCILIATION").map_err(Error::storage)?;
    let name = format!("{}:{}", wallet.as_str(), date.iso());
    namespace.id_from_name(&name).and_then(|id| id.get_stub()).map_err(Error::storage)
}

async fn ask(config: &Config, wallet: Provider, date: BillDate, path: &str) -> Result<Option<Report>, Error> {
    let body = serde_json::json!({"date": date.iso(), "wallet": wallet});
    let (_, text) = post_stub(&stub(config, wallet, date)?, path, &serde_json::to_vec(&body)?).await?;
    let answer: serde_json::Value = serde_json::from_str(&text)?;
    if answer["result"].as_i64() != Some(0) {
        let code = answer["result"].as_i64().and_then(|c| i32::try_from(c).ok()).and_then(ResultCode::from_code);
        return Err(
            ApiError::new(code.unwrap_or(ResultCode::Internal), answer["msg"].as_str().unwrap_or_default()).into()
        );
    }
    Ok(serde_json::from_value(answer["report"].clone()).ok())
}

/// The wallets a command names, or every one this worker is set up for.
fn wallets(config: &Config, only: Option<Provider>) -> Vec<Provider> {
    only.map_or_else(|| Provider::ALL.into_iter().filter(|p| Wallet::of(config, *p).is_ok()).collect(), |p| vec![p])
}

/// A bill's bytes read as a reconciliation reads them: unpacked, decoded and parsed (the
/// `/test/bill` hook, which the benchmark times under workerd).
pub async fn read_bill(
    wallet: Provider,
    bytes: &[u8],
    packing: paycore::provider::Packing,
) -> Result<(usize, paycore::bills::BillTotals), String> {
    let lines = unpack::bill_lines(wallet, bytes, packing, None).await?;
    Ok((lines.len(), paycore::bills::BillTotals::of(&lines)))
}

/// `Reconcile`: runs the day for each wallet now; the reports as they stand.
pub async fn reconcile(config: &Config, req: &ReconcileRequest, now: i64) -> Result<ReconReply, Error> {
    let date = parse_bill_date(&req.date).map_err(|e| ApiError::new(ResultCode::InvalidField, e.to_string()))?;
    if date.start() > now {
        return Err(ApiError::new(ResultCode::InvalidField, "the bill day has not begun").into());
    }
    if let Some(wallet) = req.wallet {
        Wallet::of(config, wallet)?;
    }
    let mut reports = Vec::new();
    for wallet in wallets(config, req.wallet) {
        reports.extend(ask(config, wallet, date, "/run").await?);
    }
    Ok(ReconReply { result: 0, msg: String::new(), reports })
}

/// `ListReconciliations`: the kept reports of the days asked, newest first.
pub async fn list(config: &Config, req: &ListReconciliationsRequest, now: i64) -> Result<ReconReply, Error> {
    let mut reports = Vec::new();
    for date in req.days(now)? {
        for wallet in wallets(config, req.wallet) {
            reports.extend(ask(config, wallet, date, "/report").await?);
        }
    }
    Ok(ReconReply { result: 0, msg: String::new(), reports })
}

/// The cron (`30 2 * * *`, 10:30 Beijing): yesterday, for every wallet.
pub async fn scheduled(config: &Config, now: i64) {
    let date = paycore::recon::yesterday(now);
    for wallet in wallets(config, None) {
        if let Err(e) = ask(config, wallet, date, "/run").await {
            worker::console_log!(
                "{}",
                serde_json::json!({"log": "reconciliation_failed", "date": date.iso(), "wallet": wallet, "error": e.api().msg})
            );
        }
    }
}
