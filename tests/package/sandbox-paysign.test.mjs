// The sandbox's JSAPI paySign code (tests/sandbox/wechat_mobile.mjs, what its WeixinJSBridge
// stand-in checks) against the vectors of protocols-mobile.md §2: WeChat's published generic
// signing example (WxJava SignUtilsTest), the self-computed v2 paySign vectors (MD5 and
// HMAC-SHA256), and the self-computed v3 vector made with wechatpay-go's published test key
// (core/auth/signers/sha256withrsa_signer_test.go, which also pins that key by the
// signature of "source").
import assert from "node:assert/strict";
import { createHash, createHmac, createPublicKey, createSign } from "node:crypto";
import { describe, it } from "node:test";
import { jsapiPaySignV2, verifyJsapiPaySignV3 } from "../sandbox/wechat_mobile.mjs";
import { wechatSign } from "../sandbox/wire.mjs";

const KEY = "192006250b4c09247ec02edce69f6a2d";
const PARAMS = { appId: "wx2421b1c4370ec43b", timeStamp: "1395712654", nonceStr: "e61463f8efa94090b1f366cccfbbb444", package: "prepay_id=u802345jgfjsdfgsdg888" };

// wechatpay-go's test key, as its test writes it ("TESTING KEY" for "PRIVATE KEY").
const GO_TEST_KEY = `-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END TESTING KEY-----`.replaceAll("TESTING KEY", "PRIVATE KEY");
const GO_SOURCE_SIGNATURE =
  "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";
const V3_VECTOR =
  "n3UxQRfz06PjCeP2e4/vWKLwM3UypNfNRaOJHoPHbC+uKGtmOfA7rYYMq76l+Qt9lPWxPHOc3Swm+tqPfQ+jkrxq8VEu67g7s+V+6zI8KpqRw6Gvy/kQQTNOdpHG7RCV925DHI10yW2pS6ak9HFSltHHb8diALGMxIkBJVmAwMesl8MX5YvTfjtdo5rtuUI+XuD2xu4mzXcrdtzAfkebIfTup2bEDHX5lQHZttqD+EIyOP8JTJz1jMYSac8uMVymuV9ncOxWvzvSzrNWJNz2xLK0Bvi2sbWEAUp4R2DM1Ex9DYjkUIbXorG0htClP0mV7ca3p9Rocr0As1fJFrS+Eg==";

describe("JSAPI paySign vectors (protocols-mobile.md §2)", () => {
  it("the sandbox's v2 signing reproduces WeChat's published generic example", () => {
    const fields = { appid: "wxd930ea5d5a258f4f", body: "test", device_info: "1000", mch_id: "10000100", nonce_str: "ibuaiVcKdpRxkhJA" };
    assert.equal(wechatSign(fields, KEY, "MD5"), "9A0A8659F005D6984697E2CA0A9CF3B7");
    assert.equal(wechatSign(fields, KEY, "HMAC-SHA256"), "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6");
  });

  it("v2 paySign: MD5 and HMAC-SHA256 vectors, and a second computation by hand", () => {
    assert.equal(jsapiPaySignV2({ ...PARAMS, signType: "MD5" }, KEY), "0784A14C2CD35747364F62512E724FD8");
    assert.equal(jsapiPaySignV2({ ...PARAMS, signType: "HMAC-SHA256" }, KEY), "09064E137ACF9AEAA1B73E43E70968EC55B3952D4BC0A6FCEBB6F86FB2912319");
    const text = (t) => `appId=${PARAMS.appId}&nonceStr=${PARAMS.nonceStr}&package=${PARAMS.package}&signType=${t}&timeStamp=${PARAMS.timeStamp}&key=${KEY}`;
    assert.equal(createHash("md5").update(text("MD5")).digest("hex").toUpperCase(), "0784A14C2CD35747364F62512E724FD8");
    assert.equal(createHmac("sha256", KEY).update(text("HMAC-SHA256")).digest("hex").toUpperCase(), "09064E137ACF9AEAA1B73E43E70968EC55B3952D4BC0A6FCEBB6F86FB2912319");
    // The generic signer over the same five fields agrees (sorted keys, key appended).
    assert.equal(wechatSign({ ...PARAMS, signType: "MD5" }, KEY, "MD5"), "0784A14C2CD35747364F62512E724FD8");
    // Another sign type is not a paySign (v3's RSA on a v2 order fails).
    assert.equal(jsapiPaySignV2({ ...PARAMS, signType: "RSA" }, KEY), null);
  });

  it("v3 paySign: the key is wechatpay-go's, and the sandbox verifies the vector and nothing else", () => {
    assert.equal(createSign("sha256").update("source").sign(GO_TEST_KEY, "base64"), GO_SOURCE_SIGNATURE);
    const message = `${PARAMS.appId}\n${PARAMS.timeStamp}\n${PARAMS.nonceStr}\n${PARAMS.package}\n`;
    assert.equal(createSign("sha256").update(message).sign(GO_TEST_KEY, "base64"), V3_VECTOR);
    const pub = createPublicKey(GO_TEST_KEY).export({ type: "spki", format: "pem" });
    assert.equal(verifyJsapiPaySignV3({ ...PARAMS, paySign: V3_VECTOR }, pub), true);
    assert.equal(verifyJsapiPaySignV3({ ...PARAMS, timeStamp: "1395712655", paySign: V3_VECTOR }, pub), false);
    assert.equal(verifyJsapiPaySignV3({ ...PARAMS, paySign: V3_VECTOR.replace(/^n/, "m") }, pub), false);
    assert.equal(verifyJsapiPaySignV3({ ...PARAMS, paySign: "not base64 at all" }, pub), false);
  });
});
