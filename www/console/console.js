// The merchant console: sign-in with the merchant token, then orders, one order (refunds,
// close, webhook events), reconciliation and the last 30 days, routed by the URL's hash.
// No framework: each view is a module with open(arg), render() (after a language change)
// and clear() (on sign-out, so nothing of the merchant's stays in the page).
import { call, forget, token, whenUnauthorized } from "./api.js";
import * as chart from "./chart.js";
import { setupLanguage, t } from "./i18n.js";
import * as order from "./order.js";
import * as orders from "./orders.js";
import * as recon from "./recon.js";
import { fill, h } from "./util.js";

const $ = (id) => document.getElementById(id);
const VIEWS = { orders, order, recon, chart };
let active = null;
let signInError = null;

function renderSignInError() {
  const el = $("sign-in-error");
  el.hidden = !signInError;
  if (!signInError) return el.replaceChildren();
  const { result, msg } = signInError;
  el.dataset.result = result;
  fill(el, t(result === -5 ? "wrongToken" : "signInFailed"), " ", h("span", { class: "code" }, `result ${result}`), msg ? [" ", h("span", { class: "msg" }, msg)] : null);
}

/** Shows only the sign-in form: every view's data is dropped from the page first. */
function showSignIn(error = null) {
  for (const view of Object.values(VIEWS)) view.clear();
  active = null;
  for (const el of document.querySelectorAll(".view")) el.hidden = true;
  $("tabs").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in").hidden = false;
  document.body.dataset.signedIn = "false";
  signInError = error;
  renderSignInError();
  $("token").focus();
}

function signOut(error = null) {
  forget();
  history.replaceState(null, "", location.pathname + location.search);
  showSignIn(error);
}

function parseHash() {
  const hash = location.hash;
  if (hash.startsWith("#/order/")) {
    try {
      return ["order", decodeURIComponent(hash.slice("#/order/".length))];
    } catch {
      return ["orders"];
    }
  }
  if (hash === "#/reconciliation") return ["recon"];
  if (hash === "#/chart") return ["chart"];
  return ["orders"];
}

function route() {
  if (!token.get()) return showSignIn(signInError);
  const [name, arg] = parseHash();
  $("sign-in").hidden = true;
  $("tabs").hidden = false;
  $("sign-out").hidden = false;
  document.body.dataset.signedIn = "true";
  for (const key of Object.keys(VIEWS)) $(`view-${key}`).hidden = key !== name;
  const tab = name === "order" ? "orders" : name;
  for (const a of document.querySelectorAll("#tabs a")) {
    if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  active = VIEWS[name];
  active.open(arg);
}

async function signIn(event) {
  event.preventDefault();
  const input = $("token");
  const value = input.value.trim();
  input.value = "";
  if (!value) return;
  signInError = null;
  renderSignInError();
  token.set(value);
  // One small command proves the token before anything is shown.
  const r = await call({ cmd: "ListOrders", limit: 1 });
  if (r.result !== 0) return signOut(r);
  route();
}

whenUnauthorized((reply) => signOut(reply));
setupLanguage(() => {
  renderSignInError();
  if (active) active.render();
});
$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut());
window.addEventListener("hashchange", route);
for (const view of Object.values(VIEWS)) view.init?.();
route();
document.body.dataset.ready = "true";
