// The Alipay return page. The query string says what the worker saw, but the page asks the
// worker again (pollState) before it shows anything: a URL is never proof of payment.
import init, { PayClient } from "./sdk/paybridge.js";
import { setupLanguageButtons, t } from "./i18n.js";

const params = new URLSearchParams(location.search);
const orderNo = params.get("order_no") ?? "";
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

try {
  const final = await client.pollState({ orderNo, onUpdate: (s) => s.state !== "waiting" && show(s.state) });
  show(final.state);
  if (final.state === "paid") await showTold();
} catch (e) {
  show(e.code === -13 ? "expired" : "checking");
  el.textContent = `${e.message} (${e.code})`;
}
