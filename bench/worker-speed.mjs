// Worker throughput and latency with wrk on loopback (bounded: 2 threads, 32 connections,
// a few seconds per run): the Rust worker and the hand-written JS baseline (a worker and a
// SQLite Durable Object per order), each in its own local workerd (Miniflare) holding the
// same order.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { freePort, startStack } from "../tests/e2e/harness.mjs";

function parseDuration(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

/** One wrk run: { rps, p50, p99, errors } (latencies in ms). */
export function wrk(url, { body, contentType = "application/json", headers = {}, seconds = 5, threads = 2, connections = 32 }) {
  const dir = mkdtempSync(join(tmpdir(), "paybridge-wrk-"));
  const script = join(dir, "post.lua");
  const extra = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`).join("");
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "${contentType}"\n${extra}`);
  const r = spawnSync("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--latency", "-s", script, url], { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = parseDuration(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const p99 = parseDuration(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0);
  return { rps, p50, p99, errors };
}

/** POSTs once outside wrk (to check the answer), again when the connection was reset under
 * it: after a wrk run the socket a client reuses may already be closed by workerd. */
async function accepted(url, body, headers) {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
      return { status: r.status, text: await r.text() };
    } catch (e) {
      if (attempt === 3) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function jsBaseline(record) {
  const port = await freePort();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: "ESModule", path: join(import.meta.dirname, "js-worker/worker.js") }],
      compatibilityDate: "2026-11-01",
      durableObjects: { ORDER: { className: "JsOrder", useSQLite: true } },
      host: "127.0.0.1",
      port,
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }),
  );
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL()).origin;
  const seeded = await fetch(`${url}/seed`, { method: "PUT", body: JSON.stringify(record) });
  if (!seeded.ok) throw new Error(`seeding the baseline failed: ${await seeded.text()}`);
  return { url, stop: () => mf.dispose() };
}

export async function workerSpeeds({ seconds = 5, rounds = 2 } = {}) {
  // Without the PAGE_RATE_LIMIT binding, as the JS baseline has none: the same work on both
  // sides. The binding's cost is measured apart (Miniflare simulates it locally: about 3.5x
  // fewer state polls per second here; Cloudflare's binding counts on the machine itself).
  const s = await startStack({ pageLimit: null });
  try {
    // A paid order (through the real notify path), a waiting one with an Alipay session,
    // and the paid order's genuine notify.
    await s.createOrder("bench_paid_01", 1990);
    await s.codeUrl("bench_paid_01");
    await s.pay("wechat", "bench_paid_01", { times: 1 });
    const notify = await s.notifyBody("wechat", "bench_paid_01");
    await s.createOrder("bench_pay_001", 1990);
    await s.openCashier("bench_pay_001", "https://shop.example/done");
    const record = await s.record("bench_paid_01");
    const js = await jsBaseline(record);
    const stateBody = JSON.stringify({ cmd: "WechatPayState", order_no: "bench_paid_01" });
    const payBody = JSON.stringify({ cmd: "Pay", order_no: "bench_pay_001", type: 1, return_url: "https://shop.example/done" });
    // Both measured through a direct socket into the worker (no Miniflare entry worker).
    const rust = s.directUrl;
    // Same reply from both workers, or the comparison is void.
    // (server_time is each worker's clock: equal within the second or two between the calls.)
    const a = await (await fetch(`${rust}/api`, { method: "POST", body: stateBody })).json();
    const b = await (await fetch(`${js.url}/api`, { method: "POST", body: stateBody })).json();
    if (Math.abs(a.server_time - b.server_time) > 2) throw new Error(`server_time differs: ${a.server_time} vs ${b.server_time}`);
    a.server_time = b.server_time;
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the baseline answers differently: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    const best = (runs) => runs.reduce((x, y) => (y.rps > x.rps ? y : x));
    const results = { rustState: [], jsState: [], rustPay: [], rustNotify: [], rustNotifyV3: [] };
    // Interleaved rounds, alternating which goes first; the ratio is the median of the
    // rounds' ratios (run-to-run noise on this machine is about ±15 %).
    const ratios = [];
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? ["rust", "js"] : ["js", "rust"];
      const round = {};
      for (const who of order) round[who] = wrk(`${who === "js" ? js.url : rust}/api`, { body: stateBody, seconds });
      results.jsState.push(round.js);
      results.rustState.push(round.rust);
      ratios.push(round.rust.rps / round.js.rps);
    }
    ratios.sort((x, y) => x - y);
    const medianRatio = ratios[Math.floor(ratios.length / 2)];
    for (let i = 0; i < rounds; i++) results.rustPay.push(wrk(`${rust}/api`, { body: payBody, seconds }));
    // v2 (XML, HMAC-SHA256) beside v3 (RSA signature check and AES-GCM decrypt in WebCrypto)
    // for the same paid order, interleaved; the v3 notify is signed afresh each round (its
    // timestamp must stay within 300 s).
    const notifyRatios = [];
    for (let i = 0; i < rounds; i++) {
      const { body, headers } = s.sandbox.notifyV3(s.sandbox.state.wechat.get("bench_paid_01"));
      const probe = await accepted(`${rust}/notify/wechat/v3`, body, headers);
      if (probe.status !== 204) throw new Error(`the v3 notify was refused: ${probe.status} ${probe.text}`);
      const v2 = wrk(`${rust}/notify/wechat`, { body: notify, contentType: "text/xml", seconds });
      const v3 = wrk(`${rust}/notify/wechat/v3`, { body, headers, seconds });
      results.rustNotify.push(v2);
      results.rustNotifyV3.push(v3);
      notifyRatios.push(v3.rps / v2.rps);
    }
    notifyRatios.sort((x, y) => x - y);
    await js.stop();
    // WechatPayState as deployed: through the rate limiter, interleaved with the plain one.
    const limited = await startStack();
    try {
      await limited.createOrder("bench_paid_01", 1990);
      await limited.codeUrl("bench_paid_01");
      await limited.pay("wechat", "bench_paid_01", { times: 1 });
      results.rustStateLimited = [];
      for (let i = 0; i < rounds; i++) results.rustStateLimited.push(wrk(`${limited.directUrl}/api`, { body: stateBody, seconds }));
    } finally {
      await limited.stop();
    }
    return { ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, best(v)])), stateRatio: medianRatio, stateRatios: ratios, notifyV3Ratio: notifyRatios[Math.floor(notifyRatios.length / 2)] };
  } finally {
    await s.stop();
  }
}
