// Builds the worker (edge/ → edge/build) and the SDK (sdk/ → pkg/dist: web, bundler and
// node builds, each with the lazily loaded checkout module; a copy of the web build for the
// demo page in www/sdk/) with cargo and the
// pinned wasm-bindgen CLI alone: no worker-build, no wasm-pack (both were compiled from
// source on a fresh machine for what three commands do).
// Usage: node scripts/build.mjs [worker] [sdk]   (both when none is named)
// A step whose input did not change since the last build is skipped (wrangler runs the
// worker build before every deploy or dry run).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { cargoBin, root, toolEnv } from "./tools.mjs";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: toolEnv(), cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const WASM_FEATURES = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", "--enable-exception-handling"];
const wasmOpt = join(root, "node_modules/.bin/wasm-opt");
const wasmBindgen = join(cargoBin, "wasm-bindgen");
const target = (crate) => join(root, "target/wasm32-unknown-unknown/release", `${crate}.wasm`);
const digest = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Runs `make` unless `stamp` records the same input digest; returns whether it ran. */
function unlessUnchanged(stamp, input, make) {
  const key = digest(input);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === key) return false;
  make();
  writeFileSync(stamp, key);
  return true;
}

export function buildWorker() {
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "payworker", "--lib"]);
  const out = join(root, "edge/build");
  mkdirSync(out, { recursive: true });
  unlessUnchanged(join(out, ".source"), target("payworker"), () => {
    const glue = join(root, "target/edge-glue");
    rmSync(glue, { recursive: true, force: true });
    // The worker crate's panic recovery: a trapped instance is replaced (edge/entry.js).
    run(wasmBindgen, [target("payworker"), "--out-dir", glue, "--out-name", "index", "--target", "module", "--no-typescript", "--experimental-reset-state-function", "--force-enable-abort-handler"]);
    // One module for the glue and its inline snippets; the wasm stays a module of its own
    // (workerd compiles it once). `import source` is what wrangler and Miniflare load as
    // a plain wasm import.
    writeFileSync(join(glue, "index.js"), readFileSync(join(glue, "index.js"), "utf8").replace("import source wasmModule", "import wasmModule"));
    buildSync({ entryPoints: [join(glue, "index.js")], bundle: true, format: "esm", external: ["./index_bg.wasm", "cloudflare:*"], outfile: join(out, "index.js"), logLevel: "warning" });
    run(wasmOpt, [join(glue, "index_bg.wasm"), "-O", "--strip-debug", "--strip-producers", ...WASM_FEATURES, "-o", join(out, "index_bg.wasm")]);
  });
}

// The package's entry per target: the JavaScript shell (sdk/js/paybridge.js) over the
// wasm-bindgen glue (paybridge_wasm.js), plus what that target adds.
const TARGET_EXPORTS = {
  web: "",
  bundler: "",
  nodejs: 'export { verifyWebhook } from "./paybridge_wasm.js";\n',
};

/** Renames the wasm's imports and exports to one or two letters (wasm-opt's
 * minify pass) and the glue with them: the hashed wasm-bindgen names appear in the wasm and
 * in the JavaScript, and are most of what the page downloads for the glue. The web build's
 * import module is renamed too; the bundler build keeps it (bundlers resolve it). `glue`:
 * the glue's name (paybridge_wasm, or paybridge_checkout for the checkout module). */
