// Where the bytes of a wasm module go: code size per function, grouped by crate, read from
// the name section. Usage: node bench/wasm-sizes.mjs file.wasm [top]
import { readFileSync } from "node:fs";

export function functionSizes(bytes) {
  let p = 8;
  const u32 = () => {
    let r = 0, shift = 0, b;
    do { b = bytes[p++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return r >>> 0;
  };
  let imports = 0;
  const bodies = [];
  const names = new Map();
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) {
      const n = u32();
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 2; k++) { const l = u32(); p += l; } // module, field
        const kind = bytes[p++];
        if (kind === 0) { u32(); imports++; } else if (kind === 1) { p++; const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { p += 2; }
      }
    } else if (id === 10) {
      const n = u32();
      for (let i = 0; i < n; i++) { const s = u32(); bodies.push(s); p += s; }
    } else if (id === 0) {
      const nameLen = u32();
      const name = new TextDecoder().decode(bytes.subarray(p, p + nameLen));
      p += nameLen;
      if (name === "name") {
        while (p < end) {
          const sub = bytes[p++];
          const subSize = u32();
          const subEnd = p + subSize;
          if (sub === 1) {
            const n = u32();
            for (let i = 0; i < n; i++) { const idx = u32(); const l = u32(); names.set(idx, new TextDecoder().decode(bytes.subarray(p, p + l))); p += l; }
          }
          p = subEnd;
        }
      }
    }
    p = end;
  }
  return bodies.map((size, i) => ({ name: names.get(imports + i) ?? `func${imports + i}`, size }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fns = functionSizes(readFileSync(process.argv[2]));
  const total = fns.reduce((a, f) => a + f.size, 0);
  const byCrate = new Map();
  for (const f of fns) {
    const m = /^(?:_?<)?(?:&?(?:mut )?)?([a-z_][a-z0-9_]*)::/.exec(f.name.replace(/^_ZN\d+/, ""));
    const crate = m ? m[1] : f.name.split("::")[0].slice(0, 30);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + f.size);
  }
  console.log(`code: ${total} bytes in ${fns.length} functions`);
  for (const [c, s] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${String(s).padStart(8)}  ${c}`);
  console.log("--- largest functions");
  for (const f of fns.sort((a, b) => b.size - a.size).slice(0, Number(process.argv[3] ?? 30))) console.log(`${String(f.size).padStart(8)}  ${f.name.slice(0, 150)}`);
}
