//! What the order's object keeps of WeChat OAuth: the round trips it started (the page to
//! go back to, and once the code was exchanged, the code and the token it gave) and the
//! payers it learnt (the openid behind a token). The openid stays in here: tokens and
//! logs only ever name a payer's row. Tables are made by the first round trip of an order
//! that exists; rows are dropped when they expire.

use worker::{SqlStorage, SqlStorageValue};

use crate::platform::Error;

/// One OAuth round trip.
pub struct Trip {
    /// The page to go back to.
    pub return_url: String,
    /// The code exchanged for it and the token it gave, once exchanged.
    pub exchanged: Option<(String, String)>,
}

/// The object's OAuth rows.
pub struct Payers<'a> {
    sql: &'a SqlStorage,
}

fn text(v: Option<SqlStorageValue>) -> Option<String> {
    match v {
        Some(SqlStorageValue::String(s)) => Some(s),
        _ => None,
    }
}

impl<'a> Payers<'a> {
    /// The rows of the object whose SQL this is.
    pub fn of(sql: &'a SqlStorage) -> Self {
        Self { sql }
    }

    fn exec(&self, query: &str, args: Vec<SqlStorageValue>) -> Result<Vec<Vec<SqlStorageValue>>, Error> {
        let cursor = self.sql.exec(query, Some(args)).map_err(Error::storage)?;
        cursor.raw().map(|row| row.map_err(Error::storage)).collect()
    }

    fn ensure_tables(&self) -> Result<(), Error> {
        self.exec(
            "CREATE TABLE IF NOT EXISTS oauth_trip (nonce TEXT PRIMARY KEY, return_url TEXT NOT NULL, expires_at INTEGER NOT NULL, code TEXT, token TEXT)",
            vec![],
        )?;
        self.exec(
            "CREATE TABLE IF NOT EXISTS payer (id TEXT PRIMARY KEY, openid TEXT NOT NULL, expires_at INTEGER NOT NULL)",
            vec![],
        )?;
        Ok(())
    }

    fn has_tables(&self) -> Result<bool, Error> {
        Ok(!self.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'payer'", vec![])?.is_empty())
    }

    /// Stores a new round trip (and drops expired rows).
    pub fn start_trip(&self, nonce: &str, return_url: &str, expires_at: i64, now: i64) -> Result<(), Error> {
        self.ensure_tables()?;
        self.exec("DELETE FROM oauth_trip WHERE expires_at <= ?", vec![now.into()])?;
        self.exec("DELETE FROM payer WHERE expires_at <= ?", vec![now.into()])?;
        self.exec(
            "INSERT INTO oauth_trip (nonce, return_url, expires_at) VALUES (?, ?, ?)",
            vec![nonce.into(), return_url.into(), expires_at.into()],
        )?;
        Ok(())
    }

    /// A round trip still open.
    pub fn trip(&self, nonce: &str, now: i64) -> Result<Option<Trip>, Error> {
        if !self.has_tables()? {
            return Ok(None);
        }
        let rows = self.exec(
            "SELECT return_url, code, token FROM oauth_trip WHERE nonce = ? AND expires_at > ?",
            vec![nonce.into(), now.into()],
        )?;
        Ok(rows.into_iter().next().and_then(|row| {
            let mut cols = row.into_iter();
            let return_url = text(cols.next())?;
            let exchanged = text(cols.next()).zip(text(cols.next()));
            Some(Trip { return_url, exchanged })
        }))
    }

    /// Records what an exchange learnt: the payer, and the token the trip gave for it.
    pub fn record_payer(
        &self,
        nonce: &str,
        code: &str,
        token: &str,
        payer_id: &str,
        openid: &str,
        expires_at: i64,
    ) -> Result<(), Error> {
        self.exec(
            "INSERT INTO payer (id, openid, expires_at) VALUES (?, ?, ?)",
            vec![payer_id.into(), openid.into(), expires_at.into()],
        )?;
        self.exec(
            "UPDATE oauth_trip SET code = ?, token = ? WHERE nonce = ?",
            vec![code.into(), token.into(), nonce.into()],
        )?;
        Ok(())
    }

    /// The openid of a payer row not yet expired.
    pub fn openid(&self, payer_id: &str, now: i64) -> Result<Option<String>, Error> {
        if !self.has_tables()? {
            return Ok(None);
        }
        let rows =
            self.exec("SELECT openid FROM payer WHERE id = ? AND expires_at > ?", vec![payer_id.into(), now.into()])?;
        Ok(rows.into_iter().next().and_then(|row| text(row.into_iter().next())))
    }
}
