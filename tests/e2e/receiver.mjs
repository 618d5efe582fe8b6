// A merchant's webhook endpoint on loopback for the tests: records every request (headers,
// exact raw body, time) and answers as the test scripts it (status codes, hangs).
import { createServer } from "node:http";

export async function startReceiver() {
  const received = [];
  // Each entry: a status to answer with, or "hang" (never answer). Then 200 for the rest.
  const script = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const entry = { at: Date.now(), method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(entry);
      const next = script.length ? script.shift() : 200;
      entry.answered = next;
      if (next === "hang") return; // the worker's timeout ends it
      if (next === 302) {
        res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
        return res.end();
      }
      res.writeHead(next, { "content-type": "text/plain" });
      res.end(next < 300 ? "ok" : "no");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/hooks/paybridge`;
  return {
    url,
    received,
    script,
    forOrder: (no) => received.filter((r) => JSON.parse(r.body).order_no === no),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
