// The sandbox's Alipay OpenAPI proven against code we did not write: npm's alipay-sdk (the
// official Node SDK, option `gateway`) signs each request with RSA2 and, with
// `validateSign`, verifies each response over its exact raw text; it drives the sandbox
// through precreate, query, close and partial refunds.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AlipaySdk } from "alipay-sdk";
import { startSandbox } from "../sandbox/server.mjs";
import { DEV, freePort } from "./harness.mjs";

let sandbox;
let sdk;
let base;
before(async () => {
  const port = await freePort();
  sandbox = await startSandbox({ port, quiet: true });
  base = `http://127.0.0.1:${port}`;
  sdk = new AlipaySdk({ appId: DEV.ALIPAY_APP_ID, privateKey: DEV.ALIPAY_APP_PRIVATE_KEY, alipayPublicKey: DEV.ALIPAY_PUBLIC_KEY, gateway: `${base}/gateway.do`, camelcase: false });
});
after(() => sandbox.close());

const checked = { validateSign: true };

describe("alipay-sdk against the sandbox's OpenAPI", () => {
  it("precreates a QR trade, queries it, and refunds a paid one in parts", async () => {
    const no = "sdk_open_0001";
    const pre = await sdk.exec("alipay.trade.precreate", { bizContent: { out_trade_no: no, total_amount: "19.90", subject: "测试商品 Test item" } }, checked);
    assert.equal(pre.code, "10000");
    assert.match(pre.qr_code, /^https:\/\/qr\.alipay\.com\//);
    assert.equal((await sdk.exec("alipay.trade.query", { bizContent: { out_trade_no: no } }, checked)).trade_status, "WAIT_BUYER_PAY");
    await fetch(`${base}/sandbox/pay`, { method: "POST", body: JSON.stringify({ provider: "alipay", out_trade_no: no }) });
    const paid = await sdk.exec("alipay.trade.query", { bizContent: { out_trade_no: no } }, checked);
    assert.deepEqual([paid.trade_status, paid.total_amount], ["TRADE_SUCCESS", "19.90"]);
    const part = await sdk.exec("alipay.trade.refund", { bizContent: { out_trade_no: no, refund_amount: "9.90", out_request_no: "r1" } }, checked);
    assert.deepEqual([part.code, part.refund_fee], ["10000", "9.90"]);
    const q = await sdk.exec("alipay.trade.fastpay.refund.query", { bizContent: { out_trade_no: no, out_request_no: "r1" } }, checked);
    assert.deepEqual([q.refund_status, q.refund_amount], ["REFUND_SUCCESS", "9.90"]);
    const over = await sdk.exec("alipay.trade.refund", { bizContent: { out_trade_no: no, refund_amount: "10.01", out_request_no: "r2" } }, checked);
    assert.equal(over.sub_code, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
  });

  it("closes an unpaid trade; an unknown one is ACQ.TRADE_NOT_EXIST", async () => {
    await sdk.exec("alipay.trade.precreate", { bizContent: { out_trade_no: "sdk_open_0002", total_amount: "1.00", subject: "x" } }, checked);
    assert.equal((await sdk.exec("alipay.trade.close", { bizContent: { out_trade_no: "sdk_open_0002" } }, checked)).code, "10000");
    assert.equal((await sdk.exec("alipay.trade.query", { bizContent: { out_trade_no: "sdk_open_0002" } }, checked)).trade_status, "TRADE_CLOSED");
    assert.equal((await sdk.exec("alipay.trade.query", { bizContent: { out_trade_no: "nobody_0001" } }, checked)).sub_code, "ACQ.TRADE_NOT_EXIST");
  });

  it("the sandbox refuses a request signed with another app key, and the SDK a response signed by another Alipay key", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const pair = () => generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forger = new AlipaySdk({ appId: DEV.ALIPAY_APP_ID, privateKey: pair().privateKey.export({ type: "pkcs8", format: "pem" }), keyType: "PKCS8", alipayPublicKey: DEV.ALIPAY_PUBLIC_KEY, gateway: `${base}/gateway.do`, camelcase: false });
    const refused = await forger.exec("alipay.trade.precreate", { bizContent: { out_trade_no: "sdk_open_0003", total_amount: "1.00", subject: "x" } }, checked);
    assert.equal(refused.sub_code, "isv.invalid-signature");
    assert.equal(sandbox.state.alipayOpen.has("sdk_open_0003"), false, "nothing was created");
    const wrongAlipay = pair().publicKey.export({ type: "spki", format: "der" }).toString("base64");
    const suspicious = new AlipaySdk({ appId: DEV.ALIPAY_APP_ID, privateKey: DEV.ALIPAY_APP_PRIVATE_KEY, alipayPublicKey: wrongAlipay, gateway: `${base}/gateway.do`, camelcase: false });
    await assert.rejects(suspicious.exec("alipay.trade.query", { bizContent: { out_trade_no: "sdk_open_0001" } }, checked), /验签|sign/i);
  });
});
