//! `ReconObject`: one Durable Object per bill day and wallet (named `<wallet>:<date>`), the
//! only writer of that day's report. It runs the day when asked (`Reconcile`, the cron)
//! and again on its alarm while the bill is not to be had, and delivers the day's own
//! webhook events (`reconciliation.completed`, and findings about no order of this
//! worker; findings about an order go to that order's log).
//!
//! | path | what |
//! |---|---|
//! | `POST /run` | `{"date", "wallet"}`: runs the day now (a re-run compares again); the report |
//! | `POST /report` | the report as kept (`{"report": null}` for a day never run) |

use std::cell::Cell;

use paycore::order::Provider;
use paycore::recon::Report;
use paycore::webhook::{DeliveryState, EventRecord};
use worker::{
    DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State, console_log, durable_object,
};

use crate::order::{now, webhooks};
use crate::platform::config::Config;
use crate::platform::{Error, reply};

/// A bill day's Durable Object.
#[durable_object]
pub struct ReconObject {
    state: State,
    env: Env,
    /// A run is going on in this instance (a second `Reconcile` waits for nothing: it
    /// answers the report as it stands).
    running: Cell<bool>,
}

fn rows(sql: &SqlStorage, query: &str, args: Vec<SqlStorageValue>) -> std::result::Result<Vec<String>, Error> {
    let cursor = sql.exec(query, Some(args)).map_err(Error::storage)?;
    cursor
        .raw()
        .map(|r| match r.map_err(Error::storage)?.into_iter().next() {
            Some(SqlStorageValue::String(s)) => Ok(s),
            _ => Err(Error::storage("not text")),
        })
        .collect()
}

impl ReconObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn ensure_tables(&self) -> std::result::Result<(), Error> {
        let sql = self.sql();
        sql.exec("CREATE TABLE IF NOT EXISTS report (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)", None)
            .map_err(Error::storage)?;
        sql.exec("CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, json TEXT NOT NULL)", None)
            .map_err(Error::storage)?;
        Ok(())
    }

    fn has_tables(&self) -> std::result::Result<bool, Error> {
        Ok(!rows(&self.sql(), "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'report'", vec![])?
            .is_empty())
    }

    /// The kept report, if the day was ever run.
    pub(super) fn report(&self) -> std::result::Result<Option<Report>, Error> {
        if !self.has_tables()? {
            return Ok(None);
        }
        let json = rows(&self.sql(), "SELECT json FROM report WHERE id = 1", vec![])?;
        json.first().map(|j| serde_json::from_str(j).map_err(Error::storage)).transpose()
    }

    /// Stores the report (and sets the alarm for its next attempt).
    pub(super) async fn save(&self, report: &Report) -> std::result::Result<(), Error> {
        self.ensure_tables()?;
        let json = serde_json::to_string(report)?;
        self.sql()
            .exec(
                "INSERT INTO report (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                vec![json.into()],
            )
            .map_err(Error::storage)?;
        self.arm(report).await;
        Ok(())
    }

    /// Queues one of the day's own events (delivered by [`Self::deliver`]).
    pub(super) fn queue(&self, event: &EventRecord) -> std::result::Result<(), Error> {
        self.ensure_tables()?;
        let json = serde_json::to_string(event)?;
        self.sql()
            .exec("INSERT OR IGNORE INTO outbox (id, json) VALUES (?, ?)", vec![event.id.clone().into(), json.into()])
            .map_err(Error::storage)?;
        Ok(())
    }

    fn outbox(&self) -> std::result::Result<Vec<EventRecord>, Error> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        let json = rows(&self.sql(), "SELECT json FROM outbox ORDER BY id", vec![])?;
        json.iter().map(|j| serde_json::from_str(j).map_err(Error::storage)).collect()
    }

    /// Delivers the day's due events (while webhooks are set up).
    pub(super) async fn deliver(&self, config: &Config) -> std::result::Result<(), Error> {
        let Some(settings) = webhooks::settings(config) else { return Ok(()) };
        for mut event in self.outbox()? {
            if !event.is_due(now()) {
                continue;
            }
            let (attempt, state, next_at) = webhooks::send(&settings, &event).await;
            event.attempts.push(attempt);
            event.state = state;
            event.next_attempt_at = next_at;
            let json = serde_json::to_string(&event)?;
            self.sql()
                .exec("UPDATE outbox SET json = ? WHERE id = ?", vec![json.into(), event.id.clone().into()])
                .map_err(Error::storage)?;
        }
        Ok(())
    }

    /// The alarm: the report's next attempt or the next event delivery, whichever comes first.
    async fn arm(&self, report: &Report) {
        let events = self.outbox().unwrap_or_default();
        let next_event =
            events.iter().filter(|e| e.state == DeliveryState::Pending).filter_map(|e| e.next_attempt_at).min();
        let next = [report.next_attempt_at, next_event].into_iter().flatten().min();
        let storage = self.state.storage();
        let result = match next {
            Some(at) => storage.set_alarm(((at - now()) * 1000).max(1000)).await,
            None => storage.delete_alarm().await,
        };
        if let Err(e) = result {
            console_log!("{}", serde_json::json!({"log": "alarm_failed", "error": e.to_string()}));
        }
    }

    async fn route(&self, mut req: Request) -> std::result::Result<Response, Error> {
        let config = Config::new(self.env.clone());
        match reply::path_of(&req.inner().url()) {
            "/run" => {
                let ask: serde_json::Value = serde_json::from_slice(&req.bytes().await?)?;
                let date = paycore::bills::parse_bill_date(ask["date"].as_str().unwrap_or_default())
                    .map_err(|e| paycore::api::ApiError::new(paycore::api::ResultCode::InvalidField, e.to_string()))?;
                let wallet: Provider = serde_json::from_value(ask["wallet"].clone())?;
                let report = if self.running.replace(true) {
                    self.report()?.unwrap_or_else(|| Report::new(date, wallet, now()))
                } else {
                    let done = super::run::run(self, &config, date, wallet).await;
                    self.running.set(false);
                    done?
                };
                Ok(reply::ok(&serde_json::json!({"result": 0, "msg": "", "report": report}))?)
            }
            "/report" => Ok(reply::ok(&serde_json::json!({"result": 0, "msg": "", "report": self.report()?}))?),
            _ => Err(paycore::api::ApiError::new(paycore::api::ResultCode::NotFound, "no such path").into()),
        }
    }
}

impl DurableObject for ReconObject {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, running: Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.route(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => reply::error(&e.api()),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let config = Config::new(self.env.clone());
        let report = self.report().ok().flatten();
        let due = report.filter(|r| r.is_due(now()));
        if let Some((report, date)) = due.and_then(|r| paycore::bills::parse_bill_date(&r.date).ok().map(|d| (r, d)))
            && !self.running.replace(true)
        {
            if let Err(e) = super::run::run(self, &config, date, report.wallet).await {
                console_log!(
                    "{}",
                    serde_json::json!({"log": "reconciliation_failed", "date": report.date, "error": e.api().msg})
                );
            }
            self.running.set(false);
        }
        if let Err(e) = self.deliver(&config).await {
            console_log!("{}", serde_json::json!({"log": "reconciliation_events", "error": e.api().msg}));
        }
        if let Ok(Some(report)) = self.report() {
            self.arm(&report).await;
        }
        Response::ok("")
    }
}
