//! The SDK's JavaScript-facing types, in camelCase. tsify generates their TypeScript
//! definitions from these structs (the values themselves are built field by field); the
//! shell's `paybridge.d.ts` declares `PayClient` in their terms.

use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// `client.pay(options)`: the wallet by name (`wallet`), or by the spec's number (`type`).
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PayOptions {
    /// The merchant's order number (created by the merchant's backend).
    pub order_no: String,
    /// `"alipay"` (redirect to `alipayUrl`) or `"wechat"` (show `qrCode`).
    #[tsify(optional, type = "\"alipay\" | \"wechat\"")]
    pub wallet: Option<String>,
    /// The spec's number for the wallet: 1 Alipay, 2 WeChat Pay (`wallet` reads better).
    #[serde(rename = "type")]
    #[tsify(optional, type = "1 | 2")]
    pub pay_type: Option<u8>,
    /// Alipay only, required there: where the buyer lands after paying.
    #[tsify(optional)]
    #[serde(default)]
    pub return_url: Option<String>,
}

/// What `client.pay()` resolves with: the wallet's URL.
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PayResult {
    /// Alipay: send the buyer here (`location.assign(alipayUrl)`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alipay_url: Option<String>,
    /// WeChat Pay: the `weixin://` URL, to show as a QR code (the same as `qrCode`).
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_pay_url: Option<String>,
    /// WeChat Pay: the QR code's text.
    #[tsify(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// The options every call about one order takes: `wechatPay`, `alipayQr`, `getState`
/// (and `pay`, `pollState` with more).
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct WechatPayOptions {
    /// The merchant's order number.
    pub order_no: String,
}

/// What `client.wechatPay()` resolves with.
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct WechatPayResult {
    /// The `weixin://wxpay/bizpayurl?pr=…` text of the QR code.
    pub qr_code: String,
    /// The same text under its older name.
    /// @deprecated Use `qrCode`.
    pub code_url: String,
    /// When the order stops accepting payment, in milliseconds since the epoch (use it
    /// for the countdown; never a hard-coded duration).
    pub expires_at: f64,
}

/// What `client.alipayQr()` resolves with (the worker needs `ALIPAY_API=openapi`; with MAPI
/// it rejects with code -28).
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AlipayQrResult {
    /// The `https://qr.alipay.com/…` text of the QR code (`alipay.trade.precreate`).
    pub qr_code: String,
    /// When the order stops accepting payment, in milliseconds since the epoch.
    pub expires_at: f64,
}

/// An order's state, as `getState()` and `pollState()` report it.
#[derive(Debug, Clone, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OrderState {
    /// The order number.
    pub order_no: String,
    /// `"waiting"`, `"paid"`, `"cancelled"` or `"refunded"`.
    #[tsify(type = "\"waiting\" | \"paid\" | \"cancelled\" | \"refunded\"")]
    pub state: &'static str,
    /// The spec's numeric `pay_state`: 0 waiting, 1 paid, 2 cancelled, 3 refunded.
    #[tsify(type = "0 | 1 | 2 | 3")]
    pub pay_state: u8,
    /// The spec's `pay_state_desc` (等待支付 / 已支付 / 已取消 / 已退款).
    pub description: String,
    /// When the order stops accepting payment, in milliseconds since the epoch.
    pub expires_at: f64,
    /// The worker's clock when it sent this state (ms since the epoch); `pollState` judges
    /// expiry by it, not by the browser's clock.
    #[tsify(optional)]
    pub server_time: Option<f64>,
    /// `pollState` only: what brought this state, the order's WebSocket (`"live"`) or a
    /// poll (`"polling"`).
    #[tsify(optional, type = "\"live\" | \"polling\"")]
    pub transport: Option<&'static str>,
}

#[wasm_bindgen(typescript_custom_section)]
const TS_EXTRA: &'static str = r#"
/** Options of `new PayClient(options)`. */
export interface ClientOptions {
  /** The worker's base URL, e.g. "https://pay.example.com". */
  endpoint: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof fetch;
}

/** Options of `client.getState(options)`: the order, and a signal. */
export interface StateOptions extends RequestOptions {
  /** The merchant's order number. */
  orderNo: string;
}

/** Options of `client.pollState(options)` (or `pollState(orderNo, options)`). */
export interface PollOptions {
  /** The merchant's order number (the one-argument form). */
  orderNo?: string;
  /** Stops at once (a request in flight is cancelled); the promise rejects with an
   * AbortError (code -32). */
  signal?: AbortSignal;
  /** Called with each new state seen (the first one, then on every change), and when the
   * transport bringing it changes (`state.transport`: "live" or "polling"). */
  onUpdate?: (state: OrderState) => void;
  /** `false` polls only, never opening the order's WebSocket (default `true`). */
  live?: boolean;
}

/** Options of single requests (`pay`, `wechatPay`, `getState`). */
export interface RequestOptions {
  /** Cancels the request; the promise rejects with an AbortError (code -32). */
  signal?: AbortSignal;
}

"#;

#[wasm_bindgen]
extern "C" {
    /// `ClientOptions` as passed from JavaScript.
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptionsJs;
}
