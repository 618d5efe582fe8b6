//! `pay/downloadbill`: a day's trade bill (`bill_type=ALL`, gzip). The answer is the file
//! itself, or WeChat's failure XML (unsigned): `No Bill Exist` when there were no trades,
//! `Bill Creating` before it is made (around 10:00 the next day).

use super::WechatConfig;
use super::reply::ReplyError;
use crate::Fields;
use crate::bills::BillDate;
use crate::http::HttpRequest;
use crate::provider::{BillAnswer, Packing};
use crate::xml::parse_wechat;

/// The request for `date`'s bill, gzip-packed.
pub fn download_bill(cfg: &WechatConfig, date: BillDate, nonce: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("bill_date", date.compact()).set("bill_type", "ALL").set("tar_type", "GZIP");
    super::request::signed_request(cfg, "pay/downloadbill", f, nonce)
}

/// What the answer is: the file (gzip, or plain text), or why there is none.
pub fn read_download(body: &[u8]) -> Result<BillAnswer, ReplyError> {
    if body.starts_with(&[0x1f, 0x8b]) {
        return Ok(BillAnswer::File { bytes: body.to_vec(), packing: Packing::Gzip });
    }
    if body.trim_ascii_start().starts_with(b"<") {
        let fields = parse_wechat(body)?;
        let msg = fields.get("return_msg").unwrap_or_default();
        return match msg {
            "No Bill Exist" => Ok(BillAnswer::NoBill),
            "Bill Creating" => Ok(BillAnswer::NotReady(msg.to_owned())),
            other => Err(ReplyError::Communication(other.chars().take(128).collect())),
        };
    }
    Ok(BillAnswer::File { bytes: body.to_vec(), packing: Packing::Plain })
}

#[cfg(test)]
#[path = "bill_tests.rs"]
mod tests;
