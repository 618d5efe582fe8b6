// Secrets with WeChat Pay v3 and Alipay OpenAPI: after a workload over every v3/OpenAPI
// path (codes, cashier, notifies, return, refunds, close, forged notifies, a bad reply), no
// reply, log line, KV value, provider request or notify reply contains the APIv3 key, the
// merchant's or the app's private key (as configured or as the PKCS#8 the worker imports),
// or the v2/MAPI keys and the merchant token.
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { after, before, it } from "node:test";
import { assertNoSecrets } from "./leaks.mjs";
import { startStack } from "../e2e/harness.mjs";

let s;
before(async () => (s = await startStack({ vars: { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" } })));
after(() => s.stop());

/** Distinctive pieces of a PEM private key: its body as configured and as PKCS#8 DER. */
function keyPieces(name, pem) {
  const text = pem.replaceAll("\\n", "\n");
  const body = text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const pkcs8 = createPrivateKey(text).export({ type: "pkcs8", format: "der" }).toString("base64");
  const mid = (b64) => b64.slice(Math.floor(b64.length / 2), Math.floor(b64.length / 2) + 48);
  return { [`${name} (as configured)`]: mid(body), [`${name} (PKCS#8)`]: mid(pkcs8) };
}

it("no v3 or OpenAPI secret appears in replies, logs, KV or provider traffic", async () => {
  const b = s.bindings;
  const secrets = {
    WECHAT_APIV3_KEY: b.WECHAT_APIV3_KEY,
    WECHAT_API_KEY: b.WECHAT_API_KEY,
    ALIPAY_KEY: b.ALIPAY_KEY,
    MERCHANT_TOKEN: b.MERCHANT_TOKEN,
    ...keyPieces("WECHAT_PRIVATE_KEY", b.WECHAT_PRIVATE_KEY),
    ...keyPieces("ALIPAY_APP_PRIVATE_KEY", b.ALIPAY_APP_PRIVATE_KEY),
  };
  // Workload.
  await s.createOrder("sv3_wx_0001", 321);
  await s.codeUrl("sv3_wx_0001");
  await s.pay("wechat", "sv3_wx_0001");
  await s.api({ cmd: "Refund", order_no: "sv3_wx_0001", amount: 21 }, { token: true });
  await s.api({ cmd: "Refund", order_no: "sv3_wx_0001" }, { token: true });
  await s.createOrder("sv3_ali_001", 321);
  await s.api({ cmd: "AlipayQr", order_no: "sv3_ali_001" });
  await s.pay("alipay", "sv3_ali_001");
  await s.api({ cmd: "Refund", order_no: "sv3_ali_001" }, { token: true });
  await s.createOrder("sv3_page_01", 5);
  const cashier = await s.openCashier("sv3_page_01");
  const paid = await fetch(`${s.sandboxUrl}/alipay/openapi/cashier/pay`, { method: "POST", body: "out_trade_no=sv3_page_01", redirect: "manual" });
  await fetch(paid.headers.get("location") ?? s.url, { redirect: "manual" });
  assert.ok(cashier.url.includes("sign="));
  await s.createOrder("sv3_close_1", 5);
  await s.codeUrl("sv3_close_1");
  await s.api({ cmd: "AlipayQr", order_no: "sv3_close_1" });
  await s.api({ cmd: "CloseOrder", order_no: "sv3_close_1" }, { token: true });
  const forged = s.sandbox.notifyV3(s.sandbox.state.wechat.get("sv3_wx_0001"));
  await s.post("/notify/wechat/v3", forged.body, { ...forged.headers, "wechatpay-signature": "AAAA" });
  await s.post("/notify/alipay/openapi", "app_id=x&sign_type=RSA2&sign=AAAA");
  await s.fault("wechat_v3:native", "badsign");
  await s.createOrder("sv3_fault_1", 5);
  await s.api({ cmd: "WechatPay", order_no: "sv3_fault_1" });
  await s.api({ cmd: "QueryOrder", order_no: "sv3_wx_0001" }, { token: true });

  const kvValues = [];
  for (const { name } of (await s.kv.list()).keys) kvValues.push(`${name}=${await s.kv.get(name)}`);
  const trades = [...s.sandbox.state.wechat.values(), ...s.sandbox.alipayOpen.trades.values()];
  const haystacks = {
    replies: s.replies.map((r) => `${r.headers}\n${r.text}`),
    logs: s.logs,
    kv: kvValues,
    "notify replies": trades.flatMap((o) => (o.notifies ?? []).map((n) => JSON.stringify(n))),
    "provider requests": s.sandbox.state.requests,
  };
  console.log(`reliability/secrets-v3: ${assertNoSecrets(haystacks, secrets)}`);
});
