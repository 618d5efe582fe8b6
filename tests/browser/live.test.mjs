// The SDK's live state in Debian's Chromium against `npm run dev`: paid over the order's
// WebSocket; with WebSocket blocked, polling takes over; a socket the server drops is
// reconnected; an abort during a request rejects at once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { devAndBrowser } from "./chromium.mjs";

const stack = devAndBrowser();

/** Opens the demo, pays with WeChat: the page shows the QR code and follows the order. */
async function checkout({ setup } = {}) {
  const page = await stack.browser.context.newPage();
  const polls = [];
  page.on("response", async (r) => {
    if (!r.url().endsWith("/api") || r.request().method() !== "POST") return;
    try {
      const request = JSON.parse(r.request().postData());
      if (request.cmd === "WechatPayState") polls.push((await r.json()).pay_state);
    } catch {
      // the page went away
    }
  });
  await setup?.(page);
  await page.goto(`${stack.dev.url}/?lang=en`);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#method-wechat");
  await page.click("#pay-button");
  await page.waitForSelector("#qr svg");
  const orderNo = await page.getAttribute("#qr", "data-order-no");
  return { page, polls, orderNo };
}

async function sandboxPay(orderNo) {
  const r = await fetch(`${stack.dev.sandboxUrl}/sandbox/pay`, { method: "POST", body: JSON.stringify({ provider: "wechat", out_trade_no: orderNo }) });
  assert.equal(r.status, 200);
}

describe("pollState in Chromium", () => {
  it("gets paid over the order's WebSocket", async () => {
    const { page, polls, orderNo } = await checkout();
    await page.waitForSelector("#transport[data-transport=live]", { timeout: 5_000 });
    assert.equal(await page.textContent("#transport"), "live");
    const paidAt = Date.now();
    await sandboxPay(orderNo);
    await page.waitForSelector("#status[data-state=paid]", { timeout: 2_000 });
    const shown = Date.now() - paidAt;
    assert.ok(shown < 1_000, `paid on screen ${shown} ms after the payment`);
    console.log(`browser/live: paid on screen ${shown} ms after the sandbox was asked to pay`);
    assert.equal(await page.getAttribute("#transport", "data-transport"), "live");
    assert.ok(!polls.includes(1), "no poll brought the payment");
    await page.close();
  });

  it("polls when WebSocket is blocked in the page, and still gets paid", async () => {
    const block = (page) =>
      page.addInitScript(() => {
        window.WebSocket = class {
          constructor() {
            throw new DOMException("blocked by policy", "SecurityError");
          }
        };
      });
    const { page, polls, orderNo } = await checkout({ setup: block });
    await page.waitForSelector("#transport[data-transport=polling]", { timeout: 5_000 });
    await sandboxPay(orderNo);
    await page.waitForSelector("#status[data-state=paid]", { timeout: 5_000 });
    assert.equal(await page.getAttribute("#transport", "data-transport"), "polling");
    assert.equal(polls.at(-1), 1, "the last poll brought the payment");
    await page.close();
  });

  it("reconnects after the server drops the socket", async () => {
    let sockets = 0;
    const dropFirst = (page) =>
      page.routeWebSocket(/\/live\//, (ws) => {
        ws.connectToServer();
        sockets++;
        if (sockets === 1) setTimeout(() => ws.close({ code: 1011, reason: "dropped" }), 300);
      });
    const { page, polls, orderNo } = await checkout({ setup: dropFirst });
    // Dropped after 300 ms: polled at once, and the socket back after about a second.
    const deadline = Date.now() + 5_000;
    while (sockets < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(sockets, 2, "reconnected");
    assert.ok(polls.length >= 1, "polled while the socket was down");
    await page.waitForSelector("#transport[data-transport=live]", { timeout: 5_000 });
    await sandboxPay(orderNo);
    await page.waitForSelector("#status[data-state=paid]", { timeout: 2_000 });
    await page.close();
  });

  it("an abort during a request rejects within 100 ms", async () => {
    const page = await stack.browser.context.newPage();
    await page.goto(`${stack.dev.url}/?lang=en`);
    await page.waitForSelector("body[data-ready=true]");
    // The state request never answers, so the abort lands while it is in flight.
    let seen;
    const inFlight = new Promise((r) => (seen = r));
    await page.route("**/api", (route) => {
      if (route.request().postData()?.includes("WechatPayState")) seen();
      else route.continue();
    });
    const started = page.evaluate(async () => {
      const sdk = await import("/sdk/paybridge.js");
      const order = await fetch("/demo/order", { method: "POST" }).then((r) => r.json());
      const client = new sdk.PayClient({ endpoint: location.origin });
      const controller = new AbortController();
      window.__abort = () => {
        window.__abortedAt = performance.now();
        controller.abort();
      };
      window.__result = client.pollState(order.order.order_no, { live: false, signal: controller.signal }).then(
        () => ({ resolved: true }),
        (e) => ({ code: e.code, name: e.name, after: performance.now() - window.__abortedAt }),
      );
    });
    await started;
    await inFlight;
    await page.evaluate(() => window.__abort());
    const result = await page.evaluate(() => window.__result);
    assert.equal(result.code, -32);
    assert.equal(result.name, "AbortError");
    assert.ok(result.after < 100, `rejected ${result.after.toFixed(1)} ms after the abort`);
    await page.close();
  });
});
