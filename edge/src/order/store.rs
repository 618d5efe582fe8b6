//! The order's record inside its Durable Object: one SQLite row holding the [`Order`] as
//! JSON, written only through these named operations. SQL calls are synchronous, so a
//! read-decide-write with no `await` in between is atomic; the in-memory copy is a cache
//! of the row (kept coherent because this object is the row's only writer, and rebuilt
//! from SQLite whenever the instance restarts).
//!
//! The tables are created by the first write ([`OrderStore::create`]), never by a read: a
//! command or socket for an order number that was never created writes nothing.

use std::cell::{Cell, RefCell};

use paycore::order::{Change, Order, Outcome, Refusal};
use worker::{SqlStorage, SqlStorageValue};

use crate::platform::Error;

/// What applying changes did to the stored order.
pub struct Applied {
    /// The order after the changes.
    pub order: Order,
    /// History entries added (state transitions), for the log.
    pub transitions: usize,
    /// The changes the order refused (each refused change refuses only itself).
    pub refused: Vec<Refusal>,
}

impl Applied {
    /// The first refusal, as an error.
    pub fn strict(self) -> Result<Order, Error> {
        match self.refused.into_iter().next() {
            Some(r) => Err(r.into()),
            None => Ok(self.order),
        }
    }
}

/// The order row of one object.
pub struct OrderStore {
    pub(super) sql: SqlStorage,
    cache: RefCell<Option<Order>>,
    /// The tables exist (created by the first write).
    created: Cell<bool>,
    /// Webhooks are on: events are recorded pending (else skipped).
    pub(super) webhooks_on: bool,
    /// The order row was written since the object last settled.
    dirty: Cell<bool>,
    /// The event log was written (an attempt, a resend) since the object last settled.
    pub(super) events_dirty: Cell<bool>,
}

fn has_table(sql: &SqlStorage) -> Result<bool, Error> {
    let cursor = sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'order_record'", None)
        .map_err(Error::storage)?;
    Ok(cursor.raw().next().is_some())
}

impl OrderStore {
    /// Opens the store (nothing is written until an order is created).
    pub fn open(sql: SqlStorage, webhooks_on: bool) -> Result<Self, Error> {
        let created = has_table(&sql)?;
        Ok(Self {
            sql,
            cache: RefCell::new(None),
            created: Cell::new(created),
            webhooks_on,
            dirty: Cell::new(false),
            events_dirty: Cell::new(false),
        })
    }

    /// True once the object holds an order (its tables exist).
    pub fn exists(&self) -> bool {
        self.created.get()
    }

    /// The order, if this object holds one.
    pub fn load(&self) -> Result<Option<Order>, Error> {
        if let Some(order) = self.cache.borrow().as_ref() {
            return Ok(Some(order.clone()));
        }
        if !self.created.get() {
            return Ok(None);
        }
        let cursor = self.sql.exec("SELECT json FROM order_record WHERE id = 1", None).map_err(Error::storage)?;
        let Some(row) = cursor.raw().next() else { return Ok(None) };
        let row = row.map_err(Error::storage)?;
        let Some(SqlStorageValue::String(json)) = row.into_iter().next() else {
            return Err(Error::storage("the order row is not text"));
        };
        let mut order: Order = serde_json::from_str(&json).map_err(Error::storage)?;
        order.upgrade();
        *self.cache.borrow_mut() = Some(order.clone());
        Ok(Some(order))
    }

    /// Reads the stored order without copying it (the state poll's hot path).
    pub fn with_order<T>(&self, read: impl FnOnce(&Order) -> T) -> Result<Option<T>, Error> {
        if self.cache.borrow().is_none() && self.load()?.is_none() {
            return Ok(None);
        }
        Ok(self.cache.borrow().as_ref().map(read))
    }

    /// The order, which must exist (`-10`).
    pub fn load_existing(&self) -> Result<Order, Error> {
        self.load()?.ok_or_else(Error::order_not_found)
    }

    /// Writes the order and, in the same synchronous run (one atomic commit), the webhook
    /// events its change from `before` makes.
    fn save(&self, before: Option<&Order>, order: &Order, now: i64) -> Result<(), Error> {
        let json = serde_json::to_string(order)?;
        self.sql
            .exec(
                "INSERT INTO order_record (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                vec![SqlStorageValue::String(json)],
            )
            .map_err(Error::storage)?;
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

    /// Stores a new order unless one exists (creating the tables); returns the stored order.
    pub fn create(&self, order: Order) -> Result<Order, Error> {
        if let Some(existing) = self.load()? {
            return Ok(existing);
        }
        self.sql
            .exec(
                "CREATE TABLE IF NOT EXISTS order_record (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
                None,
            )
            .map_err(Error::storage)?;
        super::events::create_table(&self.sql)?;
        self.created.set(true);
        self.save(None, &order, order.created_at)?;
        Ok(order)
    }

    /// Applies changes to the current order (re-read here, never a copy from before an
    /// await) and stores it once if any changed it. A refused change changes nothing and
    /// does not stop the others.
    pub fn apply(&self, changes: Vec<Change>, now: i64) -> Result<Applied, Error> {
        let before = self.load_existing()?;
        let mut order = before.clone();
        let history_before = order.history.len();
        let mut changed = false;
        let mut refused = Vec::new();
        for change in changes {
            match order.apply(change, now) {
                Ok(Outcome::Changed) => changed = true,
                Ok(Outcome::Unchanged) => {}
                Err(refusal) => refused.push(refusal),
            }
        }
        if changed {
            self.save(Some(&before), &order, now)?;
        }
        let transitions = order.history.len() - history_before;
        Ok(Applied { order, transitions, refused })
    }

    /// Shifts the order's times back by `seconds`, as if the clock had moved on (test hook).
    pub fn age(&self, seconds: i64) -> Result<Order, Error> {
        let mut order = self.load_existing()?;
        order.created_at -= seconds;
        order.expires_at -= seconds;
        for s in &mut order.sessions {
            s.started_at -= seconds;
        }
        for r in &mut order.refunds {
            r.requested_at -= seconds;
        }
        self.save(None, &order, order.created_at)?;
        Ok(order)
    }
}
