//! Reading a bill with the platform, in chunks: gzip and raw DEFLATE through
//! `DecompressionStream`, GBK through a streaming `TextDecoder` (both in workerd), SHA-1
//! through WebCrypto. The unpacked file stays a JavaScript buffer; the reader (paycore's,
//! streaming) gets it a megabyte at a time, so a 100,000-line bill never sits whole in the
//! worker's wasm memory, only its parsed lines (without their product names, which no
//! comparison reads). The ZIP container and every check on it are `paycore::bills::zip`'s.

use js_sys::Uint8Array;
use paycore::bills::zip::{self, Crc32};
use paycore::bills::{AlipayBillParser, BillError, BillLine, BillTotals, WechatBillParser};
use paycore::order::Provider;
use paycore::provider::Packing;
use wasm_bindgen::prelude::*;

const CHUNK: u32 = 1 << 20;

#[wasm_bindgen(inline_js = r#"
export async function billInflate(bytes, format) {
  const stream = new Response(bytes).body.pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
export function billDecoder(label) {
  return new TextDecoder(label, { fatal: true });
}
export function billDecode(decoder, bytes, last) {
  return decoder.decode(bytes, { stream: !last });
}
export async function billSha1(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
"#)]
extern "C" {
    #[wasm_bindgen(catch, js_name = billInflate)]
    async fn inflate(bytes: &Uint8Array, format: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = billDecoder)]
    fn decoder(label: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = billDecode)]
    fn decode(decoder: &JsValue, bytes: &Uint8Array, last: bool) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = billSha1)]
    async fn sha1_hex(bytes: &Uint8Array) -> Result<JsValue, JsValue>;
}

fn why(e: JsValue) -> String {
    e.as_string().or_else(|| js_sys::Error::from(e).message().as_string()).unwrap_or_else(|| "platform error".into())
}

async fn inflated(bytes: &[u8], format: &str) -> Result<Uint8Array, String> {
    Ok(Uint8Array::new(&inflate(&Uint8Array::from(bytes), format).await.map_err(why)?))
}

/// The wallet's streaming reader.
enum Reader {
    Wechat(WechatBillParser),
    Alipay(AlipayBillParser),
}

impl Reader {
    fn feed(&mut self, chunk: &[u8]) -> Result<Vec<BillLine>, BillError> {
        match self {
            Self::Wechat(p) => p.feed(chunk),
            Self::Alipay(p) => p.feed(chunk),
        }
    }

    fn finish(self) -> Result<BillTotals, BillError> {
        match self {
            Self::Wechat(p) => p.finish(),
            Self::Alipay(p) => p.finish(),
        }
    }
}

/// The bill's lines: unpacked (its SHA-1 checked when the provider gave one, a ZIP entry's
/// CRC-32 always), decoded (WeChat's CSV is UTF-8, Alipay's GBK) and read; a bill whose own
/// totals disagree with its lines is an error, never a short list.
pub async fn bill_lines(
    wallet: Provider,
    bytes: &[u8],
    packing: Packing,
    sha1: Option<&str>,
) -> Result<Vec<BillLine>, String> {
    let (file, label, entry) = match packing {
        Packing::Plain => (Uint8Array::from(bytes), "utf-8", None),
        Packing::Gzip => (inflated(bytes, "gzip").await?, "utf-8", None),
        Packing::Zip => {
            let entries = zip::entries(bytes).map_err(|e| e.to_string())?;
            let detail = zip::detail_entry(&entries).map_err(|e| e.to_string())?;
            let file = match detail.method {
                zip::Method::Stored => Uint8Array::from(detail.data),
                zip::Method::Deflate => inflated(detail.data, "deflate-raw").await?,
            };
            (file, "gbk", Some(detail))
        }
    };
    if let Some(expected) = sha1 {
        let got = sha1_hex(&file).await.map_err(why)?.as_string().unwrap_or_default();
        if !got.eq_ignore_ascii_case(expected) {
            return Err("the bill's SHA-1 does not match the hash WeChat gave".into());
        }
    }
    let mut reader = match wallet {
        Provider::Wechat => Reader::Wechat(WechatBillParser::new()),
        Provider::Alipay => Reader::Alipay(AlipayBillParser::new()),
    };
    let text = decoder(label).map_err(why)?;
    let mut sum = Crc32::new();
    let mut lines = Vec::new();
    let len = file.length();
    let mut pos = 0;
    while pos < len || (pos == 0 && len == 0) {
        let end = (pos + CHUNK).min(len);
        let chunk = file.subarray(pos, end);
        if entry.is_some() {
            sum.update(&chunk.to_vec());
        }
        let decoded = decode(&text, &chunk, end == len).map_err(|e| format!("the bill is not {label}: {}", why(e)))?;
        for mut line in reader.feed(decoded.as_bytes()).map_err(|e| e.to_string())? {
            // No comparison reads the product name: not kept for 100,000 lines.
            line.subject = String::new();
            lines.push(line);
        }
        pos = end;
        if len == 0 {
            break;
        }
    }
    if let Some(entry) = entry {
        entry.check(u64::from(len), sum.finish()).map_err(|e| e.to_string())?;
    }
    reader.finish().map_err(|e| e.to_string())?;
    Ok(lines)
}
