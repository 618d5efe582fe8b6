// Daily reconciliation end to end under workerd against the sandbox's bills, for both
// generations of both wallets: every injected discrepancy is found (a payment whose notify
// was lost on an order closed meanwhile, an amount that differs, a refund made outside
// the worker, a trade of no order of this worker), the payment the bill revealed is
// recorded only after the order's object verified it by query, the merchant is told by
// webhooks, a re-run changes nothing, a bill not yet made is retried, a day without trades
// is `no_bill`, and Alipay MAPI (no bill API) checks the day's orders one by one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack, until } from "./harness.mjs";
import { startReceiver } from "./receiver.mjs";

const SECRET = "reconcile-test-webhook-secret-0123456789";
const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const yesterday = () => new Date(Date.now() + 8 * 3600_000 - 86_400_000).toISOString().slice(0, 10);

let hook;
const stacks = {};
before(async () => {
  hook = await startReceiver();
  const vars = { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: "1,1,1", RECONCILE_RETRY_SECONDS: "2" };
  stacks.v2 = await startStack({ vars });
  stacks.v3 = await startStack({ vars: { ...vars, WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } });
});
after(async () => {
  await stacks.v2?.stop();
  await stacks.v3?.stop();
  await hook.close();
});

const merchant = (s, cmd) => s.api(cmd, { token: true });
const reconcile = (s, wallet, date = today()) => merchant(s, { cmd: "Reconcile", date, wallet });
const events = (type) => hook.received.map((r) => JSON.parse(r.body)).filter((e) => e.type === type);

async function paid(s, wallet, no, fee) {
  await s.createOrder(no, fee);
  if (wallet === "wechat") await s.codeUrl(no);
  else await s.openCashier(no);
  await s.pay(wallet, no);
  await until("paid", () => s.record(no), (o) => o.state === 1);
}

/** An order closed by the merchant, then paid late to its stale cashier with the notify lost. */
async function lateLost(s, wallet, no) {
  await s.createOrder(no, 700);
  if (wallet === "wechat") await s.codeUrl(no);
  else await s.openCashier(no);
  assert.equal((await merchant(s, { cmd: "CloseOrder", order_no: no })).json.result, 0);
  const r = await s.pay(wallet, no, { notify: false, late: true });
  assert.ok(r.paid, JSON.stringify(r));
  assert.equal((await s.record(no)).state, 2, "the worker still has it cancelled");
}

const kinds = (report) => report.discrepancies.map((d) => `${d.kind}:${d.order_no ?? d.trade_no}`).sort();

for (const [gen, wallet] of [["v2", "wechat"], ["v3", "wechat"], ["v3", "alipay"]]) {
  describe(`${wallet} ${gen === "v2" ? "v2" : wallet === "wechat" ? "v3" : "OpenAPI"} against its bill`, () => {
    const tag = `${gen}${wallet[0]}`;
    it("finds every injected discrepancy, records the proven payment, tells the merchant; a re-run changes nothing", async () => {
      const s = stacks[gen];
      const [ok, lost, differs] = [`rc_${tag}_ok01`, `rc_${tag}_lost1`, `rc_${tag}_diff1`];
      await paid(s, wallet, ok, 1000);
      await paid(s, wallet, differs, 800);
      await lateLost(s, wallet, lost);
      // A refund made in the provider's portal, and a trade of another system on the same account.
      const outside =
        wallet === "wechat"
          ? { outTradeNo: ok, state: "REFUND", totalFen: 1000, refundFen: 100, outRefundNo: "OUTSIDE-1", refundId: "50300OUTSIDE1", refundState: "SUCCESS" }
          : { outTradeNo: ok, type: "退款", totalFen: 100, outRequestNo: "OUTSIDE-1" };
      const extra = [outside, { outTradeNo: `stranger_${tag}`, totalFen: 4200 }];
      const knobs = await s.sandboxPost("/sandbox/bills", { provider: wallet, date: today(), amend: { [differs]: 555 }, extra });
      assert.ok(!knobs.error, JSON.stringify(knobs));

      // One receiver serves both stacks: count this run's completed events from here.
      const completed = () => events("reconciliation.completed").filter((e) => e.data.date === today() && e.data.wallet === wallet).length;
      const completedBefore = completed();
      const r = await reconcile(s, wallet);
      assert.equal(r.json.result, 0, r.text);
      const [report] = r.json.reports;
      assert.equal(report.state, "completed", JSON.stringify(report));
      assert.deepEqual(kinds(report), [
        `amount_differs:${differs}`,
        `missing_payment:${lost}`,
        `missing_payment:stranger_${tag}`,
        `unknown_refund:${ok}`,
      ].sort());
      const missing = report.discrepancies.find((d) => d.order_no === lost);
      assert.match(missing.action, /payment recorded/);
      const rec = await s.record(lost);
      assert.equal(rec.state, 1, "the payment the bill revealed is recorded, verified by query");
      assert.equal(rec.payment.late, true);
      assert.match(rec.payment.source, /query/);
      assert.equal(report.discrepancies.find((d) => d.kind === "amount_differs").bill_amount, 555);
      assert.ok(report.bill.payments >= 4 && report.recorded.payments >= 2, JSON.stringify(report));
      assert.ok(report.bill_key?.startsWith(`bills/${wallet}/${today()}/`), "the raw bill is kept");

      const told = () => events("reconciliation.discrepancy").filter((e) => JSON.stringify(e).includes(tag));
      await until("discrepancy events", async () => told().length, (n) => n >= 4);
      await until("the completed event", async () => completed(), (n) => n === completedBefore + 1);
      assert.equal(told().find((e) => e.order_no === lost)?.data.discrepancy.kind, "missing_payment");
      assert.equal(told().find((e) => e.order_no === null)?.data.discrepancy.trade_no, `stranger_${tag}`);
      const paidEvents = events("order.paid").filter((e) => e.order_no === lost).length;

      // Again: the payment now recorded is no finding any more; the rest stand; nothing is
      // recorded twice or told twice.
      const again = (await reconcile(s, wallet)).json.reports[0];
      assert.equal(again.state, "completed");
      assert.deepEqual(kinds(again), kinds(report).filter((k) => k !== `missing_payment:${lost}`));
      const after = await s.record(lost);
      assert.equal(after.extra_payments.length, 0);
      assert.deepEqual(after.history, rec.history);
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal(told().length, 4, "each finding told once");
      assert.equal(completed(), completedBefore + 1, "the day's completion told once");
      assert.equal(events("order.paid").filter((e) => e.order_no === lost).length, paidEvents);

      const listed = (await merchant(s, { cmd: "ListReconciliations", wallet })).json.reports;
      assert.equal(listed.find((x) => x.date === today()).state, "completed");
    });
  });
}

