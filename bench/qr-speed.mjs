// QR generation speed: microseconds per SVG of a 40-character URL, the SDK's renderQr beside
// qrcode-generator and qrcode, in Node and in Chromium. Each runs warm, best of 5 rounds.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export const TEXT = "weixin://wxpay/bizpayurl?pr=D7TOzCi4xYzA"; // 40 characters
if (TEXT.length !== 40) throw new Error("the benchmark text must be 40 characters");

/** The timing loop, as source, so Node and Chromium run the same code. */
export const TIMER = `(fns, text, iterations) => {
  const out = {};
  for (const [name, fn] of Object.entries(fns)) {
    for (let i = 0; i < 200; i++) fn(text);
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const t = performance.now();
      for (let i = 0; i < iterations; i++) fn(text);
      best = Math.min(best, (performance.now() - t) * 1000 / iterations);
    }
    out[name] = best;
  }
  return out;
}`;

/** The three generators, as source, built from the loaded libraries in either runtime. */
export const GENERATORS = `({ renderQr, qrcodeGenerator, QRCode, svgTag }) => ({
  sdk: (t) => renderQr(t),
  "qrcode-generator": (t) => {
    const q = qrcodeGenerator(0, "M");
    q.addData(t);
    q.make();
    return q.createSvgTag();
  },
  qrcode: (t) => svgTag.render(QRCode.create(t, { errorCorrectionLevel: "M" }), {}),
})`;

export async function nodeSpeeds(root, iterations = 2000) {
  const sdk = await import(join(root, "pkg/dist/web/paybridge.js"));
  sdk.initSync({ module: readFileSync(join(root, "pkg/dist/web/paybridge_wasm_bg.wasm")) });
  const require = createRequire(join(root, "package.json"));
  const qrcodeGenerator = require("qrcode-generator");
  const svgTag = require("qrcode/lib/renderer/svg-tag.js");
  const QRCode = require("qrcode");
  const fns = eval(GENERATORS)({ renderQr: sdk.renderQr, qrcodeGenerator, QRCode, svgTag });
  // Every library must encode the same text, or the comparison is meaningless.
  for (const fn of Object.values(fns)) if (!fn(TEXT).includes("<svg")) throw new Error("not an SVG");
  const timer = eval(TIMER);
  return timer(fns, TEXT, iterations);
}

/** The same loop in Debian's Chromium, on a loopback page serving the three builds. */
export async function chromiumSpeeds(root, iterations = 2000) {
  const { createServer } = await import("node:http");
  const { bundle } = await import("./sizes.mjs");
  const { launch } = await import("../tests/browser/chromium.mjs");
  const libs = bundle(
    `import qrcodeGenerator from "qrcode-generator"; import QRCode from "qrcode"; import svgTag from "qrcode/lib/renderer/svg-tag.js";
     window.qrLibs = { qrcodeGenerator, QRCode, svgTag };`,
    root,
    "iife",
  );
  const files = {
    "/": ["text/html", `<!doctype html><script type="module">import init, { renderQr } from "/sdk/paybridge.js"; await init(); window.renderQr = renderQr; document.body.dataset.ready = "1";</script><script src="/libs.js"></script>`],
    "/libs.js": ["text/javascript", libs],
    "/sdk/paybridge.js": ["text/javascript", readFileSync(join(root, "pkg/dist/web/paybridge.js"))],
    "/sdk/paybridge_wasm.js": ["text/javascript", readFileSync(join(root, "pkg/dist/web/paybridge_wasm.js"))],
    "/sdk/paybridge_wasm_bg.wasm": ["application/wasm", readFileSync(join(root, "pkg/dist/web/paybridge_wasm_bg.wasm"))],
  };
  const server = createServer((req, res) => {
    const f = files[req.url];
    res.writeHead(f ? 200 : 404, { "content-type": f?.[0] ?? "text/plain" });
    res.end(f?.[1] ?? "");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForSelector("body[data-ready='1']", { state: "attached" });
    return await page.evaluate(
      ([timer, generators, text, n]) => {
        const fns = (0, eval)(generators)({ renderQr: window.renderQr, ...window.qrLibs });
        return (0, eval)(timer)(fns, text, n);
      },
      [TIMER, GENERATORS, TEXT, iterations],
    );
  } finally {
    await browser.close();
    server.close();
  }
}
