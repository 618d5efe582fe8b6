// Baseline for the benchmark: a small hand-written JavaScript worker that does the same work
// as the Rust worker's WechatPayState on a stored order: read the body within the size
// limit, parse and validate the command, read the KV record, reply with the same JSON.
const MAX_BODY = 8 * 1024;
const ORDER_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const DESC = ["等待支付", "已支付", "已取消", "已退款"];

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/api" || request.method !== "POST") return reply(404, { result: -7, msg: "no such path" });
    const text = await request.text();
    if (text.length > MAX_BODY) return reply(413, { result: -4, msg: "body exceeds 8192 bytes" });
    let cmd;
    try {
      cmd = JSON.parse(text);
    } catch (e) {
      return reply(400, { result: -1, msg: `invalid JSON: ${e.message}` });
    }
    if (typeof cmd !== "object" || cmd === null || Array.isArray(cmd)) return reply(400, { result: -1, msg: "body must be a JSON object" });
    if (cmd.cmd !== "WechatPayState") return reply(400, { result: -2, msg: "unknown cmd" });
    const keys = Object.keys(cmd);
    if (keys.length !== 2 || typeof cmd.order_no !== "string" || !ORDER_NO.test(cmd.order_no)) return reply(400, { result: -3, msg: "invalid order_no" });
    const order = await env.ORDERS.get(`order:${cmd.order_no}`, "json");
    if (!order) return reply(404, { result: -10, msg: "no order with this order_no" });
    return reply(200, { result: 0, msg: "", order_no: order.order_no, pay_state: order.state, pay_state_desc: DESC[order.state], expires_at: order.expires_at });
  },
};
