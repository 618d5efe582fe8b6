// Trade bills as the providers serve them, made from the sandbox's own trades and rendered by
// bills.mjs. One merchant: WeChat v2 and v3 orders share one bill, Alipay MAPI and OpenAPI
// trades another. A day's bill (Beijing time, on the sandbox clock: POST /sandbox/clock) holds
// every trade paid that day and every refund made that day, as a refund line.
//
//   WeChat v2  POST /pay/downloadbill (server.mjs routes it with the other /pay/* APIs, so
//              faults "wechat:downloadbill" timeout | http500 | garbage | systemerror hit it):
//              checked as WeChat checks it (downloadbill has its own English return_msg list),
//              answers the ALL bill as CSV text (CRLF), or gzipped with tar_type=GZIP; failures
//              are unsigned XML, also with tar_type=GZIP: `No Bill Exist` / `Bill Creating`
//              (error_code 20002), `invalid bill_date` (20001), `sign error`, …
//   WeChat v3  GET /v3/bill/tradebill?bill_date=YYYY-MM-DD[&bill_type=ALL][&tar_type=GZIP]
//              (verified and signed like every v3 route; faults "wechat_v3:tradebill"):
//              {hash_type: "SHA1", hash_value: SHA-1 of the uncompressed file, download_url},
//              or 400 NO_STATEMENT_EXIST / STATEMENT_CREATING. download_url is
//              <sandbox>/v3/billdownload/file?token=…[&tartype=gzip], valid 30 s (sandbox
//              clock): a signed GET answers the raw file (LF line ends, gzipped when asked),
//              without WeChat Pay signature headers; an unknown or expired token 400
//              INVALID_REQUEST (faults "wechat_v3:billdownload").
//   Alipay     alipay.data.dataservice.bill.downloadurl.query, biz_content {bill_type: "trade",
//              bill_date: "YYYY-MM-DD"} (RSA2-verified and signed like the other OpenAPI
//              methods; faults "alipay_openapi:bill.downloadurl.query"): bill_download_url
//              (slashes escaped "\/" as Alipay writes them) =
//              <sandbox>/alipay/bill/download?bizType=trade&…&token=…, valid 30 s; or 40004
//              isp.bill_not_exist (no trades, and also while the bill is being made: Alipay
//              has no separate code). GET that URL (unsigned) → the ZIP of GBK CSVs.
//   Test knobs POST /sandbox/bills {provider: "wechat" | "alipay", date: "YYYY-MM-DD",
//              state?: "creating" | "none" | "ready", amend?: {out_trade_no: fen}, hide?:
//              [out_trade_no…], extra?: [bills.mjs line objects]}: merged into that day's
//              knobs (amend changes a payment line's amount, hide drops a trade's lines, extra
//              adds lines; the bill alone, never the trades). GET /sandbox/bills?provider=&date=
//              → {provider, date, status, lines} as the bill would be served (times in Unix
//              seconds). reset() clears knobs and download tokens (POST /sandbox/reset).
//   Late payments: reopenLate(provider, out_trade_no) lets POST /sandbox/pay {late: true} pay
//              a CLOSED (or expired) trade, as a stale cashier can; queries then report it paid.
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ESCAPE_SLASHES } from "./alipay_openapi.mjs";
import { alipayBillZip, wechatBillCsv } from "./bills.mjs";
import { beijing, fenOf, parseWechatXml, wechatSign } from "./wire.mjs";

const DOWNLOAD_TTL_MS = 30_000;
const PLAIN = "text/plain;charset=utf-8";
const BINARY = "application/octet-stream";

/** "2026-12-04" when it is a real date, else null. */
function isoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  return m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10) === text ? text : null;
}

