// The merchant's side of webhooks, as a merchant runs it: `import { verifyWebhook } from
// "paybridge-sdk"` in plain Node (the machine's own node, no flags, no bundler) from the
// packed package, and `paysign webhook`, both checked against signatures made with
// node:crypto (not our code).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "paybridge-webhook-"));
after(() => rmSync(work, { recursive: true, force: true }));

const SECRET = "whsec-merchant-test-0123456789abcdef";
const body = JSON.stringify({ id: "evt_order_0001.1", type: "order.paid", created_at: 1764500000, order_no: "order_0001", data: { state: 1, total_fee: 1990 } });
const sign = (t, payload = body, secret = SECRET) => `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${payload}`).digest("hex")}`;
const now = Math.floor(Date.now() / 1000);

const cases = [
  ["valid", body, sign(now), SECRET, "ok"],
  ["tampered body", body.replace("1990", "1"), sign(now), SECRET, "signature_mismatch"],
  ["wrong secret", body, sign(now), "another-secret-another-secret-0000", "signature_mismatch"],
  ["stale t", body, sign(now - 400), SECRET, "stale_timestamp"],
  ["t from the future", body, sign(now + 400), SECRET, "stale_timestamp"],
  ["missing header", body, "", SECRET, "missing_header"],
  ["malformed header", body, "v1=abc", SECRET, "malformed_header"],
];

describe("verifyWebhook from the packed package in plain Node", () => {
  let app;
  before(() => {
    const out = execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", work, "--json"], { encoding: "utf8" });
    const tarball = join(work, JSON.parse(out)[0].filename);
    app = join(work, "receiver");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "merchant-backend", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: app, stdio: "pipe" });
  });

  it("accepts a genuine event and refuses tampered, wrong-secret, stale and unsigned ones with typed errors", () => {
    writeFileSync(
      join(app, "check.mjs"),
      `import { verifyWebhook } from "paybridge-sdk";
const cases = ${JSON.stringify(cases)};
const out = {};
for (const [name, body, header, secret] of cases) {
  try {
    const event = verifyWebhook(Buffer.from(body), header || undefined, secret);
    out[name] = event.type === "order.paid" && event.data.total_fee === 1990 ? "ok" : "wrong event " + JSON.stringify(event);
  } catch (e) {
    out[name] = e.name === "WebhookVerificationError" ? e.code : "untyped " + e;
  }
}
// The receiver's clock and tolerance can be given.
const t = 1764500000;
try { verifyWebhook(cases[0][1], cases[0][2].replace(/t=\\d+/, "t=" + t), "${SECRET}", { now: t }); } catch (e) { out.clock = e.code; }
console.log(JSON.stringify(out));
`,
    );
    // The machine's own node: whatever version it is (>= 18), no flags.
    const r = spawnSync("node", ["check.mjs"], { cwd: app, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    for (const [name, , , , expected] of cases) assert.equal(got[name], expected, name);
    assert.equal(got.clock, "signature_mismatch", "t is signed: moving it breaks the signature");
    const version = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim();
    console.log(`verifyWebhook in plain node ${version}: ${Object.keys(got).length} cases as expected`);
  });

  it("works from CommonJS too", () => {
    writeFileSync(join(app, "check.cjs"), `const { verifyWebhook } = require("paybridge-sdk");\nconsole.log(verifyWebhook(${JSON.stringify(body)}, ${JSON.stringify(sign(now))}, "${SECRET}").id);\n`);
    const r = spawnSync("node", ["check.cjs"], { cwd: app, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "evt_order_0001.1");
  });
});

describe("paysign webhook", () => {
  // The debug build `cargo test` made (a release build is a minute of LTO for the same code).
  const bin = join(root, "target/debug/paysign");
  before(() => execFileSync("cargo", ["build", "-q", "-p", "paysign"], { cwd: root, stdio: "inherit" }));

  it("signs what node:crypto signs, and refuses the same bad cases (exit 1)", () => {
    const signed = spawnSync(bin, ["webhook", "sign", "--secret", SECRET, "--timestamp", String(now)], { input: body, encoding: "utf8" });
    assert.equal(signed.stdout.trim(), sign(now));
    for (const [name, payload, header, secret, expected] of cases) {
      const args = ["webhook", "verify", "--secret", secret, ...(header ? ["--header", header] : [])];
      const r = spawnSync(bin, args, { input: payload, encoding: "utf8" });
      assert.equal(r.status, expected === "ok" ? 0 : 1, `${name}: ${r.stdout}${r.stderr}`);
      if (expected !== "ok") assert.match(r.stdout, new RegExp(expected), name);
    }
  });
});
