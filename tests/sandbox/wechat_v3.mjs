// The WeChat Pay API v3 side of the sandbox (Native): create, query, close, refund, refund
// query, and encrypted, signed payment notifies. Its own node:crypto code, independent of
// the Rust: every request's Authorization is verified with the merchant's public key
// (WECHATPAY2-SHA256-RSA2048 over METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n, pairs in any
// order, timestamp within 300 s), every reply is signed with the sandbox's WeChat Pay key
// ("public key" mode: Wechatpay-Serial is its PUB_KEY_ID), notify resources are AES-256-GCM
// encrypted with the APIv3 key. Orders live in the same map as v2's (`v3: true`), so the
// buyer pages and /sandbox/pay work for both. The H5 and JSAPI routes are added by
// wechat_mobile.mjs through `addRoutes`, the trade bill's by bill_routes.mjs.
import { X509Certificate, createCipheriv, createPublicKey, createSign, createVerify, randomBytes } from "node:crypto";

const nonce = () => randomBytes(16).toString("hex");

/** Reads `WECHATPAY2-SHA256-RSA2048 k="v",…` in any order. */
export function parseAuthorization(header) {
  const m = /^WECHATPAY2-SHA256-RSA2048\s+(.*)$/.exec(header ?? "");
  if (!m) return null;
  const pairs = {};
  for (const part of m[1].split(",")) {
    const kv = /^\s*(\w+)="([^"]*)"\s*$/.exec(part);
    if (kv) pairs[kv[1]] = kv[2];
  }
  return ["mchid", "nonce_str", "signature", "timestamp", "serial_no"].every((k) => k in pairs) ? pairs : null;
}

