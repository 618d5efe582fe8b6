//! The order's webhook events, in the object's SQLite beside the order row: recorded in
//! the same write as the change that made them, then delivered one at a time in order by
//! the object's alarm ([`super::webhooks`]). An event recorded while webhooks are off
//! (`WEBHOOK_URL` empty) is `skipped`; one pending when they go off waits for them.

use paycore::order::Order;
use paycore::webhook::{self, Attempt, DeliveryState, EventRecord, EventType};
use worker::{SqlStorage, SqlStorageValue};

use super::store::OrderStore;
use crate::platform::Error;

/// Creates the events table on first use.
pub fn create_table(sql: &SqlStorage) -> Result<(), Error> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS webhook_events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, \
         created_at INTEGER NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL, next_at INTEGER, attempts TEXT NOT NULL)",
        None,
    )
    .map(|_| ())
    .map_err(Error::storage)
}

const COLUMNS: &str = "id, kind, created_at, body, state, next_at, attempts";

fn text(v: Option<SqlStorageValue>) -> Result<String, Error> {
    match v {
        Some(SqlStorageValue::String(s)) => Ok(s),
        _ => Err(Error::storage("an event column is not text")),
    }
}

fn int(v: Option<SqlStorageValue>) -> Option<i64> {
    match v {
        Some(SqlStorageValue::Integer(i)) => Some(i),
        // SQLite integers can arrive as JS numbers; the event log's are whole seconds.
        Some(SqlStorageValue::Float(f)) => Some(f as i64),
        _ => None,
    }
}

fn row(values: Vec<SqlStorageValue>) -> Result<EventRecord, Error> {
    let mut v = values.into_iter();
    let id = text(v.next())?;
    let kind = text(v.next())?;
    let created_at = int(v.next()).ok_or_else(|| Error::storage("created_at"))?;
    let body = text(v.next())?;
    let state = DeliveryState::parse(&text(v.next())?).ok_or_else(|| Error::storage("state"))?;
    let next_attempt_at = int(v.next());
    let attempts = serde_json::from_str(&text(v.next())?).map_err(Error::storage)?;
    Ok(EventRecord { id, kind, created_at, state, next_attempt_at, attempts, body })
}

