// WeChat Pay v3 for a merchant without a WeChat Pay public key: the worker downloads the
// platform certificates from /v3/certificates (signed request; each certificate AES-GCM
// encrypted with the APIv3 key), keeps them, verifies replies and notifies with the one
// named by Wechatpay-Serial, and fetches again for an unknown serial at most once a minute.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startStack } from "./harness.mjs";

let s;
before(async () => {
  // No WECHAT_PAY_PUBLIC_KEY: certificate mode. The sandbox signs under its certificate's serial.
  s = await startStack({ vars: { WECHAT_API_VERSION: "v3", WECHAT_PAY_PUBLIC_KEY: "", WECHAT_PAY_PUBLIC_KEY_ID: "" } });
  await s.sandboxPost("/sandbox/wechat-v3-mode", { mode: "certificate" });
});
after(() => s.stop());

const downloads = () => s.sandbox.state.log.filter((l) => l.api === "certificates").length;

describe("platform certificates", () => {
  it("downloads them once, then verifies replies and notifies with them", async () => {
    await s.createOrder("v3c_flow_01", 1200);
    const code = await s.codeUrl("v3c_flow_01");
    assert.match(code, /^weixin:\/\//);
    assert.equal(downloads(), 1);
    assert.ok(s.logs.some((l) => l.includes('"log":"wechat_certificates"') && l.includes("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")));
    const paid = await s.pay("wechat", "v3c_flow_01");
    assert.equal(paid.deliveries[0].status, 204, paid.deliveries[0].body);
    assert.equal((await s.state("v3c_flow_01")).pay_state, 1);
    await s.createOrder("v3c_flow_02", 1200);
    await s.codeUrl("v3c_flow_02");
    assert.equal(downloads(), 1, "kept, not fetched per request");
  });

  it("refuses a notify under a serial no certificate has, without fetching on every forgery", async () => {
    await s.createOrder("v3c_bad_01", 700);
    await s.codeUrl("v3c_bad_01");
    const o = { ...s.sandbox.state.wechat.get("v3c_bad_01"), trade_state: "SUCCESS", transaction_id: "4200000000000000000000000001" };
    const { body, headers } = s.sandbox.notifyV3(o);
    const before = await s.snapshot("v3c_bad_01");
    for (let i = 0; i < 3; i++) {
      const r = await s.post("/notify/wechat/v3", body, { "content-type": "application/json", ...headers, "wechatpay-serial": "7132D72A03E93CDDF8C03BBD1F37EEDF43F2A1AB" });
      assert.equal(r.status, 401);
      assert.match(r.json.message, /unknown serial/);
    }
    assert.equal(downloads(), 1, "no fetch for unknown serials within a minute of the last one");
    assert.equal(await s.snapshot("v3c_bad_01"), before);
    const good = await s.post("/notify/wechat/v3", body, { "content-type": "application/json", ...headers });
    assert.equal(good.status, 204, good.text);
    assert.equal((await s.record("v3c_bad_01")).state, 1);
  });
});
