//! `OrderObject`: one Durable Object per order number, the only code that changes an
//! order. Durable Objects run one instance per id worldwide and deliver one event at a
//! time except while it awaits I/O, so every change here is a read-decide-write on its own
//! SQLite row, re-read after every provider call. After each change it sets the alarm
//! `paycore::schedule` asks for, tells the pages that watch it, and refreshes the KV
//! projection that `ListOrders` reads.
//!
//! Internal paths (only the worker's own routes reach them, through the `ORDER` binding):
//!
//! | path | what |
//! |---|---|
//! | `POST /api` | a command body, already authenticated by the route |
//! | `POST /notice` | a notify the route verified, as a `paycore::facts::Notice` |
//! | `POST /return[/<token>]` | the buyer's verified return (a `Notice`) and the sealed destination of its `Pay`: `{"location": …}` |
//! | `POST /recon/record` | `{"wallet", "date"}`: what the order recorded that bill day (see [`recon`]) |
//! | `POST /recon/check` | `{"wallet", "date"}`: every trade asked about (MAPI's day): `{"found": <finding or null>}` |
//! | `POST /recon/lead` | `{"wallet", "date", "finding"}`: a bill's finding asked about and recorded: `{"action"}` |
//! | `POST /oauth/start` | `{"return_url"}`: a WeChat OAuth round trip for JSAPI: `{"location": …}` (see [`oauth`]) |
//! | `POST /oauth/callback` | `{"nonce", "code"}`: its callback: `{"location": <return_url with the payer token>}` |
//! | `GET /live/<order_no>` | a page's WebSocket: accepted here, told every change (see [`live`]) |
//! | `POST /test/age` | `{"seconds": n}`: moves the order's clock back (only with `TEST_HOOKS=on`) |

mod commands;
mod drive;
mod events;
mod fast;
mod live;
mod merchant;
mod oauth;
mod payers;
mod projection;
mod recon;
mod store;
pub(crate) mod webhooks;

use std::cell::{Cell, RefCell};

use paycore::api::{ApiError, Command, EventReply, EventsReply, ResultCode, parse_command};
use paycore::facts::Notice;
use paycore::schedule::{Agenda, View};
use worker::{DurableObject, Env, Request, Response, Result, State, console_log, durable_object};

pub use live::open as open_live;
pub use projection::{created_on, list as list_orders};

use self::projection::Projection;
use self::store::{Applied, OrderStore};
use crate::platform::config::Config;
use crate::platform::{Error, reply};

/// The order's Durable Object.
#[durable_object]
pub struct OrderObject {
    state: State,
    env: Env,
    store: std::result::Result<OrderStore, Error>,
    /// When the providers were last asked and what runs: the object's timers' memory.
    agenda: RefCell<Agenda>,
    /// One refund of this order is sent at a time; the next waits its turn.
    refunds: futures_util::lock::Mutex<()>,
    /// One WeChat OAuth code exchange at a time (a replayed callback waits for the first).
    oauth: futures_util::lock::Mutex<()>,
    /// How many `CloseOrder`s of this order run now: no code is handed out meanwhile.
    closing: Cell<u32>,
    /// The alarm this instance set (ms since the epoch), to skip setting it again.
    alarm_at: Cell<Option<i64>>,
    /// Whether this instance set the alarm from the stored order yet (a new instance, after
    /// a deploy or eviction, does on its first request: settings may have changed).
    armed: Cell<bool>,
    projection: Projection,
}

/// The clock, in Unix seconds.
pub fn now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

impl OrderObject {
    /// The order's store.
    fn store(&self) -> std::result::Result<&OrderStore, Error> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The settings, read from the object's environment.
    fn config(&self) -> Config {
        Config::new(self.env.clone())
    }

    /// Logs the transitions of an applied change.
    fn log_applied(&self, applied: &Applied) {
        let history = &applied.order.history;
        for t in &history[history.len() - applied.transitions..] {
            console_log!(
                "{}",
                serde_json::json!({"log": "transition", "order_no": applied.order.order_no.as_str(), "from": t.from, "to": t.to, "source": t.source})
            );
        }
        for r in &applied.refused {
            console_log!(
                "{}",
                serde_json::json!({"log": "change_refused", "order_no": applied.order.order_no.as_str(), "why": r.to_string()})
            );
        }
    }

