//! `paysdk`: the browser SDK of paybridge. A checkout page creates a [`PayClient`] for the
//! worker's URL, asks it for a wallet's payment URL, shows the WeChat QR code with
//! [`render_qr`], and waits for the result with `pollState`.
//!
//! The layer is thin: it converts JS values into the shared `paycore` wire types,
//! validates with the same rules the worker applies, and calls `fetch`. Replies are read
//! field by field from the JSON the browser already parsed, which keeps serde's generic
//! deserialisers (and their float formatting) out of the wasm. Errors reject with a
//! `PayError` carrying `.code`.

mod js;
pub mod qr;
mod types;
#[cfg(feature = "webhook")]
mod webhook;

use js_sys::{Function, Reflect};
use paycore::OrderNo;
use paycore::api::{
    Command, PayInfo, PayReply, PayRequest, PayType, StateReply, StateRequest, WechatPayReply, WechatPayRequest,
};
use paycore::order::PayState;
use paycore::poll::{PollStep, step};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::js::codes;
pub use crate::qr::QrOptions;
use crate::types::{ClientOptionsJs, ElementJs, PollOptionsJs};
pub use crate::types::{OrderState, PayOptions, PayResult, WechatPayOptions, WechatPayResult};

fn invalid(msg: impl AsRef<str>) -> JsValue {
    js::error(codes::INVALID_ARGUMENT, msg.as_ref())
}

fn order_no(text: &str) -> Result<OrderNo, JsValue> {
    OrderNo::parse(text).map_err(|e| invalid(format!("orderNo: {e}")))
}

fn order_no_of(options: &JsValue) -> Result<OrderNo, JsValue> {
    order_no(&js::get(options, "orderNo").as_string().ok_or_else(|| invalid("orderNo must be a string"))?)
}

fn bad_reply(field: &str) -> JsValue {
    js::error(codes::BAD_REPLY, &format!("the reply's `{field}` is missing or invalid"))
}

/// The JS `OrderState` of a state reply.
fn state_object(s: &StateReply) -> JsValue {
    let state = PayState::try_from(s.pay_state).map(PayState::name).unwrap_or("waiting");
    js::object(&[
        ("orderNo", Some(s.order_no.as_str().into())),
        ("state", Some(state.into())),
        ("payState", Some(s.pay_state.into())),
        ("description", Some(s.pay_state_desc.as_str().into())),
        ("expiresAt", Some(js::millis(s.expires_at))),
    ])
}

/// Failures worth retrying while polling: network, unreadable replies, and the API's
/// provider and storage errors (-15 to -20).
fn is_transient(e: &JsValue) -> bool {
    let code = js::int(e, "code").and_then(|c| i32::try_from(c).ok()).unwrap_or(0);
    code == codes::NETWORK || code == codes::BAD_REPLY || (-20..=-15).contains(&code)
}

/// A client of one paybridge worker.
#[wasm_bindgen]
pub struct PayClient {
    api_url: String,
    fetch: Function,
}

