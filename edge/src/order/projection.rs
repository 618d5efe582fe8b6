//! The listing projection in KV: `order:<order_no>` → the order's merchant view (JSON),
//! with an [`OrderSummary`] as the key's metadata so that `ListOrders` reads one `list`
//! call and no values. Only the order's object writes it, after each change; nothing
//! decides on it (KV is eventually consistent between locations, ~60 s).
//!
//! Beside it, the reconciliation index: `recon:<wallet>:<day>:<order_no>` → what the order
//! recorded for that wallet on that bill day (`paycore::recon::index_entries`), as the
//! key's metadata too when it fits, so a day is read with `list` calls.
//!
//! Writes run after the reply (`waitUntil`), one at a time per object, always of the
//! latest order: a slow put never lets an older state land after a newer one. A failed
//! write is remembered, and the object's schedule wakes it to write again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use paycore::api::{ListOrdersReply, ListOrdersRequest, OrderSummary, OrderView};
use paycore::order::Order;
use paycore::schedule::PROJECTION_RETRY_SECS;
use worker::kv::KvStore;
use worker::{State, console_log};

use crate::platform::Error;
use crate::platform::config::Config;

const PREFIX: &str = "order:";

/// One KV write: key, value, metadata.
type Write = (String, String, serde_json::Value);

/// KV keeps at most 1024 bytes of metadata per key.
const METADATA_MAX: usize = 1000;

#[derive(Default)]
struct Pending {
    latest: RefCell<Option<Vec<Write>>>,
    running: Cell<bool>,
    failed_at: Cell<Option<i64>>,
}

/// The object's projection writer.
#[derive(Default)]
pub struct Projection {
    pending: Rc<Pending>,
}

impl Projection {
    /// When the last write failed (`None` once one succeeded).
    pub fn failed_at(&self) -> Option<i64> {
        self.pending.failed_at.get()
    }

    /// Queues the projection of `order` and starts the writer if it is idle.
    pub fn refresh(&self, state: &State, config: &Config, order: &Order, now: i64) {
        let Ok(kv) = config.env().kv("ORDERS") else {
            return console_log!("{}", serde_json::json!({"log": "projection_failed", "error": "no ORDERS binding"}));
        };
        let Ok(value) = serde_json::to_string(&OrderView::from(order)) else { return };
        let key = format!("{PREFIX}{}", order.order_no);
        let summary = serde_json::to_value(OrderSummary::of(order, now)).unwrap_or_default();
        let mut writes = vec![(key, value, summary)];
        for e in paycore::recon::index_entries(order) {
            let key = paycore::recon::index_key(e.wallet, e.date, order.order_no.as_str());
            let value = serde_json::to_string(&e.recorded).unwrap_or_default();
            let metadata = if value.len() <= METADATA_MAX {
                serde_json::to_value(&e.recorded).unwrap_or_default()
            } else {
                serde_json::json!({"big": true})
            };
            writes.push((key, value, metadata));
        }
        *self.pending.latest.borrow_mut() = Some(writes);
        if self.pending.running.replace(true) {
            return;
        }
        let pending = Rc::clone(&self.pending);
        let storage = state.storage();
        state.wait_until(async move {
            loop {
                let next = pending.latest.borrow_mut().take();
                let Some(writes) = next else { break };
                let mut failed = None;
                for (key, value, metadata) in writes {
                    if let Err(e) = put(&kv, &key, value, &metadata).await {
                        failed = Some((key, e));
                        break;
                    }
                }
                match failed.map_or(Ok(()), Err) {
                    Ok(()) => pending.failed_at.set(None),
                    Err((key, e)) => {
                        console_log!("{}", serde_json::json!({"log": "projection_failed", "key": key, "error": e}));
                        pending.failed_at.set(Some(now));
                        // Wake to write again, unless the object wakes sooner anyway.
                        let retry_ms = PROJECTION_RETRY_SECS * 1000;
                        let at = worker::Date::now().as_millis() as i64 + retry_ms;
                        let sooner = storage.get_alarm().await.ok().flatten().is_some_and(|a| a <= at);
                        if !sooner {
                            let _ = storage.set_alarm(retry_ms).await;
                        }
                    }
                }
            }
            pending.running.set(false);
        });
    }
}

async fn put(kv: &KvStore, key: &str, value: String, metadata: &serde_json::Value) -> Result<(), String> {
    kv.put(key, value)
        .and_then(|b| b.metadata(metadata))
        .map_err(|e| e.to_string())?
        .execute()
        .await
        .map_err(|e| e.to_string())
}

/// `ListOrders`: one page of the projection's keys, read from their metadata and
/// filtered (state, needs attention, creation time). Keys whose metadata is not a summary (never written by an object)
/// are skipped.
pub async fn list(config: &Config, req: &ListOrdersRequest) -> Result<ListOrdersReply, Error> {
    let kv = config.env().kv("ORDERS").map_err(Error::storage)?;
    let mut call = kv.list().prefix(PREFIX.to_owned()).limit(u64::from(req.limit()));
    if let Some(cursor) = &req.cursor {
        call = call.cursor(cursor.clone());
    }
    let page = call.execute().await.map_err(Error::storage)?;
    let orders = page
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<OrderSummary>(k.metadata?).ok())
        .filter(|s| s.matches(req))
        .collect();
    let cursor = if page.list_complete { None } else { page.cursor };
    Ok(ListOrdersReply { result: 0, msg: String::new(), orders, cursor })
}

/// The orders created on a bill day, from the projection's metadata (every key is read:
/// Alipay MAPI's reconciliation, which has no bill to name them).
pub async fn created_on(config: &Config, date: paycore::bills::BillDate) -> Result<Vec<String>, Error> {
    let kv = config.env().kv("ORDERS").map_err(Error::storage)?;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut call = kv.list().prefix(PREFIX.to_owned()).limit(1000);
        if let Some(c) = cursor.take() {
            call = call.cursor(c);
        }
        let page = call.execute().await.map_err(Error::storage)?;
        for key in page.keys {
            let summary = key.metadata.and_then(|m| serde_json::from_value::<OrderSummary>(m).ok());
            if let Some(s) = summary.filter(|s| date.contains(s.created_at)) {
                out.push(s.order_no);
            }
        }
        if page.list_complete || page.cursor.is_none() {
            return Ok(out);
        }
        cursor = page.cursor;
    }
}
