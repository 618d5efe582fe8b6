// Phones, end to end under workerd against the sandbox, for both generations of both
// wallets: WeChat H5 (a link bound to the buyer's IP, reused for 4½ minutes, a fresh trade
// for another network), WeChat JSAPI after OAuth (the round trip, a replayed callback, the
// payer token and its refusals), Alipay wap (MAPI and OpenAPI), the wrong app refused
// with nothing sent, and a buyer who opens the desktop QR code and pays on the phone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseForm } from "../sandbox/wire.mjs";
import { signedReturn, startStack, until } from "./harness.mjs";

const WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN";
const SHOP = "https://shop.example";
const BUYER_IP = "203.0.113.7";

const stacks = {};
before(async () => {
  stacks.v2 = await startStack();
  stacks.v3 = await startStack({ vars: { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } });
});
after(async () => {
  await stacks.v2?.stop();
  await stacks.v3?.stop();
});

let seq = 0;
async function newOrder(s, fee = 990) {
  const no = `mob_${String(++seq).padStart(4, "0")}`;
  await s.createOrder(no, fee);
  return no;
}

/** The provider requests about order `no` the sandbox has received (other orders' objects
 * check their providers on their own alarms meanwhile). */
const sentFor = (s, no) => s.sandbox.state.requests.filter((r) => r.includes(no)).length;

const pay = (s, body, ip = BUYER_IP) => s.api({ cmd: "Pay", ...body }, { headers: { "cf-connecting-ip": ip } });

/** Opens an H5 link as the buyer's phone does (from the shop's page: a Referer) and pays. */
async function payH5(s, link, ip = BUYER_IP) {
  const u = new URL(link);
  const page = await fetch(u, { headers: { referer: `${SHOP}/checkout`, "x-sandbox-buyer-ip": ip } });
  const text = await page.text();
  assert.doesNotMatch(text, /id=error/, text.slice(0, 400));
  const form = new URLSearchParams({ prepay_id: u.searchParams.get("prepay_id"), package: u.searchParams.get("package"), redirect_url: u.searchParams.get("redirect_url") ?? "" });
  return fetch(`${s.sandboxUrl}/wechat/h5/pay`, { method: "POST", body: form, redirect: "manual", headers: { "x-sandbox-buyer-ip": ip } });
}

/** The OAuth round trip inside WeChat: the page's return URL with the payer token. */
async function signIn(s, no, returnUrl = `${SHOP}/pay?o=${no}`) {
  const start = await fetch(`${s.url}/oauth/wechat?order_no=${no}&return_url=${encodeURIComponent(returnUrl)}`, { redirect: "manual", headers: { "user-agent": WECHAT_UA } });
  assert.equal(start.status, 302, await start.text());
  const authorize = start.headers.get("location");
  const wechat = await fetch(authorize, { redirect: "manual", headers: { "user-agent": WECHAT_UA, cookie: "sandbox_wx_user=buyer" } });
  assert.equal(wechat.status, 302, await wechat.text());
  const callback = wechat.headers.get("location");
  const back = await fetch(callback, { redirect: "manual", headers: { "user-agent": WECHAT_UA } });
  assert.equal(back.status, 302, await back.text());
  return { authorize, callback, location: back.headers.get("location") };
}

