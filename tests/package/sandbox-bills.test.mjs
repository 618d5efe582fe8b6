// The sandbox's trade bills on their own (no worker): WeChat v2 downloadbill, v3 tradebill and
// its download URL, Alipay's bill download URL query and the ZIP behind it, the /sandbox/bills
// knobs and late payments. Requests are signed here with node:crypto and signed answers are
// verified here; the files are read back with node:zlib and iconv-lite, not with bills.mjs.
import assert from "node:assert/strict";
import { createHash, createHmac, createSign, createVerify, randomBytes } from "node:crypto";
import { crc32, gunzipSync, inflateRawSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import iconv from "iconv-lite";
import { alipayBillZip, alipayDetailCsv, wechatBillCsv } from "../sandbox/bills.mjs";
import { loadDevVars, startSandbox } from "../sandbox/server.mjs";

const DEV = loadDevVars();
const ACCOUNT = `${DEV.ALIPAY_PARTNER}0156`;
/** Sandbox time for the trades: 2026-12-04 10:00:00 in Beijing, then the next day. */
const DAY1 = "2026-12-04";
const DAY2 = "2026-12-05";
const EMPTY = "2026-12-10";
const AT_DAY1 = Date.UTC(2026, 11, 4, 2, 0, 0);

let sandbox;
let base;
after(() => sandbox.close());

const post = (path, json) => fetch(base + path, { method: "POST", body: JSON.stringify(json) });
const setClock = (ms) => post("/sandbox/clock", { offset_seconds: (ms - Date.now()) / 1000 });
const advance = (seconds) => post("/sandbox/clock", { advance_seconds: seconds });
const pay = (provider, no, extra = {}) => post("/sandbox/pay", { provider, out_trade_no: no, notify: false, ...extra });
const knobs = (json) => post("/sandbox/bills", json);
const served = async (provider, date) => (await fetch(`${base}/sandbox/bills?provider=${provider}&date=${date}`)).json();

// ---------------------------------------------------------------- WeChat v2, by hand
function v2Sign(fields, signType) {
  const text = `${Object.keys(fields).filter((k) => k !== "sign" && fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&")}&key=${DEV.WECHAT_API_KEY}`;
  return signType === "HMAC-SHA256" ? createHmac("sha256", DEV.WECHAT_API_KEY).update(text).digest("hex").toUpperCase() : createHash("md5").update(text).digest("hex").toUpperCase();
}
const xmlFields = (xml) => Object.fromEntries([...xml.matchAll(/<(\w+)><!\[CDATA\[([\s\S]*?)\]\]><\/\1>/g)].map((m) => [m[1], m[2]]));
function v2Body(fields, signType = "HMAC-SHA256", { badSign = false } = {}) {
  const f = { appid: DEV.WECHAT_APPID, mch_id: DEV.WECHAT_MCH_ID, nonce_str: randomBytes(8).toString("hex"), ...(signType === "HMAC-SHA256" ? { sign_type: signType } : {}), ...fields };
  f.sign = v2Sign(f, signType);
  if (badSign) f.sign = f.sign.replace(/^./, (c) => (c === "A" ? "B" : "A"));
  return `<xml>${Object.entries(f).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join("")}</xml>`;
}
async function v2(path, fields, signType = "HMAC-SHA256") {
  const reply = xmlFields(await (await fetch(base + path, { method: "POST", body: v2Body(fields, signType) })).text());
  if (reply.sign) assert.equal(reply.sign, v2Sign(reply, signType), `the sandbox's ${path} reply is signed`);
  return reply;
}
/** POST /pay/downloadbill: { status, type, bytes }. */
async function downloadbill(fields, signType, options) {
  const resp = await fetch(`${base}/pay/downloadbill`, { method: "POST", body: v2Body({ bill_type: "ALL", ...fields }, signType, options) });
  return { status: resp.status, type: resp.headers.get("content-type"), bytes: Buffer.from(await resp.arrayBuffer()) };
}
const unifiedorder = (no, fee, extra = {}) => v2("/pay/unifiedorder", { body: "测试商品 Test item", out_trade_no: no, total_fee: String(fee), spbill_create_ip: "203.0.113.7", notify_url: "http://127.0.0.1:9/wechat", trade_type: "NATIVE", ...extra });

// ---------------------------------------------------------------- WeChat v3, by hand
async function v3(method, path, json, { sign = true } = {}) {
  const body = json === undefined ? "" : JSON.stringify(json);
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const signature = createSign("sha256").update(`${method}\n${path}\n${ts}\n${nonce}\n${body}\n`).sign(DEV.WECHAT_PRIVATE_KEY, "base64");
  const auth = `WECHATPAY2-SHA256-RSA2048 mchid="${DEV.WECHAT_MCH_ID}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${DEV.WECHAT_CERT_SERIAL}"`;
  const headers = { accept: "application/json", ...(sign ? { authorization: auth } : {}), ...(method === "GET" ? {} : { "content-type": "application/json" }) };
  const resp = await fetch(base + path, { method, headers, body: method === "GET" ? undefined : body });
  const bytes = Buffer.from(await resp.arrayBuffer());
  const h = (k) => resp.headers.get(k);
  const signedReply = h("wechatpay-signature") !== null && createVerify("sha256").update(`${h("wechatpay-timestamp")}\n${h("wechatpay-nonce")}\n${bytes.toString("utf8")}\n`).verify(DEV.WECHAT_PAY_PUBLIC_KEY, h("wechatpay-signature"), "base64");
  let parsed = null;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {}
  return { status: resp.status, type: h("content-type"), bytes, json: parsed, signed: signedReply, hasSignature: h("wechatpay-signature") !== null };
}

// ---------------------------------------------------------------- Alipay, by hand
const alipayPublicKey = `-----BEGIN PUBLIC KEY-----\n${DEV.ALIPAY_PUBLIC_KEY.match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
function rsa2Signed(fields) {
  const text = Object.keys(fields).filter((k) => fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&");
  return { ...fields, sign: createSign("sha256").update(text).sign(DEV.ALIPAY_APP_PRIVATE_KEY, "base64") };
}
/** An OpenAPI call; the response object's raw text, its parsed value, and whether Alipay signed exactly that text. */
async function openapi(method, biz) {
  const params = rsa2Signed({ app_id: DEV.ALIPAY_APP_ID, method, format: "JSON", charset: "utf-8", sign_type: "RSA2", timestamp: "2026-12-04 10:00:00", version: "1.0", biz_content: JSON.stringify(biz) });
  const text = await (await fetch(`${base}/gateway.do?charset=utf-8`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params) })).text();
  const key = `${method.replaceAll(".", "_")}_response`;
  assert.ok(text.startsWith(`{"${key}":`), text);
  const raw = text.slice(key.length + 4, text.lastIndexOf(',"sign":"'));
  const sign = JSON.parse(text).sign;
  return { raw, res: JSON.parse(raw), signed: createVerify("sha256").update(raw).verify(alipayPublicKey, sign, "base64") };
}
function mapiSigned(fields) {
  const text = Object.keys(fields).filter((k) => k !== "sign" && k !== "sign_type" && fields[k] !== "").sort().map((k) => `${k}=${fields[k]}`).join("&");
  return { ...fields, sign: createHash("md5").update(text + DEV.ALIPAY_KEY).digest("hex"), sign_type: "MD5" };
}
const mapi = (fields) => fetch(`${base}/gateway.do?${new URLSearchParams(mapiSigned({ partner: DEV.ALIPAY_PARTNER, _input_charset: "utf-8", ...fields }))}`).then((r) => r.text());

/** The files of a ZIP, read from its central directory: name (GBK) → inflated bytes, CRC checked. */
function unzip(buf) {
  const end = buf.length - 22;
  assert.equal(buf.readUInt32LE(end), 0x06054b50, "the end record");
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const files = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, "a central directory entry");
    const [method, crc, packed, size, nameLen, extraLen, commentLen, local] = [buf.readUInt16LE(at + 10), buf.readUInt32LE(at + 16), buf.readUInt32LE(at + 20), buf.readUInt32LE(at + 24), buf.readUInt16LE(at + 28), buf.readUInt16LE(at + 30), buf.readUInt16LE(at + 32), buf.readUInt32LE(at + 42)];
    assert.equal(buf.readUInt16LE(at + 8) & 0x800, 0, "names are GBK, not flagged UTF-8");
    const name = iconv.decode(buf.subarray(at + 46, at + 46 + nameLen), "gbk");
    assert.equal(buf.readUInt32LE(local), 0x04034b50, "a local header");
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    assert.equal(method, 8, "deflated");
    const data = inflateRawSync(buf.subarray(start, start + packed));
    assert.equal(data.length, size);
    assert.equal(crc32(data), crc, `${name}: CRC-32`);
    files[name] = data;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

/** WeChat ALL bill text → detail rows (back-ticks stripped) and the summary row. */
function wechatRows(text) {
  const lines = text.split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(",");
  const rows = lines.slice(1, -2).map((l) => Object.fromEntries(l.slice(1).split(",`").map((v, i) => [header[i], v])));
  return { header, rows, summary: lines.at(-1).slice(1).split(",`") };
}

// ---------------------------------------------------------------- the trades
const batchNo = `${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replaceAll("-", "")}bill0001`;
let mapiTradeNo;
before(async () => {
  sandbox = await startSandbox({ port: 0, quiet: true });
  base = `http://127.0.0.1:${sandbox.server.address().port}`;
  await post("/sandbox/refund-notifies", { on: false });
  await setClock(AT_DAY1);
  // Day 1, WeChat: a v2 payment refunded in part, a v3 payment refunded in full, a late payment.
  assert.equal((await unifiedorder("w2_0001", 1990, { attach: "order_0001" })).result_code, "SUCCESS");
  assert.equal((await pay("wechat", "w2_0001")).status, 200);
  assert.equal((await v2("/secapi/pay/refund", { out_trade_no: "w2_0001", out_refund_no: "w2_0001r1", total_fee: "1990", refund_fee: "990" })).result_code, "SUCCESS");
  const native = await v3("POST", "/v3/pay/transactions/native", { appid: DEV.WECHAT_APPID, mchid: DEV.WECHAT_MCH_ID, description: "马克杯", out_trade_no: "w3_0001", notify_url: "http://127.0.0.1:9/wechat/v3", amount: { total: 500, currency: "CNY" }, attach: "order_0002" });
  assert.equal(native.status, 200);
  assert.equal((await pay("wechat", "w3_0001")).status, 200);
  assert.equal((await v3("POST", "/v3/refund/domestic/refunds", { out_trade_no: "w3_0001", out_refund_no: "w3_0001r1", amount: { refund: 500, total: 500, currency: "CNY" } })).json.status, "SUCCESS");
  // Day 1, Alipay: an OpenAPI payment refunded in part, a MAPI payment refunded in part.
  assert.equal((await openapi("alipay.trade.precreate", { out_trade_no: "a_open_0001", total_amount: "19.90", subject: "T恤" })).res.code, "10000");
  assert.equal((await pay("alipay", "a_open_0001")).status, 200);
  assert.equal((await openapi("alipay.trade.refund", { out_trade_no: "a_open_0001", refund_amount: "9.90", out_request_no: "a_open_0001r1" })).res.code, "10000");
  await mapi({ service: "create_direct_pay_by_user", payment_type: "1", out_trade_no: "a_mapi_0001", subject: "Sticker", total_fee: "10.00", seller_email: DEV.ALIPAY_SELLER_EMAIL, notify_url: "http://127.0.0.1:9/alipay", return_url: "http://127.0.0.1:9/return" });
  mapiTradeNo = (await pay("alipay", "a_mapi_0001")).status === 200 && sandbox.state.alipay.get("a_mapi_0001").trade_no;
  assert.match(await mapi({ service: "refund_fastpay_by_platform_nopwd", batch_no: batchNo, batch_num: "1", detail_data: `${mapiTradeNo}^2.50^协商退款`, notify_url: "http://127.0.0.1:9/alipay/refund" }), /<is_success>T<\/is_success>/);
  // Day 2: a payment, and a refund of a day-1 payment.
  await setClock(AT_DAY1 + 86_400_000);
  await unifiedorder("w2_0002", 1);
  await pay("wechat", "w2_0002");
  assert.equal((await v2("/secapi/pay/refund", { out_trade_no: "w2_0001", out_refund_no: "w2_0001r2", total_fee: "1990", refund_fee: "1000" })).result_code, "SUCCESS");
  await setClock(AT_DAY1);
});

describe("what a day's bill holds", () => {
  it("WeChat: v2 and v3 payments and refunds of that Beijing day, attach, refund numbers", async () => {
    const { status, lines } = await served("wechat", DAY1);
    assert.equal(status, "ready");
    const brief = lines.map((l) => [l.state, l.outTradeNo, l.totalFen ?? l.refundFen, l.outRefundNo ?? null, l.attach]);
    assert.deepEqual(brief, [
      ["SUCCESS", "w2_0001", 1990, null, "order_0001"],
      ["REFUND", "w2_0001", 990, "w2_0001r1", "order_0001"],
      ["SUCCESS", "w3_0001", 500, null, "order_0002"],
      ["REFUND", "w3_0001", 500, "w3_0001r1", "order_0002"],
    ]);
    const o = sandbox.state.wechat.get("w2_0001");
    assert.equal(lines[0].transactionId, o.transaction_id);
    assert.equal(lines[1].refundId, o.refunds[0].refund_id);
    assert.ok(lines.every((l) => l.time >= AT_DAY1 / 1000 && l.time < AT_DAY1 / 1000 + 600), "times on the sandbox clock");
    // time_end, what queries report, is on the same clock.
    assert.match((await v2("/pay/orderquery", { out_trade_no: "w2_0001" })).time_end, /^20261204100/);
    const day2 = await served("wechat", DAY2);
    // (Within one second the order is WeChat's business; compared as a set.)
    assert.deepEqual(day2.lines.map((l) => [l.state, l.outTradeNo, l.outRefundNo ?? null]).sort(), [["REFUND", "w2_0001", "w2_0001r2"], ["SUCCESS", "w2_0002", null]]);
  });

  it("Alipay: OpenAPI and MAPI payments, refunds with out_request_no and batch_no", async () => {
    const { status, lines } = await served("alipay", DAY1);
    assert.equal(status, "ready");
    assert.deepEqual(lines.map((l) => [l.type, l.outTradeNo, l.totalFen, l.outRequestNo ?? null]), [
      ["交易", "a_open_0001", 1990, null],
      ["退款", "a_open_0001", 990, "a_open_0001r1"],
      ["交易", "a_mapi_0001", 1000, null],
      ["退款", "a_mapi_0001", 250, batchNo],
    ]);
    assert.equal(lines[2].tradeNo, mapiTradeNo);
    assert.deepEqual((await served("alipay", EMPTY)).status, "none");
  });
});

describe("WeChat v2 POST /pay/downloadbill", () => {
  it("answers the ALL bill as text (CRLF), HMAC-SHA256 or MD5", async () => {
    const { lines } = await served("wechat", DAY1);
    const expected = wechatBillCsv({ appid: DEV.WECHAT_APPID, mchId: DEV.WECHAT_MCH_ID, lines });
    for (const signType of ["HMAC-SHA256", "MD5"]) {
      const r = await downloadbill({ bill_date: "20261204" }, signType);
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain/);
      assert.equal(r.bytes.toString("utf8"), expected);
    }
    const text = (await downloadbill({ bill_date: "20261204" })).bytes.toString("utf8");
    assert.ok(text.includes("\r\n") && !/[^\r]\n/.test(text), "CRLF line ends");
    const { header, rows, summary } = wechatRows(text);
    assert.equal(header.length, 27);
    assert.deepEqual(rows.map((r) => [r["交易状态"], r["商户订单号"], r["订单金额"], r["申请退款金额"], r["商户退款单号"], r["商户数据包"]]), [
      ["SUCCESS", "w2_0001", "19.90", "0.00", "0", "order_0001"],
      ["REFUND", "w2_0001", "0.00", "9.90", "w2_0001r1", "order_0001"],
      ["SUCCESS", "w3_0001", "5.00", "0.00", "0", "order_0002"],
      ["REFUND", "w3_0001", "0.00", "5.00", "w3_0001r1", "order_0002"],
    ]);
    assert.equal(rows[0]["交易时间"].slice(0, 10), DAY1);
    assert.deepEqual([summary[0], summary[5], summary[6]], ["4", "24.90", "14.90"]);
  });

  it("tar_type=GZIP: the same text gzipped", async () => {
    const plain = (await downloadbill({ bill_date: "20261204" })).bytes;
    const r = await downloadbill({ bill_date: "20261204", tar_type: "GZIP" });
    assert.equal(r.status, 200);
    assert.deepEqual([...r.bytes.subarray(0, 2)], [0x1f, 0x8b]);
    assert.ok(gunzipSync(r.bytes).equals(plain));
  });

  it("failures are unsigned XML, also when GZIP was asked for", async () => {
    const fail = async (fields, options) => {
      const r = await downloadbill(fields, "HMAC-SHA256", options);
      assert.equal(r.status, 200);
      const text = r.bytes.toString("utf8");
      assert.match(text, /^<xml>/);
      const f = xmlFields(text);
      assert.equal(f.sign, undefined);
      return [f.return_code, f.return_msg, f.error_code];
    };
    assert.deepEqual(await fail({ bill_date: "20261210" }), ["FAIL", "No Bill Exist", "20002"]);
    assert.deepEqual(await fail({ bill_date: "20261210", tar_type: "GZIP" }), ["FAIL", "No Bill Exist", "20002"]);
    assert.deepEqual(await fail({ bill_date: "2026-12-04" }), ["FAIL", "invalid bill_date", "20001"]);
    assert.deepEqual(await fail({ bill_date: "20261232" }), ["FAIL", "invalid bill_date", "20001"]);
    assert.deepEqual(await fail({ bill_date: "20261204", bill_type: "SUCCESS" }), ["FAIL", "invalid bill_type", "20001"]);
    assert.deepEqual(await fail({ bill_date: "20261204", tar_type: "ZIP" }), ["FAIL", "invalid tar_type, Only GZIP supported", "20001"]);
    assert.deepEqual(await fail({ bill_date: "20261204" }, { badSign: true }), ["FAIL", "sign error", "20001"]);
    assert.deepEqual(await fail({ bill_date: "20261204", appid: "wx0000000000000000" }), ["FAIL", "invalid appid", "20001"]);
    await knobs({ provider: "wechat", date: DAY2, state: "creating" });
    assert.deepEqual(await fail({ bill_date: "20261205" }), ["FAIL", "Bill Creating", "20002"]);
    assert.deepEqual(await fail({ bill_date: "20261205", tar_type: "GZIP" }), ["FAIL", "Bill Creating", "20002"]);
    await knobs({ provider: "wechat", date: DAY2, state: "ready" });
    assert.equal((await downloadbill({ bill_date: "20261205" })).status, 200);
  });

  it("takes the wechat:downloadbill faults", async () => {
    await post("/sandbox/faults", { match: "wechat:downloadbill", fault: "http500" });
    assert.equal((await downloadbill({ bill_date: "20261204" })).status, 500);
    await post("/sandbox/faults", { match: "wechat:downloadbill", fault: "garbage" });
    assert.equal((await downloadbill({ bill_date: "20261204" })).bytes.toString(), "<xml><return_code><![CDATA[SUCC");
    await post("/sandbox/faults", { match: "wechat:downloadbill", fault: "systemerror" });
    assert.equal(xmlFields((await downloadbill({ bill_date: "20261204" })).bytes.toString()).return_msg, "system error");
    await post("/sandbox/faults", { match: "wechat:downloadbill", fault: "timeout" });
    await assert.rejects(fetch(`${base}/pay/downloadbill`, { method: "POST", body: v2Body({ bill_date: "20261204", bill_type: "ALL" }), signal: AbortSignal.timeout(300) }));
    assert.equal((await downloadbill({ bill_date: "20261204" })).status, 200);
  });
});

