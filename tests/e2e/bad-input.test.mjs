// Every bad case on the money paths gets its documented answer and changes nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { alipaySigned, encodeForm, toWechatXml, wechatSigned } from "../sandbox/wire.mjs";
import { DEV, startStack } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
  await s.createOrder("bad_wx_0001", 1990);
  await s.codeUrl("bad_wx_0001");
  await s.createOrder("bad_ali_001", 1990);
  await s.openCashier("bad_ali_001");
});
after(() => s.stop());

const FAIL = /^<xml><return_code><!\[CDATA\[FAIL\]\]><\/return_code>/;

function wechatNotify(overrides = {}, key = DEV.WECHAT_API_KEY, signType = "HMAC-SHA256") {
  const fields = {
    appid: DEV.WECHAT_APPID, mch_id: DEV.WECHAT_MCH_ID, nonce_str: "n0nce", return_code: "SUCCESS", result_code: "SUCCESS",
    openid: "oForger", trade_type: "NATIVE", bank_type: "OTHERS", total_fee: "1990", fee_type: "CNY", cash_fee: "1990",
    transaction_id: "4200000000000000000000000001", out_trade_no: "bad_wx_0001", time_end: "20261125120000", ...overrides,
  };
  return toWechatXml(wechatSigned(fields, key, signType));
}

async function unchanged(order_no, fn) {
  const before = await s.snapshot(order_no);
  await fn();
  assert.equal(await s.snapshot(order_no), before, "the stored order changed");
}

describe("WeChat notify forgery and malformation", () => {
  const cases = {
    "signed with another key": () => wechatNotify({}, "ffffffffffffffffffffffffffffffff"),
    "tampered amount after signing": () => wechatNotify().replace("<total_fee><![CDATA[1990]]>", "<total_fee><![CDATA[1]]>"),
    "wrong amount, correctly signed": () => wechatNotify({ total_fee: "1", cash_fee: "1" }),
    "another merchant": () => wechatNotify({ mch_id: "10000999" }),
    "another appid": () => wechatNotify({ appid: "wx0000000000000000" }),
    "unknown order": () => wechatNotify({ out_trade_no: "no_such_order" }),
    "no signature": () => wechatNotify().replace(/<sign>.*?<\/sign>/, ""),
    "truncated XML": () => wechatNotify().slice(0, 120),
    "DOCTYPE with an external entity": () => `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><out_trade_no>&x;</out_trade_no></xml>`,
    "JSON instead of XML": () => JSON.stringify({ out_trade_no: "bad_wx_0001" }),
    "empty body": () => "",
  };
  for (const [name, body] of Object.entries(cases)) {
    it(`refuses ${name} with FAIL`, async () => {
      await unchanged("bad_wx_0001", async () => {
        const r = await s.post("/notify/wechat", body(), { "content-type": "text/xml" });
        assert.equal(r.status, 400);
        assert.match(r.text, FAIL);
      });
    });
  }

  it("refuses an oversized body with 413 and FAIL", async () => {
    await unchanged("bad_wx_0001", async () => {
      const r = await s.post("/notify/wechat", "<xml>" + "a".repeat(1 << 20) + "</xml>");
      assert.equal(r.status, 413);
      assert.match(r.text, FAIL);
    });
  });
});

