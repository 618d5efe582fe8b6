// The order's own Durable Object: payments that are never dropped (both wallets, after
// close), return_url fixed once, partial and idempotent refunds, its own provider checks
// (alarms) with no page open, polls that cannot amplify, and KV as a projection only.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sealedDestination, signedReturn, sleep, startStack, until } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

const merchant = (cmd) => s.api(cmd, { token: true });

async function paidWechat(no, fee = 1000) {
  await s.createOrder(no, fee);
  await s.codeUrl(no);
  await s.pay("wechat", no);
  assert.equal((await s.record(no)).state, 1);
}

function queries(no, api = "orderquery") {
  return s.sandbox.state.log.filter((l) => l.api === api && l.out_trade_no === no).length;
}

describe("no payment is ever dropped", () => {
  it("records a payment by both wallets once each; the extra one needs attention and refunds", async () => {
    const no = "obj_both_0001";
    await s.createOrder(no, 1990);
    await s.codeUrl(no);
    await s.openCashier(no);
    await s.pay("wechat", no);
    await s.pay("alipay", no);
    const rec = await s.record(no);
    assert.equal(rec.state, 1);
    assert.equal(rec.payment.provider, "wechat");
    assert.equal(rec.extra_payments.length, 1);
    const extra = rec.extra_payments[0];
    assert.equal(extra.provider, "alipay");
    assert.equal(extra.amount, 1990);
    assert.deepEqual(rec.history.map((t) => t.to), [1], "one transition: the extra payment is evidence, not a state");
    const listed = await merchant({ cmd: "CloseOrder", order_no: no });
    assert.equal(listed.json.result, -14);
    const view = (await merchant({ cmd: "Refund", order_no: no, transaction_id: "nope" })).json;
    assert.equal(view.result, -25);

    const r = await merchant({ cmd: "Refund", order_no: no, transaction_id: extra.transaction_id, reason: "paid twice" });
    assert.equal(r.json.result, 0, r.text);
    assert.equal(r.json.order.needs_attention, true, "refund pending: still needs attention");
    const done = await until("extra refund settled", () => s.record(no), (o) => o.refunds[0]?.status === "succeeded");
    assert.equal(done.state, 1, "the order stays paid by WeChat");
    assert.equal(done.refunds[0].transaction_id, extra.transaction_id);
    assert.equal(s.sandbox.state.alipay.get(no).trade_status, "TRADE_CLOSED");
    assert.equal(s.sandbox.state.alipay.get(no).refunds[0].reason, "paid twice");
    const q = await merchant({ cmd: "Refund", order_no: no, transaction_id: extra.transaction_id });
    assert.equal(q.json.result, 0, "nothing left: the refund is answered again");
    assert.equal(s.sandbox.state.alipay.get(no).refunds.length, 1);
    const final = await merchant({ cmd: "Refund", order_no: no, transaction_id: extra.transaction_id, amount: 1 });
    assert.equal(final.json.result, -23);
  });

  it("records a payment made on a stale cashier after close, and marks it late", async () => {
    const no = "obj_late_0001";
    await s.createOrder(no, 500);
    const pay = await s.api({ cmd: "Pay", order_no: no, type: 1, return_url: "https://shop.example/done" });
    const closed = await merchant({ cmd: "CloseOrder", order_no: no });
    assert.equal(closed.json.order.pay_state, 2);
    // The buyer opens the URL they were given before the close, and pays.
    await fetch(pay.json.pay_info.alipay_url);
    await s.pay("alipay", no);
    const rec = await s.record(no);
    assert.equal(rec.state, 1, "the money is real: the order is paid");
    assert.equal(rec.payment.late, true);
    assert.deepEqual(rec.history.map((t) => t.to), [2, 1]);
    assert.equal((await s.state(no)).pay_state, 1);
    const view = await merchant({ cmd: "CloseOrder", order_no: no });
    assert.equal(view.json.result, -14);
    const projected = await until("projection", () => s.projection(no), (p) => p?.metadata?.pay_state === 1);
    assert.equal(projected.metadata.needs_attention, true);
  });
});

