// Reconciliation: the worker's reports per bill day (Beijing time) and wallet, the
// provider's bill against what the orders recorded, each discrepancy with its order (a link
// to the order view); Reconcile runs a day again.
import { call } from "./api.js";
import { has, t } from "./i18n.js";
import { facts, resultBox, statusBadge, table, walletName } from "./parts.js";
import { DAY, day, fill, h, money, now, time } from "./util.js";

const $ = (id) => document.getElementById(id);
let list = null; // the ListReconciliations reply
let reports = []; // shown, newest day first
let answer = null; // the last Reconcile: { reply, label }
let seq = 0;
let epoch = 0; // a new one after each sign-out

const key = (r) => `${r.date}|${r.wallet}`;

function keep(incoming) {
  const byKey = new Map(reports.map((r) => [key(r), r]));
  for (const r of incoming ?? []) byKey.set(key(r), r);
  reports = [...byKey.values()].sort((a, b) => (a.date === b.date ? String(a.wallet).localeCompare(String(b.wallet)) : a.date < b.date ? 1 : -1));
}

async function load() {
  const mine = ++seq;
  const cmd = { cmd: "ListReconciliations" };
  for (const [field, id] of [["from", "r-from"], ["to", "r-to"], ["wallet", "r-wallet"]]) if ($(id).value) cmd[field] = $(id).value;
  fill($("recon-list"), h("p", { class: "status" }, t("loading")));
  const r = await call(cmd);
  if (mine !== seq || r.result === -32) return;
  list = r;
  reports = [];
  if (r.result === 0) keep(r.reports);
  render();
}

/** Reconcile: one day, one wallet or every configured one. */
async function run(date, wallet) {
  const cmd = { cmd: "Reconcile", date };
  if (wallet) cmd.wallet = wallet;
  const session = epoch;
  answer = { reply: { result: 0, msg: "" }, label: `${date} · ${wallet ? walletName(wallet) : t("allWallets")}`, pending: true };
  render();
  const r = await call(cmd);
  if (r.result === -32 || session !== epoch) return;
  answer = { reply: r, label: answer.label };
  if (r.result === 0) keep(r.reports);
  render();
}

const amount = (v) => (typeof v === "number" ? money(v) : "—");

function discrepancy(d) {
  const order = d.order_no ? h("a", { href: `#/order/${encodeURIComponent(d.order_no)}`, class: "order-link" }, d.order_no) : "—";
  return {
    data: { kind: d.kind, orderNo: d.order_no ?? "" },
    cells: [has(`disc_${d.kind}`) ? t(`disc_${d.kind}`) : d.kind, order, d.trade_no ?? "—", d.transaction_id ?? "—", amount(d.bill_amount), amount(d.recorded_amount), has(`act_${d.action}`) ? t(`act_${d.action}`) : (d.action ?? "—")],
  };
}

function report(r) {
  const sums = (s) => [String(s?.payments ?? "—"), amount(s?.payment_fen), String(s?.refunds ?? "—"), amount(s?.refund_fen)];
  const discs = r.discrepancies ?? [];
  return h(
    "article",
    { class: "card report", dataset: { date: r.date, wallet: r.wallet, state: r.state, discrepancies: String(discs.length) } },
    h("header", {}, h("h3", {}, `${r.date} · ${walletName(r.wallet)}`), statusBadge("recon", r.state)),
    table(["source", "paymentCount", "paymentAmount", "refundCount", "refundAmount"], [[t("bill"), ...sums(r.bill)], [t("recorded"), ...sums(r.recorded)]], "sums"),
    discs.length
      ? [h("h4", {}, t("discrepancies")), table(["kind", "orderNo", "tradeNo", "transactionId", "billAmount", "recordedAmount", "action"], discs.map(discrepancy), "discrepancies")]
      : r.state === "completed"
        ? h("p", { class: "status ok" }, t("noDiscrepancies"))
        : null,
    r.error ? h("p", { class: "result fail" }, h("span", { class: "msg" }, r.error)) : null,
    facts([
      ["updatedAt", time(r.updated_at)],
      ["nextAttempt", r.next_attempt_at ? time(r.next_attempt_at) : undefined],
    ]),
    h("button", { type: "button", class: "run-again", onclick: () => run(r.date, r.wallet) }, t("runAgain")),
  );
}

export function render() {
  const box = $("recon-result");
  if (!answer) box.replaceChildren();
  else if (answer.pending) fill(box, h("p", { class: "status" }, `${t("reconciling")} ${answer.label}`));
  else fill(box, resultBox("Reconcile", answer.reply, ` · ${answer.label}`));
  const out = $("recon-list");
  if (!list) return out.replaceChildren();
  if (list.result !== 0 && reports.length === 0) return fill(out, resultBox("ListReconciliations", list));
  if (reports.length === 0) return fill(out, h("p", { class: "status empty" }, t("noReports")));
  const days = [...new Set(reports.map((r) => r.date))];
  fill(
    out,
    days.map((d) => h("section", { class: "day", dataset: { date: d } }, h("h2", {}, d), reports.filter((r) => r.date === d).map(report))),
  );
}

export function init() {
  $("recon-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    load();
  });
  $("recon-run").addEventListener("submit", (e) => {
    e.preventDefault();
    if ($("run-date").value) run($("run-date").value, $("run-wallet").value);
  });
}

export function open() {
  if (!$("run-date").value) $("run-date").value = day(now() - DAY); // yesterday's bill
  if (!$("r-from").value) $("r-from").value = day(now() - 30 * DAY);
  load();
}

export function clear() {
  seq++;
  epoch++;
  list = null;
  reports = [];
  answer = null;
  for (const id of ["r-from", "r-to", "r-wallet", "run-date", "run-wallet"]) $(id).value = "";
  $("recon-result").replaceChildren();
  $("recon-list").replaceChildren();
}
