// Concurrency: duplicate notifies in parallel, notifies racing a close, and payment and
// refund events out of order. Transitions are counted from the worker's own log.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "../e2e/harness.mjs";

let s;
const observed = [];
before(async () => (s = await startStack()));
after(async () => {
  console.log(`reliability/concurrency: ${observed.join("; ")}`);
  await s.stop();
});

async function blast(path, body, n) {
  const replies = await Promise.all(Array.from({ length: n }, () => s.post(path, body)));
  return replies;
}

describe("duplicate notifies in parallel", () => {
  for (const [provider, no] of [["wechat", "conc_wx_0001"], ["alipay", "conc_ali_001"]]) {
    it(`500 concurrent ${provider} notifies make exactly one transition and one evidence record`, async () => {
      await s.createOrder(no, 1990);
      if (provider === "wechat") await s.codeUrl(no);
      else await s.openCashier(no);
      await s.pay(provider, no, { notify: false });
      const body = await s.notifyBody(provider, no);
      const replies = await blast(`/notify/${provider}`, body, 500);
      const ok = provider === "wechat" ? (r) => r.status === 200 && r.text.includes("SUCCESS") : (r) => r.status === 200 && r.text === "success";
      assert.equal(replies.filter(ok).length, 500, "every duplicate is acknowledged");
      const rec = await s.record(no);
      assert.equal(rec.state, 1);
      assert.equal(rec.history.length, 1);
      assert.deepEqual(rec.extra_payments, []);
      assert.equal(rec.payment.provider, provider);
      const transitions = s.transitions(no);
      assert.equal(transitions, 1);
      observed.push(`${provider}: 500 notifies → ${transitions} transition, ${rec.history.length} history entry`);
    });
  }
});

describe("notifies racing CloseOrder", () => {
  it("never cancels a paid order (20 races)", async () => {
    let paid = 0;
    for (let i = 0; i < 20; i++) {
      const no = `race_close_${String(i).padStart(2, "0")}`;
      await s.createOrder(no, 50);
      await s.codeUrl(no);
      await s.pay("wechat", no, { notify: false });
      const body = await s.notifyBody("wechat", no);
      const [close, ...notifies] = await Promise.all([
        s.api({ cmd: "CloseOrder", order_no: no }, { token: true }),
        s.post("/notify/wechat", body),
        s.post("/notify/wechat", body),
      ]);
      const rec = await s.record(no);
      assert.equal(rec.state, 1, `${no} is paid`);
      assert.equal(close.json.result, -14, "the close is refused");
      assert.ok(notifies.every((n) => n.text.includes("SUCCESS")));
      assert.equal(rec.history.length, 1);
      assert.equal(s.transitions(no), 1);
      paid++;
    }
    observed.push(`close races: ${paid}/20 paid, 0 cancelled`);
  });

  it("cancels an unpaid order once, with late duplicate closes as no-ops", async () => {
    await s.createOrder("race_close_un", 50);
    await s.codeUrl("race_close_un");
    const closes = await Promise.all(Array.from({ length: 10 }, () => s.api({ cmd: "CloseOrder", order_no: "race_close_un" }, { token: true })));
    assert.ok(closes.every((c) => c.json.result === 0 || c.json.result === -16), closes.map((c) => c.text).join("\n"));
    assert.equal((await s.record("race_close_un")).state, 2);
    assert.equal(s.transitions("race_close_un"), 1);
  });
});

describe("payment and refund events out of order", () => {
  it("late payment notifies after a refund change nothing", async () => {
    const no = "ooo_refund_01";
    await s.createOrder(no, 700);
    await s.openCashier(no);
    await s.pay("alipay", no, { notify: false });
    const success = await s.notifyBody("alipay", no, "TRADE_SUCCESS");
    const finished = await s.notifyBody("alipay", no, "TRADE_FINISHED");
    assert.equal((await s.post("/notify/alipay", success)).text, "success");
    const refund = await s.api({ cmd: "Refund", order_no: no }, { token: true });
    assert.equal(refund.json.result, 0);
    for (let i = 0; i < 50 && (await s.record(no)).state !== 3; i++) await new Promise((r) => setTimeout(r, 100));
    for (const body of [success, finished, success]) assert.equal((await s.post("/notify/alipay", body)).text, "success");
    const rec = await s.record(no);
    assert.equal(rec.state, 3);
    assert.deepEqual(rec.history.map((t) => [t.from, t.to]), [[0, 1], [1, 3]]);
    observed.push(`out of order: late notifies after refund → history ${JSON.stringify(rec.history.map((t) => t.to))}`);
  });

  it("a refund racing duplicate payment notifies ends refunded with one payment", async () => {
    const no = "ooo_refund_02";
    await s.createOrder(no, 700);
    await s.codeUrl(no);
    await s.pay("wechat", no);
    const body = await s.notifyBody("wechat", no);
    const [refund] = await Promise.all([s.api({ cmd: "Refund", order_no: no }, { token: true }), ...Array.from({ length: 20 }, () => s.post("/notify/wechat", body))]);
    assert.equal(refund.json.result, 0, refund.text);
    const rec = await s.record(no);
    assert.equal(rec.state, 3);
    assert.deepEqual(rec.extra_payments, []);
    assert.deepEqual(rec.history.map((t) => t.to), [1, 3]);
  });

  it("a payment found by query after the QR expired on the buyer's phone is still recorded", async () => {
    const no = "ooo_query_001";
    await s.createOrder(no, 10);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    await s.age(no, 4000);
    assert.equal((await s.state(no)).pay_state, 1, "expiry never hides a payment the provider has");
    assert.equal((await s.record(no)).payment.source, "wechat_query");
  });
});
