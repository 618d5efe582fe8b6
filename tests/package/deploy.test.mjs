// What `npx wrangler deploy` would upload, checked offline before anyone deploys: the
// checkout's own `wrangler deploy --dry-run` (which runs wrangler.toml's [build] command
// first), measured against Cloudflare's limits, started under workerd, and compared with
// wrangler.toml's bindings and migrations.
//
// Cloudflare's limits (https://developers.cloudflare.com/workers/platform/limits/):
// - Worker size: 64 MiB uncompressed, on every plan. The compressed limits (3 MB free,
//   10 MB paid, after gzip) were removed on 2026-09-04
//   (https://developers.cloudflare.com/changelog/post/2026-09-04-increased-worker-size-limit/,
//   cloudflare/workers-sdk#14001: wrangler's "Total Upload" report, 4.164 included, compares
//   the uncompressed size with 64 MiB). The old free-plan figure, 3 MiB of gzip, stays here
//   as this worker's budget: about nine times what the worker takes today, and a worker
//   under it deploys under either rule.
// - Worker startup time: 1 second to parse and run the global scope (400 ms until
//   2025-10-10: https://developers.cloudflare.com/changelog/2025-10-10-increased-startup-time).
//   Cloudflare measures it at upload and refuses the deploy; offline we can only measure
//   locally (wrangler check startup, a workerd CPU profile of the global scope).
// - Static assets: 20,000 files per version on the free plan, 25 MiB per file.
// - Source maps, which wrangler uploads by default since 4.150: 15 MB gzipped; they do not
//   count towards the Worker size.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { gzipSync } from "node:zlib";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { node22, root, toolEnv, wranglerJs } from "../../scripts/tools.mjs";

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMITS = {
  workerBytes: 64 * MiB, // uncompressed, every plan
  gzipBudget: 3 * MiB, // the former free-plan limit (after gzip), kept as a budget
  startupMs: 1000,
  assetFiles: 20_000,
  assetFileBytes: 25 * MiB,
  sourceMapGzipBytes: 15 * 1000 * 1000,
};

const work = mkdtempSync(join(tmpdir(), "paybridge-deploy-"));
const outdir = join(work, "out");
const bundleFile = join(work, "worker.bundle");
after(() => rmSync(work, { recursive: true, force: true }));

