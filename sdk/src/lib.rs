//! `paysdk`: the browser SDK of paybridge. A checkout page creates a [`PayClient`] for the
//! worker's URL, asks it for a wallet's payment URL, shows the WeChat QR code with
//! [`render_qr`], and waits for the result with `pollState`.
//!
//! The layer is thin: it converts JS values, validates with the same `paycore` rules the
//! worker applies, and calls `fetch`. Errors reject with a `PayError` carrying `.code`.

mod js;
pub mod qr;
mod types;

use js_sys::{Function, Object, Reflect};
use paycore::OrderNo;
use paycore::api::{Command, PayRequest, PayType, StateReply, StateRequest, WechatPayRequest};
use paycore::order::PayState;
use paycore::poll::{PollStep, step};
use serde::de::DeserializeOwned;
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::js::codes;
pub use crate::qr::QrOptions;
pub use crate::types::{OrderState, PayOptions, PayResult, WechatPayOptions, WechatPayResult};
use crate::types::{ClientOptionsJs, ElementJs, PollOptionsJs};

fn invalid(msg: impl AsRef<str>) -> JsValue {
    js::error(codes::INVALID_ARGUMENT, msg.as_ref())
}

fn order_no(text: &str) -> Result<OrderNo, JsValue> {
    OrderNo::parse(text).map_err(|e| invalid(format!("orderNo: {e}")))
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
            f if f.is_undefined() => js::global_fetch().ok_or_else(|| invalid("no global fetch; pass options.fetch"))?,
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
        let o = options.to_rust().map_err(|e| invalid(e.to_string()))?;
        let pay_type = PayType::try_from(o.pay_type).map_err(invalid)?;
        let command = Command::Pay(PayRequest { order_no: order_no(&o.order_no)?, pay_type, return_url: o.return_url });
        command.validate().map_err(|e| invalid(e.msg))?;
        let reply: paycore::api::PayReply = self.call(&command).await?;
        let result = PayResult { alipay_url: reply.pay_info.alipay_url, wechat_pay_url: reply.pay_info.wechat_pay_url };
        if result.alipay_url.is_none() && result.wechat_pay_url.is_none() {
            return Err(js::error(codes::BAD_REPLY, "the reply carries no payment URL"));
        }
        to_ts(&result)
    }

    /// `WechatPay`: resolves `{ codeUrl, expiresAt }` (expiresAt in ms since the epoch).
    #[wasm_bindgen(js_name = wechatPay)]
    pub async fn wechat_pay(&self, options: Ts<WechatPayOptions>) -> Result<Ts<WechatPayResult>, JsValue> {
        let o = options.to_rust().map_err(|e| invalid(e.to_string()))?;
        let command = Command::WechatPay(WechatPayRequest { order_no: order_no(&o.order_no)?, notify_url: None });
        let reply: paycore::api::WechatPayReply = self.call(&command).await?;
        to_ts(&WechatPayResult { code_url: reply.code_url, expires_at: reply.expires_at as f64 * 1000.0 })
    }

    /// `WechatPayState` once: the order's current state.
    #[wasm_bindgen(js_name = getState)]
    pub async fn get_state(&self, order_no: String) -> Result<Ts<OrderState>, JsValue> {
        let order_no = self::order_no(&order_no)?;
        to_ts(&self.state(&order_no).await?)
    }

    /// Polls the order's state (every 2 s, every 10 s after a minute, one request at a
    /// time) until it is paid, cancelled or refunded, and resolves with that state.
    /// Rejects with code -13 once the order's expiry has passed, or -32 when `signal`
    /// aborts. Transient failures (network, provider, storage) are retried.
    #[wasm_bindgen(js_name = pollState)]
    pub async fn poll_state(&self, order_no: String, options: Option<PollOptionsJs>) -> Result<Ts<OrderState>, JsValue> {
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
                            let _ = f.call1(&JsValue::UNDEFINED, &to_ts(s)?.into());
                        }
                    }
                    step(s.pay_state, js::now_ms() as u64, started as u64, Some(s.expires_at as u64))
                }
                None => step(0, js::now_ms() as u64, started as u64, None),
            };
            match (next, state) {
                (PollStep::Done, Some(s)) => return to_ts(&s),
                (PollStep::Expired, _) => return Err(js::error(codes::EXPIRED, "the order expired before it was paid")),
                (PollStep::Wait(ms), _) => js::sleep(ms as f64, &signal).await?,
                (PollStep::Done, None) => unreachable!("a failed poll never reports a final state"),
            }
        }
    }
}

