//! The few JavaScript facilities the Rust side touches, bound directly (no web-sys):
//! reading and building plain objects, and `PayError` objects.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// Client-side error codes (no request was made, or no API reply came back).
pub mod codes {
    pub use paycore::poll::codes::{ABORTED, BAD_REPLY, NETWORK};
    /// The arguments are invalid (same code as the API's invalid field).
    pub const INVALID_ARGUMENT: i32 = -3;
    /// The order expired while polling.
    pub const EXPIRED: i32 = -13;
    // -36 and -37 are raised by the checkout shell (sdk/js/checkout.js), whose table the
    // native tests check against these.
    /// `checkout`/`resume`: the buyer closed WeChat's payment sheet
    /// (`get_brand_wcpay_request:cancel`); the order is still payable.
    #[allow(dead_code)]
    pub const CANCELLED: i32 = -36;
    /// `checkout`/`resume`: WeChat's payment sheet failed (`get_brand_wcpay_request:fail`,
    /// its `err_desc` in the message), or `WeixinJSBridge` never came.
    #[allow(dead_code)]
    pub const BRIDGE_FAILED: i32 = -37;
}

/// A JS `Error` named `PayError` (`AbortError` for -32) with a numeric `code`.
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

/// Concatenates texts (smaller in the wasm than `format!` and its machinery).
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}
