//! WeChat Pay API v3: RSA-signed requests, WeChat-signed responses and notifies, AES-GCM
//! encrypted notify resources. Sans-IO like the rest of `paycore`: [`request`] builds each
//! call (Native create, query, close, refund, refund query) as data, [`sign`] the exact
//! messages and headers, [`reply`] and [`notify`] read what WeChat answers once it verified;
//! a [`crate::crypto::Crypto`] (or WebCrypto in the worker) does the arithmetic.

mod api;
pub mod bill;
pub use api::{NOTIFY_MAX_BYTES, NOTIFY_PATH, notify_reply};
pub mod certificates;
pub mod evidence;
pub mod notify;
pub mod reply;
pub mod request;
pub mod sign;

/// Why a v3 message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V3Error {
    /// A `Wechatpay-*` header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `Wechatpay-Signature-Type` is not WECHATPAY2-SHA256-RSA2048.
    #[error("unsupported signature type")]
    SignatureType,
    /// `Wechatpay-Timestamp` is not a number or is 300 s or more away from now.
    #[error("timestamp outside 300 s of now")]
    Stale,
    /// A `WECHATPAY/SIGNTEST/` probe: WeChat sends these to check that merchants verify.
    #[error("signature probe (WECHATPAY/SIGNTEST/) refused")]
    Probe,
    /// The signature is not base64.
    #[error("signature is not base64")]
    SignatureEncoding,
    /// The signature does not verify with the key of its serial.
    #[error("signature does not verify")]
    BadSignature,
    /// No key is known for `Wechatpay-Serial`.
    #[error("unknown serial {0}")]
    UnknownSerial(String),
    /// The notify envelope or its resource is malformed.
    #[error("malformed notify: {0}")]
    Malformed(String),
    /// The resource did not decrypt (wrong APIv3 key, tampered ciphertext or AAD).
    #[error("resource does not decrypt")]
    Decrypt,
    /// The message is for another merchant id or app id.
    #[error("for another merchant or app")]
    WrongMerchant,
    /// The message is about another order.
    #[error("for another order")]
    WrongOrder,
}

#[cfg(test)]
#[path = "wechat_v3/tests.rs"]
mod tests;
