// WeChat Pay API v3 end to end: the worker under workerd with WECHAT_API_VERSION=v3, real
// HTTP to the sandbox, which verifies every request's RSA signature, signs every reply
// with its WeChat Pay key and sends AES-GCM encrypted, signed notifies. The command API is
// the same as with v2; only the wire behind it differs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack, until } from "./harness.mjs";

let s;
before(async () => (s = await startStack({ vars: { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } })));
after(() => s.stop());

const v3 = () => s.sandbox.wechatV3;
const postNotify = (body, headers) => s.post("/notify/wechat/v3", body, { "content-type": "application/json", ...headers });
/** A signed, encrypted TRANSACTION.SUCCESS for an order as the sandbox would pay it. */
function paidNotify(order_no, total, opts = {}, overrides = {}) {
  const resource = { ...v3().transaction({ out_trade_no: order_no, trade_state: "SUCCESS", total_fee: String(total), transaction_id: `4200${order_no}`.slice(0, 28), success_time: "2026-11-30T20:00:00+08:00" }), ...overrides };
  return v3().notifyOf("TRANSACTION.SUCCESS", "transaction", resource, "支付成功", opts);
}

describe("WeChat Pay v3 through the same commands", () => {
  it("creates a Native order with an RSA-signed request and turns paid by a v3 notify, once", async () => {
    await s.createOrder("v3_flow_01", 1990);
    const first = await s.api({ cmd: "WechatPay", order_no: "v3_flow_01" });
    assert.equal(first.json.result, 0, first.text);
    assert.match(first.json.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const again = await s.api({ cmd: "Pay", order_no: "v3_flow_01", type: 2 });
    assert.deepEqual(again.json, { result: 0, msg: "", pay_info: { wechat_pay_url: first.json.code_url } });
    const sb = s.sandbox.state.wechat.get("v3_flow_01");
    assert.equal(sb.v3, true, "created through /v3/pay/transactions/native");
    assert.equal(sb.notify_url, `${s.url}/notify/wechat/v3`);
    assert.equal(sb.request.amount.total, 1990);
    assert.match(sb.request.time_expire, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    assert.equal(s.sandbox.state.log.filter((l) => l.api === "native" && l.out_trade_no === "v3_flow_01").length, 1);

    const paid = await s.pay("wechat", "v3_flow_01", { times: 3 });
    assert.deepEqual(paid.deliveries.map((d) => [d.status, d.body]), [[204, ""], [204, ""], [204, ""]]);
    assert.equal((await s.state("v3_flow_01")).pay_state, 1);
    const rec = await s.record("v3_flow_01");
    assert.equal(rec.payment.source, "wechat_notify");
    assert.equal(rec.payment.transaction_id, paid.transaction_id);
    assert.equal(rec.payment.amount, 1990);
    assert.equal(s.transitions("v3_flow_01"), 1);
  });

  it("finds a payment whose notify was lost by a verified v3 query", async () => {
    await s.createOrder("v3_query_01", 1);
    await s.codeUrl("v3_query_01");
    await s.pay("wechat", "v3_query_01", { notify: false });
    const st = await until("paid by query", () => s.state("v3_query_01"), (x) => x.pay_state === 1);
    assert.equal(st.pay_state, 1);
    const rec = await s.record("v3_query_01");
    assert.equal(rec.payment.source, "wechat_query");
  });

  it("refuses a reply whose signature does not verify, and keeps the order as it was", async () => {
    await s.createOrder("v3_badreply_01", 100);
    await s.fault("wechat_v3:native", "badsign");
    const r = await s.api({ cmd: "WechatPay", order_no: "v3_badreply_01" });
    assert.equal(r.json.result, -17, r.text);
    assert.deepEqual((await s.record("v3_badreply_01")).sessions, [], "no code stored");
  });

  it("closes an unpaid order at WeChat (204) and cancels it", async () => {
    await s.createOrder("v3_close_01", 300);
    await s.codeUrl("v3_close_01");
    const r = await s.api({ cmd: "CloseOrder", order_no: "v3_close_01" }, { token: true });
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.order.pay_state, 2);
    assert.equal(s.sandbox.state.wechat.get("v3_close_01").trade_state, "CLOSED");
  });
});

describe("v3 notifies that must change nothing", () => {
  const no = "v3_bad_01";
  before(async () => {
    await s.createOrder(no, 2500);
    await s.codeUrl(no);
  });

  async function refused(body, headers, status, reason) {
    const before = await s.snapshot(no);
    const r = await postNotify(body, headers);
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.code, "FAIL");
    assert.match(r.json.message, reason);
    assert.equal(await s.snapshot(no), before);
  }

  it("forged: a signature by another key", async () => {
    const { body, headers } = paidNotify(no, 2500);
    const sig = headers["wechatpay-signature"];
    await refused(body, { ...headers, "wechatpay-signature": (sig[0] === "A" ? "B" : "A") + sig.slice(1) }, 401, /signature does not verify/);
  });

  it("tampered: the body changed after signing", async () => {
    const { body, headers } = paidNotify(no, 2500);
    await refused(body.replace('"summary":"支付成功"', '"summary":"支付成功 "'), headers, 401, /signature does not verify/);
  });

  it("stale: signed 301 s ago (a replay from outside the window)", async () => {
    const { body, headers } = paidNotify(no, 2500, { at: Date.now() - 301_000 });
    await refused(body, headers, 401, /timestamp/);
  });

  it("unknown serial and signature probes", async () => {
    const { body, headers } = paidNotify(no, 2500);
    await refused(body, { ...headers, "wechatpay-serial": "PUB_KEY_ID_0110000000000000000000000999" }, 401, /unknown serial/);
    await refused(body, { ...headers, "wechatpay-signature": `WECHATPAY/SIGNTEST/${headers["wechatpay-signature"]}` }, 401, /probe/);
    const { "wechatpay-signature": _, ...unsigned } = headers;
    await refused(body, unsigned, 401, /missing header/);
  });

  it("encrypted with another APIv3 key, for another merchant, or for the wrong amount", async () => {
    await refused(...Object.values(paidNotify(no, 2500, { key: "anotherApiV3Key0123456789abcdefg" })), 400, /decrypt/);
    await refused(...Object.values(paidNotify(no, 2500, {}, { mchid: "1900000109" })), 400, /another merchant/);
    await refused(...Object.values(paidNotify(no, 1, {}, {})), 400, /amount/);
  });

  it("malformed and oversized bodies", async () => {
    const r = await postNotify("{", {});
    assert.equal(r.status, 401);
    const big = await postNotify("x".repeat(17 * 1024), {});
    assert.equal(big.status, 413);
    assert.equal((await s.record(no)).state, 0);
  });

  it("replayed within the window: applied once, answered 204 each time", async () => {
    const { body, headers } = paidNotify(no, 2500);
    for (let i = 0; i < 3; i++) assert.equal((await postNotify(body, headers)).status, 204);
    const rec = await s.record(no);
    assert.equal(rec.state, 1);
    assert.equal(rec.history.length, 1);
    assert.equal(s.transitions(no), 1);
  });
});

