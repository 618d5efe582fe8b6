// A day's bill of 100,000 lines (WeChat's ALL CSV, gzip; Alipay's GBK ZIP), read the way a
// reconciliation reads it: inside workerd through the worker's own path (`/test/bill`:
// platform unpacking and decoding, then paycore's streaming reader with its checks), beside
// the same reader natively (`paysign bill`) as the baseline. Reported: time per bill
// (median of runs) and memory: the worker's wasm linear memory after the reads (it only
// grows, so it is their peak), workerd's resident-set growth (JS buffers and garbage
// included), and paysign's peak resident set.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import iconv from "iconv-lite";
import { TOKEN, startStack } from "../tests/e2e/harness.mjs";
import { alipayBillZip, alipayDetailCsv, wechatBillCsv, wechatBillGzip } from "../tests/sandbox/bills.mjs";
import { root } from "../scripts/tools.mjs";

const LINES = 100_000;
const DAY_START = Date.UTC(2026, 11, 3, 16, 0, 0) / 1000;

function wechatBill() {
  const lines = [];
  for (let i = 0; i < LINES; i++) {
    const no = `bench_${String(i).padStart(7, "0")}`;
    const tx = `42000009252026120${String(i).padStart(11, "0")}`;
    const base = { time: DAY_START + (i % 86_400), transactionId: tx, outTradeNo: no, openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", tradeType: "NATIVE", subject: `商品 ${i}, 红色`, attach: no };
    lines.push(i % 10 === 9 ? { ...base, state: "REFUND", refundId: `5030${tx}`, outRefundNo: `R${tx}`, refundFen: 100, refundState: "SUCCESS" } : { ...base, state: "SUCCESS", totalFen: 1990 + (i % 500) });
  }
  return { appid: "wx2421b1c4370ec43b", mchId: "10000100", lines };
}

function alipayBill() {
  const lines = [];
  for (let i = 0; i < LINES; i++) {
    const no = `bench_${String(i).padStart(7, "0")}`;
    const tradeNo = `2026120422001${String(i).padStart(15, "0")}`;
    const base = { tradeNo, outTradeNo: no, subject: `商品 ${i}`, created: DAY_START + (i % 86_000), finished: DAY_START + (i % 86_000) + 30 };
    lines.push(i % 10 === 9 ? { ...base, type: "退款", totalFen: 100, outRequestNo: `2026120400${String(i).padStart(14, "0")}` } : { ...base, type: "交易", totalFen: 1990 + (i % 500) });
  }
  return { partner: "2088101122136241", date: "2026-12-04", lines };
}

function rss(pid, field) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    return Number(line.split(/\s+/)[1]);
  } catch {
    return NaN;
  }
}

function workerdPid() {
  const r = spawnSync("pgrep", ["-n", "workerd"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Native: paysign bill on the unpacked UTF-8 CSV. */
function native(wallet, csv) {
  const bin = `${root}/target/release/paysign`;
  const runs = [];
  let out;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(bin, ["bill", "--wallet", wallet, "--stats"], { input: csv, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`paysign bill: ${r.stderr}`);
    out = JSON.parse(r.stdout);
    runs.push(out.ms);
  }
  return { ms: median(runs), peakKib: out.peak_rss_kib, lines: out.lines };
}

export async function bill100k({ runs = 3 } = {}) {
  const build = spawnSync("cargo", ["build", "--release", "-p", "paysign"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("paysign did not build");
  const wechat = wechatBill();
  const alipay = alipayBill();
  const bills = {
    wechat: { packed: wechatBillGzip(wechat), packing: "gzip", csv: wechatBillCsv(wechat) },
    alipay: { packed: alipayBillZip(alipay), packing: "zip", csv: alipayDetailCsv(alipay) },
  };
  const s = await startStack();
  const pid = workerdPid();
  const results = {};
  try {
    for (const [wallet, b] of Object.entries(bills)) {
      const before = rss(pid, "VmRSS");
      let peak = before;
      const times = [];
      let answer;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const poll = setInterval(() => (peak = Math.max(peak, rss(pid, "VmRSS"))), 20);
        const r = await fetch(`${s.url}/test/bill?wallet=${wallet}&packing=${b.packing}`, { method: "POST", body: b.packed, headers: { authorization: `Bearer ${TOKEN}` } });
        answer = await r.json();
        clearInterval(poll);
        times.push(performance.now() - t);
        if (answer.result !== 0) throw new Error(`/test/bill ${wallet}: ${JSON.stringify(answer)}`);
      }
      results[wallet] = {
        lines: answer.lines,
        packedBytes: b.packed.length,
        csvBytes: Buffer.byteLength(b.csv),
        worker: { ms: median(times), rssGrowthKib: peak - before, wasmMemoryBytes: answer.wasm_memory_bytes },
        native: native(wallet, wallet === "wechat" ? gunzipSync(b.packed) : Buffer.from(iconv.decode(iconv.encode(b.csv, "gbk"), "gbk"), "utf8")),
      };
    }
  } finally {
    await s.stop();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await bill100k(), null, 2));
