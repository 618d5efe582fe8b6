// paybridge-sdk's public API: PayClient (the shell, paybridge.js) in terms of the types
// generated from the Rust structs (paybridge_wasm.d.ts).
import type { AlipayQrResult, ClientOptions, OrderState, PayOptions, PayResult, PollOptions, QrOptions, RequestOptions, StateOptions, WechatPayOptions, WechatPayResult } from "./paybridge_wasm.js";

export * from "./paybridge_wasm.js";

/** Every rejection and throw of the SDK. `code` is the API's `result` (see the README's
 * table), or a client code: -3 bad argument, -13 the order expired, -30 network failure,
 * -31 unreadable reply, -32 aborted (then `name` is "AbortError"). */
export declare class PayError extends Error {
  constructor(code: number, message: string);
  readonly code: number;
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
}
