// The order's actions: refund (part or all of a payment, an extra payment too), close a
// waiting order, resend a webhook event. Money-moving ones ask once more on the page
// before they are sent; each one's answer (result, msg) is shown by the order view.
import { call } from "./api.js";
import { t } from "./i18n.js";
import { walletName } from "./parts.js";
import { fill, h, money, newRefundNo, parseYuan, refundedOf } from "./util.js";

const REFUND_NO = /^[0-9A-Za-z_-]{1,32}$/;
const BAD_REASON = /[\^|$#]/;

// A refund whose outcome is not settled (network error, `unknown`, `failed`, any other
// error but -24) is offered again under the same refund_no: the API answers or retries that
// refund instead of sending a second one. A fresh number only after one went through.
let retry = null; // { order_no, refund_no, amount, reason, all }

/** Forgets the refund kept for a retry (on sign-out). */
export function forgetRetry() {
  retry = null;
}

function keepForRetry(cmd, reply, fields) {
  const through = reply.result === 0 && ["succeeded", "requested"].includes(reply.refund?.status);
  retry = through || reply.result === -24 ? null : { order_no: cmd.order_no, refund_no: cmd.refund_no, ...fields };
}

/** An inline "are you sure" under `anchor`: `text`, then Confirm / Cancel. */
function confirmBar(anchor, text, onConfirm) {
  anchor.replaceChildren();
  const confirm = h("button", { type: "button", class: "danger confirm" }, t("confirm"));
  const cancel = h("button", { type: "button", class: "cancel" }, t("cancel"));
  confirm.addEventListener("click", async () => {
    confirm.disabled = cancel.disabled = true;
    confirm.textContent = t("sending");
    await onConfirm();
  });
  cancel.addEventListener("click", () => anchor.replaceChildren());
  fill(anchor, h("div", { class: "confirm-bar", role: "alertdialog" }, h("p", {}, text), confirm, " ", cancel));
  confirm.focus();
}

/** The payments that still have something to refund, main payment first. */
function refundable(o) {
  const all = [...(o.payment ? [{ p: o.payment, main: true }] : []), ...(o.extra_payments ?? []).map((p) => ({ p, main: false }))];
  return all.map((x) => ({ ...x, left: x.p.amount - refundedOf(o, x.p.transaction_id) })).filter((x) => x.left > 0);
}

export function refundForm(o, done) {
  const options = refundable(o);
  if (options.length === 0) return h("p", { class: "status empty" }, t("nothingToRefund"));
  const again = retry?.order_no === o.order_no ? retry : null;
  const select = h(
    "select",
    { id: "refund-payment" },
    options.map((x, i) => h("option", { value: String(i) }, `${t(x.main ? "mainPayment" : "extraPayment")} · ${walletName(x.p.provider)} · ${x.p.transaction_id} · ${t("left")} ${money(x.left)}`)),
  );
  const all = h("input", { type: "radio", name: "refund-kind", id: "refund-all", value: "all", checked: again?.all === true });
  const part = h("input", { type: "radio", name: "refund-kind", id: "refund-part", value: "part", checked: again?.all !== true });
  const allLabel = h("span", {});
  const amount = h("input", { id: "refund-amount", inputmode: "decimal", autocomplete: "off", placeholder: "0.00", "aria-label": t("amountYuan"), value: again?.amount });
  const refundNo = h("input", { id: "refund-no", required: true, maxlength: "32", value: again?.refund_no ?? newRefundNo(), autocomplete: "off", spellcheck: "false" });
  const reason = h("input", { id: "refund-reason", maxlength: "80", autocomplete: "off", value: again?.reason });
  const error = h("p", { class: "result fail", id: "refund-error", role: "alert", hidden: true });
  const confirm = h("div", { id: "refund-confirm" });
  const chosen = () => options[Number(select.value)] ?? options[0];
  const update = () => {
    allLabel.textContent = t("refundAll", { amount: money(chosen().left) });
  };
  for (const el of [select, all, part]) el.addEventListener("change", update);
  amount.addEventListener("focus", () => {
    part.checked = true;
    update();
  });
  update();

  const fail = (key) => {
    error.hidden = false;
    error.textContent = t(key);
    confirm.replaceChildren();
  };
  const form = h(
    "form",
    { id: "refund-form", class: "stack", novalidate: true },
    h("h4", {}, t("refund")),
    options.length > 1 ? h("label", { class: "grow" }, h("span", {}, t("payment")), select) : null,
    h("label", { class: "check" }, all, " ", allLabel),
    h("label", { class: "check" }, part, " ", h("span", {}, t("refundPart")), " ", amount, " ", h("span", { class: "muted" }, t("yuan"))),
    h("label", {}, h("span", {}, t("refundNo")), refundNo),
    h("label", {}, h("span", {}, t("reasonOptional")), reason),
    h("button", { type: "submit", class: "primary", id: "refund-submit" }, t("refund")),
    error,
    confirm,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    error.hidden = true;
    const x = chosen();
    const fen = all.checked ? x.left : parseYuan(amount.value);
    if (fen === null) return fail("badAmount");
    const no = refundNo.value.trim();
    if (!REFUND_NO.test(no)) return fail("badRefundNo");
    // A refund_no the order already has is a retry: the API answers that refund.
    if (fen > x.left && !(o.refunds ?? []).some((r) => r.refund_no === no)) return fail("tooMuch");
    const why = reason.value.trim();
    if (why.length > 80 || BAD_REASON.test(why)) return fail("badReason");
    // Always the amount in fen, "all" included: a retry under the same refund_no then asks
    // for exactly the same refund, and a change meanwhile is refused (-23), never guessed.
    const cmd = { cmd: "Refund", order_no: o.order_no, refund_no: no, amount: fen };
    if (!x.main) cmd.transaction_id = x.p.transaction_id;
    if (why) cmd.reason = why;
    const text = t("confirmRefund", { amount: money(fen), wallet: walletName(x.p.provider), no });
    confirmBar(confirm, text, async () => {
      const r = await call(cmd);
      if (r.result === -32) return;
      keepForRetry(cmd, r, { amount: all.checked ? "" : amount.value, reason: why, all: all.checked });
      const refund = r.refund ? [" · ", h("span", { class: "refund-status" }, `${r.refund.refund_no}: ${t(`refund_${r.refund.status}`)}`), r.refund.detail ? ` (${r.refund.detail})` : ""] : null;
      await done("Refund", r, refund);
    });
  });
  return form;
}

export function closeAction(o, done) {
  if ((o.state ?? o.pay_state) !== 0) return null;
  const confirm = h("div", { id: "close-confirm" });
  const button = h("button", { type: "button", class: "danger", id: "close-order" }, t("closeOrder"));
  button.addEventListener("click", () =>
    confirmBar(confirm, t("confirmClose", { no: o.order_no }), async () => {
      const r = await call({ cmd: "CloseOrder", order_no: o.order_no });
      if (r.result !== -32) await done("CloseOrder", r);
    }),
  );
  return h("div", { class: "stack" }, h("h4", {}, t("closeOrder")), h("p", { class: "hint" }, t("closeHint")), button, confirm);
}

export function resendButton(e, done) {
  const button = h("button", { type: "button", class: "resend", dataset: { eventId: e.id } }, t("resend"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = t("sending");
    const r = await call({ cmd: "ResendEvent", event_id: e.id });
    if (r.result === -32) return;
    const state = r.event ? [" · ", `${r.event.id}: ${t(`event_${r.event.state}`)}`] : null;
    await done("ResendEvent", r, state);
  });
  return button;
}
