// The sandbox's own pages: the index (GET /) and WeChat's "scan and pay" page (GET /wechat/scan).
import { escape, page } from "./alipay.mjs";

export function scanPage(o) {
  const amount = `${Math.floor(o.total_fee / 100)}.${String(o.total_fee % 100).padStart(2, "0")}`;
  return page(
    "微信支付 · 扫码付款 (sandbox)",
    `<div class=wx><p class=amount>¥${amount}</p><p>${escape(o.body)}</p><p class=muted>商户订单号 ${escape(o.out_trade_no)}</p>
     <p id=status>${o.trade_state === "NOTPAY" ? "" : escape(o.trade_state)}</p>
     <button id=wechat-pay onclick="pay()">确认支付 Pay</button></div>
     <script>async function pay(){const r=await fetch('/sandbox/pay',{method:'POST',body:JSON.stringify({provider:'wechat',out_trade_no:${JSON.stringify(o.out_trade_no)}})});document.getElementById('status').textContent=r.ok?'支付成功 · Paid':'失败 · Failed';}</script>`,
  );
}

export function indexPage(wechat, alipay) {
  const rows = [
    ...[...wechat.orders.values()].map((o) => `<li>WeChat ${escape(o.out_trade_no)} · ${escape(o.trade_type ?? "NATIVE")} · ${escape(o.trade_state)}${o.token ? ` · <a href="/wechat/scan?pr=${escape(o.token)}">scan</a>` : ""}</li>`),
    ...[...alipay.trades.values()].map((t) => `<li>Alipay ${escape(t.out_trade_no)} · ${escape(t.trade_status)}</li>`),
  ];
  return page("Provider sandbox", `<p>WeChat Pay v2 and v3 (Native, H5, JSAPI, web authorisation), Alipay MAPI and OpenAPI (desktop and wap cashiers), on loopback.</p><ul>${rows.join("") || "<li>no orders yet</li>"}</ul>`);
}
