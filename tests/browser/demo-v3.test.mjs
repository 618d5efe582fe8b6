// The demo checkout with WeChat Pay v3 and Alipay OpenAPI (`npm run dev -- --v3`) in
// Debian's Chromium: both wallets' QR codes side by side with one countdown and live
// state, paid by scanning Alipay's; and Alipay's page.pay cashier back to the result page.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { V3_VARS } from "../../scripts/dev.mjs";
import { decodeQr, devAndBrowser, openShop as open } from "./chromium.mjs";

const stack = devAndBrowser({ vars: V3_VARS });

const openShop = () => open(stack, "en");

describe("the demo with v3 and OpenAPI", () => {
  it("shows WeChat's and Alipay's QR codes side by side and turns paid live when Alipay's is scanned", async () => {
    const { page, apiReplies } = await openShop();
    await page.click("#method-wechat");
    await page.click("#pay-button");
    const wx = await page.waitForSelector("#qr svg");
    const ali = await page.waitForSelector("#alipay-qr svg");
    const codeUrl = apiReplies.find((x) => x.request.cmd === "WechatPay").reply.code_url;
    const qrCode = apiReplies.find((x) => x.request.cmd === "AlipayQr").reply.qr_code;
    assert.equal(decodeQr(await wx.screenshot()), codeUrl);
    assert.equal(decodeQr(await ali.screenshot()), qrCode);
    assert.match(qrCode, /^https:\/\/qr\.alipay\.com\//);
    assert.equal(await page.textContent("#wechat-panel h2"), "Scan to pay");
    assert.equal(await page.getAttribute("#status", "data-state"), "waiting");

    const phone = await stack.browser.context.newPage();
    await phone.goto(await page.getAttribute("#simulate-alipay-scan", "href"));
    await phone.click("#alipay-scan-pay");
    await page.waitForSelector("#status[data-state=paid]", { timeout: 2500 });
    assert.equal(await page.getAttribute("#transport", "data-transport"), "live");
    await phone.close();
    await page.close();
  });

  it("pays through Alipay's page.pay cashier and returns through a verified RSA2 return", async () => {
    const { page } = await openShop();
    await page.click("#method-alipay");
    await Promise.all([page.waitForURL(`${stack.dev.sandboxUrl}/gateway.do?**`), page.click("#pay-button")]);
    assert.equal(new URL(page.url()).searchParams.get("method"), "alipay.trade.page.pay");
    await Promise.all([page.waitForURL(`${stack.dev.url}/result?**`), page.click("#alipay-pay")]);
    assert.equal(new URL(page.url()).searchParams.get("pay_state"), "1");
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 5000 });
    await page.close();
  });
});
