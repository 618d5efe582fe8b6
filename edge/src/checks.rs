//! The object's own provider checks, run by its alarm and by due page polls: query the
//! trades of every wallet the order started (a lost notify), close an expired order at
//! every provider and cancel it, and ask about pending refunds. What the providers prove
//! is applied to the order as it is after the calls, never to the copy read before them.

use paycore::api::ApiError;
use paycore::order::{CloseReason, Event, Order, Source};
use paycore::policy::{self, Checks};
use worker::console_log;

use crate::config::Config;
use crate::object::OrderObject;
use crate::order_store::Applied;
use crate::providers::Wallet;

/// Clears the object's `checking` flag however the check ends.
struct CheckGuard<'a>(&'a OrderObject);

impl Drop for CheckGuard<'_> {
    fn drop(&mut self) {
        self.0.checking.set(false);
    }
}

/// Runs `checks` and applies what they prove. Events from the providers that answered are
/// applied even when another failed; the first failure is returned after that.
pub async fn run(obj: &OrderObject, config: &Config, checks: Checks, now: i64) -> Result<Applied, ApiError> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    obj.checking.set(true);
    obj.last_asked.set(Some(now));
    let _guard = CheckGuard(obj);
    let (events, failure) = if checks.expire {
        match close_all(config, &order, CloseReason::Expired, Source::Expiry, now).await {
            Ok(events) => (events, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    } else {
        let mut events = Vec::new();
        let mut failure = None;
        if checks.trades {
            for wallet in Wallet::started(config, &order)? {
                match wallet.query(config, &order, now).await {
                    Ok(found) => events.extend(found),
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
        }
        if checks.refunds {
            for wallet in Wallet::involved(config, &order)? {
                if order.pending_refunds(wallet.provider()).next().is_some() {
                    match wallet.refund_check(config, &order, now).await {
                        Ok(found) => events.extend(found),
                        Err(e) => failure = failure.or(Some(e)),
                    }
                }
            }
        }
        (events, failure)
    };
    let applied = store.apply(events, now)?;
    obj.log_applied(&applied);
    match failure {
        Some(e) => {
            log_check_failure(&applied.order, &e);
            Err(e)
        }
        None => Ok(applied),
    }
}

/// Closes the order at every provider it started; the events to apply are the payments a
/// provider reports instead, or else the cancellation (see [`policy::close_events`]).
pub async fn close_all(
    config: &Config,
    order: &Order,
    reason: CloseReason,
    source: Source,
    now: i64,
) -> Result<Vec<Event>, ApiError> {
    let mut found = Vec::new();
    for wallet in Wallet::started(config, order)? {
        found.extend(wallet.close(config, order, now).await?);
    }
    Ok(policy::close_events(found, reason, source, now))
}

/// Logs a provider check that failed (the order is left as the providers last proved it).
pub fn log_check_failure(order: &Order, e: &ApiError) {
    console_log!(
        "{}",
        serde_json::json!({"event": "provider_check_failed", "order_no": order.order_no.as_str(), "code": e.code.code(), "msg": e.msg})
    );
}
