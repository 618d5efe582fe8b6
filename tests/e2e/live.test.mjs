// Live order state: GET /live/<order_no> as a WebSocket, accepted by the order's Durable
// Object with the hibernation API. The current state at once, every change, closed at a
// final state; origins checked like /api; nothing a page sends changes an order.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { startStack, until } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

const ORIGIN = "https://shop.example";

/** Opens a live socket and collects what it receives; `closed` resolves with the close code. */
function live(no, { origin = ORIGIN, path = `/live/${no}` } = {}) {
  const ws = new WebSocket(s.url.replace("http", "ws") + path, origin ? { origin } : {});
  const messages = [];
  const waiters = [];
  ws.on("message", (data) => {
    messages.push(String(data));
    for (const w of waiters.splice(0)) w();
  });
  const opened = new Promise((resolve, reject) => {
    ws.on("open", resolve);
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on("error", reject);
  });
  const closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
  const states = () => messages.filter((m) => m !== "pong").map((m) => JSON.parse(m));
  return {
    ws,
    opened,
    closed,
    messages,
    states,
    /** Resolves when the `n`th state has arrived. */
    async nth(n, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (states().length < n) {
        if (Date.now() > deadline) throw new Error(`only ${states().length} of ${n} states: ${messages.join(" | ")}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return states()[n - 1];
    },
  };
}

describe("live state over a WebSocket", () => {
  it("sends the state at once, then the payment, then closes", async () => {
    const no = "live_paid_0001";
    await s.createOrder(no, 1200);
    await s.codeUrl(no);
    const page = live(no);
    await page.opened;
    const first = await page.nth(1);
    assert.equal(first.result, 0);
    assert.equal(first.order_no, no);
    assert.equal(first.pay_state, 0);
    assert.equal(typeof first.expires_at, "number");
    assert.ok(Math.abs(first.server_time * 1000 - Date.now()) < 5_000, "the server's clock rides along");
    const sent = Date.now();
    await s.pay("wechat", no);
    const paid = await page.nth(2);
    assert.equal(paid.pay_state, 1);
    assert.equal(paid.pay_state_desc, "已支付");
    assert.ok(Date.now() - sent < 3_000, "pushed, not polled");
    page.ws.close(1000);
  });

  it("tells every page watching the order", async () => {
    const no = "live_many_0001";
    await s.createOrder(no, 500);
    await s.codeUrl(no);
    const pages = Array.from({ length: 5 }, () => live(no));
    await Promise.all(pages.map((p) => p.nth(1)));
    await s.pay("wechat", no);
    for (const p of pages) {
      assert.equal((await p.nth(2)).pay_state, 1);
      p.ws.close(1000);
    }
  });

  it("a final order: its state, then the close", async () => {
    const no = "live_final_0001";
    await s.createOrder(no, 700);
    await s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
    const page = live(no);
    assert.equal((await page.nth(1)).pay_state, 2);
    assert.equal((await page.closed).code, 1000, "the server closes (the TCP end can take workerd 10 s)");
  });

  it("finds a payment whose notify was lost within seconds while a page watches", async () => {
    const no = "live_nonotify_01";
    await s.createOrder(no, 800);
    await s.codeUrl(no);
    // Past the first scheduled checks (5, 15, 30, 60 s): the next one is minutes away.
    await s.age(no, 90);
    const page = live(no);
    assert.equal((await page.nth(1)).pay_state, 0);
    const paidAt = Date.now();
    await s.pay("wechat", no, { notify: false });
    const paid = await page.nth(2, 15_000);
    assert.equal(paid.pay_state, 1);
    const took = Date.now() - paidAt;
    assert.ok(took < 8_000, `found by the object's own check in ${took} ms`);
    console.log(`e2e/live: a payment with its notify lost was found by the watched object in ${took} ms`);
    page.ws.close(1000);
  });

  it("ignores what a page sends, and answers ping with pong", async () => {
    const no = "live_ignore_0001";
    await s.createOrder(no, 900);
    await s.codeUrl(no);
    const page = live(no);
    await page.nth(1);
    const before = await s.snapshot(no);
    for (const m of ['{"cmd":"CloseOrder","order_no":"live_ignore_0001"}', '{"pay_state":1}', "x".repeat(10_000)]) page.ws.send(m);
    page.ws.send("ping");
    await until("pong", async () => page.messages, (m) => m.includes("pong"));
    assert.equal(await s.snapshot(no), before, "nothing a page sends changes the order");
    assert.equal(page.states().length, 1);
    page.ws.close(1000);
    assert.equal((await page.closed).code, 1000);
  });

  it("refuses pages from other origins, unknown orders and plain GETs", async () => {
    const no = "live_refuse_0001";
    await s.createOrder(no, 900);
    const evil = live(no, { origin: "https://evil.example" });
    const refused = await evil.opened.then(() => null, (e) => e);
    assert.equal(refused?.status, 403);
    assert.equal(JSON.parse(refused.body).result, -27);

    const unknown = await live("live_nobody_0001").opened.then(() => null, (e) => e);
    assert.equal(unknown?.status, 404);
    assert.equal(JSON.parse(unknown.body).result, -10);

    const badNo = await live("x", { path: "/live/%3Cscript%3E" }).opened.then(() => null, (e) => e);
    assert.equal(badNo?.status, 400);
    assert.equal(JSON.parse(badNo.body).result, -3);

    const plain = await fetch(`${s.url}/live/${no}`, { headers: { origin: ORIGIN } });
    assert.equal((await plain.json()).result, -6);

    const server = live(no, { origin: null });
    assert.equal((await server.nth(1)).pay_state, 0, "no Origin: not a browser, allowed like /api");
    server.ws.close();
  });
});
