// checkout() and resume() of the SDK's web build in Node: the lazily loaded module (its own
// wasm, fetched next to checkout.js on first use) against scripted worker replies of the
// command API's mobile contract, with a small stand-in for the page (location, history, a
// container, WeixinJSBridge, a document for the guide). What each device gets, each step
// after an error, the payment sheet's answers, the guide, bad arguments. The real worker,
// sandbox and Chromium: tests/browser/mobile.test.mjs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");
const NO = "order_0001";
const ENDPOINT = "https://pay.example.com";
const RETURN = "https://shop.example/result?order=order_0001";
const JSAPI = { appId: "wx2421b1c4370ec43b", timeStamp: "1700000000", nonceStr: "n0nce", package: "prepay_id=wx1", signType: "HMAC-SHA256", paySign: "ABC" };
const now = () => Math.floor(Date.now() / 1000);
const state = (pay_state, extra = {}) => ({ result: 0, msg: "", order_no: NO, pay_state, pay_state_desc: "", expires_at: now() + 900, server_time: now(), ...extra });

// The checkout module's wasm is fetched from a file: URL next to it (a page fetches it over
// HTTP); Node's fetch reads no files.
const wasmFetches = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  if (String(url).startsWith("file:")) {
    wasmFetches.push(String(url));
    return new Response(await readFile(new URL(url)), { headers: { "content-type": "application/wasm" } });
  }
  return realFetch(url, init);
};

const sdk = await import(join(root, "pkg/dist/web/paybridge.js"));
sdk.initSync({ module: readFileSync(join(root, "pkg/dist/web/paybridge_wasm_bg.wasm")) });
const { PayClient, PayError } = sdk;

/** A fetch answering by command (`answers[cmd]`: a reply, a list taken in turn with the
 * last repeating, or a function of the request), recording every body. */
function api(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push(body);
    await new Promise((r) => setTimeout(r, 2));
    if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
    let a = answers[body.cmd];
    if (Array.isArray(a)) a = a.length > 1 ? a.shift() : a[0];
    if (typeof a === "function") a = a(body);
    if (a === undefined) throw new Error(`no answer for ${body.cmd}`);
    return new Response(JSON.stringify(a));
  };
  return { client: new PayClient({ endpoint: ENDPOINT, fetch }), calls };
}

/** The page: its URL (location and history), a document, the bridge. */
const page = {};
function open(url = "https://shop.example/checkout") {
  const u = new URL(url);
  page.replaced = [];
  page.left = [];
  page.listeners = new Map();
  const location = {
    get href() {
      return u.href;
    },
    get search() {
      return u.search;
    },
    get pathname() {
      return u.pathname;
    },
    get hash() {
      return u.hash;
    },
    assign: (to) => page.left.push(to),
  };
  globalThis.location = location;
  globalThis.history = {
    state: null,
    replaceState(_s, _t, to) {
      page.replaced.push(to);
      const next = new URL(to, u);
      u.search = next.search;
      u.hash = next.hash;
    },
  };
  globalThis.document = {
    documentElement: { lang: "en" },
    body: { prepended: [], prepend: (el) => document.body.prepended.push(el) },
    createElement: (tag) => element(tag),
    addEventListener: (type, fn) => page.listeners.set(type, fn),
    removeEventListener: (type) => page.listeners.delete(type),
  };
  delete globalThis.WeixinJSBridge;
}

function element(tag) {
  const el = {
    tag,
    children: [],
    dataset: {},
    style: {},
    attributes: {},
    textContent: "",
    setAttribute: (k, v) => (el.attributes[k] = v),
    append: (...kids) => el.children.push(...kids),
    replaceChildren: (...kids) => (el.children = kids),
    addEventListener: (type, fn) => (el[`on${type}`] = fn),
  };
  return el;
}

/** The text of an element and its children. */
const text = (el) => [el.textContent, ...el.children.map(text)].join(" ").trim();

/** A WeixinJSBridge that answers `answer` (an err_msg, or a function of the params). */
function bridge(answer, { later = false } = {}) {
  page.invoked = [];
  const b = {
    invoke(name, params, cb) {
      page.invoked.push({ name, params });
      const res = typeof answer === "function" ? answer(params) : answer;
      if (res !== undefined) setTimeout(() => cb(res), 5);
    },
  };
  if (!later) globalThis.WeixinJSBridge = b;
  return () => {
    globalThis.WeixinJSBridge = b;
    page.listeners.get("WeixinJSBridgeReady")?.();
  };
}

async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

const base = { orderNo: NO, returnUrl: RETURN, live: false };

