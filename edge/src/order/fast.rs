//! The order object's synchronous entry point for the thin JavaScript shell
//! (`edge/entry.js`): each Rust `await` of a JS promise costs 13–29 µs on workerd, so a
//! state poll that needs no provider check is answered by [`OrderObject::answer_now`]
//! from the stored order with no await. Everything else goes to the object's handler.

use paycore::api::{StateReply, parse_command};
use wasm_bindgen::prelude::*;

use super::{OrderObject, now};

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
            let asks = self.agenda.borrow().poll(order, now);
            asks.is_empty().then(|| serde_json::to_string(&StateReply::of(order, now)).ok())
        });
        reply.ok().flatten().flatten().flatten()
    }
}
