// The demo checkout in Debian's Chromium against `npm run dev` (the same startDev the
// command uses, on its own ports): both wallets, paid through the sandbox.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeQr, devAndBrowser, openShop as open } from "./chromium.mjs";

const stack = devAndBrowser();

const openShop = (lang) => open(stack, lang);

describe("WeChat Pay in the demo", () => {
  it("shows the API's code_url as a scannable QR code and turns paid within one poll interval", async () => {
    const { page, apiReplies } = await openShop("zh");
    await page.click("#method-wechat");
    await page.click("#pay-button");
    const qr = await page.waitForSelector("#qr svg");
    const apiCode = apiReplies.find((x) => x.request.cmd === "WechatPay").reply.code_url;
    assert.match(apiCode, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    assert.equal(decodeQr(await qr.screenshot()), apiCode);
    assert.match(await page.textContent("#countdown"), /^(9|10):\d\d$|^0?9:\d\d$/);
    assert.equal(await page.getAttribute("#status", "data-state"), "waiting");
    assert.equal(await page.textContent("#status"), "等待支付…");

    // The buyer's phone: the sandbox page behind the "simulate scan" link.
    const link = await page.getAttribute("#simulate-scan", "href");
    assert.ok(link.startsWith(`${stack.dev.sandboxUrl}/wechat/scan?pr=`));
    const phone = await stack.browser.context.newPage();
    await phone.goto(link);
    const paidAt = Date.now();
    await phone.click("#wechat-pay");
    await page.waitForSelector("#status[data-state=paid]", { timeout: 2500 });
    const shownAfter = Date.now() - paidAt;
    assert.ok(shownAfter <= 2500, `paid shown after ${shownAfter} ms`);
    assert.equal(await page.textContent("#status"), "支付成功");
    const orderNo = await page.getAttribute("#qr", "data-order-no");
    assert.equal(await page.getAttribute("#qr", "data-code-url"), apiCode);
    // Live: the payment came over the order's WebSocket, not a poll.
    assert.equal(await page.getAttribute("#transport", "data-transport"), "live");
    assert.equal(await page.textContent("#transport"), "实时连接");
    assert.ok(!apiReplies.some((x) => x.request.cmd === "WechatPayState" && x.reply.pay_state === 1));
    assert.ok(orderNo?.startsWith("demo"));
    await phone.close();
    await page.close();
  });
});

describe("Alipay in the demo", () => {
  it("goes to the sandbox cashier and returns to the result page as paid", async () => {
    const { page } = await openShop("en");
    await page.click("#method-alipay");
    await Promise.all([page.waitForURL(`${stack.dev.sandboxUrl}/gateway.do?**`), page.click("#pay-button")]);
    assert.match(await page.textContent(".amount"), /0\.01/);
    await Promise.all([page.waitForURL(`${stack.dev.url}/result?**`), page.click("#alipay-pay")]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("pay_state"), "1");
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 5000 });
    assert.equal(await page.textContent("#result-status"), "Payment received");
    // The shop's backend was told by a signed webhook, which it verified.
    await page.waitForSelector("#merchant-told:not([hidden])", { timeout: 10_000 });
    assert.match(await page.getAttribute("#merchant-told", "data-event-id"), /^evt_demo\d+[0-9A-Za-z]+\.\d+$/);
    assert.equal(await page.textContent("#order-no"), url.searchParams.get("order_no"));
    await page.close();
  });
});
