// The web build loads its own wasm on a client's first call: a page can construct a client
// and call it without calling init() first (it still may), and the shell's number tables
// match the Rust ones (sdk/src: checked natively as well, from the same file).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");

describe("the web build without init()", () => {
  it("fetches its wasm next to the module on the first call, once", async () => {
    const wasmFetches = [];
    const realFetch = globalThis.fetch;
    // Node's fetch reads no file: URLs; a page's fetch would load the module's sibling.
    globalThis.fetch = async (url, init) => {
      if (String(url).startsWith("file:")) {
        wasmFetches.push(String(url));
        return new Response(await readFile(new URL(url)), { headers: { "content-type": "application/wasm" } });
      }
      return realFetch(url, init);
    };
    try {
      const { PayClient, PayError, renderQr, init } = await import(join(root, "pkg/dist/web/paybridge.js"));
      const answers = [];
      const api = async (url, { body }) => {
        answers.push(JSON.parse(body));
        return new Response(JSON.stringify({ result: 0, msg: "", order_no: "order_0001", pay_state: 0, pay_state_desc: "等待支付", expires_at: 1_900_000_000, server_time: 1_800_000_000 }));
      };
      // Constructed before the wasm exists: a bad endpoint is refused by the first call.
      const bad = new PayClient({ endpoint: "ftp://x", fetch: api });
      const refused = await bad.getState({ orderNo: "order_0001" }).catch((e) => e);
      assert.ok(refused instanceof PayError);
      assert.equal(refused.code, -3);
      const client = new PayClient({ endpoint: "https://pay.example.com", fetch: api });
      const [a, b] = await Promise.all([client.getState({ orderNo: "order_0001" }), client.getState({ orderNo: "order_0001" })]);
      assert.equal(a.state, "waiting");
      assert.equal(b.expiresAt, 1_900_000_000_000);
      assert.deepEqual(answers[0], { cmd: "WechatPayState", order_no: "order_0001" });
      assert.equal(wasmFetches.length, 1, "the wasm is fetched once");
      assert.match(wasmFetches[0], /paybridge_wasm_bg\.wasm$/);
      await init();
      assert.equal(wasmFetches.length, 1, "init() after the fact loads nothing again");
      assert.match(renderQr("https://pay.example.com"), /^<svg /);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
