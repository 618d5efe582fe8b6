// Builds the worker (edge/ → edge/build with worker-build) and the SDK (sdk/ → pkg/ with
// wasm-pack, web and bundler targets; a copy for the demo page in www/sdk/).
// Usage: node scripts/build.mjs [worker] [sdk]   (both when none is named)
// Every tool comes from this machine (see scripts/setup.mjs); nothing is downloaded.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { toolEnv } from "./tools.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: toolEnv(), cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const WASM_FEATURES = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"];

export function buildWorker() {
  run("worker-build", ["--release"], { cwd: join(root, "edge") });
  // worker-build keeps the name section (about 100 KB); the bundle ships without it.
  const wasm = join(root, "edge/build/index_bg.wasm");
  run(join(root, "node_modules/.bin/wasm-opt"), [wasm, "--strip-debug", "--strip-producers", ...WASM_FEATURES, "-o", wasm]);
}

// The package's entry per target: the JavaScript shell (sdk/js/paybridge.js) over the
// wasm-bindgen glue (paybridge_wasm.js), plus what that target adds.
const TARGET_EXPORTS = {
  web: 'export { default, initSync } from "./paybridge_wasm.js";\n',
  bundler: "",
  nodejs: 'export { verifyWebhook } from "./paybridge_wasm.js";\n',
};

export function buildSdk() {
  // web and bundler: the checkout page's client. nodejs: the merchant's backend, with
  // verifyWebhook (feature `webhook`), CommonJS that plain Node loads with no flags.
  const shell = readFileSync(join(root, "sdk/js/paybridge.js"), "utf8");
  const shellTypes = readFileSync(join(root, "sdk/js/paybridge.d.ts"), "utf8");
  for (const target of ["web", "bundler", "nodejs"]) {
    const out = join(root, "pkg", { web: "dist/web", bundler: "dist/bundler", nodejs: "dist/node" }[target]);
    rmSync(out, { recursive: true, force: true });
    const features = target === "nodejs" ? ["--", "--features", "webhook"] : [];
    run("wasm-pack", ["build", "sdk", "--release", "--mode", "no-install", "--target", target, "--out-dir", out, "--out-name", "paybridge_wasm", ...features]);
    // -Oz to a fixed point; Rust's data and stack start at 1 MiB, so the low 1 KiB is unused
    // (lets wasm-opt fold constant addresses into offsets). About 300 B of gzip.
    run(join(root, "node_modules/.bin/wasm-opt"), [join(out, "paybridge_wasm_bg.wasm"), "-Oz", "--converge", "--low-memory-unused", "--strip-debug", "--strip-producers", ...WASM_FEATURES, "-o", join(out, "paybridge_wasm_bg.wasm")]);
    for (const extra of ["package.json", ".gitignore", "README.md"]) rmSync(join(out, extra), { force: true });
    // wasm-bindgen's classes declare [Symbol.dispose]; this makes the .d.ts check under any
    // consumer `lib` setting (TypeScript >= 5.2) instead of only with lib esnext.
    const glueTypes = join(out, "paybridge_wasm.d.ts");
    writeFileSync(glueTypes, `/// <reference lib="esnext.disposable" />\n${readFileSync(glueTypes, "utf8")}`);
    const entry = shell + TARGET_EXPORTS[target];
    if (target === "nodejs") {
      // The package is "type": "module"; the Node build is CommonJS: the shell and the glue
      // bundled into one CommonJS file that loads the wasm next to it.
      const glue = join(out, "paybridge_wasm.js");
      writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
      const bundled = buildSync({ stdin: { contents: entry, resolveDir: out, loader: "js" }, bundle: true, format: "cjs", platform: "node", target: "node18", write: false, logLevel: "silent" });
      writeFileSync(join(out, "paybridge.js"), bundled.outputFiles[0].text);
      rmSync(glue);
      writeFileSync(join(out, "paybridge.d.ts"), shellTypes);
    } else {
      writeFileSync(join(out, "paybridge.js"), entry);
      writeFileSync(join(out, "paybridge.d.ts"), target === "web" ? `${shellTypes}export { default, initSync } from "./paybridge_wasm.js";\n` : shellTypes);
    }
  }
  const demo = join(root, "www/sdk");
  rmSync(demo, { recursive: true, force: true });
  mkdirSync(demo, { recursive: true });
  cpSync(join(root, "pkg/dist/web"), demo, { recursive: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const what = process.argv.slice(2);
  if (what.length === 0 || what.includes("worker")) buildWorker();
  if (what.length === 0 || what.includes("sdk")) buildSdk();
  if (!existsSync(join(root, "edge/build/index.js")) && (what.length === 0 || what.includes("worker"))) {
    console.error("build: edge/build/index.js is missing");
    process.exit(1);
  }
}
