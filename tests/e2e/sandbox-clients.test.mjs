// The sandbox proven against code we did not write: npm's wechatpay-axios-plugin (the
// community's WeChat Pay v3 client; it signs every request and verifies every response
// against `certs`) drives the sandbox's v3 Native API through create, query, close and
// refund, and decrypts the sandbox's notify resource with its own AES-GCM code.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Aes, Wechatpay } from "wechatpay-axios-plugin";
import { startSandbox } from "../sandbox/server.mjs";
import { DEV, freePort } from "./harness.mjs";

let sandbox;
let wxpay;
let base;
before(async () => {
  const port = await freePort();
  sandbox = await startSandbox({ port, quiet: true });
  base = `http://127.0.0.1:${port}/`;
  wxpay = new Wechatpay({
    mchid: DEV.WECHAT_MCH_ID,
    serial: DEV.WECHAT_CERT_SERIAL,
    privateKey: DEV.WECHAT_PRIVATE_KEY,
    certs: { [DEV.WECHAT_PAY_PUBLIC_KEY_ID]: DEV.WECHAT_PAY_PUBLIC_KEY },
    baseURL: base,
  });
});
after(() => sandbox.close());

const order = (no, total = 1990) => ({
  appid: DEV.WECHAT_APPID,
  mchid: DEV.WECHAT_MCH_ID,
  description: "测试商品 Test item",
  out_trade_no: no,
  notify_url: "http://127.0.0.1:9/notify/wechat/v3",
  time_expire: "2030-01-01T00:00:00+08:00",
  amount: { total, currency: "CNY" },
});

async function refused(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected the call to fail");
}

describe("wechatpay-axios-plugin against the sandbox's v3", () => {
  it("creates, queries, pays, refunds in part, and verifies every response", async () => {
    const no = "axios_v3_0001";
    const { data } = await wxpay.v3.pay.transactions.native.post(order(no));
    assert.match(data.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const q = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: DEV.WECHAT_MCH_ID }, out_trade_no: no });
    assert.equal(q.data.trade_state, "NOTPAY");
    await fetch(`${base}sandbox/pay`, { method: "POST", body: JSON.stringify({ provider: "wechat", out_trade_no: no, notify: false }) });
    const paid = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: DEV.WECHAT_MCH_ID }, out_trade_no: no });
    assert.equal(paid.data.trade_state, "SUCCESS");
    assert.equal(paid.data.amount.total, 1990);
    const r = await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: no, out_refund_no: `${no}r1`, amount: { refund: 990, total: 1990, currency: "CNY" } });
    assert.equal(r.data.status, "SUCCESS");
    const rq = await wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: `${no}r1` });
    assert.equal(rq.data.amount.refund, 990);
    const tooMuch = await refused(wxpay.v3.refund.domestic.refunds.post({ out_trade_no: no, out_refund_no: `${no}r2`, amount: { refund: 1001, total: 1990, currency: "CNY" } }));
    assert.equal(tooMuch.response?.data?.code, "NOT_ENOUGH");
  });

  it("closes an unpaid order (204, signed empty body); a closed order cannot be created again", async () => {
    await wxpay.v3.pay.transactions.native.post(order("axios_v3_0002"));
    const closed = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: DEV.WECHAT_MCH_ID }, { out_trade_no: "axios_v3_0002" });
    assert.equal(closed.status, 204);
    const again = await refused(wxpay.v3.pay.transactions.native.post(order("axios_v3_0002")));
    assert.equal(again.response?.data?.code, "ORDER_CLOSED");
  });

  it("the client refuses a reply whose signature the sandbox broke", async () => {
    await fetch(`${base}sandbox/faults`, { method: "POST", body: JSON.stringify({ match: "wechat_v3:native", fault: "badsign", times: 1 }) });
    const e = await refused(wxpay.v3.pay.transactions.native.post(order("axios_v3_0003")));
    assert.doesNotMatch(String(e.message), /code_url/);
    assert.ok(!e.response || e.response.status === 200, "refused by the client's verification, not by the sandbox");
  });

  it("the sandbox refuses a request signed with another key", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
    const forger = new Wechatpay({ mchid: DEV.WECHAT_MCH_ID, serial: DEV.WECHAT_CERT_SERIAL, privateKey: other, certs: { [DEV.WECHAT_PAY_PUBLIC_KEY_ID]: DEV.WECHAT_PAY_PUBLIC_KEY }, baseURL: base });
    const e = await refused(forger.v3.pay.transactions.native.post(order("axios_v3_0004")));
    assert.equal(e.response?.status, 401);
    assert.equal(e.response?.data?.code, "SIGN_ERROR");
    assert.equal(sandbox.state.wechat.has("axios_v3_0004"), false, "nothing was created");
  });

  it("its AES-GCM opens the sandbox's notify resource", async () => {
    const no = "axios_v3_0005";
    await wxpay.v3.pay.transactions.native.post(order(no, 1200));
    const r = await fetch(`${base}sandbox/pay`, { method: "POST", body: JSON.stringify({ provider: "wechat", out_trade_no: no, times: 1 }) });
    assert.equal(r.status, 200);
    const o = sandbox.state.wechat.get(no);
    assert.equal(o.notifies.length, 1, "one delivery attempted (to a port nobody listens on)");
    // The same body the sandbox sent, rebuilt through its helper, opened by the client's Aes.
    const sent = sandbox.notifyV3(o);
    const { resource } = JSON.parse(sent.body);
    const plain = JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, DEV.WECHAT_APIV3_KEY, resource.nonce, resource.associated_data));
    assert.equal(plain.out_trade_no, no);
    assert.equal(plain.trade_state, "SUCCESS");
    assert.equal(plain.amount.total, 1200);
  });
});