describe("v3 refunds", () => {
  it("refunds part then the rest, each confirmed by a verified refund query and its notify", async () => {
    await s.createOrder("v3_refund_01", 1000);
    await s.codeUrl("v3_refund_01");
    await s.pay("wechat", "v3_refund_01");
    const part = await s.api({ cmd: "Refund", order_no: "v3_refund_01", amount: 300, reason: "部分退款" }, { token: true });
    assert.equal(part.json.result, 0, part.text);
    assert.equal(part.json.refund.status, "succeeded");
    assert.equal(part.json.order.pay_state, 1);
    const sb = s.sandbox.state.wechat.get("v3_refund_01");
    assert.equal(sb.refunds[0].refund_fee, "300");
    assert.equal(sb.refunds[0].notify_url, `${s.url}/notify/wechat/v3`);
    // The REFUND.SUCCESS notify arrives after the query settled it: accepted (204), no change.
    await until("refund notify answered", () => sb.notifies.length, (n) => n === 3);
    assert.equal(sb.notifies[2].status, 204, sb.notifies[2].body);
    assert.equal((await s.record("v3_refund_01")).refunds.length, 1);
    const rest = await s.api({ cmd: "Refund", order_no: "v3_refund_01" }, { token: true });
    assert.equal(rest.json.result, 0, rest.text);
    assert.equal(rest.json.refund.amount, 700);
    assert.equal(rest.json.order.pay_state, 3);
    assert.equal((await s.state("v3_refund_01")).pay_state, 3);
  });

  it("settles a refund WeChat is still processing by its REFUND.SUCCESS notify", async () => {
    await s.createOrder("v3_refund_02", 800);
    await s.codeUrl("v3_refund_02");
    await s.pay("wechat", "v3_refund_02");
    await s.sandboxPost("/sandbox/refunds", { status: "PROCESSING" });
    const r = await s.api({ cmd: "Refund", order_no: "v3_refund_02" }, { token: true });
    await s.sandboxPost("/sandbox/refunds", {});
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.refund.status, "requested");
    await s.sandboxPost("/sandbox/settle", { out_trade_no: "v3_refund_02" });
    const rec = await until("refunded by notify", () => s.record("v3_refund_02"), (o) => o.state === 3);
    assert.equal(rec.history.at(-1).source, "wechat_refund_notify");
  });

  it("refuses a refund notify for a refund the order never sent", async () => {
    await s.createOrder("v3_refund_03", 500);
    await s.codeUrl("v3_refund_03");
    await s.pay("wechat", "v3_refund_03");
    const o = s.sandbox.state.wechat.get("v3_refund_03");
    const before = await s.snapshot("v3_refund_03");
    const { body, headers } = v3().refundNotify(o, { out_refund_no: "r_forged", refund_id: "5000", status: "SUCCESS", refund_fee: "500" });
    const r = await postNotify(body, headers);
    assert.equal(r.status, 400, r.text);
    assert.equal(await s.snapshot("v3_refund_03"), before);
  });
});
