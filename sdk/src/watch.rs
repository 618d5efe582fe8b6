//! `Watch`: one `pollState` call's decisions, for the JavaScript shell that runs its
//! socket, requests and timer. The shell reports each event to [`Watch::on`], which answers
//! what to do next as a number: a delay in ms (`>= 0`), or one of the negative actions below. The rules are
//! `paycore::poll::Watcher`'s, tested natively.

use paycore::OrderNo;
use paycore::api::StateReply;
use paycore::poll::{Next, Transport, Watcher};
use wasm_bindgen::prelude::*;

use crate::js::{self, codes};
use crate::reply::{check, state_object, state_of};

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

/// The API's "too many page requests from this client IP" (HTTP 429).
const RATE_LIMITED: i32 = -29;

/// [`Watch::on`]'s events, by the numbers the shell passes.
pub mod events {
    /// A poll's reply.
    pub const POLL_REPLY: u8 = 0;
    /// A socket message.
    pub const LIVE_MESSAGE: u8 = 1;
    /// A poll failed.
    pub const POLL_FAILED: u8 = 2;
    /// The socket opened.
    pub const SOCKET_OPEN: u8 = 3;
    /// The socket closed or could not open.
    pub const SOCKET_CLOSED: u8 = 4;
    /// The socket answered a ping.
    pub const PONG: u8 = 5;
    /// Live: the timer fired (the match's last arm: any other number).
    #[allow(dead_code)]
    pub const TICK: u8 = 6;
}

fn code_of(next: Next) -> f64 {
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
    /// The transport of the last state given to `onUpdate` (`live`).
    reported_live: Option<bool>,
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
            reported_live: None,
        })
    }

    /// The order's live-state WebSocket URL.
    #[wasm_bindgen(getter, js_name = liveUrl)]
    pub fn live_url(&self) -> String {
        self.live_url.clone()
    }

    /// What happened, and what to do next (one entry point keeps the page's download small).
    /// `event` is one of the shell's numbered events:
    ///
    /// | event | value | |
    /// |---|---|---|
    /// | 0 poll, 1 live | the state JSON | a poll's reply or a socket message; throws the API's error when `result` is not 0, a `PayError` (-31) when it is not this order's state |
    /// | 2 error | the `PayError` | a poll failed |
    /// | 3 open | | the socket opened (the answer is the first heartbeat) |
    /// | 4 close | it had opened | poll now; the answer is the delay before trying the socket again, or -5 |
    /// | 5 pong | | the socket answered a ping |
    /// | 6 tick | | live: the timer fired; send `ping` on a delay |
    pub fn on(&mut self, event: u8, value: JsValue, now_ms: f64) -> Result<f64, JsValue> {
        let now = now_ms as u64;
        Ok(match event {
            events::POLL_REPLY | events::LIVE_MESSAGE => self.state(&value, event == events::LIVE_MESSAGE, now)?,
            events::POLL_FAILED => {
                let code = js::int(&value, "code").and_then(|c| i32::try_from(c).ok()).unwrap_or(codes::NETWORK);
                // Rate limited (-29, HTTP 429): the next poll may pass, like after a network fault.
                let code = if code == RATE_LIMITED { codes::NETWORK } else { code };
                code_of(self.watcher.on_error(code, now))
            }
            events::SOCKET_OPEN => code_of(self.watcher.on_open(now)),
            events::SOCKET_CLOSED => self.watcher.on_close(value.is_truthy()).map_or(NO_RETRY, |ms| ms as f64),
            events::PONG => {
                self.watcher.on_heard();
                0.0
            }
            _ => code_of(self.watcher.on_tick(now)),
        })
    }

    /// A state for the page: the one to give `onUpdate`, once per change (`undefined` when
    /// nothing is new); with `last`, the last state seen, for the promise to resolve with.
    pub fn report(&mut self, last: bool) -> JsValue {
        if !last {
            return self.unreported.take().unwrap_or(JsValue::UNDEFINED);
        }
        let transport = match self.watcher.transport() {
            Transport::Live => "live",
            Transport::Polling => "polling",
        };
        self.last.as_ref().map_or(JsValue::UNDEFINED, |s| state_object(s, Some(transport)))
    }

    /// The error `pollState` rejects with once the order expired unpaid.
    pub fn expired(&self) -> JsValue {
        js::error(codes::EXPIRED, "the order expired unpaid")
    }
}

impl Watch {
    fn state(&mut self, json: &JsValue, live: bool, now: u64) -> Result<f64, JsValue> {
        check(json)?;
        let state = state_of(json)?;
        if state.order_no != self.order_no.as_str() {
            return Err(js::error(codes::BAD_REPLY, "the reply is about another order"));
        }
        let (changed, next) = self.watcher.on_state(state.pay_state, state.expires_at, state.server_time, now);
        // A new state, or the same one brought by the other transport (the page shows which).
        if changed || self.reported_live != Some(live) {
            self.reported_live = Some(live);
            self.unreported = Some(state_object(&state, Some(if live { "live" } else { "polling" })));
        }
        self.last = Some(state);
        Ok(code_of(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `const NAME = value;` of the shell.
    fn shell_const(name: &str) -> f64 {
        let shell = include_str!("../js/paybridge.js");
        let needle = format!("const {name} = ");
        let at = shell.find(&needle).unwrap_or_else(|| panic!("the shell has no {name}")) + needle.len();
        shell[at..].split(';').next().unwrap().trim().parse().unwrap()
    }

    #[test]
    fn the_shells_number_tables_are_the_rusts() {
        for (name, value) in
            [("DONE", DONE), ("EXPIRED", EXPIRED), ("FAIL", FAIL), ("RECONNECT", RECONNECT), ("NO_RETRY", NO_RETRY)]
        {
            assert_eq!(shell_const(name), value, "{name}");
        }
        for (name, value) in [
            ("POLL_REPLY", events::POLL_REPLY),
            ("LIVE_MESSAGE", events::LIVE_MESSAGE),
            ("POLL_FAILED", events::POLL_FAILED),
            ("SOCKET_OPEN", events::SOCKET_OPEN),
            ("SOCKET_CLOSED", events::SOCKET_CLOSED),
            ("PONG", events::PONG),
            ("TICK", events::TICK),
            ("PAY", crate::kinds::PAY),
            ("WECHAT_PAY", crate::kinds::WECHAT_PAY),
            ("ALIPAY_QR", crate::kinds::ALIPAY_QR),
            ("STATE", crate::kinds::STATE),
        ] {
            assert_eq!(shell_const(name), f64::from(value), "{name}");
        }
    }
}