for (const gen of ["v2", "v3"]) {
  describe(`WeChat H5 (${gen})`, () => {
    it("a link bound to the buyer's IP, with the return page; reused for the same IP, fresh for another", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const r = await pay(s, { order_no: no, type: 2, device: "mobile", return_url: `${SHOP}/done?o=${no}` });
      assert.equal(r.json.result, 0, r.text);
      const link = new URL(r.json.pay_info.wechat_pay_url);
      assert.equal(link.pathname, "/wechat/h5/checkmweb");
      assert.equal(link.searchParams.get("redirect_url"), `${SHOP}/done?o=${no}`);
      const again = await pay(s, { order_no: no, type: 2, device: "mobile", return_url: `${SHOP}/done?o=${no}` });
      assert.equal(again.json.pay_info.wechat_pay_url, r.json.pay_info.wechat_pay_url, "the same link within 4½ minutes");
      const elsewhere = await pay(s, { order_no: no, type: 2, device: "mobile", return_url: `${SHOP}/done?o=${no}` }, "198.51.100.9");
      assert.notEqual(elsewhere.json.pay_info.wechat_pay_url, r.json.pay_info.wechat_pay_url, "another network: a fresh link");
      await s.age(no, 280);
      const later = await pay(s, { order_no: no, type: 2, device: "mobile", return_url: `${SHOP}/done?o=${no}` });
      assert.notEqual(later.json.pay_info.wechat_pay_url, r.json.pay_info.wechat_pay_url, "after 4½ minutes: a fresh link");
      const rec = await s.record(no);
      assert.deepEqual(rec.sessions.map((x) => [x.channel, x.trade_no, x.client_ip]), [
        ["wap", `${no}*H1`, BUYER_IP],
        ["wap", `${no}*H2`, "198.51.100.9"],
        ["wap", `${no}*H3`, BUYER_IP],
      ]);
      // The buyer pays the latest link; the notify (to the order's own notify URL) pays the order.
      const paid = await payH5(s, later.json.pay_info.wechat_pay_url);
      assert.equal(paid.status, 302);
      assert.equal(paid.headers.get("location"), `${SHOP}/done?o=${no}`);
      const done = await until("paid", () => s.record(no), (o) => o.state === 1);
      assert.equal(done.payment.trade_no, `${no}*H3`);
      assert.equal(done.payment.source, "wechat_notify");
    });

    it("needs a return page unless CreateOrder set one, and refuses a foreign origin", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      assert.equal((await pay(s, { order_no: no, type: 2, device: "mobile" })).json.result, -3);
      assert.equal((await pay(s, { order_no: no, type: 2, device: "mobile", return_url: "https://evil.example/x" })).json.result, -22);
      const fixed = `${no}_f`;
      await s.createOrder(fixed, 100, { return_url: `${SHOP}/fixed` });
      const r = await pay(s, { order_no: fixed, type: 2, device: "mobile" });
      assert.equal(new URL(r.json.pay_info.wechat_pay_url).searchParams.get("redirect_url"), `${SHOP}/fixed`);
    });
  });

  describe(`WeChat JSAPI after OAuth (${gen})`, () => {
    it("signs in, pays through the bridge's parameters, and a replayed callback still lands on the page", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const { authorize, callback, location } = await signIn(s, no);
      const a = new URL(authorize);
      assert.deepEqual([...a.searchParams.keys()], ["appid", "redirect_uri", "response_type", "scope", "state"], "WeChat's exact order");
      assert.equal(a.searchParams.get("redirect_uri"), `${s.url}/oauth/wechat/callback`);
      assert.match(a.searchParams.get("state"), /^[a-zA-Z0-9]{1,128}$/);
      const back = new URL(location);
      assert.equal(back.origin + back.pathname, `${SHOP}/pay`);
      assert.equal(back.searchParams.get("o"), no, "the page's own query is kept");
      const token = back.searchParams.get("paybridge_wx");
      assert.match(token, /^[0-9a-f]{50}$/);
      // The openid never travels: not in the return, not in any log.
      const openid = await (await fetch(`${s.sandboxUrl}/sandbox/oauth/openid?user=buyer`)).text();
      assert.ok(openid.length > 10 && !location.includes(openid.trim().replace(/"/g, "")));
      // WeChat calls the callback again: the spent code still ends on the page, with the same token.
      const replay = await fetch(callback, { redirect: "manual" });
      assert.equal(replay.status, 302);
      assert.equal(replay.headers.get("location"), location);
      // The same state with another code (someone who learned the state): no token, -35.
      const other = new URL(callback);
      other.searchParams.set("code", `${other.searchParams.get("code")}x`);
      const stolen = await fetch(other, { redirect: "manual" });
      assert.equal(stolen.status, 401);
      assert.equal(stolen.headers.get("location"), null);
      assert.ok(!(await stolen.text()).includes(token), "the buyer's token is not handed out");

      const r = await pay(s, { order_no: no, type: 2, device: "wechat", wx_token: token });
      assert.equal(r.json.result, 0, r.text);
      const params = r.json.pay_info.wechat_jsapi;
      assert.deepEqual(Object.keys(params).sort(), ["appId", "nonceStr", "package", "paySign", "signType", "timeStamp"]);
      assert.ok(Object.values(params).every((v) => typeof v === "string"));
      assert.equal(params.signType, gen === "v3" ? "RSA" : s.bindings.WECHAT_SIGN_TYPE);
      const bridge = await (await fetch(`${s.sandboxUrl}/sandbox/jsapi/pay`, { method: "POST", body: JSON.stringify({ params, user: "buyer" }) })).json();
      assert.equal(bridge.err_msg, "get_brand_wcpay_request:ok", JSON.stringify(bridge));
      const done = await until("paid", () => s.record(no), (o) => o.state === 1);
      assert.equal(done.payment.trade_no, `${no}*J1`);
      assert.ok(done.sessions.every((x) => !JSON.stringify(x).includes(openid.trim().replace(/"/g, ""))), "no openid in the record");
      assert.ok(!s.logs.some((l) => l.includes(openid.trim().replace(/"/g, ""))), "no openid in the logs");
    });

    it("the same payer gets the same prepay again, freshly signed", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const token = new URL((await signIn(s, no)).location).searchParams.get("paybridge_wx");
      const first = (await pay(s, { order_no: no, type: 2, device: "wechat", wx_token: token })).json.pay_info.wechat_jsapi;
      const second = (await pay(s, { order_no: no, type: 2, device: "wechat", wx_token: token })).json.pay_info.wechat_jsapi;
      assert.equal(second.package, first.package);
      assert.notEqual(second.nonceStr, first.nonceStr);
      assert.equal((await s.record(no)).sessions.length, 1);
    });

    it("refuses a missing, forged or other order's token and a forged state, sending nothing", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const other = await newOrder(s);
      const token = new URL((await signIn(s, other)).location).searchParams.get("paybridge_wx");
      const before = sentFor(s, no);
      const forged = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
      for (const wx_token of [undefined, forged, token, "0".repeat(50)]) {
        const r = await pay(s, { order_no: no, type: 2, device: "wechat", ...(wx_token ? { wx_token } : {}) });
        assert.deepEqual([r.status, r.json.result], [401, -35], `${wx_token}: ${r.text}`);
      }
      assert.equal(sentFor(s, no), before, "nothing sent to WeChat");
      const bad = await fetch(`${s.url}/oauth/wechat/callback?code=x&state=${"ab".repeat(40)}`, { redirect: "manual" });
      assert.equal(bad.status, 401);
      assert.match(await bad.text(), /-35/);
      const foreign = await fetch(`${s.url}/oauth/wechat?order_no=${no}&return_url=${encodeURIComponent("https://evil.example/x")}`, { redirect: "manual" });
      assert.equal(foreign.status, 400);
      assert.equal(foreign.headers.get("location"), null, "no open redirect");
      const unknown = await fetch(`${s.url}/oauth/wechat?order_no=nobody_000&return_url=${encodeURIComponent(`${SHOP}/x`)}`, { redirect: "manual" });
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /-10/);
    });
  });

  describe(`Alipay wap and the wrong app (${gen})`, () => {
    it("a wap cashier URL, paid, and the buyer back through the worker's verified return", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const r = await pay(s, { order_no: no, type: 1, device: "mobile", return_url: `${SHOP}/done` });
      assert.equal(r.json.result, 0, r.text);
      const url = new URL(r.json.pay_info.alipay_url);
      const q = parseForm(url.search.slice(1));
      if (gen === "v2") {
        assert.deepEqual([q.service, q.seller_id, q.app_pay, q.show_url], ["alipay.wap.create.direct.pay.by.user", s.bindings.ALIPAY_PARTNER, "Y", `${SHOP}/done`]);
      } else {
        assert.deepEqual([q.method, q.charset], ["alipay.trade.wap.pay", "utf-8"]);
        const biz = JSON.parse(q.biz_content);
        assert.deepEqual([biz.product_code, biz.quit_url, biz.out_trade_no], ["QUICK_WAP_WAY", `${SHOP}/done`, no]);
        assert.match(biz.time_expire, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
      const page = await (await fetch(url)).text();
      assert.match(page, /id=alipay-wap-pay/);
      const cashier = await fetch(`${s.sandboxUrl}${gen === "v2" ? "/alipay/wap/pay" : "/alipay/openapi/wap/pay"}`, { method: "POST", body: `out_trade_no=${no}`, redirect: "manual" });
      assert.equal(cashier.status, 302);
      const ret = await fetch(cashier.headers.get("location"), { redirect: "manual" });
      assert.equal(ret.status, 302);
      const to = signedReturn(ret.headers.get("location"));
      assert.deepEqual([to.page, to.order_no, to.verified], [`${SHOP}/done`, no, true]);
      await until("paid", () => s.record(no), (o) => o.state === 1);
    });

    it("Alipay inside WeChat and WeChat Pay inside Alipay: -34, nothing sent", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const before = sentFor(s, no);
      const a = await pay(s, { order_no: no, type: 1, device: "wechat", return_url: `${SHOP}/done` });
      const w = await pay(s, { order_no: no, type: 2, device: "alipay" });
      assert.deepEqual([a.status, a.json.result, w.json.result], [409, -34, -34]);
      assert.equal(sentFor(s, no), before);
      assert.equal((await pay(s, { order_no: no, type: 2, device: "tablet" })).json.result, -3);
    });
  });

  describe(`desktop QR, then the phone (${gen})`, () => {
    it("one order, two trades: the phone pays and the order holds that payment", async () => {
      const s = stacks[gen];
      const no = await newOrder(s);
      const qr = await s.api({ cmd: "WechatPay", order_no: no });
      assert.equal(qr.json.result, 0);
      const h5 = await pay(s, { order_no: no, type: 2, device: "mobile", return_url: `${SHOP}/done` });
      await payH5(s, h5.json.pay_info.wechat_pay_url);
      const done = await until("paid", () => s.record(no), (o) => o.state === 1);
      assert.deepEqual(done.sessions.map((x) => x.trade_no), [no, `${no}*H1`]);
      assert.equal(done.payment.trade_no, `${no}*H1`);
      assert.equal((await s.state(no)).pay_state, 1);
    });
  });
}
