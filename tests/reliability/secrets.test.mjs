// Secrets: after a workload that touches every path (both wallets, notifies, returns,
// close, refund, errors and faults, webhooks), no reply, log line, KV value, provider
// request or webhook delivery contains a provider key, the merchant token or the webhook
// secret.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { assertNoSecrets } from "./leaks.mjs";
import { DEV, startStack } from "../e2e/harness.mjs";
import { startReceiver } from "../e2e/receiver.mjs";

let s;
let hook;
before(async () => {
  hook = await startReceiver();
  s = await startStack({ vars: { WEBHOOK_URL: hook.url, WEBHOOK_SECRET: DEV.WEBHOOK_SECRET } });
});
after(async () => {
  await s.stop();
  await hook.close();
});

it("no secret appears in replies, logs, KV or provider traffic", async () => {
  const secrets = { WECHAT_API_KEY: s.bindings.WECHAT_API_KEY, ALIPAY_KEY: s.bindings.ALIPAY_KEY, MERCHANT_TOKEN: s.bindings.MERCHANT_TOKEN, WEBHOOK_SECRET: s.bindings.WEBHOOK_SECRET };
  assert.ok(secrets.WEBHOOK_SECRET.length >= 32);
  // Workload.
  for (const [no, wallet] of [["sec_wx_0001", "wechat"], ["sec_ali_001", "alipay"]]) {
    await s.createOrder(no, 321);
    if (wallet === "wechat") await s.codeUrl(no);
    else await s.openCashier(no);
    await s.pay(wallet, no);
    await s.state(no);
    await s.api({ cmd: "Refund", order_no: no }, { token: true });
    await s.api({ cmd: "QueryOrder", order_no: no }, { token: true });
  }
  await s.createOrder("sec_close_01", 5);
  await s.codeUrl("sec_close_01");
  await s.api({ cmd: "CloseOrder", order_no: "sec_close_01" }, { token: true });
  await s.api({ cmd: "CreateOrder", order_no: "sec_x_00001", total_fee: 1, subject: "x" }, { token: "wrong" });
  await s.api(null, { raw: "{bad json" });
  await s.post("/notify/wechat", "<xml><sign>x</sign></xml>");
  await s.post("/notify/alipay", "sign=x&sign_type=MD5");
  await s.fault("wechat:unifiedorder", "badsign");
  await s.createOrder("sec_fault_01", 5);
  await s.api({ cmd: "WechatPay", order_no: "sec_fault_01" });
  const cashier = await fetch(`${s.sandboxUrl}/alipay/cashier/pay`, { method: "POST", body: "out_trade_no=sec_ali_001", redirect: "manual" });
  await fetch(cashier.headers.get("location") ?? s.url, { redirect: "manual" });

  for (let i = 0; i < 50 && hook.received.length < 4; i++) await new Promise((r) => setTimeout(r, 100));
  await s.api({ cmd: "ListEvents", order_no: "sec_wx_0001" }, { token: true });

  // Everything the outside world could see.
  const kvValues = [];
  for (const { name } of (await s.kv.list()).keys) kvValues.push(`${name}=${await s.kv.get(name)}`);
  const notifyReplies = [...s.sandbox.state.wechat.values(), ...s.sandbox.state.alipay.values()].flatMap((o) => o.notifies.map((n) => JSON.stringify(n)));
  const haystacks = {
    replies: s.replies.map((r) => `${r.headers}\n${r.text}`),
    logs: s.logs,
    kv: kvValues,
    "notify replies": notifyReplies,
    "provider requests": s.sandbox.state.requests,
    "webhook deliveries": hook.received.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`),
  };
  console.log(`reliability/secrets: ${assertNoSecrets(haystacks, secrets)}`);
});
