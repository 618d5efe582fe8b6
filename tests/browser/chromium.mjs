// Debian's Chromium, driven by playwright-core (never a downloaded browser). The flags keep
// it off the network this machine does not have.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import jsQR from "jsqr";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "paybridge-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 1000 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium as a browser that makes contexts of their own (phones: `newContext(PHONES.x)`). */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
}

const IPHONE_OS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)";
const phone = (userAgent) => ({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, userAgent });

/** Phone emulation (as playwright's `devices["iPhone 13"]`, with these User-Agents): Safari,
 * WeChat's in-app browser, Alipay's. */
export const PHONES = {
  safari: phone(`${IPHONE_OS} Version/17.5 Mobile/15E148 Safari/604.1`),
  wechat: phone(`${IPHONE_OS} Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN`),
  alipay: phone(`${IPHONE_OS} Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.6.0.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|844|3.0) AlipayClient/10.6.0.6000 Language/zh-Hans Region/CN`),
};

/** Decodes the QR code in a PNG screenshot with jsQR; null when none is found. */
export function decodeQr(png) {
  const img = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
  return found?.data ?? null;
}

/** Registers before/after hooks that start `npm run dev`'s stack on free ports and a
 * Chromium; the returned object's `dev` and `browser` are set once `before` ran. */
export function devAndBrowser({ vars = {} } = {}) {
  const ctx = { dev: null, browser: null };
  const state = mkdtempSync(join(tmpdir(), "paybridge-dev-"));
  before(async () => {
    const { startDev } = await import("../../scripts/dev.mjs");
    const { freePort } = await import("../e2e/harness.mjs");
    ctx.dev = await startDev({ quiet: true, persistTo: state, port: await freePort(), sandboxPort: await freePort(), vars });
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.dev?.stop();
    rmSync(state, { recursive: true, force: true });
  });
  return ctx;
}

/** Opens the demo shop in a new page of `stack`'s browser, recording every /api command
 * the page sends with its reply. */
export async function openShop(stack, lang = "en") {
  const page = await stack.browser.context.newPage();
  const apiReplies = [];
  page.on("response", async (r) => {
    if (!r.url().endsWith("/api") || r.request().method() !== "POST") return;
    try {
      apiReplies.push({ request: JSON.parse(r.request().postData()), reply: await r.json() });
    } catch {
      // the page navigated away before the body was read
    }
  });
  await page.goto(`${stack.dev.url}/?lang=${lang}`);
  await page.waitForSelector("body[data-ready=true]");
  return { page, apiReplies };
}
