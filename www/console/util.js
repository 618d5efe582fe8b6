// Small helpers of the merchant console: building DOM (every value from the API goes in as
// a text node, never as markup), money in integer fen, Beijing-time dates.

const SVG_NS = "http://www.w3.org/2000/svg";

/** Appends children: strings and numbers become text nodes; null/false are skipped. */
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Sets attributes: `class`, `dataset` (an object), `on<event>` handlers, booleans. */
function attrs(el, props) {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  return el;
}

/** An HTML element: `h("td", { class: "num" }, text)`. */
export function h(tag, props, ...children) {
  return append(attrs(document.createElement(tag), props), children);
}

/** An SVG element (createElementNS); attributes as given. */
export function svg(tag, props, ...children) {
  return append(attrs(document.createElementNS(SVG_NS, tag), props), children);
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** `1990` → `"19.90"` (integer arithmetic only; negative amounts keep their sign). */
export function yuan(fen) {
  if (typeof fen !== "number" || !Number.isSafeInteger(fen)) return "—";
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** `1990` → `"¥19.90"`. */
export const money = (fen) => (typeof fen === "number" ? `¥${yuan(fen)}` : "—");

/** A yuan amount as typed (`"9.9"`, `"１２.３０"`, `"¥5"`) → integer fen, or null when it is
 * not a positive amount with at most two decimals. Parsed as a string, never as a float. */
export function parseYuan(input) {
  const text = String(input ?? "").normalize("NFKC").trim().replace(/^[¥￥]\s*/, "");
  const m = /^(\d{0,9})(?:\.(\d{0,2}))?$/.exec(text);
  if (!m || (m[1] === "" && !m[2])) return null;
  const fen = Number((m[1] || "0") + (m[2] ?? "").padEnd(2, "0"));
  return fen > 0 ? fen : null;
}

const BEIJING = 8 * 3600;

/** Unix seconds → `"2026-12-05 13:49:58"` in Beijing time (the providers' and bills' clock). */
export function time(secs) {
  if (typeof secs !== "number" || !Number.isFinite(secs)) return "—";
  return new Date((secs + BEIJING) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** Unix seconds → the Beijing day `"2026-12-05"`. */
export const day = (secs) => new Date((secs + BEIJING) * 1000).toISOString().slice(0, 10);

/** A Beijing day `"2026-12-05"` → the Unix second it starts, or null. */
export function dayStart(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 - BEIJING : null;
}

export const DAY = 86400;
export const now = () => Math.floor(Date.now() / 1000);

/** A fresh refund number: `r` + Beijing time + 6 random characters (1–32 of 0-9 a-z -). */
export function newRefundNo() {
  const stamp = time(now()).replace(/\D/g, "");
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `r${stamp}-${Array.from(bytes, (b) => (b % 36).toString(36)).join("")}`;
}

/** Fen of payment `tx` refunded or on the way (every refund but a failed one counts). */
export function refundedOf(order, tx) {
  return (order.refunds ?? []).filter((r) => r.transaction_id === tx && r.status !== "failed").reduce((a, r) => a + (r.amount ?? 0), 0);
}

const OPEN = new Set(["sending", "unknown", "requested", "abnormal"]);

/** Why an order needs the merchant (as the worker decides `needs_attention`). */
export function attentionReasons(order) {
  const reasons = [];
  if (order.payment?.late) reasons.push("attnLate");
  for (const p of order.extra_payments ?? []) if (refundedOf(order, p.transaction_id) < p.amount) reasons.push("attnExtra");
  for (const r of order.refunds ?? []) {
    if (r.status === "abnormal") reasons.push("attnAbnormal");
    else if (r.overdue && OPEN.has(r.status)) reasons.push("attnOverdue");
  }
  return [...new Set(reasons)];
}
