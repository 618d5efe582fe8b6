//! `paysign`: a signature debugger for merchants (the offline twin of WeChat's online
//! 签名校验工具), built on the same core the worker uses.
//!
//! ```text
//! paysign sign   --algorithm ALG --key KEY [--explain]   < params.json
//! paysign verify --algorithm ALG --key KEY [--explain]   < params.json | body.xml | body.form
//! paysign parse  --provider wechat|alipay                < body
//! paysign webhook sign   --secret S [--timestamp T]              < body
//! paysign webhook verify --secret S --header H [--timestamp NOW] < body
//! paysign bill --wallet wechat|alipay [--stats]                < trade bill
//! ```
//! ALG is `ALIPAY-MAPI-MD5`, `WXPAY-V2-MD5` or `WXPAY-V2-HMAC-SHA256`; the RSA algorithms
//! (`ALIPAY-RSA2`, `WXPAY-V3-RSA`, with OpenAPI responses and v3 replies checked as the
//! worker checks them) and v3's `decrypt` are in [`rsa`]. Exit status: 0 ok / valid,
//! 1 invalid (the worker's reason on stderr for those), 2 bad usage or unreadable input
//! (message on stderr).

use std::io::Read;
use std::process::ExitCode;

use paycore::Fields;
use paycore::form::RawForm;
use paycore::sign::{Algorithm, SecretKey, alipay_presign, alipay_verify, sign_with, verify_with, wechat_presign};
use paycore::xml::parse_wechat;

mod bill;
mod rsa;
mod webhook;

const USAGE: &str = "usage:
  paysign sign   --algorithm ALG --key KEY [--explain]   < params.json
  paysign verify --algorithm ALG --key KEY [--explain]   < params.json | wechat.xml | alipay-form
  paysign parse  --provider wechat|alipay                < body
  paysign webhook sign   --secret S [--timestamp T]                < raw body
  paysign webhook verify --secret S --header H [--timestamp NOW]   < raw body
  paysign sign   --algorithm ALIPAY-RSA2 --key-file F                < params.json
  paysign verify --algorithm ALIPAY-RSA2 --key-file F                < notify form | params.json
  paysign verify --algorithm ALIPAY-RSA2 --key-file F --response METHOD   < raw response body
  paysign sign   --algorithm WXPAY-V3-RSA --key-file F               < exact message
  paysign verify --algorithm WXPAY-V3-RSA --key-file F --signature S < exact message
  paysign verify --algorithm WXPAY-V3-RSA --key-file F --timestamp T --nonce N --signature S
                 [--serial X] [--now UNIX]                           < exact reply / notify body
  paysign decrypt --key APIV3KEY --nonce N --aad A                   < base64 ciphertext
  paysign bill --wallet wechat|alipay [--stats]                      < trade bill (UTF-8 CSV)
ALG: ALIPAY-MAPI-MD5 | WXPAY-V2-MD5 | WXPAY-V2-HMAC-SHA256
--key-file: PEM (PKCS#8/PKCS#1 private, SPKI public, X.509 certificate) or its bare base64
--explain (sign, verify): the exact string signed, on stderr";

/// A failure that ends the program with exit status 2.
struct UsageError(String);

impl<T: std::fmt::Display> From<T> for UsageError {
    fn from(e: T) -> Self {
        UsageError(e.to_string())
    }
}

struct Options {
    command: String,
    algorithm: Option<Algorithm>,
    key: Option<SecretKey>,
    provider: Option<String>,
    explain: bool,
}

fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let mut it = args.iter();
    let command = it.next().ok_or_else(|| UsageError("missing command".into()))?.clone();
    let mut opts = Options { command, algorithm: None, key: None, provider: None, explain: false };
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| UsageError(format!("{name} needs a value")));
        match flag.as_str() {
            "--algorithm" => opts.algorithm = Some(value("--algorithm")?.parse()?),
            "--key" => opts.key = Some(SecretKey::new(value("--key")?)),
            "--provider" => opts.provider = Some(value("--provider")?),
            "--explain" => opts.explain = true,
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
    }
    Ok(opts)
}

