//! Signed webhooks to the merchant's backend: which events a change of an order makes,
//! their JSON body, the `Paybridge-Signature` scheme, the receiver's verification, and the
//! retry schedule. The worker's order object records an event in the same storage write as
//! the change and delivers it; the SDK's `verifyWebhook` and `paysign webhook` run the
//! same verification as merchants' receivers.
//!
//! Signature: `Paybridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
//! lowercase hex, compared in constant time; a `t` more than [`TOLERANCE_SECS`] from the
//! receiver's clock is refused (a captured request cannot be replayed later).

use serde::{Deserialize, Serialize};

use crate::OrderNo;
use crate::order::{Order, PayState, RefundStatus};
use crate::sign::{hex_eq, hmac_sha256_hex};

/// Receivers refuse a `t` further than this from their clock.
pub const TOLERANCE_SECS: i64 = 300;
/// The shortest `WEBHOOK_SECRET` the worker delivers with.
pub const MIN_SECRET_LEN: usize = 32;
/// Delays before each retry, in seconds; after the last, it repeats until [`GIVE_UP_SECS`].
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [10, 30, 60, 300, 900, 1800, 3600];
/// An event not delivered this long after it was made is marked failed.
pub const GIVE_UP_SECS: i64 = 24 * 3600;
/// One delivery attempt waits this long for an answer.
pub const TIMEOUT_MS: u64 = 10_000;
/// The event id header.
pub const EVENT_ID_HEADER: &str = "Paybridge-Event-Id";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "Paybridge-Signature";

wire_enum! {
    /// What happened to an order.
    pub enum EventType {
        /// The order was paid (also by a payment after it was cancelled: `data.payment.late`).
        Paid = "order.paid",
        /// The order was closed or expired unpaid.
        Cancelled = "order.cancelled",
        /// One refund reached the buyer.
        RefundSucceeded = "order.refund_succeeded",
        /// One refund failed (it can be retried under its `refund_no`).
        RefundFailed = "order.refund_failed",
        /// One refund is abnormal: the money left the merchant's balance but did not reach
        /// the buyer; finish it in the provider's portal (it is not retried).
        RefundAbnormal = "order.refund_abnormal",
        /// One refund is still unsettled after 72 h: look at it.
        RefundOverdue = "order.refund_overdue",
        /// The order's payment is back in full.
        Refunded = "order.refunded",
        /// A further payment for a paid order (the buyer paid twice): refund it.
        ExtraPayment = "order.extra_payment",
        /// A bill day of a wallet was reconciled (`data`: the report).
        ReconciliationCompleted = "reconciliation.completed",
        /// Reconciliation found a difference between the provider's bill and the worker's
        /// records (`data.discrepancy`: the finding and what was done).
        ReconciliationDiscrepancy = "reconciliation.discrepancy",
    }
}

/// The events a change from `before` to `after` makes, in the order they happened.
pub fn events_between(before: &Order, after: &Order) -> Vec<EventType> {
    let mut events = Vec::new();
    let moved_to = |state: PayState| before.state != state && after.state == state;
    if moved_to(PayState::Paid) {
        events.push(EventType::Paid);
    }
    if moved_to(PayState::Cancelled) {
        events.push(EventType::Cancelled);
    }
    for _ in before.extra_payments.len()..after.extra_payments.len() {
        events.push(EventType::ExtraPayment);
    }
    for refund in &after.refunds {
        let was = before.refunds.iter().find(|r| r.refund_no == refund.refund_no);
        if refund.overdue && !was.is_some_and(|r| r.overdue) {
            events.push(EventType::RefundOverdue);
        }
        if was.map(|r| &r.status) == Some(&refund.status) {
            continue;
        }
        match refund.status {
            RefundStatus::Succeeded => events.push(EventType::RefundSucceeded),
            RefundStatus::Failed(_) => events.push(EventType::RefundFailed),
            RefundStatus::Abnormal(_) => events.push(EventType::RefundAbnormal),
            RefundStatus::Sending | RefundStatus::Unknown(_) | RefundStatus::Requested => {}
        }
    }
    if moved_to(PayState::Refunded) {
        events.push(EventType::Refunded);
    }
    events
}

