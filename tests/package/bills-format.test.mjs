// The bill fixtures core's readers are tested on are what the sandbox renders now: if
// tests/sandbox/bills.mjs changes, `node core/tests/data/bills/fixtures.mjs` must be
// run again and the Rust tests (cargo test -p paycore bills) read the new bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { render } from "../../core/tests/data/bills/fixtures.mjs";

const dir = join(import.meta.dirname, "../../core/tests/data/bills");

describe("bill fixtures", () => {
  const rendered = render();
  for (const [name, bytes] of Object.entries(rendered)) {
    it(`${name} is what the sandbox renders`, () => {
      assert.ok(readFileSync(join(dir, name)).equals(bytes), `${name} is stale: run node core/tests/data/bills/fixtures.mjs`);
    });
  }

  it("the gzip holds the WeChat CSV", () => {
    assert.ok(gunzipSync(rendered["wechat_all.csv.gz"]).equals(rendered["wechat_all.csv"]));
  });
});