beforeEach(() => open());

describe("checkout() on a desktop", () => {
  it("shows WeChat's QR code in the container and resolves once the order says paid", async () => {
    const { client, calls } = api({ WechatPay: { result: 0, msg: "", code_url: "weixin://wxpay/bizpayurl?pr=abc", expires_at: now() + 900 }, WechatPayState: [state(0), state(1)] });
    const container = {};
    const shown = [];
    const updates = [];
    const paid = await client.checkout({ ...base, wallet: "wechat", device: "pc", container, onQr: (c) => shown.push(c), onUpdate: (s) => updates.push(s.state) });
    assert.equal(paid.state, "paid");
    assert.match(container.innerHTML, /^<svg /);
    assert.equal(shown.length, 1);
    assert.equal(shown[0].wallet, "wechat");
    assert.equal(shown[0].qrCode, "weixin://wxpay/bizpayurl?pr=abc");
    assert.deepEqual(updates, ["waiting", "paid"]);
    assert.deepEqual(calls.map((c) => c.cmd), ["WechatPay", "WechatPayState", "WechatPayState"]);
    assert.equal(wasmFetches.length, 1, "the checkout module's wasm, fetched once");
    assert.match(wasmFetches[0], /paybridge_checkout_bg\.wasm$/);
  });

  it("shows Alipay's QR code under OpenAPI, and goes to the cashier under MAPI (-28)", async () => {
    const open_ = api({ AlipayQr: { result: 0, msg: "", qr_code: "https://qr.alipay.com/bax1", expires_at: now() + 900 }, WechatPayState: state(1) });
    const container = {};
    assert.equal((await open_.client.checkout({ ...base, wallet: "alipay", device: "pc", container })).state, "paid");
    assert.match(container.innerHTML, /^<svg /);
    const mapi = api({ AlipayQr: { result: -28, msg: "AlipayQr needs ALIPAY_API=openapi" }, Pay: { result: 0, msg: "", pay_info: { alipay_url: "https://mapi.alipay.com/gateway.do?x=1" } }, WechatPayState: state(1) });
    const went = [];
    await mapi.client.checkout({ ...base, wallet: "alipay", device: "pc", container: {}, navigate: (u) => went.push(u) });
    assert.deepEqual(went, ["https://mapi.alipay.com/gateway.do?x=1"]);
    assert.deepEqual(mapi.calls.slice(0, 2), [
      { cmd: "AlipayQr", order_no: NO },
      { cmd: "Pay", order_no: NO, type: 1, return_url: RETURN },
    ]);
    // alipayQr: false goes to the cashier at once; the default navigation is the top window's.
    const cashier = api({ Pay: { result: 0, msg: "", pay_info: { alipay_url: "https://mapi.alipay.com/gateway.do?x=2" } }, WechatPayState: state(1) });
    await cashier.client.checkout({ ...base, wallet: "alipay", device: "pc", alipayQr: false });
    assert.deepEqual(page.left, ["https://mapi.alipay.com/gateway.do?x=2"]);
    assert.equal(cashier.calls[0].cmd, "Pay");
  });
});