/// An event as delivered: the body's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// `evt_<order_no>.<n>`: unique, and stable across retries and resends (dedupe by it).
    pub id: String,
    /// `order.paid`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change happened (Unix seconds).
    pub created_at: i64,
    /// The order (`null` for a reconciliation event about no order of this worker).
    pub order_no: Option<String>,
    /// The order as `QueryOrder` shows it after the change (reconciliation events: the
    /// report, or the order and `discrepancy`).
    pub data: serde_json::Value,
}

/// The id of an order's `seq`-th event.
pub fn event_id(order_no: &OrderNo, seq: i64) -> String {
    format!("evt_{order_no}.{seq}")
}

/// The order an event id belongs to.
pub fn order_of_event(id: &str) -> Option<OrderNo> {
    let rest = id.strip_prefix("evt_")?;
    let (order_no, seq) = rest.rsplit_once('.')?;
    seq.parse::<u64>().ok()?;
    OrderNo::parse(order_no).ok()
}

/// The JSON body of an event (fixed when it is made; every delivery sends these bytes).
pub fn body(id: &str, kind: &EventType, created_at: i64, order: &Order) -> String {
    let event = WebhookEvent {
        id: id.to_owned(),
        kind: kind.as_str().to_owned(),
        created_at,
        order_no: Some(order.order_no.to_string()),
        data: serde_json::to_value(order).unwrap_or(serde_json::Value::Null),
    };
    serde_json::to_string(&event).unwrap_or_default()
}

/// The body of a reconciliation event with its own `data`.
pub fn body_with(
    id: &str,
    kind: &EventType,
    created_at: i64,
    order_no: Option<&str>,
    data: serde_json::Value,
) -> String {
    let event = WebhookEvent {
        id: id.to_owned(),
        kind: kind.as_str().to_owned(),
        created_at,
        order_no: order_no.map(str::to_owned),
        data,
    };
    serde_json::to_string(&event).unwrap_or_default()
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `Paybridge-Signature` header.
    #[error("the Paybridge-Signature header is missing")]
    MissingHeader,
    /// The header is not `t=<digits>,v1=<64 hex>`.
    #[error("the Paybridge-Signature header is malformed")]
    MalformedHeader,
    /// `t` is too far from the receiver's clock.
    #[error("the signature's timestamp {t} is more than {tolerance} s from now ({now})")]
    StaleTimestamp {
        /// The header's `t`.
        t: i64,
        /// The receiver's clock.
        now: i64,
        /// The tolerance.
        tolerance: i64,
    },
    /// No `v1` matches the body under this secret.
    #[error("the signature does not match the body")]
    SignatureMismatch,
    /// The signed body is not an event.
    #[error("the body is not a paybridge event: {0}")]
    MalformedBody(String),
    /// The secret is shorter than [`MIN_SECRET_LEN`].
    #[error("WEBHOOK_SECRET must be at least {MIN_SECRET_LEN} characters")]
    SecretTooShort,
}

impl WebhookError {
    /// A stable code for programs (`err.code` in the SDK).
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader => "missing_header",
            Self::MalformedHeader => "malformed_header",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::SignatureMismatch => "signature_mismatch",
            Self::MalformedBody(_) => "malformed_body",
            Self::SecretTooShort => "secret_too_short",
        }
    }
}

/// Checks a webhook secret's length.
pub fn check_secret(secret: &str) -> Result<(), WebhookError> {
    if secret.chars().count() >= MIN_SECRET_LEN { Ok(()) } else { Err(WebhookError::SecretTooShort) }
}

/// The signed string: `"<t>.<raw body>"`, the scheme's one canonical builder.
fn signed_payload(t: i64, body: &[u8]) -> Vec<u8> {
    let mut payload = t.to_string().into_bytes();
    payload.push(b'.');
    payload.extend_from_slice(body);
    payload
}

/// The `Paybridge-Signature` value for `body` at time `t`.
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hmac_sha256_hex(secret.as_bytes(), &signed_payload(t, body)))
}

