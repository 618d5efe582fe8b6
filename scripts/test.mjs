// `npm test`: everything, in order, on a fresh machine or a warm one. Each stage streams its
// output; its pass/fail counts are read from its runner's own summary lines, and the run
// ends with one line for all of them: "total: N passed, M failed".
import { spawn } from "node:child_process";
import { setup } from "./setup.mjs";
import { node22, root, toolEnv } from "./tools.mjs";

const started = Date.now();
const results = [];

/** Runs a command, echoing its output, and returns { code, output }. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: toolEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (d) => {
        output += d;
        process.stdout.write(d);
      });
    }
    child.on("close", (code) => resolve({ code, output }));
  });
}

function countCargo(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

function countNode(output) {
  const pass = [...output.matchAll(/^ℹ pass (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  const fail = [...output.matchAll(/^ℹ fail (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { passed: pass, failed: fail };
}

async function stage(name, cmd, args, { env, count, minimum = 1 } = {}) {
  console.log(`\n==> ${name}\n`);
  const t = Date.now();
  const { code, output } = await run(cmd, args, env);
  let { passed, failed } = count ? count(output) : code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
  if (code !== 0 && failed === 0) failed = 1; // the runner failed outside any test
  if (code === 0 && passed < minimum) failed += 1; // a suite that ran nothing is a failure
  results.push({ name, passed, failed, seconds: Math.round((Date.now() - t) / 1000) });
  return code === 0;
}

console.log("==> setup (installs what is missing)");
try {
  setup({ browsers: true });
} catch (e) {
  console.error(e.message);
  console.log("\ntotal: 0 passed, 1 failed");
  process.exit(1);
}

const cargo = "cargo";
const nodeTest = (files) => [node22, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files], { count: countNode }];

await stage("cargo fmt --check", cargo, ["fmt", "--all", "--", "--check"]);
await stage("cargo clippy -D warnings", cargo, ["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
await stage("clippy (wasm32: worker and SDK)", cargo, ["clippy", "-p", "payworker", "-p", "paysdk", "--features", "paysdk/webhook", "--target", "wasm32-unknown-unknown", "--", "-D", "warnings"]);
// The worker (payworker) has no native tests: it is checked by the wasm32 clippy above and
// tested under workerd below, so it is not compiled natively a second time here.
await stage("native tests (cargo test)", cargo, ["test", "--workspace", "--exclude", "payworker"], { count: countCargo });
const built = await stage("build worker and SDK", "node", ["scripts/build.mjs"]);
// The fuzz targets build (and cargo-fuzz installs, on a fresh machine) while the workerd
// suites run, which mostly wait on timers and sockets: a minute and a half of a first run.
// Its output is shown with the fuzz stage; a failed build fails that stage.
const fuzzBuild = new Promise((resolve) => {
  const child = spawn("node", ["scripts/fuzz.mjs", "--build-only"], { cwd: root, env: toolEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (d) => (output += d));
  child.on("close", (code) => resolve({ code, output }));
});
if (built) {
  await stage("worker end to end under workerd", ...nodeTest(["tests/e2e/*.test.mjs"]));
  await stage("reliability: abuse, faults, concurrency, secrets", ...nodeTest(["tests/reliability/*.test.mjs"]));
  await stage("npm package: the SDK in Node, strict TypeScript, verifyWebhook", ...nodeTest(["tests/package/*.test.mjs"]));
  await stage("SDK and demo in Chromium against npm run dev", ...nodeTest(["tests/browser/*.test.mjs"]));
}
const prepared = await fuzzBuild;
console.log(`\n==> fuzz build (ran beside the suites above)\n\n${prepared.output.split("\n").slice(-15).join("\n")}`);
await stage("fuzz (short run)", "node", ["scripts/fuzz.mjs", "--short"], { count: (o) => ({ passed: [...o.matchAll(/^fuzz: \S+ ok/gm)].length, failed: [...o.matchAll(/^fuzz: \S+ FAILED/gm)].length }) });

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log("\n==> summary");
for (const r of results) console.log(`${r.failed ? "FAIL" : "ok  "} ${r.name.padEnd(52)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds}s`);
console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`\ntotal: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
