// `npm run bench`: every figure in one table, each beside the baseline measured in the same
// run on this machine, written to bench/results/latest.md.
//   node bench/run.mjs [--quick]   (--quick: shorter wrk runs and 8 paid-to-screen runs)
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setup } from "../scripts/setup.mjs";
import { root, toolEnv } from "../scripts/tools.mjs";
import { paidToScreen } from "./paid-to-screen.mjs";
import { chromiumSpeeds, nodeSpeeds } from "./qr-speed.mjs";
import { sizes } from "./sizes.mjs";
import { workerSpeeds } from "./worker-speed.mjs";
import { bill100k } from "./bill-100k.mjs";
import { coldStart } from "./cold-start.mjs";
import { checkoutSpeed } from "./checkout-speed.mjs";

const quick = process.argv.includes("--quick");
setup({ bench: true });
const build = spawnSync("node", ["scripts/build.mjs"], { cwd: root, stdio: "inherit", env: toolEnv() });
if (build.status !== 0) process.exit(1);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const x = (r) => `${r.toFixed(2)}x`;
const rows = [];
const row = (figure, value, baseline, ratio, goal, met) => rows.push({ figure, value, baseline, ratio, goal, met: met === undefined ? "" : met ? "yes" : "**no**" });

console.log("bench: sizes");
const sz = sizes(root);
row("Worker bundle (wasm + glue), gzip", kb(sz.worker.gzip), "—", "—", "≤ 250 KB", sz.worker.gzip <= 250 * 1024);
row("Worker bundle, raw", kb(sz.worker.raw), "—", "—", "", undefined);
row("SDK first download (wasm + minified glue), gzip", kb(sz.sdk.gzip), `qrcode-generator ${kb(sz.qrGen.gzip)}`, x(sz.sdk.gzip / sz.qrGen.gzip), "≤ 25 KB", sz.sdk.gzip <= 25 * 1024);
row("SDK, gzip, vs qrcode", kb(sz.sdk.gzip), `qrcode ${kb(sz.qrcode.gzip)}`, x(sz.sdk.gzip / sz.qrcode.gzip), "", undefined);
row("SDK, brotli", kb(sz.sdk.brotli), `qrcode-generator ${kb(sz.qrGen.brotli)}, qrcode ${kb(sz.qrcode.brotli)}`, x(sz.sdk.brotli / sz.qrGen.brotli), "", undefined);
row("SDK wasm / glue, gzip", `${kb(sz.sdkWasm.gzip)} / ${kb(sz.sdkGlue.gzip)}`, "—", "—", "", undefined);
row("SDK checkout module, loaded by checkout()/resume() (wasm + minified checkout.js), gzip", kb(sz.checkout.gzip), `wasm ${kb(sz.checkoutWasm.gzip)}, js ${kb(sz.checkoutJs.gzip)}`, "—", "", undefined);

console.log("bench: QR speed (Node, Chromium)");
const us = (v) => `${v.toFixed(1)} µs`;
for (const [where, speeds] of [["Node", await nodeSpeeds(root)], ["Chromium", await chromiumSpeeds(root)]]) {
  const gen = speeds["qrcode-generator"] / speeds.sdk;
  const qr = speeds.qrcode / speeds.sdk;
  row(`QR SVG of a 40-char URL, ${where}`, us(speeds.sdk), `qrcode-generator ${us(speeds["qrcode-generator"])}`, `${x(gen)} faster`, "≥ 10x", gen >= 10);
  row(`QR SVG of a 40-char URL, ${where}`, us(speeds.sdk), `qrcode ${us(speeds.qrcode)}`, `${x(qr)} faster`, "≥ 3x", qr >= 3);
}

console.log("bench: worker throughput (wrk on loopback)");
const w = await workerSpeeds({ seconds: quick ? 3 : 4, rounds: quick ? 3 : 7 });
const ms = (v) => `${v.toFixed(2)} ms`;
const lat = (r) => `${Math.round(r.rps)} req/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`;
row("WechatPayState through the order's Durable Object (neither side with a rate-limit binding)", lat(w.rustState), `JS worker + Durable Object ${lat(w.jsState)}`, `${x(w.stateRatio)} req/s (median of ${w.stateRatios.length} rounds, ${x(w.stateRatios[0])}–${x(w.stateRatios.at(-1))})`, "≥ 1.0x", w.stateRatio >= 1);
row("WechatPayState with the PAGE_RATE_LIMIT binding (Miniflare's local simulation of it)", lat(w.rustStateLimited), `without it ${lat(w.rustState)}`, `${x(w.rustStateLimited.rps / w.rustState.rps)} req/s`, "", undefined);
row("Pay type 1 (sign the Alipay URL)", lat(w.rustPay), "—", "—", "", undefined);
row("WeChat notify v2, already paid", lat(w.rustNotify), "—", "—", "", undefined);
row("WeChat notify v3 (RSA verify + AES-GCM), already paid", lat(w.rustNotifyV3), `v2 notify ${lat(w.rustNotify)}`, `${x(w.notifyV3Ratio)} req/s (median of rounds)`, "", undefined);
const errors = w.rustState.errors + w.rustStateLimited.errors + w.jsState.errors + w.rustPay.errors + w.rustNotify.errors + w.rustNotifyV3.errors;

