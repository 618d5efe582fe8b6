// Alarms and webhooks across misconfiguration and restarts. With WEBHOOK_SECRET too short
// (a misconfiguration) nothing is delivered and no alarm is set for the waiting events:
// the object does not spin (each run of its alarm logs a "wake" line, counted here). With
// WEBHOOK_URL emptied by a deploy, events that were pending or retrying wait (never
// "skipped": that is only for events made while webhooks were off) and are delivered once
// the URL is back, after a restart with the same stored state.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sleep, startStack, until } from "../e2e/harness.mjs";
import { startReceiver } from "../e2e/receiver.mjs";

const SECRET = "alarm-test-webhook-secret-0123456789abcdef";
const observed = [];
after(() => console.log(`reliability/alarms: ${observed.join("; ")}`));

const wakes = (s, no) => s.logs.filter((l) => l.includes('"log":"wake"') && l.includes(`"order_no":"${no}"`)).length;

async function paidWechat(s, no, fee = 100) {
  await s.createOrder(no, fee);
  await s.codeUrl(no);
  await s.pay("wechat", no);
  await until("paid", () => s.record(no), (r) => r.state === 1);
}

describe("a short webhook secret", () => {
  it("sets no alarm for events: a paid order's object stays quiet, a waiting one wakes at most once a second", async () => {
    const hook = await startReceiver();
    const s = await startStack({ vars: { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: "ten-chars!" } });
    try {
      const paid = "alarm_short_01";
      const waiting = "alarm_short_02";
      await paidWechat(s, paid);
      await s.createOrder(waiting, 100);
      await s.codeUrl(waiting);
      // Let the first wakes after the changes pass, then count over a quiet window.
      await sleep(3_000);
      const [paidBefore, waitingBefore] = [wakes(s, paid), wakes(s, waiting)];
      const started = Date.now();
      await sleep(12_000);
      const seconds = (Date.now() - started) / 1000;
      const paidWakes = wakes(s, paid) - paidBefore;
      const waitingWakes = wakes(s, waiting) - waitingBefore;
      assert.ok(paidWakes <= 1, `the paid order woke ${paidWakes} times in ${seconds.toFixed(1)} s`);
      assert.ok(waitingWakes <= Math.ceil(seconds) + 1, `the waiting order woke ${waitingWakes} times in ${seconds.toFixed(1)} s`);
      assert.equal(hook.received.length, 0, "nothing is delivered with a misconfigured secret");
      const events = (await s.api({ cmd: "ListEvents", order_no: paid }, { token: true })).json.events;
      assert.ok(events.some((e) => e.type === "order.paid") && events.every((e) => e.state === "pending"), JSON.stringify(events.map((e) => e.state)));
      assert.ok(s.logs.some((l) => l.includes('"log":"webhooks_not_delivered"')), "the misconfiguration is logged");
      observed.push(`short secret: paid order ${paidWakes} wakes, waiting order ${waitingWakes} wakes in ${seconds.toFixed(1)} s; 0 deliveries`);
    } finally {
      await s.stop();
      await hook.close();
    }
  });
});

describe("WEBHOOK_URL emptied by a deploy, then restored", () => {
  it("events pending or retrying wait across restarts and are delivered when the URL is back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "paybridge-alarms-"));
    const hook = await startReceiver();
    const vars = { WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_SCHEDULE: "2,2,2", WEBHOOK_TIMEOUT_MS: "2000" };
    const no = "alarm_hook_01";
    const off = "alarm_hook_02";
    try {
      // 1. Webhooks on; the receiver fails, so the order's events are retrying.
      hook.script.push(500, 500, 500, 500, 500, 500);
      let s = await startStack({ persist: dir, vars: { ...vars, WEBHOOK_URL: hook.url } });
      await paidWechat(s, no);
      await until("a failed attempt", () => hook.forOrder(no).length, (n) => n >= 2);
      const before = (await s.api({ cmd: "ListEvents", order_no: no }, { token: true })).json.events;
      assert.ok(before.every((e) => e.state === "pending"), JSON.stringify(before));
      await s.stop();
      hook.script.length = 0;

      // 2. A deploy without WEBHOOK_URL: they wait (not skipped); new events are skipped.
      s = await startStack({ persist: dir, vars: { ...vars, WEBHOOK_URL: "" } });
      const during = (await s.api({ cmd: "ListEvents", order_no: no }, { token: true })).json.events;
      assert.deepEqual(during.map((e) => e.state), before.map(() => "pending"), "pending events stay pending while webhooks are off");
      await paidWechat(s, off);
      const attemptsBefore = hook.received.length;
      await sleep(5_000);
      assert.equal(hook.received.length, attemptsBefore, "nothing is sent while WEBHOOK_URL is empty");
      const skipped = (await s.api({ cmd: "ListEvents", order_no: off }, { token: true })).json.events;
      assert.ok(skipped.some((e) => e.type === "order.paid") && skipped.every((e) => e.state === "skipped"), JSON.stringify(skipped));
      await s.stop();

      // 3. The URL is back: the first request to the object re-arms it and they go out.
      s = await startStack({ persist: dir, vars: { ...vars, WEBHOOK_URL: hook.url } });
      await s.api({ cmd: "QueryOrder", order_no: no }, { token: true });
      const delivered = await until(
        "the waiting events delivered",
        () => s.api({ cmd: "ListEvents", order_no: no }, { token: true }),
        (r) => r.json.events.every((e) => e.state === "delivered"),
        30_000,
      );
      assert.equal(delivered.json.events.length, before.length);
      const types = hook.forOrder(no).filter((r) => r.answered === 200).map((r) => JSON.parse(r.body).type);
      assert.deepEqual([...new Set(types)].sort(), before.map((e) => e.type).sort(), "each waiting event arrived");
      const stillSkipped = (await s.api({ cmd: "ListEvents", order_no: off }, { token: true })).json.events;
      assert.ok(stillSkipped.every((e) => e.state === "skipped"), "events made while off are not sent");
      assert.equal(hook.forOrder(off).length, 0);
      await s.stop();
      observed.push(`URL off and back across 3 starts: ${before.length} events waited and were delivered, ${skipped.length} made while off stayed skipped`);
    } finally {
      await hook.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
