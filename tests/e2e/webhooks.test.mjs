// Webhooks to the merchant's backend, end to end on workerd with a real receiver on
// loopback: every event type once, signed so that node:crypto (not our code) accepts it;
// retries at the configured delays; a hanging or failing receiver never slows /api;
// ResendEvent; and order.paid from the object's own provider check with no page open.
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { sleep, startStack, until } from "./harness.mjs";
import { startReceiver } from "./receiver.mjs";

const SECRET = "test-webhook-secret-0123456789abcdef-xyz";
const SCHEDULE = [1, 2, 3];
let s;
let hook;
before(async () => {
  hook = await startReceiver();
  s = await startStack({ vars: { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: SCHEDULE.join(","), WEBHOOK_TIMEOUT_MS: "2000" } });
});
after(async () => {
  await s.stop();
  await hook.close();
});

const merchant = (cmd) => s.api(cmd, { token: true });

/** The receiver's check, written with node:crypto only, as a merchant would. */
function independentlyVerified(req, secret = SECRET) {
  const header = req.headers["paybridge-signature"];
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=")));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${req.body}`).digest("hex");
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) <= 300;
  return fresh && timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

function types(no) {
  return hook.forOrder(no).filter((r) => r.answered < 300).map((r) => JSON.parse(r.body).type);
}

