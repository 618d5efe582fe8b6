// Merchant commands end to end: CreateOrder idempotency, CloseOrder, Refund, QueryOrder, auth.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

const poll = async (fn, ok, ms = 5000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("CreateOrder", () => {
  it("is idempotent for the same content and refuses different content", async () => {
    const a = await s.createOrder("m_create_01", 1990);
    const b = await s.createOrder("m_create_01", 1990);
    assert.deepEqual(a, b);
    const c = await s.api({ cmd: "CreateOrder", order_no: "m_create_01", total_fee: 1, subject: "测试商品 Test item" }, { token: true });
    assert.equal(c.status, 409);
    assert.equal(c.json.result, -11);
    assert.equal((await s.record("m_create_01")).total_fee, 1990);
  });

  it("needs the merchant token", async () => {
    for (const token of [undefined, "wrong-token", "DEV-MERCHANT-TOKEN-0123456789ABCDEF"]) {
      const r = await s.api({ cmd: "CreateOrder", order_no: "m_noauth_01", total_fee: 1, subject: "x" }, { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.result, -5);
    }
    const basic = await s.api({ cmd: "Refund", order_no: "m_create_01" }, { headers: { authorization: `Basic ${s.bindings.MERCHANT_TOKEN}` } });
    assert.equal(basic.json.result, -5);
    assert.equal(await s.record("m_noauth_01"), null);
  });
});

describe("CloseOrder", () => {
  it("closes at both providers and the order stays cancelled", async () => {
    await s.createOrder("m_close_01", 300);
    await s.codeUrl("m_close_01");
    await s.openCashier("m_close_01");
    const r = await s.api({ cmd: "CloseOrder", order_no: "m_close_01" }, { token: true });
    assert.equal(r.json.result, 0);
    assert.equal(r.json.order.pay_state, 2);
    assert.equal(s.sandbox.state.wechat.get("m_close_01").trade_state, "CLOSED");
    assert.equal(s.sandbox.state.alipay.get("m_close_01").trade_status, "TRADE_CLOSED");
    assert.equal((await s.state("m_close_01")).pay_state, 2);
    const pay = await s.api({ cmd: "WechatPay", order_no: "m_close_01" });
    assert.equal(pay.json.result, -12);
    const rec = await s.record("m_close_01");
    assert.equal(rec.closure.reason, "merchant");
    const buyer = await s.pay("wechat", "m_close_01");
    assert.ok(buyer.error, "the sandbox refuses to pay a closed order");
  });

  it("never cancels a paid order", async () => {
    await s.createOrder("m_close_02", 300);
    await s.codeUrl("m_close_02");
    await s.pay("wechat", "m_close_02");
    const r = await s.api({ cmd: "CloseOrder", order_no: "m_close_02" }, { token: true });
    assert.equal(r.status, 409);
    assert.equal(r.json.result, -14);
    assert.equal((await s.record("m_close_02")).state, 1);
  });

  it("records the payment when the provider says the order was paid meanwhile", async () => {
    await s.createOrder("m_close_03", 300);
    await s.codeUrl("m_close_03");
    await s.pay("wechat", "m_close_03", { notify: false });
    const r = await s.api({ cmd: "CloseOrder", order_no: "m_close_03" }, { token: true });
    assert.equal(r.json.result, -14);
    const rec = await s.record("m_close_03");
    assert.equal(rec.state, 1);
    assert.equal(rec.payment.source, "wechat_query");
  });
});

describe("Refund", () => {
  it("refunds a WeChat payment in full", async () => {
    await s.createOrder("m_refund_wx", 888);
    await s.codeUrl("m_refund_wx");
    await s.pay("wechat", "m_refund_wx");
    const r = await s.api({ cmd: "Refund", order_no: "m_refund_wx" }, { token: true });
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.order.pay_state, 3);
    assert.equal(r.json.refund.status, "succeeded");
    const rec = await s.record("m_refund_wx");
    assert.equal(rec.refunds.length, 1);
    assert.equal(rec.refunds[0].status, "succeeded");
    assert.equal(rec.refunds[0].refund_no, "r1");
    assert.equal(rec.refunds[0].amount, 888);
    assert.equal(rec.refunds[0].transaction_id, rec.payment.transaction_id);
    assert.match(rec.refunds[0].provider_refund_no, /^R[0-9a-f]{16}1$/);
    assert.equal(s.sandbox.state.wechat.get("m_refund_wx").refunds[0].out_refund_no, rec.refunds[0].provider_refund_no);
    assert.equal(s.sandbox.state.wechat.get("m_refund_wx").refunds[0].refund_fee, "888");
    assert.deepEqual(rec.history.map((t) => t.to), [1, 3]);
    const again = await s.api({ cmd: "Refund", order_no: "m_refund_wx" }, { token: true });
    assert.equal(again.json.order.pay_state, 3);
    assert.equal(s.sandbox.state.wechat.get("m_refund_wx").refunds.length, 1);
  });

  it("refunds an Alipay payment through the batch refund notify", async () => {
    await s.createOrder("m_refund_ali", 1990);
    await s.openCashier("m_refund_ali");
    await s.pay("alipay", "m_refund_ali");
    const r = await s.api({ cmd: "Refund", order_no: "m_refund_ali" }, { token: true });
    assert.equal(r.json.result, 0, r.text);
    const rec = await poll(() => s.record("m_refund_ali"), (o) => o.state === 3);
    assert.equal(rec.state, 3);
    assert.equal(rec.refunds[0].provider, "alipay");
    assert.equal(rec.refunds[0].status, "succeeded");
    assert.match(rec.refunds[0].provider_refund_no, /^\d{8}[0-9a-f]{16}$/);
    assert.equal(rec.history.at(-1).source, "alipay_refund_notify");
    const last = s.sandbox.state.alipay.get("m_refund_ali").notifies.at(-1);
    assert.deepEqual([last.status, last.body], [200, "success"]);
  });

  it("refuses to refund an unpaid order", async () => {
    await s.createOrder("m_refund_no", 10);
    const r = await s.api({ cmd: "Refund", order_no: "m_refund_no" }, { token: true });
    assert.equal(r.json.result, -14);
    assert.equal((await s.record("m_refund_no")).state, 0);
  });
});

describe("QueryOrder", () => {
  it("returns the full record with its evidence", async () => {
    const r = await s.api({ cmd: "QueryOrder", order_no: "m_refund_wx" }, { token: true });
    assert.equal(r.json.result, 0);
    assert.equal(r.json.order.payment.provider, "wechat");
    assert.equal(r.json.order.history.length, 2);
    const missing = await s.api({ cmd: "QueryOrder", order_no: "m_missing_1" }, { token: true });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.result, -10);
  });
});

describe("expiry", () => {
  it("cancels an unpaid order once its time is up", async () => {
    // 120 s: a WeChat code needs a minute left (a 60 s order has one only in its first second).
    await s.createOrder("m_expire_01", 10, { expire_seconds: 120 });
    await s.codeUrl("m_expire_01");
    // Age the order past its expiry and grace, as the clock would.
    await s.age("m_expire_01", 200); // past 120 s + 30 s of grace
    const st = await s.state("m_expire_01");
    assert.equal(st.pay_state, 2);
    assert.equal((await s.record("m_expire_01")).closure.reason, "expired");
    assert.equal(s.sandbox.state.wechat.get("m_expire_01").trade_state, "CLOSED");
    const pay = await s.api({ cmd: "Pay", order_no: "m_expire_01", type: 2 });
    assert.equal(pay.json.result, -12);
  });
});