#[wasm_bindgen]
impl PayClient {
    /// `new PayClient({ endpoint, fetch? })`. Throws a `PayError` (code -3) when the
    /// endpoint is not an absolute http(s) URL.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ClientOptionsJs) -> Result<PayClient, JsValue> {
        let options: JsValue = options.into();
        let endpoint = js::get(&options, "endpoint").as_string().unwrap_or_default();
        if !paycore::http::is_http_url(&endpoint) {
            return Err(invalid("endpoint must be the worker's absolute http(s) URL"));
        }
        let fetch = match js::get(&options, "fetch") {
            f if f.is_function() => f.unchecked_into(),
            f if f.is_undefined() => {
                js::global_fetch().ok_or_else(|| invalid("no global fetch; pass options.fetch"))?
            }
            _ => return Err(invalid("fetch must be a function")),
        };
        Ok(PayClient { api_url: paycore::http::join_url(&endpoint, "api"), fetch })
    }

    /// The worker's `/api` URL this client calls.
    #[wasm_bindgen(getter, js_name = apiUrl)]
    pub fn api_url(&self) -> String {
        self.api_url.clone()
    }

    /// `Pay`: type 1 resolves `{ alipayUrl }`, type 2 `{ wechatPayUrl }`.
    pub async fn pay(&self, options: Ts<PayOptions>) -> Result<Ts<PayResult>, JsValue> {
        let o = options.js_value();
        let pay_type = match js::int(&o, "type") {
            Some(1) => PayType::Alipay,
            Some(2) => PayType::Wechat,
            _ => return Err(invalid("type must be 1 (Alipay) or 2 (WeChat Pay)")),
        };
        let return_url = match js::get(&o, "returnUrl") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(v.as_string().ok_or_else(|| invalid("returnUrl must be a string"))?),
        };
        let command = Command::Pay(PayRequest { order_no: order_no_of(&o)?, pay_type, return_url });
        command.validate().map_err(|e| invalid(e.msg))?;
        let json = self.call(&command).await?;
        let info = js::get(&json, "pay_info");
        let reply = PayReply {
            result: 0,
            msg: String::new(),
            pay_info: PayInfo {
                alipay_url: js::get(&info, "alipay_url").as_string(),
                wechat_pay_url: js::get(&info, "wechat_pay_url").as_string(),
            },
        };
        let wanted = match pay_type {
            PayType::Alipay => &reply.pay_info.alipay_url,
            PayType::Wechat => &reply.pay_info.wechat_pay_url,
        };
        if wanted.is_none() {
            return Err(bad_reply("pay_info"));
        }
        Ok(Ts::new_unchecked(js::object(&[
            ("alipayUrl", reply.pay_info.alipay_url.map(JsValue::from)),
            ("wechatPayUrl", reply.pay_info.wechat_pay_url.map(JsValue::from)),
        ])))
    }

    /// `WechatPay`: resolves `{ codeUrl, expiresAt }` (expiresAt in ms since the epoch).
    #[wasm_bindgen(js_name = wechatPay)]
    pub async fn wechat_pay(&self, options: Ts<WechatPayOptions>) -> Result<Ts<WechatPayResult>, JsValue> {
        let command =
            Command::WechatPay(WechatPayRequest { order_no: order_no_of(&options.js_value())?, notify_url: None });
        let json = self.call(&command).await?;
        let reply = WechatPayReply {
            result: 0,
            msg: String::new(),
            code_url: js::get(&json, "code_url").as_string().ok_or_else(|| bad_reply("code_url"))?,
            expires_at: js::int(&json, "expires_at").ok_or_else(|| bad_reply("expires_at"))?,
        };
        Ok(Ts::new_unchecked(js::object(&[
            ("codeUrl", Some(reply.code_url.into())),
            ("expiresAt", Some(js::millis(reply.expires_at))),
        ])))
    }

    /// `WechatPayState` once: the order's current state.
    #[wasm_bindgen(js_name = getState)]
    pub async fn get_state(&self, order_no: String) -> Result<Ts<OrderState>, JsValue> {
        let order_no = self::order_no(&order_no)?;
        Ok(Ts::new_unchecked(state_object(&self.state(&order_no).await?)))
    }

    /// Polls the order's state (every 2 s, every 10 s after a minute, one request at a
    /// time) until it is paid, cancelled or refunded, and resolves with that state.
    /// Rejects with code -13 once the order's expiry has passed, or -32 when `signal`
    /// aborts. Transient failures (network, provider, storage) are retried.
    #[wasm_bindgen(js_name = pollState)]
    pub async fn poll_state(
        &self,
        order_no: String,
        options: Option<PollOptionsJs>,
    ) -> Result<Ts<OrderState>, JsValue> {
        let order_no = self::order_no(&order_no)?;
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let signal = js::get(&options, "signal");
        let on_update = js::get(&options, "onUpdate").dyn_into::<Function>().ok();
        let started = js::now_ms();
        let mut last_seen: Option<u8> = None;
        loop {
            if js::aborted(&signal) {
                return Err(js::error(codes::ABORTED, "polling was aborted"));
            }
            let state = match self.state(&order_no).await {
                Ok(state) => Some(state),
                Err(e) if is_transient(&e) => None,
                Err(e) => return Err(e),
            };
            let next = match &state {
                Some(s) => {
                    if last_seen != Some(s.pay_state) {
                        last_seen = Some(s.pay_state);
                        if let Some(f) = &on_update {
                            let _ = f.call1(&JsValue::UNDEFINED, &state_object(s));
                        }
                    }
                    let expires_ms = u64::try_from(s.expires_at).unwrap_or(0).saturating_mul(1000);
                    step(s.pay_state, js::now_ms(), started, Some(expires_ms))
                }
                None => step(0, js::now_ms(), started, None),
            };
            match (next, state) {
                (PollStep::Done, Some(s)) => return Ok(Ts::new_unchecked(state_object(&s))),
                (PollStep::Expired, _) => {
                    return Err(js::error(codes::EXPIRED, "the order expired before it was paid"));
                }
                (PollStep::Wait(ms), _) => js::sleep(ms, &signal).await?,
                (PollStep::Done, None) => return Err(bad_reply("pay_state")),
            }
        }
    }
}

