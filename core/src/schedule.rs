//! Every timer of an order, decided here (like quinn-proto's `poll_timeout` /
//! `handle_timeout`): given the order, what its webhook log has pending and the object's
//! [`Agenda`] (when it last asked the providers, what is running), [`Agenda::next_wake`]
//! says when the object must wake and [`Agenda::due`] what is then due. The object only
//! sets the alarm it is told and runs what it is told; a page poll asks [`Agenda::poll`]
//! whether it may ask the providers now. The clock is always passed in.
//!
//! | what | when |
//! |---|---|
//! | a waiting order's trades | 5 s, 15 s, 30 s and 60 s after its first session, then every 2 min, until expiry |
//! | … while a page watches it live | also every 5 s |
//! | closing an expired order | at expiry + 30 s grace; again every 30 s while a provider fails |
//! | open refunds | 5 s, 15 s, 30 s, 60 s after the refund, every 2 min for its first hour, every 30 min until 72 h, then every 6 h |
//! | a refund unsettled after 72 h | marked overdue (the merchant is told) |
//! | webhook events | when the next one is due, while webhooks are configured and no delivery runs |
//! | a failed KV projection write | again after 60 s |
//! | a page poll | may ask the providers when they were last asked 3 s ago or more, and no check runs |
//!
//! No wake is ever less than a second after the last one, whatever the state.

use crate::order::{Order, PayState};
use crate::reconcile;

/// Offsets of a waiting order's checks from its first session: most buyers pay within a
/// minute, so the first checks come fast.
pub const CHECK_OFFSETS_SECS: [i64; 4] = [5, 15, 30, 60];
/// The interval after the last of [`CHECK_OFFSETS_SECS`].
pub const CHECK_EVERY_SECS: i64 = 120;
/// Refunds are checked every [`CHECK_EVERY_SECS`] for this long.
pub const FAST_REFUND_CHECKS_SECS: i64 = 3600;
/// Then this often, until [`REFUND_OVERDUE_SECS`].
pub const SLOW_REFUND_CHECK_SECS: i64 = 1800;
/// A refund unsettled this long is overdue: the merchant is told.
pub const REFUND_OVERDUE_SECS: i64 = 72 * 3600;
/// An overdue refund is still checked, this often.
pub const OVERDUE_REFUND_CHECK_SECS: i64 = 6 * 3600;
/// A page poll asks the providers at most this often per order, however many pages poll.
pub const POLL_QUERY_INTERVAL_SECS: i64 = 3;
/// While a page watches the order live (no polls ask the providers then), the object asks
/// them itself this often.
pub const LIVE_CHECK_EVERY_SECS: i64 = 5;
/// An expired order whose close failed (a provider down) is tried again this often.
pub const EXPIRED_RETRY_SECS: i64 = 30;
/// A failed projection write is tried again this much later.
pub const PROJECTION_RETRY_SECS: i64 = 60;
/// The shortest time between two wakes.
pub const MIN_WAKE_GAP_SECS: i64 = 1;

/// What to ask the providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Checks {
    /// Query every open trade (a lost notify).
    pub trades: bool,
    /// The order expired unpaid: close at the providers and cancel.
    pub expire: bool,
    /// Ask about open refunds.
    pub refunds: bool,
}

impl Checks {
    /// True when nothing is to be asked.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What is due when the object wakes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Due {
    /// Provider checks.
    pub checks: Checks,
    /// Deliver the webhook events that are due.
    pub deliver: bool,
    /// Write the listing projection again.
    pub project: bool,
    /// Refunds to mark overdue (their `refund_no`).
    pub overdue: Vec<String>,
}

/// What the agenda looks at besides its own memory.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The order as stored.
    pub order: &'a Order,
    /// A page follows it live.
    pub watched: bool,
    /// When the next pending webhook event is due, while webhooks are configured.
    pub next_event_at: Option<i64>,
}

/// The object's timer memory. It lives in the object's instance and starts empty after a
/// restart: at worst one extra provider query.
#[derive(Debug, Clone, Default)]
pub struct Agenda {
    /// When the trades (or the expiry close) were last asked about.
    trades_asked_at: Option<i64>,
    /// When the refunds were last asked about.
    refunds_asked_at: Option<i64>,
    /// A provider check runs.
    checking: bool,
    /// A webhook delivery runs.
    delivering: bool,
    /// The last projection write failed.
    projection_failed_at: Option<i64>,
    /// When the object last woke.
    woke_at: Option<i64>,
}

fn first_after(start: i64, after: Option<i64>, every: impl Fn(i64) -> i64) -> i64 {
    let mut at = start;
    let mut offsets = CHECK_OFFSETS_SECS.iter();
    loop {
        at = match offsets.next() {
            Some(o) => start + o,
            None => at + every(at - start),
        };
        if after.is_none_or(|a| at > a) {
            return at;
        }
    }
}

fn refund_interval(age: i64) -> i64 {
    if age < FAST_REFUND_CHECKS_SECS {
        CHECK_EVERY_SECS
    } else if age < REFUND_OVERDUE_SECS {
        SLOW_REFUND_CHECK_SECS
    } else {
        OVERDUE_REFUND_CHECK_SECS
    }
}

impl Agenda {
    /// When the trades are next due (a waiting order with sessions, before its expiry).
    fn trades_at(&self, v: &View<'_>) -> Option<i64> {
        let o = v.order;
        let start = o.first_session_at().filter(|_| o.state == PayState::Waiting)?;
        let expiry = o.expires_at + reconcile::EXPIRY_GRACE_SECS;
        let scheduled = first_after(start, self.trades_asked_at, |_| CHECK_EVERY_SECS);
        let live = v.watched.then(|| self.trades_asked_at.map_or(start, |at| at + LIVE_CHECK_EVERY_SECS));
        let at = live.map_or(scheduled, |l| l.min(scheduled));
        (at < expiry).then_some(at)
    }

