//! Signing: the one canonical sign-string builder per provider, and constant-time checks.
//!
//! | algorithm | string to hash |
//! |---|---|
//! | `ALIPAY-MAPI-MD5` | all fields but `sign`/`sign_type`, empty values dropped, sorted by name byte-wise, `k=v` joined by `&` with raw (decoded) values, then the key appended with no separator; MD5, lowercase hex |
//! | `WXPAY-V2-MD5` | all fields but `sign` (`sign_type` included), empty values dropped, sorted by ASCII, `k=v` joined by `&`, then `&key=<API key>`; MD5, uppercase hex |
//! | `WXPAY-V2-HMAC-SHA256` | the same string, HMAC-SHA256 keyed with the API key, uppercase hex |
//!
//! Sources: Alipay demo v3.3 `paraFilter`/`argSort`/`createLinkstring`/`md5Sign`; WeChat 安全规范
//! (pay.weixin.qq.com/wiki/doc/api/native.php?chapter=4_3). WeChat may add fields at any time,
//! so verification always runs over every field received.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::Fields;

/// A provider key (Alipay MD5 key or WeChat v2 API key). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a key read from the environment.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key bytes, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The three signing algorithms, named as the `paysign` tool and the docs name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Alipay legacy MAPI, MD5 with the key appended.
    AlipayMapiMd5,
    /// WeChat Pay v2, MD5 over `stringA&key=K`.
    WxpayV2Md5,
    /// WeChat Pay v2, HMAC-SHA256 over `stringA&key=K`.
    WxpayV2HmacSha256,
}

/// Why a signature could not be checked or did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The message carries no `sign` field.
    #[error("the message has no sign")]
    Missing,
    /// `sign_type` names an algorithm this product does not accept (e.g. RSA).
    #[error("unsupported sign_type `{0}`")]
    UnsupportedType(String),
    /// The signature does not match: wrong key, or a tampered or added field.
    #[error("signature mismatch")]
    Mismatch,
    /// The algorithm name is not one of the three known ones.
    #[error("unknown algorithm `{0}` (use ALIPAY-MAPI-MD5, WXPAY-V2-MD5 or WXPAY-V2-HMAC-SHA256)")]
    UnknownAlgorithm(String),
}

impl FromStr for Algorithm {
    type Err = SignError;
    fn from_str(s: &str) -> Result<Self, SignError> {
        match s {
            "ALIPAY-MAPI-MD5" => Ok(Self::AlipayMapiMd5),
            "WXPAY-V2-MD5" => Ok(Self::WxpayV2Md5),
            "WXPAY-V2-HMAC-SHA256" => Ok(Self::WxpayV2HmacSha256),
            other => Err(SignError::UnknownAlgorithm(other.to_owned())),
        }
    }
}

/// WeChat's `sign_type` field values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WechatSignType {
    /// `MD5` (what the documents say an absent `sign_type` means; see [`wechat_verify`]).
    Md5,
    /// `HMAC-SHA256`.
    HmacSha256,
}

impl WechatSignType {
    /// The wire value of `sign_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::HmacSha256 => "HMAC-SHA256",
        }
    }

    /// Reads `sign_type`; `absent` when the field is missing or empty.
    pub fn from_field(value: Option<&str>, absent: Self) -> Result<Self, SignError> {
        match value {
            None | Some("") => Ok(absent),
            Some("MD5") => Ok(Self::Md5),
            Some("HMAC-SHA256") => Ok(Self::HmacSha256),
            Some(other) => Err(SignError::UnsupportedType(other.to_owned())),
        }
    }
}

pub(crate) fn hex(bytes: &[u8], upper: bool) -> String {
    let digits = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 15)]));
    }
    out
}

/// Compares two secrets or signatures byte for byte in constant time (the length may leak).
pub fn secret_eq(expected: &[u8], received: &[u8]) -> bool {
    expected.len() == received.len() && bool::from(expected.ct_eq(received))
}

/// Compares a computed hex signature with a received one in constant time (case-insensitive,
/// since WeChat sends uppercase and Alipay lowercase).
pub fn hex_eq(expected: &str, received: &str) -> bool {
    secret_eq(expected.to_ascii_lowercase().as_bytes(), received.to_ascii_lowercase().as_bytes())
}

// ---------------------------------------------------------------- Alipay MAPI

/// The Alipay pre-sign string: every pair but `sign`/`sign_type`, empty values dropped,
/// sorted by name byte-wise, raw values, `k=v` joined with `&`. Bytes, not text, because a
/// notify may arrive in GBK: the signature is over the bytes as decoded from the form.
pub fn alipay_presign<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut kept: Vec<(&[u8], &[u8])> =
        pairs.into_iter().filter(|(k, v)| !v.is_empty() && *k != b"sign" && *k != b"sign_type").collect();
    kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::new();
    for (i, (k, v)) in kept.into_iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(k);
        out.push(b'=');
        out.extend_from_slice(v);
    }
    out
}