describe("checkout() on a phone", () => {
  it("goes to WeChat's H5 page and Alipay's wap cashier by a top-level navigation", async () => {
    const h5 = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=2&redirect_url=https%3A%2F%2Fshop.example%2Fresult";
    const wx = api({ Pay: { result: 0, msg: "", pay_info: { wechat_pay_url: h5 } }, WechatPayState: state(1) });
    await wx.client.checkout({ ...base, wallet: "wechat", device: "mobile" });
    assert.deepEqual(wx.calls[0], { cmd: "Pay", order_no: NO, type: 2, return_url: RETURN, device: "mobile" });
    assert.deepEqual(page.left, [h5]);
    open();
    const ali = api({ Pay: { result: 0, msg: "", pay_info: { alipay_url: "https://mapi.alipay.com/gateway.do?service=alipay.wap.create.direct.pay.by.user" } }, WechatPayState: state(1) });
    await ali.client.checkout({ ...base, wallet: "alipay", device: "mobile" });
    assert.deepEqual(ali.calls[0], { cmd: "Pay", order_no: NO, type: 1, return_url: RETURN, device: "mobile" });
    // Inside Alipay, the same cashier as the app's own.
    const app = api({ Pay: { result: 0, msg: "", pay_info: { alipay_url: "https://mapi.alipay.com/gateway.do?y=1" } }, WechatPayState: state(1) });
    await app.client.checkout({ ...base, wallet: "alipay", device: "alipay", navigate: () => {} });
    assert.equal(app.calls[0].device, "alipay");
  });

  it("navigates to long signed URLs, never to another scheme (-31)", async () => {
    const long = `https://openapi.alipay.com/gateway.do?biz_content=${"x".repeat(3000)}`;
    const ok = api({ Pay: { result: 0, msg: "", pay_info: { alipay_url: long } }, WechatPayState: state(1) });
    const went = [];
    await ok.client.checkout({ ...base, wallet: "alipay", device: "mobile", navigate: (u) => went.push(u) });
    assert.deepEqual(went, [long]);
    for (const pay_info of [{ alipay_url: "javascript:alert(1)" }, { alipay_url: 1 }, {}]) {
      const bad = api({ Pay: { result: 0, msg: "", pay_info } });
      const e = await rejects(bad.client.checkout({ ...base, wallet: "alipay", device: "mobile", navigate: () => assert.fail("left") }));
      assert.equal(e.code, -31);
      assert.match(e.message, /pay_info\.alipay_url/);
    }
    const jsapi = api({ Pay: { result: 0, msg: "", pay_info: { wechat_jsapi: { ...JSAPI, paySign: 1 } } } });
    assert.equal((await rejects(jsapi.client.checkout({ ...base, wallet: "wechat", device: "wechat", wxToken: "abc" }))).code, -31);
  });

  it("reads the device from the User-Agent unless told", async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
    const as = (userAgent) => Object.defineProperty(globalThis, "navigator", { value: { userAgent, language: "zh-CN" }, configurable: true });
    try {
      as("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
      const phone = api({ Pay: { result: 0, msg: "", pay_info: { wechat_pay_url: "https://wx.tenpay.com/x" } }, WechatPayState: state(1) });
      await phone.client.checkout({ ...base, wallet: "wechat", navigate: () => {} });
      assert.equal(phone.calls[0].device, "mobile");
      as("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN");
      const inWechat = api({ WechatPayState: state(0) });
      const went = [];
      const stop = new AbortController();
      const pending = inWechat.client.checkout({ ...base, wallet: "wechat", navigate: (u) => went.push(u), signal: stop.signal });
      await until(() => went.length === 1);
      // Still watching the order, should this page stay; the test ends it.
      stop.abort();
      assert.equal((await rejects(pending)).code, -32);
      assert.equal(went[0], `${ENDPOINT}/oauth/wechat?order_no=${NO}&return_url=${encodeURIComponent(RETURN)}`);
      assert.equal(inWechat.calls.filter((c) => c.cmd === "Pay").length, 0, "no Pay without the buyer's sign-in");
      // An explicit device wins over the User-Agent.
      const pc = api({ WechatPay: { result: 0, msg: "", code_url: "weixin://wxpay/bizpayurl?pr=1", expires_at: now() + 900 }, WechatPayState: state(1) });
      await pc.client.checkout({ ...base, wallet: "wechat", device: "pc", container: {} });
      assert.equal(pc.calls[0].cmd, "WechatPay");
    } finally {
      if (saved) Object.defineProperty(globalThis, "navigator", saved);
      else delete globalThis.navigator;
    }
  });
});

