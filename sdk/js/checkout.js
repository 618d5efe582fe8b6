// paybridge-sdk's checkout() and resume(): the lazily loaded part (client.checkout and
// client.resume import it on first use, so a desktop page that only shows QR codes never
// downloads it). It does what JavaScript must here: the DOM (QR code, the "open in your
// browser" guide), navigations, WeixinJSBridge, the current URL. Every decision is a
// synchronous call into its own Rust wasm (./paybridge_checkout.js, the sdk crate built
// with the feature `checkout`, sdk/src/checkout.rs): where the page runs, which step comes
// next, each Pay's body and reply, the payment sheet's answer.
import * as rules from "./paybridge_checkout.js";

// Steps (sdk/src/checkout.rs `steps`; the native tests check these against it).
const NATIVE_QR = 0;
const ALIPAY_QR = 1;
const CASHIER = 2;
const H5 = 3;
const WAP = 4;
const APP_WAP = 5;
const OAUTH = 6;
const JSAPI = 7;
const GUIDE = 8;
const WATCH = 9;
const FAIL = -1;
const START = -1;
const RESUME = -2;
// Where the WeChat sign-in token came from (`tokens`).
const NO_TOKEN = 0;
const GIVEN_TOKEN = 1;
const FRESH_TOKEN = 2;
// API codes.
const WRONG_APP = -34;
const NOT_PAYABLE = -12;

/** The query parameter the worker's OAuth return adds. */
const TOKEN_PARAM = "paybridge_wx";
/** How long to wait for WeixinJSBridge before saying the sheet failed (-37). */
const BRIDGE_WAIT_MS = 10_000;

// Tokens this page has used, by order number: paying again after a cancel needs no sign-in
// (the worker's token lives 2 hours; an expired one answers -35 and the buyer signs in).
const tokens = new Map();

let loading;
const load = () => (loading ??= typeof rules.default === "function" ? rules.default() : Promise.resolve());

const TEXT = {
  zh: {
    wechat: ["请在浏览器中打开", "微信内无法使用支付宝付款。请点右上角「···」，选择「在浏览器打开」，再付款。"],
    alipay: ["请在浏览器中打开", "支付宝内无法使用微信支付。请点右上角「···」，选择「在浏览器中打开」，再付款。"],
    copy: "复制链接",
    copied: "已复制",
  },
  en: {
    wechat: ["Open this page in your browser", "Alipay cannot be used inside WeChat. Tap ··· at the top right, choose “Open in Browser”, then pay."],
    alipay: ["Open this page in your browser", "WeChat Pay cannot be used inside Alipay. Tap ··· at the top right, choose “Open in Browser”, then pay."],
    copy: "Copy link",
    copied: "Copied",
  },
};

/** `run(client, options, resume, shell)`: checkout() (`resume` false) or resume(). */
export async function run(client, options, resume, shell) {
  const { PayError } = shell;
  const asPayError = (e) => (e && typeof e.code === "number" && !(e instanceof PayError) ? Object.setPrototypeOf(e, PayError.prototype) : e);
  try {
    await load();
    return await pay(client, options, resume, shell);
  } catch (e) {
    throw asPayError(e);
  }
}

async function pay(client, options, resume, { PayError, mountQr, call }) {
  const here = globalThis.location;
  const o = { ...options }; // (undefined spreads to {}: then orderNo is refused)
  // The return page knows its order from the worker's appended order_no when not told.
  if (resume && o.orderNo === undefined && here) o.orderNo = new URLSearchParams(here.search).get("order_no") ?? undefined;
  const { signal } = o;
  const fresh = takeToken();
  const token = o.wxToken ?? fresh ?? tokens.get(o.orderNo);
  const source = token === undefined ? NO_TOKEN : token === fresh ? FRESH_TOKEN : GIVEN_TOKEN;
  const ua = globalThis.navigator?.userAgent ?? "";
  let step = rules.checkoutStep(o, ua, source, resume ? RESUME : START, 0);
  if (signal?.aborted) throw new PayError(-32, "aborted");

  const watch = async (stop = signal) => {
    const state = await client.pollState({ orderNo: o.orderNo, signal: stop, onUpdate: o.onUpdate, live: o.live });
    if (state.state === "paid") return state;
    throw Object.assign(new PayError(NOT_PAYABLE, `the order is ${state.state}`), { state });
  };
  const navigate = (url) => (o.navigate ?? leave)(url);

  let refusal;
  for (;;) {
    if (step === GUIDE) {
      guide(o);
      throw refusal ?? new PayError(WRONG_APP, `${o.wallet === "wechat" ? "WeChat Pay cannot open inside Alipay" : "Alipay cannot open inside WeChat"}: open this page in the phone's browser to pay`);
    }
    if (step === WATCH) return watch();
    if (step === OAUTH) {
      const url = new URL("oauth/wechat", client.apiUrl);
      url.search = `order_no=${encodeURIComponent(o.orderNo)}&return_url=${encodeURIComponent(o.returnUrl)}`;
      navigate(url.href);
      return watch();
    }
    let answer;
    try {
      if (step === NATIVE_QR || step === ALIPAY_QR) {
        if (!o.container) throw new PayError(-3, "checkout needs a container for the QR code on a desktop");
        const code = await (step === NATIVE_QR ? client.wechatPay({ orderNo: o.orderNo, signal }) : client.alipayQr({ orderNo: o.orderNo, signal }));
        answer = () => {
          mountQr(o.container, code.qrCode, o.qr);
          o.onQr?.({ wallet: step === NATIVE_QR ? "wechat" : "alipay", qrCode: code.qrCode, expiresAt: code.expiresAt });
        };
      } else {
        const body = rules.checkoutPay(o, step, step === JSAPI ? token : undefined);
        answer = rules.checkoutRead(await call(body, signal), step);
      }
    } catch (e) {
      if (e?.code === -3 || e?.code === -32) throw e;
      if (step === JSAPI) tokens.delete(o.orderNo);
      const next = typeof e?.code === "number" ? rules.checkoutStep(o, ua, source, step, e.code) : FAIL;
      if (next === FAIL) throw e;
      if (next === GUIDE) refusal = e;
      step = next;
      continue;
    }
    if (step === NATIVE_QR || step === ALIPAY_QR) {
      answer();
      return watch();
    }
    if (step !== JSAPI) {
      navigate(answer);
      return watch();
    }
    tokens.set(o.orderNo, token);
    return sheet(answer, watch, signal);
  }
}

