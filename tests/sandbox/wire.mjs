// The providers' wire formats, written independently of the Rust core so that the two
// implementations check each other: WeChat v2 XML + MD5/HMAC-SHA256, Alipay form + MD5.
import { createHash, createHmac } from "node:crypto";

// ---------------------------------------------------------------- WeChat Pay v2

/** Parses a flat WeChat <xml> body (text or CDATA children) into an object. */
export function parseWechatXml(text) {
  const body = text.trim();
  if (!body.startsWith("<xml>") || !body.endsWith("</xml>") || /<!DOCTYPE|<!ENTITY/i.test(body)) return null;
  const inner = body.slice(5, -6);
  const fields = {};
  const re = /\s*<([A-Za-z0-9_]+)>((?:<!\[CDATA\[[\s\S]*?\]\]>)+|[^<]*)<\/\1>\s*/gy;
  let m;
  let consumed = 0;
  while ((m = re.exec(inner)) !== null) {
    if (Object.hasOwn(fields, m[1])) return null;
    fields[m[1]] = m[2].startsWith("<![CDATA[") ? [...m[2].matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((c) => c[1]).join("") : decodeEntities(m[2]);
    consumed = re.lastIndex;
  }
  return inner.slice(consumed).trim() === "" ? fields : null;
}

function decodeEntities(s) {
  return s.replace(/&(lt|gt|amp|apos|quot);/g, (_, e) => ({ lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' })[e]);
}

/** Writes an object as a WeChat <xml> body, values in CDATA. */
export function toWechatXml(fields) {
  const parts = Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${String(v).replaceAll("]]>", "]]]]><![CDATA[>")}]]></${k}>`);
  return `<xml>${parts.join("")}</xml>`;
}

/** WeChat's stringA&key=K, hashed with MD5 or HMAC-SHA256, uppercase hex. */
export function wechatSign(fields, key, signType = "MD5") {
  const stringA = Object.keys(fields)
    .filter((k) => k !== "sign" && fields[k] !== "" && fields[k] !== undefined && fields[k] !== null)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join("&");
  const temp = `${stringA}&key=${key}`;
  const hex = signType === "HMAC-SHA256" ? createHmac("sha256", key).update(temp, "utf8").digest("hex") : createHash("md5").update(temp, "utf8").digest("hex");
  return hex.toUpperCase();
}

/**
 * Signs `fields` as WeChat does. By default an HMAC-SHA256 message names itself in
 * `sign_type`; with `{ declare: false }` it carries no sign_type field, which is how WeChat
 * sends payment notifies and orderquery replies (binarywang/WxJava#1585).
 */
export function wechatSigned(fields, key, signType = "MD5", { declare = true } = {}) {
  const out = { ...fields };
  if (!declare) delete out.sign_type;
  else if (signType === "HMAC-SHA256") out.sign_type = "HMAC-SHA256";
  out.sign = wechatSign(out, key, signType);
  return out;
}

// ---------------------------------------------------------------- Alipay MAPI

/** Decodes a urlencoded form once into an object of strings (duplicates → null). */
export function parseForm(text) {
  const out = {};
  for (const part of text.split("&")) {
    if (!part) continue;
    const i = part.indexOf("=");
    const [k, v] = i < 0 ? [part, ""] : [part.slice(0, i), part.slice(i + 1)];
    let key, value;
    try {
      key = decodeURIComponent(k.replaceAll("+", " "));
      value = decodeURIComponent(v.replaceAll("+", " "));
    } catch {
      return null;
    }
    if (Object.hasOwn(out, key)) return null;
    out[key] = value;
  }
  return out;
}

/** PHP urlencode. */
export function phpUrlencode(s) {
  return encodeURIComponent(String(s))
    .replace(/[!'()*~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

export function encodeForm(fields) {
  return Object.entries(fields)
    .map(([k, v]) => `${phpUrlencode(k)}=${phpUrlencode(v)}`)
    .join("&");
}

/** ALIPAY-MAPI-MD5: sorted k=v of non-empty fields except sign/sign_type, key appended. */
export function alipaySign(fields, key) {
  const presign = Object.keys(fields)
    .filter((k) => k !== "sign" && k !== "sign_type" && fields[k] !== "" && fields[k] !== undefined)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((k) => `${k}=${fields[k]}`)
    .join("&");
  return createHash("md5").update(presign + key, "utf8").digest("hex");
}

export function alipaySigned(fields, key) {
  return { ...fields, sign: alipaySign(fields, key), sign_type: "MD5" };
}

export function alipayVerify(fields, key) {
  return fields.sign_type === "MD5" && typeof fields.sign === "string" && fields.sign.toLowerCase() === alipaySign(fields, key);
}

/**
 * An Alipay MAPI XML reply, laid out like the real gateway's: one element per line, and on
 * success the request's parameters echoed back as `<param name="…">` (sign excluded).
 */
export function alipayXml(isSuccess, { error, trade, request } = {}) {
  let xml = `<?xml version="1.0" encoding="utf-8"?>\n<alipay>\n<is_success>${isSuccess ? "T" : "F"}</is_success>\n`;
  if (error) xml += `<error>${error}</error>\n`;
  if (request) {
    xml += "<request>\n";
    for (const [k, v] of Object.entries(request)) if (k !== "sign" && k !== "sign_type") xml += `<param name="${escapeXml(k)}">${escapeXml(v)}</param>\n`;
    xml += "</request>\n";
  }
  if (trade) {
    xml += "<response>\n<trade>\n";
    for (const [k, v] of Object.entries(trade)) xml += `<${k}>${escapeXml(v)}</${k}>\n`;
    xml += "</trade>\n</response>\n";
  }
  return xml + "</alipay>";
}

export function escapeXml(v) {
  return String(v).replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]);
}

/** yyyyMMddHHmmss / yyyy-MM-dd HH:mm:ss in Beijing time. */
export function beijing(date = new Date(), compact = true) {
  const d = new Date(date.getTime() + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, "0");
  const [y, mo, da, h, mi, s] = [d.getUTCFullYear(), p(d.getUTCMonth() + 1), p(d.getUTCDate()), p(d.getUTCHours()), p(d.getUTCMinutes()), p(d.getUTCSeconds())];
  return compact ? `${y}${mo}${da}${h}${mi}${s}` : `${y}-${mo}-${da} ${h}:${mi}:${s}`;
}

/** Fen → "0.01" without floats. */
export function yuan(fen) {
  const f = BigInt(fen);
  return `${f / 100n}.${String(f % 100n).padStart(2, "0")}`;
}

/** "0.01" → fen, integer arithmetic; null when malformed. */
export function fenOf(yuanText) {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(yuanText ?? "");
  if (!m) return null;
  return Number(BigInt(m[1]) * 100n + BigInt((m[2] ?? "").padEnd(2, "0")));
}
