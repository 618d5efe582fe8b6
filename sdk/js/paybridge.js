// paybridge-sdk: the JavaScript shell around the Rust core (./paybridge_wasm.js). It does
// only what JavaScript must: fetch, the order's WebSocket, timers and promises. Every
// decision (validating arguments, building commands, reading replies, what pollState does
// next, the QR code) is a synchronous call into Rust.
import { Watch, clientSetup, command, failure, read, readResult, renderQr } from "./paybridge_wasm.js";

export { renderQr };

/** Renders the QR code of `text` into `element` (replacing its content); returns it. */
export function mountQr(element, text, options) {
  const svg = renderQr(text, options);
  element.innerHTML = svg;
  return element;
}

// Watch's negative answers (sdk/src/watch.rs).
const DONE = -1;
const EXPIRED = -2;
const FAIL = -3;
const RECONNECT = -4;
const NO_RETRY = -5;

export class PayClient {
  #api;
  #endpoint;
  #fetch;

  constructor(options) {
    [this.#api, this.#endpoint, this.#fetch] = clientSetup(options, globalThis.fetch);
  }

  /** The worker's `/api` URL this client calls. */
  get apiUrl() {
    return this.#api;
  }

  /** POSTs a command body; resolves with the reply's JSON when `result` is 0. */
  async #call(body, signal) {
    let response;
    try {
      // text/plain keeps the request "simple": no CORS preflight round trip.
      response = await (0, this.#fetch)(this.#api, { method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" }, body, cache: "no-store", signal });
    } catch (e) {
      throw failure(this.#api, 0, e, signal?.aborted === true);
    }
    let json;
    try {
      json = await response.json();
    } catch (e) {
      throw failure(this.#api, response.status, e, signal?.aborted === true);
    }
    return readResult(json);
  }

  /** `Pay`: type 1 resolves `{ alipayUrl }`, type 2 `{ wechatPayUrl }`. */
  async pay(options) {
    return read("pay", await this.#call(command("pay", options), options?.signal), options.type);
  }

  /** `WechatPay`: resolves `{ codeUrl, expiresAt }` (ms since the epoch). */
  async wechatPay(options) {
    return read("wechatPay", await this.#call(command("wechatPay", options), options?.signal), 0);
  }

  /** `WechatPayState` once: the order's current state. */
  async getState(orderNo, options) {
    return read("getState", await this.#call(command("getState", orderNo), options?.signal), 0);
  }

  /** Follows the order until it is paid, cancelled or refunded: over its WebSocket when the
   * page can open one, by polling otherwise or while the socket is down. */
  pollState(orderNo, options = {}) {
    const { signal, onUpdate } = options;
    const watch = new Watch(orderNo, this.#endpoint, Date.now());
    const body = watch.body;
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
        const state = watch.current();
        watch.free();
        if (error) reject(error);
        else resolve(state);
      };
      const abort = () => finish(watch.stopped(true));
      const act = (next) => {
        if (over) return;
        if (next === DONE) return finish();
        if (next === EXPIRED) return finish(watch.stopped(false));
        if (next === RECONNECT) return down(true);
        clearTimeout(timer);
        timer = setTimeout(live ? tick : poll, next);
      };
      const seen = (json, viaSocket) => {
        const next = watch.state(json, viaSocket, Date.now());
        const update = watch.update();
        if (update !== undefined && onUpdate) {
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
          const next = watch.error(e, Date.now());
          if (next === FAIL) finish(e);
          else act(next);
        }
      };
      const tick = () => {
        const next = watch.tick(Date.now());
        if (next >= 0) socket.send("ping");
        act(next);
      };
      const drop = () => {
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onclose = null;
        try {
          socket.close(1000);
        } catch {
          // not open yet
        }
        socket = undefined;
      };
      // The socket closed, failed to open, or went quiet: poll now, retry it later.
      const down = (wasOpen) => {
        drop();
        live = false;
        const again = watch.closed(wasOpen);
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
          act(watch.opened(Date.now()));
        };
        socket.onmessage = ({ data }) => {
          if (data === "pong") return watch.heard();
          try {
            seen(JSON.parse(data), true);
          } catch {
            down(true);
          }
        };
        socket.onclose = () => down(opened);
      };

      if (signal?.aborted) return finish(watch.stopped(true));
      signal?.addEventListener("abort", abort, { once: true });
      // The first state comes from whichever answers first; polling stops once the socket is open.
      if (useSocket) connect();
      poll();
    });
  }
}
