// Installs what `npm test` and `npm run dev` need on a fresh Debian machine, and skips
// what is already there. Only the package registries are used (crates.io, npm, Debian).
//   rustup target wasm32-unknown-unknown
//   cargo install: wasm-bindgen-cli (= the pinned wasm-bindgen); scripts/build.mjs does the
//   rest with cargo and it (no worker-build, no wasm-pack)
//   npm ci (wrangler, Node 22, binaryen's wasm-opt, playwright-core, jsqr, …)
//   apt: chromium (browser tests), wrk (benchmarks, with --bench)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_PROFILE, cargoBin, root, toolEnv } from "./tools.mjs";

export const WASM_BINDGEN = "0.2.130";
const CARGO_TOOLS = [
  // Its lock wants a crate this registry lacks. Only the `wasm-bindgen` binary, without
  // TLS (the default rustls feature is for wasm-bindgen-test-runner's downloads).
  { bin: "wasm-bindgen", crate: "wasm-bindgen-cli", version: WASM_BINDGEN, locked: false, args: ["--no-default-features", "--bin", "wasm-bindgen"] },
];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: toolEnv(), cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`setup: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
}

function out(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: toolEnv() });
  return r.status === 0 ? r.stdout : "";
}

function step(name, fn) {
  const t = Date.now();
  fn();
  const s = ((Date.now() - t) / 1000).toFixed(0);
  if (s > 1) console.log(`setup: ${name} (${s} s)`);
}

function checkPinnedWasmBindgen() {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const m = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock);
  if (m && m[1] !== WASM_BINDGEN) throw new Error(`setup: Cargo.lock has wasm-bindgen ${m[1]} but setup installs ${WASM_BINDGEN}`);
}

export function setup({ browsers = true, bench = false } = {}) {
  checkPinnedWasmBindgen();
  step("rust wasm target", () => {
    if (!out("rustup", ["target", "list", "--installed"]).includes("wasm32-unknown-unknown")) sh("rustup", ["target", "add", "wasm32-unknown-unknown"]);
  });
  for (const t of CARGO_TOOLS) {
    step(`cargo install ${t.crate} ${t.version}`, () => {
      const have = existsSync(join(cargoBin, t.bin)) ? out(join(cargoBin, t.bin), ["--version"]) : "";
      if (have.includes(t.version)) return;
      const args = ["install", t.crate, "--version", t.version, "--force", ...(t.args ?? [])];
      if (t.locked) args.push("--locked");
      sh("cargo", args, { env: toolEnv({ CARGO_TARGET_DIR: join(root, "target/tool-install"), ...INSTALL_PROFILE }) });
    });
  }
  step("npm ci", () => {
    const lockHash = createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex");
    const stamp = join(root, "node_modules/.paybridge-lock");
    if (existsSync(stamp) && readFileSync(stamp, "utf8") === lockHash) return;
    sh("npm", ["ci", "--no-audit", "--no-fund"]);
    writeFileSync(stamp, lockHash);
  });
  const apt = [];
  if (browsers && !existsSync("/usr/bin/chromium")) apt.push("chromium");
  if (bench && !existsSync("/usr/bin/wrk")) apt.push("wrk");
  if (apt.length) {
    step(`apt-get install ${apt.join(" ")}`, () => {
      const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      const run = (args) => {
        const r = spawnSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), { stdio: "inherit", env });
        if (r.status !== 0) throw new Error(`setup: ${args.join(" ")} failed`);
      };
      run(["apt-get", "update", "-q"]);
      run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...apt]);
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    setup({ bench: process.argv.includes("--bench") });
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