describe("WeChat v3 GET /v3/bill/tradebill and the download URL", () => {
  it("signed reply with the SHA-1 of the uncompressed file; the file (gzipped) is unsigned", async () => {
    const r = await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-04&bill_type=ALL&tar_type=GZIP");
    assert.equal(r.status, 200);
    assert.ok(r.signed, "the tradebill reply is signed");
    assert.deepEqual(Object.keys(r.json), ["hash_type", "hash_value", "download_url"]);
    assert.equal(r.json.hash_type, "SHA1");
    const url = new URL(r.json.download_url);
    assert.equal(url.origin, base);
    assert.equal(url.pathname, "/v3/billdownload/file");
    assert.equal(url.searchParams.get("tartype"), "gzip");
    const file = await v3("GET", url.pathname + url.search);
    assert.equal(file.status, 200);
    assert.equal(file.hasSignature, false, "WeChat Pay does not sign the file");
    const text = gunzipSync(file.bytes);
    assert.equal(createHash("sha1").update(text).digest("hex"), r.json.hash_value);
    const { lines } = await served("wechat", DAY1);
    assert.equal(text.toString("utf8"), wechatBillCsv({ appid: DEV.WECHAT_APPID, mchId: DEV.WECHAT_MCH_ID, lines, eol: "\n" }));
    assert.deepEqual(wechatRows(text.toString("utf8")).rows.map((x) => x["商户订单号"]), ["w2_0001", "w2_0001", "w3_0001", "w3_0001"]);
    // Without tar_type: the plain file, same hash.
    const plain = await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-04&bill_type=ALL");
    assert.equal(plain.json.hash_value, r.json.hash_value);
    const plainUrl = new URL(plain.json.download_url);
    assert.equal(plainUrl.searchParams.get("tartype"), null);
    assert.ok((await v3("GET", plainUrl.pathname + plainUrl.search)).bytes.equals(text));
  });

  it("the download needs a signed request and expires after 30 s (sandbox clock)", async () => {
    const r = await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-04&tar_type=GZIP");
    const url = new URL(r.json.download_url);
    const unsigned = await v3("GET", url.pathname + url.search, undefined, { sign: false });
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json.code, "SIGN_ERROR");
    await advance(31);
    const late = await v3("GET", url.pathname + url.search);
    assert.deepEqual([late.status, late.json.code], [400, "INVALID_REQUEST"]);
    await setClock(AT_DAY1);
    const bogus = await v3("GET", "/v3/billdownload/file?token=nope");
    assert.deepEqual([bogus.status, bogus.json.code], [400, "INVALID_REQUEST"]);
  });

  it("errors: NO_STATEMENT_EXIST, STATEMENT_CREATING, bad dates, all signed", async () => {
    const none = await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-10&bill_type=ALL");
    assert.deepEqual([none.status, none.json.code, none.signed], [400, "NO_STATEMENT_EXIST", true]);
    await knobs({ provider: "wechat", date: EMPTY, state: "creating" });
    const creating = await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-10&bill_type=ALL");
    assert.deepEqual([creating.status, creating.json.code, creating.signed], [400, "STATEMENT_CREATING", true]);
    const bad = await v3("GET", "/v3/bill/tradebill?bill_date=20261204");
    assert.deepEqual([bad.status, bad.json.code], [400, "INVALID_REQUEST"]);
    const missing = await v3("GET", "/v3/bill/tradebill?bill_type=ALL");
    assert.deepEqual([missing.status, missing.json.code], [400, "PARAM_ERROR"]);
    await post("/sandbox/faults", { match: "wechat_v3:tradebill", fault: "http500" });
    assert.equal((await v3("GET", "/v3/bill/tradebill?bill_date=2026-12-04")).status, 500);
  });
});

