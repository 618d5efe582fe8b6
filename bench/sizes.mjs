// Bundle sizes: the worker (wasm + JS glue) and the SDK (wasm + minified glue) beside the
// npm QR libraries bundled and minified with esbuild, each raw, gzip -9 and brotli. The SDK
// is what a page downloads first (the client: its wasm and paybridge.js with its glue);
// checkout() and resume() load their module on first use, measured apart (checkout.js,
// minified, and its wasm).
import { buildSync } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export function measure(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function add(a, b) {
  return { raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli };
}

/** Minified bundle of an entry's code (npm package or our glue); `external` paths stay
 * imports (the SDK's lazily loaded checkout.js). */
export function bundle(contents, resolveDir, format = "esm", external = []) {
  const out = buildSync({ stdin: { contents, resolveDir, loader: "js" }, bundle: true, minify: true, format, write: false, platform: "browser", logLevel: "silent", external });
  return Buffer.from(out.outputFiles[0].contents);
}

export function sizes(root) {
  const worker = [join(root, "edge/build/index.js"), join(root, "edge/entry.js")].reduce((sum, f) => add(sum, measure(readFileSync(f))), measure(readFileSync(join(root, "edge/build/index_bg.wasm"))));
  const sdkDir = join(root, "pkg/dist/web");
  const glue = bundle(`export * from "./paybridge.js"; export { default } from "./paybridge.js";`, sdkDir, "esm", ["./checkout.js"]);
  const sdkWasm = measure(readFileSync(join(sdkDir, "paybridge_wasm_bg.wasm")));
  const sdkGlue = measure(glue);
  const checkoutWasm = measure(readFileSync(join(sdkDir, "paybridge_checkout_bg.wasm")));
  const checkoutJs = measure(bundle(`export * from "./checkout.js";`, sdkDir));
  const qrGen = measure(bundle(`import qrcode from "qrcode-generator"; export function svg(t){const q=qrcode(0,"M");q.addData(t);q.make();return q.createSvgTag();}`, root));
  const qrcode = measure(bundle(`import QRCode from "qrcode"; export function svg(t){return QRCode.toString(t,{type:"svg"});}`, root));
  return { worker, sdk: add(sdkWasm, sdkGlue), sdkWasm, sdkGlue, checkout: add(checkoutWasm, checkoutJs), checkoutWasm, checkoutJs, qrGen, qrcode };
}
