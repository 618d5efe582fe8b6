// The provider sandbox: one HTTP server on 127.0.0.1 (default port 8788) that speaks WeChat
// Pay v2 and v3 and Alipay MAPI and OpenAPI as the providers do, checks every signature it
// receives, plays the buyer (cashier pages, "scan and pay" page, the H5 page, a
// WeixinJSBridge) and sends signed notifies back.
//
// Provider endpoints:
//   WeChat v2   POST /pay/unifiedorder (NATIVE, MWEB, JSAPI), /pay/orderquery, /pay/closeorder,
//               /pay/refundquery, /secapi/pay/refund (wechat.mjs), /pay/downloadbill
//   WeChat v3   POST /v3/pay/transactions/{native,h5,jsapi}, GET …/out-trade-no/{no},
//               POST …/{no}/close, /v3/refund/domestic/refunds[/{no}], GET /v3/certificates
//                                                        (wechat_v3.mjs, wechat_mobile.mjs),
//               GET /v3/bill/tradebill, /v3/billdownload/file
//   WeChat H5   GET /wechat/h5/checkmweb?prepay_id&package[&redirect_url] (the mweb_url /
//               h5_url page; pay button #wechat-h5-pay)                  (wechat_mobile.mjs)
//   OAuth       GET /connect/oauth2/authorize, GET /sns/oauth2/access_token (wechat_oauth.mjs)
//   Alipay      GET|POST /gateway.do: MAPI create_direct_pay_by_user, single_trade_query,
//               close_trade, refund_fastpay_by_platform_nopwd, notify_verify (alipay.mjs);
//               OpenAPI alipay.trade.{precreate,page.pay,query,close,refund,
//               fastpay.refund.query} (alipay_openapi.mjs); alipay.wap.create.direct.pay.by.user
//               and alipay.trade.wap.pay (mobile cashiers, pay button #alipay-wap-pay)
//               (alipay_wap.mjs); alipay.data.dataservice.bill.downloadurl.query and
//               GET /alipay/bill/download
//   Trade bills (the three above; bill_routes.mjs, rendered by bills.mjs): a day's payments
//               and refunds (Beijing day, sandbox clock), WeChat v2+v3 in one, Alipay in one
//   Buyer pages GET /wechat/scan?pr=, GET /alipay/scan?qr=, the cashiers' POST …/pay
//
// Test helpers (JSON):
//   POST /sandbox/pay       {provider, out_trade_no, notify = true, times = 2, late = false}
//                           late: pays even a CLOSED trade (a stale cashier); queries then say paid
//   POST /sandbox/bills     {provider, date, state?: creating|none|ready, amend?, hide?, extra?}
//                           changes that day's bill only; GET /sandbox/bills?provider=&date= reads it
//   GET  /sandbox/notify    ?provider=&out_trade_no=   a fresh signed notify body
//   POST /sandbox/faults    {match: "wechat:unifiedorder", fault, times = 1, order?}
//        faults: timeout | http500 | garbage | systemerror | orderpaid | badsign | deny, and
//        accept_timeout | accept_http500 (the provider acts, then the answer is lost),
//        slow (answered as usual after delayMs, default 10 s)
//   POST /sandbox/refunds   {status}   WeChat's status for new refunds (default SUCCESS)
//   POST /sandbox/refund-notifies {on}   false: refunds send no notify (v3, MAPI)
//   POST /sandbox/settle    {out_trade_no, status, from?}   settles that WeChat order's PROCESSING
//                           (or `from`: CHANGE / ABNORMAL) refunds
//   POST /sandbox/clock     {advance_seconds} | {offset_seconds}   moves the sandbox clock that
//                           times mweb_url (5 min), prepay_id (2 h), OAuth codes (5 min) and
//                           alipay.trade.wap.pay's time_expire; GET /sandbox/clock reads it
//   GET  /sandbox/oauth/last           the last OAuth code issued (to replay a callback)
//   GET  /sandbox/oauth/openid?user=   that WeChat user's openid (as if they authorised)
//   GET  /sandbox/wechat-bridge.js     a WeixinJSBridge for pages (window.__sandboxBridge =
//                           {answer: "cancel"|"noreply", user, delayMs}); it pays through
//   POST /sandbox/jsapi/pay {params, user?}   getBrandWCPayRequest's check (CORS allowed)
//   DELETE /sandbox/faults; POST /sandbox/reset; GET /sandbox/state
// Buyer knobs: cookie sandbox_wx_user (the WeChat user, default "buyer"), header
// x-sandbox-buyer-ip (the buyer's IP on the H5 page, default the socket's address).
// Keys: the dev values of .dev.vars.example, unless the environment overrides them.
// `publicBaseUrl` (default PUBLIC_BASE_URL) names the worker's host, the 网页授权域名;
// `shopOrigins` (default RETURN_URL_ORIGINS or ALLOWED_ORIGINS) the shop's, the H5 domain;
// 127.0.0.1 is both.
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAlipay, escape, page } from "./alipay.mjs";
import { createAlipayOpenApi } from "./alipay_openapi.mjs";
import { createAlipayWap } from "./alipay_wap.mjs";
import { createBillRoutes } from "./bill_routes.mjs";
import { indexPage, scanPage } from "./pages.mjs";
import { createWechat } from "./wechat.mjs";
import { createWechatMobile } from "./wechat_mobile.mjs";
import { createWechatOAuth } from "./wechat_oauth.mjs";
import { createWechatV3 } from "./wechat_v3.mjs";
import { parseForm } from "./wire.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export function loadDevVars() {
  const text = readFileSync(join(here, "../../.dev.vars.example"), "utf8");
  const vars = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    // A double-quoted value is one line with \n escapes (multi-line PEMs), as dotenv reads it.
    if (m) vars[m[1]] = /^".*"$/.test(m[2]) ? m[2].slice(1, -1).replaceAll("\\n", "\n") : m[2];
  }
  return { ...vars, ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k in vars)) };
}

