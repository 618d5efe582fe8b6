//! Delivering an order's webhook events from its object: after the change is stored, from
//! the object's alarm, one at a time and in order. A 2xx answer delivers; anything else
//! (another status, a redirect, a timeout, a connection error) is tried again on
//! `paycore::webhook`'s schedule until it is a day old, then the event is failed. Every
//! attempt is kept. A slow receiver holds up only this order's alarm, never a request.

use paycore::api::ApiError;
use paycore::webhook::{self, DeliveryState, EventRecord};
use worker::console_log;

use crate::config::{Config, WebhookSettings};
use crate::object::OrderObject;
use crate::outbound::post_webhook;

/// Clears the object's `delivering` flag however delivery ends.
struct DeliveryGuard<'a>(&'a OrderObject);

impl Drop for DeliveryGuard<'_> {
    fn drop(&mut self) {
        self.0.delivering.set(false);
    }
}

/// The settings to deliver with, or `None` (off, or refused with a log line).
fn settings(obj: &OrderObject, config: &Config) -> Result<Option<WebhookSettings>, ApiError> {
    match config.webhook() {
        None => {
            obj.store()?.skip_pending()?;
            Ok(None)
        }
        Some(Err(reason)) => {
            console_log!("{}", serde_json::json!({"event": "webhooks_not_delivered", "reason": reason}));
            Ok(None)
        }
        Some(Ok(settings)) => Ok(Some(settings)),
    }
}

/// Delivers the due events, oldest first, stopping at the first that is not delivered (the
/// later ones wait behind it). Returns at once when a delivery is already running.
pub async fn deliver_due(obj: &OrderObject, config: &Config) -> Result<(), ApiError> {
    if obj.delivering.get() {
        return Ok(());
    }
    let Some(settings) = settings(obj, config)? else { return Ok(()) };
    obj.delivering.set(true);
    let _guard = DeliveryGuard(obj);
    let store = obj.store()?;
    loop {
        let now = crate::object::now();
        let Some(event) = store.first_pending()? else { return Ok(()) };
        if event.next_attempt_at.is_some_and(|at| at > now) {
            return Ok(());
        }
        if !attempt(obj, &settings, &event).await? {
            return Ok(());
        }
    }
}

/// One attempt for `event`, with a fresh signature; stores it and the event's new state.
/// True when it was delivered.
pub async fn attempt(obj: &OrderObject, settings: &WebhookSettings, event: &EventRecord) -> Result<bool, ApiError> {
    let t = crate::object::now();
    let headers = [
        ("content-type", "application/json".to_owned()),
        (webhook::EVENT_ID_HEADER, event.id.clone()),
        (webhook::SIGNATURE_HEADER, webhook::signature_header(settings.secret.expose(), t, event.body.as_bytes())),
        ("user-agent", "paybridge-webhooks/1".to_owned()),
    ];
    let result = post_webhook(&settings.url, &headers, &event.body, settings.timeout_ms).await;
    let (state, next_at) = webhook::after_attempt(event, &result, &settings.schedule, settings.give_up);
    console_log!(
        "{}",
        serde_json::json!({"event": "webhook_attempt", "id": event.id, "status": result.status, "error": result.error, "ms": result.duration_ms, "state": state.as_str()})
    );
    obj.store()?.record_attempt(&event.id, result, state, next_at)?;
    Ok(state == DeliveryState::Delivered)
}

/// `ResendEvent`: the event due again now, delivered at once when no other delivery of this
/// order is running (else it goes next, after the one in flight).
pub async fn resend(obj: &OrderObject, config: &Config, id: &str, now: i64) -> Result<EventRecord, ApiError> {
    let store = obj.store()?;
    if store.event(id)?.is_none() {
        return Err(ApiError::new(paycore::api::ResultCode::EventNotFound, "no webhook event with this event_id"));
    }
    store.requeue(id, now)?;
    if !obj.delivering.get()
        && let Some(settings) = settings(obj, config)?
    {
        obj.delivering.set(true);
        let _guard = DeliveryGuard(obj);
        let event = store.event(id)?.ok_or_else(|| crate::errors::internal("event vanished"))?;
        attempt(obj, &settings, &event).await?;
    }
    store.event(id)?.ok_or_else(|| crate::errors::internal("event vanished"))
}
