// Concurrency with WeChat Pay v3 and Alipay OpenAPI: duplicate signed notifies in
// parallel, and v3 notifies racing CloseOrder. Transitions are counted from the worker's log.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "../e2e/harness.mjs";

let s;
const observed = [];
before(async () => (s = await startStack({ vars: { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } })));
after(async () => {
  console.log(`reliability/concurrency-v3: ${observed.join("; ")}`);
  await s.stop();
});

const v3Notify = (no) => s.sandbox.notifyV3(s.sandbox.state.wechat.get(no));
const postV3 = ({ body, headers }) => s.post("/notify/wechat/v3", body, { "content-type": "application/json", ...headers });

describe("duplicate v3 and OpenAPI notifies in parallel", () => {
  it("200 concurrent v3 notifies (RSA verify + AES-GCM each) make exactly one transition", async () => {
    const no = "c3_wx_000001";
    await s.createOrder(no, 1990);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    const notify = v3Notify(no);
    const replies = await Promise.all(Array.from({ length: 200 }, () => postV3(notify)));
    assert.equal(replies.filter((r) => r.status === 204).length, 200, "every duplicate is acknowledged");
    const rec = await s.record(no);
    assert.deepEqual([rec.state, rec.history.length, rec.extra_payments.length], [1, 1, 0]);
    assert.equal(s.transitions(no), 1);
    observed.push(`v3: 200 notifies → ${s.transitions(no)} transition`);
  });

  it("200 concurrent OpenAPI notifies make exactly one transition", async () => {
    const no = "c3_ali_00001";
    await s.createOrder(no, 1990);
    await s.api({ cmd: "AlipayQr", order_no: no });
    await s.pay("alipay", no, { notify: false });
    const form = s.sandbox.alipayOpen.notifyForm(s.sandbox.alipayOpen.trades.get(no));
    const replies = await Promise.all(Array.from({ length: 200 }, () => s.post("/notify/alipay/openapi", form, { "content-type": "application/x-www-form-urlencoded" })));
    assert.equal(replies.filter((r) => r.status === 200 && r.text === "success").length, 200);
    const rec = await s.record(no);
    assert.deepEqual([rec.state, rec.history.length, rec.payment.provider], [1, 1, "alipay"]);
    assert.equal(s.transitions(no), 1);
    observed.push(`OpenAPI: 200 notifies → ${s.transitions(no)} transition`);
  });
});

describe("v3 notifies racing CloseOrder", () => {
  it("never cancels a paid order (10 races)", async () => {
    for (let i = 0; i < 10; i++) {
      const no = `c3_close_${String(i).padStart(2, "0")}`;
      await s.createOrder(no, 50);
      await s.codeUrl(no);
      await s.pay("wechat", no, { notify: false });
      const notify = v3Notify(no);
      const [close, ...notifies] = await Promise.all([s.api({ cmd: "CloseOrder", order_no: no }, { token: true }), postV3(notify), postV3(notify)]);
      const rec = await s.record(no);
      assert.equal(rec.state, 1, `${no} is paid`);
      assert.equal(close.json.result, -14, close.text);
      assert.ok(notifies.every((n) => n.status === 204));
      assert.equal(rec.history.length, 1);
    }
    observed.push("v3 close races: 10/10 paid");
  });
});
