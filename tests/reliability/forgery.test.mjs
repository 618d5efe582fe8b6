// Forgery: every way of faking a payment notify is refused and leaves the order as it was.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { alipaySigned, encodeForm, parseForm, parseWechatXml, toWechatXml, wechatSigned } from "../sandbox/wire.mjs";
import { DEV, startStack } from "../e2e/harness.mjs";

let s;
const tried = {};
const count = (category) => (tried[category] = (tried[category] ?? 0) + 1);
before(async () => {
  s = await startStack();
  for (const no of ["forge_wx_a1", "forge_wx_b1"]) {
    await s.createOrder(no, 100);
    await s.codeUrl(no);
  }
  for (const no of ["forge_ali_a", "forge_ali_b"]) {
    await s.createOrder(no, 100);
    await s.openCashier(no);
  }
});
after(async () => {
  console.log(`reliability/forgery: ${Object.entries(tried).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  await s.stop();
});

/** Posts a notify that must be refused and leave `orders` as they were; for WeChat, `reason`
 *  is matched against the FAIL reply's return_msg (the check that refused it). */
async function refusedUnchanged(provider, body, orders, reason, path = `/notify/${provider}`) {
  const before = await Promise.all(orders.map((o) => s.snapshot(o)));
  const r = await s.post(path, body);
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  if (provider === "wechat") assert.match(r.text, /<return_code><!\[CDATA\[FAIL\]\]>/);
  else assert.equal(r.text, "fail");
  if (reason) assert.match(/<return_msg><!\[CDATA\[(.*?)\]\]>/.exec(r.text)?.[1] ?? "", reason);
  const afterwards = await Promise.all(orders.map((o) => s.snapshot(o)));
  assert.deepEqual(afterwards, before, "an order changed");
}

const WX_KEYS = ["00000000000000000000000000000000", DEV.WECHAT_API_KEY.toUpperCase(), DEV.WECHAT_API_KEY.slice(0, 31), `${DEV.WECHAT_API_KEY} `, DEV.ALIPAY_KEY];

describe("WeChat notify forgery", () => {
  let genuine;
  before(async () => {
    await s.pay("wechat", "forge_wx_a1", { notify: false });
    genuine = parseWechatXml(await s.notifyBody("wechat", "forge_wx_a1"));
  });
  // Signs as WeChat does for this merchant: its HMAC-SHA256, no sign_type field.
  const resign = (fields, key = DEV.WECHAT_API_KEY) => {
    const f = { ...fields };
    delete f.sign;
    delete f.sign_type;
    return toWechatXml(wechatSigned(f, key, DEV.WECHAT_SIGN_TYPE, { declare: false }));
  };

  it("refuses notifies signed with any other key, and both algorithms' downgrades", async () => {
    for (const key of WX_KEYS) {
      count("wechat bad key");
      await refusedUnchanged("wechat", resign(genuine, key), ["forge_wx_a1"], /signature/);
    }
    const unsigned = { ...genuine };
    delete unsigned.sign;
    delete unsigned.sign_type;
    const downgrades = [
      // An MD5 signature that claims to be HMAC-SHA256.
      { ...wechatSigned(unsigned, DEV.WECHAT_API_KEY, "MD5"), sign_type: "HMAC-SHA256" },
      // An MD5 signature with no sign_type: the merchant's HMAC-SHA256 is used, not MD5.
      wechatSigned(unsigned, DEV.WECHAT_API_KEY, "MD5", { declare: false }),
      // The genuine HMAC-SHA256 notify relabelled as MD5.
      { ...genuine, sign_type: "MD5" },
    ];
    for (const fields of downgrades) {
      count("wechat algorithm downgrade");
      await refusedUnchanged("wechat", toWechatXml(fields), ["forge_wx_a1"], /signature/);
    }
  });

  it("refuses every single-field tampering of a genuine notify", async () => {
    for (const [k, v] of Object.entries(genuine)) {
      if (k === "sign" || k === "sign_type") continue;
      count("wechat tampered field");
      const tampered = { ...genuine, [k]: v === "1" ? "2" : `${v}0` };
      await refusedUnchanged("wechat", toWechatXml(tampered), ["forge_wx_a1", "forge_wx_b1"]);
    }
    count("wechat added field");
    await refusedUnchanged("wechat", toWechatXml({ ...genuine, attach: "evil" }), ["forge_wx_a1"]);
  });

  it("refuses correctly signed notifies that are wrong for the order", async () => {
    const cases = {
      "wrong amount": [{ total_fee: "1", cash_fee: "1" }, /amount/],
      "another merchant": [{ mch_id: "10000999" }, /another merchant/],
      "another appid": [{ appid: "wxffffffffffffffff" }, /another merchant/],
      "unknown order": [{ out_trade_no: "forge_nobody" }, /unknown order/],
      "result FAIL is no payment": [{ result_code: "FAIL", err_code: "PAYERROR" }],
    };
    for (const [name, [override, reason]] of Object.entries(cases)) {
      count(`wechat ${name}`);
      const body = resign({ ...genuine, ...override });
      if (name === "result FAIL is no payment") {
        const r = await s.post("/notify/wechat", body);
        assert.match(r.text, /SUCCESS/, "a failed payment is acknowledged");
        assert.equal((await s.record("forge_wx_a1")).state, 0);
      } else {
        // Past the signature check, refused by the business check it names.
        await refusedUnchanged("wechat", body, ["forge_wx_a1", "forge_wx_b1"], reason);
      }
    }
  });

  it("refuses a genuine notify replayed for another order", async () => {
    count("wechat replay to another order");
    const replay = toWechatXml({ ...genuine, out_trade_no: "forge_wx_b1" });
    await refusedUnchanged("wechat", replay, ["forge_wx_a1", "forge_wx_b1"]);
    // The genuine one still works, once; replaying it changes nothing more.
    const ok = await s.post("/notify/wechat", toWechatXml(genuine));
    assert.match(ok.text, /SUCCESS/);
    const rec = await s.record("forge_wx_a1");
    for (let i = 0; i < 3; i++) {
      count("wechat replay of a genuine notify");
      await s.post("/notify/wechat", toWechatXml(genuine));
    }
    assert.deepEqual(await s.record("forge_wx_a1"), rec);
    assert.equal((await s.record("forge_wx_b1")).state, 0);
  });
});

describe("Alipay notify forgery", () => {
  let genuine;
  before(async () => {
    await s.pay("alipay", "forge_ali_a", { notify: false });
    genuine = parseForm(await s.notifyBody("alipay", "forge_ali_a"));
  });
  const resign = (fields, key = DEV.ALIPAY_KEY) => {
    const f = { ...fields };
    delete f.sign;
    delete f.sign_type;
    return encodeForm(alipaySigned(f, key));
  };

  it("refuses other keys and tampered fields", async () => {
    for (const key of [DEV.WECHAT_API_KEY, DEV.ALIPAY_KEY.toUpperCase(), "", DEV.ALIPAY_KEY.slice(1)]) {
      count("alipay bad key");
      await refusedUnchanged("alipay", resign(genuine, key), ["forge_ali_a"]);
    }
    for (const [k, v] of Object.entries(genuine)) {
      if (k === "sign" || k === "sign_type") continue;
      count("alipay tampered field");
      await refusedUnchanged("alipay", encodeForm({ ...genuine, [k]: `${v}9` }), ["forge_ali_a", "forge_ali_b"]);
    }
  });

  it("refuses correctly signed notifies that are wrong for the order", async () => {
    for (const [name, override] of Object.entries({
      "wrong amount": { total_fee: "0.01" },
      "another seller id": { seller_id: "2088000000000001" },
      "another seller email": { seller_email: "someone@else.example" },
      "unknown order": { out_trade_no: "forge_nobody" },
      "replay to another order": { out_trade_no: "forge_ali_b" },
    })) {
      count(`alipay ${name}`);
      const body = name === "replay to another order" ? encodeForm({ ...genuine, ...override }) : resign({ ...genuine, ...override });
      await refusedUnchanged("alipay", body, ["forge_ali_a", "forge_ali_b"]);
    }
  });

  it("refuses forged and unknown refund notifies", async () => {
    const refund = (batch_no, key = DEV.ALIPAY_KEY) =>
      encodeForm(alipaySigned({ notify_time: "2026-11-25 12:00:00", notify_type: "batch_refund_notify", notify_id: "never-issued", batch_no, success_num: "1", result_details: `${genuine.trade_no}^${genuine.total_fee}^SUCCESS` }, key));
    count("alipay refund notify with another key");
    await refusedUnchanged("alipay", refund("20261125abcdef0123456789", "another-key-another-key-another-k"), ["forge_ali_a"]);
    count("alipay refund notify Alipay never sent (notify_verify denies)");
    await refusedUnchanged("alipay", refund("20261125abcdef0123456789"), ["forge_ali_a"]);
    for (const path of ["/notify/alipay/refund/forge_ali_a", "/notify/alipay/refund/forge_ali_b"]) {
      count("alipay refund notify at the order's refund URL, another key");
      await refusedUnchanged("alipay", refund("20261125abcdef0123456789", "another-key-another-key-another-k"), ["forge_ali_a", "forge_ali_b"], undefined, path);
      count("alipay refund notify at the order's refund URL, notify_verify denies");
      await refusedUnchanged("alipay", refund("20261125abcdef0123456789"), ["forge_ali_a", "forge_ali_b"], undefined, path);
    }
  });

  it("refuses a correctly signed notify that notify_verify denies", async () => {
    count("alipay notify_verify denies");
    await refusedUnchanged("alipay", resign({ ...genuine, notify_id: "never-issued-by-alipay" }), ["forge_ali_a"]);
    count("alipay notify_verify denies");
    await s.fault("alipay:notify_verify", "deny");
    await refusedUnchanged("alipay", encodeForm(genuine), ["forge_ali_a"]);
    // With Alipay's confirmation the same notify is applied.
    const ok = await s.post("/notify/alipay", encodeForm(genuine));
    assert.equal(ok.text, "success");
    assert.equal((await s.record("forge_ali_a")).state, 1);
    assert.equal((await s.record("forge_ali_b")).state, 0);
  });
});
