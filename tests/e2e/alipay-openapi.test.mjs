// Alipay OpenAPI end to end: the worker under workerd with ALIPAY_API=openapi, real HTTP to
// the sandbox, which verifies every RSA2 request, signs every response over its exact
// text, and sends RSA2-signed notifies and returns. Pay type 1 and the merchant commands
// are the same as with MAPI; AlipayQr is new (alipay.trade.precreate).
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, createVerify } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { parseForm } from "../sandbox/wire.mjs";
import { DEV, sealedDestination, signedReturn, startStack, until } from "./harness.mjs";

let s;
before(async () => (s = await startStack({ vars: { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } })));
after(() => s.stop());

const pem = (v) => v.replaceAll("\\n", "\n");
const appPublicKey = createPublicKey(createPrivateKey(pem(DEV.ALIPAY_APP_PRIVATE_KEY)));
const postNotify = (form) => s.post("/notify/alipay/openapi", form, { "content-type": "application/x-www-form-urlencoded" });
const trade = (no) => s.sandbox.alipayOpen.trades.get(no);

describe("Alipay OpenAPI through the same commands", () => {
  it("Pay type 1 returns an RSA2-signed alipay.trade.page.pay URL that node:crypto verifies", async () => {
    await s.createOrder("oa_flow_01", 1990);
    const r = await s.api({ cmd: "Pay", order_no: "oa_flow_01", type: 1, return_url: "https://shop.example/done" });
    assert.equal(r.json.result, 0, r.text);
    const url = new URL(r.json.pay_info.alipay_url);
    assert.equal(url.origin + url.pathname, `${s.sandboxUrl}/gateway.do`);
    const q = parseForm(url.search.slice(1));
    const content = Object.keys(q).filter((k) => k !== "sign" && q[k] !== "").sort().map((k) => `${k}=${q[k]}`).join("&");
    assert.ok(createVerify("sha256").update(content).verify(appPublicKey, q.sign, "base64"), "independent RSA2 check");
    const biz = JSON.parse(q.biz_content);
    assert.deepEqual(
      { method: q.method, app_id: q.app_id, sign_type: q.sign_type, charset: q.charset, notify_url: q.notify_url, return_url: q.return_url },
      { method: "alipay.trade.page.pay", app_id: DEV.ALIPAY_APP_ID, sign_type: "RSA2", charset: "utf-8", notify_url: `${s.url}/notify/alipay/openapi`, return_url: q.return_url },
    );
    assert.deepEqual([biz.out_trade_no, biz.total_amount, biz.product_code], ["oa_flow_01", "19.90", "FAST_INSTANT_TRADE_PAY"]);
    assert.match(biz.time_expire, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(await (await fetch(url)).text(), /id=alipay-pay/);
  });

  it("turns paid by RSA2-signed notifies (twice over: one payment) and returns the buyer", async () => {
    const cashier = await fetch(`${s.sandboxUrl}/alipay/openapi/cashier/pay`, { method: "POST", body: "out_trade_no=oa_flow_01", redirect: "manual" });
    assert.equal(cashier.status, 302);
    const back = cashier.headers.get("location");
    assert.ok(back.startsWith(`${s.url}/return/alipay/`) && back.includes("sign_type=RSA2"));
    assert.equal(sealedDestination(back), "https://shop.example/done");
    await until("paid by notify", () => s.record("oa_flow_01"), (o) => o.state === 1);
    const again = await s.pay("alipay", "oa_flow_01", { times: 2 });
    assert.deepEqual(again.deliveries.map((d) => [d.status, d.body]), [[200, "success"], [200, "success"]]);
    const rec = await s.record("oa_flow_01");
    assert.equal(rec.payment.source, "alipay_notify");
    assert.equal(rec.payment.transaction_id, trade("oa_flow_01").trade_no);
    assert.equal(rec.payment.amount, 1990);
    assert.equal(rec.history.length, 1);
    const ret = await fetch(back, { redirect: "manual" });
    assert.equal(ret.status, 302);
    const to = signedReturn(ret.headers.get("location"));
    assert.deepEqual(to, { page: "https://shop.example/done", order_no: "oa_flow_01", pay_state: 1, ts: to.ts, verified: true });
    const tampered = await fetch(back.replace("total_amount=19.90", "total_amount=0.01"), { redirect: "manual" });
    assert.equal(tampered.status, 400);
  });

  it("AlipayQr: one precreate QR code per order, paid found by a verified query", async () => {
    await s.createOrder("oa_qr_01", 500);
    const qr = await s.api({ cmd: "AlipayQr", order_no: "oa_qr_01" });
    assert.equal(qr.json.result, 0, qr.text);
    assert.match(qr.json.qr_code, /^https:\/\/qr\.alipay\.com\//);
    assert.ok(qr.json.expires_at > Date.now() / 1000);
    assert.equal((await s.api({ cmd: "AlipayQr", order_no: "oa_qr_01" })).json.qr_code, qr.json.qr_code);
    assert.equal(s.sandbox.state.log.filter((l) => l.api === "alipay.trade.precreate" && l.out_trade_no === "oa_qr_01").length, 1);
    assert.equal(trade("oa_qr_01").notify_url, `${s.url}/notify/alipay/openapi`);
    await s.pay("alipay", "oa_qr_01", { notify: false });
    const st = await until("paid by query", () => s.state("oa_qr_01"), (x) => x.pay_state === 1);
    assert.equal(st.pay_state, 1);
    assert.equal((await s.record("oa_qr_01")).payment.source, "alipay_query");
    const paidQr = await s.api({ cmd: "AlipayQr", order_no: "oa_qr_01" });
    assert.equal(paidQr.json.result, -12);
  });

  it("closes an unpaid trade at Alipay and cancels the order", async () => {
    await s.createOrder("oa_close_01", 300);
    await s.api({ cmd: "AlipayQr", order_no: "oa_close_01" });
    await s.codeUrl("oa_close_01");
    const r = await s.api({ cmd: "CloseOrder", order_no: "oa_close_01" }, { token: true });
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.order.pay_state, 2);
    assert.equal(trade("oa_close_01").trade_status, "TRADE_CLOSED");
    assert.equal(s.sandbox.state.wechat.get("oa_close_01").trade_state, "CLOSED");
  });

  it("refunds part (out_request_no) then the rest, each confirmed by fastpay.refund.query", async () => {
    await s.createOrder("oa_refund_01", 1000);
    await s.api({ cmd: "AlipayQr", order_no: "oa_refund_01" });
    await s.pay("alipay", "oa_refund_01");
    const part = await s.api({ cmd: "Refund", order_no: "oa_refund_01", amount: 250, reason: "部分退款" }, { token: true });
    assert.equal(part.json.result, 0, part.text);
    assert.equal(part.json.refund.status, "succeeded");
    assert.equal(part.json.order.pay_state, 1);
    const t = trade("oa_refund_01");
    assert.deepEqual(t.refunds.map((r) => [r.amount, r.out_request_no]), [[250, part.json.refund.provider_refund_no]]);
    const rest = await s.api({ cmd: "Refund", order_no: "oa_refund_01" }, { token: true });
    assert.equal(rest.json.result, 0, rest.text);
    assert.equal(rest.json.refund.amount, 750);
    assert.equal(rest.json.order.pay_state, 3);
    assert.equal(t.trade_status, "TRADE_CLOSED");
    // Alipay's notify of the closed (fully refunded) trade changes nothing more.
    const closed = await postNotify(s.sandbox.alipayOpen.notifyForm(t));
    assert.equal(closed.text, "success");
    assert.equal((await s.state("oa_refund_01")).pay_state, 3);
  });
});

describe("OpenAPI notifies that must change nothing", () => {
  const no = "oa_bad_01";
  let form;
  before(async () => {
    await s.createOrder(no, 2500);
    await s.api({ cmd: "AlipayQr", order_no: no });
    // A paid copy of the trade, signed by the sandbox, that the real trade does not share.
    const t = { ...trade(no), trade_status: "TRADE_SUCCESS", trade_no: "2026113022001400000000000001", gmt_payment: "2026-11-30 20:00:00" };
    form = (o = {}) => s.sandbox.alipayOpen.notifyForm(t, o);
  });

  async function refused(body) {
    const before = await s.snapshot(no);
    const r = await postNotify(body);
    assert.equal(r.status, 400);
    assert.equal(r.text, "fail");
    assert.equal(await s.snapshot(no), before);
  }

  it("forged, tampered, unsigned or MD5-typed", async () => {
    const good = form();
    const sign = new URLSearchParams(good).get("sign");
    await refused(good.replace(encodeURIComponent(sign), encodeURIComponent((sign[0] === "A" ? "B" : "A") + sign.slice(1))));
    await refused(good.replace("total_amount=25.00", "total_amount=0.01"));
    await refused(good.replace(/&sign=[^&]*/, ""));
    await refused(good.replace("sign_type=RSA2", "sign_type=MD5"));
  });

  it("for another app, another amount, or malformed", async () => {
    await refused(form({ app_id: "2021000000000999" }));
    await refused(form({ total_amount: "0.01", receipt_amount: "0.01", buyer_pay_amount: "0.01" }));
    await refused("%%%");
    const big = await postNotify("a=".padEnd(40 * 1024, "x"));
    assert.equal(big.status, 413);
  });

  it("replayed: applied once, answered success each time", async () => {
    const body = form();
    for (let i = 0; i < 3; i++) assert.equal((await postNotify(body)).text, "success");
    const rec = await s.record(no);
    assert.equal(rec.state, 1);
    assert.equal(rec.history.length, 1);
  });
});
