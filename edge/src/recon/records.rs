//! The worker's side of a bill day: the reconciliation index the order objects keep in KV
//! (`paycore::recon::index_prefix`), read with `list` calls, and for the bill's lines whose
//! order the index does not hold for that day, the order's own object.

use std::collections::HashSet;

use paycore::bills::compare::Recorded;
use paycore::bills::{BillDate, BillLine};
use paycore::order::Provider;

use crate::platform::config::Config;
use crate::platform::{Error, forward};

/// Orders asked one by one at most (a bill naming more of them than the day's index is
/// reported with what was read).
const MAX_ASKED: usize = 5000;

/// Every order the index holds for `wallet` on `date`.
pub async fn day(config: &Config, wallet: Provider, date: BillDate) -> Result<Vec<Recorded>, Error> {
    let kv = config.env().kv("ORDERS").map_err(Error::storage)?;
    let prefix = paycore::recon::index_prefix(wallet, date);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut call = kv.list().prefix(prefix.clone()).limit(1000);
        if let Some(c) = cursor.take() {
            call = call.cursor(c);
        }
        let page = call.execute().await.map_err(Error::storage)?;
        for key in page.keys {
            match key.metadata.and_then(|m| serde_json::from_value::<Recorded>(m).ok()) {
                Some(r) => out.push(r),
                // Too large for metadata: the value holds it.
                None => {
                    let value = kv.get(&key.name).text().await.map_err(Error::storage)?;
                    if let Some(r) = value.and_then(|v| serde_json::from_str(&v).ok()) {
                        out.push(r);
                    }
                }
            }
        }
        if page.list_complete || page.cursor.is_none() {
            return Ok(out);
        }
        cursor = page.cursor;
    }
}

/// The records of the orders the bill names that `known` does not hold, from their objects.
pub async fn named(
    config: &Config,
    wallet: Provider,
    date: BillDate,
    lines: &[BillLine],
    known: &[Recorded],
) -> Result<Vec<Recorded>, Error> {
    let held: HashSet<&str> = known.iter().map(|r| r.order_no.as_str()).collect();
    let mut asked = HashSet::new();
    let mut out = Vec::new();
    for line in lines {
        let Some(order_no) = paycore::recon::order_of_line(&line.trade_no, line.attach.as_deref()) else { continue };
        if held.contains(order_no.as_str()) || !asked.insert(order_no.as_str().to_owned()) || asked.len() > MAX_ASKED {
            continue;
        }
        if let Some(r) = whole_record(config, &order_no, wallet).await? {
            out.push(r);
        }
    }
    let _ = date;
    Ok(out)
}

/// An order's record of `wallet`, every day of it (a bill line may be for a payment the
/// index files under a neighbouring day: matching is by transaction and refund number).
pub async fn whole_record(
    config: &Config,
    order_no: &paycore::OrderNo,
    wallet: Provider,
) -> Result<Option<Recorded>, Error> {
    let body = serde_json::json!({"wallet": wallet});
    let (_, text) = forward::to_order(config, order_no, "/recon/record", &serde_json::to_vec(&body)?).await?;
    let answer: serde_json::Value = serde_json::from_str(&text)?;
    Ok(answer.get("recorded").and_then(|r| serde_json::from_value(r.clone()).ok()))
}
