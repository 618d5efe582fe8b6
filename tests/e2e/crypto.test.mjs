// The worker's RSA and AES-GCM path inside workerd (paycore's key reading and sign
// strings, then WebCrypto), on the providers' published vectors (core/tests/data/README.md)
// and against node:crypto as an independent implementation.
import assert from "node:assert/strict";
import { X509Certificate, createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TOKEN, startStack } from "./harness.mjs";

let s;
before(async () => (s = await startStack()));
after(() => s.stop());

const data = (f) => readFileSync(join(import.meta.dirname, "../../core/tests/data", f), "utf8");
const PKCS8 = data("wechatpay_go_test_key.pem");
const PKCS1 = data("wechatpay_go_test_key.pkcs1.pem");
const PUB = data("wechatpay_go_test_key.pub.pem");
const CERT = data("alipay_cert_rsa2.crt");
const bare = (pem) => pem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
// wechatpay-go utils/sign_test.go
const SIGNATURE_OF_SOURCE = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";
// alipay-sdk-nodejs-all test/alipay.test.ts ("verify sign should delete sign_type")
const ALIPAY_NOTIFY_KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";
const ALIPAY_NOTIFY = new URLSearchParams({
  gmt_create: "2019-08-15 15:56:22", charset: "utf-8", seller_email: "z97-yuquerevenue@service.aliyun.com", subject: "语雀空间 500人规模",
  sign: "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==",
  buyer_id: "2088102534368455", invoice_amount: "0.10", notify_id: "2019081500222155624068450559358070", fund_bill_list: '[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]',
  notify_type: "trade_status_sync", trade_status: "TRADE_SUCCESS", receipt_amount: "0.10", buyer_pay_amount: "0.10", sign_type: "RSA2", app_id: "2019073166072302",
  seller_id: "2088531891668739", gmt_payment: "2019-08-15 15:56:24", notify_time: "2019-08-15 15:56:25", version: "1.0", out_trade_no: "20190815155618536-564-57",
  total_amount: "0.10", trade_no: "2019081522001468450512505578", auth_app_id: "2019073166072302", buyer_logon_id: "xud***@126.com", point_amount: "0.00",
}).toString();

