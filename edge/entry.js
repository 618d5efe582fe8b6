// The worker's module entry: a thin shell around the Rust worker (edge/build, made by
// worker-build). On the hot path it does the I/O itself and asks Rust only synchronous
// questions, because each Rust await of a JS promise costs 13–29 µs on workerd:
//
// - POST /api: read the body here, ask routeApi() where the command goes, and pass it to
//   the order's Durable Object (or answer the error it returns). ListOrders, oversized
//   bodies and every other path go to the Rust handler unchanged.
// - In the order's object, a state poll that needs no provider check is answered by
//   answerNow() from the stored order; everything else runs the object's Rust handler.
//
// Every decision (parsing, authorization, CORS, the reply) is Rust's; nothing here
// changes an order.
import RustWorker, { OrderObject as RustOrderObject } from "./build/index.js";

// worker-build puts the Rust exports other than the handlers on its entrypoint's
// prototype; routeApi is a plain function there.
const routeApi = RustWorker.prototype.routeApi;
const MAX_BODY_BYTES = 8 * 1024;
const ALLOWED_ORIGIN_HEADER = "x-paybridge-allowed-origin";

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

export default {
  async fetch(request, env, ctx) {
    if (!isApiPost(request)) return new RustWorker(ctx, env).fetch(request);
    // Bytes, not text(): a BOM or invalid UTF-8 must reach the parser as sent.
    const body = new Uint8Array(await request.arrayBuffer());
    // "F<origin>\n<order_no>" forward, "D<origin>" delegate, "R<origin>\n<status> <json>" reply.
    const route = routeApi(body, request.headers.get("authorization") ?? undefined, request.headers.get("origin") ?? undefined, env.MERCHANT_TOKEN, env.ALLOWED_ORIGINS);
    const kind = route[0];
    if (kind === "D") return new RustWorker(ctx, env).fetch(new Request(request, { body }));
    const newline = route.indexOf("\n");
    const allowedOrigin = route.slice(1, newline);
    const rest = route.slice(newline + 1);
    if (kind === "R") {
      const space = rest.indexOf(" ");
      return json(Number(rest.slice(0, space)), rest.slice(space + 1), allowedOrigin);
    }
    const headers = allowedOrigin ? { [ALLOWED_ORIGIN_HEADER]: allowedOrigin } : undefined;
    return env.ORDER.get(env.ORDER.idFromName(rest)).fetch("https://order/api", { method: "POST", body, headers });
  },
};

// The order's Durable Object: the Rust object, with state polls answered synchronously.
export class OrderObject {
  constructor(state, env) {
    this.rust = new RustOrderObject(state, env);
    // Live-state sockets (accepted by the Rust object, hibernatable): a page's keep-alive
    // "ping" is answered by the runtime without waking the object.
    state.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request) {
    if (request.method !== "POST" || request.url !== "https://order/api") return this.rust.fetch(request);
    const body = new Uint8Array(await request.arrayBuffer());
    const answer = this.rust.answerNow(body);
    if (answer !== undefined) return json(200, answer, request.headers.get(ALLOWED_ORIGIN_HEADER));
    return this.rust.fetch(new Request(request, { body }));
  }

  alarm() {
    return this.rust.alarm();
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
