//! `paysign webhook sign|verify`: the merchant's side of paybridge's webhook signature, over
//! the exact bytes on stdin (nothing trimmed: the signature covers every byte).

use std::process::ExitCode;

use paycore::webhook;

use crate::UsageError;

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Runs `paysign webhook <sign|verify> …` with `body` read from stdin.
pub fn run(args: &[String], body: &[u8]) -> Result<ExitCode, UsageError> {
    let mut it = args.iter();
    let action = it.next().ok_or_else(|| UsageError("webhook needs sign or verify".into()))?.clone();
    let (mut secret, mut header, mut timestamp, mut tolerance) = (None, None, None, webhook::TOLERANCE_SECS);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| UsageError(format!("{name} needs a value")));
        match flag.as_str() {
            "--secret" => secret = Some(value("--secret")?),
            "--header" => header = Some(value("--header")?),
            "--timestamp" => timestamp = Some(value("--timestamp")?.parse::<i64>()?),
            "--tolerance" => tolerance = value("--tolerance")?.parse::<i64>()?,
            other => return Err(UsageError(format!("unknown option `{other}`"))),
        }
    }
    let secret = secret.ok_or_else(|| UsageError("--secret is required".into()))?;
    match action.as_str() {
        "sign" => {
            println!("{}", webhook::signature_header(&secret, timestamp.unwrap_or_else(now), body));
            Ok(ExitCode::SUCCESS)
        }
        "verify" => {
            let now = timestamp.unwrap_or_else(now);
            match webhook::verify(body, header.as_deref(), &secret, tolerance, now) {
                Ok(event) => {
                    println!("valid {} {}", event.kind, event.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("invalid: {e} ({})", e.code());
                    Ok(ExitCode::from(1))
                }
            }
        }
        other => Err(UsageError(format!("unknown webhook action `{other}` (sign or verify)"))),
    }
}
