//! The few JavaScript facilities the SDK uses, bound directly (no web-sys): `fetch`,
//! `setTimeout`, `Date.now`, abort signals, and `PayError` objects.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A client-side error code (no request was made, or no API reply came back).
pub mod codes {
    /// The arguments are invalid (same code as the API's invalid field).
    pub const INVALID_ARGUMENT: i32 = -3;
    /// The order expired while polling.
    pub const EXPIRED: i32 = -13;
    /// `fetch` failed (offline, DNS, CORS).
    pub const NETWORK: i32 = -30;
    /// The reply was not the API's JSON.
    pub const BAD_REPLY: i32 = -31;
    /// The caller's `AbortSignal` fired.
    pub const ABORTED: i32 = -32;
}

/// A JS `Error` named `PayError` with a numeric `code`.
pub fn error(code: i32, msg: &str) -> JsValue {
    let e = js_sys::Error::new(msg);
    e.set_name(if code == codes::ABORTED { "AbortError" } else { "PayError" });
    let _ = Reflect::set(&e, &"code".into(), &JsValue::from(code));
    e.into()
}

/// Reads `object[name]`, `undefined` when absent or unreadable.
pub fn get(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() || object.is_function() {
        Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The global `fetch`.
pub fn global_fetch() -> Option<Function> {
    get(&js_sys::global(), "fetch").dyn_into().ok()
}

/// Awaits a promise.
pub async fn wait(p: JsValue) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(Promise::resolve(&p)).await
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// `object[name]` when it is a whole number.
pub fn int(object: &JsValue, name: &str) -> Option<i64> {
    let f = get(object, name).as_f64()?;
    let i = f as i64;
    (i as f64 == f).then_some(i)
}

/// Unix seconds as a JS millisecond timestamp.
pub fn millis(seconds: i64) -> JsValue {
    JsValue::from(seconds.saturating_mul(1000) as f64)
}

/// A plain object from `(name, value)` pairs; `None` values are left out.
pub fn object(pairs: &[(&str, Option<JsValue>)]) -> JsValue {
    let o = js_sys::Object::new();
    for (name, value) in pairs {
        if let Some(value) = value {
            let _ = Reflect::set(&o, &JsValue::from_str(name), value);
        }
    }
    o.into()
}

/// True when `signal` is an aborted `AbortSignal`.
pub fn aborted(signal: &JsValue) -> bool {
    get(signal, "aborted").as_bool().unwrap_or(false)
}

/// Sleeps `ms`, or rejects with an AbortError as soon as `signal` aborts.
pub async fn sleep(ms: u64, signal: &JsValue) -> Result<(), JsValue> {
    let signal = signal.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let timer = set_timeout(&resolve, ms as f64);
        if signal.is_object() {
            let on_abort = Closure::once_into_js(move || {
                clear_timeout(&timer);
                let _ = reject.call1(&JsValue::UNDEFINED, &error(codes::ABORTED, "polling was aborted"));
            });
            let opts = js_sys::Object::new();
            let _ = Reflect::set(&opts, &"once".into(), &JsValue::TRUE);
            if let Ok(add) = get(&signal, "addEventListener").dyn_into::<Function>() {
                let _ = add.call3(&signal, &"abort".into(), &on_abort, &opts);
            }
        }
    });
    wait(promise.into()).await.map(|_| ())
}
