// The SDK's web build (the JavaScript shell + the Rust wasm) in Node, against a scripted
// `fetch` and a real WebSocket server (ws): argument checks, replies, and pollState's
// transports, abort, expiry by the server's clock and error handling. The real worker is
// exercised by tests/browser (Chromium against `npm run dev`).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WebSocketServer } from "ws";

const root = join(import.meta.dirname, "../..");
const sdk = await import(join(root, "pkg/dist/web/paybridge.js"));
sdk.initSync({ module: readFileSync(join(root, "pkg/dist/web/paybridge_wasm_bg.wasm")) });
const { PayClient, PayError, renderQr, mountQr } = sdk;

const NO = "order_0001";
const now = () => Math.floor(Date.now() / 1000);
const state = (pay_state, extra = {}) => ({ result: 0, msg: "", order_no: NO, pay_state, pay_state_desc: "", expires_at: now() + 900, server_time: now(), ...extra });

/** A fetch answering `replies` in turn (the last one repeats; a function is called), recording calls. */
function scripted(replies, { delay = 5 } = {}) {
  const calls = [];
  let inflight = 0;
  const fetch = async (url, init) => {
    inflight++;
    calls.push({ url, body: JSON.parse(init.body), inflight, signal: init.signal });
    try {
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, delay);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(new DOMException("aborted", "AbortError"));
        });
      });
      const next = replies.length > 1 ? replies.shift() : replies[0];
      const body = typeof next === "function" ? next() : next;
      return new Response(typeof body === "string" ? body : JSON.stringify(body));
    } finally {
      inflight--;
    }
  };
  return { fetch, calls };
}

const client = (fetch, endpoint = "https://pay.example.com/") => new PayClient({ endpoint, fetch });

async function until(ok, ms = 5_000) {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

describe("PayClient", () => {
  it("refuses bad endpoints and fetches at construction", () => {
    for (const endpoint of ["", "ftp://x", "//pay.example.com", "javascript:alert(1)"]) {
      assert.throws(() => new PayClient({ endpoint }), (e) => e.code === -3 && e.name === "PayError", endpoint);
    }
    assert.throws(() => new PayClient({ endpoint: "https://x.example", fetch: 1 }), (e) => e.code === -3);
    assert.equal(new PayClient({ endpoint: "https://x.example/" }).apiUrl, "https://x.example/api");
  });

  it("sends the spec's commands and maps both wallets", async () => {
    const { fetch, calls } = scripted([
      { result: 0, msg: "", pay_info: { alipay_url: "https://openapi.alipay.com/x" } },
      { result: 0, msg: "", pay_info: { wechat_pay_url: "weixin://wxpay/bizpayurl?pr=1" } },
      { result: 0, msg: "", code_url: "weixin://wxpay/bizpayurl?pr=2", expires_at: 1_700_000_000 },
      { result: 0, msg: "", qr_code: "https://qr.alipay.com/bax01", expires_at: 1_700_000_001 },
      { result: -28, msg: "Alipay QR codes need ALIPAY_API=openapi" },
      state(1),
    ]);
    const c = client(fetch);
    assert.deepEqual(await c.pay({ orderNo: NO, type: 1, returnUrl: "https://shop.example/done?a=\"b\"" }), { alipayUrl: "https://openapi.alipay.com/x" });
    assert.deepEqual(await c.pay({ orderNo: NO, wallet: "wechat" }), { wechatPayUrl: "weixin://wxpay/bizpayurl?pr=1", qrCode: "weixin://wxpay/bizpayurl?pr=1" });
    assert.deepEqual(await c.wechatPay({ orderNo: NO }), { qrCode: "weixin://wxpay/bizpayurl?pr=2", codeUrl: "weixin://wxpay/bizpayurl?pr=2", expiresAt: 1_700_000_000_000 });
    assert.deepEqual(await c.alipayQr({ orderNo: NO }), { qrCode: "https://qr.alipay.com/bax01", expiresAt: 1_700_000_001_000 });
    const mapi = await rejects(c.alipayQr({ orderNo: NO }));
    assert.deepEqual([mapi.code, mapi.name, mapi instanceof PayError, mapi instanceof Error], [-28, "PayError", true, true]);
    const s = await c.getState({ orderNo: NO });
    assert.equal(s.state, "paid");
    assert.equal(s.payState, 1);
    assert.deepEqual(calls.map((x) => x.body), [
      { cmd: "Pay", order_no: NO, type: 1, return_url: "https://shop.example/done?a=\"b\"" },
      { cmd: "Pay", order_no: NO, type: 2 },
      { cmd: "WechatPay", order_no: NO },
      { cmd: "AlipayQr", order_no: NO },
      { cmd: "AlipayQr", order_no: NO },
      { cmd: "WechatPayState", order_no: NO },
    ]);
    assert.equal(calls[0].url, "https://pay.example.com/api");
  });

  it("fails bad arguments fast, without a request", async () => {
    const { fetch, calls } = scripted([state(0)]);
    const c = client(fetch);
    for (const [call, why] of [
      [() => c.pay({ orderNo: NO, type: 3 }), "type"],
      [() => c.pay({ orderNo: NO, wallet: "paypal" }), "wallet"],
      [() => c.pay({ orderNo: NO, wallet: "alipay", type: 2 }), "wallet"],
      [() => c.pay({ orderNo: NO }), "wallet"],
      [() => c.pay({ orderNo: NO, type: 1 }), "return_url"],
      [() => c.pay({ orderNo: NO, type: 1, returnUrl: "javascript:x" }), "return_url"],
      [() => c.pay({ orderNo: "x", type: 2 }), "order_no"],
      [() => c.wechatPay({ orderNo: 12345678 }), "orderNo"],
      [() => c.alipayQr({}), "orderNo"],
      [() => c.getState("bad order!"), "order_no"],
      [() => c.getState({ orderNo: "bad order!" }), "order_no"],
      [() => c.pollState("x"), "order_no"],
      [() => c.pollState({ orderNo: "x" }), "order_no"],
    ]) {
      const e = await rejects(call());
      assert.equal(e.code, -3);
      assert.ok(e instanceof PayError);
      assert.match(e.message, new RegExp(why));
    }
    assert.equal(calls.length, 0);
  });

  it("rejects with the API's code and message, and with client codes", async () => {
    const e = await rejects(client(scripted([{ result: -10, msg: "no order" }]).fetch).getState(NO));
    assert.deepEqual([e.code, e.message, e.name], [-10, "no order", "PayError"]);
    assert.equal((await rejects(client(scripted(["<html>"]).fetch).getState(NO))).code, -31);
    assert.equal((await rejects(client(scripted([{ result: 0 }]).fetch).getState(NO))).code, -31);
    const offline = await rejects(client(() => Promise.reject(new TypeError("Failed to fetch"))).getState(NO));
    assert.equal(offline.code, -30);
    assert.match(offline.message, /could not reach https:\/\/pay\.example\.com\/api: Failed to fetch/);
  });

  it("renders QR codes and checks their options", () => {
    const svg = renderQr("weixin://wxpay/bizpayurl?pr=abc", { size: 200, ecc: "H" });
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /width="200"/);
    assert.throws(() => renderQr("x", { ecc: "X" }), (e) => e.code === -3);
    assert.throws(() => renderQr("x", { dark: "red\"/><script>" }), (e) => e.code === -3);
    const el = {};
    assert.equal(mountQr(el, "x"), el);
    assert.match(el.innerHTML, /^<svg/);
  });
});

