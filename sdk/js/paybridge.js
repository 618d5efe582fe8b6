// paybridge-sdk: the JavaScript shell around the Rust core (./paybridge_wasm.js). It does
// only what JavaScript must: fetch, the order's WebSocket, timers and promises. Every
// decision (validating arguments, building commands, reading replies, what pollState does
// next, the QR code) is a synchronous call into Rust.
import * as wasm from "./paybridge_wasm.js";

/** Every rejection and throw of the SDK: `code` is the API's `result`, or a client code
 * (-3 bad argument, -13 expired, -30 network, -31 unreadable reply, -32 aborted, -36 the
 * buyer closed WeChat's payment sheet, -37 the sheet failed). */
export class PayError extends Error {
  constructor(code, message) {
    super(message);
    this.name = code === -32 ? "AbortError" : "PayError";
    this.code = code;
  }
}

// Rust builds its errors as plain Errors with a `code`; they are PayErrors from here on.
const payError = (e) => (e && typeof e.code === "number" && !(e instanceof PayError) ? Object.setPrototypeOf(e, PayError.prototype) : e);
const sdk = (fn) => (...args) => {
  try {
    return fn(...args);
  } catch (e) {
    throw payError(e);
  }
};

// The web build's wasm is fetched by init(); the bundler and Node builds have it on import.
let ready = typeof wasm.default !== "function";
let loading;

/** Loads the SDK's wasm (web build). A client calls it itself on first use; call it first to
 * use renderQr/mountQr before any client call. */
export function init(input) {
  loading ??= ready ? Promise.resolve() : wasm.default(input).then(() => void (ready = true));
  return loading;
}

/** init() with the wasm module given (synchronous). */
export function initSync(module) {
  if (!ready) wasm.initSync(module);
  ready = true;
}

export default init;

/** The QR code of `text` as an SVG string. */
export const renderQr = sdk((text, options) => wasm.renderQr(text, options));

/** Renders the QR code of `text` into `element` (replacing its content); returns it. */
export function mountQr(element, text, options) {
  element.innerHTML = renderQr(text, options);
  return element;
}

// Watch's negative answers (sdk/src/watch.rs).
const DONE = -1;
const EXPIRED = -2;
const FAIL = -3;
const RECONNECT = -4;
const NO_RETRY = -5;
// Watch.on's events.
const POLL_REPLY = 0;
const LIVE_MESSAGE = 1;
const POLL_FAILED = 2;
const SOCKET_OPEN = 3;
const SOCKET_CLOSED = 4;
const PONG = 5;
const TICK = 6;
// Commands by number (sdk/src/lib.rs `kinds`).
const PAY = 0;
const WECHAT_PAY = 1;
const ALIPAY_QR = 2;
const STATE = 3;

export class PayClient {
  #options;
  #api;

  /** Checks the options at once when the wasm is loaded, else on first use. */
  constructor(options) {
    this.#options = options;
    if (ready) this.#setup();
  }

