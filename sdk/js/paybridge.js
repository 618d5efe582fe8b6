// paybridge-sdk: the JavaScript shell around the Rust core (./paybridge_wasm.js). It does
// only what JavaScript must: fetch, the order's WebSocket, timers and promises. Every
// decision (validating arguments, building commands, reading replies, what pollState does
// next, the QR code) is a synchronous call into Rust.
import { Watch, clientSetup, command, failure, read, renderQr } from "./paybridge_wasm.js";

export { renderQr };

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

export class PayClient {
  #api;
  #endpoint;
  #fetch;

  constructor(options) {
    this.#api = clientSetup(options, globalThis.fetch);
    // Checked by clientSetup: an http(s) endpoint, and a fetch function.
    this.#endpoint = options.endpoint;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** The worker's `/api` URL this client calls. */
  get apiUrl() {
    return this.#api;
  }

  /** POSTs a command body; resolves with the reply's JSON (read by Rust). */
  async #call(body, signal) {
    let response;
    try {
      // A string body goes as text/plain;charset=UTF-8 by default: a "simple" request, with
      // no CORS preflight round trip.
      response = await (0, this.#fetch)(this.#api, { method: "POST", body, cache: "no-store", signal });
    } catch (e) {
      throw failure(this.#api, 0, e, signal?.aborted === true);
    }
    try {
      return await response.json();
    } catch (e) {
      throw failure(this.#api, response.status, e, signal?.aborted === true);
    }
  }

  // Commands by number (sdk/src/lib.rs `command`): 0 Pay, 1 WechatPay, 2 AlipayQr, 3 WechatPayState.
  async #ask(kind, arg, signal) {
    return read(kind, await this.#call(command(kind, arg), signal), kind ? 0 : arg.type);
  }

  /** `Pay`: type 1 resolves `{ alipayUrl }`, type 2 `{ wechatPayUrl }`. */
  pay(options) {
    return this.#ask(0, options, options?.signal);
  }

  /** `WechatPay`: resolves `{ codeUrl, expiresAt }` (ms since the epoch). */
  wechatPay(options) {
    return this.#ask(1, options, options?.signal);
  }

  /** `AlipayQr`: resolves `{ qrCode, expiresAt }` (needs the worker's ALIPAY_API=openapi). */
  alipayQr(options) {
    return this.#ask(2, options, options?.signal);
  }

  /** `WechatPayState` once: the order's current state. */
  getState(orderNo, options) {
    return this.#ask(3, orderNo, options?.signal);
  }

  /** Follows the order until it is paid, cancelled or refunded: over its WebSocket when the
   * page can open one, by polling otherwise or while the socket is down. */
  pollState(orderNo, options = {}) {
    const { signal, onUpdate } = options;
    const watch = new Watch(orderNo, this.#endpoint, Date.now());
    const body = command(3, orderNo);
    let requests = new AbortController();
    let timer;
    let retry;
    let socket;
    let live = false;
    let over = false;
    let polling = false;
    const useSocket = options.live !== false && typeof WebSocket === "function";

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
        if (error) reject(error);
        else resolve(state);
      };
      const abort = () => finish(failure(this.#api, 0, undefined, true));
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