describe("pollState by polling", () => {
  it("resolves on paid with one request in flight, reporting each change once", async () => {
    const { fetch, calls } = scripted([state(0), state(0), state(1)]);
    const updates = [];
    const final = await client(fetch).pollState({ orderNo: NO, live: false, onUpdate: (s) => updates.push([s.state, s.transport]) });
    assert.equal(final.state, "paid");
    assert.deepEqual(updates, [["waiting", "polling"], ["paid", "polling"]]);
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => c.inflight === 1));
  });

  it("an abort during a request rejects at once, cancels the request and leaves no listener", async () => {
    const { fetch, calls } = scripted([state(0)], { delay: 10_000 });
    const added = [];
    const removed = [];
    const controller = new AbortController();
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (type, fn, o) => (added.push(fn), add(type, fn, o));
    signal.removeEventListener = (type, fn, o) => (removed.push(fn), remove(type, fn, o));
    const polling = client(fetch).pollState(NO, { live: false, signal });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    controller.abort();
    const e = await rejects(polling);
    const took = performance.now() - t0;
    assert.equal(e.code, -32);
    assert.equal(e.name, "AbortError");
    assert.ok(took < 100, `rejected ${took.toFixed(1)} ms after the abort`);
    assert.equal(calls[0].signal.aborted, true, "the request in flight was cancelled");
    assert.equal(added.length, 1, "one listener for the whole poll, none per sleep");
    assert.deepEqual(removed, added);
    assert.equal((await rejects(client(fetch).pollState(NO, { signal: AbortSignal.abort() }))).code, -32);
  });

  it("an abort during the wait between polls rejects at once", async () => {
    const { fetch } = scripted([state(0)]);
    const controller = new AbortController();
    const polling = client(fetch).pollState(NO, { live: false, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    controller.abort();
    assert.equal((await rejects(polling)).code, -32);
    assert.ok(performance.now() - t0 < 100);
  });

  it("judges expiry by the server's clock, and keeps it through failures", async () => {
    // The server says it is 40 s past the expiry; this machine's clock says 15 minutes before.
    const { fetch } = scripted([state(0, { expires_at: now() + 900, server_time: now() + 940 })]);
    assert.equal((await rejects(client(fetch).pollState(NO, { live: false }))).code, -13);
    // A known expiry survives failing polls: the order ends on time, not after the outage.
    let n = 0;
    const flaky = scripted([() => (n++ === 0 ? state(0, { expires_at: now() - 29, server_time: now() }) : "<html>")]);
    const t0 = Date.now();
    assert.equal((await rejects(client(flaky.fetch).pollState(NO, { live: false }))).code, -13);
    assert.ok(Date.now() - t0 < 2_500, "expired at the known expiry despite unreadable replies");
  });

  it("gives up on a missing setting (-19) after a few tries, at once on an unknown order", async () => {
    const { fetch, calls } = scripted([{ result: -19, msg: "WECHAT_KEY missing" }], { delay: 1 });
    const e = await rejects(client(fetch).pollState(NO, { live: false }));
    assert.equal(e.code, -19);
    assert.equal(calls.length, 3);
    const unknown = scripted([{ result: -10, msg: "no order" }]);
    assert.equal((await rejects(client(unknown.fetch).pollState(NO, { live: false }))).code, -10);
    assert.equal(unknown.calls.length, 1);
  });
});

