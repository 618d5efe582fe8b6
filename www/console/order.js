// One order: QueryOrder's full record (payments, extra payments, refunds, closure,
// history) and its webhook events (ListEvents) with every delivery attempt; the actions
// (refund, close, resend) are in actions.js and show the API's answer here.
import { call } from "./api.js";
import { closeAction, forgetRetry, refundForm, resendButton } from "./actions.js";
import { t } from "./i18n.js";
import { card, facts, resultBox, stateBadge, statusBadge, table, walletName } from "./parts.js";
import { attentionReasons, fill, h, money, refundedOf, time } from "./util.js";

const root = () => document.getElementById("view-order");
let current = null; // { no, query, events, results: [] }
let seq = 0;

export async function open(no) {
  if (current?.no !== no) current = { no, query: null, events: null, results: [] };
  if (!current.query) fill(root(), nav(), h("p", { class: "status" }, t("loading")));
  await reload();
}

/** Fetches the record and the events again and shows them. */
export async function reload() {
  const mine = ++seq;
  const no = current.no;
  const [query, events] = await Promise.all([call({ cmd: "QueryOrder", order_no: no }), call({ cmd: "ListEvents", order_no: no })]);
  if (mine !== seq || query.result === -32 || events.result === -32) return;
  Object.assign(current, { query, events });
  render();
}

/** Keeps an action's answer on screen (newest first) and shows the order as it is now. */
export async function done(cmd, reply, ...extra) {
  if (!current) return; // signed out meanwhile
  current.results.unshift({ cmd, reply, extra });
  current.results.length = Math.min(current.results.length, 5);
  await reload();
}

function nav() {
  return h(
    "nav",
    { class: "bar plain" },
    h("a", { href: "#/orders", class: "back" }, t("backToOrders")),
    h("button", { type: "button", id: "refresh-order", onclick: () => reload() }, t("refresh")),
  );
}

export function render() {
  if (!current?.query) return;
  const { query, events, results } = current;
  const answers = h("div", { id: "action-results" }, results.map((r) => resultBox(r.cmd, r.reply, ...r.extra)));
  if (query.result !== 0) {
    const lost = query.result === -10 ? h("p", { class: "status empty", id: "not-found" }, t("orderNotFound", { no: current.no })) : null;
    fill(root(), nav(), h("h2", {}, h("code", { id: "order-no" }, current.no)), answers, lost, resultBox("QueryOrder", query));
    return;
  }
  const o = query.order;
  fill(
    root(),
    nav(),
    h("h2", {}, h("code", { id: "order-no" }, o.order_no), " ", stateBadge(o.state ?? o.pay_state)),
    answers,
    attention(o),
    summary(o),
    payments(o),
    refunds(o),
    card("actions", refundForm(o, done), closeAction(o, done)),
    history(o),
    eventList(events),
  );
}

function attention(o) {
  const reasons = attentionReasons(o);
  const needs = typeof o.needs_attention === "boolean" ? o.needs_attention : reasons.length > 0;
  if (!needs) return null;
  return h("div", { class: "attention-box", id: "attention", role: "note" }, h("strong", {}, t("needsAttention")), h("ul", {}, (reasons.length ? reasons : ["attnOther"]).map((r) => h("li", {}, t(r)))));
}

function summary(o) {
  const paid = o.payment ? refundedOf(o, o.payment.transaction_id) : 0;
  return card(
    "summary",
    facts([
      ["subject", o.subject, "order-subject"],
      ["body", o.body, "order-body"],
      ["amount", money(o.total_fee), "order-amount"],
      ["state", stateBadge(o.state ?? o.pay_state)],
      ["wallet", o.payment ? walletName(o.payment.provider) : "—", "order-wallet"],
      ["refunded", money(paid), "order-refunded"],
      ["createdAt", time(o.created_at)],
      ["expiresAt", time(o.expires_at)],
      ["returnUrl", o.return_url ?? null],
      ["closure", o.closure ? `${t(`close_${o.closure.reason}`)} · ${o.closure.source} · ${time(o.closure.at)}` : undefined],
    ]),
  );
}