describe("every event type", () => {
  it("delivers each once, in order, signed, with the order as QueryOrder shows it", async () => {
    const no = "hook_all_0001";
    await s.createOrder(no, 1000);
    await s.codeUrl(no);
    await s.openCashier(no);
    await s.pay("wechat", no); // order.paid
    await s.pay("alipay", no); // order.extra_payment
    await s.sandboxPost("/sandbox/refunds", { status: "REFUNDCLOSE" });
    await merchant({ cmd: "Refund", order_no: no, amount: 400, refund_no: "a" }); // order.refund_failed
    await s.sandboxPost("/sandbox/refunds", {});
    await merchant({ cmd: "Refund", order_no: no, amount: 400, refund_no: "a" }); // order.refund_succeeded
    await merchant({ cmd: "Refund", order_no: no }); // order.refund_succeeded, order.refunded
    const expected = ["order.paid", "order.extra_payment", "order.refund_failed", "order.refund_succeeded", "order.refund_succeeded", "order.refunded"];
    await until("all delivered", () => types(no), (t) => t.length >= expected.length);
    await sleep(500);
    assert.deepEqual(types(no), expected);
    const deliveries = hook.forOrder(no);
    for (const r of deliveries) {
      assert.ok(independentlyVerified(r), `node:crypto refuses ${r.headers["paybridge-signature"]}`);
      assert.equal(r.headers["content-type"], "application/json");
      const body = JSON.parse(r.body);
      assert.equal(r.headers["paybridge-event-id"], body.id);
      assert.match(body.id, /^evt_hook_all_0001\.\d+$/);
      assert.equal(typeof body.created_at, "number");
      assert.ok(!r.body.includes(SECRET) && !r.body.includes(s.bindings.WECHAT_API_KEY));
    }
    const ids = deliveries.map((r) => JSON.parse(r.body).id);
    assert.equal(new Set(ids).size, ids.length, "each event once");
    const last = JSON.parse(deliveries.at(-1).body);
    assert.equal(last.data.state, 3);
    assert.deepEqual(last.data.refunds.map((r) => r.amount), [400, 600]);
    assert.equal(last.data.extra_payments[0].provider, "alipay");

    const cancelled = "hook_cancel_01";
    await s.createOrder(cancelled, 100);
    await s.codeUrl(cancelled);
    await merchant({ cmd: "CloseOrder", order_no: cancelled });
    await until("order.cancelled", () => types(cancelled), (t) => t.includes("order.cancelled"));

    const listed = await merchant({ cmd: "ListEvents", order_no: no });
    assert.deepEqual(listed.json.events.map((e) => e.type), expected);
    assert.ok(listed.json.events.every((e) => e.state === "delivered" && e.attempts.length === 1 && e.attempts[0].status === 200));
  });

  it("finds a payment with no notify and no page, and tells the merchant", async () => {
    const no = "hook_alarm_01";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    const started = Date.now();
    await until("order.paid from the alarm", () => types(no), (t) => t.includes("order.paid"), 60_000);
    const body = JSON.parse(hook.forOrder(no)[0].body);
    assert.equal(body.data.payment.source, "wechat_query");
    console.log(`order.paid from the object's own check after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});

describe("retries", () => {
  it("a receiver that fails three times gets the event on the fourth attempt, at the schedule's delays", async () => {
    const no = "hook_retry_01";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    hook.script.push(500, "hang", 302);
    await s.pay("wechat", no);
    const rec = await until("delivered", () => merchant({ cmd: "ListEvents", order_no: no }), (r) => r.json.events[0]?.state === "delivered", 30_000);
    const attempts = rec.json.events[0].attempts;
    assert.deepEqual(attempts.map((a) => a.status ?? "none"), [500, "none", 302, 200]);
    assert.match(attempts[1].error, /no answer within 2000 ms/);
    // Gaps: 1 s, 2 s, 3 s after each failed attempt ended (the hang took 2 s itself).
    const got = hook.forOrder(no).map((r) => r.at);
    const gaps = got.slice(1).map((t, i) => (t - got[i]) / 1000);
    const expectedGaps = [1, 2 + 2, 3];
    gaps.forEach((g, i) => assert.ok(g >= expectedGaps[i] - 1 && g <= expectedGaps[i] + 1.5, `gap ${i}: ${g} s, expected about ${expectedGaps[i]} s`));
    const ids = new Set(hook.forOrder(no).map((r) => r.headers["paybridge-event-id"]));
    assert.equal(ids.size, 1, "the same event id on every attempt");
    assert.ok(hook.forOrder(no).every((r) => independentlyVerified(r)), "every attempt freshly signed");
  });

  it("a receiver that hangs or fails forever does not slow /api, and the event is failed after its time", async () => {
    const t = await startReceiver();
    const slow = await startStack({ vars: { WEBHOOK_URL: t.url, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: "1", WEBHOOK_GIVE_UP_SECONDS: "6", WEBHOOK_TIMEOUT_MS: "3000" } });
    try {
      t.script.push(...Array(3).fill("hang"), ...Array(50).fill(500));
      const no = "hook_slow_001";
      await slow.createOrder(no, 300);
      await slow.codeUrl(no);
      await slow.pay("wechat", no);
      await until("first attempt sent", async () => t.received.length, (n) => n >= 1);
      // The receiver hangs: the order's own API answers at once meanwhile.
      const times = [];
      for (let i = 0; i < 20; i++) {
        const start = performance.now();
        const st = await slow.state(no);
        times.push(performance.now() - start);
        assert.equal(st.pay_state, 1);
      }
      times.sort((a, b) => a - b);
      assert.ok(times[times.length - 1] < 1000, `slowest poll ${times.at(-1)} ms while the receiver hangs`);
      const other = "hook_slow_002";
      const start = performance.now();
      await slow.createOrder(other, 100);
      assert.ok(performance.now() - start < 1000, "other orders are not held up");
      const failed = await until("failed", () => slow.api({ cmd: "ListEvents", order_no: no }, { token: true }), (r) => r.json.events[0]?.state === "failed", 40_000);
      assert.ok(failed.json.events[0].attempts.length >= 2);
      console.log(`hanging receiver: polls p50 ${times[10].toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms; event failed after ${failed.json.events[0].attempts.length} attempts`);
    } finally {
      await slow.stop();
      await t.close();
    }
  });
});

describe("ResendEvent", () => {
  it("delivers the same id and body again now, with a fresh signature", async () => {
    const no = "hook_resend_1";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    await s.pay("wechat", no);
    await until("delivered", () => types(no), (t) => t.length === 1);
    const first = hook.forOrder(no)[0];
    const id = JSON.parse(first.body).id;
    await sleep(1100); // a new second: a new t
    const r = await merchant({ cmd: "ResendEvent", event_id: id });
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.event.state, "delivered");
    assert.equal(r.json.event.attempts.length, 2);
    const again = hook.forOrder(no)[1];
    assert.equal(again.body, first.body, "the same bytes");
    assert.equal(again.headers["paybridge-event-id"], id);
    assert.notEqual(again.headers["paybridge-signature"], first.headers["paybridge-signature"]);
    assert.ok(independentlyVerified(again));
    assert.equal((await merchant({ cmd: "ResendEvent", event_id: "evt_hook_resend_1.99" })).json.result, -26);
    assert.equal((await merchant({ cmd: "ResendEvent", event_id: "not-an-event" })).json.result, -3);
    assert.equal((await s.api({ cmd: "ResendEvent", event_id: id })).json.result, -5, "merchant only");
  });
});

describe("settings", () => {
  it("a secret shorter than 32 characters delivers nothing and says so in the log", async () => {
    const t = await startReceiver();
    const weak = await startStack({ vars: { WEBHOOK_URL: t.url, WEBHOOK_SECRET: "short-secret" } });
    try {
      await weak.createOrder("hook_weak_001", 100);
      await weak.codeUrl("hook_weak_001");
      await weak.pay("wechat", "hook_weak_001");
      await until("logged", async () => weak.logs.filter((l) => l.includes("webhooks_not_delivered")).length, (n) => n > 0);
      await sleep(500);
      assert.equal(t.received.length, 0);
      assert.ok(weak.logs.some((l) => l.includes("WEBHOOK_SECRET must be at least 32 characters")));
      assert.ok(!weak.logs.some((l) => l.includes("short-secret")), "the secret itself is never logged");
    } finally {
      await weak.stop();
      await t.close();
    }
  });
});
