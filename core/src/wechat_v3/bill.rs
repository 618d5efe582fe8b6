//! `GET /v3/bill/tradebill`: where a day's trade bill is (`bill_type=ALL`, gzip), with the
//! SHA-1 of the unpacked file; then the download from that URL, signed like every v3
//! request (its answer is not signed: the hash checks it). No trades that day:
//! `NO_STATEMENT_EXIST`; not made yet: `STATEMENT_CREATING`.

use serde::Deserialize;

use super::V3Error;
use super::reply::ErrorBody;
use super::request::Call;
use crate::bills::BillDate;
use crate::http::Method;
use crate::provider::{BillAnswer, Packing};

/// The request for `date`'s bill.
pub fn trade_bill(date: BillDate) -> Call {
    let path = format!("/v3/bill/tradebill?bill_date={}&bill_type=ALL&tar_type=GZIP", date.iso());
    Call { method: Method::Get, path, body: String::new() }
}

/// The download of `url`, which must be on the API's own host (the merchant's signature
/// goes nowhere else).
pub fn download(api_base: &str, url: &str) -> Result<Call, V3Error> {
    let origin = |u: &str| crate::http::origin_of(u);
    if origin(url).is_none() || origin(url) != origin(api_base) {
        return Err(V3Error::Malformed("the bill's download_url is not on the API's host".into()));
    }
    let path = &url[origin(url).map_or(0, |o| o.len())..];
    Ok(Call { method: Method::Get, path: path.to_owned(), body: String::new() })
}

#[derive(Deserialize)]
struct Located {
    #[serde(default)]
    hash_type: String,
    #[serde(default)]
    hash_value: String,
    download_url: String,
}

/// What the bill request answered.
pub fn located(body: &[u8]) -> Result<BillAnswer, V3Error> {
    let l: Located = serde_json::from_slice(body).map_err(|e| V3Error::Malformed(e.to_string()))?;
    let sha1 = (l.hash_type.eq_ignore_ascii_case("SHA1") && !l.hash_value.is_empty())
        .then(|| l.hash_value.to_ascii_lowercase());
    Ok(BillAnswer::Download { url: l.download_url, packing: Packing::Gzip, sha1 })
}

/// A refusal that says there is no bill (yet).
pub fn absent(e: &ErrorBody) -> Option<BillAnswer> {
    match e.code.as_str() {
        "NO_STATEMENT_EXIST" => Some(BillAnswer::NoBill),
        "STATEMENT_CREATING" => Some(BillAnswer::NotReady(e.message.chars().take(120).collect())),
        _ => None,
    }
}

#[cfg(test)]
#[path = "bill_tests.rs"]
mod tests;