describe("a bill not made yet, and a day without trades", () => {
  it("waits and is retried by its alarm until the bill is there", async () => {
    const s = stacks.v2;
    await paid(s, "wechat", "rc_wait_0001", 300);
    await s.sandboxPost("/sandbox/bills", { provider: "wechat", date: today(), state: "creating" });
    const waiting = (await reconcile(s, "wechat")).json.reports[0];
    assert.equal(waiting.state, "waiting_for_bill", JSON.stringify(waiting));
    assert.match(waiting.error, /Bill Creating/);
    assert.ok(waiting.next_attempt_at > Date.now() / 1000);
    await s.sandboxPost("/sandbox/bills", { provider: "wechat", date: today(), state: "ready" });
    const done = await until("retried", () => merchant(s, { cmd: "ListReconciliations", wallet: "wechat", from: today(), to: today() }), (r) => r.json.reports[0]?.state === "completed", 20_000);
    assert.ok(done.json.reports[0].attempts >= 2);
  });

  it("no trades: no_bill, with the day's recorded payments as discrepancies", async () => {
    for (const [gen, wallet] of [["v2", "wechat"], ["v3", "wechat"], ["v3", "alipay"]]) {
      const r = (await reconcile(stacks[gen], wallet, yesterday())).json.reports[0];
      assert.equal(r.state, "no_bill", `${gen} ${wallet}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.discrepancies, []);
    }
  });

  it("the cron reconciles yesterday for every wallet", async () => {
    const s = stacks.v3;
    const r = await s.scheduled();
    assert.equal(r.outcome, "ok", JSON.stringify(r));
    const listed = (await merchant(s, { cmd: "ListReconciliations", from: yesterday(), to: yesterday() })).json.reports;
    assert.deepEqual(listed.map((x) => [x.wallet, x.date, x.state]).sort(), [
      ["alipay", yesterday(), "no_bill"],
      ["wechat", yesterday(), "no_bill"],
    ]);
  });

  it("refuses a day not begun and an unknown wallet", async () => {
    const s = stacks.v2;
    assert.equal((await merchant(s, { cmd: "Reconcile", date: "2999-01-01" })).json.result, -3);
    assert.equal((await merchant(s, { cmd: "Reconcile", date: today(), wallet: "paypal" })).json.result, -3);
    assert.equal((await merchant(s, { cmd: "Reconcile", date: "2026-13-01" })).json.result, -3);
    assert.equal((await s.api({ cmd: "Reconcile", date: today() })).json.result, -5, "merchant only");
  });
});

describe("Alipay MAPI: no bill API, the day's orders checked one by one", () => {
  it("finds a late payment on a closed order by single_trade_query", async () => {
    const s = stacks.v2;
    await lateLost(s, "alipay", "rc_mapi_lost1");
    const report = (await reconcile(s, "alipay")).json.reports[0];
    assert.equal(report.state, "completed", JSON.stringify(report));
    assert.deepEqual(kinds(report), ["missing_payment:rc_mapi_lost1"]);
    assert.equal((await s.record("rc_mapi_lost1")).state, 1);
    const again = (await reconcile(s, "alipay")).json.reports[0];
    assert.deepEqual(again.discrepancies, [], "found once: the order now holds it");
  });
});