describe("Alipay alipay.data.dataservice.bill.downloadurl.query and the ZIP", () => {
  it("a signed bill_download_url (slashes escaped, as Alipay writes them), then the ZIP of GBK CSVs", async () => {
    const q = await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: DAY1 });
    assert.ok(q.signed, "signed over the exact response text");
    assert.equal(q.res.code, "10000");
    assert.ok(q.raw.includes('"bill_download_url":"http:\\/\\/127.0.0.1:'), q.raw);
    const url = new URL(q.res.bill_download_url);
    assert.equal(url.pathname, "/alipay/bill/download");
    assert.equal(url.searchParams.get("downloadFileName"), `${ACCOUNT}_20261204.csv.zip`);
    const resp = await fetch(url);
    assert.equal(resp.status, 200);
    const zip = Buffer.from(await resp.arrayBuffer());
    const { lines } = await served("alipay", DAY1);
    assert.ok(zip.equals(alipayBillZip({ partner: DEV.ALIPAY_PARTNER, date: DAY1, lines })), "the bytes bills.mjs renders");
    const files = unzip(zip);
    assert.deepEqual(Object.keys(files), [`${ACCOUNT}_20261204_业务明细.csv`, `${ACCOUNT}_20261204_业务明细(汇总).csv`]);
    const detail = iconv.decode(files[`${ACCOUNT}_20261204_业务明细.csv`], "gbk");
    assert.equal(detail, alipayDetailCsv({ partner: DEV.ALIPAY_PARTNER, date: DAY1, lines }));
    const rows = detail.split("\r\n").filter((l) => l && !l.startsWith("#")).slice(1).map((l) => l.split(",").map((f) => f.trim()));
    assert.deepEqual(rows.map((f) => [f[1], f[2], f[11], f[21]]), [
      ["a_open_0001", "交易", "19.90", ""],
      ["a_open_0001", "退款", "-9.90", "a_open_0001r1"],
      ["a_mapi_0001", "交易", "10.00", ""],
      ["a_mapi_0001", "退款", "-2.50", batchNo],
    ]);
    assert.match(detail, /#交易合计：2笔，商家实收共29\.90元/);
    // The link lives 30 seconds.
    await advance(31);
    assert.equal((await fetch(url)).status, 404);
    await setClock(AT_DAY1);
  });

  it("no bill, or not made yet: 40004 isp.bill_not_exist; bad arguments", async () => {
    const none = await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: EMPTY });
    assert.ok(none.signed);
    assert.deepEqual([none.res.code, none.res.sub_code], ["40004", "isp.bill_not_exist"]);
    await knobs({ provider: "alipay", date: DAY1, state: "creating" });
    const creating = await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: DAY1 });
    assert.deepEqual([creating.res.code, creating.res.sub_code], ["40004", "isp.bill_not_exist"]);
    await knobs({ provider: "alipay", date: DAY1, state: "ready" });
    const bad = await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: "2026-12" });
    assert.deepEqual([bad.res.code, bad.res.sub_code], ["40004", "invalid_arguments"]);
  });
});

