// Orders: ListOrders newest first, filtered by state, "needs attention" and creation date,
// paged by the API's cursor; and the search by exact order number (→ the order view).
import { call } from "./api.js";
import { t } from "./i18n.js";
import { resultBox, stateBadge, walletName } from "./parts.js";
import { DAY, dayStart, fill, h, money, time } from "./util.js";

const PAGE = 50;
const $ = (id) => document.getElementById(id);
let cursors = [null]; // cursors[i] opens page i
let page = 0;
let reply = null;
let seq = 0;

function filters() {
  const from = dayStart($("f-from").value);
  const to = dayStart($("f-to").value);
  return {
    state: $("f-state").value === "" ? null : Number($("f-state").value),
    attention: $("f-attention").checked,
    from,
    to: to === null ? null : to + DAY, // the "to" day is included: up to its end
  };
}

async function load() {
  const mine = ++seq;
  const f = filters();
  const cmd = { cmd: "ListOrders", limit: PAGE };
  if (f.state !== null) cmd.state = f.state;
  if (f.attention) cmd.needs_attention = true;
  if (f.from !== null) cmd.from = f.from;
  if (f.to !== null) cmd.to = f.to;
  if (cursors[page]) cmd.cursor = cursors[page];
  fill($("orders-list"), h("p", { class: "status" }, t("loading")));
  const r = await call(cmd);
  if (mine !== seq || r.result === -32) return;
  reply = { ...r, filters: f };
  render();
}

/** The page's orders. The API filters and sorts them; applying the same rules here keeps
 * the page right with a worker that does not know `needs_attention`/`from`/`to` yet. */
function rows() {
  const f = reply.filters;
  return (reply.orders ?? [])
    .filter((o) => f.state === null || o.pay_state === f.state)
    .filter((o) => !f.attention || o.needs_attention === true)
    .filter((o) => (f.from === null || o.created_at >= f.from) && (f.to === null || o.created_at < f.to))
    .sort((a, b) => b.created_at - a.created_at);
}

const COLUMNS = ["orderNo", "subject", "amount", "refunded", "state", "wallet", "createdAt", "paidAt", "attention"];

function row(o) {
  const cells = [
    h("a", { href: `#/order/${encodeURIComponent(o.order_no)}`, class: "order-link" }, o.order_no),
    o.subject ?? "—",
    money(o.total_fee),
    o.refunded_fee ? money(o.refunded_fee) : "—",
    stateBadge(o.pay_state),
    o.provider ? walletName(o.provider) : "—",
    time(o.created_at),
    o.paid_at ? time(o.paid_at) : "—",
    o.needs_attention ? h("span", { class: "badge warn" }, t("needsAttention")) : "",
  ];
  return h(
    "tr",
    { dataset: { orderNo: o.order_no, state: String(o.pay_state), wallet: o.provider ?? "" } },
    cells.map((c, i) => h("td", { "data-label": t(COLUMNS[i]), class: COLUMNS[i] }, c)),
  );
}

export function render() {
  const list = $("orders-list");
  const pager = $("orders-pager");
  if (!reply) return;
  if (reply.result !== 0) {
    fill(list, resultBox("ListOrders", reply));
    pager.replaceChildren();
    return;
  }
  const shown = rows();
  fill(
    list,
    shown.length === 0
      ? h("p", { class: "status empty" }, t("noOrders"))
      : h("table", { class: "orders" }, h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col" }, t(c))))), h("tbody", {}, shown.map(row))),
  );
  fill(
    pager,
    h("button", { type: "button", id: "prev-page", disabled: page === 0, onclick: () => go(page - 1) }, t("prevPage")),
    h("span", { class: "page-no" }, t("pageN", { n: page + 1 })),
    h("button", { type: "button", id: "next-page", disabled: !reply.cursor, onclick: () => go(page + 1) }, t("nextPage")),
  );
}

function go(to) {
  if (to > page) cursors[to] = reply?.cursor ?? null;
  page = Math.max(0, to);
  load();
}

function restart() {
  cursors = [null];
  page = 0;
  load();
}

export function init() {
  $("filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    restart();
  });
  $("filter-form").addEventListener("reset", () => setTimeout(restart));
  $("find-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const no = $("find-no").value.trim();
    if (no) location.hash = `#/order/${encodeURIComponent(no)}`;
  });
}

/** Shows the current page again, fresh from the API. */
export function open() {
  load();
}

export function clear() {
  seq++;
  reply = null;
  cursors = [null];
  page = 0;
  $("orders-list").replaceChildren();
  $("orders-pager").replaceChildren();
  for (const id of ["f-state", "f-from", "f-to", "find-no"]) $(id).value = "";
  $("f-attention").checked = false;
}
