// The console's two languages, as in the demo shop: ?lang=en|zh, else the last choice,
// else the browser's language. Static text carries data-i18n; views render with t().
const zh = {
  title: "Paybridge 商户后台", tabOrders: "订单", tabRecon: "对账", tabChart: "近 30 天", signOut: "退出", footer: "时间均为北京时间 · 金额单位：元",
  signInTitle: "商户登录", tokenLabel: "商户令牌", tokenHint: "令牌只保存在本标签页，关闭标签页或退出即清除。", signIn: "登录",
  wrongToken: "令牌不正确。", signInFailed: "无法登录。",
  findLabel: "按订单号查找", find: "查找", all: "全部", allWallets: "所有钱包", apply: "筛选", reset: "清除", show: "查看",
  createdFrom: "创建日期从", createdTo: "到（含）", billFrom: "账单日从", billTo: "到", billDay: "账单日", reconcile: "对账",
  state0: "等待支付", state1: "已支付", state2: "已取消", state3: "已退款",
  wechat: "微信支付", alipay: "支付宝", walletUnknown: "未知钱包",
  loading: "加载中…", sending: "正在发送…", refresh: "刷新", noOrders: "没有符合条件的订单。", prevPage: "上一页", nextPage: "下一页", pageN: "第 {n} 页",
  orderNo: "订单号", subject: "商品", body: "描述", amount: "金额", refunded: "已退款", state: "状态", wallet: "钱包", createdAt: "创建时间", paidAt: "支付时间",
  attention: "提醒", needsAttention: "需要处理", expiresAt: "过期时间", returnUrl: "返回地址", closure: "关闭原因",
  backToOrders: "← 订单列表", orderNotFound: "没有订单号为 {no} 的订单。", summary: "概要", payments: "支付", refunds: "退款", actions: "操作", history: "状态变更", events: "Webhook 事件",
  noPayments: "尚无支付。", noRefunds: "尚无退款。", noHistory: "尚无状态变更。", noEvents: "尚无事件。", noAttempts: "尚未投递。",
  kind: "类型", mainPayment: "支付", extraPayment: "重复支付", late: "取消后到账", transactionId: "交易号", tradeNo: "商户单号", payerTotal: "买家实付", providerTime: "钱包时间", recordedAt: "记录时间", left: "可退",
  refundNo: "退款单号", status: "状态", reason: "原因", requestedAt: "申请时间", settledAt: "完成时间", attempts: "尝试次数", refundId: "钱包退款号", overdue: "超时未完成",
  refund_sending: "发送中", refund_unknown: "结果未知", refund_requested: "已受理", refund_succeeded: "退款成功", refund_failed: "退款失败", refund_abnormal: "退款异常",
  close_merchant: "商户关闭", close_expired: "超时未支付", close_provider: "钱包已关闭交易",
  change: "变更", source: "来源", at: "时间",
  attnLate: "订单取消后收到了支付：钱已到账，请确认是否发货或退款。", attnExtra: "买家重复支付：请退还多付的款项。", attnAbnormal: "退款异常：钱已从商户账户扣出但未到买家账户，请在钱包商户平台处理。", attnOverdue: "退款超过 72 小时仍未完成。", attnOther: "请查看此订单。",
  refund: "退款", payment: "支付", refundAll: "全部可退金额（{amount}）", refundPart: "部分退款", yuan: "元", amountYuan: "退款金额（元）", reasonOptional: "原因（可选）",
  badAmount: "请输入大于 0、最多两位小数的金额（元）。", tooMuch: "金额超过可退金额。", badRefundNo: "退款单号须为 1–32 位字母、数字、_ 或 -。", badReason: "原因最多 80 个字符，且不能包含 ^ | $ #。",
  confirmRefund: "确认退款 {amount} 到{wallet}？退款单号 {no}", confirm: "确认", cancel: "取消", nothingToRefund: "没有可退的支付。",
  closeOrder: "关闭订单", closeHint: "关闭后买家无法再支付此订单。", confirmClose: "确认关闭订单 {no}？",
  resend: "重新发送", eventBody: "事件内容", nextAttempt: "下次尝试", attemptNo: "#", httpStatus: "HTTP 状态", error: "错误", duration: "耗时",
  event_pending: "待投递", event_delivered: "已送达", event_failed: "投递失败", event_skipped: "未发送（Webhook 关闭）",
  code0: "成功", "code-2": "接口不支持此命令", "code-3": "参数无效", "code-5": "令牌不正确", "code-10": "订单不存在", "code-12": "订单已支付、取消或退款", "code-14": "订单状态不允许此操作", "code-15": "无法连接钱包", "code-16": "钱包拒绝了请求", "code-18": "订单存储不可用", "code-23": "超过可退金额", "code-24": "退款单号已用于其他支付或金额", "code-25": "没有此交易号的支付", "code-26": "没有此事件", "code-30": "网络错误", "code-31": "无法读取回复",
  bill: "账单", recorded: "订单记录", paymentCount: "支付笔数", paymentAmount: "支付金额", refundCount: "退款笔数", refundAmount: "退款金额", discrepancies: "差异", noDiscrepancies: "账单与记录一致。", noReports: "没有对账报告。",
  billAmount: "账单金额", recordedAmount: "记录金额", action: "处理", updatedAt: "更新时间", runAgain: "重新对账", reconciling: "正在对账…",
  recon_running: "对账中", recon_completed: "已完成", recon_no_bill: "当日无账单", recon_waiting_for_bill: "等待账单", recon_failed: "失败",
  disc_missing_payment: "账单有支付，订单未记录", disc_amount_differs: "金额不一致", disc_unknown_refund: "账单有未知退款", disc_missing_in_bill: "订单已记录，账单中没有",
  chartTitle: "近 30 天收款与退款", chartHint: "按支付日（北京时间）统计；阴影部分为这些支付中已退款的金额。", refundedPart: "其中已退款", orders: "订单数", paid: "收款", net: "净额",
  barTip: "{day} {wallet}：收款 {paid}（{n} 笔），已退款 {refunded}", chartPages: "统计了 {pages} 页，共 {orders} 个订单。", chartTruncated: "只统计了前 {pages} 页订单。", chartUnknownWallet: "列表未给出钱包的订单计入“未知钱包”。",
};