const mib = (n) => `${(n / MiB).toFixed(2)} MiB`;
const kib = (n) => `${(n / KiB).toFixed(2)} KiB`;
const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/** Runs wrangler with Node 22, offline (no metrics, no cf.json); returns what it printed. */
function wrangler(args, env = {}) {
  const r = spawnSync(node22, [wranglerJs, ...args], {
    cwd: root,
    // WRANGLER_LOG=log: toolEnv's default (warn) hides the "Total Upload" line.
    env: toolEnv({ WRANGLER_LOG: "log", FORCE_COLOR: "0", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * MiB,
    timeout: 15 * 60_000,
  });
  const output = stripVTControlCharacters(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  assert.equal(r.status, 0, `wrangler ${args.join(" ")} failed (${r.status ?? r.signal}):\n${output}`);
  return output;
}

/** wrangler.toml as wrangler itself reads it (its own parser and validation), in Node 22. */
function readConfig(configPath) {
  const script = `import { unstable_readConfig } from "wrangler";
const c = unstable_readConfig({ config: ${JSON.stringify(configPath)} });
process.stdout.write(JSON.stringify({ build: c.build, compatibility_date: c.compatibility_date, migrations: c.migrations, durable_objects: c.durable_objects, kv_namespaces: c.kv_namespaces, mtls_certificates: c.mtls_certificates }));`;
  const r = spawnSync(node22, ["--input-type=module", "-e", script], { cwd: root, env: toolEnv(), encoding: "utf8" });
  assert.equal(r.status, 0, `reading ${configPath} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The multipart upload body `--outfile` writes: metadata plus one part per module. */
async function readUpload(path) {
  const bytes = readFileSync(path);
  const boundary = bytes.subarray(2, bytes.indexOf(10)).toString().trim();
  const form = await new Response(bytes, { headers: { "content-type": `multipart/form-data; boundary=${boundary}` } }).formData();
  const parts = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") parts.push({ name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
  }
  return { metadata: JSON.parse(form.get("metadata")), parts };
}

/** The names a module's `export { … }` statements export. */
function exportedNames(source) {
  const names = [];
  for (const m of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const spec of m[1].split(",").map((s) => s.trim()).filter(Boolean)) names.push(spec.split(/\s+as\s+/).pop());
  }
  return names;
}

let dry; // what the dry run printed, wrote and would upload

before(async () => {
  const events = join(work, "wrangler-output.ndjson");
  const t = Date.now();
  const output = wrangler(["deploy", "--dry-run", "--outdir", outdir, "--outfile", bundleFile], { WRANGLER_OUTPUT_FILE_PATH: events });
  const seconds = ((Date.now() - t) / 1000).toFixed(1);
  const report = readFileSync(events, "utf8").trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.type === "deploy");
  const files = readdirSync(outdir);
  // The modules are what is uploaded; the source map goes beside them, README.md is wrangler's note.
  const modules = files.filter((f) => !f.endsWith(".map") && f !== "README.md").map((name) => ({ name, bytes: readFileSync(join(outdir, name)) }));
  const upload = await readUpload(bundleFile);
  const config = readConfig(join(root, "wrangler.toml"));
  dry = { output, seconds, report, files, modules, upload, config };
  console.log(`wrangler deploy --dry-run: ${seconds} s; wrote ${files.join(", ")}`);
});

describe("wrangler deploy --dry-run on the checkout", () => {
  it("runs wrangler.toml's [build] command first and stops before uploading", () => {
    const ran = /^\[custom build\] Running: (.+)$/m.exec(dry.output);
    assert.ok(ran, `no [custom build] line in:\n${dry.output}`);
    assert.equal(ran[1].trim(), dry.config.build.command);
    assert.match(dry.output, /^--dry-run: exiting now\.$/m);
  });

  it("uploads less than Cloudflare's Worker size limit", () => {
    const printed = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(dry.output);
    assert.ok(printed, `no Total Upload line in:\n${dry.output}`);
    const { raw_bytes: raw, gzip_bytes: gzip } = dry.report.bundle_size;
    // What it printed, what it reported and what it wrote agree.
    assert.equal(printed[1], (raw / KiB).toFixed(2));
    assert.equal(printed[2], (gzip / KiB).toFixed(2));
    const written = dry.modules.reduce((a, m) => a + m.bytes.length, 0);
    assert.equal(written, raw, "the modules in --outdir are the upload");
    const uploaded = dry.upload.parts.filter((p) => p.type !== "application/source-map");
    assert.deepEqual(uploaded.map((p) => p.bytes.length).sort(), dry.modules.map((m) => m.bytes.length).sort());
    // wrangler gzips the modules in its own order; ours differs by a few hundred bytes.
    const ourGzip = gzipSync(Buffer.concat(dry.modules.map((m) => m.bytes))).length;
    assert.ok(Math.abs(ourGzip - gzip) < gzip * 0.01, `gzip ${ourGzip} vs wrangler's ${gzip}`);

    assert.ok(raw < LIMITS.workerBytes, `${mib(raw)} uncompressed is over Cloudflare's ${mib(LIMITS.workerBytes)}`);
    assert.ok(gzip < LIMITS.gzipBudget, `${mib(gzip)} of gzip is over the ${mib(LIMITS.gzipBudget)} budget`);
    for (const map of dry.upload.parts.filter((p) => p.type === "application/source-map")) {
      assert.ok(gzipSync(map.bytes).length < LIMITS.sourceMapGzipBytes, `${map.name} is over the source map limit`);
    }
    console.log(`upload: ${kib(raw)} (${raw} B; ${((100 * raw) / LIMITS.workerBytes).toFixed(1)} % of 64 MiB) / gzip: ${kib(gzip)} (${gzip} B; ${((100 * gzip) / LIMITS.gzipBudget).toFixed(1)} % of the 3 MiB budget)`);
  });

  it("uploads the demo page's assets within the asset limits", () => {
    const read = /Read (\d+) files? from the assets directory/.exec(dry.output);
    assert.ok(read, "the dry run read the [assets] directory");
    const count = Number(read[1]);
    assert.ok(count > 0 && count < LIMITS.assetFiles, `${count} asset files`);
    let largest = 0;
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else largest = Math.max(largest, statSync(join(dir, e.name)).size);
      }
    };
    walk(join(root, "www"));
    assert.ok(largest < LIMITS.assetFileBytes, `an asset of ${mib(largest)}`);
    console.log(`assets: ${count} files, the largest ${kib(largest)}`);
  });

  it("bundles the Rust worker's wasm and exports the Durable Object class", () => {
    const wasm = dry.modules.filter((m) => m.name.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `one wasm module in ${dry.files.join(", ")}`);
    assert.equal(sha256(wasm[0].bytes), sha256(readFileSync(join(root, "edge/build/index_bg.wasm"))), "the wasm is edge/build's");
    assert.ok(dry.upload.parts.some((p) => p.type === "application/wasm" && p.bytes.equals(wasm[0].bytes)), "uploaded as a wasm module");

    const { metadata } = dry.upload;
    const entry = dry.modules.find((m) => m.name === metadata.main_module);
    assert.ok(entry, `the main module ${metadata.main_module} is in the output`);
    const source = entry.bytes.toString("utf8");
    assert.ok(source.includes(`from "./${wasm[0].name}"`), "the entry imports the wasm module");
    const exported = exportedNames(source);
    assert.ok(exported.includes("default"), `exports: ${exported}`);
    for (const { class_name } of dry.config.durable_objects.bindings) assert.ok(exported.includes(class_name), `${class_name} is exported (exports: ${exported})`);

    const binding = (type, name) => metadata.bindings.find((b) => b.type === type && b.name === name);
    assert.equal(binding("durable_object_namespace", "ORDER")?.class_name, "OrderObject");
    assert.ok(binding("kv_namespace", "ORDERS"), "the ORDERS KV namespace is bound");
    assert.ok(binding("assets", "ASSETS"), "the demo page's assets are bound");
    assert.equal(metadata.compatibility_date, dry.config.compatibility_date);
    // Secrets are not part of an upload, and a deploy keeps those already set.
    assert.ok(!metadata.bindings.some((b) => b.type === "secret_text"));
    assert.ok(metadata.keep_bindings.includes("secret_text"));
  });

  it("creates every bound Durable Object class with wrangler.toml's migrations on the first deploy", () => {
    // A dry run sends no migrations (wrangler asks Cloudflare which tag is deployed); on a
    // Worker without one it uploads all of them, as here (wrangler's getMigrationsToUpload).
    const { migrations } = dry.config;
    const firstDeploy = { new_tag: migrations.at(-1).tag, steps: migrations.map(({ tag: _tag, ...step }) => step) };
    assert.deepEqual(firstDeploy, { new_tag: "v2", steps: [{ new_sqlite_classes: ["OrderObject"] }, { new_sqlite_classes: ["ReconObject"] }] });
    const created = new Set(migrations.flatMap((m) => m.new_sqlite_classes ?? []));
    for (const m of migrations) for (const gone of m.deleted_classes ?? []) created.delete(gone);
    const exported = exportedNames(dry.modules.find((m) => m.name === dry.upload.metadata.main_module).bytes.toString("utf8"));
    for (const { name, class_name } of dry.config.durable_objects.bindings) {
      assert.ok(created.has(class_name), `${name}'s class ${class_name} is created (SQLite-backed) by a migration`);
    }
    for (const c of created) assert.ok(exported.includes(c), `migrated class ${c} is exported`);
  });

  it("accepts the mTLS binding for WeChat v2 refunds as wrangler.toml documents it", () => {
    // The block is commented out until the merchant uploads the certificate; uncommented
    // with an id it must be a valid WECHAT_CERT binding (the name the worker looks up).
    const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
    assert.match(toml, /^# \[\[mtls_certificates\]\]\n# binding = "WECHAT_CERT"\n# certificate_id = /m);
    const enabled = toml
      .replace(/^# \[\[mtls_certificates\]\]$/m, "[[mtls_certificates]]")
      .replace(/^# binding = "WECHAT_CERT"$/m, 'binding = "WECHAT_CERT"')
      .replace(/^# certificate_id = .*$/m, 'certificate_id = "00000000-0000-0000-0000-000000000000"');
    const path = join(work, "wrangler.mtls.toml");
    writeFileSync(path, enabled);
    assert.deepEqual(readConfig(path).mtls_certificates, [{ binding: "WECHAT_CERT", certificate_id: "00000000-0000-0000-0000-000000000000" }]);
    assert.deepEqual(dry.config.mtls_certificates, [], "not bound until the certificate is uploaded");
  });

  it("starts within the startup limit in a local profile (wrangler check startup)", () => {
    // workerd runs the upload's global scope under the inspector and writes a CPU profile.
    // The bound is Cloudflare's limit, about 40 times what it measures here: a sanity
    // bound, not a timing test; Cloudflare checks the real startup time at deploy.
    const profileFile = join(work, "startup.cpuprofile");
    const output = wrangler(["check", "startup", "--worker", bundleFile, "--outfile", profileFile]);
    const window = /Profile window: ([\d.]+) ms/.exec(output);
    const active = /Active: ([\d.]+) ms/.exec(output);
    assert.ok(window && active, `no startup summary in:\n${output}`);
    const profile = JSON.parse(readFileSync(profileFile, "utf8"));
    const profiledMs = (profile.endTime - profile.startTime) / 1000;
    assert.ok(profile.nodes.some((n) => n.callFrame.url.endsWith(dry.upload.metadata.main_module)), "the profile covers the entry's global scope");
    assert.ok(profiledMs < LIMITS.startupMs, `startup profile ${profiledMs} ms`);
    console.log(`startup (wrangler check startup): profile window ${window[1]} ms, active ${active[1]} ms (Cloudflare's limit: ${LIMITS.startupMs} ms)`);
  });

  it("starts from the dry run's output under workerd and answers from Rust and from the order's object", async () => {
    // Cold start of the exact modules wrangler would upload (not edge/build) to the first
    // answer. Includes starting workerd; about 200 ms here, the bound is 10 s: a sanity
    // bound, not a timing test.
    const modules = dry.modules
      .filter((m) => /\.(m?js|wasm)$/.test(m.name))
      .sort((a, b) => (a.name === dry.upload.metadata.main_module ? -1 : b.name === dry.upload.metadata.main_module ? 1 : 0))
      .map((m) => ({ type: m.name.endsWith(".wasm") ? "CompiledWasm" : "ESModule", path: join(outdir, m.name) }));
    const vars = Object.fromEntries(dry.upload.metadata.bindings.filter((b) => b.type === "plain_text").map((b) => [b.name, b.text]));
    const t0 = performance.now();
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        modulesRoot: outdir,
        modules,
        compatibilityDate: dry.upload.metadata.compatibility_date,
        compatibilityFlags: dry.upload.metadata.compatibility_flags,
        kvNamespaces: ["ORDERS"],
        durableObjects: { ORDER: { className: "OrderObject", useSQLite: true }, RECONCILIATION: { className: "ReconObject", useSQLite: true } },
        r2Buckets: ["BILLS"],
        bindings: vars,
        cf: false, // offline: no request.cf download
      }),
    );
    try {
      const first = await mf.dispatchFetch("http://paybridge.test/api", { method: "POST", body: "{" });
      const firstBody = await first.json();
      const coldMs = performance.now() - t0;
      assert.equal(first.status, 400);
      assert.equal(firstBody.result, -1, JSON.stringify(firstBody));
      const t1 = performance.now();
      const state = await mf.dispatchFetch("http://paybridge.test/api", { method: "POST", body: JSON.stringify({ cmd: "WechatPayState", order_no: "order_0001" }) });
      const stateBody = await state.json();
      const objectMs = performance.now() - t1;
      assert.equal(stateBody.result, -10, JSON.stringify(stateBody)); // the order's object answered: no such order
      assert.ok(coldMs < 10_000, `first answer after ${coldMs} ms`);
      console.log(`startup (workerd via Miniflare, dry-run output): first answer ${coldMs.toFixed(0)} ms after new Miniflare(); first Durable Object answer ${objectMs.toFixed(0)} ms`);
    } finally {
      await mf.dispose();
    }
  });
});