describe("each Pay returns where it asked", () => {
  /** Pays the order's cashier in the sandbox and follows the buyer back through the worker. */
  async function payAndReturn(alipayUrl) {
    await (await fetch(alipayUrl)).text(); // the buyer opens the cashier
    const cashier = await fetch(`${s.sandboxUrl}/alipay/cashier/pay`, { method: "POST", body: `out_trade_no=${new URL(alipayUrl).searchParams.get("out_trade_no")}`, redirect: "manual" });
    const back = cashier.headers.get("location");
    const ret = await fetch(back, { redirect: "manual" });
    return { back, status: ret.status, location: ret.headers.get("location") };
  }

  it("two pages with different return_urls: neither blocks the other, each buyer comes back to its own page", async () => {
    const no = "obj_return_01";
    await s.createOrder(no, 100);
    const first = await s.api({ cmd: "Pay", order_no: no, type: 1, return_url: "https://shop.example/done" });
    const second = await s.api({ cmd: "Pay", order_no: no, type: 1, return_url: "https://shop.example/elsewhere?tab=2" });
    assert.deepEqual([first.json.result, second.json.result], [0, 0], second.text);
    const hijack = await s.api({ cmd: "Pay", order_no: no, type: 1, return_url: "https://evil.example/phish" });
    assert.deepEqual([hijack.status, hijack.json.result], [400, -22], "an unlisted origin is refused");
    assert.equal((await s.record(no)).return_url, null, "a page's return_url is not stored on the order");
    const mine = new URL(second.json.pay_info.alipay_url).searchParams.get("return_url");
    assert.equal(sealedDestination(mine), "https://shop.example/elsewhere?tab=2");
    const back = await payAndReturn(second.json.pay_info.alipay_url);
    assert.equal(back.status, 302);
    const to = signedReturn(back.location);
    assert.deepEqual(to, { page: "https://shop.example/elsewhere?tab=2", order_no: no, pay_state: 1, ts: to.ts, verified: true });
    // The first page's cashier URL still names its own page.
    assert.equal(sealedDestination(new URL(first.json.pay_info.alipay_url).searchParams.get("return_url")), "https://shop.example/done");
  });

  it("a return whose sealed destination was altered goes nowhere", async () => {
    const no = "obj_return_03";
    await s.createOrder(no, 100);
    const pay = await s.api({ cmd: "Pay", order_no: no, type: 1, return_url: "https://shop.example/done" });
    const { back } = await payAndReturn(pay.json.pay_info.alipay_url);
    const url = new URL(back);
    const [, mac] = url.pathname.split("/return/alipay/")[1].split(".");
    const evil = Buffer.from("https://shop.example/phish").toString("base64url");
    url.pathname = `/return/alipay/${evil}.${mac}`;
    const ret = await fetch(url, { redirect: "manual" });
    assert.equal(ret.status, 400, "another destination under the same MAC is refused");
    assert.equal(ret.headers.get("location"), null);
    url.pathname = "/return/alipay/<script>";
    assert.equal((await fetch(url, { redirect: "manual" })).status, 400);
  });

  it("CreateOrder's return_url binds every Pay; a Pay without one uses it", async () => {
    const fixed = "obj_return_02";
    const bad = await merchant({ cmd: "CreateOrder", order_no: fixed, total_fee: 100, subject: "x", return_url: "https://evil.example/" });
    assert.equal(bad.json.result, -22);
    await s.createOrder(fixed, 100, { return_url: "https://shop.example/thanks" });
    const page = await s.api({ cmd: "Pay", order_no: fixed, type: 1, return_url: "https://shop.example/other" });
    assert.deepEqual([page.status, page.json.result], [409, -21], "the merchant fixed it");
    const same = await s.api({ cmd: "Pay", order_no: fixed, type: 1, return_url: "https://shop.example/thanks" });
    assert.equal(same.json.result, 0);
    const back = await payAndReturn(same.json.pay_info.alipay_url);
    assert.equal(signedReturn(back.location).page, "https://shop.example/thanks");
  });
});

