// The WeChat Pay v2 side of the sandbox: pay/unifiedorder, pay/orderquery, pay/closeorder,
// secapi/pay/refund, pay/refundquery, and signed payment notifies. Requests with a bad
// signature get WeChat's answer (return_code FAIL, 签名错误); replies are signed with the
// request's sign_type. As the real service does, payment notifies and orderquery replies of
// an HMAC-SHA256 merchant carry an HMAC-SHA256 sign but no sign_type field. Trade types
// other than NATIVE (MWEB, JSAPI) are added by wechat_mobile.mjs through `extend`.
import { randomBytes } from "node:crypto";
import { beijing, parseWechatXml, toWechatXml, wechatSign, wechatSigned } from "./wire.mjs";

const nonce = () => randomBytes(16).toString("hex");

export function createWechat(cfg, state, takeFault) {
  const orders = state.wechat;

  function reply(req, fields, fault, api) {
    const signType = req?.sign_type === "HMAC-SHA256" ? "HMAC-SHA256" : "MD5";
    const base = { return_code: "SUCCESS", return_msg: "OK", appid: cfg.appid, mch_id: cfg.mchId, nonce_str: nonce(), result_code: "SUCCESS", ...fields };
    const signed = wechatSigned(base, cfg.key, signType, { declare: api !== "orderquery" });
    if (fault === "badsign") signed.sign = signed.sign.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    return { status: 200, type: "text/xml", body: toWechatXml(signed) };
  }
  const fail = (code, des) => ({ result_code: "FAIL", err_code: code, err_code_des: des });
  const commFail = (msg) => ({ status: 200, type: "text/xml", body: toWechatXml({ return_code: "FAIL", return_msg: msg }) });
  // trade_type → { check(r) → refusal?, create(order, r), reply(order, r) → fields }. A
  // refusal is fail(...) fields, or { commFail: msg } for WeChat's return_code FAIL.
  const tradeTypes = {};

  const handlers = {
    unifiedorder(r) {
      for (const k of ["body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type"]) if (!r[k]) return fail("LACK_PARAMS", `缺少参数${k}`);
      const mobile = tradeTypes[r.trade_type];
      if (r.trade_type !== "NATIVE" && !mobile) return fail("PARAM_ERROR", "trade_type");
      if (!/^[1-9]\d*$/.test(r.total_fee)) return fail("PARAM_ERROR", "total_fee");
      const refusal = mobile?.check(r);
      if (refusal) return refusal;
      const existing = orders.get(r.out_trade_no);
      if (existing) {
        if (existing.trade_state === "SUCCESS" || existing.trade_state === "REFUND") return fail("ORDERPAID", "该订单已支付");
        if (existing.trade_state === "CLOSED") return fail("ORDERCLOSED", "订单已关闭");
        // Another trade type (or buyer) under the same out_trade_no is another order to
        // WeChat: refused like any changed parameter (yansongda/pay#705, NATIVE then MWEB).
        const same = !existing.v3 && ["body", "total_fee", "notify_url", "time_expire", "trade_type", "openid"].every((k) => existing.request[k] === r[k]);
        if (!same) return fail("INVALID_REQUEST", "201 商户订单号重复");
        if (mobile) return mobile.reply(existing, r);
        return { trade_type: "NATIVE", prepay_id: existing.prepay_id, code_url: existing.code_url };
      }
      const token = r.trade_type === "NATIVE" ? randomBytes(6).toString("base64url") : undefined;
      const order = {
        out_trade_no: r.out_trade_no,
        request: r,
        total_fee: r.total_fee,
        body: r.body,
        notify_url: r.notify_url,
        sign_type: r.sign_type === "HMAC-SHA256" ? "HMAC-SHA256" : "MD5",
        prepay_id: `wx${beijing()}${randomBytes(8).toString("hex")}`,
        code_url: token && `weixin://wxpay/bizpayurl?pr=${token}`,
        token,
        trade_type: r.trade_type,
        trade_state: "NOTPAY",
        refunds: [],
        notifies: [],
      };
      if (mobile) mobile.create(order, r);
      orders.set(r.out_trade_no, order);
      if (mobile) return mobile.reply(order, r);
      return { trade_type: "NATIVE", prepay_id: order.prepay_id, code_url: order.code_url };
    },
    orderquery(r) {
      const o = orders.get(r.out_trade_no);
      if (!o) return fail("ORDERNOTEXIST", "此交易订单号不存在");
      const f = { out_trade_no: o.out_trade_no, trade_state: o.trade_state, trade_state_desc: o.trade_state };
      if (o.transaction_id) Object.assign(f, { transaction_id: o.transaction_id, total_fee: o.total_fee, cash_fee: o.total_fee, fee_type: "CNY", time_end: o.time_end, openid: o.payer_openid ?? "oSandboxBuyer", trade_type: o.trade_type ?? "NATIVE", bank_type: "OTHERS" });
      return f;
    },
    closeorder(r) {
      const o = orders.get(r.out_trade_no);
      if (!o) return fail("ORDERNOTEXIST", "订单不存在");
      if (o.trade_state === "SUCCESS" || o.trade_state === "REFUND") return fail("ORDERPAID", "订单已支付，不能发起关单");
      if (o.trade_state === "CLOSED") return fail("ORDERCLOSED", "订单已关闭");
      o.trade_state = "CLOSED";
      return {};
    },
    refund(r) {
      const o = orders.get(r.out_trade_no);
      if (!o) return fail("ORDERNOTEXIST", "订单不存在");
      if (!["SUCCESS", "REFUND"].includes(o.trade_state)) return fail("TRADE_STATE_ERROR", "订单状态错误");
      if (r.total_fee !== o.total_fee || !/^[1-9]\d*$/.test(r.refund_fee ?? "") || !r.out_refund_no) return fail("PARAM_ERROR", "退款金额错误");
      let refund = o.refunds.find((x) => x.out_refund_no === r.out_refund_no);
      if (refund && refund.refund_fee !== r.refund_fee) return fail("PARAM_ERROR", "同一退款单号金额不一致");
      // Refunds that did not fail count against the payment, as at WeChat.
      const committed = o.refunds.filter((x) => x.status !== "REFUNDCLOSE" && x !== refund).reduce((a, x) => a + Number(x.refund_fee), 0);
      if (!refund && committed + Number(r.refund_fee) > Number(o.total_fee)) return fail("NOTENOUGH", "订单可退金额不足");
      if (!refund) {
        refund = { out_refund_no: r.out_refund_no, refund_id: `5${Date.now()}${randomBytes(3).toString("hex")}`, refund_fee: r.refund_fee, refund_desc: r.refund_desc, status: state.refundStatus ?? "SUCCESS", at: state.now?.() ?? Date.now() };
        o.refunds.push(refund);
        o.trade_state = "REFUND";
      }
      return { out_trade_no: o.out_trade_no, transaction_id: o.transaction_id, out_refund_no: refund.out_refund_no, refund_id: refund.refund_id, refund_fee: refund.refund_fee, total_fee: o.total_fee, cash_fee: o.total_fee };
    },
    // By out_refund_no: that refund alone. By out_trade_no: as WeChat pages them, at most
    // 10 from `offset`, with total_refund_count once an order has more than 10.
    refundquery(r) {
      const byRefund = r.out_refund_no ? [...orders.values()].find((x) => x.refunds.some((y) => y.out_refund_no === r.out_refund_no)) : null;
      const o = byRefund ?? orders.get(r.out_trade_no);
      if (!o || o.refunds.length === 0) return fail("REFUNDNOTEXIST", "退款订单查询失败");
      const offset = Number(r.offset ?? 0);
      const page = byRefund ? o.refunds.filter((y) => y.out_refund_no === r.out_refund_no) : o.refunds.slice(offset, offset + 10);
      const f = { out_trade_no: o.out_trade_no, transaction_id: o.transaction_id, total_fee: o.total_fee, refund_count: String(page.length) };
      if (!byRefund && o.refunds.length > 10) f.total_refund_count = String(o.refunds.length);
      page.forEach((x, n) => Object.assign(f, { [`out_refund_no_${n}`]: x.out_refund_no, [`refund_id_${n}`]: x.refund_id, [`refund_fee_${n}`]: x.refund_fee, [`refund_status_${n}`]: x.status }));
      return f;
    },
  };

  /** Handles POST /pay/<name> or /secapi/pay/refund. */
  function handle(name, method, bodyText) {
    if (method !== "POST") return commFail("REQUIRE_POST_METHOD");
    if (!bodyText) return commFail("POST_DATA_EMPTY");
    const r = parseWechatXml(bodyText);
    if (!r) return commFail("XML_FORMAT_ERROR");
    if (r.appid !== cfg.appid) return commFail("appid不存在");
    if (r.mch_id !== cfg.mchId) return commFail("mch_id参数格式错误");
    const signType = r.sign_type === "HMAC-SHA256" ? "HMAC-SHA256" : r.sign_type && r.sign_type !== "MD5" ? null : "MD5";
    if (!signType || !r.sign || wechatSign(r, cfg.key, signType) !== r.sign) {
      state.log.push({ provider: "wechat", api: name, rejected: "SIGNERROR" });
      return commFail("签名错误");
    }
    const fault = takeFault(`wechat:${name}`, r.out_trade_no);
    if (fault === "systemerror") return reply(r, fail("SYSTEMERROR", "系统超时"), undefined, name);
    if (fault === "orderpaid") return reply(r, fail("ORDERPAID", "该订单已支付"), undefined, name);
    if (fault === "slow") return new Promise((done) => setTimeout(() => done(reply(r, handlers[name](r), undefined, name)), state.faultDelayMs));
    const fields = handlers[name](r);
    if (fields.commFail) return commFail(fields.commFail);
    state.log.push({ provider: "wechat", api: name, out_trade_no: r.out_trade_no });
    // Done, but the answer is lost (a timeout or a 5xx after WeChat acted).
    if (fault === "accept_timeout" || fault === "accept_http500") return { fault: fault.slice("accept_".length) };
    return reply(r, fields, fault, name);
  }

  /** The buyer pays: the order becomes SUCCESS. */
  function pay(outTradeNo) {
    const o = orders.get(outTradeNo);
    if (!o) return { error: "no such WeChat order (call unifiedorder first)" };
    if (o.trade_state === "CLOSED") return { error: "the order is closed" };
    if (o.trade_state === "NOTPAY") {
      o.trade_state = "SUCCESS";
      // When it was paid, on the sandbox clock (POST /sandbox/clock): time_end and the bill.
      o.paid_at = state.now?.() ?? Date.now();
      o.transaction_id = `42000${Date.now()}${randomBytes(4).toString("hex")}`.slice(0, 28);
      o.time_end = beijing(new Date(o.paid_at));
    }
    return { order: o };
  }

  /** The signed payment notify WeChat would POST for a paid order. */
  function notifyBody(o, overrides = {}) {
    const fields = {
      appid: cfg.appid,
      mch_id: cfg.mchId,
      nonce_str: nonce(),
      return_code: "SUCCESS",
      result_code: "SUCCESS",
      openid: o.payer_openid ?? "oSandboxBuyer",
      is_subscribe: "N",
      trade_type: o.trade_type ?? "NATIVE",
      bank_type: "OTHERS",
      total_fee: o.total_fee,
      fee_type: "CNY",
      cash_fee: o.total_fee,
      transaction_id: o.transaction_id,
      out_trade_no: o.out_trade_no,
      time_end: o.time_end,
      ...overrides,
    };
    return toWechatXml(wechatSigned(fields, cfg.key, o.sign_type, { declare: false }));
  }

  /** Adds a trade type to unifiedorder (see `tradeTypes`). */
  const extend = (tradeType, hooks) => {
    tradeTypes[tradeType] = hooks;
  };

  return { handle, pay, notifyBody, orders, extend, fail };
}
