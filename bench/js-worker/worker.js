// Baseline for the benchmark: a small hand-written JavaScript worker and Durable Object that
// do the same work as the Rust worker's WechatPayState: the route reads the body within the
// size limit, parses and validates the command and forwards it to the order's object
// (idFromName), which parses it again, reads its SQLite row and replies with the same JSON.
import { DurableObject } from "cloudflare:workers";

const MAX_BODY = 8 * 1024;
const ORDER_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const DESC = ["等待支付", "已支付", "已取消", "已退款"];

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}

function parse(text) {
  if (text.length > MAX_BODY) return [413, { result: -4, msg: "body exceeds 8192 bytes" }];
  let cmd;
  try {
    cmd = JSON.parse(text);
  } catch (e) {
    return [400, { result: -1, msg: `invalid JSON: ${e.message}` }];
  }
  if (typeof cmd !== "object" || cmd === null || Array.isArray(cmd)) return [400, { result: -1, msg: "body must be a JSON object" }];
  if (cmd.cmd !== "WechatPayState") return [400, { result: -2, msg: "unknown cmd" }];
  if (typeof cmd.order_no !== "string" || !ORDER_NO.test(cmd.order_no)) return [400, { result: -3, msg: "invalid order_no" }];
  return [0, cmd];
}

export class JsOrder extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS order_record (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)");
    this.cache = null;
  }

  load() {
    if (this.cache) return this.cache;
    const row = this.sql.exec("SELECT json FROM order_record WHERE id = 1").toArray()[0];
    this.cache = row ? JSON.parse(row.json) : null;
    return this.cache;
  }

  async fetch(request) {
    const text = await request.text();
    if (new URL(request.url).pathname === "/seed") {
      this.sql.exec("INSERT INTO order_record (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json", text);
      this.cache = null;
      return reply(200, { result: 0, msg: "" });
    }
    const [status, cmd] = parse(text);
    if (status) return reply(status, cmd);
    const order = this.load();
    if (!order) return reply(404, { result: -10, msg: "no order with this order_no" });
    return reply(200, { result: 0, msg: "", order_no: order.order_no, pay_state: order.state, pay_state_desc: DESC[order.state], expires_at: order.expires_at, server_time: Math.floor(Date.now() / 1000) });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "PUT" && url.pathname === "/seed") {
      const record = await request.json();
      return env.ORDER.get(env.ORDER.idFromName(record.order_no)).fetch("https://order/seed", { method: "POST", body: JSON.stringify(record) });
    }
    if (url.pathname !== "/api" || request.method !== "POST") return reply(404, { result: -7, msg: "no such path" });
    const text = await request.text();
    const [status, cmd] = parse(text);
    if (status) return reply(status, cmd);
    const stub = env.ORDER.get(env.ORDER.idFromName(cmd.order_no));
    return stub.fetch("https://order/api", { method: "POST", body: text });
  },
};
