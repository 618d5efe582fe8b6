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