  #setup() {
    // An http(s) endpoint and a fetch function, checked by Rust.
    this.#api ??= sdk(wasm.clientSetup)(this.#options, globalThis.fetch);
    return this.#api;
  }

  async #ready() {
    await init();
    return this.#setup();
  }

  /** The worker's `/api` URL this client calls. */
  get apiUrl() {
    return this.#api;
  }

  /** POSTs a command body; resolves with the reply's JSON (read by Rust). */
  async #call(body, signal) {
    const api = this.#api;
    let response;
    try {
      // A string body goes as text/plain;charset=UTF-8 by default: a "simple" request, with
      // no CORS preflight round trip.
      response = await (0, this.#options.fetch ?? globalThis.fetch)(api, { method: "POST", body, cache: "no-store", signal });
    } catch (e) {
      throw payError(wasm.failure(api, 0, e, signal?.aborted === true));
    }
    try {
      return await response.json();
    } catch (e) {
      throw payError(wasm.failure(api, response.status, e, signal?.aborted === true));
    }
  }

  async #ask(kind, options) {
    await this.#ready();
    const body = sdk(wasm.command)(kind, options);
    return sdk(wasm.read)(kind, await this.#call(body, options?.signal), options);
  }

  /** `Pay`: `wallet: "alipay"` resolves `{ alipayUrl }`, `"wechat"` `{ qrCode, wechatPayUrl }`. */
  pay(options) {
    return this.#ask(PAY, options);
  }

  /** `WechatPay`: resolves `{ qrCode, expiresAt }` (ms since the epoch). */
  wechatPay(options) {
    return this.#ask(WECHAT_PAY, options);
  }

  /** `AlipayQr`: resolves `{ qrCode, expiresAt }` (needs the worker's ALIPAY_API=openapi). */
  alipayQr(options) {
    return this.#ask(ALIPAY_QR, options);
  }

  /** `WechatPayState` once: the order's current state. `getState({ orderNo })`; the older
   * `getState(orderNo, options)` still works. */
  getState(options, more) {
    return this.#ask(STATE, typeof options === "string" ? { ...more, orderNo: options } : options);
  }

  /** Pays the order the way the page's device allows (desktop QR code, phone H5/wap,
   * WeChat JSAPI, or the "open in your browser" guide), resolving once the order says paid.
   * Loads ./checkout.js (and its wasm) on first use. */
  checkout(options) {
    return this.#checkout(options, false);
  }

  /** On `returnUrl` after a phone cashier or WeChat's sign-in: picks the order up (JSAPI: the
   * payment sheet) and resolves once it says paid. */
  resume(options) {
    return this.#checkout(options, true);
  }

  async #checkout(options, resume) {
    await this.#ready();
    const { run } = await import("./checkout.js");
    return run(this, options, resume, { PayError, mountQr, call: (body, signal) => this.#call(body, signal) });
  }

  /** Follows the order until it is paid, cancelled or refunded: over its WebSocket when the
   * page can open one, by polling otherwise or while the socket is down. `pollState({
   * orderNo, … })`; the older `pollState(orderNo, options)` still works. */
  async pollState(options, more) {
    const opts = typeof options === "string" ? { ...more, orderNo: options } : options ?? {};
    await this.#ready();
    return this.#watch(opts);
  }

  #watch(opts) {
    const { signal, onUpdate } = opts;
    const watch = sdk((...a) => new wasm.Watch(...a))(opts.orderNo, this.#options.endpoint, Date.now());
    const body = wasm.command(STATE, opts);
    let requests = new AbortController();
    let timer;
    let retry;
    let socket;
    let live = false;
    let over = false;
    let polling = false;
    const useSocket = opts.live !== false && typeof WebSocket === "function";

    return new Promise((resolve, reject) => {
      const finish = (error) => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        clearTimeout(retry);
        signal?.removeEventListener("abort", abort);
        requests.abort();
        drop();
        const state = watch.report(true);
        watch.free();
        if (error) reject(payError(error));
        else resolve(state);
      };
      const abort = () => finish(wasm.failure(this.#api, 0, undefined, true));
      const act = (next) => {
        if (over) return;
        if (next === DONE) return finish();
        if (next === EXPIRED) return finish(watch.expired());
        if (next === RECONNECT) return down(true);
        clearTimeout(timer);
        timer = setTimeout(live ? tick : poll, next);
      };
      const seen = (json, viaSocket) => {
        const next = watch.on(viaSocket ? LIVE_MESSAGE : POLL_REPLY, json, Date.now());
        const update = watch.report(false);
        if (update && onUpdate) {
          try {
            onUpdate(update);
          } catch (e) {
            queueMicrotask(() => {
              throw e;
            });
          }
        }
        act(next);
      };
      const poll = async () => {
        if (over || live || polling) return;
        polling = true;
        try {
          const json = await this.#call(body, requests.signal);
          polling = false;
          if (!over && !live) seen(json, false);
        } catch (e) {
          polling = false;
          if (over || live) return;
          const next = watch.on(POLL_FAILED, e, Date.now());
          if (next === FAIL) finish(e);
          else act(next);
        }
      };
      const tick = () => {
        const next = watch.on(TICK, undefined, Date.now());
        if (next >= 0) socket.send("ping");
        act(next);
      };
      const drop = () => {
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onclose = null;
        socket.close(1000); // also ends a connection still opening
        socket = undefined;
      };
      // The socket closed, failed to open, or went quiet: poll now, retry it later.
      const down = (wasOpen) => {
        drop();
        live = false;
        const again = watch.on(SOCKET_CLOSED, wasOpen, Date.now());
        if (again !== NO_RETRY) retry = setTimeout(connect, again);
        clearTimeout(timer);
        poll();
      };
      const connect = () => {
        if (over) return;
        let opened = false;
        try {
          socket = new WebSocket(watch.liveUrl);
        } catch {
          return down(false);
        }
        socket.onopen = () => {
          opened = live = true;
          // Live now: a poll in flight is not needed.
          requests.abort();
          requests = new AbortController();
          act(watch.on(SOCKET_OPEN, undefined, Date.now()));
        };
        socket.onmessage = ({ data }) => {
          if (data === "pong") return watch.on(PONG, undefined, Date.now());
          try {
            seen(JSON.parse(data), true);
          } catch {
            down(true);
          }
        };
        socket.onclose = () => down(opened);
      };

      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
      // The first state comes from whichever answers first; polling stops once the socket is open.
      if (useSocket) connect();
      poll();
    });
  }
}