async function crypto(op) {
  const r = await s.post("/test/crypto", JSON.stringify(op), { authorization: `Bearer ${TOKEN}` });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

describe("RSA and AES-GCM inside workerd", () => {
  it("signs wechatpay-go's vector from every key form a merchant may hold", async () => {
    for (const [form, key] of [["PKCS#8 PEM", PKCS8], ["PKCS#1 PEM", PKCS1], ["bare PKCS#1", bare(PKCS1)], ["bare PKCS#8", bare(PKCS8)], ["one .dev.vars line", PKCS1.replaceAll("\n", "\\n")]]) {
      assert.equal((await crypto({ op: "sign", key, message: "source" })).signature, SIGNATURE_OF_SOURCE, form);
    }
  });

  it("signs what node:crypto signs and verifies only the right key and message", async () => {
    const message = `POST\n/v3/pay/transactions/native\n${Math.floor(Date.now() / 1000)}\nNONCE123\n{"appid":"wx1","amount":{"total":1}}\n`;
    const ours = (await crypto({ op: "sign", key: PKCS1, message })).signature;
    assert.equal(ours, createSign("sha256").update(message).sign(PKCS8, "base64"));
    assert.equal((await crypto({ op: "verify", key: PUB, message, signature: ours })).valid, true);
    assert.equal((await crypto({ op: "verify", key: PUB, message: message + " ", signature: ours })).valid, false);
    assert.equal((await crypto({ op: "verify", key: CERT, message, signature: ours })).valid, false, "another key, read from a certificate");
  });

  it("decrypts wechatpay-go's AES-GCM vector and refuses a wrong key", async () => {
    const vector = { op: "decrypt", key: "testAPIv3Key0000", nonce: "wCq51qZv4Yfg", aad: "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8", ciphertext: "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC" };
    assert.deepEqual(await crypto(vector), { plaintext: "Hello World" });
    assert.match((await crypto({ ...vector, key: "testAPIv3Key1111" })).error, /not authentic/);
    assert.match((await crypto({ ...vector, aad: "transaction" })).error, /not authentic/);
    assert.match((await crypto({ ...vector, key: "short" })).error, /key length/);
    // wechatpay-java's AeadAesCipherTest (a 32-byte APIv3 key), and the certificate in its
    // published /v3/certificates answer (TestConfig's DOWNLOAD_CERTIFICATE_RESPONSE).
    const java = { op: "decrypt", key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", nonce: "uluk4a9R25RW", aad: "associatedData", ciphertext: "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=" };
    assert.deepEqual(await crypto(java), { plaintext: "message" });
    const download = JSON.parse(readFileSync(join(import.meta.dirname, "../../core/tests/data/wechatpay_java_download_certificate.json"), "utf8"));
    const enc = download.data[0].encrypt_certificate;
    const pem = (await crypto({ ...java, nonce: enc.nonce, aad: enc.associated_data, ciphertext: enc.ciphertext })).plaintext;
    assert.equal(new X509Certificate(pem).serialNumber, download.data[0].serial_no);
  });

  it("verifies alipay-sdk's real RSA2 notify over the decoded form", async () => {
    assert.equal((await crypto({ op: "alipay_notify", key: ALIPAY_NOTIFY_KEY, form: ALIPAY_NOTIFY })).valid, true);
    const tampered = ALIPAY_NOTIFY.replace("total_amount=0.10", "total_amount=10.10");
    assert.equal((await crypto({ op: "alipay_notify", key: ALIPAY_NOTIFY_KEY, form: tampered })).valid, false);
  });

  it("checks WeChat-signed bodies: signature, skew, probes", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"EV-1","event_type":"TRANSACTION.SUCCESS"}';
    const signed = (at, sig) => ({
      "Wechatpay-Timestamp": String(at),
      "Wechatpay-Nonce": "n0nce",
      "Wechatpay-Signature": sig ?? createSign("sha256").update(`${at}\nn0nce\n${body}\n`).sign(PKCS8, "base64"),
      "Wechatpay-Serial": "PUB_KEY_ID_0000000000000000000000000000",
      "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    });
    const check = (headers, b = body, at = now) => crypto({ op: "wechat_signed", key: PUB, headers, body: b, now: at });
    assert.deepEqual(await check(signed(now)), { valid: true });
    assert.deepEqual(await check(signed(now), body.replace("EV-1", "EV-2")), { valid: false });
    assert.match((await check(signed(now - 300))).error, /300 s/);
    assert.match((await check(signed(now, `WECHATPAY/SIGNTEST/${signed(now)["Wechatpay-Signature"]}`))).error, /probe/);
  });
});

// protocols-mobile.md §2: JSAPI paySign vectors (v2 self-computed from WeChat's published
// example key; v3 signed with wechatpay-go's test key), made by the worker's own path.
describe("JSAPI paySign inside workerd", () => {
  const inputs = { appid: "wx2421b1c4370ec43b", prepay_id: "u802345jgfjsdfgsdg888", timestamp: "1395712654", nonce: "e61463f8efa94090b1f366cccfbbb444" };
  const expect = (p, signType, paySign) =>
    assert.deepEqual(p, { appId: inputs.appid, timeStamp: inputs.timestamp, nonceStr: inputs.nonce, package: `prepay_id=${inputs.prepay_id}`, signType, paySign });

  it("v2 MD5 and HMAC-SHA256", async () => {
    const key = "192006250b4c09247ec02edce69f6a2d";
    expect(await crypto({ op: "jsapi", ...inputs, api_key: key, sign_type: "MD5" }), "MD5", "0784A14C2CD35747364F62512E724FD8");
    expect(await crypto({ op: "jsapi", ...inputs, api_key: key, sign_type: "HMAC-SHA256" }), "HMAC-SHA256", "09064E137ACF9AEAA1B73E43E70968EC55B3952D4BC0A6FCEBB6F86FB2912319");
  });

  it("v3 RSA through WebCrypto", async () => {
    const vector = "n3UxQRfz06PjCeP2e4/vWKLwM3UypNfNRaOJHoPHbC+uKGtmOfA7rYYMq76l+Qt9lPWxPHOc3Swm+tqPfQ+jkrxq8VEu67g7s+V+6zI8KpqRw6Gvy/kQQTNOdpHG7RCV925DHI10yW2pS6ak9HFSltHHb8diALGMxIkBJVmAwMesl8MX5YvTfjtdo5rtuUI+XuD2xu4mzXcrdtzAfkebIfTup2bEDHX5lQHZttqD+EIyOP8JTJz1jMYSac8uMVymuV9ncOxWvzvSzrNWJNz2xLK0Bvi2sbWEAUp4R2DM1Ex9DYjkUIbXorG0htClP0mV7ca3p9Rocr0As1fJFrS+Eg==";
    expect(await crypto({ op: "jsapi", ...inputs, key: PKCS8 }), "RSA", vector);
  });
});

