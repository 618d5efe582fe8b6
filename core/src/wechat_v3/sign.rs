//! The one place v3 signatures are built and checked: the request message
//! `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n` signed by the merchant, the
//! `Authorization` header that carries it, and the checks on what WeChat signs
//! (`TIMESTAMP\nNONCE\nBODY\n` over the raw body, in responses and notifies).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::V3Error;
use crate::crypto::Crypto;
use crate::keys::{PrivateKey, PublicKey};

/// The only signature scheme v3 uses.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// Signatures that start with this are WeChat's probes and must fail.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";
/// How far a signed timestamp may be from now.
pub const MAX_SKEW_SECS: i64 = 300;

/// What the merchant signs for a request (`path_and_query` as sent, e.g.
/// `/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109`).
pub fn request_message(method: &str, path_and_query: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// What WeChat signs in a response or notify: the raw body, byte for byte.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    [timestamp.as_bytes(), b"\n", nonce.as_bytes(), b"\n", body, b"\n"].concat()
}

/// The pairs of an `Authorization: WECHATPAY2-SHA256-RSA2048 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Merchant id.
    pub mchid: String,
    /// The request's nonce.
    pub nonce_str: String,
    /// Base64 signature.
    pub signature: String,
    /// Unix seconds, as text.
    pub timestamp: String,
    /// The merchant certificate's serial.
    pub serial_no: String,
}

impl Authorization {
    /// Signs a request: the header value to send.
    pub fn sign(
        crypto: &dyn Crypto,
        key: &PrivateKey,
        mchid: &str,
        serial_no: &str,
        message: &str,
        nonce: &str,
        timestamp: i64,
    ) -> Result<String, crate::crypto::CryptoError> {
        let signature = crypto.rsa_sha256_sign(key, message.as_bytes())?;
        Ok(Self::from_signature(mchid, serial_no, nonce, timestamp, &signature).header())
    }

    /// The header value for a signature made elsewhere (WebCrypto at the edge) over
    /// [`request_message`].
    pub fn from_signature(mchid: &str, serial_no: &str, nonce: &str, timestamp: i64, signature: &[u8]) -> Self {
        Self {
            mchid: mchid.into(),
            nonce_str: nonce.into(),
            signature: STANDARD.encode(signature),
            timestamp: timestamp.to_string(),
            serial_no: serial_no.into(),
        }
    }

    /// The header value.
    pub fn header(&self) -> String {
        format!(
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",signature=\"{}\",timestamp=\"{}\",serial_no=\"{}\"",
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }

    /// Reads a header value; the pairs may come in any order (clients differ).
    pub fn parse(header: &str) -> Option<Self> {
        let pairs = header.strip_prefix(SCHEME)?.trim();
        let get = |name: &str| -> Option<String> {
            pairs.split(',').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k == name).then(|| v.trim_matches('"').to_owned())
            })
        };
        Some(Self {
            mchid: get("mchid")?,
            nonce_str: get("nonce_str")?,
            signature: get("signature")?,
            timestamp: get("timestamp")?,
            serial_no: get("serial_no")?,
        })
    }
}

/// The `Wechatpay-*` headers of a response or notify.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Wechatpay-Timestamp`.
    pub timestamp: Option<String>,
    /// `Wechatpay-Nonce`.
    pub nonce: Option<String>,
    /// `Wechatpay-Signature`.
    pub signature: Option<String>,
    /// `Wechatpay-Serial`.
    pub serial: Option<String>,
    /// `Wechatpay-Signature-Type` (absent in some older replies: then the only scheme).
    pub signature_type: Option<String>,
}

impl SignedHeaders {
    /// Reads them from `(name, value)` pairs, names in any case.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut h = Self::default();
        for (name, value) in pairs {
            let slot = match name.to_ascii_lowercase().as_str() {
                "wechatpay-timestamp" => &mut h.timestamp,
                "wechatpay-nonce" => &mut h.nonce,
                "wechatpay-signature" => &mut h.signature,
                "wechatpay-serial" => &mut h.serial,
                "wechatpay-signature-type" => &mut h.signature_type,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        h
    }
}

/// What is left to do after the header checks: verify `signature` over `message` with the
/// key of `serial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToVerify {
    /// Which key: a platform certificate serial or a `PUB_KEY_ID_…`.
    pub serial: String,
    /// `TIMESTAMP\nNONCE\nBODY\n`.
    pub message: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// Checks the headers of a WeChat-signed `body` at `now` (Unix seconds): scheme, timestamp
/// within [`MAX_SKEW_SECS`], no probe, a base64 signature. The signature itself is checked
/// with [`verify`] (or WebCrypto) afterwards.
pub fn check(headers: &SignedHeaders, body: &[u8], now: i64) -> Result<ToVerify, V3Error> {
    if headers.signature_type.as_deref().is_some_and(|t| t != SCHEME) {
        return Err(V3Error::SignatureType);
    }
    let timestamp = headers.timestamp.as_deref().ok_or(V3Error::MissingHeader("Wechatpay-Timestamp"))?;
    let nonce = headers.nonce.as_deref().ok_or(V3Error::MissingHeader("Wechatpay-Nonce"))?;
    let signature = headers.signature.as_deref().ok_or(V3Error::MissingHeader("Wechatpay-Signature"))?;
    let serial = headers.serial.as_deref().ok_or(V3Error::MissingHeader("Wechatpay-Serial"))?;
    if signature.starts_with(PROBE_PREFIX) {
        return Err(V3Error::Probe);
    }
    let at: i64 = timestamp.parse().map_err(|_| V3Error::Stale)?;
    if (now - at).abs() >= MAX_SKEW_SECS {
        return Err(V3Error::Stale);
    }
    let signature = STANDARD.decode(signature).map_err(|_| V3Error::SignatureEncoding)?;
    Ok(ToVerify { serial: serial.to_owned(), message: response_message(timestamp, nonce, body), signature })
}

/// Checks and verifies a WeChat-signed `body`, with the key `key_for` finds for its serial.
pub fn verify(
    crypto: &dyn Crypto,
    headers: &SignedHeaders,
    body: &[u8],
    now: i64,
    key_for: impl Fn(&str) -> Option<PublicKey>,
) -> Result<(), V3Error> {
    let todo = check(headers, body, now)?;
    let key = key_for(&todo.serial).ok_or_else(|| V3Error::UnknownSerial(todo.serial.clone()))?;
    if crypto.rsa_sha256_verify(&key, &todo.message, &todo.signature) { Ok(()) } else { Err(V3Error::BadSignature) }
}