    /// After a request or alarm: when the stored order or its events changed, set the alarm
    /// and tell the pages and the projection (when the order did).
    async fn settle(&self, now: i64) {
        let Ok(store) = self.store() else { return };
        let (order_changed, events_changed) = store.take_dirty();
        if !order_changed && !events_changed {
            return;
        }
        let order = match store.load_existing() {
            Ok(order) => order,
            Err(e) => return log_error("settle", &e),
        };
        if order_changed {
            live::broadcast(&self.state, &order, now);
            self.projection.refresh(&self.state, &self.config(), &order, now);
        }
        self.schedule(now).await;
    }

    /// Sets the alarm to the wake `paycore::schedule` asks for (or deletes it).
    async fn schedule(&self, now: i64) {
        let Ok(store) = self.store() else { return };
        let Ok(Some(order)) = store.load() else { return };
        self.armed.set(true);
        let config = self.config();
        // Events wake the object only while webhooks are configured (off or misconfigured:
        // they wait, and no alarm is set for them; a misconfiguration is logged).
        let pending_at = store.next_event_at().ok().flatten();
        let next_event_at = match config.webhook() {
            Some(Ok(_)) => pending_at,
            Some(Err(reason)) => {
                if pending_at.is_some() {
                    console_log!("{}", serde_json::json!({"log": "webhooks_not_delivered", "reason": reason}));
                }
                None
            }
            None => None,
        };
        let view = View { order: &order, watched: live::watched(&self.state), next_event_at };
        self.agenda.borrow_mut().projection_failed(self.projection.failed_at());
        let next_ms = self.agenda.borrow().next_wake(&view, now).map(|at| at * 1000);
        if next_ms == self.alarm_at.get() {
            return;
        }
        let storage = self.state.storage();
        let result = match next_ms {
            Some(at_ms) => storage.set_alarm((at_ms - worker::Date::now().as_millis() as i64).max(1)).await,
            None => storage.delete_alarm().await,
        };
        match result {
            Ok(()) => self.alarm_at.set(next_ms),
            Err(e) => console_log!("{}", serde_json::json!({"log": "alarm_failed", "error": e.to_string()})),
        }
    }

    async fn api(&self, mut req: Request, now: i64) -> std::result::Result<Response, Error> {
        let body = req.bytes().await?;
        let config = self.config();
        match parse_command(&body)? {
            Command::Pay(r) => {
                let client_ip = req.headers().get(reply::CLIENT_IP_HEADER)?;
                json(&commands::pay(self, &config, r, client_ip, now).await?)
            }
            Command::WechatPay(_) => json(&commands::wechat_pay(self, &config, now).await?),
            Command::WechatPayState(_) => json(&commands::state(self, &config, now).await?),
            Command::AlipayQr(_) => json(&commands::alipay_qr(self, &config, now).await?),
            Command::CreateOrder(r) => json(&merchant::create_order(self, &config, r, now)?),
            Command::CloseOrder(_) => json(&merchant::close_order(self, &config, now).await?),
            Command::Refund(r) => json(&merchant::refund(self, &config, r, now).await?),
            Command::QueryOrder(_) => json(&merchant::query_order(self)?),
            Command::ListEvents(_) => {
                self.store()?.load_existing()?;
                json(&EventsReply { result: 0, msg: String::new(), events: self.store()?.events()? })
            }
            Command::ResendEvent(r) => {
                let event = webhooks::resend(self, &config, &r.event_id, now).await?;
                json(&EventReply { result: 0, msg: String::new(), event })
            }
            Command::ListOrders(_) | Command::Reconcile(_) | Command::ListReconciliations(_) => {
                Err(ApiError::new(ResultCode::NotFound, "not an order's command").into())
            }
        }
    }

