// The Alipay MAPI side of the sandbox: gateway.do services create_direct_pay_by_user (a
// cashier page), notify_verify, single_trade_query, close_trade and
// refund_fastpay_by_platform_nopwd; signed trade and batch-refund notifies. Requests with
// a bad signature get ILLEGAL_SIGN. (alipay.wap.create.direct.pay.by.user: alipay_wap.mjs.)
import { randomBytes } from "node:crypto";
import { alipaySigned, alipayVerify, alipayXml, beijing, encodeForm, fenOf, yuan } from "./wire.mjs";

export function createAlipay(cfg, state, takeFault) {
  const trades = state.alipay;
  const notifyIds = state.notifyIds;

  const xml = (body) => ({ status: 200, type: "text/xml; charset=utf-8", body });
  const err = (code) => xml(alipayXml(false, { error: code }));

  const allBatches = new Set();

  function issueNotifyId() {
    const id = randomBytes(16).toString("hex");
    notifyIds.set(id, Date.now() + 15 * 60 * 1000);
    return id;
  }

  function handle(q) {
    if (q.service === "notify_verify") {
      const fault = takeFault("alipay:notify_verify");
      if (fault === "timeout" || fault === "http500" || fault === "garbage") return { fault };
      const valid = q.partner === cfg.partner && (notifyIds.get(q.notify_id) ?? 0) > Date.now() && fault !== "deny";
      return { status: 200, type: "text/plain", body: valid ? "true" : "false" };
    }
    if (q.partner !== cfg.partner) return err("ILLEGAL_PARTNER");
    if (!alipayVerify(q, cfg.key)) {
      state.log.push({ provider: "alipay", api: q.service, rejected: "ILLEGAL_SIGN" });
      return q.service === "create_direct_pay_by_user" ? { status: 200, type: "text/html; charset=utf-8", body: errorPage("ILLEGAL_SIGN") } : err("ILLEGAL_SIGN");
    }
    state.log.push({ provider: "alipay", api: q.service, out_trade_no: q.out_trade_no ?? q.out_order_no });
    switch (q.service) {
      case "create_direct_pay_by_user":
        return cashier(q);
      case "single_trade_query":
      case "close_trade":
      case "refund_fastpay_by_platform_nopwd": {
        const api = { single_trade_query: "single_trade_query", close_trade: "close_trade", refund_fastpay_by_platform_nopwd: "refund" }[q.service];
        const tradeNo = (q.detail_data ?? "").split("^")[0];
        const order = q.out_trade_no ?? q.out_order_no ?? [...trades.values()].find((t) => t.trade_no === tradeNo)?.out_trade_no;
        const fault = takeFault(`alipay:${api}`, order);
        if (fault === "timeout" || fault === "http500" || fault === "garbage") return { fault };
        if (fault === "systemerror") return err("SYSTEM_ERROR");
        const out = xml(services[q.service](q));
        if (fault === "accept_timeout" || fault === "accept_http500") return { fault: fault.slice("accept_".length) };
        return out;
      }
      default:
        return err("ILLEGAL_SERVICE");
    }
  }

  const services = {
    single_trade_query(q) {
      const t = trades.get(q.out_trade_no);
      if (!t) return alipayXml(false, { error: "TRADE_NOT_EXIST" });
      return alipayXml(true, { request: q, trade: { out_trade_no: t.out_trade_no, trade_no: t.trade_no, trade_status: t.trade_status, total_fee: t.total_fee, subject: t.subject, seller_id: cfg.partner, seller_email: cfg.sellerEmail, buyer_email: "buyer@sandbox.example", gmt_create: t.gmt_create, ...(t.gmt_payment ? { gmt_payment: t.gmt_payment } : {}) } });
    },
    close_trade(q) {
      const t = trades.get(q.out_order_no);
      if (!t) return alipayXml(false, { error: "TRADE_NOT_EXIST" });
      if (t.trade_status !== "WAIT_BUYER_PAY") return alipayXml(false, { error: "TRADE_STATUS_NOT_AVAILD" });
      t.trade_status = "TRADE_CLOSED";
      return alipayXml(true);
    },
    refund_fastpay_by_platform_nopwd(q) {
      const [tradeNo, amount, reason] = (q.detail_data ?? "").split("^");
      const t = [...trades.values()].find((x) => x.trade_no === tradeNo);
      // batch_no: the refund date (yyyyMMdd, today in Beijing) and a 3–24 character serial.
      const today = beijing(new Date(), false).slice(0, 10).replaceAll("-", "");
      if (!t || !/^\d{8}[0-9A-Za-z]{3,24}$/.test(q.batch_no ?? "") || q.batch_no.slice(0, 8) !== today || q.batch_num !== "1" || !reason) return alipayXml(false, { error: "ILLEGAL_ARGUMENT" });
      if (allBatches.has(q.batch_no)) return alipayXml(false, { error: "DUPLICATE_BATCH_NO" });
      t.refunds ??= [];
      const refunded = t.refunds.reduce((a, r) => a + fenOf(r.amount), 0);
      const fen = fenOf(amount);
      if (!["TRADE_SUCCESS", "TRADE_FINISHED"].includes(t.trade_status) || fen === null || fen <= 0 || refunded + fen > fenOf(t.total_fee)) return alipayXml(false, { error: "REFUND_AMOUNT_NOT_VALID" });
      allBatches.add(q.batch_no);
      const refund = { batch_no: q.batch_no, notify_url: q.notify_url, amount, reason, at: state.now?.() ?? Date.now() };
      t.refunds.push(refund);
      // A trade refunded in full is closed.
      if (refunded + fen === fenOf(t.total_fee)) t.trade_status = "TRADE_CLOSED";
      if (state.refundNotifies !== "off") setTimeout(() => refundNotify(t, refund), 20);
      return alipayXml(true);
    },
  };

  function cashier(q) {
    const fen = fenOf(q.total_fee);
    if (q.payment_type !== "1" || !q.out_trade_no || !q.subject || fen === null || !q.seller_email) return { status: 200, type: "text/html; charset=utf-8", body: errorPage("ILLEGAL_ARGUMENT") };
    let t = trades.get(q.out_trade_no);
    if (t && t.total_fee !== q.total_fee) return { status: 200, type: "text/html; charset=utf-8", body: errorPage("TRADE_DATA_MATCH_ERROR") };
    if (q.it_b_pay !== undefined && !/^[1-9]\d*m$/.test(q.it_b_pay)) return { status: 200, type: "text/html; charset=utf-8", body: errorPage("ILLEGAL_ARGUMENT") };
    if (!t) {
      t = { out_trade_no: q.out_trade_no, subject: q.subject, body: q.body ?? "", total_fee: q.total_fee, trade_status: "WAIT_BUYER_PAY", trade_no: `2026${Date.now()}${randomBytes(3).toString("hex")}`, gmt_create: beijing(new Date(state.now?.() ?? Date.now()), false), notifies: [] };
      // it_b_pay: the trade stops taking payment this many minutes after it was created.
      if (q.it_b_pay) t.payable_until = Date.now() + Number(q.it_b_pay.slice(0, -1)) * 60_000;
      trades.set(q.out_trade_no, t);
    }
    t.notify_url = q.notify_url;
    t.return_url = q.return_url;
    return { status: 200, type: "text/html; charset=utf-8", body: cashierPage(t) };
  }

  function pay(outTradeNo) {
    const t = trades.get(outTradeNo);
    if (!t) return { error: "no such Alipay trade (open its alipay_url first)" };
    if (t.trade_status === "WAIT_BUYER_PAY" && t.payable_until && Date.now() > t.payable_until) t.trade_status = "TRADE_CLOSED";
    if (t.trade_status === "TRADE_CLOSED" && !t.gmt_payment) return { error: "the trade is closed" };
    if (t.trade_status === "WAIT_BUYER_PAY") {
      t.trade_status = "TRADE_SUCCESS";
      t.paid_at = state.now?.() ?? Date.now();
      t.gmt_payment = beijing(new Date(t.paid_at), false);
    }
    return { trade: t };
  }

  /** Fields of a signed trade notify (also the return URL's fields, with is_success). */
  function tradeFields(t, status, overrides = {}) {
    return alipaySigned(
      {
        notify_time: beijing(new Date(), false),
        notify_type: "trade_status_sync",
        notify_id: issueNotifyId(),
        out_trade_no: t.out_trade_no,
        subject: t.subject,
        body: t.body,
        payment_type: "1",
        trade_no: t.trade_no,
        trade_status: status,
        buyer_id: "2088102000000001",
        buyer_email: "buyer@sandbox.example",
        total_fee: t.total_fee,
        price: t.total_fee,
        quantity: "1",
        seller_id: cfg.partner,
        seller_email: cfg.sellerEmail,
        gmt_create: t.gmt_create,
        gmt_payment: t.gmt_payment,
        is_total_fee_adjust: "N",
        use_coupon: "N",
        discount: "0.00",
        ...overrides,
      },
      cfg.key,
    );
  }

  function returnUrl(t) {
    const fields = tradeFields(t, t.trade_status, { is_success: "T", exterface: t.exterface ?? "create_direct_pay_by_user" });
    const sep = t.return_url.includes("?") ? "&" : "?";
    return `${t.return_url}${sep}${encodeForm(fields)}`;
  }

  async function refundNotify(t, refund) {
    const fields = alipaySigned(
      { notify_time: beijing(new Date(), false), notify_type: "batch_refund_notify", notify_id: issueNotifyId(), batch_no: refund.batch_no, success_num: "1", result_details: `${t.trade_no}^${refund.amount}^SUCCESS` },
      cfg.key,
    );
    await state.deliver("alipay", refund.notify_url, encodeForm(fields), "application/x-www-form-urlencoded", t);
  }

  function cashierPage(t) {
    return page(
      "支付宝 · 收银台 (sandbox)",
      `<p class=amount>¥${escape(t.total_fee)}</p><p>${escape(t.subject)}</p><p class=muted>订单号 ${escape(t.out_trade_no)}</p>
       <form method=post action="/alipay/cashier/pay"><input type=hidden name=out_trade_no value="${escape(t.out_trade_no)}"><button id=alipay-pay>确认付款 Pay</button></form>`,
    );
  }

  return { handle, pay, tradeFields, returnUrl, trades, yuan };
}

export function escape(s) {
  return String(s ?? "").replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&quot;" })[c]);
}

export function page(title, body) {
  return `<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content="width=device-width"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.2rem}.amount{font-size:2rem;margin:.5rem 0}.muted{color:#777;font-size:.85rem}button{font-size:1.1rem;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#1677ff;color:#fff;cursor:pointer}.wx button{background:#07c160}</style>
<h1>${escape(title)}</h1>${body}</html>`;
}

function errorPage(code) {
  return page("支付宝 · 错误 (sandbox)", `<p>错误代码 <b id=error>${escape(code)}</b></p>`);
}
