// Bad input on every endpoint: each gets its documented answer, never a 5xx, and no order
// changes. Cases are generated (every truncation of a valid body, wrong types for every
// field, hostile XML) and counted.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { alipaySigned, encodeForm, toWechatXml, wechatSigned } from "../sandbox/wire.mjs";
import { DEV, startStack } from "../e2e/harness.mjs";

let s;
let snapshot;
const tried = {};
const count = (category, n = 1) => (tried[category] = (tried[category] ?? 0) + n);

before(async () => {
  s = await startStack();
  await s.createOrder("input_wx_001", 1990);
  await s.codeUrl("input_wx_001");
  await s.createOrder("input_ali_01", 1990);
  await s.openCashier("input_ali_01");
  snapshot = async () => Promise.all(["input_wx_001", "input_ali_01"].map((o) => s.snapshot(o)));
});
after(async () => {
  console.log(`reliability/bad-input: ${Object.entries(tried).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  await s.stop();
});

async function expectApi(raw, code, status, headers) {
  const r = await s.api(null, { raw, headers });
  assert.ok(r.status < 500, `5xx for ${JSON.stringify(raw).slice(0, 80)}`);
  assert.equal(r.json?.result, code, `${JSON.stringify(raw).slice(0, 120)} → ${r.text.slice(0, 200)}`);
  if (status) assert.equal(r.status, status);
  return r;
}

describe("/api", () => {
  it("answers every truncation of a valid command with -1", async () => {
    const valid = JSON.stringify({ cmd: "Pay", order_no: "input_ali_01", type: 1, return_url: "https://shop.example/done" });
    const before = await snapshot();
    for (let i = 0; i < valid.length; i++) await expectApi(valid.slice(0, i), -1, 400);
    count("truncated JSON", valid.length);
    for (const raw of ["{,}", "{'cmd':'Pay'}", "\u0000", "{\"cmd\":\"Pay\"}}", "null", "true", "42", "\"str\"", "{\"cmd\":\"Pay\",}", "\uFEFF{}", "[".repeat(5000)]) {
      await expectApi(raw, -1, 400);
      count("malformed JSON");
    }
    assert.deepEqual(await snapshot(), before);
  });

  it("answers wrong types and missing fields with -3, and ignores extra fields", async () => {
    const good = { cmd: "Pay", order_no: "input_ali_01", type: 1, return_url: "https://shop.example/done" };
    const wrong = [null, 1, 1.5, -1, "x", "", true, [], {}, ["input_ali_01"], { a: 1 }];
    for (const field of ["order_no", "type", "return_url"]) {
      for (const value of wrong) {
        if (JSON.stringify(value) === JSON.stringify(good[field])) continue;
        await expectApi(JSON.stringify({ ...good, [field]: value }), -3, 400);
        count("wrong JSON type");
      }
      const missing = { ...good };
      delete missing[field];
      await expectApi(JSON.stringify(missing), -3, 400);
      count("missing field");
    }
    // Clients of the original spec send fields this API does not know (sign, notify_url…):
    // they are ignored, never acted on. An extra amount cannot change the order's.
    const before = await snapshot();
    for (const extra of ["amount", "total_fee", "notify_url", "__proto__", "constructor", "sign"]) {
      const r = await expectApi(JSON.stringify({ ...good, [extra]: 1 }), 0, 200);
      assert.match(r.json.pay_info.alipay_url, /total_fee=19\.90/);
      count("extra field");
    }
    assert.deepEqual(await snapshot(), before);
    for (const total_fee of [0, -1, 1.5, 1e21, "100", 2147483648, null]) {
      await expectApi(JSON.stringify({ cmd: "CreateOrder", order_no: "input_new_01", total_fee, subject: "x" }), -3, 400, { authorization: `Bearer ${DEV.MERCHANT_TOKEN}` });
      count("bad amount");
    }
    assert.equal(await s.record("input_new_01"), null);
  });

  it("answers long, non-ASCII and hostile order numbers with -3", async () => {
    for (const no of ["9".repeat(33), "9".repeat(100_000).slice(0, 7000), "订单号码一二三四", "ｏｒｄｅｒ１２３４", "order 0001", "order\u00000001", "../../etc/passwd", "order:0001", "%6F%72%64%65%72", "\u202Eorder0001", "😀😀😀😀😀😀"]) {
      await expectApi(JSON.stringify({ cmd: "WechatPayState", order_no: no }), -3, 400);
      count("bad order number");
    }
  });

  it("answers unknown and misspelt commands with -2", async () => {
    for (const cmd of ["", "pay", "PAY", "Pay ", "WechatPayStat", "DeleteOrder", "__proto__", "toString", 1, null, ["Pay"]]) {
      await expectApi(JSON.stringify({ cmd, order_no: "input_wx_001" }), -2, 400);
      count("unknown cmd");
    }
  });

  it("answers bodies of 1 MB and more with -4", async () => {
    for (const size of [8 * 1024 + 1, 1 << 20, 5 << 20]) {
      await expectApi(JSON.stringify({ cmd: "WechatPayState", order_no: "input_wx_001", pad: "x".repeat(size) }), -4, 413);
      count("oversized body");
    }
  });
});

describe("/notify/wechat", () => {
  const FAIL = /^<xml><return_code><!\[CDATA\[FAIL\]\]><\/return_code>/;
  const genuineish = () =>
    toWechatXml(wechatSigned({ appid: DEV.WECHAT_APPID, mch_id: DEV.WECHAT_MCH_ID, nonce_str: "abc", return_code: "SUCCESS", result_code: "SUCCESS", total_fee: "1990", transaction_id: "4200000000000000000000000009", out_trade_no: "input_wx_001", time_end: "20261125120000" }, DEV.WECHAT_API_KEY, "HMAC-SHA256"));

  async function expectFail(body, status = 400) {
    const before = await snapshot();
    const r = await s.post("/notify/wechat", body, { "content-type": "text/xml" });
    assert.equal(r.status, status, `${String(body).slice(0, 80)} → ${r.status}`);
    assert.match(r.text, FAIL);
    assert.deepEqual(await snapshot(), before);
  }

  it("refuses every truncation of a notify", async () => {
    const body = genuineish();
    for (let i = 0; i < body.length; i += 7) await expectFail(body.slice(0, i));
    count("truncated XML", Math.ceil(body.length / 7));
  });

  it("refuses DOCTYPE, external entities and entity expansion", async () => {
    const inner = genuineish().slice(5);
    const hostile = [
      `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><attach>&xxe;</attach>${inner}`,
      `<!DOCTYPE xml [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/steal">]><xml><attach>&xxe;</attach>${inner}`,
      `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><xml><attach>&lol2;</attach>${inner}`,
      `<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:1/x.dtd"><xml>${inner}`,
      `<xml><attach>&undefined;</attach>${inner}`,
      `<xml><attach>&#0;</attach>${inner}`,
      `<?xml-stylesheet href="x"?><xml>${inner}`,
      `<xml><nested><deeper>1</deeper></nested>${inner}`,
      `${genuineish()}<xml></xml>`,
      genuineish().replace("<out_trade_no>", "<out_trade_no><out_trade_no>"),
      // Names and attributes the reader refuses (the first found by cargo fuzz).
      `<xml><return_code\n\nappid></return_code><transaction_id64200</\r\r\rtr\ransaction_i/>${inner}`,
      `<xml><attach</>1</attach</>${inner}`,
      `<xml><wx:attach>1</wx:attach>${inner}`,
      genuineish().replace("<total_fee>", '<total_fee unit="yuan" unit="fen">'),
      genuineish().replace("<total_fee>", "<total_fee unit=fen>"),
    ];
    for (const body of hostile) await expectFail(body);
    count("hostile XML", hostile.length);
  });

  it("refuses non-XML bodies and bodies of 1 MB and more", async () => {
    for (const body of ["", " ", "null", "{}", "out_trade_no=input_wx_001", "\xff\xfe<xml/>", "<xml>"]) await expectFail(body);
    count("non-XML body", 7);
    for (const size of [64 * 1024 + 1, 1 << 20, 3 << 20]) await expectFail(`<xml><a>${"x".repeat(size)}</a></xml>`, 413);
    count("oversized body", 3);
  });
});