async function until(ok, ms = 3_000) {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe("inside WeChat (JSAPI)", () => {
  const wechat = { ...base, wallet: "wechat", device: "wechat" };
  const jsapiReply = { result: 0, msg: "", pay_info: { wechat_jsapi: JSAPI } };

  it("back from the sign-in, resume() takes the token out of the URL, opens the sheet and resolves on paid", async () => {
    open(`https://shop.example/result?order=order_0001&paybridge_wx=tok123abc&x=a%20b#top`);
    let answeredAt = 0;
    bridge(() => {
      answeredAt = Date.now();
      return { err_msg: "get_brand_wcpay_request:ok" };
    });
    // The sheet says ok at once; the order says paid only on the third poll.
    const { client, calls } = api({ Pay: jsapiReply, WechatPayState: [state(0), state(0), state(1)] });
    const paid = await client.resume({ ...wechat, returnUrl: undefined });
    assert.equal(paid.state, "paid");
    assert.deepEqual(calls[0], { cmd: "Pay", order_no: NO, type: 2, device: "wechat", wx_token: "tok123abc" });
    assert.deepEqual(page.invoked, [{ name: "getBrandWCPayRequest", params: JSAPI }]);
    assert.deepEqual(page.replaced, ["/result?order=order_0001&x=a%20b#top"], "the token left the URL; the rest is as it was");
    assert.ok(calls.filter((c) => c.cmd === "WechatPayState").length === 3 && answeredAt > 0, "resolved by the order's state, not by ok");
  });

  it("waits for WeixinJSBridgeReady when the bridge is not there yet", async () => {
    const ready = bridge({ err_msg: "get_brand_wcpay_request:ok" }, { later: true });
    const { client } = api({ Pay: jsapiReply, WechatPayState: [state(0), state(1)] });
    const paying = client.checkout({ ...wechat, wxToken: "abc" });
    await until(() => page.listeners.has("WeixinJSBridgeReady"));
    assert.equal(page.invoked.length, 0);
    ready();
    assert.equal((await paying).state, "paid");
    assert.equal(page.invoked.length, 1);
  });

  it("resolves on paid when the sheet never answers", async () => {
    bridge(undefined);
    const { client } = api({ Pay: jsapiReply, WechatPayState: [state(0), state(1)] });
    assert.equal((await client.checkout({ ...wechat, wxToken: "abc" })).state, "paid");
  });

  it("a cancelled sheet rejects with -36 and stops watching; paying again needs no sign-in", async () => {
    open("https://shop.example/result?paybridge_wx=tok999");
    bridge({ err_msg: "get_brand_wcpay_request:cancel" });
    const { client, calls } = api({ Pay: jsapiReply, WechatPayState: state(0) });
    const e = await rejects(client.resume({ ...wechat }));
    assert.ok(e instanceof PayError);
    assert.equal(e.code, -36);
    const polls = calls.filter((c) => c.cmd === "WechatPayState").length;
    await new Promise((r) => setTimeout(r, 2_300));
    assert.equal(calls.filter((c) => c.cmd === "WechatPayState").length, polls, "no polling after the cancel");
    // The buyer tries again on the same page: the token it had, no OAuth round trip.
    bridge({ err_msg: "get_brand_wcpay_request:ok" });
    const again = api({ Pay: jsapiReply, WechatPayState: state(1) });
    const went = [];
    assert.equal((await again.client.checkout({ ...wechat, navigate: (u) => went.push(u) })).state, "paid");
    assert.equal(again.calls[0].wx_token, "tok999");
    assert.deepEqual(went, []);
  });

  it("a failed sheet rejects with -37 and WeChat's err_desc", async () => {
    bridge({ err_msg: "get_brand_wcpay_request:fail", err_desc: "支付验证签名失败" });
    const { client } = api({ Pay: jsapiReply, WechatPayState: state(0) });
    const e = await rejects(client.checkout({ ...wechat, wxToken: "abc" }));
    assert.equal(e.code, -37);
    assert.match(e.message, /支付验证签名失败/);
  });

  it("an expired token (-35) signs the buyer in again; a fresh one that fails does not loop", async () => {
    const expired = api({ Pay: { result: -35, msg: "wx_token expired" }, WechatPayState: state(0) });
    const went = [];
    const stop = new AbortController();
    const pending = expired.client.checkout({ ...wechat, wxToken: "old", orderNo: "order_0002", navigate: (u) => went.push(u), signal: stop.signal });
    await until(() => went.length === 1);
    stop.abort();
    assert.equal((await rejects(pending)).code, -32);
    assert.match(went[0], /\/oauth\/wechat\?order_no=order_0002&return_url=/);
    open("https://shop.example/result?paybridge_wx=fresh1");
    const fresh = api({ Pay: { result: -35, msg: "wx_token is another order's" } });
    const e = await rejects(fresh.client.resume({ ...wechat, orderNo: "order_0003", navigate: (u) => went.push(u) }));
    assert.equal(e.code, -35);
    assert.equal(went.length, 1, "no second trip to the sign-in");
  });

  it("needs returnUrl for the sign-in", async () => {
    const { client, calls } = api({});
    const e = await rejects(client.checkout({ ...wechat, orderNo: "order_0004", returnUrl: undefined, navigate: () => assert.fail("left") }));
    assert.equal(e.code, -3);
    assert.match(e.message, /returnUrl/);
    assert.equal(calls.length, 0);
  });
});

describe("the wrong wallet for the app", () => {
  it("shows the guide in the container, in the page's language, and rejects with -34 without asking the worker", async () => {
    const { client, calls } = api({});
    const container = element("div");
    const e = await rejects(client.checkout({ ...base, wallet: "alipay", device: "wechat", container }));
    assert.ok(e instanceof PayError);
    assert.equal(e.code, -34);
    assert.equal(calls.length, 0);
    const [box] = container.children;
    assert.equal(box.className, "paybridge-guide");
    assert.equal(box.dataset.app, "wechat");
    assert.match(text(box), /Open this page in your browser/);
    assert.match(text(box), /Alipay cannot be used inside WeChat/);
    // Chinese on a Chinese page; on top of the page without a container.
    document.documentElement.lang = "zh-CN";
    await rejects(client.checkout({ ...base, wallet: "wechat", device: "alipay" }));
    const [overlay] = document.body.prepended;
    assert.match(text(overlay), /请在浏览器中打开/);
    assert.match(text(overlay), /支付宝内无法使用微信支付/);
    assert.match(overlay.style.cssText, /position:fixed/);
  });

  it("shows it too when the worker refuses the app (-34)", async () => {
    const { client } = api({ Pay: { result: -34, msg: "Alipay cannot open inside WeChat: open this page in the phone's browser to pay" } });
    const container = element("div");
    const e = await rejects(client.checkout({ ...base, wallet: "wechat", device: "mobile", container, lang: "zh" }));
    assert.equal(e.code, -34);
    assert.match(e.message, /open this page in the phone's browser/);
    assert.match(text(container.children[0]), /请在浏览器中打开/);
  });
});

describe("an order that is over", () => {
  it("watches an order already paid (-12) and resolves; rejects with the state when it ended cancelled", async () => {
    const paid = api({ Pay: { result: -12, msg: "the order is paid" }, WechatPayState: state(1) });
    assert.equal((await paid.client.checkout({ ...base, wallet: "wechat", device: "mobile", navigate: () => assert.fail("left") })).state, "paid");
    const cancelled = api({ WechatPay: { result: -12, msg: "the order is cancelled" }, WechatPayState: state(2) });
    const e = await rejects(cancelled.client.checkout({ ...base, wallet: "wechat", device: "pc", container: {} }));
    assert.equal(e.code, -12);
    assert.equal(e.state.state, "cancelled");
  });

  it("resume() on a return page finds the order in the URL and watches it", async () => {
    open("https://shop.example/result?order_no=order_0001&pay_state=1&paybridge_ts=1&paybridge_sig=ab");
    const { client, calls } = api({ WechatPayState: [state(0), state(1)] });
    assert.equal((await client.resume({ wallet: "alipay", live: false })).state, "paid");
    assert.ok(calls.every((c) => c.cmd === "WechatPayState" && c.order_no === NO));
    assert.deepEqual(page.replaced, []);
  });
});

describe("bad arguments and aborts", () => {
  it("rejects with -3 before anything is shown or sent", async () => {
    const { client, calls } = api({});
    for (const [options, why] of [
      [{ ...base, wallet: "paypal" }, /wallet/],
      [{ ...base, wallet: "wechat", device: "tablet" }, /device/],
      [{ ...base, wallet: "wechat", orderNo: "x" }, /order_no/],
      [{ ...base, wallet: "wechat", device: "pc" }, /container/],
      [{ ...base, wallet: "alipay", device: "mobile", returnUrl: "javascript:x" }, /return_url/],
      [{ ...base, wallet: "wechat", device: "wechat", wxToken: "not a token" }, /wx_token/],
      [undefined, /orderNo/],
    ]) {
      const e = await rejects(client.checkout(options));
      assert.equal(e.code, -3, String(why));
      assert.ok(e instanceof PayError);
      assert.match(e.message, why);
    }
    assert.equal(calls.length, 0);
    assert.equal((await rejects(client.resume({ wallet: "wechat" }))).code, -3, "no order anywhere");
  });

  it("an abort rejects with -32", async () => {
    const { client } = api({ WechatPay: { result: 0, msg: "", code_url: "weixin://wxpay/bizpayurl?pr=1", expires_at: now() + 900 }, WechatPayState: state(0) });
    const controller = new AbortController();
    const paying = client.checkout({ ...base, wallet: "wechat", device: "pc", container: {}, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const e = await rejects(paying);
    assert.equal(e.code, -32);
    assert.equal(e.name, "AbortError");
    assert.equal((await rejects(client.checkout({ ...base, wallet: "wechat", device: "pc", container: {}, signal: AbortSignal.abort() }))).code, -32);
  });

  it("the Node build's checkout() says it needs a browser", async () => {
    const { createRequire } = await import("node:module");
    const node = createRequire(import.meta.url)(join(root, "pkg/dist/node/paybridge.js"));
    const c = new node.PayClient({ endpoint: ENDPOINT, fetch: async () => new Response("{}") });
    const e = await rejects(c.checkout({ ...base, wallet: "wechat" }));
    assert.equal(e.code, -3);
    assert.match(e.message, /browser/);
  });
});