describe("Alipay notify forgery and malformation", () => {
  const base = () => ({
    notify_time: "2026-11-25 12:00:00", notify_type: "trade_status_sync", notify_id: "forged-notify-id", out_trade_no: "bad_ali_001",
    trade_no: "2026112522001", trade_status: "TRADE_SUCCESS", total_fee: "19.90", seller_id: DEV.ALIPAY_PARTNER, seller_email: DEV.ALIPAY_SELLER_EMAIL,
  });
  const cases = {
    "signed with another key": () => encodeForm(alipaySigned(base(), "another-key-another-key-another-k")),
    "tampered amount after signing": () => encodeForm(alipaySigned(base(), DEV.ALIPAY_KEY)).replace("total_fee=19.90", "total_fee=0.01"),
    "a notify_id Alipay never issued (notify_verify says false)": () => encodeForm(alipaySigned(base(), DEV.ALIPAY_KEY)),
    "malformed percent-escape": () => "out_trade_no=%zz&sign=x",
    "duplicate fields": () => encodeForm(alipaySigned(base(), DEV.ALIPAY_KEY)) + "&total_fee=0.01",
    "RSA sign_type": () => encodeForm({ ...alipaySigned(base(), DEV.ALIPAY_KEY), sign_type: "RSA" }),
    "empty body": () => "",
  };
  for (const [name, body] of Object.entries(cases)) {
    it(`refuses ${name} with fail`, async () => {
      await unchanged("bad_ali_001", async () => {
        const r = await s.post("/notify/alipay", body(), { "content-type": "application/x-www-form-urlencoded" });
        assert.equal(r.status, 400);
        assert.equal(r.text, "fail");
      });
    });
  }

  it("refuses a genuine notify with the wrong amount or seller", async () => {
    await s.pay("alipay", "bad_ali_001", { notify: false });
    const genuine = await s.notifyBody("alipay", "bad_ali_001");
    const params = new URLSearchParams(genuine);
    const fields = Object.fromEntries(params);
    for (const override of [{ total_fee: "0.01" }, { seller_id: "2088000000000000" }, { seller_email: "thief@example.com" }, { out_trade_no: "no_such_order" }]) {
      const forged = { ...fields, ...override };
      delete forged.sign;
      delete forged.sign_type;
      await unchanged("bad_ali_001", async () => {
        const r = await s.post("/notify/alipay", encodeForm(alipaySigned(forged, DEV.ALIPAY_KEY)));
        assert.equal(r.text, "fail", JSON.stringify(override));
      });
    }
  });
});

describe("/api bad input", () => {
  const cases = [
    ["malformed JSON", "{\"cmd\":\"WechatPayState\",", 400, -1],
    ["a JSON array", "[1]", 400, -1],
    ["missing cmd", '{"order_no":"bad_wx_0001"}', 400, -2],
    ["unknown cmd", '{"cmd":"Withdraw","order_no":"bad_wx_0001"}', 400, -2],
    ["wrong type", '{"cmd":"WechatPayState","order_no":1234567}', 400, -3],
    ["missing field", '{"cmd":"Pay","order_no":"bad_wx_0001"}', 400, -3],
    ["an extra field (ignored, as the original spec's clients send them)", '{"cmd":"WechatPayState","order_no":"bad_wx_0001","admin":true}', 200, 0],
    ["Alipay without return_url", '{"cmd":"Pay","order_no":"bad_ali_001","type":1}', 400, -3],
    ["javascript: return_url", '{"cmd":"Pay","order_no":"bad_ali_001","type":1,"return_url":"javascript:alert(1)"}', 400, -3],
    ["non-ASCII order number", '{"cmd":"WechatPayState","order_no":"订单一二三四五六"}', 400, -3],
    ["very long order number", JSON.stringify({ cmd: "WechatPayState", order_no: "9".repeat(4000) }), 400, -3],
    ["unknown order", '{"cmd":"WechatPayState","order_no":"no_such_order"}', 404, -10],
  ];
  for (const [name, raw, status, code] of cases) {
    it(`answers ${name} with ${code}`, async () => {
      const r = await s.api(null, { raw });
      assert.equal(r.status, status);
      assert.equal(r.json.result, code);
      assert.equal(typeof r.json.msg, "string");
      if (code !== 0) assert.ok(r.json.msg.length > 0);
    });
  }

  it("answers a 1 MB body with -4 and 413", async () => {
    const r = await s.api(null, { raw: JSON.stringify({ cmd: "WechatPayState", order_no: "bad_wx_0001", pad: "x".repeat(1 << 20) }) });
    assert.equal(r.status, 413);
    assert.equal(r.json.result, -4);
  });

  it("answers other methods and paths with -6 and -7", async () => {
    const get = await fetch(`${s.url}/api`);
    assert.equal(get.status, 405);
    assert.equal((await get.json()).result, -6);
    const none = await fetch(`${s.url}/nope`);
    assert.equal(none.status, 404);
    assert.equal((await none.json()).result, -7);
  });

  it("allows only the configured origins, and never caches", async () => {
    const ok = await s.api({ cmd: "WechatPayState", order_no: "bad_wx_0001" }, { headers: { origin: "https://shop.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://shop.example");
    assert.equal(ok.headers.get("cache-control"), "no-store");
    const other = await s.api({ cmd: "WechatPayState", order_no: "bad_wx_0001" }, { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const pre = await fetch(`${s.url}/api`, { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } });
    assert.equal(pre.status, 204);
    assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
    const bad = await fetch(`${s.url}/api`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    assert.equal(bad.status, 403);
  });
});