describe("test knobs: amend, hide, extra, state; late payments; reset", () => {
  it("amend and hide change the bill only; extra adds lines", async () => {
    await unifiedorder("w2_0003", 300);
    await pay("wechat", "w2_0003");
    await unifiedorder("w2_0004", 400);
    await pay("wechat", "w2_0004");
    const ok = await knobs({ provider: "wechat", date: DAY1, amend: { w2_0003: 301 }, hide: ["w2_0004"], extra: [{ state: "REFUND", outTradeNo: "w2_ghost", transactionId: "4200000000000000000000000009", refundId: "503000000000009", outRefundNo: "ghost_r1", refundFen: 50, subject: "外部退款", time: "2026-12-04 23:00:00" }, { outTradeNo: "never_had", totalFen: 700 }] });
    assert.equal(ok.status, 200);
    const { lines } = await served("wechat", DAY1);
    const by = (no) => lines.filter((l) => l.outTradeNo === no);
    assert.equal(by("w2_0003")[0].totalFen, 301);
    assert.deepEqual(by("w2_0004"), []);
    assert.equal(by("never_had")[0].totalFen, 700);
    assert.equal(by("w2_ghost")[0].time, Date.UTC(2026, 11, 4, 15, 0, 0) / 1000);
    assert.equal(lines.at(-1).outTradeNo, "w2_ghost", "lines in time order");
    const text = (await downloadbill({ bill_date: "20261204" })).bytes.toString("utf8");
    const rows = wechatRows(text).rows;
    assert.equal(rows.find((r) => r["商户订单号"] === "w2_0003")["订单金额"], "3.01");
    assert.ok(!text.includes("w2_0004"));
    assert.deepEqual(Object.values(rows.find((r) => r["商户订单号"] === "w2_ghost")).slice(9, 10), ["REFUND"]);
    // The trades themselves are untouched.
    assert.equal((await v2("/pay/orderquery", { out_trade_no: "w2_0003" })).total_fee, "300");
    assert.equal((await v2("/pay/orderquery", { out_trade_no: "w2_0004" })).trade_state, "SUCCESS");
    // A line bills.mjs cannot render is refused, and the knobs stay as they were.
    assert.equal((await knobs({ provider: "wechat", date: DAY1, extra: [{ state: "REVOKED", outTradeNo: "x", totalFen: 1 }] })).status, 400);
    assert.equal((await served("wechat", DAY1)).lines.length, lines.length);
    assert.equal((await knobs({ provider: "qq", date: DAY1 })).status, 400);
  });

  it("state none hides a day with trades; state ready serves an empty one", async () => {
    await knobs({ provider: "alipay", date: DAY1, state: "none" });
    assert.equal((await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: DAY1 })).res.sub_code, "isp.bill_not_exist");
    await knobs({ provider: "alipay", date: DAY1, state: "ready" });
    await knobs({ provider: "alipay", date: "2026-12-11", state: "ready", extra: [{ outTradeNo: "a_never_had", totalFen: 100, subject: "外部" }] });
    const q = await openapi("alipay.data.dataservice.bill.downloadurl.query", { bill_type: "trade", bill_date: "2026-12-11" });
    const files = unzip(Buffer.from(await (await fetch(q.res.bill_download_url)).arrayBuffer()));
    assert.match(iconv.decode(files[`${ACCOUNT}_20261211_业务明细.csv`], "gbk"), /a_never_had\t,交易\t,外部,/);
    await knobs({ provider: "wechat", date: "2026-12-12", state: "ready" });
    const empty = wechatRows((await downloadbill({ bill_date: "20261212" })).bytes.toString("utf8"));
    assert.deepEqual([empty.rows.length, empty.summary[0]], [0, "0"]);
  });

  it("late: true pays a CLOSED trade and queries say paid from then on", async () => {
    await unifiedorder("w2_late", 800);
    assert.equal((await v2("/pay/closeorder", { out_trade_no: "w2_late" })).result_code, "SUCCESS");
    assert.equal((await pay("wechat", "w2_late")).status, 404, "a closed order is not paid without late");
    const paid = await (await pay("wechat", "w2_late", { late: true })).json();
    assert.deepEqual([paid.paid, paid.deliveries], [true, []]);
    const q = await v2("/pay/orderquery", { out_trade_no: "w2_late" });
    assert.deepEqual([q.trade_state, q.transaction_id], ["SUCCESS", paid.transaction_id]);
    assert.equal((await v2("/pay/closeorder", { out_trade_no: "w2_late" })).err_code, "ORDERPAID");
    assert.ok((await served("wechat", DAY1)).lines.some((l) => l.outTradeNo === "w2_late" && l.totalFen === 800));

    await openapi("alipay.trade.precreate", { out_trade_no: "a_late", total_amount: "8.00", subject: "late" });
    assert.equal((await openapi("alipay.trade.close", { out_trade_no: "a_late" })).res.code, "10000");
    assert.equal((await pay("alipay", "a_late")).status, 404);
    assert.equal((await pay("alipay", "a_late", { late: true })).status, 200);
    const aq = await openapi("alipay.trade.query", { out_trade_no: "a_late" });
    assert.ok(aq.signed);
    assert.deepEqual([aq.res.trade_status, aq.res.total_amount], ["TRADE_SUCCESS", "8.00"]);
    assert.ok((await served("alipay", DAY1)).lines.some((l) => l.outTradeNo === "a_late" && l.type === "交易"));
  });

  it("/sandbox/reset clears the knobs", async () => {
    await knobs({ provider: "wechat", date: EMPTY, state: "ready" });
    assert.equal((await served("wechat", EMPTY)).status, "ready");
    await post("/sandbox/reset", {});
    assert.equal((await served("wechat", EMPTY)).status, "none");
    assert.equal((await served("wechat", DAY1)).status, "none", "and the trades");
  });
});
