// The worker's module entry: a thin shell around the Rust worker (edge/build: the
// wasm-bindgen module scripts/build.mjs makes). On the hot path it does the I/O itself and
// asks Rust only synchronous questions, because each Rust await of a JS promise costs
// 13–29 µs on workerd:
//
// - POST /api: read the body here, ask routeApi() where the command goes, count a page
//   command against the client's rate limit (PAGE_RATE_LIMIT), and pass it to the order's
//   Durable Object (or answer the error it returns). The merchant commands the worker
//   answers itself (ListOrders, Reconcile, ListReconciliations), oversized
//   bodies and every other path go to the Rust handler unchanged.
// - In the order's object, a state poll that needs no provider check is answered by
//   answerNow() from the stored order; everything else runs the object's Rust handler.
//
// Every decision (parsing, authorization, CORS, the reply) is Rust's; nothing here
// changes an order. A Rust panic traps the wasm instance: the next call starts a fresh
// one (the instance's memory is only a cache; every order lives in its object's SQLite).
import {
  OrderObject as RustOrderObject,
  ReconObject as RustReconObject,
  __wbg_reset_state,
  __worker_init_state,
  fetch as rustFetch,
  rateLimitedReply,
  routeApi,
  scheduled as rustScheduled,
} from "./build/index.js";

const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_ORIGIN_HEADER = "x-paybridge-allowed-origin";
const CLIENT_IP_HEADER = "x-paybridge-client-ip";
const instance = __worker_init_state();

/** Replaces a trapped wasm instance before the next call into Rust. */
function fresh() {
  if (instance.criticalError) {
    console.log("Reinitializing Wasm application");
    __wbg_reset_state();
    instance.criticalError = false;
    instance.instanceId++;
  }
}

function trapped(e) {
  if (e instanceof WebAssembly.RuntimeError) instance.criticalError = true;
  throw e;
}

addEventListener("error", (e) => e.error instanceof WebAssembly.RuntimeError && (instance.criticalError = true));

function json(status, body, allowedOrigin) {
  const headers = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
  if (allowedOrigin) Object.assign(headers, { "access-control-allow-origin": allowedOrigin, vary: "Origin" });
  return new Response(body, { status, headers });
}

function isApiPost(request) {
  if (request.method !== "POST") return false;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (!(declared <= MAX_BODY_BYTES)) return false; // streamed or oversized: the Rust reader caps it
  const url = request.url;
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2)).split(/[?#]/, 1)[0];
  return path === "/api";
}

let unboundLogged = false;

/** Whether the client is over its page-request limit (`PAGE_RATE_LIMIT`; none without it). */
async function overLimit(env, request) {
  const limiter = env.PAGE_RATE_LIMIT;
  if (!limiter) {
    if (!unboundLogged) console.log(JSON.stringify({ log: "rate_limit_unbound", binding: "PAGE_RATE_LIMIT" }));
    unboundLogged = true;
    return false;
  }
  try {
    const { success } = await limiter.limit({ key: request.headers.get("cf-connecting-ip") ?? "" });
    return !success;
  } catch {
    return false; // the limiter failing must not take checkouts down
  }
}

export default {
  // The cron: yesterday's reconciliation (Rust).
  scheduled(controller, env, ctx) {
    fresh();
    return rustScheduled(controller, env, ctx).catch(trapped);
  },

  async fetch(request, env, ctx) {
    fresh();
    if (!isApiPost(request)) return rustFetch(request, env, ctx).catch(trapped);
    // Bytes, not text(): a BOM or invalid UTF-8 must reach the parser as sent.
    const body = new Uint8Array(await request.arrayBuffer());
    // "F<origin>\n<order_no>" forward, "P…" the same for a page command (counted against the
    // client's rate limit first), "D<origin>" delegate, "R<origin>\n<status> <json>" reply.
    let route;
    try {
      route = routeApi(body, request.headers.get("authorization") ?? undefined, request.headers.get("origin") ?? undefined, env.MERCHANT_TOKEN, env.ALLOWED_ORIGINS);
    } catch (e) {
      trapped(e);
    }
    const kind = route[0];
    if (kind === "D") return rustFetch(new Request(request, { body }), env, ctx).catch(trapped);
    const newline = route.indexOf("\n");
    const allowedOrigin = route.slice(1, newline);
    const rest = route.slice(newline + 1);
    if (kind === "R") {
      const space = rest.indexOf(" ");
      return json(Number(rest.slice(0, space)), rest.slice(space + 1), allowedOrigin);
    }
    const headers = {};
    if (allowedOrigin) headers[ALLOWED_ORIGIN_HEADER] = allowedOrigin;
    if (kind === "P") {
      if (await overLimit(env, request)) return json(429, rateLimitedReply(), allowedOrigin);
      // The buyer's IP as Cloudflare saw it (WeChat H5 binds its link to it).
      const ip = request.headers.get("cf-connecting-ip");
      if (ip) headers[CLIENT_IP_HEADER] = ip;
    }
    return env.ORDER.get(env.ORDER.idFromName(rest)).fetch("https://order/api", { method: "POST", body, headers });
  },
};

// The order's Durable Object: the Rust object, with state polls answered synchronously.
export class OrderObject {
  #state;
  #env;
  #rust;
  #instanceId = -1;

  constructor(state, env) {
    this.#state = state;
    this.#env = env;
    // Live-state sockets (accepted by the Rust object, hibernatable): a page's keep-alive
    // "ping" is answered by the runtime without waking the object.
    state.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** The Rust object of the current wasm instance (made again after a trap). */
  get rust() {
    fresh();
    if (this.#instanceId !== instance.instanceId) {
      this.#rust = new RustOrderObject(this.#state, this.#env);
      this.#instanceId = instance.instanceId;
    }
    return this.#rust;
  }

  async fetch(request) {
    if (request.method !== "POST" || request.url !== "https://order/api") return this.rust.fetch(request).catch(trapped);
    const body = new Uint8Array(await request.arrayBuffer());
    let answer;
    try {
      answer = this.rust.answerNow(body);
    } catch (e) {
      trapped(e);
    }
    if (answer !== undefined) return json(200, answer, request.headers.get(ALLOWED_ORIGIN_HEADER));
    return this.rust.fetch(new Request(request, { body })).catch(trapped);
  }

  alarm() {
    return this.rust.alarm().catch(trapped);
  }

  // A page cannot change an order: what it sends on its live socket is ignored.
  webSocketMessage() {}

  webSocketClose(ws, code) {
    // Complete the closing handshake the page started (1005/1006 carry no code to echo).
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  webSocketError() {}
}

// A bill day's reconciliation (Rust), made again after a trap like the order's object.
export class ReconObject {
  #state;
  #env;
  #rust;
  #instanceId = -1;

  constructor(state, env) {
    this.#state = state;
    this.#env = env;
  }

  get rust() {
    fresh();
    if (this.#instanceId !== instance.instanceId) {
      this.#rust = new RustReconObject(this.#state, this.#env);
      this.#instanceId = instance.instanceId;
    }
    return this.#rust;
  }

  fetch(request) {
    return this.rust.fetch(request).catch(trapped);
  }

  alarm() {
    return this.rust.alarm().catch(trapped);
  }
}
