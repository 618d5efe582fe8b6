//! The order's record inside its Durable Object: one SQLite row holding the [`Order`] as
//! JSON, written only through these named operations. SQL calls are synchronous, so a
//! read-decide-write with no `await` in between is atomic; the in-memory copy is a cache
//! of the row (kept coherent because this object is the row's only writer, and rebuilt
//! from SQLite whenever the instance restarts).

use std::cell::{Cell, RefCell};

use paycore::api::ApiError;
use paycore::order::{AlipaySession, Event, Order, Outcome, WechatSession};
use worker::{SqlStorage, SqlStorageValue};

use crate::errors;

/// What applying events did to the stored order.
pub struct Applied {
    /// The order after the events.
    pub order: Order,
    /// History entries added (state transitions), for the log.
    pub transitions: usize,
}

/// The order row of one object.
pub struct OrderStore {
    pub(crate) sql: SqlStorage,
    cache: RefCell<Option<Order>>,
    /// The order row was written since the object last settled.
    dirty: Cell<bool>,
    /// The event log was written (an attempt, a resend) since the object last settled.
    pub(crate) events_dirty: Cell<bool>,
}

impl OrderStore {
    /// Opens the store, creating the table on first use.
    pub fn open(sql: SqlStorage) -> Result<Self, ApiError> {
        sql.exec(
            "CREATE TABLE IF NOT EXISTS order_record (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
            None,
        )
        .map_err(errors::storage)?;
        crate::event_log::create_table(&sql)?;
        Ok(Self { sql, cache: RefCell::new(None), dirty: Cell::new(false), events_dirty: Cell::new(false) })
    }

    /// The order, if this object holds one.
    pub fn load(&self) -> Result<Option<Order>, ApiError> {
        if let Some(order) = self.cache.borrow().as_ref() {
            return Ok(Some(order.clone()));
        }
        let cursor = self.sql.exec("SELECT json FROM order_record WHERE id = 1", None).map_err(errors::storage)?;
        let Some(row) = cursor.raw().next() else { return Ok(None) };
        let row = row.map_err(errors::storage)?;
        let Some(SqlStorageValue::String(json)) = row.into_iter().next() else {
            return Err(errors::storage("the order row is not text"));
        };
        let order: Order = serde_json::from_str(&json).map_err(errors::storage)?;
        *self.cache.borrow_mut() = Some(order.clone());
        Ok(Some(order))
    }

    /// Reads the stored order without copying it (the state poll's hot path).
    pub fn with_order<T>(&self, read: impl FnOnce(&Order) -> T) -> Result<Option<T>, ApiError> {
        if self.cache.borrow().is_none() && self.load()?.is_none() {
            return Ok(None);
        }
        Ok(self.cache.borrow().as_ref().map(read))
    }

    /// The order, which must exist (`-10`).
    pub fn load_existing(&self) -> Result<Order, ApiError> {
        self.load()?.ok_or_else(errors::order_not_found)
    }

    /// Writes the order and, in the same synchronous run (one atomic commit), the webhook
    /// events its change from `before` makes.
    fn save(&self, before: Option<&Order>, order: &Order, now: i64) -> Result<(), ApiError> {
        let json = serde_json::to_string(order).map_err(errors::storage)?;
        self.sql
            .exec(
                "INSERT INTO order_record (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                vec![SqlStorageValue::String(json)],
            )
            .map_err(errors::storage)?;
        if let Some(before) = before {
            for kind in paycore::webhook::events_between(before, order) {
                self.record_event(&kind, order, now)?;
            }
        }
        *self.cache.borrow_mut() = Some(order.clone());
        self.dirty.set(true);
        Ok(())
    }

    /// What was written since the last call: (the order, the event log). The object then
    /// re-arms its alarm, and refreshes the projection when the order changed.
    pub fn take_dirty(&self) -> (bool, bool) {
        (self.dirty.replace(false), self.events_dirty.replace(false))
    }

    /// Stores a new order unless one exists; returns the stored order and whether it is new.
    pub fn create(&self, order: Order) -> Result<(Order, bool), ApiError> {
        match self.load()? {
            Some(existing) => Ok((existing, false)),
            None => {
                self.save(None, &order, order.created_at)?;
                Ok((order, true))
            }
        }
    }

    /// Re-reads the order, changes a copy, and stores it when it differs (sessions,
    /// `return_url`, test aging: never the state, which only events change).
    fn change(&self, edit: impl FnOnce(&mut Order)) -> Result<Order, ApiError> {
        let before = self.load_existing()?;
        let mut order = before.clone();
        edit(&mut order);
        if order != before {
            self.save(None, &order, order.created_at)?;
        }
        Ok(order)
    }

    /// Records the Alipay cashier session (its first issue time is kept) and fixes the
    /// `return_url` when `policy::fix_return_url` said to.
    pub fn start_alipay(&self, fix_return_url: Option<String>, now: i64) -> Result<Order, ApiError> {
        self.change(|o| {
            if let Some(url) = fix_return_url {
                o.return_url = Some(url);
            }
            o.alipay.get_or_insert(AlipaySession { issued_at: now, qr_code: None });
        })
    }

    /// Records the Alipay QR code (`precreate`), unless a concurrent call stored one first.
    pub fn start_alipay_qr(&self, qr_code: String, now: i64) -> Result<Order, ApiError> {
        self.change(|o| {
            let session = o.alipay.get_or_insert(AlipaySession { issued_at: now, qr_code: None });
            session.qr_code.get_or_insert(qr_code);
        })
    }

    /// Records the WeChat Native session, unless a concurrent call stored one first (then
    /// that one stays: WeChat answers a repeated `unifiedorder` with the same code).
    pub fn start_wechat(&self, session: WechatSession) -> Result<Order, ApiError> {
        self.change(|o| {
            o.wechat.get_or_insert(session);
        })
    }

    /// Applies events to the current order (re-read here, never a copy from before an
    /// await) and stores it once if any changed it. A refused event changes nothing.
    pub fn apply(&self, events: Vec<Event>, now: i64) -> Result<Applied, ApiError> {
        let before = self.load_existing()?;
        let mut order = before.clone();
        let history_before = order.history.len();
        let mut changed = false;
        for event in events {
            match order.apply(event, now) {
                Ok(Outcome::Changed) => changed = true,
                Ok(Outcome::Unchanged) => {}
                Err(refusal) => return Err(errors::refusal(&refusal)),
            }
        }
        if changed {
            self.save(Some(&before), &order, now)?;
        }
        let transitions = order.history.len() - history_before;
        Ok(Applied { order, transitions })
    }

    /// Shifts the order's times back by `seconds`, as if the clock had moved on (test hook).
    pub fn age(&self, seconds: i64) -> Result<Order, ApiError> {
        self.change(|o| {
            o.created_at -= seconds;
            o.expires_at -= seconds;
            if let Some(s) = &mut o.wechat {
                s.created_at -= seconds;
            }
            if let Some(s) = &mut o.alipay {
                s.issued_at -= seconds;
            }
            for r in &mut o.refunds {
                r.requested_at -= seconds;
            }
        })
    }
}