const sec = (ms) => Math.floor(ms / 1000);
const dayOf = (ms) => beijing(new Date(ms), false).slice(0, 10);
/** "2026-12-04 10:00:00" (Beijing) → ms. */
const fromBeijing = (text) => Date.parse(`${String(text).replace(" ", "T")}+08:00`);
/** "20261204100000" (Beijing) → ms. */
const fromCompact = (t) => fromBeijing(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`);

/** A test's time (Unix seconds, a digit string, ISO text or Beijing "yyyy-MM-dd HH:mm:ss") → Unix seconds. */
function toSeconds(v, fallback) {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number") return v;
  if (/^\d+$/.test(v)) return Number(v);
  const ms = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v) ? fromBeijing(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new Error(`bad time ${v}`);
  return sec(ms);
}

export function createBillRoutes({ wechatCfg, partner, state, wechatV3, alipay, alipayOpen, now, baseUrl, takeFault }) {
  // wechatCfg: { appid, mchId, key }; partner: the Alipay partner id (the bill's account is it + "0156").
  const knobs = (state.billKnobs ??= { wechat: new Map(), alipay: new Map() });
  const files = (state.billFiles ??= new Map()); // token → { provider, body, name?, expiresAt }
  const account = `${partner}0156`;

  // ------------------------------------------------------------------ a day's lines
  function wechatLines(date) {
    const lines = [];
    for (const o of state.wechat.values()) {
      if (!o.transaction_id) continue;
      const common = { transactionId: o.transaction_id, outTradeNo: o.out_trade_no, openid: o.payer_openid ?? "oSandboxBuyer", tradeType: o.trade_type ?? "NATIVE" };
      const tail = { subject: o.body ?? "", attach: o.request?.attach ?? "" };
      const paidAt = o.paid_at ?? fromCompact(o.time_end);
      if (dayOf(paidAt) === date) lines.push({ time: sec(paidAt), ...common, state: "SUCCESS", totalFen: Number(o.total_fee), ...tail });
      for (const r of o.refunds) {
        const at = r.at ?? Date.parse(r.create_time);
        // The bill names refund states as v2 does (v3's CLOSED / ABNORMAL are REFUNDCLOSE / CHANGE).
        const refundState = { CLOSED: "REFUNDCLOSE", ABNORMAL: "CHANGE" }[r.status] ?? r.status;
        if (dayOf(at) === date) lines.push({ time: sec(at), ...common, state: "REFUND", refundId: r.refund_id, outRefundNo: r.out_refund_no, refundFen: Number(r.refund_fee), refundState, ...tail });
      }
    }
    return lines;
  }

  function alipayLines(date) {
    const lines = [];
    const add = (t, paidAt, totalFen, refunds) => {
      const common = { tradeNo: t.trade_no, outTradeNo: t.out_trade_no };
      const created = sec(fromBeijing(t.gmt_create));
      if (dayOf(paidAt) === date) lines.push({ ...common, type: "交易", subject: t.subject, created, finished: sec(paidAt), totalFen });
      for (const r of refunds) if (dayOf(r.at) === date) lines.push({ ...common, type: "退款", subject: t.subject, created, finished: sec(r.at), totalFen: r.fen, outRequestNo: r.no });
    };
    // OpenAPI: trade_no once paid; refunds by out_request_no.
    for (const t of alipayOpen.trades.values()) {
      if (t.trade_no && t.gmt_payment) add(t, t.paid_at ?? fromBeijing(t.gmt_payment), t.total, t.refunds.map((r) => ({ at: r.at, fen: r.amount, no: r.out_request_no })));
    }
    // MAPI: trade_no from the start, gmt_payment once paid; refunds by batch_no.
    for (const t of alipay.trades.values()) {
      if (t.gmt_payment) add(t, t.paid_at ?? fromBeijing(t.gmt_payment), fenOf(t.total_fee), (t.refunds ?? []).map((r) => ({ at: r.at, fen: fenOf(r.amount), no: r.batch_no })));
    }
    return lines;
  }

  /** A test's extra line, completed (times in Unix seconds; noon of the day by default). */
  function extraLine(provider, date, l) {
    const noon = sec(fromBeijing(`${date} 12:00:00`));
    if (provider === "wechat") {
      return { time: toSeconds(l.time, noon), transactionId: l.transactionId ?? `42000${randomBytes(10).toString("hex")}`.slice(0, 28), outTradeNo: l.outTradeNo, openid: l.openid ?? "oSandboxBuyer", tradeType: l.tradeType ?? "NATIVE", state: l.state ?? "SUCCESS", ...l, time: toSeconds(l.time, noon), subject: l.subject ?? "", attach: l.attach ?? "" };
    }
    const finished = toSeconds(l.finished, noon);
    return { tradeNo: l.tradeNo ?? `2026${randomBytes(12).toString("hex")}`.slice(0, 28), outTradeNo: l.outTradeNo, type: l.type ?? "交易", subject: l.subject ?? "", ...l, created: toSeconds(l.created, finished), finished };
  }

  /** The day's bill as it would be served: { status: "ready" | "none" | "creating", lines }. */
  function bill(provider, date) {
    const k = knobs[provider].get(date) ?? {};
    const hidden = new Set(k.hide ?? []);
    const lines = (provider === "wechat" ? wechatLines(date) : alipayLines(date)).filter((l) => !hidden.has(l.outTradeNo));
    for (const l of lines) {
      const payment = l.state === "SUCCESS" || l.type === "交易";
      if (payment && k.amend && Object.hasOwn(k.amend, l.outTradeNo)) l.totalFen = Number(k.amend[l.outTradeNo]);
    }
    lines.push(...(k.extra ?? []).map((l) => extraLine(provider, date, l)));
    const at = (l) => l.time ?? l.finished;
    lines.sort((a, b) => at(a) - at(b));
    const status = k.state === "creating" || k.state === "none" ? k.state : k.state === "ready" || lines.length > 0 ? "ready" : "none";
    return { status, lines };
  }

  const wechatText = (lines, eol) => Buffer.from(wechatBillCsv({ appid: wechatCfg.appid, mchId: wechatCfg.mchId, lines, eol }), "utf8");
  const alipayZip = (date, lines) => alipayBillZip({ partner, account, date, lines });

  function issue(file) {
    const token = randomBytes(24).toString("base64url");
    files.set(token, { ...file, expiresAt: now() + DOWNLOAD_TTL_MS });
    return token;
  }
  function take(provider, token) {
    const f = files.get(token ?? "");
    return f && f.provider === provider && now() <= f.expiresAt ? f : null;
  }

  // ------------------------------------------------------------------ WeChat v2
  // Failures are unsigned XML in the layout WeChat sends (one element a line).
  const v2Fail = (msg, code) => ({ status: 200, type: PLAIN, body: `<xml><return_code><![CDATA[FAIL]]></return_code>\n<return_msg><![CDATA[${msg}]]></return_msg>\n<error_code><![CDATA[${code}]]></error_code>\n</xml>` });

  /** POST /pay/downloadbill (after server.mjs's transport faults). */
  function downloadbill(method, bodyText) {
    if (method !== "POST") return v2Fail("require POST method", "20001");
    if (!bodyText) return v2Fail("empty post data", "20001");
    const r = parseWechatXml(bodyText);
    if (!r) return v2Fail("data format error", "20001");
    for (const k of ["appid", "mch_id", "nonce_str", "sign", "bill_date"]) if (!r[k]) return v2Fail("missing parameter", "20001");
    if (r.appid !== wechatCfg.appid) return v2Fail("invalid appid", "20001");
    if (r.mch_id !== wechatCfg.mchId) return v2Fail("invalid parameter", "20001");
    const signType = r.sign_type === undefined || r.sign_type === "MD5" ? "MD5" : r.sign_type === "HMAC-SHA256" ? "HMAC-SHA256" : null;
    if (!signType || wechatSign(r, wechatCfg.key, signType) !== r.sign) {
      state.log.push({ provider: "wechat", api: "downloadbill", rejected: "sign error" });
      return v2Fail("sign error", "20001");
    }
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(r.bill_date);
    const date = m && isoDate(`${m[1]}-${m[2]}-${m[3]}`);
    if (!date) return v2Fail("invalid bill_date", "20001");
    // SUCCESS, REFUND and RECHARGE_REFUND are WeChat's too, in other layouts the sandbox does not render.
    if ((r.bill_type ?? "ALL") !== "ALL") return v2Fail("invalid bill_type", "20001");
    if (r.tar_type !== undefined && r.tar_type !== "GZIP") return v2Fail("invalid tar_type, Only GZIP supported", "20001");
    state.log.push({ provider: "wechat", api: "downloadbill", bill_date: r.bill_date });
    if (takeFault("wechat:downloadbill") === "systemerror") return v2Fail("system error", "20003");
    const { status, lines } = bill("wechat", date);
    // (Only No Bill Exist's 20002 is seen in public samples; Bill Creating's code is assumed.)
    if (status === "creating") return v2Fail("Bill Creating", "20002");
    if (status === "none") return v2Fail("No Bill Exist", "20002");
    const text = wechatText(lines, "\r\n");
    if (r.tar_type === "GZIP") return { status: 200, type: BINARY, body: gzipSync(text) };
    return { status: 200, type: PLAIN, body: text };
  }

  // ------------------------------------------------------------------ WeChat v3
  const { signed, error } = wechatV3;
  const unsignedError = (status, code, message) => ({ status, type: "application/json", headers: { "request-id": randomBytes(8).toString("hex") }, body: JSON.stringify({ code, message }) });
  wechatV3.addRoutes([
    ["GET", /^\/v3\/bill\/tradebill$/, "tradebill", (_r, _no, url) => {
      const q = url.searchParams;
      if (!q.get("bill_date")) return error(400, "PARAM_ERROR", "输入源“/query/bill_date”映射到字段“账单日期”必填性规则校验失败，此字段为必填项");
      const date = isoDate(q.get("bill_date"));
      if (!date) return error(400, "INVALID_REQUEST", "账单日期格式错误，请检查bill_date");
      if (!["ALL", null].includes(q.get("bill_type"))) return error(400, "PARAM_ERROR", "bill_type (sandbox: only ALL is rendered)");
      const gzip = q.get("tar_type") === "GZIP";
      if (!gzip && q.get("tar_type") !== null) return error(400, "PARAM_ERROR", "tar_type");
      const { status, lines } = bill("wechat", date);
      if (status === "creating") return error(400, "STATEMENT_CREATING", "账单生成中");
      if (status === "none") return error(400, "NO_STATEMENT_EXIST", "请求的账单文件不存在");
      const text = wechatText(lines, "\n");
      const token = issue({ provider: "wechat", body: gzip ? gzipSync(text) : text });
      return signed(200, { hash_type: "SHA1", hash_value: createHash("sha1").update(text).digest("hex"), download_url: `${baseUrl()}/v3/billdownload/file?token=${token}${gzip ? "&tartype=gzip" : ""}` });
    }],
    ["GET", /^\/v3\/billdownload\/file$/, "billdownload", (_r, _no, url) => {
      const f = take("wechat", url.searchParams.get("token"));
      if (!f) return unsignedError(400, "INVALID_REQUEST", "下载地址已失效，请重新申请账单");
      // The file itself: WeChat Pay does not sign it (the tradebill reply's hash_value covers it).
      return { status: 200, type: BINARY, headers: { "request-id": randomBytes(8).toString("hex") }, body: f.body };
    }],
  ]);

  // ------------------------------------------------------------------ Alipay
  alipayOpen.addMethods({
    "alipay.data.dataservice.bill.downloadurl.query"(biz) {
      // signcustomer and monthly (yyyy-MM) bills are Alipay's too; the sandbox renders daily trade bills.
      const date = isoDate(biz.bill_date);
      if (biz.bill_type !== "trade" || !date) return { code: "40004", msg: "Business Failed", sub_code: "invalid_arguments", sub_msg: "入参不合法 (sandbox: bill_type trade, bill_date yyyy-MM-dd)" };
      const { status, lines } = bill("alipay", date);
      if (status !== "ready") return { code: "40004", msg: "Business Failed", sub_code: "isp.bill_not_exist", sub_msg: "账单不存在" };
      const compact = date.replaceAll("-", "");
      const name = `${account}_${compact}.csv.zip`;
      const token = issue({ provider: "alipay", body: alipayZip(date, lines), name });
      const query = new URLSearchParams({ bizType: "trade", userId: account, fileType: "csv.zip", bizDates: compact, downloadFileName: name, fileId: `/trade/${account}/${compact}.csv.zip`, timestamp: String(sec(now())), token });
      return { code: "10000", msg: "Success", bill_download_url: `${baseUrl()}/alipay/bill/download?${query}`, [ESCAPE_SLASHES]: true };
    },
  });

  // ------------------------------------------------------------------ late payments
  /** Lets the next pay of a CLOSED (or expired, unpaid) trade go through. */
  function reopenLate(provider, no) {
    if (provider === "wechat") {
      const o = state.wechat.get(no);
      if (o?.trade_state === "CLOSED" && !o.transaction_id) Object.assign(o, { trade_state: "NOTPAY", late: true });
      return;
    }
    const t = alipayOpen.trades.get(no);
    if (t) {
      if (t.trade_status === "TRADE_CLOSED" && !t.trade_no) Object.assign(t, { trade_status: "WAIT_BUYER_PAY", late: true });
      return;
    }
    const m = alipay.trades.get(no);
    if (m && !m.gmt_payment) {
      Object.assign(m, { trade_status: "WAIT_BUYER_PAY", late: true });
      delete m.payable_until;
    }
  }

  // ------------------------------------------------------------------ routes and knobs
  const json = (status, body) => ({ status, type: "application/json", body: JSON.stringify(body) });

  function setKnobs(f) {
    if (!["wechat", "alipay"].includes(f?.provider)) return json(400, { error: "provider must be wechat or alipay" });
    if (!isoDate(f.date)) return json(400, { error: "date must be YYYY-MM-DD" });
    if (f.state !== undefined && !["creating", "none", "ready"].includes(f.state)) return json(400, { error: "state must be creating, none or ready" });
    if ((f.hide !== undefined && !Array.isArray(f.hide)) || (f.extra !== undefined && !Array.isArray(f.extra)) || (f.amend !== undefined && (typeof f.amend !== "object" || Array.isArray(f.amend)))) {
      return json(400, { error: "hide and extra are arrays, amend an object" });
    }
    const map = knobs[f.provider];
    const before = map.get(f.date);
    const k = { ...before, amend: { ...before?.amend, ...f.amend }, hide: [...(before?.hide ?? []), ...(f.hide ?? [])], extra: [...(before?.extra ?? []), ...(f.extra ?? [])] };
    if (f.state !== undefined) k.state = f.state;
    map.set(f.date, k);
    try {
      // Rendered once now, so a malformed extra line is this request's error.
      const { lines } = bill(f.provider, f.date);
      if (f.provider === "wechat") wechatText(lines, "\n");
      else alipayZip(f.date, lines);
    } catch (e) {
      if (before) map.set(f.date, before);
      else map.delete(f.date);
      return json(400, { error: `the bill does not render: ${e.message}` });
    }
    return json(200, { ok: true, provider: f.provider, date: f.date, knobs: k });
  }

  /** This module's own paths; null for any other request. */
  function route(req, url, body) {
    const p = url.pathname;
    if (p === "/alipay/bill/download" && req.method === "GET") {
      const f = take("alipay", url.searchParams.get("token"));
      if (!f) return { status: 404, type: PLAIN, body: "the download link is unknown or has expired (30 s)" };
      return { status: 200, type: BINARY, headers: { "content-disposition": `attachment; filename="${f.name}"` }, body: f.body };
    }
    if (p === "/sandbox/bills" && req.method === "POST") {
      let f = null;
      try {
        f = JSON.parse(body);
      } catch {}
      return setKnobs(f);
    }
    if (p === "/sandbox/bills" && req.method === "GET") {
      const provider = url.searchParams.get("provider");
      const date = isoDate(url.searchParams.get("date"));
      if (!["wechat", "alipay"].includes(provider) || !date) return json(400, { error: "provider (wechat | alipay) and date (YYYY-MM-DD) are required" });
      return json(200, { provider, date, ...bill(provider, date) });
    }
    return null;
  }

  function reset() {
    knobs.wechat.clear();
    knobs.alipay.clear();
    files.clear();
  }

  return { downloadbill, route, reset, reopenLate, bill };
}
