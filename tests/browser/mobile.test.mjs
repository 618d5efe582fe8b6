// The demo shop on phones, in Debian's Chromium with phone emulation (viewport, touch,
// isMobile, the User-Agents of iPhone Safari, WeChat and Alipay) against the built worker
// under Miniflare serving www/ (startStack's `assets`) and the sandbox: checkout() picks
// WeChat H5, WeChat's sign-in and payment sheet (the sandbox's WeixinJSBridge, which checks
// paySign itself), Alipay's wap cashier; the guide for the wrong app; a cancelled sheet
// leaves the order payable; desktops as before; one order paid on the phone while the
// desktop shows its QR code.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack, until } from "../e2e/harness.mjs";
import { PHONES, decodeQr, launchBrowser } from "./chromium.mjs";

let s;
let browser;
let bridgeScript;

before(async () => {
  // The shop is the worker's own origin here: its pages, sockets and return URLs.
  s = await startStack({ assets: true, vars: { ALLOWED_ORIGINS: "*", RETURN_URL_ORIGINS: "*" } });
  browser = await launchBrowser();
  bridgeScript = await (await fetch(`${s.sandboxUrl}/sandbox/wechat-bridge.js`)).text();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

/** A browser context for `who` (a PHONES key, or "desktop"), recording every /api command
 * its pages send; inside WeChat, with the sandbox's WeixinJSBridge on every page. */
async function device(who, { bridge } = {}) {
  const context = await browser.newContext(who === "desktop" ? { viewport: { width: 900, height: 1000 } } : PHONES[who]);
  const commands = [];
  context.on("request", (r) => {
    if (r.url().endsWith("/api") && r.method() === "POST") {
      try {
        commands.push(JSON.parse(r.postData()));
      } catch {}
    }
  });
  if (who === "wechat") {
    if (bridge) await context.addInitScript((knobs) => (window.__sandboxBridge = knobs), bridge);
    await context.addInitScript(bridgeScript);
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, commands, errors };
}

/** Opens the shop and presses pay with `wallet`. */
async function checkout(page, wallet, lang = "en") {
  await page.goto(`${s.url}/?lang=${lang}`);
  await page.waitForSelector("body[data-ready=true]");
  await page.click(`#method-${wallet}`);
  await page.click("#pay-button");
}

const resultPage = (wallet) => new RegExp(`^${s.url.replace(/[.]/g, "\\.")}/result\\?order=demo[^&]+&wallet=${wallet}`);
const pays = (commands) => commands.filter((c) => c.cmd === "Pay");

describe("a phone's browser", () => {
  it("WeChat H5: the H5 page opened from the shop, paid, and back on the result page as paid", async () => {
    const { context, page, commands, errors } = await device("safari");
    await Promise.all([page.waitForURL(`${s.sandboxUrl}/wechat/h5/checkmweb?**`), checkout(page, "wechat")]);
    assert.equal(await page.locator("#error").count(), 0, await page.content());
    const [pay] = pays(commands);
    assert.deepEqual([pay.type, pay.device], [2, "mobile"]);
    assert.match(pay.return_url, resultPage("wechat"));
    // The page was opened by the shop's page: WeChat's Referer check passed.
    assert.match(await page.textContent("#amount"), /0\.01/);
    await Promise.all([page.waitForURL(resultPage("wechat")), page.click("#wechat-h5-pay")]);
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    assert.equal(await page.textContent("#result-status"), "Payment received");
    assert.equal((await s.state(pay.order_no)).pay_state, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("Alipay wap: the mobile cashier, paid, and back through the worker's signed return", async () => {
    const { context, page, commands } = await device("safari");
    await Promise.all([page.waitForURL(`${s.sandboxUrl}/gateway.do?**`), checkout(page, "alipay", "zh")]);
    assert.equal(new URL(page.url()).searchParams.get("service"), "alipay.wap.create.direct.pay.by.user");
    const [pay] = pays(commands);
    assert.deepEqual([pay.type, pay.device], [1, "mobile"]);
    await Promise.all([page.waitForURL(resultPage("alipay")), page.click("#alipay-wap-pay")]);
    const back = new URL(page.url()).searchParams;
    assert.deepEqual([back.get("order_no"), back.get("pay_state")], [pay.order_no, "1"]);
    assert.ok(back.get("paybridge_sig"), "signed by the worker");
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    assert.equal(await page.textContent("#result-status"), "支付成功");
    await context.close();
  });

  it("the demo fits the phone's screen", async () => {
    const { context, page } = await device("safari");
    await page.goto(`${s.url}/?lang=en`);
    await page.waitForSelector("body[data-ready=true]");
    const { scroll, width, button } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
      button: document.getElementById("pay-button").getBoundingClientRect().height,
    }));
    assert.ok(scroll <= width, `no sideways scrolling (${scroll} > ${width})`);
    assert.ok(button >= 44, `a touch-sized pay button (${button} px)`);
    await context.close();
  });
});

describe("inside WeChat", () => {
  it("JSAPI: WeChat's sign-in, then the payment sheet on the result page, paid", async () => {
    const { context, page, commands, errors } = await device("wechat");
    const before = await (await fetch(`${s.sandboxUrl}/sandbox/oauth/last`)).json();
    await checkout(page, "wechat");
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 15_000 });
    // The round trip went through the sandbox's authorize page (which needs WeChat's UA).
    const last = await (await fetch(`${s.sandboxUrl}/sandbox/oauth/last`)).json();
    assert.notEqual(last.code, before.code, "a code was issued");
    assert.equal(last.user, "buyer");
    const [pay] = pays(commands);
    assert.deepEqual([pay.type, pay.device], [2, "wechat"]);
    assert.match(pay.wx_token, /^[0-9A-Za-z]+$/);
    // The token left the address bar; the page's own query stayed.
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("paybridge_wx"), null);
    assert.equal(url.searchParams.get("order"), pay.order_no);
    // The sheet said ok, but the page showed paid because the order said so.
    assert.equal(await page.evaluate(() => window.__sandboxBridgeLast?.err_msg), "get_brand_wcpay_request:ok");
    assert.equal((await s.state(pay.order_no)).pay_state, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("a cancelled sheet (-36) leaves the order payable, and paying again needs no second sign-in", async () => {
    const { context, page, commands } = await device("wechat", { bridge: { answer: "cancel" } });
    await checkout(page, "wechat", "zh");
    await page.waitForSelector("#result-status[data-state=cancelledByBuyer]", { timeout: 15_000 });
    assert.equal(await page.textContent("#result-status"), "支付已取消，订单仍可支付");
    const [pay] = pays(commands);
    const order = await s.state(pay.order_no);
    assert.equal(order.pay_state, 0, "still waiting: payable");
    const code = (await (await fetch(`${s.sandboxUrl}/sandbox/oauth/last`)).json()).code;
    await page.evaluate(() => (window.__sandboxBridge = {}));
    await page.click("#pay-again");
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    assert.equal((await (await fetch(`${s.sandboxUrl}/sandbox/oauth/last`)).json()).code, code, "no second sign-in");
    assert.deepEqual(pays(commands).map((p) => p.wx_token), [pay.wx_token, pay.wx_token]);
    await context.close();
  });

  it("Alipay inside WeChat: the guide, in the page's language, and nothing sent (-34)", async () => {
    const { context, page, commands } = await device("wechat");
    await checkout(page, "alipay", "zh");
    const guide = await page.waitForSelector("#qr .paybridge-guide");
    assert.ok(await guide.isVisible());
    assert.match(await guide.textContent(), /请在浏览器中打开/);
    assert.match(await guide.textContent(), /微信内无法使用支付宝付款/);
    assert.equal(await page.getAttribute("#wechat-panel", "data-mode"), "guide");
    assert.equal(pays(commands).length, 0);
    assert.equal(page.url().startsWith(s.url), true, "the page stayed");
    await context.close();
  });
});

describe("inside Alipay", () => {
  it("WeChat Pay inside Alipay: the guide (-34); Alipay pays through the wap cashier", async () => {
    const { context, page, commands } = await device("alipay");
    await checkout(page, "wechat", "en");
    const guide = await page.waitForSelector("#qr .paybridge-guide");
    assert.match(await guide.textContent(), /Open this page in your browser/);
    assert.match(await guide.textContent(), /WeChat Pay cannot be used inside Alipay/);
    assert.equal(pays(commands).length, 0);
    await Promise.all([page.waitForURL(`${s.sandboxUrl}/gateway.do?**`), checkout(page, "alipay")]);
    assert.equal(pays(commands)[0].device, "alipay");
    await Promise.all([page.waitForURL(resultPage("alipay")), page.click("#alipay-wap-pay")]);
    await page.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    await context.close();
  });
});

describe("a desktop", () => {
  it("is unchanged: WeChat's QR code, paid live; Alipay's cashier page", async () => {
    const { context, page, commands } = await device("desktop");
    await checkout(page, "wechat", "zh");
    const qr = await page.waitForSelector("#qr svg");
    const [native] = commands.filter((c) => c.cmd === "WechatPay");
    const orderNo = await page.getAttribute("#qr", "data-order-no");
    assert.equal(native.order_no, orderNo);
    const codeUrl = await page.getAttribute("#qr", "data-code-url");
    assert.equal(decodeQr(await qr.screenshot()), codeUrl);
    assert.match(await page.textContent("#countdown"), /^\d\d?:\d\d$/);
    await page.waitForSelector("#transport[data-transport=live]", { timeout: 5_000 });
    await s.pay("wechat", orderNo);
    await page.waitForSelector("#status[data-state=paid]", { timeout: 2_500 });
    assert.equal(pays(commands).length, 0, "no Pay: the QR code is WechatPay's");

    const alipay = await context.newPage();
    await Promise.all([alipay.waitForURL(`${s.sandboxUrl}/gateway.do?**`), checkout(alipay, "alipay")]);
    assert.equal(new URL(alipay.url()).searchParams.get("service"), "create_direct_pay_by_user");
    const [pay] = pays(commands);
    assert.deepEqual([pay.type, "device" in pay], [1, false], "the desktop's Pay, as before");
    await Promise.all([alipay.waitForURL(resultPage("alipay")), alipay.click("#alipay-pay")]);
    await alipay.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    await context.close();
  });
});

describe("one order, two devices", () => {
  it("the desktop shows the QR code, the buyer pays the same order on the phone, both see it paid", async () => {
    const desktop = await device("desktop");
    await checkout(desktop.page, "wechat");
    await desktop.page.waitForSelector("#qr svg");
    await desktop.page.waitForSelector("#transport[data-transport=live]", { timeout: 5_000 });
    const orderNo = await desktop.page.getAttribute("#qr", "data-order-no");

    // The phone opens the same order (say, from a link the shop sent) and pays with H5.
    const phone = await device("safari");
    await phone.page.goto(`${s.url}/?lang=en`);
    await phone.page.waitForSelector("body[data-ready=true]");
    await Promise.all([
      phone.page.waitForURL(`${s.sandboxUrl}/wechat/h5/checkmweb?**`),
      phone.page
        .evaluate(async (no) => {
          const { PayClient } = await import("/sdk/paybridge.js");
          const client = new PayClient({ endpoint: location.origin });
          client.checkout({ orderNo: no, wallet: "wechat", returnUrl: `${location.origin}/result?order=${no}&wallet=wechat` });
        }, orderNo)
        .catch(() => {}),
    ]);
    await Promise.all([phone.page.waitForURL(resultPage("wechat")), phone.page.click("#wechat-h5-pay")]);
    await phone.page.waitForSelector("#result-status[data-state=paid]", { timeout: 10_000 });
    await desktop.page.waitForSelector("#status[data-state=paid]", { timeout: 5_000 });
    assert.equal(await desktop.page.getAttribute("#transport", "data-transport"), "live");
    const record = await until("paid", () => s.record(orderNo), (o) => o.state === 1);
    assert.deepEqual(record.sessions.map((x) => x.trade_no), [orderNo, `${orderNo}*H1`]);
    await desktop.context.close();
    await phone.context.close();
  });
});
