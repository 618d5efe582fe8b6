// The demo checkout: creates an order through the demo shop's backend (/demo/order, which
// plays the merchant's server: the page never holds the merchant token), then pays with
// the SDK: Alipay by redirect, WeChat Pay by QR code with a live status, and, when the
// worker runs Alipay OpenAPI, Alipay's QR code beside WeChat's (same countdown and state).
import init, { PayClient, mountQr } from "./sdk/paybridge.js";
import { applyLanguage, setupLanguageButtons, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let client;
let sandboxBase = null;
let alipayQr = false;
let poll = null;

function setStatus(key) {
  const el = $("status");
  el.dataset.state = key;
  el.dataset.i18nState = key;
  el.textContent = t(key);
  el.className = key;
}

// How the page hears about the order: the order's WebSocket ("live") or polling.
function setTransport(transport) {
  const el = $("transport");
  el.dataset.transport = transport;
  el.dataset.i18nState = transport;
  el.textContent = t(transport);
}

function showError(e) {
  const el = $("error");
  el.hidden = false;
  el.textContent = `${e.message} (${e.code ?? "error"})`;
}

// The server's clock minus the page's, from the states the worker sends: the countdown
// follows the server, whose clock decides the expiry.
let clockOffset = 0;

function startCountdown(expiresAt) {
  const tick = () => {
    const left = Math.max(0, Math.round((expiresAt - Date.now() - clockOffset) / 1000));
    $("countdown").textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) clearInterval(timer);
  };
  const timer = setInterval(tick, 1000);
  tick();
}

async function createOrder() {
  const r = await fetch("/demo/order", { method: "POST" });
  const json = await r.json();
  if (json.result !== 0) throw Object.assign(new Error(json.msg), { code: json.result });
  return json.order;
}

async function payWithWechat(orderNo) {
  const { qrCode: codeUrl, expiresAt } = await client.wechatPay({ orderNo });
  $("checkout").hidden = true;
  $("wechat-panel").hidden = false;
  const qr = mountQr($("qr"), codeUrl, { size: 240 });
  qr.dataset.codeUrl = codeUrl;
  qr.dataset.orderNo = orderNo;
  if (alipayQr) {
    const { qrCode } = await client.alipayQr({ orderNo });
    $("alipay-qr-box").hidden = false;
    mountQr($("alipay-qr"), qrCode, { size: 240 }).dataset.qrCode = qrCode;
    $("wechat-panel").querySelector("h2").dataset.i18n = "scanTitleBoth";
    applyLanguage();
    if (sandboxBase) {
      const link = $("simulate-alipay-scan");
      link.href = `${sandboxBase}/alipay/scan?qr=${encodeURIComponent(qrCode)}`;
      link.hidden = false;
    }
  }
  startCountdown(expiresAt);
  setStatus("waiting");
  if (sandboxBase) {
    const link = $("simulate-scan");
    link.href = `${sandboxBase}/wechat/scan?pr=${encodeURIComponent(new URL(codeUrl.replace("weixin://", "http://x/")).searchParams.get("pr"))}`;
    link.hidden = false;
  }
  poll = new AbortController();
  try {
    const live = new URLSearchParams(location.search).get("live") !== "off";
    const onUpdate = (s) => {
      if (s.serverTime) clockOffset = s.serverTime - Date.now();
      setStatus(s.state);
      setTransport(s.transport);
    };
    const final = await client.pollState({ orderNo, signal: poll.signal, onUpdate, live });
    setStatus(final.state);
    setTransport(final.transport);
    if (final.state === "paid") $("qr").classList.add("done");
  } catch (e) {
    if (e.code === -13) setStatus("expired");
    else if (e.code !== -32) showError(e);
  }
}

async function pay() {
  $("error").hidden = true;
  $("pay-button").disabled = true;
  $("pay-button").textContent = t("creating");
  try {
    const order = await createOrder();
    const type = Number(document.querySelector("input[name=method]:checked").value);
    if (type === 1) {
      const { alipayUrl } = await client.pay({ orderNo: order.order_no, wallet: "alipay", returnUrl: `${location.origin}/result` });
      $("pay-button").textContent = t("redirecting");
      location.assign(alipayUrl);
    } else {
      await payWithWechat(order.order_no);
    }
  } catch (e) {
    showError(e);
    $("pay-button").disabled = false;
    applyLanguage();
  }
}

await init();
client = new PayClient({ endpoint: location.origin });
setupLanguageButtons();
const config = await fetch("/demo/config").then((r) => r.json()).catch(() => ({}));
sandboxBase = config.sandbox_base ?? null;
alipayQr = config.alipay_qr === true;
$("pay-button").addEventListener("click", pay);
document.body.dataset.ready = "true";