describe("/notify/alipay and /return/alipay", () => {
  const body = () =>
    encodeForm(alipaySigned({ notify_type: "trade_status_sync", notify_id: "n1", out_trade_no: "input_ali_01", trade_no: "1", trade_status: "TRADE_SUCCESS", total_fee: "19.90", seller_id: DEV.ALIPAY_PARTNER }, DEV.ALIPAY_KEY));

  async function expectFail(b, status = 400) {
    const before = await snapshot();
    const r = await s.post("/notify/alipay", b, { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(r.status, status);
    assert.equal(r.text, "fail");
    assert.deepEqual(await snapshot(), before);
  }

  it("refuses truncated, malformed and oversized forms", async () => {
    const b = body();
    for (let i = 0; i < b.length; i += 5) await expectFail(b.slice(0, i));
    count("truncated form", Math.ceil(b.length / 5));
    for (const bad of ["%", "a=%G0", "a=%e4%b8", "=x", "a=1&a=2", "&&&", "a=\u0000", "sign_type=RSA&sign=x"]) await expectFail(bad);
    count("malformed form", 8);
    for (const size of [32 * 1024 + 1, 1 << 20]) await expectFail(`a=${"x".repeat(size)}`, 413);
    count("oversized body", 2);
  });

  it("refuses forged returns with a 400 page, never a redirect", async () => {
    for (const q of ["", "out_trade_no=input_ali_01", body().replace("19.90", "0.01"), "%zz"]) {
      const r = await fetch(`${s.url}/return/alipay?${q}`, { redirect: "manual" });
      assert.equal(r.status, 400);
      assert.equal(r.headers.get("location"), null);
      count("forged return");
    }
  });
});
