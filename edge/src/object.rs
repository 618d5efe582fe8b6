//! `OrderObject`: one Durable Object per order number, the only code that changes an
//! order. Durable Objects run one instance per id worldwide and deliver one event at a
//! time except while it awaits I/O, so every change here is a read-decide-write on its own
//! SQLite row, re-read after every provider call. After each change it sets its alarm (its
//! own provider checks) and refreshes the KV projection that `ListOrders` reads.
//!
//! Internal paths (only the worker's own routes reach them, through the `ORDER` binding):
//!
//! | path | what |
//! |---|---|
//! | `POST /api` | a command body, already authenticated by the route |
//! | `POST /notify/wechat`, `/notify/alipay`, `/notify/alipay/refund` | a notify the route verified |
//! | `GET /live/<order_no>` | a page's WebSocket: accepted here, told every change (see `live`) |
//! | `GET /return/alipay?…` | a verified buyer return: `{"location": …}` |
//! | `POST /test/age` | `{"seconds": n}`: moves the order's clock back (only with `TEST_HOOKS=on`) |

use std::cell::Cell;

use paycore::api::{ApiError, Command, EventReply, EventsReply, ResultCode, parse_command};
use paycore::order::Order;
use paycore::policy;
use worker::{DurableObject, Env, Request, Response, Result, State, console_log, durable_object};

use crate::config::Config;
use crate::order_store::{Applied, OrderStore};
use crate::projection::Projection;
use crate::{checks, commands, live, merchant, notify, notify_openapi, notify_wechat_v3, reply, webhooks};

/// The order's Durable Object.
#[durable_object]
pub struct OrderObject {
    state: State,
    env: Env,
    store: std::result::Result<OrderStore, ApiError>,
    /// When this instance last asked the providers (page polls ask at most every 3 s).
    pub(crate) last_asked: Cell<Option<i64>>,
    /// A provider check is in flight: polls answer the stored state meanwhile.
    pub(crate) checking: Cell<bool>,
    /// A refund is being sent: another waits for it, then plans against its result.
    pub(crate) refunding: Cell<bool>,
    /// A webhook delivery is running: one at a time, in order.
    pub(crate) delivering: Cell<bool>,
    /// The alarm this instance set (ms since the epoch), to skip setting it again.
    alarm_at: Cell<Option<i64>>,
    /// When the providers are next due to be asked (Unix seconds): an alarm that fires
    /// earlier (for a webhook) does not ask them.
    check_at: Cell<Option<i64>>,
    projection: Projection,
}

pub(crate) fn now() -> i64 {
    (worker::Date::now().as_millis() / 1000) as i64
}

impl OrderObject {
    /// The order's store.
    pub(crate) fn store(&self) -> std::result::Result<&OrderStore, ApiError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The settings, read from the object's environment.
    pub(crate) fn config(&self) -> Config {
        Config::new(self.env.clone())
    }

    /// Logs the transitions of an applied change.
    pub(crate) fn log_applied(&self, applied: &Applied) {
        let history = &applied.order.history;
        for t in &history[history.len() - applied.transitions..] {
            console_log!(
                "{}",
                serde_json::json!({"event": "transition", "order_no": applied.order.order_no.as_str(), "from": t.from, "to": t.to, "source": t.source})
            );
        }
    }

