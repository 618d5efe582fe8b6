// Small pieces the views share: badges, a command's result, tables and lists. Text only.
import { has, t } from "./i18n.js";
import { h } from "./util.js";

export const walletName = (p) => (p === "wechat" || p === "alipay" ? t(p) : (p ?? "—"));

export const stateBadge = (code) => h("span", { class: `badge state-${code}`, dataset: { state: String(code) } }, has(`state${code}`) ? t(`state${code}`) : String(code));

/** A named status (refund, event, report) as a badge: `kind` picks the translations. */
export const statusBadge = (kind, status) => h("span", { class: `badge ${kind}-${status}`, dataset: { status } }, has(`${kind}_${status}`) ? t(`${kind}_${status}`) : status);

/** What a command answered: its `result` and `msg` as the API gave them (and what the
 * code means, when the console knows it). */
export function resultBox(cmd, reply, ...extra) {
  const { result, msg } = reply;
  return h(
    "p",
    { class: `result ${result === 0 ? "ok" : "fail"}`, role: result === 0 ? "status" : "alert", dataset: { cmd, result: String(result) } },
    h("strong", {}, cmd),
    " ",
    h("span", { class: "code" }, `result ${result}`),
    has(`code${result}`) ? [" · ", t(`code${result}`)] : null,
    msg ? [" · ", h("span", { class: "msg" }, msg)] : null,
    ...extra,
  );
}

/** A table with translated column heads; each row is an array of cells (text or nodes),
 * optionally `{ cells, data }` to put data-* attributes on the row. */
export function table(columns, rows, cls = "") {
  return h(
    "table",
    { class: cls },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, t(c))))),
    h(
      "tbody",
      {},
      rows.map((r) => {
        const { cells, data } = Array.isArray(r) ? { cells: r, data: {} } : r;
        return h("tr", { dataset: data }, cells.map((c, i) => h("td", { "data-label": t(columns[i]), class: columns[i] }, c ?? "—")));
      }),
    ),
  );
}

/** A definition list of [label key, value] pairs (pairs with an undefined value skipped). */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(([, v]) => v !== undefined).map(([k, v, id]) => [h("dt", {}, t(k)), h("dd", { id }, v === null || v === "" ? "—" : v)]),
  );
}

export const card = (titleKey, ...children) => h("section", { class: "card" }, h("h3", {}, t(titleKey)), ...children);
