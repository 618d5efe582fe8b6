// The Alipay OpenAPI side of the sandbox (RSA2): alipay.trade.precreate, .query, .close,
// .refund and .fastpay.refund.query on /gateway.do. Its own node:crypto code, independent of
// the Rust: every request's sign is verified with the app's public key (every parameter but
// `sign`, empty values skipped, sorted, k=v joined with &, not URL-encoded), every response
// is `{"<method>_response": {...}, "sign": "..."}` signed over the exact text of the
// response object with the sandbox's Alipay key. Parameters may come in the query, in a
// form body, or both (clients differ). alipay.trade.page.pay opens a cashier page; paying
// there (or /sandbox/pay) sends an RSA2-signed trade_status_sync notify to the trade's
// notify_url and sends the buyer to its return_url with RSA2-signed return parameters.
// (alipay.trade.wap.pay: alipay_wap.mjs, on the same trades; the bill download URL query:
// bill_routes.mjs, through addMethods.)
import { createPublicKey, createSign, createVerify, randomBytes } from "node:crypto";
import { escape, page } from "./alipay.mjs";

/** Fen as Alipay's yuan text ("19.90"), and back (only two-decimal yuan is accepted). */
const yuan = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
const fenOf = (text) => (/^\d{1,9}(\.\d{1,2})?$/.test(text ?? "") ? Math.round(Number(text) * 100) : null);

/** A response object with this key set is written with "/" escaped as "\/", as Alipay writes URLs. */
export const ESCAPE_SLASHES = Symbol("escape slashes");

