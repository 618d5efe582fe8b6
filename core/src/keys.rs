//! RSA keys as merchants are handed them, read into the two DER forms the crypto needs:
//! PKCS#8 for the private key (WebCrypto imports only PKCS#8) and SubjectPublicKeyInfo for
//! public keys. Accepted: PEM PKCS#8 (`PRIVATE KEY`), PEM PKCS#1 (`RSA PRIVATE KEY`, as
//! Alipay's key tool and older WeChat tooling write it), SPKI (`PUBLIC KEY`), PKCS#1 public
//! keys, X.509 certificates (WeChat platform certificates, Alipay certificate mode), and the
//! bare base64 of any of them; `\n` escapes (a PEM in one `.dev.vars` line) are undone.
//!
//! The DER reader understands only the few structures above, and checks them: a key whose
//! algorithm is not rsaEncryption is refused, never guessed at.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// rsaEncryption, 1.2.840.113549.1.1.1, as DER.
const RSA_OID: [u8; 11] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Why a key text could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Neither PEM nor base64.
    #[error("the key is neither PEM nor base64")]
    NotBase64,
    /// The bytes are not one of the accepted DER structures.
    #[error("the key is not a DER {0}")]
    NotDer(&'static str),
    /// A key of another algorithm (only RSA is used by both providers).
    #[error("the key is not an RSA key")]
    NotRsa,
}

/// One DER element: tag, content, and what follows it.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    rest: &'a [u8],
}

fn element(der: &[u8]) -> Option<Element<'_>> {
    let (&tag, der) = der.split_first()?;
    let (&first, der) = der.split_first()?;
    let (len, der) = match first {
        n if n < 0x80 => (usize::from(n), der),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            let (bytes, der) = der.split_at_checked(count)?;
            (bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)), der)
        }
        _ => return None,
    };
    let (content, rest) = der.split_at_checked(len)?;
    Some(Element { tag, content, rest })
}

/// The children of a constructed element.
fn children(content: &[u8]) -> Option<Vec<Element<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let e = element(rest)?;
        rest = e.rest;
        out.push(e);
    }
    Some(out)
}

/// A whole DER value: one element, nothing after it.
fn whole(der: &[u8]) -> Option<Element<'_>> {
    element(der).filter(|e| e.rest.is_empty())
}

fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn rsa_algorithm() -> Vec<u8> {
    encode(0x30, &[&RSA_OID[..], &[0x05, 0x00]].concat())
}

/// Whether an AlgorithmIdentifier (its content) names rsaEncryption.
fn is_rsa_algorithm(content: &[u8]) -> bool {
    content.starts_with(&RSA_OID)
}

/// The DER bytes of a PEM or bare base64 text.
fn der_of(text: &str) -> Result<Vec<u8>, KeyError> {
    let text = text.replace("\\n", "\n").replace("\\r", "");
    let body: String = if text.contains("-----BEGIN") {
        text.lines().filter(|l| !l.trim_start().starts_with("-----")).collect()
    } else {
        text
    };
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(body).map_err(|_| KeyError::NotBase64)
}

/// An RSA private key, held as PKCS#8 DER. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey {
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(…)")
    }
}

