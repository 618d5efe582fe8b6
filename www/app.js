// The demo checkout: creates an order through the demo shop's backend (/demo/order, which
// plays the merchant's server: the page never holds the merchant token), then pays with
// the SDK's checkout(), which picks the way for the device: on a desktop, Alipay by
// redirect and WeChat Pay by QR code with a live status (and, when the worker runs Alipay
// OpenAPI, Alipay's QR code beside WeChat's, same countdown and state); on a phone, WeChat
// H5 or Alipay's wap cashier, back on result.html; inside WeChat, WeChat's sign-in and then
// its payment sheet on result.html; the wrong wallet for the app, the SDK's guide.
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

// Desktop: the QR code is in #qr; the rest of the panel around it.
function showQr(orderNo, { qrCode: codeUrl, expiresAt }) {
  $("checkout").hidden = true;
  $("wechat-panel").hidden = false;
  const qr = $("qr");
  qr.dataset.codeUrl = codeUrl;
  qr.dataset.orderNo = orderNo;
  if (alipayQr) showAlipayQr(orderNo).catch(showError);
  startCountdown(expiresAt);
  setStatus("waiting");
  if (sandboxBase) {
    const link = $("simulate-scan");
    link.href = `${sandboxBase}/wechat/scan?pr=${encodeURIComponent(new URL(codeUrl.replace("weixin://", "http://x/")).searchParams.get("pr"))}`;
    link.hidden = false;
  }
}

// With Alipay OpenAPI: Alipay's QR code for the same order beside WeChat's.
async function showAlipayQr(orderNo) {
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

async function pay() {
  $("error").hidden = true;
  $("pay-button").disabled = true;
  $("pay-button").textContent = t("creating");
  let orderNo;
  try {
    orderNo = (await createOrder()).order_no;
  } catch (e) {
    showError(e);
    $("pay-button").disabled = false;
    applyLanguage();
    return;
  }
  const wallet = document.querySelector("input[name=method]:checked").value === "1" ? "alipay" : "wechat";
  poll = new AbortController();
  const live = new URLSearchParams(location.search).get("live") !== "off";
  try {
    const final = await client.checkout({
      orderNo,
      wallet,
      // Phones and WeChat's sign-in come back here; result.js picks the order up.
      returnUrl: `${location.origin}/result?order=${encodeURIComponent(orderNo)}&wallet=${wallet}`,
      container: $("qr"),
      qr: { size: 240 },
      // Desktop Alipay: its cashier page (with OpenAPI, its QR code shows beside WeChat's).
      alipayQr: false,
      signal: poll.signal,
      live,
      onQr: (code) => showQr(orderNo, code),
      onUpdate: (s) => {
        if (s.serverTime) clockOffset = s.serverTime - Date.now();
        setStatus(s.state);
        setTransport(s.transport);
      },
      navigate: (url) => {
        $("pay-button").textContent = t(wallet === "alipay" ? "redirecting" : "redirectingWechat");
        location.assign(url);
      },
    });
    setStatus(final.state);
    setTransport(final.transport);
    $("qr").classList.add("done");
  } catch (e) {
    if (e.code === -34) {
      // The wrong wallet for this app: the SDK's guide is in #qr.
      $("checkout").hidden = true;
      $("wechat-panel").hidden = false;
      $("wechat-panel").dataset.mode = "guide";
      return;
    }
    if (e.code === -13) return setStatus("expired");
    if (e.code === -12) return setStatus(e.state?.state ?? "cancelled");
    if (e.code === -32) return;
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
