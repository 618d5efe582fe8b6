// Storms on one order: page polls, duplicate notifies, CloseOrder and Refund fired together
// in every order of the three money events (and at once), for both wallets. Whatever
// interleaving the order's object sees, the order is never lost, never moves backwards,
// and ends as the provider knows it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "../e2e/harness.mjs";

let s;
const observed = [];
before(async () => (s = await startStack()));
after(async () => {
  console.log(`reliability/storms: ${observed.join("; ")}`);
  await s.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

// Allowed moves of pay_state: waiting → paid | cancelled, cancelled → paid (a late
// payment), paid → refunded. Nothing else, ever.
const ALLOWED = new Set(["0>1", "0>2", "2>1", "1>3"]);

async function storm(provider, no, sequence) {
  await s.createOrder(no, 900);
  if (provider === "wechat") await s.codeUrl(no);
  else await s.openCashier(no);
  await s.pay(provider, no, { notify: false });
  const body = await s.notifyBody(provider, no);
  const actions = {
    notify: async () => Promise.all(Array.from({ length: 10 }, () => s.post(`/notify/${provider}`, body))),
    close: async () => s.api({ cmd: "CloseOrder", order_no: no }, { token: true }),
    refund: async () => s.api({ cmd: "Refund", order_no: no, amount: 300, refund_no: "storm" }, { token: true }),
  };
  const polls = Array.from({ length: 20 }, (_, i) => sleep(i * 3).then(() => s.state(no)));
  // Each step starts a few ms after the previous one, so the object sees them interleaved.
  const steps = sequence.map((name, i) => sleep(i * 4).then(actions[name]));
  const [results] = await Promise.all([Promise.all(steps), Promise.all(polls)]);
  return Object.fromEntries(sequence.map((name, i) => [name, results[i]]));
}

function checkInvariants(rec, provider, txAtProvider) {
  for (const t of rec.history) assert.ok(ALLOWED.has(`${t.from}>${t.to}`), `illegal move ${t.from}>${t.to}`);
  for (let i = 1; i < rec.history.length; i++) assert.equal(rec.history[i].from, rec.history[i - 1].to);
  // The provider took the money: the order holds that payment, whatever else happened.
  assert.ok([1, 3].includes(rec.state) || rec.payment === null, `state ${rec.state}`);
  if (rec.state === 2) assert.equal(rec.payment, null);
  const tx = [rec.payment, ...rec.extra_payments].filter(Boolean).map((p) => p.transaction_id);
  return tx.includes(txAtProvider);
}

describe("storms of polls, notifies, close and refund on one order", () => {
  for (const provider of ["wechat", "alipay"]) {
    it(`${provider}: every order of notify, close and refund keeps the payment and moves only forward`, async () => {
      const orders = [...permutations(["notify", "close", "refund"]), ["all at once"]];
      let n = 0;
      const outcomes = {};
      for (const seq of orders) {
        const no = `storm_${provider.slice(0, 3)}_${String(n++).padStart(2, "0")}`;
        const sequence = seq[0] === "all at once" ? ["notify", "close", "refund"] : seq;
        const replies = seq[0] === "all at once" ? await stormAtOnce(provider, no) : await storm(provider, no, sequence);
        // The providers know the money is paid: the notifies are acknowledged…
        const acked = replies.notify.filter((r) => r.status === 200).length;
        assert.equal(acked, 10, `${no}: every notify acknowledged (${replies.notify.map((r) => r.status)})`);
        // …the close never cancels it (the provider took the money before the storm, so
        // closing finds the payment), and the refund is either refused as "not paid yet"
        // (it came first) or recorded.
        assert.equal(replies.close.json.result, -14, replies.close.text);
        assert.ok([0, -14].includes(replies.refund.json.result), replies.refund.text);
        // Settle: the object's own checks and the Alipay refund notify may still be running.
        await sleep(300);
        const rec = await s.record(no);
        const tx = provider === "wechat" ? s.sandbox.state.wechat.get(no).transaction_id : s.sandbox.state.alipay.get(no).trade_no;
        assert.ok(checkInvariants(rec, provider, tx), `${no}: the payment ${tx} was lost: ${JSON.stringify(rec)}`);
        assert.equal(rec.state, 1, `${no}: paid (a 300 of 900 refund leaves it paid)`);
        if (replies.refund.json.result === 0) assert.equal(rec.refunds.length, 1);
        else assert.equal(rec.refunds.length, 0);
        assert.deepEqual(rec.history.map((t) => t.to), [1], "one transition, to paid: never cancelled first");
        const key = `${seq.join(">")}: close ${replies.close.json.result}, refund ${replies.refund.json.result}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
      observed.push(`${provider}: ${orders.length} interleavings, all paid, payment kept (${Object.keys(outcomes).join("; ")})`);
    });
  }
});

async function stormAtOnce(provider, no) {
  await s.createOrder(no, 900);
  if (provider === "wechat") await s.codeUrl(no);
  else await s.openCashier(no);
  await s.pay(provider, no, { notify: false });
  const body = await s.notifyBody(provider, no);
  const [notify, close, refund] = await Promise.all([
    Promise.all(Array.from({ length: 10 }, () => s.post(`/notify/${provider}`, body))),
    s.api({ cmd: "CloseOrder", order_no: no }, { token: true }),
    s.api({ cmd: "Refund", order_no: no, amount: 300, refund_no: "storm" }, { token: true }),
    ...Array.from({ length: 20 }, () => s.state(no)),
  ]);
  return { notify, close, refund };
}

describe("a close that wins the race against an unnotified payment", () => {
  it("is answered by the provider's truth: the order ends paid, never cancelled with money taken", async () => {
    let paid = 0;
    for (let i = 0; i < 10; i++) {
      const no = `storm_close_${String(i).padStart(2, "0")}`;
      await s.createOrder(no, 200);
      await s.codeUrl(no);
      await s.pay("wechat", no, { notify: false });
      const [close] = await Promise.all([
        s.api({ cmd: "CloseOrder", order_no: no }, { token: true }),
        ...Array.from({ length: 10 }, () => s.state(no)),
      ]);
      // WeChat refuses to close a paid order (ORDERPAID): the close finds the payment.
      assert.equal(close.json.result, -14, close.text);
      const rec = await s.record(no);
      assert.equal(rec.state, 1);
      assert.equal(rec.payment.transaction_id, s.sandbox.state.wechat.get(no).transaction_id);
      paid++;
    }
    observed.push(`close vs unnotified payment: ${paid}/10 paid`);
  });
});