    /// After a request or alarm: when the stored order or its events changed, set the alarm
    /// for the next check or delivery, and refresh the listing projection when the order did.
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
        self.schedule(&order, now).await;
        if order_changed {
            live::broadcast(&self.state, &order, now);
            self.projection.refresh(&self.state, &self.config(), &order, now);
        }
    }

    /// Sets the alarm to the next provider check or webhook attempt, whichever is first.
    async fn schedule(&self, order: &Order, now: i64) {
        let storage = self.state.storage();
        let check_at = policy::next_check_at_watched(order, now, live::watched(&self.state));
        self.check_at.set(check_at);
        let event_at = self.store().ok().and_then(|s| s.next_event_at().ok().flatten());
        let next_ms = match (check_at, event_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|at| at * 1000);
        if next_ms == self.alarm_at.get() {
            return;
        }
        let result = match next_ms {
            Some(at_ms) => {
                let offset = (at_ms - worker::Date::now().as_millis() as i64).max(1);
                storage.set_alarm(offset).await
            }
            None => storage.delete_alarm().await,
        };
        match result {
            Ok(()) => self.alarm_at.set(next_ms),
            Err(e) => console_log!("{}", serde_json::json!({"event": "alarm_failed", "error": e.to_string()})),
        }
    }

    async fn api(&self, mut req: Request, now: i64) -> std::result::Result<Response, ApiError> {
        let body = req.bytes().await.map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
        let config = self.config();
        let resp = match parse_command(&body)? {
            Command::Pay(r) => reply::ok(&commands::pay(self, &config, r, now).await?),
            Command::WechatPay(r) => reply::ok(&commands::wechat_pay(self, &config, r, now).await?),
            Command::WechatPayState(_) => reply::ok(&commands::state(self, &config, now).await?),
            Command::AlipayQr(_) => reply::ok(&commands::alipay_qr(self, &config, now).await?),
            Command::CreateOrder(r) => reply::ok(&merchant::create_order(self, &config, r, now)?),
            Command::CloseOrder(_) => reply::ok(&merchant::close_order(self, &config, now).await?),
            Command::Refund(r) => reply::ok(&merchant::refund(self, &config, r, now).await?),
            Command::QueryOrder(_) => reply::ok(&merchant::query_order(self)?),
            Command::ListEvents(_) => {
                reply::ok(&EventsReply { result: 0, msg: String::new(), events: self.store()?.events()? })
            }
            Command::ResendEvent(r) => {
                let event = webhooks::resend(self, &config, &r.event_id, now).await?;
                reply::ok(&EventReply { result: 0, msg: String::new(), event })
            }
            Command::ListOrders(_) => return Err(ApiError::new(ResultCode::NotFound, "ListOrders is not an order's")),
        };
        resp.map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
    }

    async fn route(&self, mut req: Request, now: i64) -> std::result::Result<Response, ApiError> {
        let url = req.inner().url();
        let path = reply::path_of(&url).to_owned();
        match path.as_str() {
            "/api" => self.api(req, now).await,
            p if p.starts_with("/notify/") => {
                let body = req.bytes().await.map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
                let config = self.config();
                match p {
                    "/notify/wechat" => notify::apply_wechat(self, &config, &body, now)?,
                    "/notify/wechat/v3/transaction" => notify_wechat_v3::apply_transaction(self, &config, &body, now)?,
                    "/notify/wechat/v3/refund" => notify_wechat_v3::apply_refund(self, &config, &body, now)?,
                    "/notify/alipay" => notify::apply_alipay_trade(self, &config, &body, now)?,
                    "/notify/alipay/refund" => notify::apply_alipay_refund(self, &config, &body, now)?,
                    "/notify/alipay/openapi" => notify_openapi::apply(self, &config, &body, now)?,
                    _ => return Err(ApiError::new(ResultCode::NotFound, "no such path")),
                }
                ok_reply()
            }
            p if p.starts_with("/live/") => {
                let resp = live::accept(self, &self.state, now)?;
                // A watched order is checked more often: re-arm for it.
                if let Ok(order) = self.store()?.load_existing() {
                    self.schedule(&order, now).await;
                }
                Ok(resp)
            }
            "/return/alipay" => {
                let query = url.split_once('?').map_or("", |(_, q)| q).to_owned();
                let location = notify::alipay_return_location(self, &self.config(), &query, now).await?;
                reply::ok(&serde_json::json!({"result": 0, "msg": "", "location": location}))
                    .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
            }
            "/test/age" if self.config().test_hooks() => {
                let body: serde_json::Value =
                    req.json().await.map_err(|e| ApiError::new(ResultCode::MalformedJson, e.to_string()))?;
                let seconds = body["seconds"].as_i64().unwrap_or(0);
                let order = self.store()?.age(seconds)?;
                // The alarm follows the order's new times.
                self.alarm_at.set(None);
                self.schedule(&order, now).await;
                reply::ok(&paycore::api::OrderReply::ok(order))
                    .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
            }
            _ => Err(ApiError::new(ResultCode::NotFound, "no such path")),
        }
    }
}

fn ok_reply() -> std::result::Result<Response, ApiError> {
    reply::ok(&serde_json::json!({"result": 0, "msg": ""}))
        .map_err(|e| ApiError::new(ResultCode::Internal, e.to_string()))
}

pub(crate) fn log_error(what: &str, e: &ApiError) {
    console_log!("{}", serde_json::json!({"event": "object_error", "what": what, "code": e.code.code(), "msg": e.msg}));
}

impl DurableObject for OrderObject {
    fn new(state: State, env: Env) -> Self {
        let store = OrderStore::open(state.storage().sql());
        Self {
            state,
            env,
            store,
            last_asked: Cell::new(None),
            checking: Cell::new(false),
            refunding: Cell::new(false),
            delivering: Cell::new(false),
            alarm_at: Cell::new(None),
            check_at: Cell::new(None),
            projection: Projection::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let now = now();
        let allowed_origin = req.headers().get(reply::ALLOWED_ORIGIN_HEADER)?;
        let resp = match self.route(req, now).await {
            Ok(resp) => resp,
            Err(e) => reply::error(&e)?,
        };
        self.settle(now).await;
        reply::allow_origin(resp, allowed_origin.as_deref())
    }

    async fn alarm(&self) -> Result<Response> {
        let now = now();
        self.alarm_at.set(None);
        if let Ok(Some(order)) = self.store().and_then(|s| s.load()) {
            let config = self.config();
            let due = policy::due_checks(&order, now);
            let check_due = self.check_at.get().is_none_or(|at| now >= at);
            if check_due
                && !due.is_empty()
                && !self.checking.get()
                && let Err(e) = checks::run(self, &config, due, now).await
            {
                log_error("alarm check", &e);
            }
            if let Err(e) = webhooks::deliver_due(self, &config).await {
                log_error("webhook delivery", &e);
            }
            // Always re-arm from the order as it is now, changed or not.
            if let Ok(order) = self.store().and_then(|s| s.load_existing()) {
                self.alarm_at.set(None);
                self.schedule(&order, crate::object::now()).await;
            }
            self.settle(now).await;
        }
        Response::ok("")
    }
}