/// Reads a JSON object whose values are strings (integers are accepted as their digits).
pub(crate) fn json_fields(input: &str) -> Result<Fields, UsageError> {
    let value: serde_json::Value = serde_json::from_str(input).map_err(|e| UsageError(format!("invalid JSON: {e}")))?;
    let map = value.as_object().ok_or_else(|| UsageError("input must be a JSON object".into()))?;
    let mut fields = Fields::new();
    for (k, v) in map {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
            _ => return Err(UsageError(format!("parameter `{k}` must be a string"))),
        };
        // JSAPI's page parameters carry their signature as `paySign`.
        let name = if k == "paySign" { "sign".to_owned() } else { k.clone() };
        fields.set(name, text);
    }
    Ok(fields)
}

fn explain(algorithm: Algorithm, fields: &Fields) {
    let presign = match algorithm {
        Algorithm::AlipayMapiMd5 => {
            String::from_utf8_lossy(&alipay_presign(fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes()))))
                .into_owned()
                + "<key>"
        }
        _ => wechat_presign(fields) + "&key=<key>",
    };
    eprintln!("string to sign: {presign}");
}

fn run(args: &[String]) -> Result<ExitCode, UsageError> {
    if args[0] == "webhook" || args[0] == "bill" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body)?;
        return if args[0] == "bill" { bill::run(&args[1..], &body) } else { webhook::run(&args[1..], &body) };
    }
    if rsa::handles(args) {
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input)?;
        return rsa::run(args, &input);
    }
    let opts = parse_args(args)?;
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input)?;
    let text = String::from_utf8_lossy(&input);
    let trimmed = text.trim();
    match opts.command.as_str() {
        "sign" | "verify" => {
            let algorithm = opts.algorithm.ok_or_else(|| UsageError("--algorithm is required".into()))?;
            let key = opts.key.ok_or_else(|| UsageError("--key is required".into()))?;
            if opts.command == "sign" {
                let fields = json_fields(trimmed)?;
                if opts.explain {
                    explain(algorithm, &fields);
                }
                println!("{}", sign_with(algorithm, &fields, &key));
                return Ok(ExitCode::SUCCESS);
            }
            let valid = if trimmed.starts_with('{') {
                let fields = json_fields(trimmed)?;
                if opts.explain {
                    explain(algorithm, &fields);
                }
                verify_with(algorithm, &fields, &key).is_ok()
            } else if trimmed.starts_with('<') {
                let fields = parse_wechat(trimmed.as_bytes())?;
                if opts.explain {
                    explain(algorithm, &fields);
                }
                verify_with(algorithm, &fields, &key).is_ok()
            } else {
                let form = RawForm::parse(trimmed.as_bytes())?;
                if opts.explain {
                    explain(algorithm, &form.to_fields_lossy());
                }
                match algorithm {
                    // Over the decoded bytes, so GBK notifies verify too.
                    Algorithm::AlipayMapiMd5 => alipay_verify(form.pairs(), &key).is_ok(),
                    _ => verify_with(algorithm, &form.to_fields_lossy(), &key).is_ok(),
                }
            };
            println!("{}", if valid { "valid" } else { "invalid" });
            Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        "parse" => {
            let fields = match opts.provider.as_deref() {
                Some("wechat") => parse_wechat(trimmed.as_bytes())?,
                Some("alipay") => RawForm::parse(trimmed.as_bytes())?.to_fields_lossy(),
                Some(other) => return Err(UsageError(format!("unknown provider `{other}` (wechat or alipay)"))),
                None => return Err(UsageError("--provider is required".into())),
            };
            println!("{}", serde_json::to_string_pretty(&fields)?);
            Ok(ExitCode::SUCCESS)
        }
        other => Err(UsageError(format!("unknown command `{other}`"))),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" {
        eprintln!("{USAGE}");
        return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
    }
    match run(&args) {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            eprintln!("paysign: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
