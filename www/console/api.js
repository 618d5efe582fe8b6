// The command API as the console uses it: POST /api with the merchant token as a Bearer.
// The token lives in this tab's sessionStorage only (never localStorage, never a cookie):
// closing the tab or signing out forgets it.

const KEY = "paybridge-console-token";
let session = new AbortController();
let onUnauthorized = () => {};

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
};

/** Forgets the token and drops every answer still on its way. */
export function forget() {
  sessionStorage.removeItem(KEY);
  session.abort();
  session = new AbortController();
}

/** Called with the reply whenever the API answers -5 (wrong or revoked token). */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

/** Sends one command; always resolves to `{result, msg, …}`: the API's reply, or -30
 * (network), -31 (unreadable reply), -32 (signed out meanwhile) as the SDK numbers them. */
export async function call(cmd) {
  const bearer = token.get();
  if (!bearer) return { result: -5, msg: "" };
  const { signal } = session;
  let json;
  try {
    const r = await fetch("/api", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: JSON.stringify(cmd),
      cache: "no-store",
      credentials: "omit",
      signal,
    });
    try {
      json = await r.json();
    } catch {
      json = { result: -31, msg: `HTTP ${r.status}` };
    }
  } catch (e) {
    json = { result: signal.aborted ? -32 : -30, msg: String(e?.message ?? e) };
  }
  if (signal.aborted) return { result: -32, msg: "" };
  if (typeof json?.result !== "number") json = { result: -31, msg: "no result in the reply" };
  if (typeof json.msg !== "string") json.msg = String(json.msg ?? "");
  if (json.result === -5) onUnauthorized(json);
  return json;
}