impl PayClient {
    async fn state(&self, order_no: &OrderNo) -> Result<OrderState, JsValue> {
        let reply: StateReply = self.call(&Command::WechatPayState(StateRequest { order_no: order_no.clone() })).await?;
        let state = PayState::try_from(reply.pay_state).map_err(|e| js::error(codes::BAD_REPLY, &e))?;
        Ok(OrderState {
            order_no: reply.order_no,
            state: state.name(),
            pay_state: reply.pay_state,
            description: reply.pay_state_desc,
            expires_at: reply.expires_at as f64 * 1000.0,
        })
    }

    /// POSTs a command and reads the reply: `result` 0 → the typed reply, otherwise a
    /// `PayError` with the API's code and message.
    async fn call<T: DeserializeOwned>(&self, command: &Command) -> Result<T, JsValue> {
        let body = serde_wasm_bindgen::to_value(command).map_err(|e| invalid(e.to_string()))?;
        let body = js_sys::JSON::stringify(&body).map_err(|_| invalid("command is not serialisable"))?;
        let init = Object::new();
        let headers = Object::new();
        // text/plain keeps the request "simple": no CORS preflight round trip.
        Reflect::set(&headers, &"content-type".into(), &"text/plain;charset=UTF-8".into())?;
        Reflect::set(&init, &"method".into(), &"POST".into())?;
        Reflect::set(&init, &"headers".into(), &headers)?;
        Reflect::set(&init, &"body".into(), &body)?;
        Reflect::set(&init, &"cache".into(), &"no-store".into())?;
        let response = match self.fetch.call2(&JsValue::UNDEFINED, &self.api_url.as_str().into(), &init) {
            Ok(p) => js::wait(p).await,
            Err(e) => Err(e),
        }
        .map_err(|e| js::error(codes::NETWORK, &format!("could not reach {}: {}", self.api_url, describe(&e))))?;
        let json_fn: Function = js::get(&response, "json").dyn_into().map_err(|_| js::error(codes::BAD_REPLY, "fetch returned no Response"))?;
        let json = js::wait(json_fn.call0(&response)?).await.map_err(|_| {
            let status = js::get(&response, "status").as_f64().unwrap_or(0.0);
            js::error(codes::BAD_REPLY, &format!("the API answered HTTP {status} without JSON"))
        })?;
        let result = js::get(&json, "result").as_f64().ok_or_else(|| js::error(codes::BAD_REPLY, "the reply has no result"))?;
        if result != 0.0 {
            let msg = js::get(&json, "msg").as_string().unwrap_or_default();
            return Err(js::error(result as i32, &msg));
        }
        serde_wasm_bindgen::from_value(json).map_err(|e| js::error(codes::BAD_REPLY, &e.to_string()))
    }
}

/// Failures worth retrying while polling: network, unreadable replies, and the API's
/// provider and storage errors (-15 to -20).
fn is_transient(e: &JsValue) -> bool {
    let code = js::get(e, "code").as_f64().unwrap_or(0.0) as i32;
    code == codes::NETWORK || code == codes::BAD_REPLY || (-20..=-15).contains(&code)
}

fn describe(e: &JsValue) -> String {
    js::get(e, "message").as_string().unwrap_or_else(|| "fetch failed".to_owned())
}

fn to_ts<T: tsify::Tsify + serde::Serialize>(value: &T) -> Result<Ts<T>, JsValue> {
    Ts::from_rust(value).map_err(|e| js::error(codes::BAD_REPLY, &e.to_string()))
}

/// `renderQr(text, options?)`: the QR code of `text` as an SVG string.
#[wasm_bindgen(js_name = renderQr)]
pub fn render_qr(text: &str, options: Option<Ts<QrOptions>>) -> Result<String, JsValue> {
    let options = match options {
        Some(o) => o.to_rust().map_err(|e| invalid(format!("renderQr options: {e}")))?,
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
