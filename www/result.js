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
try {
  const final = await client.pollState(orderNo, { onUpdate: (s) => s.state !== "waiting" && show(s.state) });
  show(final.state);
} catch (e) {
  show(e.code === -13 ? "expired" : "checking");
  el.textContent = `${e.message} (${e.code})`;
}