export function startSandbox({ port = 8788, host = "127.0.0.1", quiet = false, publicBaseUrl, shopOrigins } = {}) {
  const v = loadDevVars();
  const wechatCfg = { appid: v.WECHAT_APPID, mchId: v.WECHAT_MCH_ID, key: v.WECHAT_API_KEY };
  const wechatV3Cfg = {
    appid: v.WECHAT_APPID,
    mchid: v.WECHAT_MCH_ID,
    merchantSerial: v.WECHAT_CERT_SERIAL,
    merchantPublicKey: createPublicKey(v.WECHAT_PRIVATE_KEY).export({ type: "spki", format: "pem" }),
    payKey: readFileSync(join(here, "wechatpay_sandbox_key.pem"), "utf8"),
    payKeyId: v.WECHAT_PAY_PUBLIC_KEY_ID,
    // The same key as a platform certificate, for merchants without a WeChat Pay public key.
    payCert: readFileSync(join(here, "wechatpay_sandbox_cert.pem"), "utf8"),
    apiv3Key: v.WECHAT_APIV3_KEY,
  };
  const alipayCfg = { partner: v.ALIPAY_PARTNER, key: v.ALIPAY_KEY, sellerEmail: v.ALIPAY_SELLER_EMAIL };
  const state = { wechat: new Map(), alipay: new Map(), notifyIds: new Map(), faults: [], log: [], deliveries: 0, requests: [] };

  // A rule with an `order` hits only requests about that out_trade_no (the order objects'
  // own provider checks would otherwise take a fault meant for another test).
  function takeFault(name, order) {
    const rule = state.faults.find((f) => f.match === name && f.times > 0 && (!f.order || f.order === order));
    if (!rule) return null;
    rule.times -= 1;
    state.log.push({ fault: rule.fault, at: name });
    // "slow": the request is held this long, then answered as usual.
    state.faultDelayMs = rule.delayMs;
    return rule.fault;
  }

  state.deliver = async (provider, url, body, type, order, headers = {}) => {
    state.deliveries += 1;
    const startedAt = Date.now();
    let record;
    try {
      const resp = await fetch(url, { method: "POST", headers: { "content-type": type, ...headers }, body, signal: AbortSignal.timeout(10_000) });
      record = { status: resp.status, body: await resp.text(), startedAt };
    } catch (e) {
      record = { error: String(e.cause?.code ?? e.message), startedAt };
    }
    order.notifies.push(record);
    return record;
  };

  // The sandbox clock (POST /sandbox/clock): payment and refund times, and the mobile paths' TTLs.
  state.clockOffsetMs = 0;
  const now = (state.now = () => Date.now() + state.clockOffsetMs);
  const wechat = createWechat(wechatCfg, state, takeFault);
  const wechatV3 = createWechatV3(wechatV3Cfg, state, takeFault);
  const alipay = createAlipay(alipayCfg, state, takeFault);
  const alipayOpen = createAlipayOpenApi({ appId: v.ALIPAY_APP_ID, appPrivateKey: v.ALIPAY_APP_PRIVATE_KEY, alipayKey: readFileSync(join(here, "alipay_sandbox_key.pem"), "utf8") }, state, takeFault);

  // The mobile paths: the hosts the merchant registered: the worker's public host for OAuth
  // (网页授权域名), the shop's hosts for H5 (the H5 domain: the pages the buyer comes from and
  // returns to), and loopback for both.
  const publicHost = (() => {
    try {
      return new URL(publicBaseUrl ?? v.PUBLIC_BASE_URL).hostname;
    } catch {
      return "127.0.0.1";
    }
  })();
  const allowedHost = (h) => h === "127.0.0.1" || h === publicHost;
  const shopHosts = new Set(
    (shopOrigins ?? v.RETURN_URL_ORIGINS ?? v.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => URL.parse(o.trim())?.hostname)
      .filter(Boolean),
  );
  const h5Host = (h) => h === "127.0.0.1" || shopHosts.has(h);
  const baseUrl = () => `http://${host}:${server.address()?.port ?? port}`;
  const oauth = createWechatOAuth({ appid: v.WECHAT_APPID, secret: v.WECHAT_APP_SECRET }, state, { now, allowedHost });
  const mobile = createWechatMobile({
    cfg: { appid: v.WECHAT_APPID, mchid: v.WECHAT_MCH_ID, key: v.WECHAT_API_KEY, merchantPublicKey: wechatV3Cfg.merchantPublicKey },
    state, wechat, wechatV3, oauth, now, baseUrl, allowedHost: h5Host,
    payAndNotify: (args) => payAndNotify(args),
  });
  const wap = createAlipayWap({ mapiCfg: alipayCfg, openCfg: { appId: v.ALIPAY_APP_ID, appPrivateKey: v.ALIPAY_APP_PRIVATE_KEY }, state, alipay, alipayOpen, now });
  const bills = createBillRoutes({ wechatCfg, partner: v.ALIPAY_PARTNER, state, wechatV3, alipay, alipayOpen, now, baseUrl, takeFault });

  async function payAndNotify({ provider, out_trade_no, notify = true, times = 2, late = false }) {
    if (late) bills.reopenLate(provider, out_trade_no);
    if (provider === "wechat") {
      const { order, error } = wechat.pay(out_trade_no);
      if (error) return { status: 404, json: { error } };
      const deliveries = [];
      if (order.v3) order.success_time ??= new Date(order.paid_at).toISOString().replace(/\.\d+Z$/, "+00:00");
      for (let i = 0; notify && i < times; i++) {
        if (order.v3) {
          const { body, headers } = wechatV3.notify(order);
          deliveries.push(await state.deliver("wechat", order.notify_url, body, "application/json", order, headers));
        } else deliveries.push(await state.deliver("wechat", order.notify_url, wechat.notifyBody(order), "text/xml", order));
      }
      return { status: 200, json: { paid: true, transaction_id: order.transaction_id, deliveries } };
    }
    if (provider === "alipay" && alipayOpen.trades.has(out_trade_no)) {
      const trade = alipayOpen.pay(out_trade_no);
      if (trade.trade_status === "TRADE_CLOSED" && !trade.trade_no) return { status: 404, json: { error: "the trade is closed" } };
      const deliveries = [];
      for (let i = 0; notify && trade.notify_url && i < times; i++) {
        deliveries.push(await state.deliver("alipay", trade.notify_url, alipayOpen.notifyForm(trade), "application/x-www-form-urlencoded", trade));
      }
      return { status: 200, json: { paid: true, trade_no: trade.trade_no, deliveries } };
    }
    if (provider === "alipay") {
      const { trade, error } = alipay.pay(out_trade_no);
      if (error) return { status: 404, json: { error } };
      const deliveries = [];
      if (notify) {
        for (let i = 0; i < times; i++) {
          const status = i === times - 1 && times > 1 ? "TRADE_FINISHED" : "TRADE_SUCCESS";
          const form = new URLSearchParams(alipay.tradeFields(trade, status)).toString();
          deliveries.push(await state.deliver("alipay", trade.notify_url, form, "application/x-www-form-urlencoded", trade));
        }
      }
      return { status: 200, json: { paid: true, trade_no: trade.trade_no, deliveries } };
    }
    return { status: 400, json: { error: "provider must be wechat or alipay" } };
  }

  async function route(req, url, body) {
    const p = url.pathname;
    if (p.startsWith("/pay/") || p.startsWith("/secapi/") || p === "/gateway.do") state.requests.push(`${req.method} ${url.pathname}${url.search}\n${body}`);
    if (p.startsWith("/pay/") || p === "/secapi/pay/refund") {
      const name = p === "/secapi/pay/refund" ? "refund" : p.slice(5);
      if (!["unifiedorder", "orderquery", "closeorder", "refundquery", "downloadbill"].includes(name) && name !== "refund") return { status: 404, type: "text/plain", body: "not found" };
      const fault = peekTransportFault(`wechat:${name}`, /<out_trade_no>(?:<!\[CDATA\[)?([^<\]]+)/.exec(body)?.[1]);
      if (fault) return { fault };
      if (name === "downloadbill") return bills.downloadbill(req.method, body);
      return wechat.handle(name, req.method, body);
    }
    if (p.startsWith("/v3/")) {
      state.requests.push(`${req.method} ${url.pathname}${url.search}\n${body}`);
      return wechatV3.handle(req, url, body);
    }
    if (p === "/gateway.do") {
      // OpenAPI clients put the common parameters in the query and the rest in a form body.
      const form = req.method === "GET" ? {} : parseForm(body);
      const query = url.search ? parseForm(url.search.slice(1)) : {};
      const q = form && { ...query, ...form };
      if (q?.service === "alipay.wap.create.direct.pay.by.user") return wap.mapi(q);
      if (q?.method === "alipay.trade.wap.pay") return wap.openapi(q, query);
      if (q?.method && q.app_id) return alipayOpen.handle(q);
      if (!q) return { status: 200, type: "text/xml", body: "<alipay><is_success>F</is_success><error>ILLEGAL_ARGUMENT</error></alipay>" };
      return alipay.handle(q);
    }
    const mobileAnswer = mobile.route(req, url, body) ?? oauth.route(req, url) ?? wap.route(req, url, body) ?? bills.route(req, url, body);
    if (mobileAnswer) return mobileAnswer;
    if (p === "/sandbox/clock") {
      const f = req.method === "POST" ? safeJson(body) ?? {} : {};
      if (Number.isFinite(f.offset_seconds)) state.clockOffsetMs = f.offset_seconds * 1000;
      if (Number.isFinite(f.advance_seconds)) state.clockOffsetMs += f.advance_seconds * 1000;
      return { status: 200, type: "application/json", body: JSON.stringify({ offset_seconds: state.clockOffsetMs / 1000, now: new Date(now()).toISOString() }) };
    }
    if (p === "/alipay/openapi/cashier/pay" && req.method === "POST") {
      const t = alipayOpen.pay((parseForm(body) ?? {}).out_trade_no);
      if (!t || !t.trade_no) return html(404, page("支付宝 (sandbox)", "<p>no such trade, or closed</p>"));
      setTimeout(() => state.deliver("alipay", t.notify_url, alipayOpen.notifyForm(t), "application/x-www-form-urlencoded", t), 50);
      return { status: 302, headers: { location: alipayOpen.returnUrl(t) }, body: "" };
    }
    if (p === "/alipay/cashier/pay" && req.method === "POST") {
      const f = parseForm(body) ?? {};
      const { trade, error } = alipay.pay(f.out_trade_no);
      if (error) return html(404, page("支付宝 (sandbox)", `<p>${escape(error)}</p>`));
      for (const status of ["TRADE_SUCCESS", "TRADE_FINISHED"]) {
        const form = new URLSearchParams(alipay.tradeFields(trade, status)).toString();
        setTimeout(() => state.deliver("alipay", trade.notify_url, form, "application/x-www-form-urlencoded", trade), 50);
      }
      return { status: 302, headers: { location: alipay.returnUrl(trade) }, body: "" };
    }
    if (p === "/alipay/scan") {
      // The buyer's Alipay app scanning a precreate QR code (OpenAPI).
      const t = [...alipayOpen.trades.values()].find((x) => x.qr_code && x.qr_code === url.searchParams.get("qr"));
      if (!t) return html(404, page("支付宝 (sandbox)", "<p>二维码无效 · Unknown QR code</p>"));
      const amount = `${Math.floor(t.total / 100)}.${String(t.total % 100).padStart(2, "0")}`;
      return html(200, page("支付宝 · 扫码付款 (sandbox)", `<p class=amount>¥${amount}</p><p>${escape(t.subject)}</p><p class=muted>商户订单号 ${escape(t.out_trade_no)}</p>
        <p id=status></p><button id=alipay-scan-pay onclick="pay()">确认付款 Pay</button>
        <script>async function pay(){const r=await fetch('/sandbox/pay',{method:'POST',body:JSON.stringify({provider:'alipay',out_trade_no:${JSON.stringify(t.out_trade_no)},times:1})});document.getElementById('status').textContent=r.ok?'支付成功 · Paid':'失败 · Failed';}</script>`));
    }
    if (p === "/wechat/scan") {
      const o = [...wechat.orders.values()].find((x) => x.token === url.searchParams.get("pr"));
      if (!o) return html(404, page("微信支付 (sandbox)", "<p>二维码无效 · Unknown QR code</p>"));
      return html(200, scanPage(o));
    }
    if (p === "/sandbox/pay" && req.method === "POST") {
      const r = await payAndNotify(safeJson(body) ?? {});
      return { status: r.status, type: "application/json", body: JSON.stringify(r.json) };
    }
    if (p === "/sandbox/notify" && req.method === "GET") {
      const provider = url.searchParams.get("provider");
      const no = url.searchParams.get("out_trade_no");
      if (provider === "wechat" && wechat.orders.get(no)?.transaction_id) return { status: 200, type: "text/xml", body: wechat.notifyBody(wechat.orders.get(no)) };
      if (provider === "alipay" && alipay.trades.get(no)?.gmt_payment) return { status: 200, type: "application/x-www-form-urlencoded", body: new URLSearchParams(alipay.tradeFields(alipay.trades.get(no), url.searchParams.get("status") ?? "TRADE_SUCCESS")).toString() };
      return { status: 404, type: "application/json", body: JSON.stringify({ error: "no paid order" }) };
    }
    if (p === "/sandbox/faults" && req.method === "POST") {
      const f = safeJson(body);
      if (!f?.match || !f?.fault) return { status: 400, type: "application/json", body: '{"error":"match and fault are required"}' };
      state.faults.push({ match: f.match, fault: f.fault, times: f.times ?? 1, delayMs: f.delayMs ?? 10_000, order: f.order });
      return { status: 200, type: "application/json", body: '{"ok":true}' };
    }
    if (p === "/sandbox/wechat-v3-mode" && req.method === "POST") {
      // "public_key" (default: Wechatpay-Serial is the PUB_KEY_ID) or "certificate" (the
      // platform certificate's serial, and /v3/certificates serves it).
      state.v3Mode = safeJson(body)?.mode === "certificate" ? "certificate" : "public_key";
      return { status: 200, type: "application/json", body: JSON.stringify({ mode: state.v3Mode }) };
    }
    if (p === "/sandbox/refund-notifies" && req.method === "POST") {
      state.refundNotifies = safeJson(body)?.on === false ? "off" : undefined;
      return { status: 200, type: "application/json", body: '{"ok":true}' };
    }
    if (p === "/sandbox/refunds" && req.method === "POST") {
      state.refundStatus = safeJson(body)?.status ?? undefined;
      return { status: 200, type: "application/json", body: '{"ok":true}' };
    }
    if (p === "/sandbox/settle" && req.method === "POST") {
      const f = safeJson(body) ?? {};
      const o = wechat.orders.get(f.out_trade_no);
      if (!o) return { status: 404, type: "application/json", body: '{"error":"no such order"}' };
      const from = f.from === "CHANGE" && o.v3 ? "ABNORMAL" : f.from ?? "PROCESSING";
      for (const r of o.refunds) {
        if (r.status !== from) continue;
        r.status = f.status ?? "SUCCESS";
        // v3 names it CLOSED; its notify follows the settlement.
        if (o.v3 && r.status === "REFUNDCLOSE") r.status = "CLOSED";
        if (o.v3) wechatV3.sendRefundNotify(o, r);
      }
      return { status: 200, type: "application/json", body: JSON.stringify({ refunds: o.refunds }) };
    }
    if (p === "/sandbox/faults" && req.method === "DELETE") {
      state.faults.length = 0;
      return { status: 200, type: "application/json", body: '{"ok":true}' };
    }
    if (p === "/sandbox/reset" && req.method === "POST") {
      for (const m of [state.wechat, state.alipay, state.notifyIds, alipayOpen.trades]) m.clear();
      mobile.reset();
      oauth.reset();
      bills.reset();
      state.clockOffsetMs = 0;
      state.faults.length = 0;
      state.log.length = 0;
      return { status: 200, type: "application/json", body: '{"ok":true}' };
    }
    if (p === "/sandbox/state") {
      const json = { wechat: Object.fromEntries(state.wechat), alipay: Object.fromEntries(state.alipay), alipayOpen: Object.fromEntries(alipayOpen.trades), h5: Object.fromEntries(state.h5), oauth: { last: state.oauth.last, openids: Object.fromEntries(state.oauth.openids) }, clockOffsetSeconds: state.clockOffsetMs / 1000, faults: state.faults, log: state.log.slice(-200), deliveries: state.deliveries };
      return { status: 200, type: "application/json", body: JSON.stringify(json) };
    }
    if (p === "/") return html(200, indexPage(wechat, alipay));
    return { status: 404, type: "text/plain", body: "not found" };
  }

  // Transport faults (timeout, http500, garbage) are taken before any parsing, so they hit
  // whichever request comes next for that API.
  function peekTransportFault(name, order) {
    const rule = state.faults.find((f) => f.match === name && f.times > 0 && (!f.order || f.order === order) && ["timeout", "http500", "garbage"].includes(f.fault));
    if (!rule) return null;
    rule.times -= 1;
    state.log.push({ fault: rule.fault, at: name });
    // "slow": the request is held this long, then answered as usual.
    state.faultDelayMs = rule.delayMs;
    return rule.fault;
  }

  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= 1 << 20) chunks.push(c);
    });
    req.on("end", async () => {
      const url = new URL(req.url, `http://${host}:${port}`);
      let out;
      try {
        out = await route(req, url, Buffer.concat(chunks).toString("utf8"));
      } catch (e) {
        out = { status: 500, type: "text/plain", body: String(e.stack ?? e) };
      }
      if (out.fault === "timeout") {
        const t = setTimeout(() => res.destroy(), 10_000);
        res.on("close", () => clearTimeout(t));
        return;
      }
      if (out.fault === "http500") out = { status: 500, type: "text/html", body: "<html><body>500 Internal Server Error</body></html>" };
      if (out.fault === "garbage") out = { status: 200, type: "text/xml", body: "<xml><return_code><![CDATA[SUCC" };
      res.writeHead(out.status, { "content-type": out.type ?? "text/plain", ...(out.headers ?? {}) });
      res.end(out.body);
    });
  });
  // Keep idle connections longer than workerd's outbound pool does: a server that closes an
  // idle socket just as the worker reuses it makes a "Network connection lost" that no
  // provider causes (the order objects' alarms leave sockets idle at odd times).
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(e.code === "EADDRINUSE" ? new Error(`sandbox: port ${port} is in use (another npm run dev?)`) : e));
    server.listen(port, host, () => {
      if (!quiet) console.log(`sandbox: WeChat Pay v2/v3 and Alipay MAPI/OpenAPI on http://${host}:${port}`);
      // notifyV3: a fresh v3 notify (body and headers) for an order, for tests.
      resolve({ server, state, notifyV3: (o) => wechatV3.notify(o), wechatV3, alipayOpen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
    });
  });
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function html(status, body) {
  return { status, type: "text/html; charset=utf-8", body };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.SANDBOX_PORT ?? 8788);
  startSandbox({ port }).then(({ close }) => {
    for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => close().then(() => process.exit(0)));
  });
}
