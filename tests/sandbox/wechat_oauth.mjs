// WeChat web authorisation (网页授权, snsapi_base) as the official-account OAuth behaves:
//   GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope=snsapi_base&state
//       (the real link ends with #wechat_redirect, which browsers never send). The query must
//       hold exactly these parameters in exactly this order (state may be left out;
//       connect_redirect=1 may follow it, as WxJava sends it and WeChat adds it itself), else
//       a 400 page 参数错误. Only inside WeChat (User-Agent MicroMessenger), else
//       请在微信客户端打开链接. The redirect_uri's host must be the 网页授权域名 (here: the
//       worker's PUBLIC_BASE_URL host or 127.0.0.1), else 10003. Then 302 to
//       redirect_uri?code=…&state=…, the code single-use and valid 5 minutes.
//   GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code → JSON
//       (served as text/plain, as api.weixin.qq.com does): 40013 invalid appid, 41004/40125
//       secret missing/wrong, 41008 missing code, 40029 invalid code (unknown, expired, other
//       appid), 40163 code been used; errmsg carries ", rid: …" like today's replies.
// The buyer is the cookie sandbox_wx_user (default "buyer"); their openid is a stable id
// derived from (appid, user), known to unifiedorder once the buyer authorised the app.
// Test helpers: GET /sandbox/oauth/last (the last code issued, to replay a callback),
// GET /sandbox/oauth/openid?user=… (that user's openid, registered as if they authorised).
import { createHash, randomBytes } from "node:crypto";
import { escape, page } from "./alipay.mjs";

const CODE_TTL_MS = 5 * 60_000;
const ORDER = ["appid", "redirect_uri", "response_type", "scope", "state", "connect_redirect"];

/** The buyer's sandbox identity: cookie sandbox_wx_user, default "buyer". */
export function wechatUser(req) {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === "sandbox_wx_user" && v.length) {
      try {
        return decodeURIComponent(v.join("=")) || "buyer";
      } catch {
        return "buyer";
      }
    }
  }
  return "buyer";
}

/** A stable openid for (appid, user): 28 characters starting with "o", like WeChat's. */
export function openidOf(appid, user) {
  return `o${createHash("sha256").update(`${appid}\n${user}`).digest("base64url").slice(0, 27)}`;
}

