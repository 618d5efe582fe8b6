// WeChat Pay Native end to end: worker under workerd, real HTTP to the sandbox.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

describe("WeChat Pay through a signed notify", () => {
  it("creates one provider order, returns its code_url, and turns paid once", async () => {
    await s.createOrder("wx_flow_01", 1990);
    const first = await s.api({ cmd: "WechatPay", order_no: "wx_flow_01", notify_url: "https://elsewhere.example/cb" });
    assert.equal(first.json.result, 0);
    assert.match(first.json.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    assert.ok(first.json.expires_at > Date.now() / 1000);
    const again = await s.api({ cmd: "WechatPay", order_no: "wx_flow_01" });
    assert.equal(again.json.code_url, first.json.code_url);
    const viaPay = await s.api({ cmd: "Pay", order_no: "wx_flow_01", type: 2 });
    assert.deepEqual(viaPay.json, { result: 0, msg: "", pay_info: { wechat_pay_url: first.json.code_url } });
    const sb = s.sandbox.state.wechat.get("wx_flow_01");
    assert.equal(s.sandbox.state.log.filter((l) => l.api === "unifiedorder" && l.out_trade_no === "wx_flow_01").length, 1);
    assert.equal(sb.total_fee, "1990");
    assert.equal(sb.notify_url, `${s.url}/notify/wechat`, "the page's notify_url is ignored");
    assert.equal(sb.request.trade_type, "NATIVE");
    assert.match(sb.request.time_expire, /^\d{14}$/);

    assert.equal((await s.state("wx_flow_01")).pay_state, 0);
    const paid = await s.pay("wechat", "wx_flow_01", { times: 3 });
    assert.equal(paid.deliveries.length, 3);
    for (const d of paid.deliveries) {
      assert.equal(d.status, 200);
      assert.equal(d.body, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>");
    }
    const st = await s.state("wx_flow_01");
    assert.deepEqual({ pay_state: st.pay_state, pay_state_desc: st.pay_state_desc, result: st.result }, { pay_state: 1, pay_state_desc: "已支付", result: 0 });
    const rec = await s.record("wx_flow_01");
    assert.equal(rec.payment.transaction_id, paid.transaction_id);
    assert.equal(rec.payment.source, "wechat_notify");
    assert.equal(rec.payment.amount, 1990);
    assert.deepEqual(rec.history.map((t) => [t.from, t.to, t.source]), [[0, 1, "wechat_notify"]]);
    assert.equal(s.transitions("wx_flow_01"), 1);
  });

  it("answers paid orders with -12 instead of a new code", async () => {
    const r = await s.api({ cmd: "WechatPay", order_no: "wx_flow_01" });
    assert.equal(r.status, 409);
    assert.equal(r.json.result, -12);
  });
});

describe("WeChat Pay through the query path", () => {
  it("finds a payment whose notify was lost", async () => {
    await s.createOrder("wx_query_01", 1);
    await s.codeUrl("wx_query_01");
    const paid = await s.pay("wechat", "wx_query_01", { notify: false });
    assert.deepEqual(paid.deliveries, []);
    const rec0 = await s.record("wx_query_01");
    assert.equal(rec0.state, 0);
    const st = await s.state("wx_query_01");
    assert.equal(st.pay_state, 1);
    const rec = await s.record("wx_query_01");
    assert.equal(rec.payment.source, "wechat_query");
    assert.equal(rec.payment.transaction_id, paid.transaction_id);
    assert.equal(rec.history.length, 1);
  });

  it("does not ask the provider again within the check interval", async () => {
    await s.createOrder("wx_query_02", 1);
    await s.codeUrl("wx_query_02");
    const queries = () => s.sandbox.state.log.filter((l) => l.api === "orderquery" && l.out_trade_no === "wx_query_02").length;
    await s.state("wx_query_02");
    await s.state("wx_query_02");
    await s.state("wx_query_02");
    assert.equal(queries(), 1);
  });
});