describe("refunds", () => {
  it("partial WeChat refunds add up; the order is refunded only at the total; refund_no is idempotent", async () => {
    const no = "obj_part_wx01";
    await paidWechat(no, 1000);
    const a = await merchant({ cmd: "Refund", order_no: no, amount: 300, refund_no: "ret-1" });
    assert.equal(a.json.result, 0, a.text);
    assert.deepEqual([a.json.order.pay_state, a.json.order.refunded_fee, a.json.refund.status], [1, 300, "succeeded"]);
    const repeat = await merchant({ cmd: "Refund", order_no: no, amount: 300, refund_no: "ret-1" });
    assert.deepEqual([repeat.json.result, repeat.json.refund.refund_no], [0, "ret-1"]);
    assert.equal(s.sandbox.state.wechat.get(no).refunds.length, 1, "a repeated refund_no sends nothing");
    const conflict = await merchant({ cmd: "Refund", order_no: no, amount: 200, refund_no: "ret-1" });
    assert.equal(conflict.json.result, -24);
    const tooMuch = await merchant({ cmd: "Refund", order_no: no, amount: 701 });
    assert.equal(tooMuch.json.result, -23);
    const rest = await merchant({ cmd: "Refund", order_no: no, amount: 700 });
    assert.deepEqual([rest.json.order.pay_state, rest.json.order.refunded_fee], [3, 1000]);
    const rec = await s.record(no);
    assert.deepEqual(rec.refunds.map((r) => [r.refund_no, r.amount, r.status]), [["ret-1", 300, "succeeded"], ["r2", 700, "succeeded"]]);
    assert.deepEqual(rec.history.map((t) => t.to), [1, 3]);
  });

  it("partial Alipay refunds settle through their batch notifies", async () => {
    const no = "obj_part_ali1";
    await s.createOrder(no, 1000);
    await s.openCashier(no);
    await s.pay("alipay", no);
    assert.equal((await merchant({ cmd: "Refund", order_no: no, amount: 400 })).json.result, 0);
    await until("first part", () => s.record(no), (o) => o.refunds[0]?.status === "succeeded");
    assert.equal((await s.record(no)).state, 1);
    assert.equal(s.sandbox.state.alipay.get(no).trade_status, "TRADE_SUCCESS", "a partial refund leaves the trade open");
    assert.equal((await merchant({ cmd: "Refund", order_no: no })).json.result, 0);
    const rec = await until("refunded", () => s.record(no), (o) => o.state === 3);
    assert.deepEqual(rec.refunds.map((r) => r.amount), [400, 600]);
    assert.equal(rec.history.at(-1).source, "alipay_refund_notify");
  });

  it("answers a pending refund as pending, and the object settles it with no one asking", async () => {
    const no = "obj_pending01";
    await paidWechat(no, 800);
    await s.sandboxPost("/sandbox/refunds", { status: "PROCESSING" });
    try {
      const r = await merchant({ cmd: "Refund", order_no: no });
      assert.deepEqual([r.json.result, r.json.refund.status, r.json.order.pay_state], [0, "requested", 1]);
      const again = await merchant({ cmd: "Refund", order_no: no });
      assert.deepEqual([again.json.result, again.json.refund.refund_no], [0, r.json.refund.refund_no], "pending, not an error");
      assert.equal(s.sandbox.state.wechat.get(no).refunds.length, 1);
    } finally {
      await s.sandboxPost("/sandbox/refunds", {});
    }
    await s.sandboxPost("/sandbox/settle", { out_trade_no: no, status: "SUCCESS" });
    const rec = await until("the alarm's refundquery", () => s.projection(no), (p) => p?.metadata?.pay_state === 3, 30_000);
    assert.equal(rec.view.refunded_fee, 800);
  });

  it("retries a failed WeChat refund under the same refund_no with a fresh provider number", async () => {
    const no = "obj_retry_001";
    await paidWechat(no, 600);
    await s.sandboxPost("/sandbox/refunds", { status: "REFUNDCLOSE" });
    let first;
    try {
      first = await merchant({ cmd: "Refund", order_no: no, refund_no: "m-77" });
      assert.deepEqual([first.json.result, first.json.refund.status], [0, "failed"], first.text);
      assert.equal(first.json.refund.detail, "REFUNDCLOSE");
    } finally {
      await s.sandboxPost("/sandbox/refunds", {});
    }
    const retry = await merchant({ cmd: "Refund", order_no: no, refund_no: "m-77" });
    assert.deepEqual([retry.json.result, retry.json.refund.status, retry.json.refund.attempts], [0, "succeeded", 2]);
    assert.notEqual(retry.json.refund.provider_refund_no, first.json.refund.provider_refund_no);
    assert.equal(retry.json.order.pay_state, 3);
    assert.deepEqual(s.sandbox.state.wechat.get(no).refunds.map((r) => r.status), ["REFUNDCLOSE", "SUCCESS"]);
  });
});

