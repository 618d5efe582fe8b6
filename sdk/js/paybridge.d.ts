// paybridge-sdk's public API: PayClient (the shell, paybridge.js) in terms of the types
// generated from the Rust structs (paybridge_wasm.d.ts).
import type { AlipayQrResult, ClientOptions, OrderState, PayOptions, PayResult, PollOptions, QrOptions, RequestOptions, StateOptions, WechatPayOptions, WechatPayResult } from "./paybridge_wasm.js";

export * from "./paybridge_wasm.js";

/** Every rejection and throw of the SDK. `code` is the API's `result` (see the README's
 * table), or a client code: -3 bad argument, -13 the order expired, -30 network failure,
 * -31 unreadable reply, -32 aborted (then `name` is "AbortError"), -36 the buyer closed
 * WeChat's payment sheet (the order stays payable), -37 the payment sheet failed (WeChat's
 * `err_desc` in the message). */
export declare class PayError extends Error {
  constructor(code: number, message: string);
  readonly code: number;
  /** `checkout()`/`resume()` with code -12: the order's final state (cancelled or refunded). */
  readonly state?: OrderState;
}

/** Where a checkout runs: a desktop browser, a phone's browser, WeChat's or Alipay's in-app
 * browser (`checkout()` reads it from the User-Agent unless told). */
export type CheckoutDevice = "pc" | "mobile" | "wechat" | "alipay";

/** A QR code `checkout()` showed on a desktop. */
export interface CheckoutQr {
  /** Whose code it is. */
  wallet: "wechat" | "alipay";
  /** The code's text. */
  qrCode: string;
  /** When the order stops accepting payment, in ms since the epoch (for a countdown). */
  expiresAt: number;
}

/** Options of `client.checkout()`. */
export interface CheckoutOptions {
  /** The merchant's order number. */
  orderNo: string;
  /** The wallet the buyer chose. */
  wallet: "wechat" | "alipay";
  /** Where the buyer comes back after a phone cashier (WeChat H5, Alipay wap) or WeChat's
   * sign-in; call `resume()` there. An absolute http(s) URL whose origin the worker's
   * RETURN_URL_ORIGINS lists. */
  returnUrl: string;
  /** Desktop: where the QR code goes (required there). Anywhere: where the "open in your
   * browser" guide goes (else on top of the page). */
  container?: Element;
  /** Stops at once; the promise rejects with an AbortError (code -32). */
  signal?: AbortSignal;
  /** Called with each new state of the order, as `pollState` does. */
  onUpdate?: (state: OrderState) => void;
  /** Where the page runs, instead of what the User-Agent says. */
  device?: CheckoutDevice;
  /** Inside WeChat: a sign-in token (`paybridge_wx`) the page kept; without one (or when it
   * expired) the buyer goes through WeChat's sign-in and comes back to `returnUrl`. */
  wxToken?: string;
  /** Desktop Alipay: `false` goes to Alipay's cashier page even when the worker could make a
   * QR code (`AlipayQr`, ALIPAY_API=openapi); default `true` (the cashier under MAPI). */
  alipayQr?: boolean;
  /** Options of the desktop QR code. */
  qr?: QrOptions;
  /** Desktop: called once the QR code is shown (for a countdown, or to show its text). */
  onQr?: (code: CheckoutQr) => void;
  /** The guide's language; default the page's (`<html lang>`), else the browser's. */
  lang?: "zh" | "en";
  /** How the page leaves for a cashier or the sign-in (default: the top window's
   * `location.assign`). WeChat's H5 page must be opened from the shop's page: never from a
   * new blank window or a server's redirect. */
  navigate?: (url: string) => void;
  /** `false` follows the order by polling only. */
  live?: boolean;
}

/** Options of `client.resume()`: `checkout()`'s, on the return page. */
export interface ResumeOptions extends Omit<CheckoutOptions, "orderNo" | "returnUrl"> {
  /** The order; default the `order_no` the worker appended to the return URL. */
  orderNo?: string;
  /** Not needed on the return page (WeChat's sign-in, should it be needed again). */
  returnUrl?: string;
}

/** Loads the SDK's wasm. The web build fetches it (next to the module, or from `input`); a
 * client calls this itself on first use, so call it first only to use renderQr/mountQr
 * before any client call. The bundler and Node builds load it on import. */