function payments(o) {
  const all = [...(o.payment ? [[o.payment, "mainPayment"]] : []), ...(o.extra_payments ?? []).map((p) => [p, "extraPayment"])];
  if (all.length === 0) return card("payments", h("p", { class: "status empty" }, t("noPayments")));
  const rows = all.map(([p, role]) => {
    const refunded = refundedOf(o, p.transaction_id);
    return {
      data: { tx: p.transaction_id, role },
      cells: [
        [t(role), p.late ? [" ", h("span", { class: "badge warn" }, t("late"))] : null],
        walletName(p.provider),
        h("code", {}, p.transaction_id),
        p.trade_no || o.order_no,
        money(p.amount),
        p.payer_total === undefined ? "—" : money(p.payer_total),
        p.paid_at ?? "—",
        `${time(p.recorded_at)} · ${p.source}`,
        money(refunded),
        money(p.amount - refunded),
      ],
    };
  });
  return card("payments", table(["kind", "wallet", "transactionId", "tradeNo", "amount", "payerTotal", "providerTime", "recordedAt", "refunded", "left"], rows, "payments"));
}

function refunds(o) {
  const list = o.refunds ?? [];
  if (list.length === 0) return card("refunds", h("p", { class: "status empty" }, t("noRefunds")));
  const rows = list.map((r) => ({
    data: { refundNo: r.refund_no, status: r.status, overdue: r.overdue ? "true" : "false" },
    cells: [
      h("code", {}, r.refund_no),
      money(r.amount),
      [statusBadge("refund", r.status), r.overdue ? [" ", h("span", { class: "badge warn overdue" }, t("overdue"))] : null, r.detail ? [" ", h("span", { class: "detail" }, r.detail)] : null],
      r.reason || "—",
      walletName(r.provider),
      h("code", {}, r.transaction_id),
      time(r.requested_at),
      r.settled_at ? time(r.settled_at) : "—",
      String(r.attempts ?? "—"),
      r.refund_id ?? "—",
    ],
  }));
  return card("refunds", table(["refundNo", "amount", "status", "reason", "wallet", "transactionId", "requestedAt", "settledAt", "attempts", "refundId"], rows, "refunds"));
}

function history(o) {
  const rows = (o.history ?? []).map((x) => [[stateBadge(x.from), " → ", stateBadge(x.to)], x.source, time(x.at)]);
  return card("history", rows.length ? table(["change", "source", "at"], rows, "history") : h("p", { class: "status empty" }, t("noHistory")));
}

function eventList(reply) {
  if (!reply) return null;
  if (reply.result !== 0) return card("events", resultBox("ListEvents", reply));
  const events = reply.events ?? [];
  if (events.length === 0) return card("events", h("p", { class: "status empty" }, t("noEvents")));
  return card("events", h("div", { class: "events" }, events.map(event)));
}

function event(e) {
  const attempts = (e.attempts ?? []).map((a, i) => ({
    data: { status: a.status === undefined ? "" : String(a.status) },
    cells: [String(i + 1), time(a.at), a.status === undefined ? "—" : String(a.status), a.error ?? "—", `${a.duration_ms ?? "—"} ms`],
  }));
  let body = e.body ?? "";
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {}
  return h(
    "article",
    { class: "event", dataset: { eventId: e.id, type: e.type, state: e.state, attempts: String(attempts.length) } },
    h("header", {}, h("code", { class: "type" }, e.type), " ", statusBadge("event", e.state), " ", h("span", { class: "muted" }, e.id)),
    facts([
      ["createdAt", time(e.created_at)],
      ["nextAttempt", e.next_attempt_at ? time(e.next_attempt_at) : undefined],
    ]),
    attempts.length ? table(["attemptNo", "at", "httpStatus", "error", "duration"], attempts, "attempts") : h("p", { class: "status empty" }, t("noAttempts")),
    h("div", { class: "bar plain" }, resendButton(e, done)),
    h("details", {}, h("summary", {}, t("eventBody")), h("pre", {}, body)),
  );
}

export function clear() {
  seq++;
  current = null;
  forgetRetry();
  root().replaceChildren();
}