describe("pollState live", () => {
  let wss;
  let port;
  const sockets = [];
  let onConnection = () => {};
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.on("listening", r));
    port = wss.address().port;
    wss.on("connection", (ws, req) => {
      sockets.push(req.url);
      ws.on("message", (m) => String(m) === "ping" && ws.send("pong"));
      onConnection(ws, req);
    });
  });
  after(() => wss.close());

  it("follows the order's socket and polls nothing while it is open", async () => {
    const no = "order_0|*1";
    onConnection = (ws) => {
      ws.send(JSON.stringify(state(0, { order_no: no })));
      setTimeout(() => ws.send(JSON.stringify(state(1, { order_no: no }))), 300);
    };
    const { fetch, calls } = scripted([state(0, { order_no: no })], { delay: 200 });
    const updates = [];
    const final = await client(fetch, `http://127.0.0.1:${port}/`).pollState(no, { onUpdate: (s) => updates.push(s.transport) });
    assert.equal(final.state, "paid");
    assert.equal(final.transport, "live");
    assert.equal(sockets.at(-1), "/live/order_0%7C%2A1");
    assert.equal(updates.at(-1), "live");
    assert.ok(calls.length <= 1, "at most the first poll, cancelled when the socket opened");
  });

  it("drops a socket that sends another order's state, and carries on by polling", async () => {
    const no = "order_0003";
    // The socket says "paid" for another order; only polls about this order say paid, and
    // only once the client has had that foreign message (so the paid it resolves with can
    // only have come from a poll).
    let foreignSent = false;
    let dropped = 0;
    onConnection = (ws) => {
      ws.send(JSON.stringify(state(1, { order_no: "someone_else1" })));
      foreignSent = true;
      ws.on("close", () => dropped++);
    };
    const { fetch } = scripted([() => state(foreignSent ? 1 : 0, { order_no: no })]);
    const seen = [];
    const final = await client(fetch, `http://127.0.0.1:${port}/`).pollState(no, { onUpdate: (s) => seen.push(s) });
    assert.equal(final.state, "paid");
    assert.equal(final.transport, "polling", "the foreign 'paid' was not believed");
    assert.ok(seen.every((s) => s.orderNo === no), "no update about another order");
    await until(() => dropped >= 1);
    assert.ok(dropped >= 1, "the client closed the socket that lied");
  });

  it("falls back to polling when the server drops the socket, and reconnects", async () => {
    let connections = 0;
    const no = "order_0002";
    onConnection = (ws) => {
      connections++;
      ws.send(JSON.stringify(state(0, { order_no: no })));
      if (connections === 1) setTimeout(() => ws.terminate(), 100);
    };
    let paid = false;
    const { fetch, calls } = scripted([() => state(paid ? 1 : 0, { order_no: no })]);
    const transports = [];
    const polling = client(fetch, `http://127.0.0.1:${port}/`).pollState(no, { onUpdate: (s) => transports.push(s.transport) });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(calls.length >= 1, "polled after the drop");
    assert.equal(connections, 2, "reconnected after 1 s");
    paid = true;
    for (const ws of wss.clients) ws.send(JSON.stringify(state(1, { order_no: no })));
    const final = await polling;
    assert.equal(final.state, "paid");
    assert.equal(final.transport, "live", "back on the socket");
    assert.ok(transports.includes("polling"), `the page was told it was polling meanwhile: ${transports}`);
    assert.equal(transports.at(-1), "live");
  });

  it("polls alone when the page cannot open a socket", async () => {
    const { fetch, calls } = scripted([state(0), state(1)]);
    // Nothing listens on this port: every connection fails, polling carries the order.
    const final = await client(fetch, "http://127.0.0.1:9/").pollState(NO);
    assert.equal(final.state, "paid");
    assert.equal(final.transport, "polling");
    assert.equal(calls.length, 2);
  });
});