/// `ALIPAY-MAPI-MD5`: MD5 of the pre-sign string with the key appended, lowercase hex.
pub fn alipay_sign<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>, key: &SecretKey) -> String {
    let mut md5 = Md5::new();
    md5.update(alipay_presign(pairs));
    md5.update(key.expose().as_bytes());
    hex(&md5.finalize(), false)
}

/// Verifies an Alipay MD5 signature; `sign_type` must be absent or `MD5`.
pub fn alipay_verify<'a>(
    pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])> + Clone,
    key: &SecretKey,
) -> Result<(), SignError> {
    let mut sign = None;
    let mut sign_type = None;
    for (k, v) in pairs.clone() {
        match k {
            b"sign" => sign = Some(v),
            b"sign_type" => sign_type = Some(v),
            _ => {}
        }
    }
    match sign_type {
        None | Some(b"MD5") => {}
        Some(other) => return Err(SignError::UnsupportedType(String::from_utf8_lossy(other).into_owned())),
    }
    let sign = sign.filter(|s| !s.is_empty()).ok_or(SignError::Missing)?;
    let received = std::str::from_utf8(sign).map_err(|_| SignError::Mismatch)?;
    if hex_eq(&alipay_sign(pairs, key), received) { Ok(()) } else { Err(SignError::Mismatch) }
}

/// [`alipay_sign`] over a text field map.
pub fn alipay_sign_fields(fields: &Fields, key: &SecretKey) -> String {
    alipay_sign(fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())), key)
}

// ---------------------------------------------------------------- WeChat Pay v2

/// WeChat's `stringA`: every field but `sign`, empty values dropped, ASCII order,
/// `k=v` joined with `&`. `sign_type` is included when present.
pub fn wechat_presign(fields: &Fields) -> String {
    let mut out = String::new();
    for (k, v) in fields.iter().filter(|(k, v)| !v.is_empty() && *k != "sign") {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// `WXPAY-V2-MD5` or `WXPAY-V2-HMAC-SHA256` over `stringA&key=<key>`, uppercase hex.
pub fn wechat_sign(fields: &Fields, key: &SecretKey, sign_type: WechatSignType) -> String {
    let string_sign_temp = format!("{}&key={}", wechat_presign(fields), key.expose());
    match sign_type {
        WechatSignType::Md5 => hex(&Md5::digest(string_sign_temp.as_bytes()), true),
        WechatSignType::HmacSha256 => {
            hmac_sha256_hex(key.expose().as_bytes(), string_sign_temp.as_bytes()).to_ascii_uppercase()
        }
    }
}

/// Lowercase hex HMAC-SHA256 of `message` under `key` (WeChat's HMAC-SHA256 signature
/// uppercases it; the webhook signature uses it as it is).
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex(&mac.finalize().into_bytes(), false)
}

/// Verifies a WeChat v2 message over all its fields with the algorithm its `sign_type`
/// names, or `requested` (the algorithm the merchant signs its requests with) when it names
/// none. The documents say an absent `sign_type` means MD5, but WeChat signs a message with
/// the algorithm of the request it answers and often leaves `sign_type` out: payment
/// notifies of HMAC-SHA256 orders (binarywang/WxJava#1585, easy-swoole/pay#38) and
/// `orderquery` replies (befinal/node-tenpay#92) carry a 64-hex HMAC-SHA256 `sign` and no
/// `sign_type`. Returns the algorithm used.
pub fn wechat_verify(fields: &Fields, key: &SecretKey, requested: WechatSignType) -> Result<WechatSignType, SignError> {
    let sign_type = WechatSignType::from_field(fields.get("sign_type"), requested)?;
    let received = fields.non_empty("sign").ok_or(SignError::Missing)?;
    if hex_eq(&wechat_sign(fields, key, sign_type), received) { Ok(sign_type) } else { Err(SignError::Mismatch) }
}

/// Signs with any [`Algorithm`] (the `paysign` tool's entry point).
pub fn sign_with(algorithm: Algorithm, fields: &Fields, key: &SecretKey) -> String {
    match algorithm {
        Algorithm::AlipayMapiMd5 => alipay_sign_fields(fields, key),
        Algorithm::WxpayV2Md5 => wechat_sign(fields, key, WechatSignType::Md5),
        Algorithm::WxpayV2HmacSha256 => wechat_sign(fields, key, WechatSignType::HmacSha256),
    }
}

/// Verifies the `sign` field of `fields` with a chosen [`Algorithm`].
pub fn verify_with(algorithm: Algorithm, fields: &Fields, key: &SecretKey) -> Result<(), SignError> {
    let received = fields.non_empty("sign").ok_or(SignError::Missing)?;
    if hex_eq(&sign_with(algorithm, fields, key), received) { Ok(()) } else { Err(SignError::Mismatch) }
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