impl PrivateKey {
    /// Reads PKCS#8 or PKCS#1, PEM or bare base64.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Self::from_der(&der_of(text)?)
    }

    /// Reads PKCS#8 or PKCS#1 DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let top = whole(der).filter(|e| e.tag == 0x30).ok_or(KeyError::NotDer("private key"))?;
        let parts = children(top.content).ok_or(KeyError::NotDer("private key"))?;
        match parts.as_slice() {
            // PrivateKeyInfo: version 0, AlgorithmIdentifier, OCTET STRING.
            [v, alg, key, ..] if v.tag == 0x02 && alg.tag == 0x30 && key.tag == 0x04 => {
                if !is_rsa_algorithm(alg.content) {
                    return Err(KeyError::NotRsa);
                }
                Self::check_pkcs1(key.content)?;
                Ok(Self { pkcs8: der.to_vec() })
            }
            // RSAPrivateKey: version and nine integers.
            [v, n, ..] if v.tag == 0x02 && n.tag == 0x02 => {
                Self::check_pkcs1(der)?;
                let info = [encode(0x02, &[0]), rsa_algorithm(), encode(0x04, der)].concat();
                Ok(Self { pkcs8: encode(0x30, &info) })
            }
            _ => Err(KeyError::NotDer("private key")),
        }
    }

    fn check_pkcs1(der: &[u8]) -> Result<(), KeyError> {
        let top = whole(der).filter(|e| e.tag == 0x30).ok_or(KeyError::NotDer("RSA private key"))?;
        let parts = children(top.content).ok_or(KeyError::NotDer("RSA private key"))?;
        if parts.len() >= 9 && parts.iter().all(|p| p.tag == 0x02) {
            Ok(())
        } else {
            Err(KeyError::NotDer("RSA private key"))
        }
    }

    /// The PKCS#8 DER (what WebCrypto's `importKey("pkcs8")` takes).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }
}

/// An RSA public key, held as SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
}

impl PublicKey {
    /// Reads SPKI, PKCS#1 or an X.509 certificate, PEM or bare base64.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Self::from_der(&der_of(text)?)
    }

    /// Reads SPKI, PKCS#1 or X.509 certificate DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(cert) = Certificate::from_der(der) {
            return Ok(cert.public_key);
        }
        let top = whole(der).filter(|e| e.tag == 0x30).ok_or(KeyError::NotDer("public key"))?;
        let parts = children(top.content).ok_or(KeyError::NotDer("public key"))?;
        match parts.as_slice() {
            [alg, key] if alg.tag == 0x30 && key.tag == 0x03 => {
                if !is_rsa_algorithm(alg.content) {
                    return Err(KeyError::NotRsa);
                }
                Ok(Self { spki: der.to_vec() })
            }
            [n, e] if n.tag == 0x02 && e.tag == 0x02 => {
                let bits = [&[0u8][..], der].concat();
                let info = [rsa_algorithm(), encode(0x03, &bits)].concat();
                Ok(Self { spki: encode(0x30, &info) })
            }
            _ => Err(KeyError::NotDer("public key")),
        }
    }

    /// The SubjectPublicKeyInfo DER (what WebCrypto's `importKey("spki")` takes).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
}

/// The parts of an X.509 certificate the providers' protocols use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The serial number in upper-case hex, as WeChat's `Wechatpay-Serial` and `serial_no`
    /// write it.
    pub serial: String,
    /// The certified key.
    pub public_key: PublicKey,
}

impl Certificate {
    /// Reads a PEM or bare base64 certificate.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Self::from_der(&der_of(text)?)
    }

    /// Reads certificate DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let bad = KeyError::NotDer("certificate");
        let top = whole(der).filter(|e| e.tag == 0x30).ok_or(bad.clone())?;
        let parts = children(top.content).ok_or(bad.clone())?;
        let [tbs, sig_alg, _sig] = parts.as_slice() else { return Err(bad) };
        if tbs.tag != 0x30 || sig_alg.tag != 0x30 {
            return Err(bad);
        }
        let fields = children(tbs.content).ok_or(bad.clone())?;
        // An explicit version ([0]) comes first when present.
        let fields = match fields.first() {
            Some(f) if f.tag == 0xa0 => &fields[1..],
            _ => &fields[..],
        };
        // serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
        let [serial, _, _, _, _, spki, ..] = fields else { return Err(bad) };
        if serial.tag != 0x02 || spki.tag != 0x30 {
            return Err(bad);
        }
        let spki_der = encode(0x30, spki.content);
        let public_key = PublicKey::from_der(&spki_der)?;
        let digits = serial.content.iter().skip_while(|&&b| b == 0);
        let serial = digits.map(|b| format!("{b:02X}")).collect();
        Ok(Self { serial, public_key })
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
