// Provider faults from the sandbox's knobs: each gets a documented code, nothing is recorded
// wrongly, and a retry afterwards succeeds.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "../e2e/harness.mjs";

let s;
const tried = [];
before(async () => (s = await startStack({ vars: { PROVIDER_TIMEOUT_MS: "800" } })));
after(async () => {
  console.log(`reliability/faults: ${tried.length} fault cases: ${tried.join(", ")}`);
  await s.stop();
});

// The code each fault must produce on a command that calls the provider.
const EXPECTED = { timeout: -15, http500: -15, garbage: -17, systemerror: -16, badsign: -17 };
let seq = 0;
const fresh = async (amount = 100) => {
  const no = `fault_${String(++seq).padStart(4, "0")}`;
  await s.createOrder(no, amount);
  return no;
};

describe("WeChat unifiedorder faults (WechatPay)", () => {
  for (const [fault, code] of Object.entries({ ...EXPECTED, orderpaid: -16 })) {
    it(`${fault} → ${code}, nothing stored, retry succeeds`, async () => {
      const no = await fresh();
      await s.fault("wechat:unifiedorder", fault, 1, no);
      const r = await s.api({ cmd: "WechatPay", order_no: no });
      assert.equal(r.json.result, code, r.text);
      assert.ok(r.status >= 500 && r.status < 600 && r.status !== 500, `HTTP ${r.status}`);
      const rec = await s.record(no);
      assert.deepEqual(rec.sessions, [], "no session stored");
      assert.equal(rec.state, 0);
      const retry = await s.api({ cmd: "WechatPay", order_no: no });
      assert.equal(retry.json.result, 0, retry.text);
      assert.match((await s.record(no)).sessions[0].code, /^weixin:/);
      tried.push(`unifiedorder ${fault}`);
    });
  }
});

describe("orderquery and single_trade_query faults (WechatPayState)", () => {
  for (const [provider, match] of [["wechat", "wechat:orderquery"], ["alipay", "alipay:single_trade_query"]]) {
    for (const fault of ["timeout", "http500", "garbage", "systemerror", "badsign"]) {
      if (provider === "alipay" && fault === "badsign") continue; // Alipay query replies are not signature-checked (see README)
      it(`${provider} ${fault}: the stored state is answered, then the retry finds the payment`, async () => {
        const no = await fresh();
        if (provider === "wechat") await s.codeUrl(no);
        else await s.openCashier(no);
        await s.pay(provider, no, { notify: false });
        await s.fault(match, fault, 1, no);
        const during = await s.api({ cmd: "WechatPayState", order_no: no });
        assert.equal(during.json.result, 0);
        assert.equal(during.json.pay_state, 0, "nothing recorded from a faulty reply");
        assert.equal((await s.record(no)).state, 0);
        assert.ok(s.logs.some((l) => l.includes("provider_check_failed") && l.includes(no)));
        await new Promise((r) => setTimeout(r, 3100)); // the next check is due after 3 s
        const afterwards = await s.api({ cmd: "WechatPayState", order_no: no });
        assert.equal(afterwards.json.pay_state, 1);
        tried.push(`${provider} query ${fault}`);
      });
    }
  }
});

describe("close faults (CloseOrder)", () => {
  for (const [fault, code] of Object.entries(EXPECTED)) {
    it(`closeorder ${fault} → ${code}, order stays waiting, retry closes`, async () => {
      const no = await fresh();
      await s.codeUrl(no);
      await s.fault("wechat:closeorder", fault, 1, no);
      const r = await s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
      assert.equal(r.json.result, code, r.text);
      assert.equal((await s.record(no)).state, 0);
      const retry = await s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
      assert.equal(retry.json.result, 0, retry.text);
      assert.equal((await s.record(no)).state, 2);
      tried.push(`closeorder ${fault}`);
    });
  }
  for (const fault of ["timeout", "http500", "garbage", "systemerror"]) {
    it(`close_trade ${fault} → ${EXPECTED[fault]}, order stays waiting, retry closes`, async () => {
      const no = await fresh();
      await s.openCashier(no);
      await s.fault("alipay:close_trade", fault, 1, no);
      const r = await s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
      assert.equal(r.json.result, EXPECTED[fault], r.text);
      assert.equal((await s.record(no)).state, 0);
      assert.equal((await s.api({ cmd: "CloseOrder", order_no: no }, { token: true })).json.result, 0);
      tried.push(`close_trade ${fault}`);
    });
  }
});

// Refund faults: refunds.test.mjs.

describe("notify_verify faults (Alipay notify)", () => {
  for (const fault of ["timeout", "http500", "garbage"]) {
    it(`${fault}: the notify gets fail and changes nothing; Alipay's re-send succeeds`, async () => {
      const no = await fresh();
      await s.openCashier(no);
      await s.pay("alipay", no, { notify: false });
      const body = await s.notifyBody("alipay", no);
      await s.fault("alipay:notify_verify", fault);
      const r = await s.post("/notify/alipay", body);
      assert.equal(r.text, "fail");
      assert.equal((await s.record(no)).state, 0);
      assert.equal((await s.post("/notify/alipay", body)).text, "success");
      assert.equal((await s.record(no)).state, 1);
      tried.push(`notify_verify ${fault}`);
    });
  }
});
