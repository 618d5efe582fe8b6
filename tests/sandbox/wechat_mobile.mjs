// WeChat Pay's mobile products, v2 and v3, on the orders of wechat.mjs / wechat_v3.mjs (one
// map, so query, close, refund and notifies treat them like Native orders):
//   H5 (MWEB): unifiedorder trade_type=MWEB (scene_info required) / POST /v3/pay/transactions/h5
//     → mweb_url / h5_url = <sandbox>/wechat/h5/checkmweb?prepay_id=…&package=…, valid 5
//     minutes (sandbox clock) and bound to spbill_create_ip / payer_client_ip. That page
//     refuses as WeChat's does (HTTP 200, the message in #error): an unknown link or an
//     empty Referer 商家参数格式有误; a Referer or redirect_url host other than the H5 domain
//     商家存在未配置的参数; a WeChat User-Agent 请在微信外打开订单; after 5 minutes
//     支付请求已失效; a buyer IP (the socket's, or header x-sandbox-buyer-ip) other than the
//     bound one 网络环境未能通过安全验证，请稍后再试. Paying (#wechat-h5-pay) marks the order
//     paid, sends the usual notifies and goes to redirect_url, or shows 支付成功.
//   JSAPI: unifiedorder trade_type=JSAPI / POST /v3/pay/transactions/jsapi with an openid
//     the sandbox's OAuth issued for the appid → prepay_id (valid 2 hours).
//   GET /sandbox/wechat-bridge.js: a WeixinJSBridge stand-in for pages (defined after a short
//     delay, then WeixinJSBridgeReady on document); getBrandWCPayRequest POSTs the six
//     parameters to /sandbox/jsapi/pay, which checks them as WeChat does (appId, package,
//     strings only, signType as the order was signed, paySign: v2 MD5/HMAC-SHA256 with the
//     API key, v3 RSA with the merchant's public key) and pays. Page knobs, read at invoke:
//     window.__sandboxBridge = {answer: "cancel" | "noreply", user, delayMs}.
import { createHash, createHmac, createPublicKey, createVerify, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { escape, page } from "./alipay.mjs";
import { openidOf, wechatUser } from "./wechat_oauth.mjs";
import { beijing } from "./wire.mjs";

const H5_TTL_MS = 5 * 60_000;
const PREPAY_TTL_MS = 2 * 3600_000;

/** v2 paySign: upper-case hex MD5 or HMAC-SHA256 (key: the API key) of the five fields and key. */
export function jsapiPaySignV2({ appId, timeStamp, nonceStr, package: pkg, signType }, key) {
  const text = `appId=${appId}&nonceStr=${nonceStr}&package=${pkg}&signType=${signType}&timeStamp=${timeStamp}&key=${key}`;
  if (signType === "MD5") return createHash("md5").update(text, "utf8").digest("hex").toUpperCase();
  if (signType === "HMAC-SHA256") return createHmac("sha256", key).update(text, "utf8").digest("hex").toUpperCase();
  return null;
}

/** v3 paySign: base64 SHA256withRSA over appId\ntimeStamp\nnonceStr\npackage\n. */
export function verifyJsapiPaySignV3({ appId, timeStamp, nonceStr, package: pkg, paySign }, publicKey) {
  try {
    return createVerify("sha256").update(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`, "utf8").verify(createPublicKey(publicKey), paySign, "base64");
  } catch {
    return false;
  }
}

/** The three scene_info shapes of H5.php?chapter=9_20 (a JSON string). */
function validScene(text) {
  let s;
  try {
    s = JSON.parse(text);
  } catch {
    return false;
  }
  const h = s?.h5_info;
  const str = (v) => typeof v === "string" && v !== "";
  if (!h || typeof h !== "object") return false;
  if (h.type === "Wap") return str(h.wap_url) && str(h.wap_name);
  if (h.type === "IOS") return str(h.app_name) && str(h.bundle_id);
  if (h.type === "Android") return str(h.app_name) && str(h.package_name);
  return false;
}

const buyerIp = (req) => String(req.headers["x-sandbox-buyer-ip"] ?? req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
const hostOf = (u) => {
  try {
    return new URL(u).hostname;
  } catch {
    return null;
  }
};

export function createWechatMobile({ cfg, state, wechat, wechatV3, oauth, now, baseUrl, allowedHost, payAndNotify }) {
  // cfg: { appid, mchid, key (v2 API key), merchantPublicKey (v3) }
  const orders = state.wechat;
  const h5 = (state.h5 ??= new Map()); // package → { package, prepay_id, out_trade_no, ip, expires_at }
  const html = (status, body) => ({ status, type: "text/html; charset=utf-8", body });
  const wxPage = (title, body) => page(title, `<div class=wx>${body}</div>`);
  const refusal = (message) => html(200, wxPage("微信支付 (sandbox)", `<p id=error>${escape(message)}</p>`));

  /** A fresh prepay_id when there is none or it is older than 2 hours, as WeChat re-issues it. */
  function prepay(order) {
    order.prepay_expires_at ??= now() + PREPAY_TTL_MS;
    if (!order.prepay_id || now() > order.prepay_expires_at) {
      order.prepay_id = `wx${beijing()}${randomBytes(8).toString("hex")}`;
      order.prepay_expires_at = now() + PREPAY_TTL_MS;
    }
    return order.prepay_id;
  }

  /** A new 5-minute H5 link for an order, bound to the buyer's IP. */
  function h5Url(order, ip) {
    const pkg = String(1_000_000_000 + randomBytes(4).readUInt32BE() % 3_000_000_000);
    h5.set(pkg, { package: pkg, prepay_id: prepay(order), out_trade_no: order.out_trade_no, ip, expires_at: now() + H5_TTL_MS });
    return `${baseUrl()}/wechat/h5/checkmweb?prepay_id=${order.prepay_id}&package=${pkg}`;
  }

  // ------------------------------------------------------------------ v2 unifiedorder
  wechat.extend("MWEB", {
    check(r) {
      // WeChat answers a missing scene_info with return_code FAIL 缺少参数 (yansongda/pay#388).
      if (!r.scene_info) return { commFail: "缺少参数" };
      if (!validScene(r.scene_info)) return wechat.fail("PARAM_ERROR", "scene_info参数格式错误");
      if (!isIP(r.spbill_create_ip)) return wechat.fail("PARAM_ERROR", "spbill_create_ip参数格式错误");
      return null;
    },
    create(order, r) {
      order.prepay_expires_at = now() + PREPAY_TTL_MS;
      order.payer_ip = r.spbill_create_ip;
    },
    reply: (order, r) => ({ trade_type: "MWEB", prepay_id: prepay(order), mweb_url: h5Url(order, r.spbill_create_ip) }),
  });
  wechat.extend("JSAPI", {
    check(r) {
      if (!r.openid) return { commFail: "JSAPI支付必须传openid" };
      if (!oauth.knows(r.openid, r.appid)) return { commFail: "appid和openid不匹配" };
      return null;
    },
    create(order, r) {
      order.openid = r.openid;
      order.prepay_expires_at = now() + PREPAY_TTL_MS;
    },
    reply: (order) => ({ trade_type: "JSAPI", prepay_id: prepay(order) }),
  });

  // ------------------------------------------------------------------ v3 h5 / jsapi
  const { signed, error } = wechatV3;
  const required = (path, field) => error(400, "PARAM_ERROR", `输入源“${path}”映射到字段“${field}”必填性规则校验失败，此字段为必填项`);

  /** The checks and order bookkeeping both v3 products share; `extra(r)` → refusal or null. */
  function v3Create(tradeType, r, extra, fields, answer) {
    for (const [k, name] of [["appid", "应用ID"], ["mchid", "直连商户号"], ["description", "商品描述"], ["out_trade_no", "商户订单号"], ["notify_url", "通知地址"]]) {
      if (typeof r[k] !== "string" || !r[k]) return required(`/body/${k}`, name);
    }
    if (r.appid !== cfg.appid || r.mchid !== cfg.mchid) return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配");
    if (!Number.isInteger(r.amount?.total) || r.amount.total <= 0) return required("/body/amount/total", "总金额");
    if (!/^[0-9A-Za-z_\-|*]{6,32}$/.test(r.out_trade_no)) return error(400, "PARAM_ERROR", "out_trade_no");
    if (r.time_expire !== undefined && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/.test(r.time_expire)) return error(400, "PARAM_ERROR", "time_expire");
    const refused = extra(r);
    if (refused) return refused;
    const existing = orders.get(r.out_trade_no);
    if (existing) {
      if (["SUCCESS", "REFUND"].includes(existing.trade_state)) return error(403, "ORDERPAID", "该订单已支付");
      if (existing.trade_state === "CLOSED") return error(400, "ORDER_CLOSED", "订单已关闭");
      const same = existing.v3 && existing.trade_type === tradeType && existing.request.description === r.description && existing.request.amount?.total === r.amount.total && existing.request.notify_url === r.notify_url && existing.request.time_expire === r.time_expire && existing.openid === r.payer?.openid;
      if (!same) return error(400, "INVALID_REQUEST", "201 商户订单号重复");
      return signed(200, answer(existing));
    }
    const order = { v3: true, out_trade_no: r.out_trade_no, request: r, total_fee: String(r.amount.total), body: r.description, notify_url: r.notify_url, trade_type: tradeType, trade_state: "NOTPAY", refunds: [], notifies: [], prepay_expires_at: now() + PREPAY_TTL_MS, ...fields };
    orders.set(order.out_trade_no, order);
    return signed(200, answer(order));
  }

  wechatV3.addRoutes([
    ["POST", /^\/v3\/pay\/transactions\/h5$/, "h5", (r) => {
      const ip = r.scene_info?.payer_client_ip;
      return v3Create(
        "MWEB",
        r,
        () => {
          if (!r.scene_info || typeof r.scene_info !== "object") return required("/body/scene_info", "场景信息");
          if (typeof ip !== "string" || !ip) return required("/body/scene_info/payer_client_ip", "用户终端IP");
          if (!isIP(ip)) return error(400, "PARAM_ERROR", "payer_client_ip");
          if (!r.scene_info.h5_info || typeof r.scene_info.h5_info !== "object") return required("/body/scene_info/h5_info", "H5场景信息");
          if (typeof r.scene_info.h5_info.type !== "string" || !r.scene_info.h5_info.type) return required("/body/scene_info/h5_info/type", "场景类型");
          return null;
        },
        { payer_ip: ip },
        (o) => ({ h5_url: h5Url(o, ip) }),
      );
    }],
    ["POST", /^\/v3\/pay\/transactions\/jsapi$/, "jsapi", (r) => v3Create(
      "JSAPI",
      r,
      () => {
        if (typeof r.payer?.openid !== "string" || !r.payer.openid) return required("/body/payer/openid", "用户标识");
        if (!oauth.knows(r.payer.openid, r.appid)) return error(400, "PARAM_ERROR", "appid和openid不匹配");
        return null;
      },
      { openid: r.payer?.openid },
      (o) => ({ prepay_id: prepay(o) }),
    )],
  ]);

  // ------------------------------------------------------------------ the H5 page
  function checkmweb(req, url) {
    const s = h5.get(url.searchParams.get("package") ?? "");
    const o = s && orders.get(s.out_trade_no);
    const redirect = url.searchParams.get("redirect_url");
    const refuse = (message, why) => {
      state.log.push({ provider: "wechat_h5", out_trade_no: s?.out_trade_no, rejected: why });
      return refusal(message);
    };
    if (!s || !o || s.prepay_id !== url.searchParams.get("prepay_id") || o.prepay_id !== s.prepay_id) return refuse("商家参数格式有误", "unknown link");
    if (/MicroMessenger/i.test(req.headers["user-agent"] ?? "")) return refuse("请在微信外打开订单", "opened in WeChat");
    const referer = req.headers.referer;
    if (!referer) return refuse("商家参数格式有误", "empty Referer");
    if (!allowedHost(hostOf(referer))) return refuse("商家存在未配置的参数", "Referer host is not the H5 domain");
    if (redirect !== null && !allowedHost(hostOf(redirect))) return refuse("商家存在未配置的参数", "redirect_url host is not the H5 domain");
    if (now() > s.expires_at) return refuse("支付请求已失效", "older than 5 minutes");
    if (buyerIp(req) !== s.ip) return refuse("网络环境未能通过安全验证，请稍后再试", `buyer IP ${buyerIp(req)}, bound to ${s.ip}`);
    if (["SUCCESS", "REFUND"].includes(o.trade_state)) return refuse("该订单已支付", "paid");
    if (o.trade_state === "CLOSED") return refuse("订单已关闭", "closed");
    const amount = `${Math.floor(o.total_fee / 100)}.${String(o.total_fee % 100).padStart(2, "0")}`;
    const hidden = (k, v) => (v === null ? "" : `<input type=hidden name=${k} value="${escape(v)}">`);
    return html(200, wxPage("微信支付 · H5 (sandbox)", `<p class=amount id=amount>¥${amount}</p><p id=subject>${escape(o.body)}</p><p class=muted>商户订单号 ${escape(o.out_trade_no)}</p>
      <form method=post action="/wechat/h5/pay">${hidden("package", s.package)}${hidden("prepay_id", s.prepay_id)}${hidden("redirect_url", redirect)}<button id=wechat-h5-pay>确认支付 Pay</button></form>`));
  }

  function h5Pay(req, body) {
    const f = Object.fromEntries(new URLSearchParams(body));
    const s = h5.get(f.package ?? "");
    const o = s && orders.get(s.out_trade_no);
    if (!o || s.prepay_id !== f.prepay_id) return refusal("商家参数格式有误");
    if (o.trade_state !== "NOTPAY") return refusal(o.trade_state === "CLOSED" ? "订单已关闭" : "该订单已支付");
    o.payer_openid = openidOf(cfg.appid, wechatUser(req));
    payAndNotify({ provider: "wechat", out_trade_no: o.out_trade_no }).catch(() => {});
    state.log.push({ provider: "wechat_h5", api: "pay", out_trade_no: o.out_trade_no });
    if (f.redirect_url) return { status: 302, headers: { location: f.redirect_url }, body: "" };
    return html(200, wxPage("微信支付 (sandbox)", `<p id=paid>支付成功</p><p class=muted>商户订单号 ${escape(o.out_trade_no)}</p>`));
  }

  // ------------------------------------------------------------------ the JSAPI bridge
  const cors = (req) => ({ "access-control-allow-origin": req.headers.origin ?? "*", "access-control-allow-credentials": "true", "access-control-allow-methods": "POST, OPTIONS", "access-control-allow-headers": "content-type", vary: "origin" });

  /** What getBrandWCPayRequest answers for `params` (and pays when they are right). */
  function jsapiPay(params, user) {
    const fail = (desc) => ({ err_msg: "get_brand_wcpay_request:fail", err_desc: desc });
    const keys = ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"];
    for (const k of keys) if (typeof params?.[k] !== "string" || params[k] === "") return fail(`调用支付JSAPI缺少参数：${k} (sandbox: every value must be a non-empty string)`);
    const m = /^prepay_id=(.+)$/.exec(params.package);
    const o = m && [...orders.values()].find((x) => x.trade_type === "JSAPI" && x.prepay_id === m[1]);
    if (params.appId !== cfg.appid) return fail("调用支付JSAPI缺少参数：appId (sandbox: appId is not the order's appid)");
    if (!o) return fail("调用支付JSAPI缺少参数：package (sandbox: not prepay_id=<a JSAPI prepay_id>)");
    if (now() > o.prepay_expires_at) return fail("调用支付JSAPI缺少参数：package (sandbox: the prepay_id is older than 2 hours)");
    if (o.v3) {
      if (params.signType !== "RSA") return fail(`支付验证签名失败 (sandbox: a v3 order takes signType RSA, not ${params.signType})`);
      if (!verifyJsapiPaySignV3(params, cfg.merchantPublicKey)) return fail("支付验证签名失败 (sandbox: paySign is not SHA256withRSA of appId\\ntimeStamp\\nnonceStr\\npackage\\n under the merchant's key)");
    } else {
      if (params.signType !== o.sign_type) return fail(`支付验证签名失败 (sandbox: signType ${params.signType}, but unifiedorder was signed with ${o.sign_type})`);
      if (jsapiPaySignV2(params, cfg.key) !== params.paySign) return fail(`支付验证签名失败 (sandbox: paySign is not ${params.signType} of appId, nonceStr, package, signType, timeStamp and the API key)`);
    }
    const openid = openidOf(cfg.appid, user);
    if (openid !== o.openid) return fail(`下单账号与支付账号不一致 (sandbox: the order is for ${o.openid}, the WeChat user "${user}" is ${openid})`);
    if (o.trade_state === "CLOSED") return fail("订单已关闭");
    if (o.trade_state !== "NOTPAY") return fail("该订单已支付");
    o.payer_openid = openid;
    payAndNotify({ provider: "wechat", out_trade_no: o.out_trade_no }).catch(() => {});
    state.log.push({ provider: "wechat_jsapi", api: "pay", out_trade_no: o.out_trade_no });
    return { err_msg: "get_brand_wcpay_request:ok", out_trade_no: o.out_trade_no };
  }

  function bridgeScript() {
    return `// WeixinJSBridge stand-in from the paybridge sandbox (not WeChat's code).
(() => {
  if (window.WeixinJSBridge || window.__sandboxBridgeInstalled) return;
  window.__sandboxBridgeInstalled = true;
  const SANDBOX = ${JSON.stringify(baseUrl())};
  const knobs = () => window.__sandboxBridge || {};
  const bridge = {
    invoke(name, params, cb) {
      const done = (res) => { if (typeof cb === "function") setTimeout(() => cb(res), 0); };
      if (name !== "getBrandWCPayRequest") return done({ err_msg: name + ":fail_not supported by the sandbox bridge" });
      const k = knobs();
      if (k.answer === "cancel") return done({ err_msg: "get_brand_wcpay_request:cancel" });
      fetch(SANDBOX + "/sandbox/jsapi/pay", { method: "POST", credentials: "include", body: JSON.stringify({ params, user: k.user, page: location.href }) })
        .then((r) => r.json())
        .then((res) => {
          window.__sandboxBridgeLast = res;
          if (k.answer === "noreply" && res.err_msg === "get_brand_wcpay_request:ok") return;
          done(res.err_desc ? { err_msg: res.err_msg, err_desc: res.err_desc } : { err_msg: res.err_msg });
        })
        .catch((e) => done({ err_msg: "get_brand_wcpay_request:fail", err_desc: "sandbox bridge: " + e }));
    },
    on() {},
    call() {},
  };
  setTimeout(() => {
    window.WeixinJSBridge = bridge;
    document.dispatchEvent(new Event("WeixinJSBridgeReady"));
  }, typeof knobs().delayMs === "number" ? knobs().delayMs : 300);
})();
`;
  }

  /** Answers this module's requests; null for any other. */
  function route(req, url, body) {
    const p = url.pathname;
    if (p === "/wechat/h5/checkmweb" && req.method === "GET") return checkmweb(req, url);
    if (p === "/wechat/h5/pay" && req.method === "POST") return h5Pay(req, body);
    if (p === "/sandbox/wechat-bridge.js" && req.method === "GET") {
      return { status: 200, type: "application/javascript; charset=utf-8", headers: { "access-control-allow-origin": "*", "cache-control": "no-store" }, body: bridgeScript() };
    }
    if (p === "/sandbox/jsapi/pay" && req.method === "OPTIONS") return { status: 204, headers: cors(req), body: "" };
    if (p === "/sandbox/jsapi/pay" && req.method === "POST") {
      let r = null;
      try {
        r = JSON.parse(body);
      } catch {}
      const user = typeof r?.user === "string" && r.user ? r.user : wechatUser(req);
      const out = jsapiPay(r?.params ?? r, user);
      if (out.err_desc) state.log.push({ provider: "wechat_jsapi", rejected: out.err_desc });
      return { status: 200, type: "application/json", headers: cors(req), body: JSON.stringify(out) };
    }
    return null;
  }

  return { route, reset: () => h5.clear() };
}