const en = {
  title: "Paybridge merchant console", tabOrders: "Orders", tabRecon: "Reconciliation", tabChart: "Last 30 days", signOut: "Sign out", footer: "Times in Beijing time · amounts in yuan",
  signInTitle: "Merchant sign-in", tokenLabel: "Merchant token", tokenHint: "The token is kept in this tab only and forgotten when you close it or sign out.", signIn: "Sign in",
  wrongToken: "Wrong token.", signInFailed: "Could not sign in.",
  findLabel: "Find by order number", find: "Find", all: "All", allWallets: "Every wallet", apply: "Filter", reset: "Clear", show: "Show",
  createdFrom: "Created from", createdTo: "to (incl.)", billFrom: "Bill days from", billTo: "to", billDay: "Bill day", reconcile: "Reconcile",
  state0: "Waiting", state1: "Paid", state2: "Cancelled", state3: "Refunded",
  wechat: "WeChat Pay", alipay: "Alipay", walletUnknown: "Wallet unknown",
  loading: "Loading…", sending: "Sending…", refresh: "Refresh", noOrders: "No orders match.", prevPage: "Previous", nextPage: "Next", pageN: "Page {n}",
  orderNo: "Order number", subject: "Subject", body: "Description", amount: "Amount", refunded: "Refunded", state: "State", wallet: "Wallet", createdAt: "Created", paidAt: "Paid",
  attention: "Attention", needsAttention: "Needs attention", expiresAt: "Expires", returnUrl: "Return URL", closure: "Closed because",
  backToOrders: "← Orders", orderNotFound: "No order with the number {no}.", summary: "Summary", payments: "Payments", refunds: "Refunds", actions: "Actions", history: "History", events: "Webhook events",
  noPayments: "No payment yet.", noRefunds: "No refunds.", noHistory: "No changes yet.", noEvents: "No events.", noAttempts: "Not delivered yet.",
  kind: "Kind", mainPayment: "Payment", extraPayment: "Extra payment", late: "after cancel", transactionId: "Transaction id", tradeNo: "Trade number", payerTotal: "Buyer paid", providerTime: "Wallet time", recordedAt: "Recorded", left: "Left",
  refundNo: "Refund number", status: "Status", reason: "Reason", requestedAt: "Requested", settledAt: "Settled", attempts: "Attempts", refundId: "Wallet refund id", overdue: "overdue",
  refund_sending: "sending", refund_unknown: "unknown", refund_requested: "requested", refund_succeeded: "succeeded", refund_failed: "failed", refund_abnormal: "abnormal",
  close_merchant: "closed by you", close_expired: "expired unpaid", close_provider: "closed at the wallet",
  change: "Change", source: "Source", at: "When",
  attnLate: "A payment arrived after the order was cancelled: the money is real; ship or refund.", attnExtra: "The buyer paid twice: refund the extra payment.", attnAbnormal: "An abnormal refund: the money left your balance but did not reach the buyer; finish it in the wallet's merchant portal.", attnOverdue: "A refund is unsettled after 72 hours.", attnOther: "Look at this order.",
  refund: "Refund", payment: "Payment", refundAll: "All that is left ({amount})", refundPart: "Part:", yuan: "yuan", amountYuan: "Refund amount (yuan)", reasonOptional: "Reason (optional)",
  badAmount: "Enter an amount in yuan above 0 with at most two decimals.", tooMuch: "That is more than is left to refund.", badRefundNo: "A refund number is 1–32 letters, digits, _ or -.", badReason: "A reason is at most 80 characters, without ^ | $ #.",
  confirmRefund: "Refund {amount} to {wallet}? Refund number {no}", confirm: "Confirm", cancel: "Cancel", nothingToRefund: "Nothing left to refund.",
  closeOrder: "Close the order", closeHint: "The buyer can no longer pay it.", confirmClose: "Close order {no}?",
  resend: "Resend", eventBody: "Event body", nextAttempt: "Next attempt", attemptNo: "#", httpStatus: "HTTP status", error: "Error", duration: "Took",
  event_pending: "pending", event_delivered: "delivered", event_failed: "failed", event_skipped: "skipped (webhooks off)",
  code0: "ok", "code-2": "the API does not know this command", "code-3": "invalid field", "code-5": "wrong token", "code-10": "no such order", "code-12": "already paid, cancelled or refunded", "code-14": "not allowed in the order's state", "code-15": "the wallet could not be reached", "code-16": "the wallet refused", "code-18": "order storage unavailable", "code-23": "more than is left to refund", "code-24": "refund number used for another payment or amount", "code-25": "no payment with this transaction id", "code-26": "no such event", "code-30": "network error", "code-31": "unreadable reply",
  bill: "Bill", recorded: "Recorded", paymentCount: "Payments", paymentAmount: "Paid", refundCount: "Refunds", refundAmount: "Refunded", discrepancies: "Discrepancies", noDiscrepancies: "The bill matches the records.", noReports: "No reconciliation reports.",
  billAmount: "Bill amount", recordedAmount: "Recorded amount", action: "What to do", updatedAt: "Updated", runAgain: "Run again", reconciling: "Reconciling…",
  recon_running: "running", recon_completed: "completed", recon_no_bill: "no bill", recon_waiting_for_bill: "waiting for the bill", recon_failed: "failed",
  disc_missing_payment: "in the bill, not recorded", disc_amount_differs: "amounts differ", disc_unknown_refund: "unknown refund in the bill", disc_missing_in_bill: "recorded, not in the bill",
  chartTitle: "Paid and refunded, last 30 days", chartHint: "By the day paid (Beijing time); the hatched part is what was refunded of those payments.", refundedPart: "refunded of it", orders: "Orders", paid: "Paid", net: "Net",
  barTip: "{day} {wallet}: paid {paid} ({n} orders), refunded {refunded}", chartPages: "{pages} pages, {orders} orders counted.", chartTruncated: "Only the first {pages} pages of orders are counted.", chartUnknownWallet: "Orders whose wallet the listing does not give count as \u201cWallet unknown\u201d.",
};

const TEXT = { zh, en };
const stored = () => {
  try {
    return localStorage.getItem("lang");
  } catch {
    return null;
  }
};
let lang = new URLSearchParams(location.search).get("lang") ?? stored() ?? (navigator.language?.startsWith("zh") ? "zh" : "en");
if (!TEXT[lang]) lang = "zh";

export const has = (key) => key in TEXT[lang];

/** The text of `key`, with `{name}` replaced by `vars.name` (plain text, never markup). */
export function t(key, vars) {
  const text = TEXT[lang][key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

export function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const b of document.querySelectorAll(".lang")) b.setAttribute("aria-pressed", String(b.id === `lang-${lang}`));
}

/** The language buttons; `onChange` re-renders what the views drew. */
export function setupLanguage(onChange) {
  for (const [id, value] of [["lang-zh", "zh"], ["lang-en", "en"]]) {
    document.getElementById(id).addEventListener("click", () => {
      lang = value;
      try {
        localStorage.setItem("lang", value); // the language only: the token never leaves sessionStorage
      } catch {}
      applyLanguage();
      onChange();
    });
  }
  applyLanguage();
}
