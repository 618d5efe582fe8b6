//! Reading the API's replies (already parsed by the browser) into the SDK's JS objects,
//! and the errors of a call that got no usable reply.

use paycore::api::{PayType, StateReply};
use paycore::order::PayState;
use wasm_bindgen::prelude::*;

use crate::js::{self, codes};

fn bad_reply(field: &str) -> JsValue {
    js::error(codes::BAD_REPLY, &js::cat(&["the reply's `", field, "` is missing or invalid"]))
}

/// Ok when the reply's `result` is 0; otherwise a `PayError` with the API's code and message.
pub fn check(json: &JsValue) -> Result<(), JsValue> {
    match js::int(json, "result") {
        Some(0) => Ok(()),
        Some(code) => {
            let msg = js::get(json, "msg").as_string().unwrap_or_default();
            Err(js::error(i32::try_from(code).unwrap_or(codes::BAD_REPLY), &msg))
        }
        None => Err(bad_reply("result")),
    }
}

/// The error of a call that got no usable reply: `fetch` failed (`status` 0; `aborted` when
/// the caller's signal did it), or HTTP `status` came without JSON.
#[cfg_attr(not(feature = "checkout"), wasm_bindgen(skip_typescript))]
pub fn failure(url: &str, status: u16, cause: JsValue, aborted: bool) -> JsValue {
    if aborted {
        return js::error(codes::ABORTED, "aborted");
    }
    if status != 0 {
        let e = js::error(codes::BAD_REPLY, "the API answered without JSON (HTTP status in .status)");
        let _ = js_sys::Reflect::set(&e, &"status".into(), &status.into());
        return e;
    }
    let why = js::get(&cause, "message").as_string().unwrap_or_else(|| "fetch failed".to_owned());
    js::error(codes::NETWORK, &js::cat(&["could not reach ", url, ": ", &why]))
}

/// What a client method resolves with, from its reply's JSON; throws the API's error when
/// `result` is not 0.
#[cfg_attr(not(feature = "checkout"), wasm_bindgen(skip_typescript))]
pub fn read(kind: u8, json: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    check(&json)?;
    match kind {
        crate::kinds::PAY => read_pay(&json, crate::wallet_of(&options)?),
        crate::kinds::WECHAT_PAY => read_code(&json, "code_url", true),
        crate::kinds::ALIPAY_QR => read_code(&json, "qr_code", false),
        _ => Ok(state_object(&state_of(&json)?, None)),
    }
}

/// `client.pay()`'s result: the URL of the wallet asked for (WeChat's is a QR code's text).
fn read_pay(json: &JsValue, wallet: PayType) -> Result<JsValue, JsValue> {
    let info = js::get(json, "pay_info");
    let field = if wallet == PayType::Alipay { "alipay_url" } else { "wechat_pay_url" };
    let url = js::get(&info, field).as_string().ok_or_else(|| bad_reply("pay_info"))?;
    let url = JsValue::from(url);
    Ok(match wallet {
        PayType::Alipay => js::object(&[("alipayUrl", Some(url))]),
        PayType::Wechat => js::object(&[("wechatPayUrl", Some(url.clone())), ("qrCode", Some(url))]),
    })
}

/// A QR code's reply: `{ qrCode, expiresAt }` (ms); `client.wechatPay()`'s also carries the
/// code as `codeUrl` (its older name).
fn read_code(json: &JsValue, field: &str, also_code_url: bool) -> Result<JsValue, JsValue> {
    let code = JsValue::from(js::get(json, field).as_string().ok_or_else(|| bad_reply(field))?);
    let expires_at = js::int(json, "expires_at").ok_or_else(|| bad_reply("expires_at"))?;
    Ok(js::object(&[
        ("qrCode", Some(code.clone())),
        ("codeUrl", also_code_url.then_some(code)),
        ("expiresAt", Some(js::millis(expires_at))),
    ]))
}

/// A state reply (a poll's or a live message's), checked.
pub fn state_of(json: &JsValue) -> Result<StateReply, JsValue> {
    let pay_state =
        js::int(json, "pay_state").and_then(|n| u8::try_from(n).ok()).ok_or_else(|| bad_reply("pay_state"))?;
    PayState::try_from(pay_state).map_err(|_| bad_reply("pay_state"))?;
    Ok(StateReply {
        result: 0,
        msg: String::new(),
        order_no: js::get(json, "order_no").as_string().ok_or_else(|| bad_reply("order_no"))?,
        pay_state,
        pay_state_desc: js::get(json, "pay_state_desc").as_string().unwrap_or_default(),
        expires_at: js::int(json, "expires_at").ok_or_else(|| bad_reply("expires_at"))?,
        server_time: js::int(json, "server_time").unwrap_or(0),
    })
}

/// The JS `OrderState` of a state reply; `transport` says what brought it.
pub fn state_object(s: &StateReply, transport: Option<&str>) -> JsValue {
    let state = PayState::try_from(s.pay_state).map(PayState::name).unwrap_or("waiting");
    js::object(&[
        ("orderNo", Some(s.order_no.as_str().into())),
        ("state", Some(state.into())),
        ("payState", Some(s.pay_state.into())),
        ("description", Some(s.pay_state_desc.as_str().into())),
        ("expiresAt", Some(js::millis(s.expires_at))),
        ("serverTime", (s.server_time > 0).then(|| js::millis(s.server_time))),
        ("transport", transport.map(JsValue::from)),
    ])
}
