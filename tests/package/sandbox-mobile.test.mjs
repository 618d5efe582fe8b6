// The sandbox's mobile paths on their own (no worker): WeChat H5 (v2 MWEB, v3 h5), JSAPI (v2,
// v3) with the web authorisation (OAuth snsapi_base) and the WeixinJSBridge's paySign check,
// and Alipay's wap cashiers (MAPI, OpenAPI). Every request is signed here with node:crypto,
// not with the sandbox's code, and every signed answer (replies, notifies, return URLs) is
// verified here the same way.
import assert from "node:assert/strict";
import { createHash, createHmac, createSign, createVerify, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { loadDevVars, startSandbox } from "../sandbox/server.mjs";

const DEV = loadDevVars();
const WX_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50";
const PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
const SHOP = "http://127.0.0.1:8787";
const SCENE = JSON.stringify({ h5_info: { type: "Wap", wap_url: `${SHOP}/`, wap_name: "Sandbox shop" } });

let sandbox;
let base;
let hook;
let hookUrl;
const notifies = [];
before(async () => {
  sandbox = await startSandbox({ port: 0, quiet: true });
  base = `http://127.0.0.1:${sandbox.server.address().port}`;
  hook = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      notifies.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(req.url.startsWith("/alipay") ? "success" : "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>");
    });
  });
  await new Promise((r) => hook.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${hook.address().port}`;
});
after(async () => {
  await sandbox.close();
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function notified(pred, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const n = notifies.find(pred);
    if (n) return n;
    if (Date.now() > end) throw new Error("no such notify arrived");
    await sleep(20);
  }
}
const clock = (body) => fetch(`${base}/sandbox/clock`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());

// ---------------------------------------------------------------- WeChat v2, by hand
function v2Sign(fields, signType) {
  const text = `${Object.keys(fields).filter((k) => k !== "sign" && fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&")}&key=${DEV.WECHAT_API_KEY}`;
  return signType === "HMAC-SHA256" ? createHmac("sha256", DEV.WECHAT_API_KEY).update(text).digest("hex").toUpperCase() : createHash("md5").update(text).digest("hex").toUpperCase();
}
const xmlFields = (xml) => Object.fromEntries([...xml.matchAll(/<(\w+)><!\[CDATA\[([\s\S]*?)\]\]><\/\1>/g)].map((m) => [m[1], m[2]]));
async function v2(path, fields, signType = "HMAC-SHA256") {
  const f = { appid: DEV.WECHAT_APPID, mch_id: DEV.WECHAT_MCH_ID, nonce_str: randomBytes(8).toString("hex"), ...(signType === "HMAC-SHA256" ? { sign_type: signType } : {}), ...fields };
  f.sign = v2Sign(f, signType);
  const body = `<xml>${Object.entries(f).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join("")}</xml>`;
  const reply = xmlFields(await (await fetch(base + path, { method: "POST", body })).text());
  if (reply.sign) assert.equal(reply.sign, v2Sign(reply, signType), `the sandbox's ${path} reply is signed`);
  return reply;
}
const order = (no, extra = {}) => ({ body: "测试商品 Test item", out_trade_no: no, total_fee: "1990", spbill_create_ip: "203.0.113.7", notify_url: `${hookUrl}/wechat`, ...extra });

// ---------------------------------------------------------------- WeChat v3, by hand
async function v3(method, path, json) {
  const body = json === undefined ? "" : JSON.stringify(json);
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const signature = createSign("sha256").update(`${method}\n${path}\n${ts}\n${nonce}\n${body}\n`).sign(DEV.WECHAT_PRIVATE_KEY, "base64");
  const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${DEV.WECHAT_MCH_ID}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${DEV.WECHAT_CERT_SERIAL}"`;
  const resp = await fetch(base + path, { method, headers: { authorization: auth, "content-type": "application/json", accept: "application/json" }, body: method === "GET" ? undefined : body });
  const text = await resp.text();
  const h = (k) => resp.headers.get(k);
  assert.ok(createVerify("sha256").update(`${h("wechatpay-timestamp")}\n${h("wechatpay-nonce")}\n${text}\n`).verify(DEV.WECHAT_PAY_PUBLIC_KEY, h("wechatpay-signature"), "base64"), "the v3 reply is signed");
  return { status: resp.status, json: text ? JSON.parse(text) : null };
}
const v3Order = (no, extra = {}) => ({ appid: DEV.WECHAT_APPID, mchid: DEV.WECHAT_MCH_ID, description: "测试商品 Test item", out_trade_no: no, notify_url: `${hookUrl}/wechat/v3`, amount: { total: 1990, currency: "CNY" }, ...extra });

// ---------------------------------------------------------------- the buyer
const open = (u, headers = {}) => fetch(u, { headers: { "user-agent": PHONE_UA, referer: `${SHOP}/checkout`, "x-sandbox-buyer-ip": "203.0.113.7", ...headers }, redirect: "manual" });
const errorOf = (html) => /id=error[^>]*>([^<]*)</.exec(html)?.[1] ?? null;
async function h5Pay(url, extra = {}) {
  const u = new URL(url);
  const form = new URLSearchParams({ package: u.searchParams.get("package"), prepay_id: u.searchParams.get("prepay_id"), ...extra });
  return fetch(`${base}/wechat/h5/pay`, { method: "POST", body: form, redirect: "manual" });
}
function authorizeUrl({ appid = DEV.WECHAT_APPID, redirect = `${SHOP}/wx/cb`, scope = "snsapi_base", state = "s1" } = {}) {
  return `${base}/connect/oauth2/authorize?appid=${appid}&redirect_uri=${encodeURIComponent(redirect)}&response_type=code&scope=${scope}&state=${state}`;
}
async function authorize(user) {
  const r = await fetch(authorizeUrl(), { redirect: "manual", headers: { "user-agent": WX_UA, ...(user ? { cookie: `sandbox_wx_user=${user}` } : {}) } });
  assert.equal(r.status, 302);
  return new URL(r.headers.get("location")).searchParams.get("code");
}
const exchange = (code, secret = DEV.WECHAT_APP_SECRET) =>
  fetch(`${base}/sns/oauth2/access_token?appid=${DEV.WECHAT_APPID}&secret=${secret}&code=${code}&grant_type=authorization_code`).then((r) => r.json());
const bridgePay = (params, user) => fetch(`${base}/sandbox/jsapi/pay`, { method: "POST", headers: { origin: SHOP }, body: JSON.stringify({ params, user }) });

describe("WeChat H5 (MWEB)", () => {
  it("v2 MWEB needs scene_info, and a changed trade_type under the same out_trade_no is refused", async () => {
    const missing = await v2("/pay/unifiedorder", order("h5_v2_0001", { trade_type: "MWEB" }));
    assert.deepEqual([missing.return_code, missing.return_msg], ["FAIL", "缺少参数"]);
    const bad = await v2("/pay/unifiedorder", order("h5_v2_0001", { trade_type: "MWEB", scene_info: '{"h5_info":{"type":"Wap"}}' }));
    assert.deepEqual([bad.result_code, bad.err_code], ["FAIL", "PARAM_ERROR"]);
    const ok = await v2("/pay/unifiedorder", order("h5_v2_0001", { trade_type: "MWEB", scene_info: SCENE }));
    assert.deepEqual([ok.return_code, ok.result_code, ok.trade_type], ["SUCCESS", "SUCCESS", "MWEB"]);
    assert.match(ok.mweb_url, new RegExp(`^${base}/wechat/h5/checkmweb\\?prepay_id=${ok.prepay_id}&package=\\d{10}$`));
    const native = await v2("/pay/unifiedorder", order("h5_v2_0001", { trade_type: "NATIVE" }));
    assert.deepEqual([native.result_code, native.err_code, native.err_code_des], ["FAIL", "INVALID_REQUEST", "201 商户订单号重复"]);
    const again = await v2("/pay/unifiedorder", order("h5_v2_0001", { trade_type: "MWEB", scene_info: SCENE }));
    assert.equal(again.prepay_id, ok.prepay_id);
    assert.notEqual(again.mweb_url, ok.mweb_url, "a fresh 5-minute link");
  });

  it("the H5 page refuses as WeChat's does, then pays, notifies and returns to redirect_url", async () => {
    const { mweb_url } = await v2("/pay/unifiedorder", order("h5_v2_0002", { trade_type: "MWEB", scene_info: SCENE }));
    const redirect = `${SHOP}/return?order_no=h5_v2_0002`;
    const url = `${mweb_url}&redirect_url=${encodeURIComponent(redirect)}`;
    assert.equal(errorOf(await (await open(url, { referer: "" })).text()), "商家参数格式有误");
    assert.equal(errorOf(await (await open(url, { referer: "https://evil.example/" })).text()), "商家存在未配置的参数");
    assert.equal(errorOf(await (await open(`${mweb_url}&redirect_url=${encodeURIComponent("https://evil.example/r")}`)).text()), "商家存在未配置的参数");
    assert.equal(errorOf(await (await open(url, { "user-agent": WX_UA })).text()), "请在微信外打开订单");
    assert.equal(errorOf(await (await open(url, { "x-sandbox-buyer-ip": "198.51.100.9" })).text()), "网络环境未能通过安全验证，请稍后再试");
    assert.equal(errorOf(await (await open(url.replace(/package=\d+/, "package=1234567890"))).text()), "商家参数格式有误");
    const pageResp = await open(url);
    assert.equal(pageResp.status, 200);
    const html = await pageResp.text();
    assert.equal(errorOf(html), null);
    assert.match(html, /id=wechat-h5-pay/);
    assert.match(html, /¥19\.90/);
    assert.match(html, /测试商品 Test item/);
    const paid = await h5Pay(url, { redirect_url: redirect });
    assert.equal(paid.status, 302);
    assert.equal(paid.headers.get("location"), redirect);
    const n = xmlFields((await notified((x) => x.path === "/wechat" && x.body.includes("h5_v2_0002"))).body);
    assert.equal(n.sign, v2Sign(n, "HMAC-SHA256"));
    assert.deepEqual([n.trade_type, n.total_fee, n.result_code], ["MWEB", "1990", "SUCCESS"]);
    const q = await v2("/pay/orderquery", { out_trade_no: "h5_v2_0002" });
    assert.deepEqual([q.trade_state, q.trade_type, q.transaction_id], ["SUCCESS", "MWEB", n.transaction_id]);
    assert.equal((await v2("/pay/closeorder", { out_trade_no: "h5_v2_0002" })).err_code, "ORDERPAID");
    const refund = await v2("/secapi/pay/refund", { out_trade_no: "h5_v2_0002", out_refund_no: "h5_v2_0002r1", total_fee: "1990", refund_fee: "990" });
    assert.equal(refund.result_code, "SUCCESS");
    assert.equal(errorOf(await (await open(url)).text()), "该订单已支付");
  });

  it("an mweb_url expires after 5 minutes on the sandbox clock; without redirect_url the page shows 支付成功", async () => {
    const { mweb_url } = await v2("/pay/unifiedorder", order("h5_v2_0003", { trade_type: "MWEB", scene_info: SCENE }));
    await clock({ advance_seconds: 301 });
    try {
      assert.equal(errorOf(await (await open(mweb_url)).text()), "支付请求已失效");
    } finally {
      await clock({ offset_seconds: 0 });
    }
    const fresh = await v2("/pay/unifiedorder", order("h5_v2_0003", { trade_type: "MWEB", scene_info: SCENE, spbill_create_ip: "198.51.100.9" }));
    assert.equal(errorOf(await (await open(fresh.mweb_url)).text()), "网络环境未能通过安全验证，请稍后再试", "bound to the new IP");
    assert.equal(errorOf(await (await open(fresh.mweb_url, { "x-sandbox-buyer-ip": "198.51.100.9" })).text()), null);
    const done = await h5Pay(fresh.mweb_url);
    assert.match(await done.text(), /id=paid>支付成功/);
  });

  it("v3 h5 requires scene_info.payer_client_ip and h5_info.type, answers h5_url, and the order is a v3 order", async () => {
    const none = await v3("POST", "/v3/pay/transactions/h5", v3Order("h5_v3_0001"));
    assert.equal(none.status, 400);
    assert.equal(none.json.code, "PARAM_ERROR");
    assert.match(none.json.message, /\/body\/scene_info/);
    const noType = await v3("POST", "/v3/pay/transactions/h5", v3Order("h5_v3_0001", { scene_info: { payer_client_ip: "203.0.113.7", h5_info: {} } }));
    assert.match(noType.json.message, /\/body\/scene_info\/h5_info\/type/);
    const ok = await v3("POST", "/v3/pay/transactions/h5", v3Order("h5_v3_0001", { scene_info: { payer_client_ip: "203.0.113.7", h5_info: { type: "Wap" } } }));
    assert.equal(ok.status, 200);
    assert.match(ok.json.h5_url, new RegExp(`^${base}/wechat/h5/checkmweb\\?prepay_id=wx\\w+&package=\\d{10}$`));
    const native = await v3("POST", "/v3/pay/transactions/native", v3Order("h5_v3_0001"));
    assert.deepEqual([native.status, native.json.code, native.json.message], [400, "INVALID_REQUEST", "201 商户订单号重复"]);
    assert.equal(errorOf(await (await open(ok.json.h5_url)).text()), null);
    assert.equal((await h5Pay(ok.json.h5_url)).status, 200);
    const n = await notified((x) => x.path === "/wechat/v3");
    assert.equal(JSON.parse(n.body).event_type, "TRANSACTION.SUCCESS");
    const q = await v3("GET", `/v3/pay/transactions/out-trade-no/h5_v3_0001?mchid=${DEV.WECHAT_MCH_ID}`);
    assert.deepEqual([q.json.trade_state, q.json.trade_type], ["SUCCESS", "MWEB"]);
  });
});

describe("WeChat web authorisation (snsapi_base)", () => {
  it("takes exactly appid, redirect_uri, response_type, scope, state in this order, inside WeChat only", async () => {
    const get = (u, ua = WX_UA) => fetch(u, { redirect: "manual", headers: { "user-agent": ua } });
    const swapped = `${base}/connect/oauth2/authorize?redirect_uri=${encodeURIComponent(`${SHOP}/cb`)}&appid=${DEV.WECHAT_APPID}&response_type=code&scope=snsapi_base&state=s1`;
    for (const u of [swapped, `${authorizeUrl()}&extra=1`, authorizeUrl({ state: "not-alnum" }), authorizeUrl({ appid: "wx0000000000000000" }), authorizeUrl().replace("&state=s1", "&state=s1&state=s2")]) {
      const r = await get(u);
      assert.equal(r.status, 400, u);
      assert.match(errorOf(await r.text()), /^参数错误/);
    }
    assert.equal(errorOf(await (await get(authorizeUrl(), PHONE_UA)).text()), "请在微信客户端打开链接");
    assert.match(errorOf(await (await get(authorizeUrl({ redirect: "https://evil.example/cb" }))).text()), /^10003/);
    assert.match(errorOf(await (await get(authorizeUrl({ scope: "snsapi_userinfo" }))).text()), /^10005/);
    const ok = await get(`${authorizeUrl({ redirect: `${SHOP}/cb?x=1` })}&connect_redirect=1`);
    assert.equal(ok.status, 302);
    const loc = new URL(ok.headers.get("location"));
    assert.deepEqual([loc.origin + loc.pathname, loc.searchParams.get("x"), loc.searchParams.get("state")], [`${SHOP}/cb`, "1", "s1"]);
    const last = await (await fetch(`${base}/sandbox/oauth/last`)).json();
    assert.equal(last.code, loc.searchParams.get("code"));
  });

  it("codes are single-use, expire after 5 minutes, and need the app secret; the openid is stable per user", async () => {
    const code = await authorize();
    assert.equal((await exchange(code, "wrong-secret")).errcode, 40125);
    const token = await exchange(code);
    assert.deepEqual([token.expires_in, token.scope, typeof token.access_token], [7200, "snsapi_base", "string"]);
    assert.match(token.openid, /^o[\w-]{27}$/);
    const reused = await exchange(code);
    assert.equal(reused.errcode, 40163);
    assert.match(reused.errmsg, /^code been used/);
    assert.equal((await exchange("0".repeat(32))).errcode, 40029);
    assert.equal((await exchange(await authorize())).openid, token.openid, "the same buyer, the same openid");
    const alice = await exchange(await authorize("alice"));
    assert.notEqual(alice.openid, token.openid);
    const late = await authorize();
    await clock({ advance_seconds: 301 });
    try {
      assert.equal((await exchange(late)).errcode, 40029);
    } finally {
      await clock({ offset_seconds: 0 });
    }
  });
});

describe("WeChat JSAPI and the WeixinJSBridge stand-in", () => {
  it("v2: openid is required and must come from this appid's authorisation; the bridge checks paySign", async () => {
    const noOpenid = await v2("/pay/unifiedorder", order("js_v2_0001", { trade_type: "JSAPI" }));
    assert.deepEqual([noOpenid.return_code, noOpenid.return_msg], ["FAIL", "JSAPI支付必须传openid"]);
    const stranger = await v2("/pay/unifiedorder", order("js_v2_0001", { trade_type: "JSAPI", openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }));
    assert.deepEqual([stranger.return_code, stranger.return_msg], ["FAIL", "appid和openid不匹配"]);
    const { openid } = await exchange(await authorize("bob"));
    const ok = await v2("/pay/unifiedorder", order("js_v2_0001", { trade_type: "JSAPI", openid }));
    assert.deepEqual([ok.result_code, ok.trade_type, ok.code_url, ok.mweb_url], ["SUCCESS", "JSAPI", undefined, undefined]);
    const params = { appId: DEV.WECHAT_APPID, timeStamp: String(Math.floor(Date.now() / 1000)), nonceStr: randomBytes(16).toString("hex"), package: `prepay_id=${ok.prepay_id}`, signType: "HMAC-SHA256" };
    const sign = (p) => v2Sign({ appId: p.appId, nonceStr: p.nonceStr, package: p.package, signType: p.signType, timeStamp: p.timeStamp }, p.signType);
    const good = { ...params, paySign: sign(params) };
    const refusedBy = async (p, user = "bob") => {
      const r = await bridgePay(p, user);
      assert.equal(r.headers.get("access-control-allow-origin"), SHOP);
      const j = await r.json();
      assert.equal(j.err_msg, "get_brand_wcpay_request:fail", JSON.stringify(j));
      return j.err_desc;
    };
    assert.match(await refusedBy({ ...good, paySign: good.paySign.replace(/^./, (c) => (c === "A" ? "B" : "A")) }), /^支付验证签名失败/);
    const md5 = { ...params, signType: "MD5" };
    assert.match(await refusedBy({ ...md5, paySign: sign(md5) }), /^支付验证签名失败.*HMAC-SHA256/, "signType must be unifiedorder's");
    assert.match(await refusedBy({ ...good, timeStamp: Number(good.timeStamp) }), /^调用支付JSAPI缺少参数：timeStamp/);
    assert.match(await refusedBy({ ...good, appId: "wx0000000000000000" }), /^调用支付JSAPI缺少参数/);
    assert.match(await refusedBy(good, "alice"), /^下单账号与支付账号不一致/);
    const paid = await (await bridgePay(good, "bob")).json();
    assert.equal(paid.err_msg, "get_brand_wcpay_request:ok");
    const n = xmlFields((await notified((x) => x.path === "/wechat" && x.body.includes("js_v2_0001"))).body);
    assert.equal(n.sign, v2Sign(n, "HMAC-SHA256"));
    assert.deepEqual([n.trade_type, n.openid], ["JSAPI", openid]);
    assert.match(await refusedBy(good), /该订单已支付/);
    const q = await v2("/pay/orderquery", { out_trade_no: "js_v2_0001" });
    assert.deepEqual([q.trade_state, q.trade_type, q.openid], ["SUCCESS", "JSAPI", openid]);
  });

  it("v3: payer.openid is required; the bridge verifies the RSA paySign with the merchant's key", async () => {
    const none = await v3("POST", "/v3/pay/transactions/jsapi", v3Order("js_v3_0001"));
    assert.deepEqual([none.status, none.json.code], [400, "PARAM_ERROR"]);
    assert.match(none.json.message, /\/body\/payer\/openid/);
    const stranger = await v3("POST", "/v3/pay/transactions/jsapi", v3Order("js_v3_0001", { payer: { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" } }));
    assert.deepEqual([stranger.status, stranger.json.message], [400, "appid和openid不匹配"]);
    const { openid } = await (await fetch(`${base}/sandbox/oauth/openid?user=carol`)).json();
    const ok = await v3("POST", "/v3/pay/transactions/jsapi", v3Order("js_v3_0001", { payer: { openid } }));
    assert.match(ok.json.prepay_id, /^wx\w+$/);
    const p = { appId: DEV.WECHAT_APPID, timeStamp: String(Math.floor(Date.now() / 1000)), nonceStr: randomBytes(16).toString("hex"), package: `prepay_id=${ok.json.prepay_id}`, signType: "RSA" };
    const paySign = createSign("sha256").update(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`).sign(DEV.WECHAT_PRIVATE_KEY, "base64");
    const wrong = await (await bridgePay({ ...p, nonceStr: "x", paySign }, "carol")).json();
    assert.match(wrong.err_desc, /^支付验证签名失败/);
    const md5 = await (await bridgePay({ ...p, signType: "MD5", paySign }, "carol")).json();
    assert.match(md5.err_desc, /RSA/);
    assert.equal((await (await bridgePay({ ...p, paySign }, "carol")).json()).err_msg, "get_brand_wcpay_request:ok");
    const q = await v3("GET", `/v3/pay/transactions/out-trade-no/js_v3_0001?mchid=${DEV.WECHAT_MCH_ID}`);
    assert.deepEqual([q.json.trade_state, q.json.trade_type, q.json.payer.openid], ["SUCCESS", "JSAPI", openid]);
  });

  it("serves the bridge script for pages, with the sandbox's address and the knobs", async () => {
    const r = await fetch(`${base}/sandbox/wechat-bridge.js`);
    assert.match(r.headers.get("content-type"), /javascript/);
    const js = await r.text();
    assert.ok(js.includes(JSON.stringify(base)));
    for (const s of ["WeixinJSBridgeReady", "getBrandWCPayRequest", "__sandboxBridge", "get_brand_wcpay_request:cancel", "/sandbox/jsapi/pay"]) assert.ok(js.includes(s), s);
    const pre = await fetch(`${base}/sandbox/jsapi/pay`, { method: "OPTIONS", headers: { origin: SHOP } });
    assert.deepEqual([pre.status, pre.headers.get("access-control-allow-origin")], [204, SHOP]);
  });
});

// ---------------------------------------------------------------- Alipay, by hand
function mapiSigned(fields) {
  const text = Object.keys(fields).filter((k) => fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&");
  return { ...fields, sign: createHash("md5").update(text + DEV.ALIPAY_KEY).digest("hex"), sign_type: "MD5" };
}
const alipayPublicKey = `-----BEGIN PUBLIC KEY-----\n${DEV.ALIPAY_PUBLIC_KEY.match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
function rsa2Signed(fields) {
  const text = Object.keys(fields).filter((k) => fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&");
  return { ...fields, sign: createSign("sha256").update(text).sign(DEV.ALIPAY_APP_PRIVATE_KEY, "base64") };
}
const openParams = (biz, extra = {}) => ({ app_id: DEV.ALIPAY_APP_ID, method: "alipay.trade.wap.pay", format: "JSON", charset: "utf-8", sign_type: "RSA2", timestamp: "2026-12-01 12:00:00", version: "1.0", notify_url: `${hookUrl}/alipay/open`, return_url: `${SHOP}/return/alipay`, biz_content: JSON.stringify(biz), ...extra });

describe("Alipay wap cashiers", () => {
  const mapiWap = (extra = {}) => ({ service: "alipay.wap.create.direct.pay.by.user", partner: DEV.ALIPAY_PARTNER, _input_charset: "utf-8", seller_id: DEV.ALIPAY_PARTNER, payment_type: "1", out_trade_no: "wap_mapi_0001", subject: "测试商品 Test item", total_fee: "19.90", notify_url: `${hookUrl}/alipay/mapi`, return_url: `${SHOP}/return/alipay`, show_url: `${SHOP}/item`, app_pay: "Y", ...extra });
  const gateway = (fields) => fetch(`${base}/gateway.do?${new URLSearchParams(fields)}`, { redirect: "manual" }).then((r) => r.text());

  it("MAPI alipay.wap.create.direct.pay.by.user: signature, seller_id and charset checks, pay, signed return", async () => {
    assert.equal(errorOf(await gateway({ ...mapiSigned(mapiWap()), total_fee: "0.01" })), "ILLEGAL_SIGN");
    const { seller_id, ...noSeller } = mapiWap();
    assert.equal(errorOf(await gateway(mapiSigned(noSeller))), "ILLEGAL_ARGUMENT");
    const { _input_charset, ...noCharset } = mapiWap();
    assert.equal(errorOf(await gateway(mapiSigned(noCharset))), "ILLEGAL_CHARSET");
    const html = await gateway(mapiSigned(mapiWap()));
    assert.equal(errorOf(html), null);
    assert.match(html, /id=alipay-wap-pay/);
    const paid = await fetch(`${base}/alipay/wap/pay`, { method: "POST", body: new URLSearchParams({ out_trade_no: "wap_mapi_0001" }), redirect: "manual" });
    assert.equal(paid.status, 302);
    const ret = Object.fromEntries(new URL(paid.headers.get("location")).searchParams);
    const { sign, sign_type, ...signedPart } = ret;
    assert.equal(sign, mapiSigned(signedPart).sign);
    assert.deepEqual([ret.exterface, ret.is_success, ret.trade_status, ret.out_trade_no], ["alipay.wap.create.direct.pay.by.user", "T", "TRADE_SUCCESS", "wap_mapi_0001"]);
    const n = Object.fromEntries(new URLSearchParams((await notified((x) => x.path === "/alipay/mapi")).body));
    assert.equal(n.out_trade_no, "wap_mapi_0001");
    const q = await gateway(mapiSigned({ service: "single_trade_query", partner: DEV.ALIPAY_PARTNER, _input_charset: "utf-8", out_trade_no: "wap_mapi_0001" }));
    assert.match(q, /<trade_status>TRADE_SUCCESS<\/trade_status>/);
  });

  it("OpenAPI alipay.trade.wap.pay: charset in the query, RSA2, QUICK_WAP_WAY, quit_url; pay and a signed wap return", async () => {
    const biz = { out_trade_no: "wap_open_0001", total_amount: "19.90", subject: "测试商品 Test item", product_code: "QUICK_WAP_WAY", quit_url: `${SHOP}/checkout` };
    const good = rsa2Signed(openParams(biz));
    // A form POST with charset only in the body: the gateway cannot verify it.
    const { charset, ...rest } = good;
    const posted = await fetch(`${base}/gateway.do`, { method: "POST", body: new URLSearchParams({ ...rest, charset }) }).then((r) => r.text());
    assert.equal(errorOf(posted), "invalid-signature");
    assert.equal(errorOf(await gateway({ ...good, subject: "x", biz_content: good.biz_content.replace("19.90", "0.01") })), "invalid-signature");
    assert.equal(errorOf(await gateway(rsa2Signed(openParams({ ...biz, product_code: "FAST_INSTANT_TRADE_PAY" })))), "INVALID_PARAMETER");
    const html = await gateway(good);
    assert.equal(errorOf(html), null);
    assert.match(html, /id=alipay-wap-pay/);
    assert.ok(html.includes(`id=alipay-wap-quit href="${SHOP}/checkout"`));
    const paid = await fetch(`${base}/alipay/openapi/wap/pay`, { method: "POST", body: new URLSearchParams({ out_trade_no: "wap_open_0001" }), redirect: "manual" });
    assert.equal(paid.status, 302);
    const loc = new URL(paid.headers.get("location"));
    assert.equal(loc.origin + loc.pathname, `${SHOP}/return/alipay`);
    const ret = Object.fromEntries(loc.searchParams);
    const content = Object.keys(ret).filter((k) => k !== "sign" && k !== "sign_type").sort().map((k) => `${k}=${ret[k]}`).join("&");
    assert.ok(createVerify("sha256").update(content).verify(alipayPublicKey, ret.sign, "base64"), "the return is RSA2-signed by Alipay's key");
    assert.deepEqual([ret.method, ret.out_trade_no, ret.total_amount], ["alipay.trade.wap.pay.return", "wap_open_0001", "19.90"]);
    const n = Object.fromEntries(new URLSearchParams((await notified((x) => x.path === "/alipay/open")).body));
    assert.deepEqual([n.trade_status, n.out_trade_no], ["TRADE_SUCCESS", "wap_open_0001"]);
    const queryParams = rsa2Signed({ app_id: DEV.ALIPAY_APP_ID, method: "alipay.trade.query", format: "JSON", charset: "utf-8", sign_type: "RSA2", timestamp: "2026-12-01 12:00:00", version: "1.0", biz_content: JSON.stringify({ out_trade_no: "wap_open_0001" }) });
    const q = await fetch(`${base}/gateway.do?${new URLSearchParams(queryParams)}`).then((r) => r.json());
    assert.deepEqual([q.alipay_trade_query_response.trade_status, q.alipay_trade_query_response.trade_no], ["TRADE_SUCCESS", ret.trade_no]);
  });
});