export function createAlipayOpenApi(cfg, state, takeFault = () => null) {
  // cfg: { appId, appPrivateKey (PEM, to derive the app's public key), alipayKey (PEM) }
  const appKey = createPublicKey(cfg.appPrivateKey);
  const trades = (state.alipayOpen ??= new Map());

  function respond(method, body) {
    const key = `${method.replaceAll(".", "_")}_response`;
    const text = body[ESCAPE_SLASHES] ? JSON.stringify(body).replaceAll("/", "\\/") : JSON.stringify(body);
    const sign = createSign("sha256").update(text).sign(cfg.alipayKey, "base64");
    return { status: 200, type: "application/json; charset=utf-8", body: `{"${key}":${text},"sign":"${sign}"}` };
  }
  /** Signs fields as Alipay signs notifies and returns: all but sign and sign_type, sorted. */
  function signFields(fields) {
    const content = Object.keys(fields).filter((k) => k !== "sign" && k !== "sign_type" && fields[k] !== "" && fields[k] !== undefined).sort().map((k) => `${k}=${fields[k]}`).join("&");
    return { ...fields, sign_type: "RSA2", sign: createSign("sha256").update(content).sign(cfg.alipayKey, "base64") };
  }
  const beijing = (d) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
  const ok = (fields) => ({ code: "10000", msg: "Success", ...fields });
  const fail = (sub_code, sub_msg) => ({ code: "40004", msg: "Business Failed", sub_code, sub_msg });
  const invalid = (sub_code, sub_msg) => ({ code: "40002", msg: "Invalid Arguments", sub_code, sub_msg });

  const methods = {
    "alipay.trade.precreate"(biz, p) {
      const total = fenOf(biz.total_amount);
      if (!biz.out_trade_no || !biz.subject || !total) return invalid("isv.missing-signature-key", "缺少参数");
      const existing = trades.get(biz.out_trade_no);
      if (existing && existing.trade_status !== "WAIT_BUYER_PAY") return fail("ACQ.TRADE_HAS_SUCCESS", "交易已被支付");
      const t = existing ?? { out_trade_no: biz.out_trade_no, total, subject: biz.subject, notify_url: p.notify_url, trade_status: "WAIT_BUYER_PAY", qr_code: `https://qr.alipay.com/sandbox${randomBytes(6).toString("hex")}`, refunds: [], notifies: [], gmt_create: beijing(new Date(state.now?.() ?? Date.now())) };
      trades.set(t.out_trade_no, t);
      return ok({ out_trade_no: t.out_trade_no, qr_code: t.qr_code });
    },
    "alipay.trade.query"(biz) {
      const t = trades.get(biz.out_trade_no);
      if (!t) return fail("ACQ.TRADE_NOT_EXIST", "交易不存在");
      return ok({ out_trade_no: t.out_trade_no, trade_no: t.trade_no, trade_status: t.trade_status, total_amount: yuan(t.total), buyer_logon_id: t.trade_no ? "san***@sandbox.com" : undefined });
    },
    "alipay.trade.close"(biz) {
      const t = trades.get(biz.out_trade_no);
      if (!t) return fail("ACQ.TRADE_NOT_EXIST", "交易不存在");
      if (t.trade_status !== "WAIT_BUYER_PAY") return fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
      t.trade_status = "TRADE_CLOSED";
      return ok({ out_trade_no: t.out_trade_no });
    },
    "alipay.trade.refund"(biz) {
      const t = trades.get(biz.out_trade_no);
      if (!t) return fail("ACQ.TRADE_NOT_EXIST", "交易不存在");
      if (!["TRADE_SUCCESS", "TRADE_CLOSED"].includes(t.trade_status) || !t.trade_no) return fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
      const amount = fenOf(biz.refund_amount);
      if (!amount) return invalid("isv.invalid-parameter", "refund_amount");
      const requestNo = biz.out_request_no ?? biz.out_trade_no;
      let r = t.refunds.find((x) => x.out_request_no === requestNo);
      if (r && r.amount !== amount) return fail("ACQ.REQUEST_AMOUNT_EXCEED", "同一退款请求号金额不一致");
      const refunded = t.refunds.reduce((a, x) => a + x.amount, 0);
      if (!r && refunded + amount > t.total) return fail("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
      if (!r) {
        r = { out_request_no: requestNo, amount, reason: biz.refund_reason, at: state.now?.() ?? Date.now() };
        t.refunds.push(r);
        if (refunded + amount === t.total) t.trade_status = "TRADE_CLOSED";
      }
      return ok({ out_trade_no: t.out_trade_no, trade_no: t.trade_no, fund_change: "Y", refund_fee: yuan(t.refunds.reduce((a, x) => a + x.amount, 0)) });
    },
    "alipay.trade.fastpay.refund.query"(biz) {
      const t = trades.get(biz.out_trade_no);
      const r = t?.refunds.find((x) => x.out_request_no === (biz.out_request_no ?? biz.out_trade_no));
      if (!r) return ok({ out_trade_no: biz.out_trade_no });
      return ok({ out_trade_no: t.out_trade_no, trade_no: t.trade_no, out_request_no: r.out_request_no, refund_amount: yuan(r.amount), total_amount: yuan(t.total), refund_status: "REFUND_SUCCESS" });
    },
  };

  /** Handles an OpenAPI request's parameters (query and form merged). */
  function handle(p) {
    const method = p.method;
    const content = Object.keys(p).filter((k) => k !== "sign" && p[k] !== "" && p[k] !== undefined).sort().map((k) => `${k}=${p[k]}`).join("&");
    if (p.app_id !== cfg.appId) return respond(method ?? "error", invalid("isv.invalid-app-id", "无效的AppID参数"));
    if (p.sign_type !== "RSA2" || !p.sign || !createVerify("sha256").update(content).verify(appKey, p.sign, "base64")) {
      // (Alipay quotes its sign string in sub_msg HTML-escaped; the sandbox logs it instead.)
      state.log.push({ provider: "alipay_openapi", rejected: "isv.invalid-signature", content });
      // Under the method's own key, as Alipay answers (error_response only when no method).
      return respond(method ?? "error", invalid("isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"));
    }
    if (method === "alipay.trade.page.pay") return cashier(p);
    const handler = methods[method];
    if (!handler) return respond(method ?? "error", invalid("isv.invalid-method", "不存在的方法名"));
    let biz;
    try {
      biz = JSON.parse(p.biz_content ?? "{}");
    } catch {
      return respond(method, invalid("isv.invalid-parameter", "biz_content 不是 JSON"));
    }
    state.log.push({ provider: "alipay_openapi", api: method, out_trade_no: biz.out_trade_no });
    // Faults by method name without "alipay.trade." / "alipay.data.dataservice." (refund, query,
    // bill.downloadurl.query, …), for one trade.
    const fault = takeFault(`alipay_openapi:${method.replace(/^alipay\.(trade|data\.dataservice)\./, "")}`, biz.out_trade_no);
    if (fault === "timeout" || fault === "http500" || fault === "garbage") return { fault };
    if (fault === "systemerror") return respond(method, { code: "20000", msg: "Service Currently Unavailable", sub_code: "isp.unknow-error", sub_msg: "系统繁忙" });
    if (fault === "slow") return new Promise((done) => setTimeout(() => done(respond(method, handler(biz, p))), state.faultDelayMs));
    const out = respond(method, handler(biz, p));
    if (fault === "accept_timeout" || fault === "accept_http500") return { fault: fault.slice("accept_".length) };
    if (fault === "badsign") return { ...out, body: out.body.replace(/"sign":"./, (m) => m.slice(0, -1) + (m.endsWith("A") ? "B" : "A")) };
    return out;
  }

  /** The buyer pays an OpenAPI trade. */
  function pay(outTradeNo) {
    const t = trades.get(outTradeNo);
    if (!t) return null;
    if (t.trade_status === "WAIT_BUYER_PAY") {
      t.trade_status = "TRADE_SUCCESS";
      t.trade_no = `2026${Date.now()}${randomBytes(4).toString("hex")}`.slice(0, 28);
      t.paid_at = state.now?.() ?? Date.now();
      t.gmt_payment = beijing(new Date(t.paid_at));
    }
    return t;
  }

  /** The signed trade_status_sync notify of a trade, as a form body. */
  function notifyForm(t, overrides = {}) {
    const fields = signFields({
      notify_time: beijing(new Date()), notify_type: "trade_status_sync", notify_id: randomBytes(16).toString("hex"),
      app_id: cfg.appId, charset: "utf-8", version: "1.0", trade_no: t.trade_no, out_trade_no: t.out_trade_no,
      trade_status: t.trade_status, total_amount: yuan(t.total), receipt_amount: yuan(t.total), buyer_pay_amount: yuan(t.total),
      subject: t.subject, gmt_create: t.gmt_create, gmt_payment: t.gmt_payment, seller_id: "2088102177846880", buyer_id: "2088102177846881",
      ...overrides,
    });
    return new URLSearchParams(fields).toString();
  }

  /** Where the cashier sends the buyer after paying: return_url with signed parameters. */
  function returnUrl(t) {
    const fields = signFields({
      charset: "utf-8", out_trade_no: t.out_trade_no, method: t.return_method ?? "alipay.trade.page.pay.return", total_amount: yuan(t.total),
      trade_no: t.trade_no, auth_app_id: cfg.appId, version: "1.0", app_id: cfg.appId, seller_id: "2088102177846880", timestamp: beijing(new Date()),
    });
    return `${t.return_url}${t.return_url.includes("?") ? "&" : "?"}${new URLSearchParams(fields)}`;
  }

  /** alipay.trade.page.pay: the cashier page (after the request's signature verified). */
  function cashier(p) {
    let biz;
    try {
      biz = JSON.parse(p.biz_content ?? "{}");
    } catch {
      biz = {};
    }
    const total = fenOf(biz.total_amount);
    const fail = (code) => ({ status: 200, type: "text/html; charset=utf-8", body: page("支付宝 · 错误 (sandbox)", `<p>错误代码 <b id=error>${escape(code)}</b></p>`) });
    if (!biz.out_trade_no || !biz.subject || !total || biz.product_code !== "FAST_INSTANT_TRADE_PAY") return fail("INVALID_PARAMETER");
    let t = trades.get(biz.out_trade_no);
    if (t && t.total !== total) return fail("ACQ.CONTEXT_INCONSISTENT");
    t ??= { out_trade_no: biz.out_trade_no, total, subject: biz.subject, trade_status: "WAIT_BUYER_PAY", refunds: [], notifies: [], gmt_create: beijing(new Date(state.now?.() ?? Date.now())) };
    Object.assign(t, { notify_url: p.notify_url, return_url: p.return_url, time_expire: biz.time_expire, return_method: "alipay.trade.page.pay.return" });
    trades.set(t.out_trade_no, t);
    state.log.push({ provider: "alipay_openapi", api: "alipay.trade.page.pay", out_trade_no: t.out_trade_no });
    return {
      status: 200,
      type: "text/html; charset=utf-8",
      body: page("支付宝 · 收银台 (sandbox, OpenAPI)", `<p class=amount>¥${escape(yuan(t.total))}</p><p>${escape(t.subject)}</p><p class=muted>订单号 ${escape(t.out_trade_no)}</p>
       <form method=post action="/alipay/openapi/cashier/pay"><input type=hidden name=out_trade_no value="${escape(t.out_trade_no)}"><button id=alipay-pay>确认付款 Pay</button></form>`),
    };
  }

  /** More methods ({name: handler(biz, params) → response fields}), verified and signed like these. */
  const addMethods = (more) => Object.assign(methods, more);

  return { handle, pay, trades, notifyForm, returnUrl, signFields, addMethods };
}
