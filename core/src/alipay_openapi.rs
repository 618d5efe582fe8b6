//! Alipay OpenAPI (`alipay.trade.*`, RSA2): the one place its sign strings are built.
//!
//! - Requests: every parameter but `sign` (`sign_type` included), empty values skipped,
//!   sorted by key, `k=v` joined with `&`, not URL-encoded.
//! - Notifies and the sync return: the same without `sign` and `sign_type`, over the values
//!   decoded once (the form parser's job).
//! - Responses: the exact raw text of the `*_response` (or `error_response`) value as
//!   received, escapes and all; never re-serialised before verifying.

mod api;
pub use api::{NOTIFY_MAX_BYTES, NOTIFY_PATH, notify_reply};
pub mod reply;
pub mod request;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::Crypto;
use crate::form::RawForm;
use crate::keys::{PrivateKey, PublicKey};
use reply::OpenApiError;

/// The sign string of `params` without the `excluded` keys.
fn content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, excluded: &[&str]) -> String {
    let mut pairs: Vec<(&str, &str)> =
        params.into_iter().filter(|(k, v)| !v.is_empty() && !excluded.contains(k)).collect();
    pairs.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// What a request signs.
pub fn request_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    content(params, &["sign"])
}

/// What a notify or the sync return signs.
pub fn notify_content<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    content(params, &["sign", "sign_type"])
}

/// Signs a request's parameters: the `sign` value (base64).
pub fn sign_request<'a>(
    crypto: &dyn Crypto,
    key: &PrivateKey,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String, crate::crypto::CryptoError> {
    Ok(STANDARD.encode(crypto.rsa_sha256_sign(key, request_content(params).as_bytes())?))
}

/// What is left to check of a notify, return or response: Alipay's RSA2 `signature` over
/// `content` (the edge does it with WebCrypto, natively [`Crypto`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToVerify {
    /// The exact signed text.
    pub content: String,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// True for a form signed the OpenAPI way (`sign_type=RSA2`), as an OpenAPI sync return
/// is; a MAPI return says `MD5`.
pub fn is_rsa2_form(form: &RawForm) -> bool {
    matches!(form.text("sign_type"), Ok(Some("RSA2")))
}

/// A notify or sync return form, before its signature is checked: it must be UTF-8, say
/// `sign_type=RSA2` and carry a base64 `sign`; the content is every other parameter.
pub fn notify_to_verify(form: &RawForm) -> Result<ToVerify, OpenApiError> {
    let mut pairs = Vec::with_capacity(form.len());
    for (k, v) in form.pairs() {
        match (std::str::from_utf8(k), std::str::from_utf8(v)) {
            (Ok(k), Ok(v)) => pairs.push((k, v)),
            _ => return Err(OpenApiError::Malformed("not UTF-8".into())),
        }
    }
    if !is_rsa2_form(form) {
        return Err(OpenApiError::Malformed("sign_type is not RSA2".into()));
    }
    let sign = pairs.iter().find(|(k, _)| *k == "sign").map(|(_, v)| *v).ok_or(OpenApiError::BadSignature)?;
    let signature = STANDARD.decode(sign).map_err(|_| OpenApiError::BadSignature)?;
    Ok(ToVerify { content: notify_content(pairs.iter().copied()), signature })
}

/// A raw response to `method`, before its signature is checked: the exact text of its
/// `*_response` (or `error_response`) and the decoded `sign`.
pub fn response_to_verify(raw: &str, method: &str) -> Result<ToVerify, OpenApiError> {
    let (content, sign) =
        signed_response(raw, method).ok_or_else(|| OpenApiError::Malformed("no signed response".into()))?;
    let signature = STANDARD.decode(sign).map_err(|_| OpenApiError::BadSignature)?;
    Ok(ToVerify { content: content.to_owned(), signature })
}

/// Whether a notify's (decoded) parameters carry Alipay's signature.
pub fn verify_notify<'a>(
    crypto: &dyn Crypto,
    alipay_key: &PublicKey,
    params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
) -> bool {
    let Some(sign) = params.clone().into_iter().find(|(k, _)| *k == "sign").map(|(_, v)| v) else { return false };
    let Ok(sig) = STANDARD.decode(sign) else { return false };
    crypto.rsa_sha256_verify(alipay_key, notify_content(params).as_bytes(), &sig)
}

/// The end of the JSON value starting at `text[0]` (an object or string), by scanning:
/// strings and their escapes are skipped, brackets counted.
fn value_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The raw text of `"<key>": <value>` at the top level of `raw`, skipping whitespace.
fn raw_value<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\"");
    let at = raw.find(&needle)? + needle.len();
    let rest = raw[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = value_end(rest)?;
    Some(&rest[..end])
}

/// The signed text of a response to `method` (e.g. `alipay.trade.query`) and its `sign`:
/// `(raw text of alipay_trade_query_response or error_response, sign)`.
pub fn signed_response<'a>(raw: &'a str, method: &str) -> Option<(&'a str, String)> {
    let key = format!("{}_response", method.replace('.', "_"));
    let content = raw_value(raw, &key).or_else(|| raw_value(raw, "error_response"))?;
    // `sign` is the content's sibling: look outside the content (a field inside it could
    // be named "sign" too).
    let start = content.as_ptr() as usize - raw.as_ptr() as usize;
    let after = &raw[start + content.len()..];
    let sign = raw_value(after, "sign").or_else(|| raw_value(&raw[..start], "sign"))?;
    let sign = serde_json::from_str::<String>(sign).ok()?;
    Some((content, sign))
}

/// Whether a raw response to `method` carries Alipay's signature over its exact text.
pub fn verify_response(crypto: &dyn Crypto, alipay_key: &PublicKey, raw: &str, method: &str) -> bool {
    response_to_verify(raw, method)
        .is_ok_and(|v| crypto.rsa_sha256_verify(alipay_key, v.content.as_bytes(), &v.signature))
}

#[cfg(test)]
#[path = "alipay_openapi_tests.rs"]
mod tests;