impl PayClient {
    async fn state(&self, order_no: &OrderNo) -> Result<StateReply, JsValue> {
        let json = self.call(&Command::WechatPayState(StateRequest { order_no: order_no.clone() })).await?;
        let pay_state =
            js::int(&json, "pay_state").and_then(|n| u8::try_from(n).ok()).ok_or_else(|| bad_reply("pay_state"))?;
        PayState::try_from(pay_state).map_err(|_| bad_reply("pay_state"))?;
        Ok(StateReply {
            result: 0,
            msg: String::new(),
            order_no: js::get(&json, "order_no").as_string().ok_or_else(|| bad_reply("order_no"))?,
            pay_state,
            pay_state_desc: js::get(&json, "pay_state_desc").as_string().unwrap_or_default(),
            expires_at: js::int(&json, "expires_at").ok_or_else(|| bad_reply("expires_at"))?,
        })
    }

    /// POSTs a command (serialised from the shared wire type) and returns the reply's JSON
    /// when `result` is 0; otherwise rejects with a `PayError` carrying the API's code.
    async fn call(&self, command: &Command) -> Result<JsValue, JsValue> {
        let body = serde_json::to_string(command).map_err(|_| invalid("command is not serialisable"))?;
        // text/plain keeps the request "simple": no CORS preflight round trip.
        let headers = js::object(&[("content-type", Some("text/plain;charset=UTF-8".into()))]);
        let init = js::object(&[
            ("method", Some("POST".into())),
            ("headers", Some(headers)),
            ("body", Some(body.into())),
            ("cache", Some("no-store".into())),
        ]);
        let response = match self.fetch.call2(&JsValue::UNDEFINED, &self.api_url.as_str().into(), &init) {
            Ok(p) => js::wait(p).await,
            Err(e) => Err(e),
        }
        .map_err(|e| {
            let why = js::get(&e, "message").as_string().unwrap_or_else(|| "fetch failed".to_owned());
            js::error(codes::NETWORK, &format!("could not reach {}: {why}", self.api_url))
        })?;
        let json_fn: Function = js::get(&response, "json")
            .dyn_into()
            .map_err(|_| js::error(codes::BAD_REPLY, "fetch returned no Response"))?;
        let json = js::wait(json_fn.call0(&response)?).await.map_err(|_| {
            let status = js::int(&response, "status").unwrap_or(0);
            js::error(codes::BAD_REPLY, &format!("the API answered HTTP {status} without JSON"))
        })?;
        match js::int(&json, "result") {
            Some(0) => Ok(json),
            Some(code) => {
                let msg = js::get(&json, "msg").as_string().unwrap_or_default();
                Err(js::error(i32::try_from(code).unwrap_or(codes::BAD_REPLY), &msg))
            }
            None => Err(bad_reply("result")),
        }
    }
}

/// Reads `QrOptions` from a JS object (unknown properties are ignored, as JS APIs do).
fn qr_options(o: &JsValue) -> Result<QrOptions, JsValue> {
    let text = |name: &'static str| match js::get(o, name) {
        v if v.is_undefined() => Ok(None),
        v => v.as_string().map(Some).ok_or_else(|| invalid(format!("renderQr option `{name}` must be a string"))),
    };
    let number = |name: &'static str| match js::get(o, name) {
        v if v.is_undefined() => Ok(None),
        _ => js::int(o, name)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(format!("renderQr option `{name}` must be a whole number"))),
    };
    Ok(QrOptions {
        ecc: text("ecc")?,
        border: number("border")?,
        size: number("size")?,
        dark: text("dark")?,
        light: text("light")?,
    })
}

/// `renderQr(text, options?)`: the QR code of `text` as an SVG string.
#[wasm_bindgen(js_name = renderQr)]
pub fn render_qr(text: &str, options: Option<Ts<QrOptions>>) -> Result<String, JsValue> {
    let options = match options {
        Some(o) => qr_options(&o.js_value())?,
        None => QrOptions::default(),
    };
    qr::render_svg(text, &options).map_err(|e| match e {
        qr::QrError::TooLong => invalid("text is too long for a QR code"),
        qr::QrError::BadOption(name) => invalid(format!("renderQr option `{name}` is invalid")),
    })
}

/// `mountQr(element, text, options?)`: renders the QR code into `element` (replacing its
/// content) and returns the element.
#[wasm_bindgen(js_name = mountQr)]
pub fn mount_qr(element: ElementJs, text: &str, options: Option<Ts<QrOptions>>) -> Result<ElementJs, JsValue> {
    let svg = render_qr(text, options)?;
    let el: JsValue = element.into();
    if !el.is_object() {
        return Err(invalid("mountQr needs an element"));
    }
    Reflect::set(&el, &"innerHTML".into(), &svg.into())?;
    Ok(el.unchecked_into())
}

/// The SDK allocates little (a few strings per call), so a free-list allocator replaces
/// dlmalloc and saves about 3 KB of gzip on the checkout page.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature is single-threaded.
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
