// Abuse without the merchant token: what anyone can send to the worker costs it nothing
// lasting. A page command or socket for an order that was never created answers -10 and
// writes nothing (no table, no alarm, no listing); one order keeps at most 20 live sockets
// (the rest get HTTP 429, -33) and asks the providers at most every 5 s however many
// watch it; page commands per client IP are rate-limited (429, -29), merchant commands not.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { sleep, startStack, until } from "../e2e/harness.mjs";

const ORIGIN = "https://shop.example";
const observed = [];
after(() => console.log(`reliability/abuse: ${observed.join("; ")}`));

/** Opens a live socket; resolves `{ws, status}` once open or refused. */
function socket(s, no) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${s.url.replace("http", "ws")}/live/${no}`, { origin: ORIGIN });
    ws.on("open", () => resolve({ ws, status: 101 }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ ws: null, status: res.statusCode, body }));
    });
    ws.on("error", (e) => resolve({ ws: null, status: 0, body: String(e) }));
  });
}

/** Every order object's SQLite file under `dir` with the tables and alarm it holds. */
function databases(dir) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      // The order objects' databases (KV and the rate limiter keep theirs beside them).
      else if (name.endsWith(".sqlite") && p.includes("OrderObject")) found.push(p);
    }
  };
  walk(dir);
  return found.map((path) => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all();
      const meta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '_cf_%'").all();
      // workerd keeps an object's alarm in _cf_METADATA when one is set.
      const read = () => {
        const q = db.prepare("SELECT * FROM _cf_METADATA");
        q.setReadBigInts(true);
        return q.all();
      };
      const alarms = meta.some((t) => t.name === "_cf_METADATA") ? read() : [];
      return { path, tables: tables.map((t) => t.name), alarms };
    } finally {
      db.close();
    }
  });
}

describe("orders that were never created", () => {
  let s;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "paybridge-abuse-"));
    s = await startStack({ persist: dir });
  });
  after(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("100 unknown order numbers: every page command and socket answers -10, and nothing is written", async () => {
    const numbers = Array.from({ length: 100 }, (_, i) => `ghost_${String(i).padStart(4, "0")}_${Math.random().toString(36).slice(2, 8)}`);
    const commands = [
      (no) => ({ cmd: "WechatPayState", order_no: no }),
      (no) => ({ cmd: "WechatPay", order_no: no }),
      (no) => ({ cmd: "Pay", order_no: no, type: 1, return_url: `${ORIGIN}/done` }),
      (no) => ({ cmd: "Pay", order_no: no, type: 2 }),
      (no) => ({ cmd: "AlipayQr", order_no: no }),
    ];
    for (const [i, no] of numbers.entries()) {
      const r = await s.api(commands[i % commands.length](no));
      assert.deepEqual([r.status, r.json?.result], [404, -10], `${no}: ${r.text}`);
      if (i % 10 === 0) {
        const live = await socket(s, no);
        assert.equal(live.status, 404, `${no}: socket ${live.status} ${live.body}`);
        assert.equal(JSON.parse(live.body).result, -10);
      }
    }
    // A real order beside them, so the check below can see what a written object looks like.
    await s.createOrder("abuse_real_01", 100);
    await until("the real order's object on disk", async () => databases(dir).some((d) => d.tables.length > 0), (ok) => ok);
    const dbs = databases(dir);
    const written = dbs.filter((d) => d.tables.length > 0);
    assert.equal(written.length, 1, `only the created order has tables: ${JSON.stringify(written.map((d) => d.tables))}`);
    const alarmed = dbs.filter((d) => d.tables.length === 0 && d.alarms.length > 0);
    assert.deepEqual(alarmed, [], "no unknown order's object has an alarm");
    const listed = await s.kv.list({ prefix: "order:" });
    assert.deepEqual(listed.keys.map((k) => k.name), ["order:abuse_real_01"], "only the created order is listed");
    observed.push(`100 unknown orders: ${dbs.filter((d) => d.tables.length === 0).length} empty database files, 0 tables, 0 alarms, 0 listings`);
  });
});

describe("live sockets", () => {
  let s;
  before(async () => (s = await startStack()));
  after(() => s.stop());

  it("200 sockets to one order: 20 are kept, the rest get 429 with -33, and the providers are asked at most every 5 s", async () => {
    const no = "abuse_sock_01";
    await s.createOrder(no, 100);
    await s.codeUrl(no);
    const results = [];
    // In waves of 20, as a burst of tabs would.
    for (let wave = 0; wave < 10; wave++) results.push(...(await Promise.all(Array.from({ length: 20 }, () => socket(s, no)))));
    const open = results.filter((r) => r.status === 101);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(open.length, 20, `statuses: ${JSON.stringify(results.map((r) => r.status))}`);
    assert.equal(refused.length, 180);
    for (const r of refused) assert.equal(JSON.parse(r.body).result, -33);
    // While 20 pages watch, count the order queries that reach WeChat over 16 s.
    const queries = () => s.sandbox.state.requests.filter((q) => q.startsWith("POST /pay/orderquery") && q.includes(no)).length;
    const before = queries();
    const started = Date.now();
    await sleep(16_000);
    const asked = queries() - before;
    const seconds = (Date.now() - started) / 1000;
    assert.ok(asked >= 1, "a watched order is checked");
    assert.ok(asked <= Math.ceil(seconds / 5) + 1, `${asked} queries in ${seconds.toFixed(1)} s with 20 sockets`);
    observed.push(`200 sockets: 20 kept, 180 refused (-33); ${asked} order queries in ${seconds.toFixed(1)} s`);
    // Closing one frees a place.
    open[0].ws.close(1000);
    await until("a freed place", () => socket(s, no), (r) => {
      r.ws?.close(1000);
      return r.status === 101;
    });
    for (const r of open.slice(1)) r.ws.close(1000);
  });
});

describe("page requests per client IP", () => {
  let s;
  before(async () => (s = await startStack({ pageLimit: 10 })));
  after(() => s.stop());

  it("over the limit: 429 with -29 for page commands and sockets; merchant commands still answered", async () => {
    const no = "abuse_rate_01";
    await s.createOrder(no, 100);
    const answers = [];
    for (let i = 0; i < 14; i++) answers.push(await s.api({ cmd: "WechatPayState", order_no: no }));
    const limited = answers.filter((r) => r.status === 429);
    assert.ok(answers.slice(0, 10).every((r) => r.status === 200), answers.map((r) => r.status).join(","));
    assert.equal(limited.length, 4, answers.map((r) => r.status).join(","));
    for (const r of limited) assert.deepEqual(r.json, { result: -29, msg: "too many requests from this address; try again in a minute" });
    const live = await socket(s, no);
    assert.equal(live.status, 429, live.body);
    assert.equal(JSON.parse(live.body).result, -29);
    const merchant = await s.api({ cmd: "QueryOrder", order_no: no }, { token: true });
    assert.equal(merchant.json.result, 0, "merchant commands are not page requests");
    observed.push(`page limit 10: requests 11–14 and the socket refused with -29, QueryOrder answered`);
  });
});