/// Verifies a received webhook over its exact raw body, then parses it. `now` is the
/// receiver's clock (Unix seconds).
pub fn verify(
    body: &[u8],
    header: Option<&str>,
    secret: &str,
    tolerance: i64,
    now: i64,
) -> Result<WebhookEvent, WebhookError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(WebhookError::MissingHeader)?;
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) if v.len() <= 12 && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                t = Some(v.parse::<i64>().map_err(|_| WebhookError::MalformedHeader)?)
            }
            Some(("v1", v)) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => signatures.push(v),
            Some((_, _)) => {} // other schemes (v0, future ones) are ignored
            None => return Err(WebhookError::MalformedHeader),
        }
    }
    let t = t.ok_or(WebhookError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(WebhookError::MalformedHeader);
    }
    if (now - t).abs() > tolerance {
        return Err(WebhookError::StaleTimestamp { t, now, tolerance });
    }
    let expected = hmac_sha256_hex(secret.as_bytes(), &signed_payload(t, body));
    if !signatures.iter().any(|s| hex_eq(&expected, &s.to_ascii_lowercase())) {
        return Err(WebhookError::SignatureMismatch);
    }
    serde_json::from_slice(body).map_err(|e| WebhookError::MalformedBody(e.to_string()))
}

/// True for a delivered attempt: any 2xx answer.
pub fn is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A retry schedule from a setting (`"10,30,60"`, seconds), or `None` when malformed.
pub fn parse_schedule(text: &str) -> Option<Vec<i64>> {
    let delays: Option<Vec<i64>> = text.split(',').map(|d| d.trim().parse::<i64>().ok().filter(|&d| d > 0)).collect();
    delays.filter(|d| !d.is_empty())
}

/// When to try an event again after `failed` failed attempts, the last at `last_at`; `None`
/// once it is [`GIVE_UP_SECS`] (or `give_up`) old: it is then failed.
pub fn next_attempt_at(created_at: i64, failed: usize, last_at: i64, schedule: &[i64], give_up: i64) -> Option<i64> {
    let delay = *schedule.get(failed.saturating_sub(1)).or(schedule.last())?;
    let at = last_at + delay;
    (at - created_at <= give_up).then_some(at)
}

/// Where an event's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// A 2xx answer came back.
    Delivered,
    /// No 2xx within [`GIVE_UP_SECS`] (it can still be resent).
    Failed,
    /// Made while webhooks were off (`WEBHOOK_URL` empty): never sent unless resent.
    Skipped,
}

impl DeliveryState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    /// The state of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed, Self::Skipped].into_iter().find(|s| s.as_str() == text)
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// When it started (Unix seconds).
    pub at: i64,
    /// The receiver's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there was no answer (timeout, connection error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

impl Attempt {
    /// True when this attempt delivered the event.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(is_delivered)
    }
}

/// An event as the order's object keeps it (`ListEvents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// `evt_…`.
    pub id: String,
    /// `order.paid`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Delivery state.
    pub state: DeliveryState,
    /// The next attempt (Unix seconds), while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
    /// The exact body every attempt sends.
    pub body: String,
}

impl EventRecord {
    /// True when the event waits for an attempt that is due at `now`.
    pub fn is_due(&self, now: i64) -> bool {
        self.state == DeliveryState::Pending && self.next_attempt_at.is_none_or(|at| at <= now)
    }

    /// When it next needs an attempt, while pending.
    pub fn wake_at(&self) -> Option<i64> {
        (self.state == DeliveryState::Pending).then_some(self.next_attempt_at).flatten()
    }
}

/// What an attempt means for its event: delivered, tried again at a time (the schedule's
/// delay after the attempt ended), or failed.
pub fn after_attempt(
    record: &EventRecord,
    attempt: &Attempt,
    schedule: &[i64],
    give_up: i64,
) -> (DeliveryState, Option<i64>) {
    if attempt.delivered() {
        return (DeliveryState::Delivered, None);
    }
    let failed = record.attempts.iter().filter(|a| !a.delivered()).count() + 1;
    // Delays count from when the failed attempt ended (a timeout takes its time first).
    let ended = attempt.at + i64::try_from(attempt.duration_ms.div_ceil(1000)).unwrap_or(i64::MAX / 2);
    match next_attempt_at(record.created_at, failed, ended, schedule, give_up) {
        Some(at) => (DeliveryState::Pending, Some(at)),
        None => (DeliveryState::Failed, None),
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