export function createWechatOAuth(cfg, state, { now, allowedHost }) {
  // cfg: { appid, secret }
  const oauth = (state.oauth ??= { codes: new Map(), openids: new Map(), last: null });
  const rid = () => `${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}`;
  // api.weixin.qq.com answers JSON as text/plain.
  const json = (body) => ({ status: 200, type: "text/plain", body: JSON.stringify(body) });
  const apiError = (errcode, errmsg) => {
    state.log.push({ provider: "wechat_oauth", api: "access_token", errcode });
    return json({ errcode, errmsg: `${errmsg}, rid: ${rid()}` });
  };
  const errorPage = (status, title, code, message) => ({
    status,
    type: "text/html; charset=utf-8",
    body: page(title, `<p id=error data-code="${escape(code)}">${escape(message)}</p>`),
  });

  /** Registers (and answers) the openid of `user` under `appid`, as an authorisation does. */
  function issueOpenid(appid, user) {
    const openid = openidOf(appid, user);
    oauth.openids.set(openid, { appid, user });
    return openid;
  }

  /** Whether `openid` is a buyer who authorised `appid` here (what unifiedorder accepts). */
  const knows = (openid, appid) => oauth.openids.get(openid)?.appid === appid;

  function authorize(req, url) {
    const raw = url.search.slice(1).split("&").filter(Boolean);
    const names = raw.map((kv) => kv.split("=")[0]);
    const params = Object.fromEntries(raw.map((kv) => {
      const i = kv.indexOf("=");
      try {
        return [kv.slice(0, i < 0 ? kv.length : i), i < 0 ? "" : decodeURIComponent(kv.slice(i + 1).replaceAll("+", " "))];
      } catch {
        return [kv, "\u0000"];
      }
    }));
    // Exactly appid, redirect_uri, response_type, scope, [state], [connect_redirect], in order.
    let at = 0;
    const inOrder = names.every((n) => {
      const i = ORDER.indexOf(n, at);
      if (i < 0) return false;
      at = i + 1;
      return true;
    });
    const required = ["appid", "redirect_uri", "response_type", "scope"].every((n) => names.includes(n));
    const bad = (why) => {
      state.log.push({ provider: "wechat_oauth", api: "authorize", rejected: why });
      return errorPage(400, "微信网页授权 (sandbox)", "param", `参数错误 (sandbox: ${why})`);
    };
    if (!inOrder || !required || new Set(names).size !== names.length) return bad("the parameters must be exactly appid, redirect_uri, response_type, scope, state, in this order");
    if (Object.values(params).includes("\u0000")) return bad("a parameter is not URL-encoded properly");
    if (!/MicroMessenger/i.test(req.headers["user-agent"] ?? "")) return errorPage(200, "微信网页授权 (sandbox)", "not_in_wechat", "请在微信客户端打开链接");
    if (params.appid !== cfg.appid) return bad("appid unknown");
    if (params.response_type !== "code") return bad("response_type must be code");
    if (params.scope !== "snsapi_base") return errorPage(200, "微信网页授权 (sandbox)", "10005", "10005 此公众号并没有这些scope的权限 (sandbox: snsapi_base only)");
    if (!/^[a-zA-Z0-9]{0,128}$/.test(params.state ?? "")) return bad("state must be 0-128 of a-z A-Z 0-9");
    if ("connect_redirect" in params && params.connect_redirect !== "1") return bad("connect_redirect must be 1");
    let target;
    try {
      target = new URL(params.redirect_uri);
    } catch {
      return bad("redirect_uri is not an absolute URL");
    }
    if (!/^https?:$/.test(target.protocol)) return bad("redirect_uri must be http or https");
    if (!allowedHost(target.hostname)) return errorPage(200, "微信网页授权 (sandbox)", "10003", "10003 redirect_uri域名与后台配置不一致");
    const user = wechatUser(req);
    const code = randomBytes(24).toString("base64url").replace(/[-_]/g, "0").slice(0, 32);
    const openid = issueOpenid(cfg.appid, user);
    const record = { code, appid: cfg.appid, user, openid, state: params.state ?? "", redirect_uri: params.redirect_uri, issued_at: now(), used: false };
    oauth.codes.set(code, record);
    oauth.last = record;
    state.log.push({ provider: "wechat_oauth", api: "authorize", user });
    const sep = params.redirect_uri.includes("?") ? "&" : "?";
    const location = `${params.redirect_uri}${sep}code=${code}&state=${encodeURIComponent(params.state ?? "")}`;
    return { status: 302, headers: { location }, body: "" };
  }

  function accessToken(url) {
    const q = Object.fromEntries(url.searchParams);
    if (!q.appid) return apiError(41002, "appid missing");
    if (q.appid !== cfg.appid) return apiError(40013, "invalid appid");
    if (!q.secret) return apiError(41004, "appsecret missing");
    if (q.secret !== cfg.secret) return apiError(40125, "invalid appsecret");
    if (q.grant_type !== "authorization_code") return apiError(40002, "invalid grant_type");
    if (!q.code) return apiError(41008, "missing code");
    const record = oauth.codes.get(q.code);
    if (!record || record.appid !== q.appid || now() - record.issued_at > CODE_TTL_MS) return apiError(40029, "invalid code");
    if (record.used) return apiError(40163, "code been used");
    record.used = true;
    state.log.push({ provider: "wechat_oauth", api: "access_token", openid: record.openid });
    return json({
      access_token: randomBytes(48).toString("base64url"),
      expires_in: 7200,
      refresh_token: randomBytes(48).toString("base64url"),
      openid: record.openid,
      scope: "snsapi_base",
    });
  }

  /** Answers this module's requests; null for any other. */
  function route(req, url) {
    const p = url.pathname;
    if (p === "/connect/oauth2/authorize" && req.method === "GET") return authorize(req, url);
    if (p === "/sns/oauth2/access_token" && req.method === "GET") return accessToken(url);
    if (p === "/sandbox/oauth/last" && req.method === "GET") {
      return { status: oauth.last ? 200 : 404, type: "application/json", body: JSON.stringify(oauth.last ?? { error: "no code issued yet" }) };
    }
    if (p === "/sandbox/oauth/openid" && req.method === "GET") {
      const user = url.searchParams.get("user") ?? wechatUser(req);
      return { status: 200, type: "application/json", body: JSON.stringify({ user, appid: cfg.appid, openid: issueOpenid(cfg.appid, user) }) };
    }
    return null;
  }

  const reset = () => {
    oauth.codes.clear();
    oauth.openids.clear();
    oauth.last = null;
  };

  return { route, knows, issueOpenid, reset };
}
