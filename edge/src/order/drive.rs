//! Driving the order's provider work: the object runs a `paycore::ops` operation by asking
//! it for the next call with the order as stored now, making the call through the
//! provider's [`Wallet`], feeding back the result, and finally applying the operation's
//! changes to the order as it is then. The alarm's work (what `paycore::schedule` says is
//! due) is started here too.

use paycore::ops::{Check, Close, Operation, QueriesRefunds};
use paycore::order::{Change, CloseReason, Source};
use paycore::provider::CallContext;
use paycore::schedule::{Checks, View};
use worker::console_log;

use super::store::Applied;
use super::{OrderObject, live, webhooks};
use crate::platform::config::Config;
use crate::platform::guard::Guard;
use crate::platform::{Error, outbound};
use crate::providers::Wallet;

/// Which providers' refunds can be asked about (the configured API of each says).
pub(super) fn queries_refunds(config: &Config) -> impl Fn(paycore::order::Provider) -> bool + '_ {
    move |p| Wallet::of(config, p).is_ok_and(|w| w.api().asks_after_refund())
}

/// Runs `op` to its end and applies what it proves; returns the order as stored then.
pub async fn drive(obj: &OrderObject, config: &Config, op: &mut dyn Operation, now: i64) -> Result<Applied, Error> {
    let store = obj.store()?;
    let public_base = config.public_base();
    loop {
        let order = store.load_existing()?;
        let Some((provider, call)) = op.next_call(&order) else { break };
        let result = match (&public_base, Wallet::of(config, provider)) {
            (Ok(base), Ok(wallet)) => {
                let cx = CallContext { now, nonce: outbound::nonce(), public_base: base.clone() };
                wallet.run(config, &call, &order, &cx).await
            }
            (Err(e), _) => Err(e.clone()),
            (_, Err(e)) => Err(e),
        };
        op.feed(result);
    }
    let order = store.load_existing()?;
    let changes = op.finish(&order, now);
    let applied = store.apply(changes, now)?;
    obj.log_applied(&applied);
    if let Some(e) = op.failure() {
        console_log!(
            "{}",
            serde_json::json!({"log": "provider_check_failed", "order_no": applied.order.order_no.as_str(), "code": e.api_error().code.code(), "msg": e.to_string()})
        );
    }
    Ok(applied)
}

/// Asks the providers what `checks` says (at most one check at a time per object); the
/// order as stored after it, or `None` when a check was already running.
pub async fn check(obj: &OrderObject, config: &Config, checks: Checks, now: i64) -> Result<Option<Applied>, Error> {
    if checks.is_empty() || !obj.agenda.borrow_mut().begin_check(checks, now) {
        return Ok(None);
    }
    let _running = Guard::new(|| obj.agenda.borrow_mut().end_check());
    let applied = if checks.expire {
        drive(obj, config, &mut Close::new(CloseReason::Expired, Source::Expiry), now).await?
    } else {
        let order = obj.store()?.load_existing()?;
        let queries: QueriesRefunds<'_> = &queries_refunds(config);
        drive(obj, config, &mut Check::new(&order, checks, queries, now), now).await?
    };
    Ok(Some(applied))
}

/// The alarm: runs what is due now.
pub async fn wake(obj: &OrderObject, now: i64) -> Result<(), Error> {
    let store = obj.store()?;
    let Some(order) = store.load()? else { return Ok(()) };
    let config = obj.config();
    let deliverable = config.webhook().and_then(Result::ok).is_some();
    let next_event_at = if deliverable { store.next_event_at()? } else { None };
    let view = View { order: &order, watched: live::watched(&obj.state), next_event_at };
    obj.agenda.borrow_mut().projection_failed(obj.projection.failed_at());
    let due = obj.agenda.borrow_mut().due(&view, now);
    console_log!(
        "{}",
        serde_json::json!({"log": "wake", "order_no": order.order_no.as_str(), "trades": due.checks.trades, "expire": due.checks.expire,
            "refunds": due.checks.refunds, "deliver": due.deliver, "project": due.project, "overdue": due.overdue.len()})
    );
    if !due.overdue.is_empty() {
        let changes = due.overdue.into_iter().map(|refund_no| Change::RefundOverdue { refund_no }).collect();
        obj.log_applied(&store.apply(changes, now)?);
    }
    if let Err(e) = check(obj, &config, due.checks, now).await {
        super::log_error("provider check", &e);
    }
    if due.deliver {
        webhooks::deliver_due(obj, &config).await?;
    }
    if due.project {
        obj.projection.refresh(&obj.state, &config, &store.load_existing()?, now);
    }
    Ok(())
}
