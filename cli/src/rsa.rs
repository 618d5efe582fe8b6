//! `paysign` for the RSA APIs: Alipay OpenAPI (RSA2) and WeChat Pay API v3, and v3's
//! AES-GCM resources, with the same sign strings the worker builds (`paycore`) and the
//! pure-Rust primitives (`paycore::crypto::native`).
//!
//! ```text
//! paysign sign   --algorithm ALIPAY-RSA2 --key-file F                < params.json
//! paysign verify --algorithm ALIPAY-RSA2 --key-file F                < notify form | params.json
//! paysign sign   --algorithm WXPAY-V3-RSA --key-file F               < exact message bytes
//! paysign verify --algorithm WXPAY-V3-RSA --key-file F --signature S < exact message bytes
//! paysign decrypt --key APIV3KEY --nonce N --aad A                   < base64 ciphertext
//! ```
//! `--key-file`: a PEM (PKCS#8 or PKCS#1 private key; SPKI public key or X.509 certificate)
//! or the bare base64 of one.

use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use paycore::alipay_openapi;
use paycore::crypto::Crypto;
use paycore::crypto::native::NativeCrypto;
use paycore::form::RawForm;
use paycore::keys::{PrivateKey, PublicKey};

use crate::UsageError;

/// Whether these arguments are for this module (an RSA algorithm, or `decrypt`).
pub fn handles(args: &[String]) -> bool {
    args.first().is_some_and(|c| c == "decrypt")
        || args.windows(2).any(|w| w[0] == "--algorithm" && (w[1] == "ALIPAY-RSA2" || w[1] == "WXPAY-V3-RSA"))
}

#[derive(Default)]
struct Options {
    algorithm: String,
    key_file: Option<String>,
    signature: Option<String>,
    key: Option<String>,
    nonce: Option<String>,
    aad: String,
}

fn options(args: &[String]) -> Result<Options, UsageError> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| UsageError(format!("{name} needs a value")));
        match flag.as_str() {
            "--algorithm" => o.algorithm = value("--algorithm")?,
            "--key-file" => o.key_file = Some(value("--key-file")?),
            "--signature" => o.signature = Some(value("--signature")?),
            "--key" => o.key = Some(value("--key")?),
            "--nonce" => o.nonce = Some(value("--nonce")?),
            "--aad" => o.aad = value("--aad")?,
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
    }
    Ok(o)
}

fn key_text(o: &Options) -> Result<String, UsageError> {
    let path = o.key_file.as_deref().ok_or_else(|| UsageError("--key-file is required".into()))?;
    std::fs::read_to_string(path).map_err(|e| UsageError(format!("cannot read {path}: {e}")))
}

fn verdict(valid: bool) -> ExitCode {
    println!("{}", if valid { "valid" } else { "invalid" });
    if valid { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// The parameters of a JSON object (string values) or a urlencoded form, decoded once.
fn params(input: &[u8]) -> Result<Vec<(String, String)>, UsageError> {
    let text = std::str::from_utf8(input).map_err(|_| UsageError("input is not UTF-8".into()))?.trim();
    if text.starts_with('{') {
        let fields = crate::json_fields(text)?;
        return Ok(fields.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect());
    }
    let form = RawForm::parse(text.as_bytes())?;
    form.pairs()
        .map(|(k, v)| match (std::str::from_utf8(k), std::str::from_utf8(v)) {
            (Ok(k), Ok(v)) => Ok((k.to_owned(), v.to_owned())),
            _ => Err(UsageError("a form value is not UTF-8 (OpenAPI notifies are)".into())),
        })
        .collect()
}

/// Runs the command with stdin's bytes.
pub fn run(args: &[String], input: &[u8]) -> Result<ExitCode, UsageError> {
    let command = args[0].as_str();
    let o = options(&args[1..])?;
    match (command, o.algorithm.as_str()) {
        ("sign", "ALIPAY-RSA2") => {
            let key = PrivateKey::parse(&key_text(&o)?)?;
            let params = params(input)?;
            let sign = alipay_openapi::sign_request(
                &NativeCrypto,
                &key,
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )?;
            println!("{sign}");
            Ok(ExitCode::SUCCESS)
        }
        ("verify", "ALIPAY-RSA2") => {
            let key = PublicKey::parse(&key_text(&o)?)?;
            let params = params(input)?;
            Ok(verdict(alipay_openapi::verify_notify(
                &NativeCrypto,
                &key,
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )))
        }
        ("sign", "WXPAY-V3-RSA") => {
            let key = PrivateKey::parse(&key_text(&o)?)?;
            println!("{}", STANDARD.encode(NativeCrypto.rsa_sha256_sign(&key, input)?));
            Ok(ExitCode::SUCCESS)
        }
        ("verify", "WXPAY-V3-RSA") => {
            let key = PublicKey::parse(&key_text(&o)?)?;
            let signature = o.signature.as_deref().ok_or_else(|| UsageError("--signature is required".into()))?;
            let signature =
                STANDARD.decode(signature.trim()).map_err(|_| UsageError("--signature is not base64".into()))?;
            Ok(verdict(NativeCrypto.rsa_sha256_verify(&key, input, &signature)))
        }
        ("decrypt", _) => {
            let key = o.key.as_deref().ok_or_else(|| UsageError("--key is required".into()))?;
            let nonce = o.nonce.as_deref().ok_or_else(|| UsageError("--nonce is required".into()))?;
            let text = std::str::from_utf8(input).map_err(|_| UsageError("input is not base64".into()))?;
            let sealed = STANDARD.decode(text.trim()).map_err(|_| UsageError("input is not base64".into()))?;
            match NativeCrypto.aes_gcm_decrypt(key.as_bytes(), nonce.as_bytes(), o.aad.as_bytes(), &sealed) {
                Ok(plain) => {
                    println!("{}", String::from_utf8_lossy(&plain));
                    Ok(ExitCode::SUCCESS)
                }
                Err(paycore::crypto::CryptoError::Decrypt("not authentic")) => {
                    println!("invalid: not authentic (wrong key, nonce, aad or ciphertext)");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(UsageError(e.to_string())),
            }
        }
        (_, other) => Err(UsageError(format!("`{command}` with algorithm `{other}` is not a thing"))),
    }
}