impl OrderStore {
    fn events_where(&self, clause: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<EventRecord>, Error> {
        let query = format!("SELECT {COLUMNS} FROM webhook_events {clause}");
        let cursor = self.sql.exec(&query, bindings).map_err(Error::storage)?;
        cursor.raw().map(|r| r.map_err(Error::storage).and_then(row)).collect()
    }

    /// Records an event of `order` (called by `save`, in the same write as the change).
    pub(crate) fn record_event(&self, kind: &EventType, order: &Order, now: i64) -> Result<(), Error> {
        self.insert_event(kind, now, |id| webhook::body(id, kind, now, order), &order.order_no)
    }

    /// Records a reconciliation event about this order unless one was recorded for `key`
    /// (a finding is told once, however often its day is reconciled); true when recorded.
    pub(crate) fn record_once(
        &self,
        key: &str,
        kind: &EventType,
        data: serde_json::Value,
        now: i64,
    ) -> Result<bool, Error> {
        let order = self.load_existing()?;
        self.sql.exec("CREATE TABLE IF NOT EXISTS told (key TEXT PRIMARY KEY)", None).map_err(Error::storage)?;
        let seen = self.sql.exec("SELECT 1 FROM told WHERE key = ?", vec![key.into()]).map_err(Error::storage)?;
        if seen.raw().next().is_some() {
            return Ok(false);
        }
        self.sql.exec("INSERT INTO told (key) VALUES (?)", vec![key.into()]).map_err(Error::storage)?;
        let order_no = order.order_no.as_str();
        self.insert_event(kind, now, |id| webhook::body_with(id, kind, now, Some(order_no), data), &order.order_no)?;
        self.events_dirty.set(true);
        Ok(true)
    }

    fn insert_event(
        &self,
        kind: &EventType,
        now: i64,
        body: impl FnOnce(&str) -> String,
        order_no: &paycore::OrderNo,
    ) -> Result<(), Error> {
        let cursor =
            self.sql.exec("SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_events", None).map_err(Error::storage)?;
        let seq = cursor.raw().next().and_then(|r| r.ok()).and_then(|r| int(r.into_iter().next())).unwrap_or(1);
        let id = webhook::event_id(order_no, seq);
        let body = body(&id);
        self.sql
            .exec(
                "INSERT INTO webhook_events (seq, id, kind, created_at, body, state, next_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, '[]')",
                vec![
                    SqlStorageValue::Integer(seq),
                    SqlStorageValue::String(id),
                    SqlStorageValue::String(kind.as_str().to_owned()),
                    SqlStorageValue::Integer(now),
                    SqlStorageValue::String(body),
                    SqlStorageValue::String(
                        if self.webhooks_on { DeliveryState::Pending } else { DeliveryState::Skipped }.as_str().into(),
                    ),
                    if self.webhooks_on { SqlStorageValue::Integer(now) } else { SqlStorageValue::Null },
                ],
            )
            .map(|_| ())
            .map_err(Error::storage)
    }

    /// Every event, oldest first (none before the order exists).
    pub fn events(&self) -> Result<Vec<EventRecord>, Error> {
        if !self.exists() {
            return Ok(Vec::new());
        }
        self.events_where("ORDER BY seq", Vec::new())
    }

    /// One event by id.
    pub fn event(&self, id: &str) -> Result<Option<EventRecord>, Error> {
        if !self.exists() {
            return Ok(None);
        }
        Ok(self.events_where("WHERE id = ?", vec![SqlStorageValue::String(id.to_owned())])?.into_iter().next())
    }

    /// The oldest pending event, when its next attempt is due at `now`. Later events wait
    /// behind it, so each order's events arrive in order.
    pub fn first_pending(&self) -> Result<Option<EventRecord>, Error> {
        if !self.exists() {
            return Ok(None);
        }
        Ok(self.events_where("WHERE state = 'pending' ORDER BY seq LIMIT 1", Vec::new())?.into_iter().next())
    }

    /// When the next pending event is due.
    pub fn next_event_at(&self) -> Result<Option<i64>, Error> {
        Ok(self.first_pending()?.and_then(|e| e.next_attempt_at))
    }

    /// Stores an attempt and the event's new state.
    pub fn record_attempt(
        &self,
        id: &str,
        attempt: Attempt,
        state: DeliveryState,
        next_at: Option<i64>,
    ) -> Result<(), Error> {
        let Some(mut event) = self.event(id)? else { return Err(Error::internal("attempt for an unknown event")) };
        event.attempts.push(attempt);
        let attempts = serde_json::to_string(&event.attempts).map_err(Error::storage)?;
        let next = next_at.map_or(SqlStorageValue::Null, SqlStorageValue::Integer);
        self.events_dirty.set(true);
        self.sql
            .exec(
                "UPDATE webhook_events SET state = ?, next_at = ?, attempts = ? WHERE id = ?",
                vec![
                    SqlStorageValue::String(state.as_str().into()),
                    next,
                    SqlStorageValue::String(attempts),
                    SqlStorageValue::String(id.into()),
                ],
            )
            .map(|_| ())
            .map_err(Error::storage)
    }

    /// Makes an event pending again, due at `now` (`ResendEvent`).
    pub fn requeue(&self, id: &str, now: i64) -> Result<(), Error> {
        self.events_dirty.set(true);
        self.sql
            .exec(
                "UPDATE webhook_events SET state = 'pending', next_at = ? WHERE id = ?",
                vec![SqlStorageValue::Integer(now), SqlStorageValue::String(id.into())],
            )
            .map(|_| ())
            .map_err(Error::storage)
    }
}