/** Opens WeChat's payment sheet and watches the order meanwhile: resolves when the order says
 * paid (whatever the sheet says, or if it says nothing), rejects when the sheet is cancelled
 * (-36) or fails (-37). */
async function sheet(params, watch, signal) {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener("abort", abort, { once: true });
  if (signal?.aborted) stop.abort();
  const watching = watch(stop.signal);
  watching.catch(() => {}); // rejected by stop when the sheet ends it
  try {
    const answered = bridge(params).then((res) => rules.bridgeAnswer(res));
    return await Promise.race([watching, answered.then(() => watching)]);
  } finally {
    stop.abort();
    signal?.removeEventListener("abort", abort);
  }
}

/** `WeixinJSBridge.invoke("getBrandWCPayRequest", params, cb)`, once the bridge is there;
 * resolves with its answer (undefined when the bridge never came). */
function bridge(params) {
  return new Promise((resolve) => {
    const doc = globalThis.document;
    let timer;
    const go = () => {
      clearTimeout(timer);
      doc?.removeEventListener("WeixinJSBridgeReady", go);
      try {
        globalThis.WeixinJSBridge.invoke("getBrandWCPayRequest", params, resolve);
      } catch {
        resolve(undefined);
      }
    };
    if (typeof globalThis.WeixinJSBridge?.invoke === "function") return go();
    doc?.addEventListener("WeixinJSBridgeReady", go);
    timer = setTimeout(() => {
      doc?.removeEventListener("WeixinJSBridgeReady", go);
      resolve(undefined);
    }, BRIDGE_WAIT_MS);
  });
}

/** The worker's sign-in token in this page's URL, taken out of it (history.replaceState):
 * the address bar and a reload no longer carry it. */
function takeToken() {
  const here = globalThis.location;
  if (!here?.search) return undefined;
  let token;
  const rest = here.search
    .slice(1)
    .split("&")
    .filter((part) => {
      if (!part.startsWith(`${TOKEN_PARAM}=`)) return true;
      token ??= decodeURIComponent(part.slice(TOKEN_PARAM.length + 1));
      return false;
    });
  if (token === undefined) return undefined;
  try {
    globalThis.history.replaceState(globalThis.history.state, "", `${here.pathname}${rest.length ? `?${rest.join("&")}` : ""}${here.hash}`);
  } catch {
    // a sandboxed frame: the token stays in the URL, it still works
  }
  return token;
}

/** A top-level navigation from this page (WeChat's H5 page checks that the shop's page sent
 * the buyer: never a new window or a server's redirect). */
function leave(url) {
  try {
    globalThis.top.location.assign(url);
  } catch {
    globalThis.location.assign(url);
  }
}

/** The "open in your browser" guide, in the container (else on top of the page), in the
 * page's language; text only. */
function guide(o) {
  const doc = globalThis.document;
  if (!doc) return;
  const lang = String(o.lang ?? doc.documentElement?.lang ?? globalThis.navigator?.language ?? "").toLowerCase().startsWith("zh") ? "zh" : "en";
  const text = TEXT[lang];
  // Paying with Alipay: the buyer is in WeChat; with WeChat Pay: in Alipay.
  const app = o.wallet === "wechat" ? "alipay" : "wechat";
  const [title, how] = text[app];
  const box = doc.createElement("div");
  box.className = "paybridge-guide";
  box.setAttribute("role", "alert");
  box.dataset.app = app;
  box.lang = lang === "zh" ? "zh-CN" : "en";
  const head = doc.createElement("p");
  head.className = "paybridge-guide-title";
  head.textContent = `${title} ↗`;
  const body = doc.createElement("p");
  body.textContent = how;
  const copy = doc.createElement("button");
  copy.type = "button";
  copy.textContent = text.copy;
  copy.addEventListener("click", () => {
    globalThis.navigator?.clipboard?.writeText(globalThis.location.href).then(() => (copy.textContent = text.copied), () => {});
  });
  box.append(head, body, copy);
  if (o.container) return o.container.replaceChildren(box);
  // No container: over the page, at the top where the app's menu is.
  box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;margin:0;padding:16px 20px;background:#fff;color:#111;font:16px/1.5 system-ui,sans-serif;box-shadow:0 2px 12px rgba(0,0,0,.3)";
  doc.body.prepend(box);
}