export default function init(input?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module | { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module }): Promise<void>;
export { init };

/** init() with the wasm module given, synchronously. */
export declare function initSync(module: BufferSource | WebAssembly.Module | { module: BufferSource | WebAssembly.Module }): void;

/** The QR code of `text` as an SVG string (byte mode, versions 1–40). */
export declare function renderQr(text: string, options?: QrOptions): string;

/** Renders the QR code of `text` into `element` (replacing its content) and returns it. */
export declare function mountQr<E extends Element>(element: E, text: string, options?: QrOptions): E;

/** A client of one paybridge worker. Methods reject with a `PayError` (see `code`). */
export declare class PayClient {
  /** Throws a `PayError` (code -3) when `endpoint` is not an absolute http(s) URL (checked at
   * once when the wasm is loaded, else by the first call, which then rejects). */
  constructor(options: ClientOptions);
  /** The worker's `/api` URL this client calls (once checked). */
  readonly apiUrl: string | undefined;
  /** `Pay`: `wallet: "alipay"` resolves `{ alipayUrl }` (send the buyer there),
   * `"wechat"` `{ qrCode, wechatPayUrl }`. The spec's `type: 1 | 2` works too. */
  pay(options: PayOptions & RequestOptions): Promise<PayResult>;
  /** `WechatPay`: resolves `{ qrCode, expiresAt }` (ms since the epoch). */
  wechatPay(options: WechatPayOptions & RequestOptions): Promise<WechatPayResult>;
  /** `AlipayQr`: resolves `{ qrCode, expiresAt }` (ms); rejects with code -28 unless the
   * worker runs Alipay OpenAPI (`ALIPAY_API=openapi`). */
  alipayQr(options: WechatPayOptions & RequestOptions): Promise<AlipayQrResult>;
  /** `WechatPayState` once. */
  getState(options: StateOptions): Promise<OrderState>;
  /** @deprecated Use `getState({ orderNo, signal })`. */
  getState(orderNo: string, options?: RequestOptions): Promise<OrderState>;
  /** Follows the order until it is paid, cancelled or refunded and resolves with that
   * state: over the order's WebSocket when the page can open one (`transport: "live"`),
   * polling every 2 s (10 s after a minute, one request at a time) when it cannot or while
   * the socket is down. Rejects with -13 once the order expired by the server's clock, -32
   * when `signal` aborts; network, provider and storage failures are retried. */
  pollState(options: PollOptions & { orderNo: string }): Promise<OrderState>;
  /** @deprecated Use `pollState({ orderNo, ...options })`. */
  pollState(orderNo: string, options?: PollOptions): Promise<OrderState>;
  /** Pays the order the way the page's device allows, and resolves with the order's state
   * once it says paid (over the live socket or polling; never on WeChat's `ok` or a return
   * URL alone):
   * - desktop: the QR code in `container` (WeChat Native; Alipay's when the worker runs
   *   OpenAPI, else Alipay's cashier page);
   * - phone browser: a top-level navigation to WeChat's H5 page or Alipay's wap cashier,
   *   which come back to `returnUrl` (call `resume()` there);
   * - inside WeChat: WeChat's sign-in when there is no token (back on `returnUrl`), then the
   *   payment sheet (`getBrandWCPayRequest`);
   * - the wrong wallet for the app (Alipay inside WeChat, WeChat Pay inside Alipay): the
   *   "open in your browser" guide in `container`, and a rejection with code -34.
   *
   * Rejects with -36 when the buyer closes WeChat's sheet (the order stays payable), -37
   * when it fails, -12 (with `state`) when the order ends cancelled or refunded, -13 once it
   * expired, -32 on abort, and the API's codes. Loads its module on first use. */
  checkout(options: CheckoutOptions): Promise<OrderState>;
  /** On `returnUrl`, after a phone cashier or WeChat's sign-in: picks the order up (back from
   * the sign-in: opens the payment sheet with the `paybridge_wx` token in the URL, then
   * removes it from the URL) and resolves once the order says paid; rejects as `checkout`. */
  resume(options: ResumeOptions): Promise<OrderState>;
}
