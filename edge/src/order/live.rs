//! Live order state over WebSockets. A checkout page opens `GET /live/<order_no>`; the
//! route checks the page's origin (WebSockets have no CORS, so the worker refuses an
//! unlisted origin itself) and hands the socket to the order's Durable Object, which
//! accepts it with the hibernation API: an idle socket keeps no object in memory. The
//! object sends the current state at once, then every change, and closes the socket once
//! the order is final. Nothing a page sends can change an order: messages are ignored
//! (`ping` is answered `pong` by the runtime without waking the object).

use paycore::api::{ApiError, ResultCode, StateReply};
use paycore::order::Order;
use worker::{Request, Response, State, WebSocket, WebSocketPair, console_log};

use super::OrderObject;
use crate::platform::config::Config;
use crate::platform::{Error, forward, limits};

/// Close code sent with the final state: the order will not change for a page any more.
const CLOSE_FINAL: u16 = 1000;

/// Live sockets one order keeps; more are refused at the upgrade (`-33`, HTTP 429).
pub const MAX_SOCKETS: usize = 20;

/// The route: checks the upgrade, the origin and the order number, then passes the request
/// to the order's object (which answers 101 with its end of the socket).
pub async fn open(req: Request, config: &Config, segment: &str) -> Result<Response, Error> {
    let headers = req.headers();
    let upgrade = headers.get("upgrade").ok().flatten().unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::new(ResultCode::MethodNotAllowed, "open /live/<order_no> as a WebSocket").into());
    }
    let origin = headers.get("origin").ok().flatten();
    if !paycore::http::live_origin_ok(origin.as_deref(), config.get("ALLOWED_ORIGINS").as_deref()) {
        return Err(ApiError::new(ResultCode::OriginNotAllowed, "this page's origin is not in ALLOWED_ORIGINS").into());
    }
    let order_no = paycore::http::parse_order_segment(segment)
        .ok_or_else(|| ApiError::new(ResultCode::InvalidField, "the path's order_no is invalid"))?;
    limits::count_page_request(config, &req).await?;
    forward::socket(config, &order_no, req).await
}

/// The message a page receives: the `WechatPayState` reply, with the server's clock.
fn message(order: &Order, now: i64) -> Option<String> {
    serde_json::to_string(&StateReply::of(order, now)).ok()
}

fn send(ws: &WebSocket, text: &str, is_final: bool) {
    let sent = ws
        .send_with_str(text)
        .and_then(|()| if is_final { ws.close(Some(CLOSE_FINAL), Some("final")) } else { Ok(()) });
    // A socket the page already closed: nothing to tell it.
    if let Err(e) = sent {
        console_log!("{}", serde_json::json!({"log": "live_send_failed", "error": e.to_string()}));
    }
}

/// In the object: accepts the page's socket (hibernatable) and sends the current state.
pub fn accept(obj: &OrderObject, now: i64) -> Result<Response, Error> {
    let order = obj.store()?.load_existing()?;
    if obj.state.get_websockets().len() >= MAX_SOCKETS {
        return Err(ApiError::new(
            ResultCode::TooManySockets,
            format!("this order already has {MAX_SOCKETS} live sockets; poll WechatPayState instead"),
        )
        .into());
    }
    let pair = WebSocketPair::new()?;
    obj.state.accept_web_socket(&pair.server);
    if let Some(text) = message(&order, now) {
        send(&pair.server, &text, order.state.is_final());
    }
    Ok(Response::from_websocket(pair.client)?)
}

/// After the order changed: tells every open socket; closes them at a final state.
pub fn broadcast(state: &State, order: &Order, now: i64) {
    let sockets = state.get_websockets();
    if sockets.is_empty() {
        return;
    }
    let Some(text) = message(order, now) else { return };
    for ws in &sockets {
        send(ws, &text, order.state.is_final());
    }
}

/// Whether a page follows the order live (the object then asks the providers more often).
pub fn watched(state: &State) -> bool {
    !state.get_websockets().is_empty()
}
