// The return page: phones come back here from WeChat's H5 page or Alipay's wap cashier,
// desktops from Alipay's cashier, WeChat's browser from WeChat's sign-in (with a token
// for the payment sheet, which resume() opens here). The query string says what the worker
// saw, but the page asks the worker (resume() follows the order) before it shows anything:
// a URL is never proof of payment.
import init, { PayClient } from "./sdk/paybridge.js";
import { setupLanguageButtons, t } from "./i18n.js";

const params = new URLSearchParams(location.search);
// The checkout's own return URL names the order and wallet; Alipay's return through the
// worker also appends order_no.
const orderNo = params.get("order") ?? params.get("order_no") ?? "";
const wallet = params.get("wallet") === "wechat" ? "wechat" : "alipay";
const el = document.getElementById("result-status");
document.getElementById("order-no").textContent = orderNo;

function show(key) {
  el.dataset.state = key;
  el.dataset.i18nState = key;
  el.textContent = t(key);
  el.className = key;
}

await init();
setupLanguageButtons();
show("checking");
const client = new PayClient({ endpoint: location.origin });
// The shop's backend hears of the payment by a signed webhook; show when it has.
async function showTold() {
  const told = document.getElementById("merchant-told");
  for (let i = 0; i < 30; i++) {
    const r = await fetch(`/demo/told?order_no=${encodeURIComponent(orderNo)}`).then((x) => x.json()).catch(() => null);
    const paid = r?.told?.find((e) => e.type === "order.paid");
    if (paid) {
      told.hidden = false;
      told.dataset.eventId = paid.id;
      told.querySelector("code").textContent = paid.id;
      return;
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

const options = {
  orderNo,
  wallet,
  returnUrl: `${location.origin}/result?order=${encodeURIComponent(orderNo)}&wallet=${wallet}`,
  container: document.getElementById("result-guide"),
  onUpdate: (s) => s.state !== "waiting" && show(s.state),
};
const again = document.getElementById("pay-again");

/** Follows `paying` (resume() on arrival, checkout() from "pay again") to its end. */
async function follow(paying) {
  const error = document.getElementById("result-error");
  error.hidden = true;
  again.hidden = true;
  try {
    const final = await paying;
    show(final.state);
    await showTold();
  } catch (e) {
    if (e.code === -36) {
      // The buyer closed WeChat's payment sheet: the order can still be paid, here.
      show("cancelledByBuyer");
      again.hidden = false;
      return;
    }
    show(e.code === -13 ? "expired" : e.code === -12 ? (e.state?.state ?? "cancelled") : "checking");
    if (e.code !== -13 && e.code !== -12) {
      error.hidden = false;
      error.textContent = `${e.message} (${e.code})`;
    }
  }
}

again.addEventListener("click", () => {
  show("checking");
  follow(client.checkout(options));
});
document.body.dataset.ready = "true";
await follow(client.resume(options));
