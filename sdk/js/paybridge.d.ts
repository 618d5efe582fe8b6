// paybridge-sdk's public API: PayClient (the shell, paybridge.js) in terms of the types
// generated from the Rust structs (paybridge_wasm.d.ts).
import type { AlipayQrResult, ClientOptions, OrderState, PayOptions, PayResult, PollOptions, QrOptions, RequestOptions, WechatPayOptions, WechatPayResult } from "./paybridge_wasm.js";

export * from "./paybridge_wasm.js";

/** Renders the QR code of `text` into `element` (replacing its content) and returns it. */
export declare function mountQr<E extends Element>(element: E, text: string, options?: QrOptions): E;

/** A client of one paybridge worker. Methods reject with a `PayError` (see `code`). */
export declare class PayClient {
  /** Throws a `PayError` (code -3) when `endpoint` is not an absolute http(s) URL. */
  constructor(options: ClientOptions);
  /** The worker's `/api` URL this client calls. */
  readonly apiUrl: string;
  /** `Pay`: type 1 resolves `{ alipayUrl }`, type 2 `{ wechatPayUrl }`. */
  pay(options: PayOptions & RequestOptions): Promise<PayResult>;
  /** `WechatPay`: resolves `{ codeUrl, expiresAt }` (ms since the epoch). */
  wechatPay(options: WechatPayOptions & RequestOptions): Promise<WechatPayResult>;
  /** `AlipayQr`: resolves `{ qrCode, expiresAt }` (ms); rejects with code -28 unless the
   * worker runs Alipay OpenAPI (`ALIPAY_API=openapi`). */
  alipayQr(options: WechatPayOptions & RequestOptions): Promise<AlipayQrResult>;
  /** `WechatPayState` once. */
  getState(orderNo: string, options?: RequestOptions): Promise<OrderState>;
  /** Follows the order until it is paid, cancelled or refunded and resolves with that
   * state: over the order's WebSocket when the page can open one (`transport: "live"`),
   * polling every 2 s (10 s after a minute, one request at a time) when it cannot or while
   * the socket is down. Rejects with -13 once the order expired by the server's clock, -32
   * when `signal` aborts; network, provider and storage failures are retried. */
  pollState(orderNo: string, options?: PollOptions): Promise<OrderState>;
}
