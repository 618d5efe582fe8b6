// Fuzzes the core's parsers and verifiers with cargo fuzz (libFuzzer + AddressSanitizer).
//   node scripts/fuzz.mjs --short          5 s per target (part of npm test: a smoke run
//                                          over the seeds and the kept corpus)
//   node scripts/fuzz.mjs --seconds 3600   an hour per target
//   node scripts/fuzz.mjs wechat_xml ...   only some targets
//   node scripts/fuzz.mjs --build-only     installs cargo-fuzz and builds the targets (npm
//                                          test does this while the workerd suites run)
// The stable toolchain runs cargo fuzz through RUSTC_BOOTSTRAP=1 (cargo fuzz passes -Z
// flags). Seeds live in fuzz/seeds/<target>; findings in fuzz/artifacts/<target>.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_PROFILE, cargoBin, root, toolEnv } from "./tools.mjs";

const TARGETS = ["wechat_xml", "alipay_form", "command_json", "wechat_notify", "alipay_notify", "openapi_and_v3", "bill_wechat", "bill_alipay", "bill_zip"];
const args = process.argv.slice(2);
const secondsArg = args.indexOf("--seconds");
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : args.includes("--short") ? 5 : 300;
const chosen = args.filter((a) => TARGETS.includes(a));
const targets = chosen.length ? chosen : TARGETS;
const fuzzDir = join(root, "fuzz");
const env = toolEnv({ RUSTC_BOOTSTRAP: "1", CARGO_TARGET_DIR: join(fuzzDir, "target") });

if (!existsSync(join(cargoBin, "cargo-fuzz"))) {
  const r = spawnSync("cargo", ["install", "cargo-fuzz", "--version", "0.13.2", "--locked"], { stdio: "inherit", env: toolEnv({ CARGO_TARGET_DIR: join(root, "target/tool-install"), ...INSTALL_PROFILE }) });
  if (r.status !== 0) {
    console.log("fuzz: cargo-fuzz FAILED to install");
    process.exit(1);
  }
}
const build = spawnSync("cargo", ["fuzz", "build", "-O"], { cwd: fuzzDir, stdio: "inherit", env });
if (build.status !== 0) {
  console.log("fuzz: build FAILED");
  process.exit(1);
}
if (args.includes("--build-only")) process.exit(0);
let failed = 0;
for (const target of targets) {
  const corpus = join(fuzzDir, "corpus", target);
  mkdirSync(corpus, { recursive: true });
  const r = spawnSync("cargo", ["fuzz", "run", "-O", target, corpus, join(fuzzDir, "seeds", target), "--", `-max_total_time=${seconds}`, "-max_len=4096", "-print_final_stats=1"], { cwd: fuzzDir, env, encoding: "utf8" });
  const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(r.stderr)?.[1] ?? "?";
  const artifacts = existsSync(join(fuzzDir, "artifacts", target)) ? readdirSync(join(fuzzDir, "artifacts", target)) : [];
  if (r.status === 0) {
    console.log(`fuzz: ${target} ok (${runs} runs in ${seconds} s, corpus ${readdirSync(corpus).length})`);
  } else {
    failed++;
    console.log(r.stderr.split("\n").slice(-40).join("\n"));
    // CI's clone is thrown away: print each finding so it can be recreated from the log with
    // `echo <base64> | base64 -d > crash && cargo fuzz run <target> crash`.
    for (const a of artifacts) console.log(`fuzz: ${target} finding ${a} (base64): ${readFileSync(join(fuzzDir, "artifacts", target, a)).toString("base64")}`);
    console.log(`fuzz: ${target} FAILED (artifacts: ${artifacts.map((a) => `fuzz/artifacts/${target}/${a}`).join(" ")})`);
  }
}
process.exit(failed ? 1 : 0);
