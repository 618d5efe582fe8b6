// What a genuine message must also say before it counts: the currency is CNY wherever the
// provider states one (a correctly signed notify in USD is refused, logged, and changes
// nothing), what the buyer paid is kept as `payer_total`, and every provider gateway and
// PUBLIC_BASE_URL is https unless it is loopback (the commands that need it answer -19;
// CreateOrder, which calls no provider, still works).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseWechatXml, toWechatXml, wechatSigned } from "../sandbox/wire.mjs";
import { DEV, startStack, until } from "../e2e/harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

/** A genuine WeChat notify for `no`, with `changes`, signed again with the merchant's key. */
async function wechatNotify(no, changes) {
  const fields = { ...parseWechatXml(await s.notifyBody("wechat", no)), ...changes };
  delete fields.sign;
  delete fields.sign_type;
  return toWechatXml(wechatSigned(fields, DEV.WECHAT_API_KEY, DEV.WECHAT_SIGN_TYPE, { declare: false }));
}

describe("currency and the payer's amount", () => {
  it("a signed WeChat notify in USD is refused and logged; the order is unchanged", async () => {
    const no = "check_ccy_01";
    await s.createOrder(no, 500);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    const before = await s.snapshot(no);
    const r = await s.post("/notify/wechat", await wechatNotify(no, { fee_type: "USD" }));
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<return_code><!\[CDATA\[FAIL\]\]>/);
    assert.equal(await s.snapshot(no), before, "nothing changed");
    assert.ok(s.logs.some((l) => l.includes(no) && /currency|USD/.test(l)), "the refusal is logged with its reason");
    // The same notify in CNY pays it.
    const ok = await s.post("/notify/wechat", await wechatNotify(no, {}));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await s.record(no)).state, 1);
  });

  it("keeps what the buyer paid (cash_fee) beside the order amount", async () => {
    const no = "check_cash_01";
    await s.createOrder(no, 1000);
    await s.codeUrl(no);
    await s.pay("wechat", no, { notify: false });
    // A coupon of 1.50: the buyer paid 8.50 of 10.00.
    const r = await s.post("/notify/wechat", await wechatNotify(no, { cash_fee: "850", coupon_fee: "150" }));
    assert.equal(r.status, 200, r.text);
    const rec = await s.record(no);
    assert.deepEqual([rec.payment.amount, rec.payment.payer_total], [1000, 850]);
  });

  it("keeps Alipay OpenAPI's buyer_pay_amount", async () => {
    const v3 = await startStack({ vars: { ALIPAY_API: "openapi" } });
    try {
      const no = "check_cash_02";
      await v3.createOrder(no, 1990);
      await v3.openCashier(no);
      await v3.pay("alipay", no);
      const rec = await until("paid", () => v3.record(no), (o) => o.state === 1);
      assert.deepEqual([rec.payment.amount, rec.payment.payer_total], [1990, 1990]);
    } finally {
      await v3.stop();
    }
  });
});

describe("https gateways", () => {
  const cases = [
    { name: "WECHAT_API_BASE over http", vars: { WECHAT_API_BASE: "http://api.mch.weixin.qq.com" }, cmd: (no) => ({ cmd: "WechatPay", order_no: no }) },
    { name: "ALIPAY_GATEWAY over http", vars: { ALIPAY_GATEWAY: "http://mapi.alipay.com/gateway.do" }, cmd: (no) => ({ cmd: "Pay", order_no: no, type: 1, return_url: "https://shop.example/done" }) },
    { name: "PUBLIC_BASE_URL over http", vars: { PUBLIC_BASE_URL: "http://pay.example.com" }, cmd: (no) => ({ cmd: "WechatPay", order_no: no }) },
  ];
  for (const c of cases) {
    it(`${c.name}: -19 for the commands that need it, CreateOrder still works, nothing is sent`, async () => {
      const t = await startStack({ vars: c.vars });
      try {
        const no = "check_https_01";
        await t.createOrder(no, 100);
        const r = await t.api(c.cmd(no));
        assert.deepEqual([r.status, r.json.result], [500, -19], r.text);
        assert.match(r.json.msg, /https/);
        assert.deepEqual(t.sandbox.state.requests, [], "no provider request");
      } finally {
        await t.stop();
      }
    });
  }
});