function minifyNames(out, renameModules, glue = "paybridge_wasm") {
  const bg = join(out, `${glue}_bg.wasm`);
  const pass = renameModules ? "--minify-imports-and-exports-and-modules" : "--minify-imports-and-exports";
  const r = spawnSync(wasmOpt, [bg, pass, ...WASM_FEATURES.slice(0, -1), "-o", bg], { env: toolEnv(), cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build: wasm-opt ${pass} failed: ${r.stderr}`);
  const map = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  // The (one) import module's new name, read from the module itself (the map omits it).
  const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(bg))).map((i) => i.module));
  const [oldModule] = new Set(map.imports.map(([module]) => module));
  if (modules.size !== 1) throw new Error(`build: expected one wasm import module, found ${[...modules]}`);
  for (const file of [`${glue}.js`, `${glue}_bg.js`].map((f) => join(out, f)).filter(existsSync)) {
    let js = readFileSync(file, "utf8");
    // Import names are hashed or __wbindgen_-prefixed: unique wherever they appear.
    for (const [, name, short] of map.imports) js = js.replace(new RegExp(`\\b${name}\\b`, "g"), short);
    if (renameModules) js = js.replaceAll(`"${oldModule}": import0`, `"${[...modules][0]}": import0`);
    for (const [name, short] of map.exports) js = js.replace(new RegExp(`\\bwasm\\.${name}\\b`, "g"), `wasm.${short}`);
    writeFileSync(file, js);
  }
}

function bindSdk(wasm, targetName, out, name = "paybridge_wasm") {
  if (name === "paybridge_wasm") rmSync(out, { recursive: true, force: true });
  // The checkout module is internal to the package: no types of its own.
  run(wasmBindgen, [wasm, "--out-dir", out, "--out-name", name, "--target", targetName, ...(name === "paybridge_wasm" ? [] : ["--no-typescript"])]);
  // -Oz to a fixed point; Rust's data and stack start at 1 MiB, so the low 1 KiB is unused
  // (lets wasm-opt fold constant addresses into offsets). About 300 B of gzip.
  const bg = join(out, `${name}_bg.wasm`);
  run(wasmOpt, [bg, "-Oz", "--converge", "--low-memory-unused", "--strip-debug", "--strip-producers", ...WASM_FEATURES.slice(0, -1), "-o", bg]);
  if (targetName !== "nodejs") minifyNames(out, targetName === "web", name);
  if (name !== "paybridge_wasm") return;
  // wasm-bindgen's classes declare [Symbol.dispose]; this makes the .d.ts check under any
  // consumer `lib` setting (TypeScript >= 5.2) instead of only with lib esnext.
  const glueTypes = join(out, "paybridge_wasm.d.ts");
  writeFileSync(glueTypes, `/// <reference lib="esnext.disposable" />\n${readFileSync(glueTypes, "utf8")}`);
}

/** checkout()/resume()'s lazily loaded module next to a browser build's entry: the shell
 * (sdk/js/checkout.js) over its own wasm (the sdk crate built with the feature `checkout`).
 * The web build gets it as one file (the shell and its glue bundled: one request before the
 * wasm); the bundler build as the shell and the glue (the consumer's bundler splits it). */
function addCheckout(wasm, targetName, out) {
  bindSdk(wasm, targetName, out, "paybridge_checkout");
  const shell = join(root, "sdk/js/checkout.js");
  if (targetName === "bundler") return cpSync(shell, join(out, "checkout.js"));
  const glue = join(out, "paybridge_checkout.js");
  // esbuild keeps `new URL("paybridge_checkout_bg.wasm", import.meta.url)`: the wasm beside it.
  buildSync({ stdin: { contents: readFileSync(shell, "utf8"), resolveDir: out, sourcefile: "checkout.js", loader: "js" }, bundle: true, format: "esm", write: true, outfile: join(out, "checkout.js"), allowOverwrite: true, logLevel: "warning" });
  rmSync(glue);
}

/** The Node build (the merchant's backend) has no page to pay on: its checkout()/resume()
 * reject with -3. */
const NODE_CHECKOUT = `export function run(client, options, resume, { PayError }) {
  throw new PayError(-3, "checkout() and resume() run in a browser");
}
`;

export function buildSdk() {
  // web and bundler: the checkout page's client. nodejs: the merchant's backend, with
  // verifyWebhook (feature `webhook`), CommonJS that plain Node loads with no flags.
  const shell = readFileSync(join(root, "sdk/js/paybridge.js"), "utf8");
  const shellTypes = readFileSync(join(root, "sdk/js/paybridge.d.ts"), "utf8");
  const browserWasm = join(root, "target/sdk-browser.wasm");
  const checkoutWasm = join(root, "target/sdk-checkout.wasm");
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "paysdk", "--lib"]);
  cpSync(target("paysdk"), browserWasm);
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "paysdk", "--lib", "--features", "checkout"]);
  cpSync(target("paysdk"), checkoutWasm);
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "paysdk", "--lib", "--features", "webhook"]);
  for (const targetName of ["web", "bundler", "nodejs"]) {
    const out = join(root, "pkg", { web: "dist/web", bundler: "dist/bundler", nodejs: "dist/node" }[targetName]);
    bindSdk(targetName === "nodejs" ? target("paysdk") : browserWasm, targetName, out);
    const entry = shell + TARGET_EXPORTS[targetName];
    if (targetName === "nodejs") {
      // The package is "type": "module"; the Node build is CommonJS: the shell and the glue
      // bundled into one CommonJS file that loads the wasm next to it.
      const glue = join(out, "paybridge_wasm.js");
      writeFileSync(join(out, "package.json"), '{ "type": "commonjs" }\n');
      writeFileSync(join(out, "checkout.js"), NODE_CHECKOUT);
      const bundled = buildSync({ stdin: { contents: entry, resolveDir: out, loader: "js" }, bundle: true, format: "cjs", platform: "node", target: "node18", write: false, logLevel: "silent" });
      writeFileSync(join(out, "paybridge.js"), bundled.outputFiles[0].text);
      rmSync(glue);
      rmSync(join(out, "checkout.js"));
      writeFileSync(join(out, "paybridge.d.ts"), shellTypes);
    } else {
      writeFileSync(join(out, "paybridge.js"), entry);
      writeFileSync(join(out, "paybridge.d.ts"), shellTypes);
      addCheckout(checkoutWasm, targetName, out);
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
}
