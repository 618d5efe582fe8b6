// The last 30 days: paid and refunded amounts per wallet per day (Beijing time), from at
// most 10 ListOrders pages, drawn as inline SVG with DOM APIs. Each day has one bar per
// wallet (the day's payments); the hatched part of it is what was refunded of them since.
import { call } from "./api.js";
import { t } from "./i18n.js";
import { resultBox, table, walletName } from "./parts.js";
import { DAY, day, dayStart, fill, h, money, now, svg, yuan } from "./util.js";

const DAYS = 30;
const MAX_PAGES = 10;
const PAGE = 1000;
const root = () => document.getElementById("chart");
let data = null;
let seq = 0;

async function load() {
  const mine = ++seq;
  const from = dayStart(day(now() - (DAYS - 1) * DAY)); // the first of the 30 days, 00:00
  const orders = [];
  let cursor = null;
  let pages = 0;
  let error = null;
  fill(root(), h("p", { class: "status" }, t("loading")));
  do {
    const cmd = { cmd: "ListOrders", from, limit: PAGE };
    if (cursor) cmd.cursor = cursor;
    const r = await call(cmd);
    if (mine !== seq || r.result === -32) return;
    if (r.result !== 0) {
      error = r;
      break;
    }
    orders.push(...(r.orders ?? []));
    cursor = r.cursor ?? null;
    pages++;
  } while (cursor && pages < MAX_PAGES);
  data = summarize(orders, from, { pages, truncated: Boolean(cursor), error });
  render();
}

/** Per day and wallet: fen paid, fen refunded of those payments, orders. */
function summarize(orders, from, info) {
  const days = Array.from({ length: DAYS }, (_, i) => day(from + i * DAY));
  const sums = new Map(days.map((d) => [d, {}]));
  let unknown = 0;
  for (const o of orders) {
    if (o.pay_state !== 1 && o.pay_state !== 3) continue; // paid, or paid and refunded
    const bucket = sums.get(day(o.paid_at ?? o.created_at));
    if (!bucket) continue;
    const wallet = o.provider === "wechat" || o.provider === "alipay" ? o.provider : "unknown";
    if (wallet === "unknown") unknown++;
    const s = (bucket[wallet] ??= { paid: 0, refunded: 0, orders: 0 });
    s.paid += o.total_fee ?? 0;
    s.refunded += o.refunded_fee ?? 0;
    s.orders++;
  }
  const wallets = ["wechat", "alipay", ...(unknown ? ["unknown"] : [])];
  return { days, sums, wallets, unknown, orders: orders.length, ...info };
}

/** The smallest 1/2/5 × 10ⁿ fen step with 4 steps covering `max`. */
function step(max) {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (m * p * 4 >= max) return m * p;
}

const label = (fen) => `¥${yuan(fen).replace(/\.00$/, "")}`;
const walletLabel = (w) => (w === "unknown" ? t("walletUnknown") : walletName(w));

function drawing() {
  const { days, sums, wallets } = data;
  const W = 760, H = 280, L = 64, R = 8, T = 12, B = 36;
  const max = Math.max(1, ...days.flatMap((d) => wallets.map((w) => sums.get(d)[w]?.paid ?? 0)));
  const unit = step(max);
  const top = unit * 4;
  const y = (fen) => T + (H - T - B) * (1 - fen / top);
  const slot = (W - L - R) / days.length;
  const bar = (slot * 0.8) / wallets.length;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": t("chartTitle") });
  chart.append(
    svg(
      "defs",
      {},
      svg("pattern", { id: "refund-hatch", width: 5, height: 5, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, svg("rect", { width: 2.5, height: 5, fill: "#24292f", "fill-opacity": 0.55 })),
    ),
  );
  for (let i = 0; i <= 4; i++) {
    const v = unit * i;
    chart.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: i ? "grid" : "axis-line" }), svg("text", { x: L - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, label(v)));
  }
  days.forEach((d, i) => {
    const x0 = L + i * slot + slot * 0.1;
    if (i % 5 === 4 || i === days.length - 1 || i === 0) chart.append(svg("text", { x: L + i * slot + slot / 2, y: H - B + 16, class: "axis", "text-anchor": "middle" }, d.slice(5)));
    wallets.forEach((w, j) => {
      const s = sums.get(d)[w];
      if (!s?.paid) return;
      const x = x0 + j * bar;
      const tip = t("barTip", { day: d, wallet: walletLabel(w), paid: money(s.paid), refunded: money(s.refunded), n: s.orders });
      chart.append(svg("rect", { x, y: y(s.paid), width: bar, height: y(0) - y(s.paid), class: `bar paid ${w}`, "data-day": d, "data-wallet": w, "data-kind": "paid", "data-fen": s.paid }, svg("title", {}, tip)));
      if (s.refunded > 0) {
        const r = Math.min(s.refunded, s.paid);
        chart.append(svg("rect", { x, y: y(r), width: bar, height: y(0) - y(r), fill: "url(#refund-hatch)", class: `bar refunded ${w}`, "data-day": d, "data-wallet": w, "data-kind": "refunded", "data-fen": s.refunded }, svg("title", {}, tip)));
      }
    });
  });
  return chart;
}

function totals() {
  const rows = data.wallets.map((w) => {
    const all = data.days.map((d) => data.sums.get(d)[w]).filter(Boolean);
    const paid = all.reduce((a, s) => a + s.paid, 0);
    const refunded = all.reduce((a, s) => a + s.refunded, 0);
    return { data: { wallet: w }, cells: [walletLabel(w), String(all.reduce((a, s) => a + s.orders, 0)), money(paid), money(refunded), money(paid - refunded)] };
  });
  return table(["wallet", "orders", "paid", "refunded", "net"], rows, "totals");
}

export function render() {
  if (!data) return;
  const legend = h(
    "p",
    { class: "legend" },
    data.wallets.map((w) => [h("span", { class: `swatch ${w}` }), walletLabel(w), " "]),
    h("span", { class: "swatch refunded" }),
    t("refundedPart"),
  );
  fill(
    root(),
    data.error ? resultBox("ListOrders", data.error) : null,
    h("div", { class: "chart-box" }, drawing()),
    legend,
    totals(),
    h("p", { class: "hint" }, t("chartPages", { pages: data.pages, orders: data.orders })),
    data.truncated ? h("p", { class: "hint warn" }, t("chartTruncated", { pages: MAX_PAGES })) : null,
    data.unknown ? h("p", { class: "hint" }, t("chartUnknownWallet")) : null,
  );
}

export function open() {
  load();
}

export function clear() {
  seq++;
  data = null;
  root().replaceChildren();
}
