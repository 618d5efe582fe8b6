// Cold start: from a fresh workerd (a new isolate: the worker's script, and for the Rust
// worker its wasm, compiled and instantiated; the order's Durable Object started and its
// SQLite read) to the first answered WechatPayState of an order stored before, for the
// Rust worker and the hand-written JS baseline, each over the same persisted order.
// Medians of interleaved runs; the ratio is Rust's time over the baseline's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { startStack } from "../tests/e2e/harness.mjs";

const ORDER = "bench_cold_01";
const body = JSON.stringify({ cmd: "WechatPayState", order_no: ORDER });

function jsWorker(persist) {
  return new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: "ESModule", path: join(import.meta.dirname, "js-worker/worker.js") }],
      compatibilityDate: "2026-11-01",
      durableObjects: { ORDER: { className: "JsOrder", useSQLite: true } },
      resourcePersistencePath: persist,
      host: "127.0.0.1",
      port: 0,
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }),
  );
}

/** ms from starting the runtime to the first answer, and the answer. */
async function firstAnswer(start) {
  const t = performance.now();
  const { url, stop } = await start();
  const r = await fetch(`${url}/api`, { method: "POST", body });
  const json = await r.json();
  const ms = performance.now() - t;
  await stop();
  if (json.pay_state === undefined) throw new Error(`no state: ${JSON.stringify(json)}`);
  return ms;
}

export async function coldStart({ runs = 5 } = {}) {
  const rustDir = mkdtempSync(join(tmpdir(), "paybridge-cold-rust-"));
  const jsDir = mkdtempSync(join(tmpdir(), "paybridge-cold-js-"));
  try {
    // The order, stored once by each worker.
    const s = await startStack({ persist: rustDir });
    await s.createOrder(ORDER, 1990);
    const record = await s.record(ORDER);
    await s.stop();
    const seed = jsWorker(jsDir);
    await seed.ready;
    const seedUrl = (await seed.unsafeGetDirectURL()).origin;
    const seeded = await fetch(`${seedUrl}/seed`, { method: "PUT", body: JSON.stringify(record) });
    if (!seeded.ok) throw new Error(`seeding the baseline failed: ${await seeded.text()}`);
    await seed.dispose();

    const rust = async () => {
      const stack = await startStack({ persist: rustDir });
      return { url: stack.directUrl, stop: () => stack.stop() };
    };
    const js = async () => {
      const mf = jsWorker(jsDir);
      await mf.ready;
      return { url: (await mf.unsafeGetDirectURL()).origin, stop: () => mf.dispose() };
    };
    const times = { rust: [], js: [] };
    for (let i = 0; i < runs; i++) {
      for (const who of i % 2 ? ["rust", "js"] : ["js", "rust"]) times[who].push(await firstAnswer(who === "rust" ? rust : js));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { rustMs: median(times.rust), jsMs: median(times.js), ratio: median(times.rust) / median(times.js), runs, times };
  } finally {
    rmSync(rustDir, { recursive: true, force: true });
    rmSync(jsDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await coldStart(), null, 2));
