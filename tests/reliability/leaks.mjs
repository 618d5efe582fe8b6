// The secret scan both secrets suites run over everything the outside world could see.
import assert from "node:assert/strict";

/** Asserts that no secret (name → value) occurs in any item of any haystack (where → texts),
 * as is or case-folded; every haystack must hold something. Returns a one-line summary. */
export function assertNoSecrets(haystacks, secrets) {
  for (const [name, secret] of Object.entries(secrets)) assert.ok(secret && secret.length >= 16, `${name} is a real secret`);
  let scanned = 0;
  for (const [where, items] of Object.entries(haystacks)) {
    assert.ok(items.length > 0, `${where} is empty: the scan would prove nothing`);
    for (const item of items) {
      scanned++;
      for (const [name, secret] of Object.entries(secrets)) {
        assert.ok(!item.includes(secret), `${name} leaked in ${where}: ${item.slice(0, 200)}`);
        assert.ok(!item.toLowerCase().includes(secret.toLowerCase()), `${name} (case-folded) leaked in ${where}`);
      }
    }
  }
  return `${scanned} items scanned (${Object.entries(haystacks).map(([k, v]) => `${v.length} ${k}`).join(", ")}), 0 secrets found`;
}
