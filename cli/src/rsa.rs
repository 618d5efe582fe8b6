//! `paysign` for the RSA APIs: Alipay OpenAPI (RSA2) and WeChat Pay API v3, and v3's
//! AES-GCM resources, with the same sign strings the worker builds (`paycore`) and the
//! pure-Rust primitives (`paycore::crypto::native`).
//!
//! ```text
//! paysign sign   --algorithm ALIPAY-RSA2 --key-file F [--explain]                   < params.json
//! paysign verify --algorithm ALIPAY-RSA2 --key-file F [--explain]                   < notify form | params.json
//! paysign verify --algorithm ALIPAY-RSA2 --key-file F --response METHOD [--explain] < raw response body
//! paysign sign   --algorithm WXPAY-V3-RSA --key-file F [--explain]                  < exact message bytes
//! paysign verify --algorithm WXPAY-V3-RSA --key-file F --signature S [--explain]    < exact message bytes
//! paysign verify --algorithm WXPAY-V3-RSA --key-file F --timestamp T --nonce N --signature S
//!                [--serial X] [--now UNIX] [--explain]                              < exact reply / notify body
//! paysign decrypt --key APIV3KEY --nonce N --aad A                                  < base64 ciphertext
//! ```
//! `--key-file`: a PEM (PKCS#8 or PKCS#1 private key; SPKI public key or X.509 certificate)
//! or the bare base64 of one.
//!
//! An OpenAPI response (`--response`) and a v3 reply or notify (`--timestamp`) go through
//! the worker's own checks, `alipay_openapi::response_to_verify` and `wechat_v3::sign::check`,
//! then the RSA verification: the verdict is the worker's, and a refusal names the worker's
//! reason on stderr (`invalid: …`).

use std::process::ExitCode;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use paycore::alipay_openapi::{self, reply::OpenApiError};
use paycore::crypto::Crypto;
use paycore::crypto::native::NativeCrypto;
use paycore::form::RawForm;
use paycore::keys::{Certificate, PrivateKey, PublicKey};
use paycore::wechat_v3::V3Error;
use paycore::wechat_v3::sign::{self as v3, SignedHeaders};

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
    /// `--response METHOD`: stdin is a raw OpenAPI response to METHOD.
    response: Option<String>,
    /// `--timestamp`, `--serial`, `--now`: stdin is a v3 reply or notify body.
    timestamp: Option<String>,
    serial: Option<String>,
    now: Option<i64>,
    explain: bool,
    /// The options given, to refuse those another mode would have used.
    given: Vec<String>,
}

