// Paid-to-screen: from the moment the sandbox starts delivering the WeChat notify to the
// moment pollState resolves in Chromium, over N runs per transport against `npm run dev`'s
// stack: the order's WebSocket ("live") and polling (`live: false`), runs interleaved so
// both see the same machine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDev } from "../scripts/dev.mjs";
import { launch } from "../tests/browser/chromium.mjs";
import { freePort } from "../tests/e2e/harness.mjs";

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { runs: latencies.length, p50: pct(50), p95: pct(95), max: sorted.at(-1), latencies };
}

export async function paidToScreen({ runs = 20 } = {}) {
  const state = mkdtempSync(join(tmpdir(), "paybridge-bench-"));
  const dev = await startDev({ quiet: true, persistTo: state, port: await freePort(), sandboxPort: await freePort() });
  const browser = await launch();
  const latencies = { live: [], polling: [] };
  try {
    const page = await browser.context.newPage();
    await page.goto(`${dev.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    await page.evaluate(async () => {
      const sdk = await import("/sdk/paybridge.js");
      await sdk.default();
      window.__client = new sdk.PayClient({ endpoint: location.origin });
      window.__resolved = {};
    });
    for (let i = 0; i < runs * 2; i++) {
      const transport = i % 2 === 0 ? "live" : "polling";
      const orderNo = await page.evaluate(async (live) => {
        const order = (await (await fetch("/demo/order", { method: "POST" })).json()).order;
        await window.__client.wechatPay({ orderNo: order.order_no });
        window.__client.pollState(order.order_no, { live }).then((s) => (window.__resolved[order.order_no] = [Date.now(), s.transport]));
        return order.order_no;
      }, transport === "live");
      // Pay at a random point of the poll cycle, as a buyer would.
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 2000)));
      const paid = await fetch(`${dev.sandboxUrl}/sandbox/pay`, { method: "POST", body: JSON.stringify({ provider: "wechat", out_trade_no: orderNo, times: 1 }) }).then((r) => r.json());
      const notifiedAt = dev.sandbox.state.wechat.get(orderNo).notifies[0].startedAt;
      const [resolvedAt, via] = await page.waitForFunction((no) => window.__resolved[no], orderNo, { timeout: 15_000 }).then((h) => h.jsonValue());
      if (!paid.paid) throw new Error(`sandbox did not pay ${orderNo}`);
      if (via !== transport) throw new Error(`${orderNo}: wanted ${transport}, resolved by ${via}`);
      latencies[transport].push(resolvedAt - notifiedAt);
    }
  } finally {
    await browser.close();
    await dev.stop();
    rmSync(state, { recursive: true, force: true });
  }
  return { live: summary(latencies.live), polling: summary(latencies.polling) };
}
