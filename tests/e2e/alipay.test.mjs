// Alipay create_direct_pay_by_user end to end: cashier URL, notify, return, query path.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseForm, alipaySign } from "../sandbox/wire.mjs";
import { DEV, sealedDestination, signedReturn, startStack } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

describe("Alipay through a signed notify", () => {
  it("builds a signed cashier URL the gateway accepts", async () => {
    await s.createOrder("ali_flow_01", 1990, { body: "为-充值" });
    const r = await s.api({ cmd: "Pay", order_no: "ali_flow_01", type: 1, return_url: "https://shop.example/done?x=1" });
    assert.equal(r.json.result, 0);
    const url = new URL(r.json.pay_info.alipay_url);
    assert.equal(url.origin + url.pathname, DEV.ALIPAY_GATEWAY.replace("http://127.0.0.1:8788", s.sandboxUrl));
    const q = parseForm(url.search.slice(1));
    assert.equal(q.sign, alipaySign(q, DEV.ALIPAY_KEY), "independent MD5 agrees");
    assert.deepEqual(
      { service: q.service, total_fee: q.total_fee, payment_type: q.payment_type, notify_url: q.notify_url, return_url: q.return_url, body: q.body, _input_charset: q._input_charset, sign_type: q.sign_type },
      { service: "create_direct_pay_by_user", total_fee: "19.90", payment_type: "1", notify_url: `${s.url}/notify/alipay`, return_url: q.return_url, body: "为-充值", _input_charset: "utf-8", sign_type: "MD5" },
    );
    // The return comes through the worker, with this Pay's page sealed in the path (no query:
    // Alipay takes none; at most 200 characters).
    assert.ok(q.return_url.startsWith(`${s.url}/return/alipay/`) && q.return_url.length <= 200, q.return_url);
    assert.equal(sealedDestination(q.return_url), "https://shop.example/done?x=1");
    assert.ok(url.search.endsWith(`&sign=${q.sign}&sign_type=MD5`));
    const page = await (await fetch(url)).text();
    assert.match(page, /id=alipay-pay/);
  });

  it("treats TRADE_SUCCESS then TRADE_FINISHED, twice over, as one payment", async () => {
    const paid = await s.pay("alipay", "ali_flow_01", { times: 4 });
    assert.equal(paid.deliveries.length, 4);
    for (const d of paid.deliveries) assert.deepEqual([d.status, d.body], [200, "success"]);
    assert.equal((await s.state("ali_flow_01")).pay_state, 1);
    const rec = await s.record("ali_flow_01");
    assert.equal(rec.payment.provider, "alipay");
    assert.equal(rec.payment.transaction_id, paid.trade_no);
    assert.equal(rec.payment.source, "alipay_notify");
    assert.equal(rec.history.length, 1);
    assert.equal(s.transitions("ali_flow_01"), 1);
  });

  it("sends the buyer back through a verified return to the merchant's page", async () => {
    await s.createOrder("ali_return_1", 100);
    await s.openCashier("ali_return_1", "https://shop.example/done#receipt");
    const cashier = await fetch(`${s.sandboxUrl}/alipay/cashier/pay`, { method: "POST", body: "out_trade_no=ali_return_1", redirect: "manual" });
    assert.equal(cashier.status, 302);
    const back = cashier.headers.get("location");
    assert.ok(back.startsWith(`${s.url}/return/alipay/`) && /[?&]is_success=T(&|$)/.test(back), back);
    const ret = await fetch(back, { redirect: "manual" });
    assert.equal(ret.status, 302);
    const to = signedReturn(ret.headers.get("location"));
    assert.deepEqual(to, { page: "https://shop.example/done#receipt", order_no: "ali_return_1", pay_state: 1, ts: to.ts, verified: true });
    const tampered = await fetch(back.replace("total_fee=1.00", "total_fee=0.01"), { redirect: "manual" });
    assert.equal(tampered.status, 400);
  });
});

describe("Alipay through the query path", () => {
  it("finds a payment whose notify was lost", async () => {
    await s.createOrder("ali_query_01", 5);
    await s.openCashier("ali_query_01");
    assert.equal((await s.state("ali_query_01")).pay_state, 0);
    await new Promise((r) => setTimeout(r, 3100));
    const paid = await s.pay("alipay", "ali_query_01", { notify: false });
    assert.equal((await s.state("ali_query_01")).pay_state, 1);
    const rec = await s.record("ali_query_01");
    assert.equal(rec.payment.source, "alipay_query");
    assert.equal(rec.payment.transaction_id, paid.trade_no);
  });
});

describe("AlipayQr with MAPI", () => {
  it("answers -28: QR codes need ALIPAY_API=openapi", async () => {
    await s.createOrder("ali_qr_mapi_1", 100);
    const r = await s.api({ cmd: "AlipayQr", order_no: "ali_qr_mapi_1" });
    assert.equal(r.status, 409);
    assert.equal(r.json.result, -28);
    assert.match(r.json.msg, /ALIPAY_API=openapi/);
    assert.deepEqual((await s.record("ali_qr_mapi_1")).sessions, [], "nothing started");
  });
});
