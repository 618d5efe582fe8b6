//! Unpacking a bill with the platform: gzip and raw DEFLATE through `DecompressionStream`,
//! GBK through `TextDecoder` (both in workerd), SHA-1 through WebCrypto. The ZIP container
//! and every check on it are `paycore::bills::zip`'s; this only calls the platform.

use paycore::bills::zip;
use paycore::provider::Packing;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export async function billInflate(bytes, format) {
  const stream = new Response(bytes).body.pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
export function billDecode(bytes, label) {
  return new TextDecoder(label, { fatal: true }).decode(bytes);
}
export async function billSha1(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
"#)]
extern "C" {
    #[wasm_bindgen(catch, js_name = billInflate)]
    async fn inflate(bytes: &js_sys::Uint8Array, format: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = billDecode)]
    fn decode_text(bytes: &js_sys::Uint8Array, label: &str) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_name = billSha1)]
    async fn sha1_hex(bytes: &js_sys::Uint8Array) -> Result<JsValue, JsValue>;
}

fn why(e: JsValue) -> String {
    e.as_string().or_else(|| js_sys::Error::from(e).message().as_string()).unwrap_or_else(|| "platform error".into())
}

async fn inflated(bytes: &[u8], format: &str) -> Result<Vec<u8>, String> {
    let out = inflate(&js_sys::Uint8Array::from(bytes), format).await.map_err(why)?;
    Ok(js_sys::Uint8Array::new(&out).to_vec())
}

fn text(bytes: &[u8], label: &str) -> Result<String, String> {
    decode_text(&js_sys::Uint8Array::from(bytes), label).map_err(|e| format!("the bill is not {label}: {}", why(e)))
}

/// The bill's text: WeChat's CSV (UTF-8, gzip or plain; its SHA-1 checked when the
/// provider gave one), Alipay's detail CSV out of its ZIP (GBK).
pub async fn bill_text(bytes: &[u8], packing: Packing, sha1: Option<&str>) -> Result<String, String> {
    let plain = match packing {
        Packing::Plain => bytes.to_vec(),
        Packing::Gzip => inflated(bytes, "gzip").await?,
        Packing::Zip => {
            let entries = zip::entries(bytes).map_err(|e| e.to_string())?;
            let detail = zip::detail_entry(&entries).map_err(|e| e.to_string())?;
            let data = match detail.method {
                zip::Method::Stored => detail.data.to_vec(),
                zip::Method::Deflate => inflated(detail.data, "deflate-raw").await?,
            };
            detail.check(data.len() as u64, zip::crc32(&data)).map_err(|e| e.to_string())?;
            return text(&data, "gbk");
        }
    };
    if let Some(expected) = sha1 {
        let got =
            sha1_hex(&js_sys::Uint8Array::from(plain.as_slice())).await.map_err(why)?.as_string().unwrap_or_default();
        if !got.eq_ignore_ascii_case(expected) {
            return Err("the bill's SHA-1 does not match the hash WeChat gave".into());
        }
    }
    text(&plain, "utf-8")
}