console.log("bench: cold start (fresh workerd to the first WechatPayState)");
const cold = await coldStart({ runs: quick ? 3 : 5 });
row(`Cold start to the first WechatPayState, median of ${cold.runs}`, ms(cold.rustMs), `JS worker + Durable Object ${ms(cold.jsMs)}`, `${x(cold.ratio)} the time`, "", undefined);

console.log("bench: a 100,000-line bill");
const bills = await bill100k({ runs: quick ? 1 : 3 });
for (const [wallet, b] of Object.entries(bills)) {
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  row(
    `Read a ${b.lines}-line ${wallet} bill (${mb(b.csvBytes)} unpacked) in workerd`,
    `${ms(b.worker.ms)}, wasm memory ${mb(b.worker.wasmMemoryBytes)}`,
    `native paysign ${ms(b.native.ms)}, peak ${mb(b.native.peakKib * 1024)}`,
    `${x(b.worker.ms / b.native.ms)} the time`,
    "≤ 128 MB",
    b.worker.wasmMemoryBytes + b.csvBytes <= 128 * 1048576,
  );
}

console.log("bench: checkout() in Chromium, 4x CPU throttling");
const co = await checkoutSpeed({ runs: quick ? 4 : 10 });
row("checkout(), first call of the page (loads its module), to the WeChat QR code", ms(co.firstQr), `wechatPay + mountQr ${ms(co["parts-qr"])}`, "—", "", undefined);
row(`checkout() to the WeChat QR code (desktop), median of ${co.runs}`, ms(co["checkout-qr"]), `wechatPay + mountQr ${ms(co["parts-qr"])}`, `${x(co["checkout-qr"] / co["parts-qr"])} the time`, "", undefined);
row(`checkout() to the navigation, Alipay wap (phone), median of ${co.runs}`, ms(co["checkout-wap"]), `pay (desktop cashier URL) ${ms(co["parts-wap"])}`, `${x(co["checkout-wap"] / co["parts-wap"])} the time`, "", undefined);
row(`checkout() to the navigation, WeChat H5 (phone), median of ${co.runs}`, ms(co["checkout-h5"]), "—", "—", "", undefined);

console.log("bench: paid-to-screen (Chromium)");
const p = await paidToScreen({ runs: quick ? 8 : 20 });
row(`Paid-to-screen, live (WebSocket), ${p.live.runs} runs`, `p50 ${ms(p.live.p50)}, p95 ${ms(p.live.p95)}`, `polling p95 ${ms(p.polling.p95)}`, `${x(p.polling.p95 / p.live.p95)} sooner`, "p95 ≤ 300 ms", p.live.p95 <= 300);
row(`Paid-to-screen, polling, ${p.polling.runs} runs`, `p50 ${ms(p.polling.p50)}, p95 ${ms(p.polling.p95)}`, "poll interval 2000 ms", `p95 ${x(p.polling.p95 / 2000)} of it`, "p95 ≤ 2500 ms", p.polling.p95 <= 2500);

const header = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}${quick ? " (quick run)" : ""}.`;
const table = [
  "| figure | value | baseline (same run) | ratio | goal | met |",
  "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.met} |`),
].join("\n");
const md = `# Benchmark results\n\n${header}\n\n${table}\n\nwrk: 2 threads, 32 connections, ${quick ? 3 : 4} s per run, through a direct socket into each worker (no Miniflare entry worker); req/s and latencies are the best of ${quick ? 3 : 7} interleaved rounds, the ratio the median of the rounds' ratios; ${errors} non-2xx or socket errors.\nCommand: \`npm run bench\`.\n`;
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, "bench/results/latest.md"), md);
writeFileSync(join(root, "bench/results/latest.json"), JSON.stringify({ sizes: sz, worker: w, paidToScreen: p, coldStart: cold, bill100k: bills, checkout: co }, null, 2));
console.log(`\n${md}`);
