//! `Watch`: one `pollState` call's decisions, for the JavaScript shell that runs its
//! socket, requests and timer. Each method reports an event and returns what to do next as
//! a number: a delay in ms (`>= 0`), or one of the negative actions below. The rules are
//! `paycore::poll::Watcher`'s, tested natively.

use paycore::OrderNo;
use paycore::api::StateReply;
use paycore::poll::{Next, Transport, Watcher};
use wasm_bindgen::prelude::*;

use crate::js::{self, codes};
use crate::reply::{state_object, state_of};

/// Resolve with `current()`.
const DONE: f64 = -1.0;
/// Reject with `expired()`.
const EXPIRED: f64 = -2.0;
/// Reject with the error just reported.
const FAIL: f64 = -3.0;
/// Drop the socket (unanswered ping), then report it with `closed(true)`.
const RECONNECT: f64 = -4.0;
/// `closed()`: do not try the socket again.
const NO_RETRY: f64 = -5.0;

fn code(next: Next) -> f64 {
    match next {
        Next::Done => DONE,
        Next::Expired => EXPIRED,
        Next::Fail => FAIL,
        Next::Reconnect => RECONNECT,
        Next::Wait(ms) => ms as f64,
    }
}

/// What one `pollState` call knows and decides.
#[wasm_bindgen(skip_typescript)]
pub struct Watch {
    order_no: OrderNo,
    live_url: String,
    watcher: Watcher,
    last: Option<StateReply>,
    /// The last state not yet given to `onUpdate`.
    unreported: Option<JsValue>,
}

#[wasm_bindgen]
impl Watch {
    /// `new Watch(orderNo, endpoint, nowMs)`; throws a `PayError` (-3) for a bad order number.
    #[wasm_bindgen(constructor)]
    pub fn new(order_no: JsValue, endpoint: &str, now_ms: f64) -> Result<Watch, JsValue> {
        let order_no = crate::order_no(&order_no)?;
        Ok(Watch {
            live_url: paycore::http::live_url(endpoint, &order_no),
            order_no,
            watcher: Watcher::new(now_ms as u64),
            last: None,
            unreported: None,
        })
    }

    /// The order's live-state WebSocket URL.
    #[wasm_bindgen(getter, js_name = liveUrl)]
    pub fn live_url(&self) -> String {
        self.live_url.clone()
    }

    /// The `WechatPayState` body to poll with.
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> String {
        crate::command::about("WechatPayState", &self.order_no)
    }

    /// A state reply arrived (`live`: over the socket). Throws a `PayError` when it is not
    /// a state of this order.
    pub fn state(&mut self, json: JsValue, live: bool, now_ms: f64) -> Result<f64, JsValue> {
        let state = state_of(&json)?;
        if state.order_no != self.order_no.as_str() {
            return Err(js::error(codes::BAD_REPLY, "the reply is about another order"));
        }
        let (changed, next) =
            self.watcher.on_state(state.pay_state, state.expires_at, state.server_time, now_ms as u64);
        if changed {
            self.unreported = Some(state_object(&state, Some(if live { "live" } else { "polling" })));
        }
        self.last = Some(state);
        Ok(code(next))
    }

    /// The state to give `onUpdate`, once per change; `undefined` when nothing is new.
    pub fn update(&mut self) -> JsValue {
        self.unreported.take().unwrap_or(JsValue::UNDEFINED)
    }

    /// The last state seen, for the promise to resolve with.
    pub fn current(&self) -> JsValue {
        let transport = match self.watcher.transport() {
            Transport::Live => "live",
            Transport::Polling => "polling",
        };
        self.last.as_ref().map_or(JsValue::UNDEFINED, |s| state_object(s, Some(transport)))
    }

    /// A poll failed with `error` (a `PayError`).
    pub fn error(&mut self, error: &JsValue, now_ms: f64) -> f64 {
        let code = js::int(error, "code").and_then(|c| i32::try_from(c).ok()).unwrap_or(codes::NETWORK);
        self::code(self.watcher.on_error(code, now_ms as u64))
    }

    /// The socket opened; the delay is the first heartbeat.
    pub fn opened(&mut self, now_ms: f64) -> f64 {
        code(self.watcher.on_open(now_ms as u64))
    }

    /// The socket closed (`was_open`) or failed to open: poll now; the result is the delay
    /// before trying the socket again, or -5 to stop trying.
    pub fn closed(&mut self, was_open: bool) -> f64 {
        self.watcher.on_close(was_open).map_or(NO_RETRY, |ms| ms as f64)
    }

    /// A non-state message (`pong`) arrived on the socket.
    pub fn heard(&mut self) {
        self.watcher.on_heard();
    }

    /// Live: the timer fired. Send `ping` and wait the returned delay, or act.
    pub fn tick(&mut self, now_ms: f64) -> f64 {
        code(self.watcher.on_tick(now_ms as u64))
    }

    /// The error `pollState` rejects with: the order expired unpaid, or (`aborted`) the
    /// caller's signal fired.
    pub fn stopped(&self, aborted: bool) -> JsValue {
        if aborted {
            js::error(codes::ABORTED, "polling was aborted")
        } else {
            js::error(codes::EXPIRED, "the order expired before it was paid")
        }
    }
}
