// Starts the real stack for a test file: the provider sandbox on a free loopback port and
// the built worker (edge/build) under workerd through Miniflare, with the order Durable
// Objects (SQLite) bound as ORDER, an in-memory KV bound as ORDERS (the listing
// projection) and the dev settings of .dev.vars.example pointed at the sandbox.
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { loadDevVars, startSandbox } from "../sandbox/server.mjs";

const root = join(import.meta.dirname, "../..");

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const DEV = loadDevVars();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until `ok(value)`; fails the test with the last value after `ms`. */
export async function until(what, fn, ok, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached in ${ms} ms (last: ${JSON.stringify(v)?.slice(0, 300)})`);
    await sleep(100);
  }
}
export const TOKEN = DEV.MERCHANT_TOKEN;

/** The destination sealed in the worker's cashier return URL (`…/return/alipay/<b64url>.<mac>`). */
export function sealedDestination(returnUrl) {
  const token = new URL(returnUrl).pathname.split("/return/alipay/")[1] ?? "";
  return Buffer.from(token.split(".")[0], "base64url").toString("utf8");
}

/** Splits a buyer's return location into the page and the appended values, checking
 *  `paybridge_sig` with node:crypto as a merchant's backend would (HMAC-SHA256 keyed with
 *  the merchant token over `order_no=…&pay_state=…&ts=…`). */
export function signedReturn(location) {
  const url = new URL(location);
  const q = url.searchParams;
  const [order_no, pay_state, ts, sig] = ["order_no", "pay_state", "paybridge_ts", "paybridge_sig"].map((k) => q.get(k));
  const expected = createHmac("sha256", TOKEN).update(`order_no=${order_no}&pay_state=${pay_state}&ts=${ts}`).digest("hex");
  for (const k of ["order_no", "pay_state", "paybridge_ts", "paybridge_sig"]) q.delete(k);
  const page = url.toString().replace(/\?(#|$)/, "$1");
  return { page, order_no, pay_state: Number(pay_state), ts: Number(ts), verified: sig === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300 };
}

/** POSTs `body` with `Expect: 100-continue` on a connection of its own: the body is sent
 * only if the server asks for it. Resolves like fetch's Response (status, headers, text()). */
function postExpecting(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", agent: false, headers: { ...headers, "content-length": Buffer.byteLength(body), expect: "100-continue" } });
    req.on("continue", () => req.end(body));
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text: async () => text });
      });
    });
    req.on("error", reject);
  });
}

/** The static assets as wrangler.toml's `[assets]` maps them: www/ (its `_headers` too),
 * the worker first for these paths. */
const ASSETS = {
  directory: join(root, "www"),
  binding: "ASSETS",
  routerConfig: { has_user_worker: true },
  run_worker_first: ["/api", "/notify/*", "/return/*", "/demo/*"],
};

/** `assets: true` also serves www/ like `[assets]` does (the demo shop, the console) on
 * `url`; `directUrl` always reaches the worker alone. */
export async function startStack({ vars = {}, assets = false, pageLimit = 1_000_000, persist } = {}) {
  const sandboxPort = await freePort();
  const workerPort = await freePort();
  const sandbox = await startSandbox({ port: sandboxPort, quiet: true, publicBaseUrl: `http://127.0.0.1:${workerPort}`, shopOrigins: vars.RETURN_URL_ORIGINS ?? vars.ALLOWED_ORIGINS ?? "https://shop.example" });
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const bindings = {
    ...DEV,
    WECHAT_API_BASE: sandboxUrl,
    ALIPAY_GATEWAY: `${sandboxUrl}/gateway.do`,
    ALIPAY_OPENAPI_GATEWAY: `${sandboxUrl}/gateway.do`,
    // WeChat web authorisation: the authorize page and the code exchange (the sandbox's).
    WECHAT_OAUTH_BASE: sandboxUrl,
    WECHAT_SNS_BASE: sandboxUrl,
    PUBLIC_BASE_URL: workerUrl,
    ALLOWED_ORIGINS: "https://shop.example",
    PROVIDER_TIMEOUT_MS: "1500",
    TEST_HOOKS: "on",
    // Webhooks go to the test's own receiver when it names one (see webhooks.test.mjs).
    WEBHOOK_URL: "",
    ...vars,
  };
  const logs = [];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      // The worker as wrangler deploys it: the entry shell and the Rust build it imports.
      modulesRoot: join(root, "edge"),
      modules: [
        { type: "ESModule", path: join(root, "edge/entry.js") },
        { type: "ESModule", path: join(root, "edge/build/index.js") },
        { type: "CompiledWasm", path: join(root, "edge/build/index_bg.wasm") },
      ],
      compatibilityDate: "2026-11-01",
      kvNamespaces: ["ORDERS"],
      // wrangler.toml's page limit is 100 per minute per client; the suites send thousands
      // from one address, so theirs is raised (the rate-limit test sets its own).
      // `pageLimit: null`: no binding at all (the worker then limits nothing and logs it).
      ...(pageLimit === null ? {} : { ratelimits: { PAGE_RATE_LIMIT: { namespace_id: "1001", simple: { limit: pageLimit, period: 60 } } } }),
      durableObjects: { ORDER: { className: "OrderObject", useSQLite: true }, RECONCILIATION: { className: "ReconObject", useSQLite: true } },
      r2Buckets: ["BILLS"],
      ...(assets ? { assets: ASSETS } : {}),
      // A socket straight into the worker, past Miniflare's entry worker (about 250 µs of
      // fixed cost and ±15 % noise per request): what the benchmark measures.
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      bindings,
      // A directory keeps KV and the objects' SQLite across a stop and a new start.
      ...(persist ? { resourcePersistencePath: persist } : {}),
      host: "127.0.0.1",
      port: workerPort,
      handleStructuredLogs({ message }) {
        for (const line of message.split("\n")) logs.push(line);
      },
      handleRuntimeStdio(stdout, stderr) {
        for (const stream of [stdout, stderr]) {
          let buf = "";
          stream.on("data", (d) => {
            buf += d;
            let i;
            while ((i = buf.indexOf("\n")) >= 0) {
              logs.push(buf.slice(0, i));
              buf = buf.slice(i + 1);
            }
          });
        }
      },
    }),
  );
  await mf.ready;
  const kv = await mf.getKVNamespace("ORDERS");
  const directUrl = (await mf.unsafeGetDirectURL()).origin;

  const replies = [];
  async function post(path, body, headers = {}) {
    // workerd answers an oversized body from its Content-Length without reading it and
    // closes the connection, so a client still writing the body may get EPIPE instead of
    // the answer. Large bodies therefore go with `Expect: 100-continue`, as careful HTTP
    // clients send them: the worker answers before a byte of the body is sent.
    const resp = (body?.length ?? 0) > 32 * 1024 ? await postExpecting(workerUrl + path, body, headers) : await fetch(workerUrl + path, { method: "POST", body, headers });
    const text = await resp.text();
    replies.push({ path, status: resp.status, text, headers: [...resp.headers].map(([k, v]) => `${k}: ${v}`).join("\n") });
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: resp.status, text, json, headers: resp.headers };
  }

  const stack = {
    url: workerUrl,
    directUrl,
    sandboxUrl,
    sandbox,
    kv,
    logs,
    replies,
    bindings,
    post,
    /** POST /api with a command object (or raw text); `token` adds the merchant's Bearer. */
    api(cmd, { token, raw, headers = {} } = {}) {
      const h = { "content-type": "application/json", ...headers };
      if (token) h.authorization = `Bearer ${token === true ? TOKEN : token}`;
      return post("/api", raw ?? JSON.stringify(cmd), h);
    },
    async createOrder(order_no, total_fee = 1990, extra = {}) {
      const r = await stack.api({ cmd: "CreateOrder", order_no, total_fee, subject: "测试商品 Test item", ...extra }, { token: true });
      if (r.json?.result !== 0) throw new Error(`CreateOrder failed: ${r.text}`);
      return r.json.order;
    },
    /** The order as its object holds it (QueryOrder), or null when there is none. */
    async record(order_no) {
      // QueryOrder is safe to repeat: once more when a keep-alive socket that workerd closed
      // after refusing an oversized body breaks under it (EPIPE).
      const query = () => stack.api({ cmd: "QueryOrder", order_no }, { token: true });
      const r = await query().catch(query);
      if (r.json?.result === -10) return null;
      if (r.json?.result !== 0) throw new Error(`QueryOrder failed: ${r.text}`);
      return r.json.order;
    },
    /** The order's stored record as text, to compare before and after. */
    async snapshot(order_no) {
      return JSON.stringify(await stack.record(order_no));
    },
    /** The KV projection of an order (what ListOrders reads), or null. */
    async projection(order_no) {
      const { value, metadata } = await kv.getWithMetadata(`order:${order_no}`);
      return value === null ? null : { view: JSON.parse(value), metadata };
    },
    /** Moves an order's clock back by `seconds` (its times, sessions and refunds). */
    async age(order_no, seconds) {
      const r = await stack.post("/test/age", JSON.stringify({ order_no, seconds }), { authorization: `Bearer ${TOKEN}` });
      if (r.json?.result !== 0) throw new Error(`age failed: ${r.text}`);
      return r.json.order;
    },
    async state(order_no) {
      return (await stack.api({ cmd: "WechatPayState", order_no })).json;
    },
    async sandboxPost(path, body) {
      const r = await fetch(sandboxUrl + path, { method: "POST", body: JSON.stringify(body) });
      return r.json();
    },
    pay(provider, out_trade_no, opts = {}) {
      return stack.sandboxPost("/sandbox/pay", { provider, out_trade_no, ...opts });
    },
    /** A provider fault for the next `times` requests to `match`, only about `order` when given. */
    fault(match, fault, times = 1, order, delayMs) {
      return stack.sandboxPost("/sandbox/faults", { match, fault, times, order, delayMs });
    },
    async notifyBody(provider, out_trade_no, status) {
      const q = new URLSearchParams({ provider, out_trade_no, ...(status ? { status } : {}) });
      return (await fetch(`${sandboxUrl}/sandbox/notify?${q}`)).text();
    },
    /** Opens an order's Alipay cashier the way a browser would (creates the sandbox trade). */
    async openCashier(order_no, return_url = "https://shop.example/done") {
      const r = await stack.api({ cmd: "Pay", order_no, type: 1, return_url });
      if (r.json?.result !== 0) throw new Error(`Pay failed: ${r.text}`);
      const page = await fetch(r.json.pay_info.alipay_url);
      return { url: r.json.pay_info.alipay_url, page: await page.text() };
    },
    async codeUrl(order_no) {
      const r = await stack.api({ cmd: "WechatPay", order_no });
      if (r.json?.result !== 0) throw new Error(`WechatPay failed: ${r.text}`);
      return r.json.code_url;
    },
    /** Runs the worker's cron (the reconciliation of yesterday) as the platform would. */
    async scheduled() {
      return (await mf.getWorker()).scheduled({ cron: "30 2 * * *", scheduledTime: new Date() });
    },
    transitions(order_no) {
      return logs.filter((l) => l.includes('"log":"transition"') && l.includes(`"order_no":"${order_no}"`)).length;
    },
    async stop() {
      await mf.dispose();
      await sandbox.close();
    },
  };
  return stack;
}