    async fn route(&self, mut req: Request, now: i64) -> std::result::Result<Response, Error> {
        let url = req.inner().url();
        match reply::path_of(&url) {
            "/api" => self.api(req, now).await,
            "/notice" => {
                let notice: Notice = serde_json::from_slice(&req.bytes().await?)?;
                commands::notice(self, &notice, now)?;
                json(&serde_json::json!({"result": 0, "msg": ""}))
            }
            p if p == "/return" || p.starts_with("/return/") => {
                let token = p.strip_prefix("/return/").map(str::to_owned);
                let notice: Notice = serde_json::from_slice(&req.bytes().await?)?;
                let location = commands::buyer_return(self, &self.config(), &notice, token.as_deref(), now).await?;
                json(&serde_json::json!({"result": 0, "msg": "", "location": location}))
            }
            "/recon/record" => {
                let ask: recon::Ask = serde_json::from_slice(&req.bytes().await?)?;
                json(&serde_json::json!({"result": 0, "msg": "", "recorded": recon::recorded(self, &ask)?}))
            }
            "/recon/check" => {
                let ask: recon::Ask = serde_json::from_slice(&req.bytes().await?)?;
                let found = recon::check(self, &self.config(), &ask, now).await?;
                json(&serde_json::json!({"result": 0, "msg": "", "found": found}))
            }
            "/recon/lead" => {
                let ask: recon::Ask = serde_json::from_slice(&req.bytes().await?)?;
                let action = recon::lead(self, &self.config(), &ask, now).await?;
                json(&serde_json::json!({"result": 0, "msg": "", "action": action}))
            }
            "/oauth/start" => {
                let body: serde_json::Value = serde_json::from_slice(&req.bytes().await?)?;
                let return_url = body["return_url"].as_str().unwrap_or_default();
                let location = oauth::start(self, &self.config(), return_url, now)?;
                json(&serde_json::json!({"result": 0, "msg": "", "location": location}))
            }
            "/oauth/callback" => {
                let body: serde_json::Value = serde_json::from_slice(&req.bytes().await?)?;
                let (nonce, code) =
                    (body["nonce"].as_str().unwrap_or_default(), body["code"].as_str().unwrap_or_default());
                let location = oauth::callback(self, &self.config(), nonce, code, now).await?;
                json(&serde_json::json!({"result": 0, "msg": "", "location": location}))
            }
            p if p.starts_with("/live/") => {
                let resp = live::accept(self, now)?;
                // A watched order is checked more often: re-arm for it.
                self.schedule(now).await;
                Ok(resp)
            }
            "/test/age" if self.config().test_hooks() => {
                let body: serde_json::Value = serde_json::from_slice(&req.bytes().await?)?;
                let order = self.store()?.age(body["seconds"].as_i64().unwrap_or(0))?;
                // The providers' timers follow the order's new times.
                self.agenda.borrow_mut().forget();
                self.alarm_at.set(None);
                json(&paycore::api::OrderReply::ok(order))
            }
            _ => Err(ApiError::new(ResultCode::NotFound, "no such path").into()),
        }
    }
}

/// A JSON reply.
fn json(body: &impl serde::Serialize) -> std::result::Result<Response, Error> {
    Ok(reply::ok(body)?)
}

/// Logs what an alarm or background task could not do.
fn log_error(what: &str, e: &Error) {
    let e = e.api();
    console_log!("{}", serde_json::json!({"log": "object_error", "what": what, "code": e.code.code(), "msg": e.msg}));
}

impl DurableObject for OrderObject {
    fn new(state: State, env: Env) -> Self {
        let webhooks_on = Config::new(env.clone()).webhook().is_some();
        let store = OrderStore::open(state.storage().sql(), webhooks_on);
        Self {
            state,
            env,
            store,
            agenda: RefCell::new(Agenda::default()),
            refunds: futures_util::lock::Mutex::new(()),
            oauth: futures_util::lock::Mutex::new(()),
            closing: Cell::new(0),
            alarm_at: Cell::new(None),
            armed: Cell::new(false),
            projection: Projection::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let now = now();
        let allowed_origin = req.headers().get(reply::ALLOWED_ORIGIN_HEADER)?;
        let resp = match self.route(req, now).await {
            Ok(resp) => resp,
            Err(e) => reply::error(&e.api())?,
        };
        self.settle(now).await;
        if !self.armed.replace(true) {
            self.schedule(now).await;
        }
        reply::allow_origin(resp, allowed_origin.as_deref())
    }

    async fn alarm(&self) -> Result<Response> {
        let now = now();
        self.alarm_at.set(None);
        if let Err(e) = drive::wake(self, now).await {
            log_error("alarm", &e);
        }
        self.settle(now).await;
        // Always re-arm from the order as it is now, changed or not.
        self.schedule(self::now()).await;
        Response::ok("")
    }
}
