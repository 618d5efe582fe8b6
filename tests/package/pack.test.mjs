// `npm pack` of pkg/ publishes exactly the files pkg/package.json lists (with the LICENSE)
// and installs into a strict TypeScript project that type-checks.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "paybridge-pack-"));
after(() => rmSync(work, { recursive: true, force: true }));

describe("the npm package", () => {
  let tarball;
  let packed; // npm pack's --json report: what `npm publish` would upload

  it("packs the web and bundler builds with their types", () => {
    const out = execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", work, "--json"], { encoding: "utf8" });
    const [info] = JSON.parse(out);
    packed = info;
    tarball = join(work, info.filename);
    const files = info.files.map((f) => f.path).sort();
    for (const f of ["dist/web/paybridge.js", "dist/web/paybridge.d.ts", "dist/web/paybridge_wasm.js", "dist/web/paybridge_wasm_bg.wasm", "dist/bundler/paybridge.js", "dist/bundler/paybridge_wasm.js", "dist/bundler/paybridge_wasm_bg.js", "dist/bundler/paybridge_wasm_bg.wasm", "dist/node/paybridge.js", "dist/node/paybridge_wasm_bg.wasm", "dist/bundler/paybridge.d.ts", "package.json", "README.md"]) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!files.some((f) => f.endsWith(".gitignore") || f.includes("snippets/../")));
  });

  it("publishes exactly the listed files, the README and the MIT LICENSE, and nothing else", () => {
    // The tarball's list, as `npm pack --dry-run --json` in pkg/ prints it.
    const info = packed;
    const files = info.files.map((f) => f.path).sort();
    const manifest = JSON.parse(readFileSync(join(root, "pkg/package.json"), "utf8"));
    // npm adds package.json itself; every other file is one that "files" names, so a build
    // output that is missing (npm skips it silently) or extra (source maps, a .gitignore,
    // tests, wasm-bindgen's snippets) fails here.
    assert.deepEqual(files, [...manifest.files, "package.json"].sort());
    assert.ok(!files.some((f) => /\.map$|(^|\/)\.gitignore$|(^|\/)tests?\//.test(f)));
    assert.equal(manifest.license, "MIT");
    assert.equal(readFileSync(join(root, "pkg/LICENSE"), "utf8"), readFileSync(join(root, "LICENSE"), "utf8"), "pkg/LICENSE is the repository's");
    assert.match(readFileSync(join(root, "LICENSE"), "utf8"), /^MIT License\n\nCopyright \(c\) 2026 the paybridge authors\n/);
    console.log(`npm pack: ${info.entryCount} files, ${info.size} B packed (${(info.size / 1024).toFixed(1)} KiB), ${info.unpackedSize} B unpacked`);
  });

  it("installs into a strict TypeScript project that type-checks", () => {
    const app = join(work, "app");
    cpSync(join(import.meta.dirname, "consumer.ts"), join(app, "consumer.ts"), { recursive: true });
    cpSync(join(import.meta.dirname, "tsconfig.json"), join(app, "tsconfig.json"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "strict-checkout", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: app, stdio: "pipe" });
    assert.ok(existsSync(join(app, "node_modules/paybridge-sdk/dist/web/paybridge_wasm_bg.wasm")));
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    try {
      execFileSync(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
    }
  });

  it("fails the same project when a typed call is wrong", () => {
    const app = join(work, "app");
    writeFileSync(join(app, "consumer.ts"), `import { PayClient } from "paybridge-sdk";\nexport const p = new PayClient({ endpoint: "x" }).pay({ orderNo: 1, type: 1 });\n`);
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    let failed = false;
    try {
      execFileSync(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], { stdio: "pipe" });
    } catch (e) {
      failed = true;
      assert.match(String(e.stdout), /consumer\.ts\(2,\d+\): error TS2322/);
      assert.doesNotMatch(String(e.stdout), /node_modules/, "the package's own types are clean");
    }
    assert.ok(failed, "a number orderNo must not type-check");
    assert.ok(readdirSync(work).some((f) => f.endsWith(".tgz")));
  });
});
