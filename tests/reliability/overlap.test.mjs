// A CloseOrder that overlaps a page's request for a payable code: the provider is slow to
// make the code (unifiedorder, v3 native, OpenAPI precreate held 3 s) and the merchant
// closes the order meanwhile. The page never gets a code or URL, the trade made under it is
// closed at the provider, and the order ends cancelled, for both generations.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sleep, startStack, until } from "../e2e/harness.mjs";

let v2;
let v3;
const observed = [];
before(async () => {
  v2 = await startStack({ vars: { PROVIDER_TIMEOUT_MS: "6000" } });
  v3 = await startStack({ vars: { PROVIDER_TIMEOUT_MS: "6000", WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } });
});
after(async () => {
  console.log(`reliability/overlap: ${observed.join("; ")}`);
  await v2?.stop();
  await v3?.stop();
});

const CASES = [
  { name: "WeChat v2 unifiedorder", stack: () => v2, fault: "wechat:unifiedorder", cmd: (no) => ({ cmd: "WechatPay", order_no: no }), closed: (s, no) => s.sandbox.state.requests.some((r) => r.startsWith("POST /pay/closeorder") && r.includes(no)) },
  { name: "WeChat v2 Pay type 2", stack: () => v2, fault: "wechat:unifiedorder", cmd: (no) => ({ cmd: "Pay", order_no: no, type: 2 }), closed: (s, no) => s.sandbox.state.requests.some((r) => r.startsWith("POST /pay/closeorder") && r.includes(no)) },
  { name: "WeChat v3 native", stack: () => v3, fault: "wechat_v3:native", cmd: (no) => ({ cmd: "WechatPay", order_no: no }), closed: (s, no) => s.sandbox.state.requests.some((r) => r.startsWith(`POST /v3/pay/transactions/out-trade-no/${no}/close`)) },
  { name: "Alipay OpenAPI precreate", stack: () => v3, fault: "alipay_openapi:precreate", cmd: (no) => ({ cmd: "AlipayQr", order_no: no }), closed: (s, no) => s.sandbox.state.log.some((l) => l.api === "alipay.trade.close" && l.out_trade_no === no) },
];

describe("close during a slow code", () => {
  let n = 0;
  for (const c of CASES) {
    it(`${c.name}: no code for a cancelled order, the new trade closed`, async () => {
      const s = c.stack();
      const no = `overlap_${String(++n).padStart(3, "0")}`;
      await s.createOrder(no, 300);
      await s.fault(c.fault, "slow", 1, no, 3000);
      const page = s.api(c.cmd(no));
      await sleep(800);
      const close = await s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
      assert.equal(close.json.result, 0, close.text);
      const answer = await page;
      assert.equal(answer.json.result, -12, `the page got: ${answer.text}`);
      for (const key of ["code_url", "qr_code", "pay_info"]) assert.equal(answer.json[key], undefined, `${key} handed out`);
      const rec = await s.record(no);
      assert.equal(rec.state, 2, "cancelled");
      assert.ok(rec.sessions.every((x) => !x.code), `no stored code: ${JSON.stringify(rec.sessions)}`);
      await until("the new trade closed at the provider", async () => c.closed(s, no), (ok) => ok);
      // Later requests for a code are refused as well.
      assert.equal((await s.api(c.cmd(no))).json.result, -12);
      observed.push(`${c.name}: page -12, order cancelled, trade closed`);
    });
  }
});

describe("a code asked while a close is in flight", () => {
  it("the close already asked the provider: the page gets -12 (Alipay's cashier and wap URLs are signed here, with no call that could see the close), and the order ends cancelled", async () => {
    const s = v2;
    const no = "overlap_close_01";
    await s.createOrder(no, 300);
    assert.equal((await s.api({ cmd: "WechatPay", order_no: no })).json.result, 0);
    await s.fault("wechat:closeorder", "slow", 1, no, 3000);
    const close = s.api({ cmd: "CloseOrder", order_no: no }, { token: true });
    await until("the close reached WeChat", async () => s.sandbox.state.requests.some((r) => r.startsWith("POST /pay/closeorder") && r.includes(no)), (ok) => ok);
    const returnUrl = `https://shop.example/done?o=${no}`;
    for (const cmd of [
      { cmd: "Pay", order_no: no, type: 1, return_url: returnUrl },
      { cmd: "Pay", order_no: no, type: 1, device: "mobile", return_url: returnUrl },
      { cmd: "WechatPay", order_no: no },
    ]) {
      const page = await s.api(cmd);
      assert.equal(page.json.result, -12, `${JSON.stringify(cmd)} got: ${page.text}`);
      assert.equal(page.json.pay_info, undefined);
      assert.equal(page.json.code_url, undefined);
    }
    const closed = await close;
    assert.equal(closed.json.result, 0, closed.text);
    const rec = await s.record(no);
    assert.equal(rec.state, 2, "cancelled");
    assert.ok(rec.sessions.every((x) => x.provider !== "alipay"), `no Alipay session was started: ${JSON.stringify(rec.sessions)}`);
    observed.push("close in flight: page -12, order cancelled");
  });
});