describe("the object checks the providers itself", () => {
  it("finds a payment whose notify never came, with no page polling", async () => {
    const no = "obj_alarm_001";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    const started = Date.now();
    // Only KV is read while waiting: nothing here touches the order's object.
    const p = await until("the alarm's orderquery", () => s.projection(no), (v) => v?.metadata?.pay_state === 1, 60_000);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 60, `found after ${seconds} s`);
    assert.equal((await s.record(no)).payment.source, "wechat_query");
    console.log(`alarm found the unnotified payment after ${seconds.toFixed(1)} s`);
    assert.equal(p.view.transaction_id, s.sandbox.state.wechat.get(no).transaction_id);
  });

  it("asks a provider at most once per 3 s however many pages poll, and writes nothing when nothing changed", async () => {
    const no = "obj_amplify01";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    const before = queries(no);
    const polls = await Promise.all(Array.from({ length: 60 }, () => s.state(no)));
    assert.ok(polls.every((p) => p.result === 0 && p.pay_state === 0));
    assert.equal(queries(no) - before, 1, "60 concurrent polls → one orderquery");
    const projected = await s.projection(no);
    for (let i = 0; i < 10; i++) await s.state(no);
    assert.equal(queries(no) - before, 1, "polls within 3 s ask nothing");
    assert.deepEqual(await s.projection(no), projected, "an unchanged order is not written");
  });

  it("cancels an expired order at the providers on its own", async () => {
    const no = "obj_expire_01";
    // 120 s: a WeChat code needs a minute left (a 60 s order has one only in its first second).
    await s.createOrder(no, 300, { expire_seconds: 120 });
    await s.codeUrl(no);
    await s.age(no, 145); // 5 s before expiry + grace: the alarm fires then
    const p = await until("the expiry alarm", () => s.projection(no), (v) => v?.metadata?.pay_state === 2, 30_000);
    assert.equal(p.view.pay_state, 2);
    assert.equal(s.sandbox.state.wechat.get(no).trade_state, "CLOSED");
    assert.equal((await s.record(no)).closure.reason, "expired");
  });
});

describe("KV is a projection", () => {
  it("lists orders by state from KV metadata, with paging", async () => {
    const paid = await until("projection", () => merchant({ cmd: "ListOrders", state: 1, limit: 1000 }), (r) => r.json.orders.some((o) => o.order_no === "obj_both_0001"));
    assert.ok(paid.json.orders.every((o) => o.pay_state === 1));
    const first = await merchant({ cmd: "ListOrders", limit: 2 });
    assert.equal(first.json.orders.length, 2);
    assert.ok(first.json.cursor, "more pages");
    const second = await merchant({ cmd: "ListOrders", limit: 2, cursor: first.json.cursor });
    assert.equal(second.json.result, 0);
    assert.ok(!second.json.orders.some((o) => first.json.orders.some((f) => f.order_no === o.order_no)));
    assert.equal((await s.api({ cmd: "ListOrders" })).json.result, -5, "merchant only");
  });

  it("garbage written over an order's projection changes no answer, and the next change rewrites it", async () => {
    const no = "obj_garbage01";
    await s.createOrder(no, 300);
    await s.codeUrl(no);
    await until("projection", () => s.projection(no), (p) => p !== null);
    await s.kv.put(`order:${no}`, "{not json", { metadata: { pay_state: 3 } });
    assert.equal((await s.state(no)).pay_state, 0);
    assert.equal((await s.record(no)).state, 0);
    const listed = await merchant({ cmd: "ListOrders", limit: 1000 });
    assert.equal(listed.json.result, 0, "a garbage key is skipped, not fatal");
    assert.ok(!listed.json.orders.some((o) => o.order_no === no));
    await s.pay("wechat", no);
    assert.equal((await s.state(no)).pay_state, 1);
    const p = await until("rewritten", () => s.projection(no).catch(() => null), (v) => v?.metadata?.pay_state === 1);
    assert.equal(p.view.pay_state, 1);
  });
});

describe("settings", () => {
  it("ALIPAY_IT_B_PAY=on signs it_b_pay into the cashier URL; RETURN_URL_ORIGINS narrows return_url", async () => {
    const t = await startStack({ vars: { ALIPAY_IT_B_PAY: "on", RETURN_URL_ORIGINS: "https://pay.shop.example" } });
    try {
      await t.createOrder("obj_itbpay_01", 100, { expire_seconds: 1800 });
      const refused = await t.api({ cmd: "Pay", order_no: "obj_itbpay_01", type: 1, return_url: "https://shop.example/done" });
      assert.equal(refused.json.result, -22, "ALLOWED_ORIGINS no longer applies once RETURN_URL_ORIGINS is set");
      const r = await t.api({ cmd: "Pay", order_no: "obj_itbpay_01", type: 1, return_url: "https://pay.shop.example/done" });
      assert.equal(r.json.result, 0, r.text);
      const q = new URL(r.json.pay_info.alipay_url).searchParams;
      assert.match(q.get("it_b_pay"), /^(29|30)m$/, "whole minutes left, never past the expiry");
      // The sandbox checks the signature over it and takes the setting.
      const page = await (await fetch(r.json.pay_info.alipay_url)).text();
      assert.match(page, /确认付款/);
      assert.ok(t.sandbox.state.alipay.get("obj_itbpay_01").payable_until > Date.now());
    } finally {
      await t.stop();
    }
  });
});
