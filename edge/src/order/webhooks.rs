//! Delivering an order's webhook events from its object: after the change is stored, from
//! the object's alarm, one at a time and in order. A 2xx answer delivers; anything else
//! (another status, a redirect, a timeout, a connection error) is tried again on
//! `paycore::webhook`'s schedule until it is a day old, then the event is failed. Every
//! attempt is kept. A slow receiver holds up only this order's alarm, never a request.
//! While webhooks are off or misconfigured, pending events wait (and set no alarm).

use paycore::api::{ApiError, ResultCode};
use paycore::webhook::{self, Attempt, DeliveryState, EventRecord};
use worker::console_log;

use super::OrderObject;
use crate::platform::Error;
use crate::platform::config::{Config, WebhookSettings};
use crate::platform::guard::Guard;
use crate::platform::outbound::post_webhook;

/// The settings to deliver with, or `None` (off, or misconfigured with a log line).
pub fn settings(config: &Config) -> Option<WebhookSettings> {
    match config.webhook()? {
        Ok(settings) => Some(settings),
        Err(reason) => {
            console_log!("{}", serde_json::json!({"log": "webhooks_not_delivered", "reason": reason}));
            None
        }
    }
}

/// Delivers the due events, oldest first, stopping at the first that is not delivered (the
/// later ones wait behind it). Returns at once when a delivery is already running.
pub async fn deliver_due(obj: &OrderObject, config: &Config) -> Result<(), Error> {
    let Some(settings) = settings(config) else { return Ok(()) };
    if !obj.agenda.borrow_mut().begin_delivery() {
        return Ok(());
    }
    let _running = Guard::new(|| obj.agenda.borrow_mut().end_delivery());
    let store = obj.store()?;
    loop {
        let now = super::now();
        let Some(event) = store.first_pending()? else { return Ok(()) };
        if !event.is_due(now) {
            return Ok(());
        }
        if !attempt(obj, &settings, &event).await? {
            return Ok(());
        }
    }
}

/// One attempt for `event`, with a fresh signature; stores it and the event's new state.
/// True when it was delivered.
async fn attempt(obj: &OrderObject, settings: &WebhookSettings, event: &EventRecord) -> Result<bool, Error> {
    let (result, state, next_at) = send(settings, event).await;
    obj.store()?.record_attempt(&event.id, result, state, next_at)?;
    Ok(state == DeliveryState::Delivered)
}

/// Sends `event` once, signed now: the attempt and what it means for the event (its next
/// state and attempt time). Shared by every event log.
pub async fn send(settings: &WebhookSettings, event: &EventRecord) -> (Attempt, DeliveryState, Option<i64>) {
    let t = super::now();
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
        serde_json::json!({"log": "webhook_attempt", "id": event.id, "status": result.status, "error": result.error, "ms": result.duration_ms, "state": state.as_str()})
    );
    (result, state, next_at)
}

/// `ResendEvent`: the event due again now, delivered at once when no other delivery of this
/// order is running (else it goes next, after the one in flight).
pub async fn resend(obj: &OrderObject, config: &Config, id: &str, now: i64) -> Result<EventRecord, Error> {
    let store = obj.store()?;
    if store.event(id)?.is_none() {
        return Err(ApiError::new(ResultCode::EventNotFound, "no webhook event with this event_id").into());
    }
    store.requeue(id, now)?;
    if let Some(settings) = settings(config)
        && obj.agenda.borrow_mut().begin_delivery()
    {
        let _running = Guard::new(|| obj.agenda.borrow_mut().end_delivery());
        let event = store.event(id)?.ok_or_else(|| Error::internal("event vanished"))?;
        attempt(obj, &settings, &event).await?;
    }
    store.event(id)?.ok_or_else(|| Error::internal("event vanished"))
}
