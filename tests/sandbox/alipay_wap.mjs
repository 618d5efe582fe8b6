// Alipay's mobile-web cashiers, on the trades of alipay.mjs (MAPI) and alipay_openapi.mjs
// (OpenAPI), so the existing query, close and refund answer for them:
//   gateway.do service=alipay.wap.create.direct.pay.by.user (MAPI, MD5): partner, a valid
//     sign, _input_charset=utf-8 (else ILLEGAL_CHARSET), seller_id = partner, payment_type=1,
//     out_trade_no, subject, total_fee; optional notify_url, return_url, show_url, body,
//     app_pay, it_b_pay (1m–15d, or 1c). A mobile cashier (#alipay-wap-pay); paying sends
//     TRADE_SUCCESS and TRADE_FINISHED notifies and redirects to the signed return URL
//     (exterface alipay.wap.create.direct.pay.by.user).
//   gateway.do method=alipay.trade.wap.pay (OpenAPI, RSA2), by GET with every parameter in
//     the query, or POST with charset at least in the query (chloerei/alipay#90: elsewhere
//     the gateway reads the request in its default charset and the signature fails, so it
//     answers invalid-signature). biz_content: product_code=QUICK_WAP_WAY, out_trade_no,
//     total_amount, subject, optional quit_url (a back link), time_expire. Paying sends the
//     trade_status_sync notify and redirects to return_url with RSA2-signed parameters,
//     method=alipay.trade.wap.pay.return.
// Errors are HTML pages with the code in #error, as the gateway shows them to the buyer.
import { createPublicKey, createVerify } from "node:crypto";
import { escape, page } from "./alipay.mjs";
import { alipayVerify, beijing, fenOf } from "./wire.mjs";

const html = (status, body) => ({ status, type: "text/html; charset=utf-8", body });
const errorPage = (code, reason = "") => html(200, page("支付宝 · 错误 (sandbox)", `<p>错误代码 <b id=error>${escape(code)}</b></p>${reason ? `<p id=reason>${escape(reason)}</p>` : ""}`));
const fenText = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

function cashier(title, t, action, extra = "") {
  return html(200, page(title, `<p class=amount id=amount>¥${escape(fenText(t.fen))}</p><p id=subject>${escape(t.subject)}</p><p class=muted>订单号 ${escape(t.out_trade_no)}</p>
    <form method=post action="${action}"><input type=hidden name=out_trade_no value="${escape(t.out_trade_no)}"><button id=alipay-wap-pay>确认付款 Pay</button></form>${extra}`));
}

