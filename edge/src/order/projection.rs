//! The listing projection in KV: `order:<order_no>` → the order's merchant view (JSON),
//! with an [`OrderSummary`] as the key's metadata so that `ListOrders` reads one `list`
//! call and no values. Only the order's object writes it, after each change; nothing
//! decides on it (KV is eventually consistent between locations, ~60 s).
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

#[derive(Default)]
struct Pending {
    latest: RefCell<Option<(String, String, OrderSummary)>>,
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
        *self.pending.latest.borrow_mut() = Some((key, value, OrderSummary::of(order, now)));
        if self.pending.running.replace(true) {
            return;
        }
        let pending = Rc::clone(&self.pending);
        let storage = state.storage();
        state.wait_until(async move {
            loop {
                let next = pending.latest.borrow_mut().take();
                let Some((key, value, summary)) = next else { break };
                match put(&kv, &key, value, &summary).await {
                    Ok(()) => pending.failed_at.set(None),
                    Err(e) => {
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

async fn put(kv: &KvStore, key: &str, value: String, summary: &OrderSummary) -> Result<(), String> {
    kv.put(key, value)
        .and_then(|b| b.metadata(summary))
        .map_err(|e| e.to_string())?
        .execute()
        .await
        .map_err(|e| e.to_string())
}

/// `ListOrders`: one page of the projection's keys, read from their metadata and
/// filtered by state. Keys whose metadata is not a summary (never written by an object)
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
        .filter(|s| req.state.is_none_or(|st| st.code() == s.pay_state))
        .collect();
    let cursor = if page.list_complete { None } else { page.cursor };
    Ok(ListOrdersReply { result: 0, msg: String::new(), orders, cursor })
}