    /// When the expired order's close is due.
    fn expire_at(&self, v: &View<'_>) -> Option<i64> {
        if v.order.state != PayState::Waiting {
            return None;
        }
        let expiry = v.order.expires_at + reconcile::EXPIRY_GRACE_SECS;
        Some(match self.trades_asked_at {
            Some(at) if at >= expiry => at + EXPIRED_RETRY_SECS,
            _ => expiry,
        })
    }

    /// When the open refunds are next due.
    fn refunds_at(&self, v: &View<'_>) -> Option<i64> {
        let open = v.order.refunds.iter().filter(|r| r.status.is_open());
        let start = open.map(|r| r.requested_at).min()?;
        Some(first_after(start, self.refunds_asked_at, refund_interval))
    }

    /// When the next refund becomes overdue.
    fn overdue_at(v: &View<'_>) -> Option<i64> {
        let pending = v.order.refunds.iter().filter(|r| r.status.is_open() && !r.overdue);
        pending.map(|r| r.requested_at + REFUND_OVERDUE_SECS).min()
    }

    /// When the object must wake next (Unix seconds), or `None` when nothing is left.
    pub fn next_wake(&self, v: &View<'_>, now: i64) -> Option<i64> {
        let mut times = vec![self.trades_at(v), self.expire_at(v), self.refunds_at(v), Self::overdue_at(v)];
        if self.checking {
            // The running check re-arms when it ends.
            times.truncate(0);
            times.push(Self::overdue_at(v));
        }
        if !self.delivering {
            times.push(v.next_event_at);
        }
        times.push(self.projection_failed_at.map(|at| at + PROJECTION_RETRY_SECS));
        let earliest = times.into_iter().flatten().min()?;
        let floor = (now + MIN_WAKE_GAP_SECS).max(self.woke_at.map_or(now, |w| w + MIN_WAKE_GAP_SECS));
        Some(earliest.max(floor))
    }

    /// What is due at `now` (the alarm fired). Records the wake.
    pub fn due(&mut self, v: &View<'_>, now: i64) -> Due {
        self.woke_at = Some(now);
        let is_due = |at: Option<i64>| at.is_some_and(|at| at <= now);
        let mut checks = Checks::default();
        if !self.checking {
            if is_due(self.expire_at(v)) && reconcile::is_expired_unpaid(v.order, now) {
                checks.expire = true;
            } else if is_due(self.trades_at(v)) {
                checks.trades = true;
            }
            checks.refunds = is_due(self.refunds_at(v));
        }
        let overdue = v
            .order
            .refunds
            .iter()
            .filter(|r| r.status.is_open() && !r.overdue && now >= r.requested_at + REFUND_OVERDUE_SECS)
            .map(|r| r.refund_no.clone())
            .collect();
        Due {
            checks,
            deliver: !self.delivering && is_due(v.next_event_at),
            project: is_due(self.projection_failed_at.map(|at| at + PROJECTION_RETRY_SECS)),
            overdue,
        }
    }

    /// What a page poll may ask the providers at `now`: what is checkable, when they were
    /// last asked [`POLL_QUERY_INTERVAL_SECS`] ago or more and no check runs.
    pub fn poll(&self, order: &Order, now: i64) -> Checks {
        let last = self.trades_asked_at.max(self.refunds_asked_at);
        if self.checking || last.is_some_and(|t| now - t < POLL_QUERY_INTERVAL_SECS) {
            return Checks::default();
        }
        checkable(order, now)
    }

    /// A check of `checks` starts at `now`: false (and nothing recorded) when one runs.
    pub fn begin_check(&mut self, checks: Checks, now: i64) -> bool {
        if self.checking {
            return false;
        }
        self.checking = true;
        if checks.trades || checks.expire {
            self.trades_asked_at = Some(now);
        }
        if checks.refunds {
            self.refunds_asked_at = Some(now);
        }
        true
    }

    /// The running check ended.
    pub fn end_check(&mut self) {
        self.checking = false;
    }

    /// True while a check runs (a poll answers the stored state meanwhile).
    pub fn checking(&self) -> bool {
        self.checking
    }

    /// A webhook delivery starts: false when one runs.
    pub fn begin_delivery(&mut self) -> bool {
        !std::mem::replace(&mut self.delivering, true)
    }

    /// The running delivery ended.
    pub fn end_delivery(&mut self) {
        self.delivering = false;
    }

    /// When the last projection write failed (`None`: it succeeded).
    pub fn projection_failed(&mut self, at: Option<i64>) {
        self.projection_failed_at = at;
    }

    /// Forgets when the providers were asked (the test hook moved the order's clock).
    pub fn forget(&mut self) {
        self.trades_asked_at = None;
        self.refunds_asked_at = None;
    }
}

/// What the providers can tell about `order` at `now`: the expiry close of an expired
/// waiting order, the trades of a waiting order with sessions, open refunds.
pub fn checkable(order: &Order, now: i64) -> Checks {
    match order.state {
        PayState::Waiting if reconcile::is_expired_unpaid(order, now) => Checks { expire: true, ..Checks::default() },
        PayState::Waiting => Checks { trades: !order.sessions.is_empty(), ..Checks::default() },
        PayState::Paid | PayState::Refunded => {
            Checks { refunds: order.refunds.iter().any(|r| r.status.is_open()), ..Checks::default() }
        }
        PayState::Cancelled => Checks::default(),
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
