// Takes the README's screenshots of the demo (docs/demo-wechat.png, docs/demo-shop.png) in
// Debian's Chromium against a fresh `npm run dev` stack.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch } from "../tests/browser/chromium.mjs";
import { freePort } from "../tests/e2e/harness.mjs";
import { startDev } from "./dev.mjs";
import { root } from "./tools.mjs";

const state = mkdtempSync(join(tmpdir(), "paybridge-shot-"));
const dev = await startDev({ quiet: true, persistTo: state, port: await freePort(), sandboxPort: await freePort() });
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 760, height: 900 });
  await page.goto(`${dev.url}/?lang=zh`);
  await page.waitForSelector("body[data-ready=true]");
  await page.screenshot({ path: join(root, "docs/demo-shop.png") });
  await page.click("#method-wechat");
  await page.click("#pay-button");
  await page.waitForSelector("#qr svg");
  await page.waitForSelector("#status[data-state=waiting]");
  await page.screenshot({ path: join(root, "docs/demo-wechat.png"), fullPage: true });
  console.log("screenshots: docs/demo-shop.png, docs/demo-wechat.png");
} finally {
  await browser.close();
  await dev.stop();
  rmSync(state, { recursive: true, force: true });
}
