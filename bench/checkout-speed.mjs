// checkout() speed in Chromium with 4x CPU throttling (CDP Emulation.setCPUThrottlingRate),
// against `npm run dev`'s stack: from the call to the QR code in the container (desktop
// WeChat Native) or to the navigation (phone: Alipay wap, WeChat H5), beside the baseline
// of the same page doing it by hand with the client's parts (wechatPay + mountQr; pay,
// which signs the desktop cashier URL: the client's pay() has no device). The first checkout() of a page includes downloading and compiling its lazily
// loaded module; it is reported apart from the median of the later calls.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDev } from "../scripts/dev.mjs";
import { launch } from "../tests/browser/chromium.mjs";
import { freePort } from "../tests/e2e/harness.mjs";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** In the page: one timed call (`how`: checkout-qr, checkout-wap, checkout-h5, parts-qr,
 * parts-wap) on a new order; ms from the call to the QR or the navigation. */
async function once(page, how) {
  return page.evaluate(async (how) => {
    const order = (await (await fetch("/demo/order", { method: "POST" })).json()).order;
    const orderNo = order.order_no;
    const client = window.__client;
    const box = document.getElementById("bench-box");
    box.replaceChildren();
    const returnUrl = `${location.origin}/result?order=${orderNo}`;
    const stop = new AbortController();
    const t0 = performance.now();
    if (how === "parts-qr") {
      const { qrCode } = await client.wechatPay({ orderNo });
      window.__sdk.mountQr(box, qrCode, { size: 240 });
      return performance.now() - t0;
    }
    if (how === "parts-wap") {
      await client.pay({ orderNo, wallet: "alipay", returnUrl });
      return performance.now() - t0;
    }
    const done = new Promise((resolve, reject) => {
      const common = { orderNo, returnUrl, container: box, signal: stop.signal, live: false };
      const options =
        how === "checkout-qr"
          ? { ...common, wallet: "wechat", device: "pc", onQr: () => resolve(performance.now() - t0) }
          : { ...common, wallet: how === "checkout-h5" ? "wechat" : "alipay", device: "mobile", navigate: () => resolve(performance.now() - t0) };
      client.checkout(options).catch((e) => (e.code === -32 ? undefined : reject(e)));
    });
    try {
      return await done;
    } finally {
      stop.abort();
    }
  }, how);
}

export async function checkoutSpeed({ runs = 10 } = {}) {
  const state = mkdtempSync(join(tmpdir(), "paybridge-bench-"));
  const dev = await startDev({ quiet: true, persistTo: state, port: await freePort(), sandboxPort: await freePort() });
  const browser = await launch();
  const out = {};
  try {
    const page = await browser.context.newPage();
    await page.goto(`${dev.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.evaluate(async () => {
      window.__sdk = await import("/sdk/paybridge.js");
      await window.__sdk.default();
      window.__client = new window.__sdk.PayClient({ endpoint: location.origin });
      const box = document.createElement("div");
      box.id = "bench-box";
      document.body.append(box);
    });
    // The first checkout() of the page loads its module.
    out.firstQr = await once(page, "checkout-qr");
    const kinds = ["checkout-qr", "parts-qr", "checkout-wap", "parts-wap", "checkout-h5"];
    const times = Object.fromEntries(kinds.map((k) => [k, []]));
    for (let i = 0; i < runs; i++) for (const k of kinds) times[k].push(await once(page, k));
    for (const k of kinds) out[k] = median(times[k]);
    out.runs = runs;
  } finally {
    await browser.close();
    await dev.stop();
    rmSync(state, { recursive: true, force: true });
  }
  return out;
}
