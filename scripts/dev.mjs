// `npm run dev`: installs what is missing, builds the SDK, starts the provider sandbox on
// http://127.0.0.1:8788 and the worker under `wrangler dev` (workerd, local KV bound as
// ORDERS) on http://127.0.0.1:8787, which also serves the demo page from www/.
// Settings come from .dev.vars when present, else .dev.vars.example. Ctrl-C stops both.
// PORT and SANDBOX_PORT move the two servers (the settings follow). `npm run dev -- --v3`
// runs WeChat Pay v3 and Alipay OpenAPI instead of v2 and MAPI (the demo then shows both
// wallets' QR codes side by side).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startSandbox } from "../tests/sandbox/server.mjs";
import { buildSdk } from "./build.mjs";
import { setup } from "./setup.mjs";
import { node22, root, toolEnv, wranglerJs } from "./tools.mjs";

/** Settings for the newer provider APIs (`--v3`). */
export const V3_VARS = { WECHAT_API_VERSION: "v3", ALIPAY_API: "openapi" };

export async function startDev({ quiet = false, persistTo, port = Number(process.env.PORT ?? 8787), sandboxPort = Number(process.env.SANDBOX_PORT ?? 8788), vars = {} } = {}) {
  setup({ browsers: false });
  buildSdk();
  const sandbox = await startSandbox({ port: sandboxPort, quiet, publicBaseUrl: `http://127.0.0.1:${port}` });
  const envFile = existsSync(join(root, ".dev.vars")) ? ".dev.vars" : ".dev.vars.example";
  const args = [wranglerJs, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", "--env-file", envFile];
  if (persistTo) args.push("--persist-to", persistTo);
  if (port !== 8787 || sandboxPort !== 8788) {
    const sb = `http://127.0.0.1:${sandboxPort}`;
    const self = `http://127.0.0.1:${port}`;
    for (const [k, v] of Object.entries({ WECHAT_API_BASE: sb, ALIPAY_GATEWAY: `${sb}/gateway.do`, ALIPAY_OPENAPI_GATEWAY: `${sb}/gateway.do`, WECHAT_OAUTH_BASE: sb, WECHAT_SNS_BASE: sb, PUBLIC_BASE_URL: self, ALLOWED_ORIGINS: self, WEBHOOK_URL: `${self}/demo/webhook` })) args.push("--var", `${k}:${v}`);
  }
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const wrangler = spawn(node22, args, { cwd: root, env: toolEnv(), stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", detached: true });
  const output = [];
  if (quiet) for (const s of [wrangler.stdout, wrangler.stderr]) s.on("data", (d) => output.push(String(d)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {}
    await Promise.race([new Promise((r) => wrangler.once("exit", r)), new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-wrangler.pid, "SIGKILL");
    } catch {}
    await sandbox.close();
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode})\n${output.join("")}`);
    try {
      const r = await fetch(`${url}/api`, { method: "POST", body: "{}" });
      if (r.status === 400) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer on ${url}\n${output.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, sandbox, stop, output };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const v3 = process.argv.includes("--v3");
  const dev = await startDev({ vars: v3 ? V3_VARS : {} });
  console.log(`\ndev: ${v3 ? "WeChat Pay v3 and Alipay OpenAPI" : "WeChat Pay v2 and Alipay MAPI (--v3 for v3 and OpenAPI)"}\ndev: demo shop   ${dev.url}/\ndev: API         POST ${dev.url}/api\ndev: sandbox     ${dev.sandboxUrl}/\ndev: Ctrl-C stops both.\n`);
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, async () => {
      await dev.stop();
      process.exit(0);
    });
  }
}
