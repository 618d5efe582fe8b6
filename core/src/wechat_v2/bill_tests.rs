use super::*;
use crate::wechat_v2::test_support::config;

#[test]
fn asks_for_the_days_all_bill_gzipped_and_signed() {
    let date = crate::bills::parse_bill_date("2026-12-04").unwrap();
    let req = download_bill(&config(), date, "nonce");
    assert_eq!(req.url, "https://api.mch.weixin.qq.com/pay/downloadbill");
    let f = parse_wechat(&req.body).unwrap();
    assert_eq!(
        (f.get("bill_date"), f.get("bill_type"), f.get("tar_type")),
        (Some("20261204"), Some("ALL"), Some("GZIP"))
    );
    assert_eq!(crate::sign::wechat_verify(&f, &config().api_key, config().sign_type), Ok(config().sign_type));
}

#[test]
fn reads_the_file_or_wechats_reason_for_none() {
    let gz = [0x1f, 0x8b, 8, 0, 1, 2];
    assert_eq!(read_download(&gz), Ok(BillAnswer::File { bytes: gz.to_vec(), packing: Packing::Gzip }));
    let csv = "交易时间,公众账号ID\r\n".as_bytes();
    assert_eq!(read_download(csv), Ok(BillAnswer::File { bytes: csv.to_vec(), packing: Packing::Plain }));
    let fail = |msg: &str| {
        format!(
            "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[{msg}]]></return_msg><error_code>20002</error_code></xml>"
        )
    };
    assert_eq!(read_download(fail("No Bill Exist").as_bytes()), Ok(BillAnswer::NoBill));
    assert_eq!(read_download(fail("Bill Creating").as_bytes()), Ok(BillAnswer::NotReady("Bill Creating".into())));
    assert_eq!(read_download(fail("签名错误").as_bytes()), Err(ReplyError::Communication("签名错误".into())));
}
