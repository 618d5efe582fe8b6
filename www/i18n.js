// The demo's two languages. The page reads ?lang=en|zh (kept for the tab), else the
// language chosen with the buttons, else the browser's.
const TEXT = {
  zh: {
    shop: "Paybridge 演示商店", summary: "订单摘要", item: "Paybridge 纪念贴纸 · Sticker", total: "合计",
    sandboxNote: "沙箱模式：不会产生真实扣款。", method: "支付方式", alipay: "支付宝", wechat: "微信支付", pay: "去支付",
    scanTitle: "微信扫码支付", scanTitleBoth: "扫码支付", expiresIn: "剩余支付时间", simulate: "模拟扫码（沙箱）", simulateAlipay: "模拟支付宝扫码（沙箱）", footer: "由 Paybridge 驱动 · Rust + WebAssembly",
    waiting: "等待支付…", paid: "支付成功", cancelled: "订单已取消", refunded: "已退款", expired: "二维码已过期，请重新下单",
    checking: "正在确认支付结果…", resultTitle: "支付结果", orderNo: "订单号", back: "返回商店", creating: "正在创建订单…", redirecting: "正在跳转到支付宝…", redirectingWechat: "正在跳转到微信支付…", cancelledByBuyer: "支付已取消，订单仍可支付", payAgain: "重新支付", merchantTold: "商店后台已收到签名通知", live: "实时连接", polling: "轮询中",
  },
  en: {
    shop: "Paybridge demo shop", summary: "Order summary", item: "Paybridge sticker", total: "Total",
    sandboxNote: "Sandbox mode: no real money moves.", method: "Payment method", alipay: "Alipay", wechat: "WeChat Pay", pay: "Pay now",
    scanTitle: "Scan with WeChat to pay", scanTitleBoth: "Scan to pay", expiresIn: "Time left to pay", simulate: "Simulate scan (sandbox)", simulateAlipay: "Simulate Alipay scan (sandbox)", footer: "Powered by Paybridge · Rust + WebAssembly",
    waiting: "Waiting for payment…", paid: "Payment received", cancelled: "Order cancelled", refunded: "Refunded", expired: "The code expired, please order again",
    checking: "Checking the payment…", resultTitle: "Payment result", orderNo: "Order number", back: "Back to the shop", creating: "Creating your order…", redirecting: "Redirecting to Alipay…", redirectingWechat: "Redirecting to WeChat Pay…", cancelledByBuyer: "Payment cancelled. The order can still be paid.", payAgain: "Pay again", merchantTold: "The shop's backend got the signed webhook", live: "live", polling: "polling",
  },
};

// ?lang is kept for this tab, so the result page after a phone's cashier or WeChat's sign-in
// speaks the language the buyer chose the shop in.
const asked = new URLSearchParams(location.search).get("lang");
if (asked) sessionStorage.setItem("lang", asked);
let lang = asked ?? sessionStorage.getItem("lang") ?? localStorage.getItem("lang") ?? (navigator.language.startsWith("zh") ? "zh" : "en");
if (!TEXT[lang]) lang = "zh";

export function t(key) {
  return TEXT[lang][key] ?? key;
}

export function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-state]")) el.textContent = t(el.dataset.i18nState);
}

export function setupLanguageButtons(onChange) {
  for (const [id, value] of [["lang-zh", "zh"], ["lang-en", "en"]]) {
    document.getElementById(id)?.addEventListener("click", () => {
      lang = value;
      localStorage.setItem("lang", value);
      sessionStorage.setItem("lang", value);
      applyLanguage();
      onChange?.();
    });
  }
  applyLanguage();
}
