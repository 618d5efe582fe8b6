//! Synchronous entry points for the thin JavaScript shell (`edge/entry.js`) that does the
//! hot path's I/O itself: each Rust `await` of a JS promise costs 13–29 µs on workerd, so
//! on `POST /api` the shell reads the body and calls the order's object, and Rust only
//! decides, with no await: [`route_api`] says where a command goes (or answers it), and
//! [`OrderObject::answer_now`] answers a state poll from the object's own stored order
//! when no provider check is due. Everything else goes to the Rust handlers unchanged.

use paycore::api::{ErrorReply, Route, StateReply, parse_command};
use paycore::policy;
use wasm_bindgen::prelude::*;

use crate::object::{OrderObject, now};

/// Where an `/api` body goes, as one string (cheaper across the boundary than an object):
/// `F<allowed origin>\n<order_no>` to forward to that order's object, `D<allowed origin>`
/// for the Rust handler (`ListOrders` reads KV; an oversized body), or
/// `R<allowed origin>\n<status> <JSON reply>` to answer now (a bad or unauthorized command).
/// The allowed origin is empty when CORS does not apply.
#[wasm_bindgen(js_name = routeApi)]
pub fn route_api(
    body: &[u8],
    authorization: Option<String>,
    origin: Option<String>,
    merchant_token: Option<String>,
    allowed_origins: Option<String>,
) -> String {
    let allowed = origin
        .filter(|o| allowed_origins.as_deref().is_some_and(|list| paycore::http::origin_listed(list, o)))
        .unwrap_or_default();
    if body.len() > paycore::api::MAX_BODY_BYTES {
        return format!("D{allowed}");
    }
    match paycore::api::route(body, merchant_token.as_deref(), authorization.as_deref()) {
        Ok(Route::Order(order_no)) => format!("F{allowed}\n{order_no}"),
        Ok(Route::Listing(_)) => format!("D{allowed}"),
        Err(e) => {
            let reply = serde_json::to_string(&ErrorReply::from(&e)).unwrap_or_default();
            format!("R{allowed}\n{} {reply}", e.code.http_status())
        }
    }
}

#[wasm_bindgen]
impl OrderObject {
    /// The reply to a state poll that needs no I/O: the stored order's state when no
    /// provider check is due (or one is already running). `undefined` sends the command
    /// through the object's full handler instead.
    #[wasm_bindgen(js_name = answerNow)]
    pub fn answer_now(&self, body: &[u8]) -> Option<String> {
        let Ok(paycore::api::Command::WechatPayState(_)) = parse_command(body) else { return None };
        let now = now();
        let reply = self.store().ok()?.with_order(|order| {
            let due = policy::poll_checks(order, self.last_asked.get(), now);
            (due.is_empty() || self.checking.get()).then(|| serde_json::to_string(&StateReply::of(order, now)).ok())
        });
        reply.ok().flatten().flatten().flatten()
    }
}
