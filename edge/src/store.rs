//! Orders in KV (`order:<order_no>` → JSON [`Order`]) and the one place they change.
//!
//! Every change is a read-modify-write under a per-order lock held inside this isolate,
//! so concurrent notifies for one order apply their transition once. Across isolates and
//! locations KV has no transactions; correctness there rests on the state machine being
//! forward-only and idempotent (see the README's design note).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use paycore::OrderNo;
use paycore::api::ApiError;
use paycore::order::{Event, Order, Outcome, Refusal};
use worker::kv::KvStore;
use worker::{Delay, console_log};

use crate::config::Config;
use crate::errors;

/// A lock older than this is taken over: its request was cancelled before releasing it.
const STALE_LOCK_MS: u64 = 5_000;

thread_local! {
    /// Orders being changed by a request of this isolate, with when the lock was taken.
    static HELD: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
}

struct LockGuard(String);

impl Drop for LockGuard {
    fn drop(&mut self) {
        HELD.with(|h| h.borrow_mut().remove(&self.0));
    }
}

/// Runs `f` while holding this isolate's lock for `key`. Waiters poll on their own timer:
/// workerd cancels a request whose promise is resolved from another request's context,
/// so a lock that wakes waiters directly would hang them.
async fn with_lock<T>(key: &str, f: impl AsyncFnOnce() -> T) -> T {
    let mut backoff_ms = 1;
    loop {
        let now = worker::Date::now().as_millis();
        let acquired = HELD.with(|h| {
            let mut h = h.borrow_mut();
            match h.get(key) {
                Some(&since) if now.saturating_sub(since) < STALE_LOCK_MS => false,
                _ => {
                    h.insert(key.to_owned(), now);
                    true
                }
            }
        });
        if acquired {
            break;
        }
        Delay::from(Duration::from_millis(backoff_ms)).await;
        backoff_ms = (backoff_ms * 2).min(32);
    }
    let _guard = LockGuard(key.to_owned());
    f().await
}

fn order_key(order_no: &OrderNo) -> String {
    format!("order:{order_no}")
}

/// The orders namespace.
pub fn kv(config: &Config) -> Result<KvStore, ApiError> {
    config.env().kv("ORDERS").map_err(errors::storage)
}

/// Reads an order.
pub async fn load(kv: &KvStore, order_no: &OrderNo) -> Result<Option<Order>, ApiError> {
    kv.get(&order_key(order_no)).json::<Order>().await.map_err(errors::storage)
}

/// Reads an order that must exist (`-10` otherwise).
pub async fn load_existing(kv: &KvStore, order_no: &OrderNo) -> Result<Order, ApiError> {
    load(kv, order_no).await?.ok_or_else(errors::order_not_found)
}

async fn save(kv: &KvStore, order: &Order) -> Result<(), ApiError> {
    let json = serde_json::to_string(order).map_err(errors::storage)?;
    kv.put(&order_key(&order.order_no), json).map_err(errors::storage)?.execute().await.map_err(errors::storage)
}

/// Stores a new order unless one exists; returns the stored order and whether it is new.
pub async fn create(kv: &KvStore, order: Order) -> Result<(Order, bool), ApiError> {
    let key = order_key(&order.order_no);
    with_lock(&key, async || match load(kv, &order.order_no).await? {
        Some(existing) => Ok((existing, false)),
        None => {
            save(kv, &order).await?;
            Ok((order, true))
        }
    })
    .await
}

/// Re-reads the order under its lock, lets `edit` change it, and stores it if it did.
pub async fn update(
    kv: &KvStore,
    order_no: &OrderNo,
    edit: impl FnOnce(&mut Order) -> bool,
) -> Result<Order, ApiError> {
    let key = order_key(order_no);
    with_lock(&key, async || {
        let mut order = load_existing(kv, order_no).await?;
        if edit(&mut order) {
            save(kv, &order).await?;
        }
        Ok(order)
    })
    .await
}

/// Applies provider or merchant events to an order once, under its lock, and logs each
/// state transition. With `checked`, also records that the providers were asked now.
/// Returns the stored order.
pub async fn apply(
    kv: &KvStore,
    order_no: &OrderNo,
    events: Vec<Event>,
    now: i64,
    checked: bool,
) -> Result<Order, ApiError> {
    apply_to(kv, order_no, None, events, now, checked).await
}

/// [`apply`], given the order as the caller just read it. When every event is a payment,
/// close or refund confirmation that changes nothing on that copy (a duplicate notify),
/// it changes nothing on any later state either: those transitions are forward-only and
/// keep their evidence. Then the lock, the second read and the write are skipped.
pub async fn apply_to(
    kv: &KvStore,
    order_no: &OrderNo,
    seen: Option<&Order>,
    events: Vec<Event>,
    now: i64,
    checked: bool,
) -> Result<Order, ApiError> {
    if let Some(seen) = seen
        && !checked
        && events.iter().all(|e| matches!(e, Event::Paid(_) | Event::Closed(_) | Event::Refunded { .. }))
    {
        let mut copy = seen.clone();
        let mut unchanged = true;
        for event in events.iter().cloned() {
            match copy.apply(event, now) {
                Ok(Outcome::Unchanged) => {}
                Ok(Outcome::Changed) => unchanged = false,
                Err(refusal) => {
                    log_refusal(order_no, &refusal);
                    return Err(errors::refusal(&refusal));
                }
            }
        }
        if unchanged {
            return Ok(copy);
        }
    }
    let key = order_key(order_no);
    with_lock(&key, async || {
        let mut order = load_existing(kv, order_no).await?;
        let history_before = order.history.len();
        let mut changed = checked;
        if checked {
            order.last_checked_at = Some(now);
        }
        for event in events {
            match order.apply(event, now) {
                Ok(Outcome::Changed) => changed = true,
                Ok(Outcome::Unchanged) => {}
                Err(refusal) => {
                    log_refusal(order_no, &refusal);
                    return Err(errors::refusal(&refusal));
                }
            }
        }
        if changed {
            save(kv, &order).await?;
            for t in &order.history[history_before..] {
                console_log!(
                    "{}",
                    serde_json::json!({"event": "transition", "order_no": order_no.as_str(), "from": t.from, "to": t.to, "source": t.source})
                );
            }
        }
        Ok(order)
    })
    .await
}

fn log_refusal(order_no: &OrderNo, refusal: &Refusal) {
    console_log!(
        "{}",
        serde_json::json!({"event": "refused", "order_no": order_no.as_str(), "reason": refusal.to_string()})
    );
}

/// Maps an Alipay refund `batch_no` to its order, for the `batch_refund_notify`.
pub async fn remember_batch(kv: &KvStore, batch_no: &str, order_no: &OrderNo) -> Result<(), ApiError> {
    kv.put(&format!("alipay_batch:{batch_no}"), order_no.as_str())
        .map_err(errors::storage)?
        .execute()
        .await
        .map_err(errors::storage)
}

/// The order of an Alipay refund batch.
pub async fn order_of_batch(kv: &KvStore, batch_no: &str) -> Result<Option<OrderNo>, ApiError> {
    let text = kv.get(&format!("alipay_batch:{batch_no}")).text().await.map_err(errors::storage)?;
    Ok(text.and_then(|t| OrderNo::parse(&t).ok()))
}
