//! Platform certificates (`GET /v3/certificates`), for merchants without a WeChat Pay public
//! key: each certificate comes AES-GCM encrypted with the APIv3 key (AAD `certificate`).
//! The edge downloads, decrypts, reads each with [`crate::keys::Certificate`] and keeps
//! those whose serial matches what WeChat says; the download's own signature is then
//! checked with the certificate of its serial (how WeChat's SDKs bootstrap), and a fresh
//! download happens when an unknown serial appears, at most once per
//! [`REFRESH_INTERVAL_SECS`].

use serde::Deserialize;

use super::V3Error;
use super::notify::Resource;
use super::request::Call;
use crate::http::Method;
use crate::keys::Certificate;

/// Least time between two downloads triggered by unknown serials (forged messages must not
/// make the worker fetch on every request).
pub const REFRESH_INTERVAL_SECS: i64 = 60;

/// `GET /v3/certificates`.
pub fn download() -> Call {
    Call { method: Method::Get, path: "/v3/certificates".into(), body: String::new() }
}

/// One entry of the download, still encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Encrypted {
    /// The certificate's serial as WeChat lists it.
    pub serial_no: String,
    /// The encrypted PEM.
    pub encrypt_certificate: Resource,
}

#[derive(Deserialize)]
struct Download {
    data: Vec<Encrypted>,
}

/// Reads a download's body (verified afterwards, with what it contains).
pub fn parse(body: &[u8]) -> Result<Vec<Encrypted>, V3Error> {
    let d: Download = serde_json::from_slice(body).map_err(|e| V3Error::Malformed(e.to_string()))?;
    Ok(d.data)
}

/// A decrypted certificate, kept only when its own serial is the one WeChat listed.
pub fn read(listed: &Encrypted, pem: &[u8]) -> Result<Certificate, V3Error> {
    let text = std::str::from_utf8(pem).map_err(|_| V3Error::Malformed("certificate is not UTF-8".into()))?;
    let cert = Certificate::parse(text).map_err(|e| V3Error::Malformed(e.to_string()))?;
    if !cert.serial.eq_ignore_ascii_case(&listed.serial_no) {
        return Err(V3Error::Malformed("certificate serial differs from serial_no".into()));
    }
    Ok(cert)
}