impl Options {
    /// Refuses any option given but not in `allowed` (`--algorithm` always is).
    fn only(&self, allowed: &[&str], mode: &str) -> Result<(), UsageError> {
        match self.given.iter().find(|f| *f != "--algorithm" && !allowed.contains(&f.as_str())) {
            Some(flag) => Err(UsageError(format!("`{flag}` does not go with {mode}"))),
            None => Ok(()),
        }
    }
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
            "--response" => o.response = Some(value("--response")?),
            "--timestamp" => o.timestamp = Some(value("--timestamp")?),
            "--serial" => o.serial = Some(value("--serial")?),
            "--now" => {
                let now = value("--now")?;
                o.now = Some(now.parse().map_err(|_| UsageError(format!("--now `{now}` is not Unix seconds")))?);
            }
            "--explain" => o.explain = true,
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
        o.given.push(flag.clone());
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

/// A refusal, with the worker's reason on stderr.
fn refused(reason: impl std::fmt::Display) -> ExitCode {
    eprintln!("invalid: {reason}");
    verdict(false)
}

/// `--explain`: the exact bytes signed, on stderr: as they are when they fit on one line,
/// quoted with Rust's escapes (`\n`, `\"`, `\\`) when they hold line breaks, as v3's do.
fn explain(label: &str, text: &[u8]) {
    match std::str::from_utf8(text) {
        Ok(s) if !s.contains(['\n', '\r']) => eprintln!("{label} ({} bytes): {s}", text.len()),
        Ok(s) => eprintln!("{label} ({} bytes): {s:?}", text.len()),
        Err(_) => eprintln!("{label} ({} bytes, not UTF-8): \"{}\"", text.len(), text.escape_ascii()),
    }
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
            o.only(&["--key-file", "--explain"], "sign --algorithm ALIPAY-RSA2")?;
            let key = PrivateKey::parse(&key_text(&o)?)?;
            let params = params(input)?;
            let params = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if o.explain {
                explain("string to sign", alipay_openapi::request_content(params.clone()).as_bytes());
            }
            println!("{}", alipay_openapi::sign_request(&NativeCrypto, &key, params)?);
            Ok(ExitCode::SUCCESS)
        }
        ("verify", "ALIPAY-RSA2") if o.response.is_some() => {
            o.only(&["--key-file", "--response", "--explain"], "verify --algorithm ALIPAY-RSA2 --response")?;
            let key = PublicKey::parse(&key_text(&o)?)?;
            alipay_response(&o, &key, input)
        }
        ("verify", "ALIPAY-RSA2") => {
            o.only(
                &["--key-file", "--explain"],
                "verify --algorithm ALIPAY-RSA2 (a notify; --response METHOD for a response)",
            )?;
            let key = PublicKey::parse(&key_text(&o)?)?;
            let params = params(input)?;
            let params = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if o.explain {
                explain("signed text", alipay_openapi::notify_content(params.clone()).as_bytes());
            }
            Ok(verdict(alipay_openapi::verify_notify(&NativeCrypto, &key, params)))
        }
        ("sign", "WXPAY-V3-RSA") => {
            o.only(&["--key-file", "--explain"], "sign --algorithm WXPAY-V3-RSA")?;
            let key = PrivateKey::parse(&key_text(&o)?)?;
            if o.explain {
                explain("string to sign", input);
            }
            println!("{}", STANDARD.encode(NativeCrypto.rsa_sha256_sign(&key, input)?));
            Ok(ExitCode::SUCCESS)
        }
        ("verify", "WXPAY-V3-RSA") if o.timestamp.is_some() => {
            let allowed = ["--key-file", "--timestamp", "--nonce", "--signature", "--serial", "--now", "--explain"];
            o.only(&allowed, "verify --algorithm WXPAY-V3-RSA --timestamp")?;
            wechat_reply(&o, input)
        }
        ("verify", "WXPAY-V3-RSA") => {
            o.only(
                &["--key-file", "--signature", "--explain"],
                "verify --algorithm WXPAY-V3-RSA without --timestamp (stdin is then the whole message; \
                 --timestamp --nonce --signature are a reply's headers)",
            )?;
            let key = PublicKey::parse(&key_text(&o)?)?;
            let signature = o.signature.as_deref().ok_or_else(|| UsageError("--signature is required".into()))?;
            let signature =
                STANDARD.decode(signature.trim()).map_err(|_| UsageError("--signature is not base64".into()))?;
            if o.explain {
                explain("signed text", input);
            }
            Ok(verdict(NativeCrypto.rsa_sha256_verify(&key, input, &signature)))
        }
        ("decrypt", _) => {
            o.only(&["--key", "--nonce", "--aad"], "decrypt")?;
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

/// An OpenAPI response as received, checked as the worker checks a reply to `--response`'s
/// method: the exact raw text of its `<method>_response` (or `error_response`) value, never
/// re-serialised, against its sibling `sign`.
fn alipay_response(o: &Options, key: &PublicKey, input: &[u8]) -> Result<ExitCode, UsageError> {
    let method = o.response.as_deref().unwrap_or_default();
    // Nothing trimmed or re-encoded: the worker reads the body as it came.
    let Ok(raw) = std::str::from_utf8(input) else { return Ok(refused("not UTF-8")) };
    let todo = match alipay_openapi::response_to_verify(raw, method) {
        Ok(todo) => todo,
        Err(e @ OpenApiError::Malformed(_)) => {
            let key = format!("{}_response", method.replace('.', "_"));
            return Ok(refused(format_args!("{e} (no \"{key}\" or \"error_response\" with a \"sign\" beside it)")));
        }
        Err(e) => return Ok(refused(e)),
    };
    if o.explain {
        explain("signed text", todo.content.as_bytes());
    }
    if NativeCrypto.rsa_sha256_verify(key, todo.content.as_bytes(), &todo.signature) {
        Ok(verdict(true))
    } else {
        Ok(refused(OpenApiError::BadSignature))
    }
}

/// A v3 reply or notify body with its `Wechatpay-*` headers given as options, checked as the
/// worker checks one: `sign::check` at `--now` (scheme, timestamp within 300 s, no
/// `WECHATPAY/SIGNTEST/` probe, base64 signature), the key of the serial, then RSA.
fn wechat_reply(o: &Options, body: &[u8]) -> Result<ExitCode, UsageError> {
    let text = key_text(o)?;
    // A platform certificate names its serial; a public key (public-key mode) does not.
    let certificate = Certificate::parse(&text).ok();
    let key = match &certificate {
        Some(c) => c.public_key.clone(),
        None => PublicKey::parse(&text)?,
    };
    // Header values as the worker sees them: HTTP drops the spaces around a value.
    let header = |value: &Option<String>| value.as_deref().map(|v| v.trim().to_owned());
    let timestamp = header(&o.timestamp).unwrap_or_default();
    let nonce = header(&o.nonce).ok_or_else(|| UsageError("--nonce is required with --timestamp".into()))?;
    let signature = header(&o.signature).ok_or_else(|| UsageError("--signature is required".into()))?;
    if o.explain {
        explain("signed text", &v3::response_message(&timestamp, &nonce, body));
    }
    // The serial only picks the key, and --key-file is the key; but the worker refuses a
    // reply without one, so without --serial the certificate's own stands in (a bare public
    // key names none: a placeholder).
    let serial = header(&o.serial).or_else(|| certificate.as_ref().map(|c| c.serial.clone()));
    let headers = SignedHeaders {
        timestamp: Some(timestamp),
        nonce: Some(nonce),
        signature: Some(signature),
        serial: Some(serial.unwrap_or_else(|| "(--key-file)".into())),
        signature_type: None,
    };
    let now = o.now.unwrap_or_else(crate::webhook::now);
    let todo = match v3::check(&headers, body, now) {
        Ok(todo) => todo,
        Err(e @ V3Error::Stale) => {
            return Ok(refused(format_args!(
                "{e} (Wechatpay-Timestamp {}, now {now})",
                headers.timestamp.unwrap_or_default()
            )));
        }
        Err(e) => return Ok(refused(e)),
    };
    if let (Some(_), Some(certificate)) = (&o.serial, &certificate)
        && !certificate.serial.eq_ignore_ascii_case(&todo.serial)
    {
        let why = V3Error::UnknownSerial(todo.serial);
        return Ok(refused(format_args!("{why} (the certificate in --key-file is {})", certificate.serial)));
    }
    if NativeCrypto.rsa_sha256_verify(&key, &todo.message, &todo.signature) {
        Ok(verdict(true))
    } else {
        Ok(refused(V3Error::BadSignature))
    }
}