export function createWechatV3(cfg, state, takeFault) {
  // cfg: { appid, mchid, merchantSerial, merchantPublicKey, payKey (private PEM), payKeyId, apiv3Key }
  const orders = state.wechat;
  const merchantKey = createPublicKey(cfg.merchantPublicKey);
  const cert = new X509Certificate(cfg.payCert);
  // Which serial signs: the public key's id, or (certificate mode) the certificate's serial.
  const serial = () => (state.v3Mode === "certificate" ? cert.serialNumber : cfg.payKeyId);

  /** A reply signed as WeChat Pay signs it (a 204 signs an empty body). */
  function signed(status, json, fault, at = Date.now()) {
    const body = json === undefined ? "" : JSON.stringify(json);
    const timestamp = String(Math.floor(at / 1000));
    const n = nonce();
    let signature = createSign("sha256").update(`${timestamp}\n${n}\n${body}\n`).sign(cfg.payKey, "base64");
    if (fault === "badsign") signature = signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    const headers = {
      "wechatpay-timestamp": timestamp,
      "wechatpay-nonce": n,
      "wechatpay-signature": signature,
      "wechatpay-serial": serial(),
      "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
      "request-id": randomBytes(8).toString("hex"),
    };
    return { status, type: "application/json", headers, body };
  }
  const error = (status, code, message) => signed(status, { code, message });

  function transaction(o) {
    const t = { appid: cfg.appid, mchid: cfg.mchid, out_trade_no: o.out_trade_no, trade_type: o.trade_type ?? "NATIVE", trade_state: o.trade_state, trade_state_desc: o.trade_state, amount: { total: Number(o.total_fee), currency: "CNY" } };
    if (o.transaction_id) Object.assign(t, { transaction_id: o.transaction_id, success_time: o.success_time, bank_type: "OTHERS", payer: { openid: o.payer_openid ?? "oSandboxBuyer" }, amount: { total: Number(o.total_fee), payer_total: Number(o.total_fee), currency: "CNY", payer_currency: "CNY" } });
    return t;
  }
  const refundJson = (o, r) => ({ refund_id: r.refund_id, out_refund_no: r.out_refund_no, transaction_id: o.transaction_id, out_trade_no: o.out_trade_no, channel: "ORIGINAL", status: r.status, create_time: r.create_time, amount: { refund: Number(r.refund_fee), total: Number(o.total_fee), payer_refund: Number(r.refund_fee), payer_total: Number(o.total_fee), currency: "CNY" } });

  const routes = [
    ["POST", /^\/v3\/pay\/transactions\/native$/, "native", (r) => {
      for (const k of ["appid", "mchid", "description", "out_trade_no", "notify_url"]) if (typeof r[k] !== "string" || !r[k]) return error(400, "PARAM_ERROR", `缺少参数 ${k}`);
      if (r.appid !== cfg.appid || r.mchid !== cfg.mchid) return error(400, "PARAM_ERROR", "appid和mch_id不匹配");
      if (!Number.isInteger(r.amount?.total) || r.amount.total <= 0) return error(400, "PARAM_ERROR", "amount.total");
      if (!/^[0-9A-Za-z_\-|*]{6,32}$/.test(r.out_trade_no)) return error(400, "PARAM_ERROR", "out_trade_no");
      if (r.time_expire !== undefined && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/.test(r.time_expire)) return error(400, "PARAM_ERROR", "time_expire");
      const existing = orders.get(r.out_trade_no);
      if (existing) {
        if (["SUCCESS", "REFUND"].includes(existing.trade_state)) return error(403, "ORDERPAID", "该订单已支付");
        if (existing.trade_state === "CLOSED") return error(400, "ORDER_CLOSED", "订单已关闭");
        // Another product (H5, JSAPI, a v2 order) under the same out_trade_no.
        if (!existing.v3 || (existing.trade_type ?? "NATIVE") !== "NATIVE") return error(400, "INVALID_REQUEST", "201 商户订单号重复");
        return signed(200, { code_url: existing.code_url });
      }
      const token = randomBytes(6).toString("base64url");
      orders.set(r.out_trade_no, { v3: true, out_trade_no: r.out_trade_no, request: r, total_fee: String(r.amount.total), body: r.description, notify_url: r.notify_url, code_url: `weixin://wxpay/bizpayurl?pr=${token}`, token, trade_type: "NATIVE", trade_state: "NOTPAY", refunds: [], notifies: [] });
      return signed(200, { code_url: `weixin://wxpay/bizpayurl?pr=${token}` });
    }],
    ["GET", /^\/v3\/pay\/transactions\/out-trade-no\/([^/?]+)$/, "query", (_r, no, url) => {
      if (url.searchParams.get("mchid") !== cfg.mchid) return error(400, "PARAM_ERROR", "mchid");
      const o = orders.get(no);
      return o?.v3 ? signed(200, transaction(o)) : error(404, "ORDER_NOT_EXIST", "订单不存在");
    }],
    ["POST", /^\/v3\/pay\/transactions\/out-trade-no\/([^/?]+)\/close$/, "close", (r, no) => {
      if (r.mchid !== cfg.mchid) return error(400, "PARAM_ERROR", "mchid");
      const o = orders.get(no);
      if (!o?.v3) return error(404, "ORDER_NOT_EXIST", "订单不存在");
      if (["SUCCESS", "REFUND"].includes(o.trade_state)) return error(400, "ORDERPAID", "订单已支付");
      o.trade_state = "CLOSED";
      return signed(204);
    }],
    ["POST", /^\/v3\/refund\/domestic\/refunds$/, "refund", (r) => {
      const o = orders.get(r.out_trade_no);
      if (!o?.v3) return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
      if (!["SUCCESS", "REFUND"].includes(o.trade_state)) return error(400, "INVALID_REQUEST", "订单未支付");
      const amount = r.amount ?? {};
      if (!r.out_refund_no || amount.total !== Number(o.total_fee) || !Number.isInteger(amount.refund) || amount.refund <= 0) return error(400, "PARAM_ERROR", "退款金额错误");
      let refund = o.refunds.find((x) => x.out_refund_no === r.out_refund_no);
      if (refund && Number(refund.refund_fee) !== amount.refund) return error(400, "INVALID_REQUEST", "同一退款单号金额不一致");
      const committed = o.refunds.filter((x) => x.status !== "CLOSED" && x !== refund).reduce((a, x) => a + Number(x.refund_fee), 0);
      if (!refund && committed + amount.refund > Number(o.total_fee)) return error(403, "NOT_ENOUGH", "订单可退金额不足");
      if (!refund) {
        refund = { out_refund_no: r.out_refund_no, refund_id: `5${Date.now()}${randomBytes(3).toString("hex")}`, refund_fee: String(amount.refund), reason: r.reason, status: { REFUNDCLOSE: "CLOSED", PROCESSING: "PROCESSING", CHANGE: "ABNORMAL" }[state.refundStatus] ?? "SUCCESS", create_time: new Date().toISOString(), at: state.now?.() ?? Date.now() };
        refund.notify_url = r.notify_url;
        o.refunds.push(refund);
        o.trade_state = "REFUND";
        sendRefundNotify(o, refund);
      }
      return signed(200, refundJson(o, refund));
    }],
    ["GET", /^\/v3\/certificates$/, "certificates", () => {
      if (state.v3Mode !== "certificate") return signed(200, { data: [] });
      const iv = randomBytes(6).toString("hex");
      const cipher = createCipheriv("aes-256-gcm", Buffer.from(cfg.apiv3Key), Buffer.from(iv));
      cipher.setAAD(Buffer.from("certificate"));
      const sealed = Buffer.concat([cipher.update(cfg.payCert), cipher.final(), cipher.getAuthTag()]);
      const iso = (d) => new Date(d).toISOString().replace(/\.\d+Z$/, "+08:00");
      return signed(200, { data: [{ serial_no: cert.serialNumber, effective_time: iso(cert.validFrom), expire_time: iso(cert.validTo), encrypt_certificate: { algorithm: "AEAD_AES_256_GCM", nonce: iv, associated_data: "certificate", ciphertext: sealed.toString("base64") } }] });
    }],
    ["GET", /^\/v3\/refund\/domestic\/refunds\/([^/?]+)$/, "refundquery", (_r, no) => {
      for (const o of orders.values()) {
        const refund = o.v3 && o.refunds.find((x) => x.out_refund_no === no);
        if (refund) return signed(200, refundJson(o, refund));
      }
      return error(404, "RESOURCE_NOT_EXISTS", "退款单不存在");
    }],
  ];

  /** Verifies the merchant's signature of a request; returns the refusal or null. */
  function refuse(req, url, bodyText) {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) return error(401, "SIGN_ERROR", "Authorization 格式错误");
    if (auth.mchid !== cfg.mchid) return error(401, "SIGN_ERROR", "商户号不匹配");
    if (auth.serial_no !== cfg.merchantSerial) return error(401, "SIGN_ERROR", "证书序列号不匹配");
    if (Math.abs(Date.now() / 1000 - Number(auth.timestamp)) >= 300) return error(401, "SIGN_ERROR", "时间戳过期");
    const message = `${req.method}\n${url.pathname}${url.search}\n${auth.timestamp}\n${auth.nonce_str}\n${bodyText}\n`;
    if (!createVerify("sha256").update(message).verify(merchantKey, auth.signature, "base64")) {
      state.log.push({ provider: "wechat_v3", rejected: "SIGN_ERROR" });
      return error(401, "SIGN_ERROR", "签名错误");
    }
    return null;
  }

  /** Handles a /v3/ request. */
  function handle(req, url, bodyText) {
    for (const [method, pattern, name, handler] of routes) {
      const m = pattern.exec(url.pathname);
      if (!m || req.method !== method) continue;
      const refusal = refuse(req, url, bodyText);
      if (refusal) return refusal;
      let r = {};
      if (method === "POST") {
        try {
          r = JSON.parse(bodyText);
        } catch {
          return error(400, "PARAM_ERROR", "请求体不是 JSON");
        }
      }
      const no = m[1] ? decodeURIComponent(m[1]) : r.out_trade_no;
      const fault = takeFault(`wechat_v3:${name}`, no);
      if (fault === "timeout" || fault === "http500" || fault === "garbage") return { fault };
      if (fault === "systemerror") return error(500, "SYSTEM_ERROR", "系统错误");
      if (fault === "orderpaid") return error(403, "ORDERPAID", "该订单已支付");
      if (fault === "slow") return new Promise((done) => setTimeout(() => done(handler(r, no, url)), state.faultDelayMs));
      const out = handler(r, no, url);
      state.log.push({ provider: "wechat_v3", api: name, out_trade_no: no });
      if (fault === "accept_timeout" || fault === "accept_http500") return { fault: fault.slice("accept_".length) };
      if (fault === "badsign") return { ...out, headers: { ...out.headers, "wechatpay-signature": out.headers["wechatpay-signature"].replace(/^./, (c) => (c === "A" ? "B" : "A")) } };
      return out;
    }
    return error(404, "NOT_FOUND", "not found");
  }

  /** An encrypted, signed notify WeChat Pay would POST: body and headers. */
  function encrypted(eventType, originalType, resource, summary, { at, key = cfg.apiv3Key } = {}) {
    const iv = randomBytes(6).toString("hex");
    const cipher = createCipheriv("aes-256-gcm", Buffer.from(key), Buffer.from(iv));
    cipher.setAAD(Buffer.from(originalType));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(resource)), cipher.final(), cipher.getAuthTag()]);
    const envelope = {
      id: `EV-${randomBytes(8).toString("hex")}`,
      create_time: new Date().toISOString(),
      resource_type: "encrypt-resource",
      event_type: eventType,
      summary,
      resource: { original_type: originalType, algorithm: "AEAD_AES_256_GCM", ciphertext: sealed.toString("base64"), associated_data: originalType, nonce: iv },
    };
    const out = signed(200, envelope, undefined, at);
    return { body: out.body, headers: out.headers };
  }

  /** The TRANSACTION.SUCCESS notify of a paid order. */
  const notify = (o) => encrypted("TRANSACTION.SUCCESS", "transaction", transaction(o), "支付成功");

  /** The REFUND.<status> notify of a settled refund. */
  function refundNotify(o, r) {
    const resource = { mchid: cfg.mchid, out_trade_no: o.out_trade_no, transaction_id: o.transaction_id, out_refund_no: r.out_refund_no, refund_id: r.refund_id, refund_status: r.status, success_time: new Date().toISOString().replace(/\.\d+Z$/, "+00:00"), user_received_account: "支付用户零钱", amount: { total: Number(o.total_fee), refund: Number(r.refund_fee), payer_total: Number(o.total_fee), payer_refund: Number(r.refund_fee) } };
    return encrypted(`REFUND.${r.status}`, "refund", resource, "退款状态变更");
  }

  /** Sends a settled refund's notify to its notify_url (as WeChat does, shortly after). */
  function sendRefundNotify(o, r) {
    if (!r.notify_url || r.status === "PROCESSING" || state.refundNotifies === "off") return;
    setTimeout(() => {
      const { body, headers } = refundNotify(o, r);
      state.deliver("wechat", r.notify_url, body, "application/json", o, headers);
    }, 50);
  }

  // For tests: any resource, encrypted and signed like a notify (`at`: when it was signed;
  // `key`: another APIv3 key), and the transaction resource of an order object.
  /** More routes ([method, pattern, fault name, handler(json, no, url)]), verified and signed like these. */
  const addRoutes = (more) => routes.push(...more);

  return { handle, notify, refundNotify, sendRefundNotify, notifyOf: encrypted, transaction, addRoutes, signed, error };
}
