//! `paysdk`: the browser SDK of paybridge, as synchronous Rust behind a small JavaScript
//! shell (`sdk/js/paybridge.js`). The shell owns what JavaScript must: `fetch`, the
//! WebSocket, timers and promises. Every decision is made here: validating arguments,
//! building the command bodies from the shared `paycore` wire types, reading replies,
//! what `pollState` does next ([`watch::Watch`] over `paycore::poll`), and the QR code.
//!
//! `checkout()` and `resume()` (phones, WeChat's and Alipay's in-app browsers) are a second,
//! lazily loaded wasm built from this crate with the feature `checkout` ([`checkout`]):
//! that build exports only their functions, the client's build none of them, so the page's
//! first download does not grow with them.
//!
//! Keeping the Rust side synchronous keeps `wasm-bindgen-futures` and its executor out of
//! the wasm, and every call from the shell is one cheap boundary crossing. Replies are read
//! field by field from the JSON the browser already parsed, so serde's deserialisers stay
//! out too. Errors are `PayError`s (a JS `Error` with a numeric `code`).

// The `checkout` build exports only checkout.rs's functions: the client's are dead code there.
#![cfg_attr(feature = "checkout", allow(dead_code, unused_imports))]

pub mod checkout;
mod command;
mod js;
pub mod qr;
mod reply;
mod types;
#[cfg(not(feature = "checkout"))]
mod watch;
#[cfg(feature = "webhook")]
mod webhook;

use paycore::OrderNo;
use paycore::api::{PayRequest, PayType};
use tsify::Ts;
use wasm_bindgen::prelude::*;

use crate::js::codes;
pub use crate::qr::QrOptions;
use crate::types::ClientOptionsJs;
pub use crate::types::{AlipayQrResult, OrderState, PayOptions, PayResult, WechatPayOptions, WechatPayResult};
#[cfg(not(feature = "checkout"))]
pub use crate::watch::Watch;

pub(crate) fn invalid(msg: impl AsRef<str>) -> JsValue {
    js::error(codes::INVALID_ARGUMENT, msg.as_ref())
}

pub(crate) fn order_no(text: &JsValue) -> Result<OrderNo, JsValue> {
    let text = text.as_string().ok_or_else(|| invalid("orderNo must be a string"))?;
    OrderNo::parse(&text).map_err(|e| invalid(e.message()))
}

fn order_no_of(options: &JsValue) -> Result<OrderNo, JsValue> {
    order_no(&js::get(options, "orderNo"))
}

/// `new PayClient(options)`: the worker's `/api` URL. Throws a `PayError` (-3) when
/// `options.endpoint` is not an absolute http(s) URL or `options.fetch` is neither absent
/// (the page's `global_fetch` is used then, and must be a function) nor a function.
#[cfg_attr(not(feature = "checkout"), wasm_bindgen(js_name = clientSetup, skip_typescript))]
pub fn client_setup(options: ClientOptionsJs, global_fetch: JsValue) -> Result<String, JsValue> {
    let options: JsValue = options.into();
    let endpoint = js::get(&options, "endpoint").as_string().unwrap_or_default();
    if !paycore::http::is_http_url(&endpoint) {
        return Err(invalid("endpoint must be the worker's absolute http(s) URL"));
    }
    let fetch = js::get(&options, "fetch");
    let fetch = if fetch.is_undefined() { global_fetch } else { fetch };
    if !fetch.is_function() {
        return Err(invalid("options.fetch must be a function"));
    }
    Ok(paycore::http::join_url(&endpoint, "api"))
}

/// The commands by the numbers the shell passes (`sdk/js/paybridge.js` `ask`): smaller than
/// names on every checkout page. The native tests check the shell's table against these.
pub mod kinds {
    /// `Pay`.
    pub const PAY: u8 = 0;
    /// `WechatPay`.
    pub const WECHAT_PAY: u8 = 1;
    /// `AlipayQr`.
    pub const ALIPAY_QR: u8 = 2;
    /// `WechatPayState`.
    pub const STATE: u8 = 3;
}

/// The wallet of `pay`'s options: `wallet: "alipay" | "wechat"`, or the spec's `type: 1 | 2`.
pub(crate) fn wallet_of(options: &JsValue) -> Result<PayType, JsValue> {
    match (js::get(options, "wallet").as_string().as_deref(), js::int(options, "type")) {
        (Some("alipay"), None | Some(1)) | (None, Some(1)) => Ok(PayType::Alipay),
        (Some("wechat"), None | Some(2)) | (None, Some(2)) => Ok(PayType::Wechat),
        _ => Err(invalid("wallet must be alipay or wechat (type 1 or 2)")),
    }
}

/// The body of a client method's command, validated as the worker would, by its number in
/// [`kinds`], from the call's options object.
#[cfg_attr(not(feature = "checkout"), wasm_bindgen(skip_typescript))]
pub fn command(kind: u8, options: JsValue) -> Result<String, JsValue> {
    match kind {
        kinds::PAY => {
            let pay_type = wallet_of(&options)?;
            let return_url = match js::get(&options, "returnUrl") {
                v if v.is_undefined() || v.is_null() => None,
                v => Some(v.as_string().ok_or_else(|| invalid("returnUrl must be a string"))?),
            };
            // Phone and in-app payments (`device`, `wx_token`) go through `checkout()`, whose
            // lazily loaded module builds their `Pay` (checkout.rs).
            let request =
                PayRequest { order_no: order_no_of(&options)?, pay_type, return_url, device: None, wx_token: None };
            request.validate().map_err(|e| invalid(e.msg))?;
            Ok(command::pay(&request))
        }
        kinds::WECHAT_PAY => Ok(command::about("WechatPay", &order_no_of(&options)?)),
        kinds::ALIPAY_QR => Ok(command::about("AlipayQr", &order_no_of(&options)?)),
        _ => Ok(command::about("WechatPayState", &order_no_of(&options)?)),
    }
}

/// Reads `QrOptions` from a JS object (unknown properties are ignored, as JS APIs do).
fn qr_options(o: &JsValue) -> Result<QrOptions, JsValue> {
    let text = |name: &'static str| match js::get(o, name) {
        v if v.is_undefined() => Ok(None),
        v => {
            v.as_string().map(Some).ok_or_else(|| invalid(js::cat(&["renderQr option `", name, "` must be a string"])))
        }
    };
    let number = |name: &'static str| match js::get(o, name) {
        v if v.is_undefined() => Ok(None),
        _ => js::int(o, name)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(js::cat(&["renderQr option `", name, "` must be a whole number"]))),
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
#[cfg_attr(not(feature = "checkout"), wasm_bindgen(js_name = renderQr))]
pub fn render_qr(text: &str, options: Option<Ts<QrOptions>>) -> Result<String, JsValue> {
    let options = match options {
        Some(o) => qr_options(&o.js_value())?,
        None => QrOptions::default(),
    };
    qr::render_svg(text, &options).map_err(|e| match e {
        qr::QrError::TooLong => invalid("text is too long for a QR code"),
        qr::QrError::BadOption(name) => invalid(js::cat(&["renderQr option `", name, "` is invalid"])),
    })
}

/// The SDK allocates little (a few strings per call), so a free-list allocator replaces
/// dlmalloc and saves about 3 KB of gzip on the checkout page.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics feature is single-threaded.
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
