// Refunds that meet faults, for both generations of both wallets: a refund is stored
// before it is sent, so a provider that took it but whose answer was lost (a timeout, a
// 5xx, "try again", an unreadable reply) leaves a refund `unknown`, never absent and never
// failed; the merchant's retry of the same refund_no asks the provider and sends the same
// number again; the money goes back exactly once. Abnormal refunds (WeChat CHANGE /
// ABNORMAL) need the merchant, are never retried, and a later success is recorded.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack, until } from "../e2e/harness.mjs";

const APIS = {
  wechat_v2: { provider: "wechat", vars: {}, fault: "wechat:refund" },
  wechat_v3: { provider: "wechat", vars: { WECHAT_API_VERSION: "v3" }, fault: "wechat_v3:refund" },
  alipay_mapi: { provider: "alipay", vars: {}, fault: "alipay:refund" },
  alipay_openapi: { provider: "alipay", vars: { ALIPAY_API: "openapi" }, fault: "alipay_openapi:refund" },
};
// Faults where the provider never saw the call, and where it acted but the answer was lost.
const LOST_BEFORE = ["timeout", "http500", "garbage", "systemerror"];
const LOST_AFTER = ["badsign", "accept_timeout", "accept_http500"];

let v2;
let v3;
const observed = [];
before(async () => {
  v2 = await startStack({ vars: { PROVIDER_TIMEOUT_MS: "800" } });
  v3 = await startStack({ vars: { PROVIDER_TIMEOUT_MS: "800", WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } });
});
after(async () => {
  console.log(`reliability/refunds: ${observed.length} cases, each refunded exactly once: ${observed.join(", ")}`);
  await v2?.stop();
  await v3?.stop();
});

const stackOf = (api) => (api === "wechat_v3" || api === "alipay_openapi" ? v3 : v2);
let seq = 0;

async function paidOrder(s, provider) {
  const no = `rf_${String(++seq).padStart(4, "0")}`;
  await s.createOrder(no, 500);
  if (provider === "wechat") await s.codeUrl(no);
  else await s.openCashier(no);
  await s.pay(provider, no);
  await until("paid", () => s.record(no), (r) => r.state === 1);
  return no;
}

/** The refunds the provider itself holds for the order: [number, amount in fen]. */
function providerRefunds(s, api, no) {
  if (api.startsWith("wechat")) return s.sandbox.state.wechat.get(no).refunds.map((r) => [r.out_refund_no, Number(r.refund_fee)]);
  if (api === "alipay_mapi") return (s.sandbox.state.alipay.get(no).refunds ?? []).map((r) => [r.batch_no, Math.round(Number(r.amount) * 100)]);
  return s.sandbox.alipayOpen.trades.get(no).refunds.map((r) => [r.out_request_no, r.amount]);
}

const refund = (s, no, extra = {}) => s.api({ cmd: "Refund", order_no: no, refund_no: "ret-1", ...extra }, { token: true });

describe("a refund whose answer is lost is kept, resolved by asking, and paid once", () => {
  for (const [api, { provider, fault }] of Object.entries(APIS)) {
    for (const kind of [...LOST_BEFORE, ...LOST_AFTER]) {
      if (kind === "badsign" && api === "alipay_mapi") continue; // MAPI replies carry no signature the worker relies on
      it(`${api} ${kind}`, async () => {
        const s = stackOf(api);
        const no = await paidOrder(s, provider);
        await s.fault(fault, kind, 1, no);
        const first = await refund(s, no);
        assert.equal(first.status, 200, first.text);
        assert.equal(first.json.result, 0, first.text);
        // No definite answer: unknown, never failed or absent (unless the provider's own
        // refund notify arrived while the answer was being lost, and settled it).
        const settledMeanwhile = LOST_AFTER.includes(kind) && first.json.refund.status === "succeeded";
        if (!settledMeanwhile) assert.equal(first.json.refund.status, "unknown");
        const stored = (await s.record(no)).refunds;
        assert.equal(stored.length, 1);
        assert.equal(stored[0].status, first.json.refund.status);
        // The amount is still out: another refund_no cannot take it again.
        assert.equal((await refund(s, no, { refund_no: "ret-2" })).json.result, -23);
        // The merchant retries the same refund: the same provider number, once.
        const again = await refund(s, no);
        assert.equal(again.json.result, 0, again.text);
        assert.equal(again.json.refund.provider_refund_no, first.json.refund.provider_refund_no);
        const done = await until("refunded", () => s.record(no), (r) => r.state === 3, 10_000);
        assert.equal(done.refunds.length, 1);
        assert.equal(done.refunds[0].status, "succeeded");
        const atProvider = providerRefunds(s, api, no);
        assert.deepEqual(atProvider, [[first.json.refund.provider_refund_no, 500]], "refunded exactly once, under one number");
        observed.push(`${api} ${kind}`);
      });
    }
  }
});

describe("the object resolves an unknown refund by itself", () => {
  for (const [api, { provider, fault }] of Object.entries(APIS)) {
    it(`${api}: accepted but unanswered, found by the object's own check`, async () => {
      const s = stackOf(api);
      const no = await paidOrder(s, provider);
      // Refund notifies off, so that only the object's own asking can settle it.
      await s.sandboxPost("/sandbox/refund-notifies", { on: false });
      await s.fault(fault, "accept_timeout", 1, no);
      try {
        assert.equal((await refund(s, no)).json.refund.status, "unknown");
      } finally {
        await s.sandboxPost("/sandbox/refund-notifies", { on: true });
      }
      // No merchant retry: the object's alarm asks (5 s after the refund).
      const done = await until("refunded by the object", () => s.record(no), (r) => r.state === 3, 30_000);
      assert.equal(done.refunds[0].status, "succeeded");
      assert.equal(providerRefunds(s, api, no).length, 1);
    });
  }
});

describe("abnormal refunds", () => {
  for (const api of ["wechat_v2", "wechat_v3"]) {
    it(`${api}: CHANGE/ABNORMAL needs the merchant, is never retried, and a later success counts`, async () => {
      const s = stackOf(api);
      const no = await paidOrder(s, "wechat");
      await s.sandboxPost("/sandbox/refunds", { status: "CHANGE" });
      try {
        const r = await refund(s, no);
        assert.equal(r.json.result, 0, r.text);
        const stuck = await until("abnormal", () => s.record(no), (o) => o.refunds[0]?.status === "abnormal", 20_000);
        assert.equal(stuck.state, 1);
        assert.equal(stuck.needs_attention, true, "QueryOrder's full record says so too");
        const view = (await s.api({ cmd: "Refund", order_no: no, refund_no: "ret-1" }, { token: true })).json;
        assert.equal(view.refund.status, "abnormal", "the same refund_no answers it, nothing sent");
        assert.equal(view.order.needs_attention, true);
        assert.equal((await refund(s, no, { refund_no: "ret-2" })).json.result, -23, "its amount is still out");
        assert.equal(s.sandbox.state.wechat.get(no).refunds.length, 1, "never retried under a new number");
      } finally {
        await s.sandboxPost("/sandbox/refunds", {});
      }
      // The merchant finishes it in WeChat's portal; WeChat reports success later.
      await s.sandboxPost("/sandbox/settle", { out_trade_no: no, from: "CHANGE", status: "SUCCESS" });
      const done = await until("refunded", () => s.record(no), (o) => o.state === 3, 20_000);
      assert.equal(done.refunds[0].status, "succeeded");
      assert.equal((await s.api({ cmd: "QueryOrder", order_no: no }, { token: true })).json.order.refunds[0].status, "succeeded");
    });
  }
});