export function createAlipayWap({ mapiCfg, openCfg, state, alipay, alipayOpen, now }) {
  // mapiCfg: { partner, key }; openCfg: { appId, appPrivateKey }
  const appKey = createPublicKey(openCfg.appPrivateKey);
  const later = (fn) => setTimeout(fn, 50);

  // ---------------------------------------------------------------- MAPI
  function mapi(q) {
    if (q.partner !== mapiCfg.partner) return errorPage("ILLEGAL_PARTNER");
    if ((q._input_charset ?? "").toLowerCase() !== "utf-8") return errorPage("ILLEGAL_CHARSET", "_input_charset must be utf-8");
    if (!alipayVerify(q, mapiCfg.key)) {
      state.log.push({ provider: "alipay", api: q.service, rejected: "ILLEGAL_SIGN" });
      return errorPage("ILLEGAL_SIGN");
    }
    const fen = fenOf(q.total_fee);
    if (q.seller_id !== mapiCfg.partner) return errorPage("ILLEGAL_ARGUMENT", "seller_id must be the partner");
    if (q.payment_type !== "1" || !q.out_trade_no || !q.subject || !fen) return errorPage("ILLEGAL_ARGUMENT", "payment_type=1, out_trade_no, subject and total_fee are required");
    if (q.it_b_pay !== undefined && !/^(?:[1-9]\d*[mhd]|1c)$/.test(q.it_b_pay)) return errorPage("ILLEGAL_ARGUMENT", "it_b_pay");
    if (q.app_pay !== undefined && q.app_pay !== "Y") return errorPage("ILLEGAL_ARGUMENT", "app_pay");
    let t = alipay.trades.get(q.out_trade_no);
    if (t && t.total_fee !== q.total_fee) return errorPage("TRADE_DATA_MATCH_ERROR");
    if (t && t.gmt_payment) return errorPage("TRADE_HAS_SUCCESS");
    if (t && t.trade_status === "TRADE_CLOSED") return errorPage("TRADE_HAS_CLOSED");
    if (!t) {
      t = { out_trade_no: q.out_trade_no, subject: q.subject, body: q.body ?? "", total_fee: q.total_fee, trade_status: "WAIT_BUYER_PAY", trade_no: `2026${Date.now()}${Math.floor(Math.random() * 1e6)}`, gmt_create: beijing(new Date(now()), false), notifies: [] };
      if (q.it_b_pay) {
        const n = Number.parseInt(q.it_b_pay, 10);
        const unit = q.it_b_pay.at(-1);
        // 1c: until the end of today (Beijing time).
        const endOfDay = Date.parse(`${beijing(new Date(), false).slice(0, 10)}T23:59:59+08:00`);
        t.payable_until = unit === "c" ? endOfDay : Date.now() + n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[unit];
      }
      alipay.trades.set(q.out_trade_no, t);
    }
    Object.assign(t, { notify_url: q.notify_url, return_url: q.return_url, show_url: q.show_url, exterface: "alipay.wap.create.direct.pay.by.user" });
    state.log.push({ provider: "alipay", api: q.service, out_trade_no: q.out_trade_no });
    const show = q.show_url ? `<p><a id=alipay-wap-show href="${escape(q.show_url)}">返回商品 · Back to the item</a></p>` : "";
    return cashier("支付宝 · 手机收银台 (sandbox)", { ...t, fen }, "/alipay/wap/pay", show);
  }

  function mapiPay(f) {
    const { trade: t, error } = alipay.pay(f.out_trade_no);
    if (error) return errorPage("TRADE_NOT_PAYABLE", error);
    for (const status of ["TRADE_SUCCESS", "TRADE_FINISHED"]) {
      const form = new URLSearchParams(alipay.tradeFields(t, status)).toString();
      if (t.notify_url) later(() => state.deliver("alipay", t.notify_url, form, "application/x-www-form-urlencoded", t));
    }
    if (t.return_url) return { status: 302, headers: { location: alipay.returnUrl(t) }, body: "" };
    return html(200, page("支付宝 (sandbox)", `<p id=paid>支付成功</p>`));
  }

  // ---------------------------------------------------------------- OpenAPI
  /** `p`: every parameter (query and form); `query`: the query's alone. */
  function openapi(p, query) {
    if (p.app_id !== openCfg.appId) return errorPage("isv.invalid-app-id", "无效的AppID参数");
    const content = Object.keys(p).filter((k) => k !== "sign" && p[k] !== "" && p[k] !== undefined).sort().map((k) => `${k}=${p[k]}`).join("&");
    const charsetInQuery = (query?.charset ?? "").toLowerCase() === "utf-8";
    let valid = false;
    try {
      valid = charsetInQuery && p.sign_type === "RSA2" && !!p.sign && createVerify("sha256").update(content).verify(appKey, p.sign, "base64");
    } catch {}
    if (!valid) {
      state.log.push({ provider: "alipay_openapi", api: p.method, rejected: "invalid-signature", content, charsetInQuery });
      return errorPage("invalid-signature", `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配${charsetInQuery ? "" : " (sandbox: charset=utf-8 must be in the URL's query string)"}`);
    }
    let biz;
    try {
      biz = JSON.parse(p.biz_content ?? "");
    } catch {
      return errorPage("INVALID_PARAMETER", "biz_content is not JSON");
    }
    const fen = fenOf(biz.total_amount);
    if (biz.product_code !== "QUICK_WAP_WAY") return errorPage("INVALID_PARAMETER", "product_code must be QUICK_WAP_WAY");
    if (!biz.out_trade_no || !biz.subject || !fen) return errorPage("INVALID_PARAMETER", "out_trade_no, total_amount and subject are required");
    let expiresAt;
    if (biz.time_expire !== undefined) {
      if (!/^\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?$/.test(biz.time_expire)) return errorPage("INVALID_PARAMETER", "time_expire");
      expiresAt = Date.parse(`${biz.time_expire.replace(" ", "T")}${biz.time_expire.length === 16 ? ":00" : ""}+08:00`);
      if (now() > expiresAt) return errorPage("ACQ.TRADE_HAS_CLOSE", "交易已关闭 (time_expire has passed)");
    }
    let t = alipayOpen.trades.get(biz.out_trade_no);
    if (t && t.total !== fen) return errorPage("ACQ.CONTEXT_INCONSISTENT");
    if (t && t.trade_no) return errorPage("ACQ.TRADE_HAS_SUCCESS", "交易已被支付");
    if (t && t.trade_status === "TRADE_CLOSED") return errorPage("ACQ.TRADE_HAS_CLOSE", "交易已关闭");
    t ??= { out_trade_no: biz.out_trade_no, total: fen, subject: biz.subject, trade_status: "WAIT_BUYER_PAY", refunds: [], notifies: [], gmt_create: beijing(new Date(now()), false) };
    Object.assign(t, { notify_url: p.notify_url, return_url: p.return_url, quit_url: biz.quit_url, time_expire: biz.time_expire, expires_at: expiresAt, return_method: "alipay.trade.wap.pay.return" });
    alipayOpen.trades.set(t.out_trade_no, t);
    state.log.push({ provider: "alipay_openapi", api: p.method, out_trade_no: t.out_trade_no });
    const quit = biz.quit_url ? `<p><a id=alipay-wap-quit href="${escape(biz.quit_url)}">返回商家 · Back to the shop</a></p>` : "";
    return cashier("支付宝 · 手机收银台 (sandbox, OpenAPI)", { ...t, fen }, "/alipay/openapi/wap/pay", quit);
  }

  function openapiPay(f) {
    const t0 = alipayOpen.trades.get(f.out_trade_no);
    if (!t0) return errorPage("ACQ.TRADE_NOT_EXIST", "交易不存在");
    if (t0.trade_status === "WAIT_BUYER_PAY" && t0.expires_at && now() > t0.expires_at) t0.trade_status = "TRADE_CLOSED";
    if (t0.trade_status === "TRADE_CLOSED" && !t0.trade_no) return errorPage("ACQ.TRADE_HAS_CLOSE", "交易已关闭");
    const t = alipayOpen.pay(f.out_trade_no);
    if (t.notify_url) later(() => state.deliver("alipay", t.notify_url, alipayOpen.notifyForm(t), "application/x-www-form-urlencoded", t));
    if (t.return_url) return { status: 302, headers: { location: alipayOpen.returnUrl(t) }, body: "" };
    return html(200, page("支付宝 (sandbox)", `<p id=paid>支付成功</p>`));
  }

  /** The cashiers' pay buttons; null for any other request. */
  function route(req, url, body) {
    if (req.method !== "POST") return null;
    const f = Object.fromEntries(new URLSearchParams(body));
    if (url.pathname === "/alipay/wap/pay") return mapiPay(f);
    if (url.pathname === "/alipay/openapi/wap/pay") return openapiPay(f);
    return null;
  }

  return { mapi, openapi, route };
}
