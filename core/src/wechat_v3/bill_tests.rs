use super::*;

#[test]
fn asks_where_the_bill_is_and_downloads_only_from_the_api_host() {
    let date = crate::bills::parse_bill_date("2026-12-04").unwrap();
    assert_eq!(trade_bill(date).path, "/v3/bill/tradebill?bill_date=2026-12-04&bill_type=ALL&tar_type=GZIP");
    let ok = download("https://api.mch.weixin.qq.com", "https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc")
        .unwrap();
    assert_eq!(ok.path, "/v3/billdownload/file?token=abc");
    assert!(download("https://api.mch.weixin.qq.com", "https://evil.example/v3/billdownload/file?token=abc").is_err());
    assert!(download("https://api.mch.weixin.qq.com", "not a url").is_err());
}

#[test]
fn reads_the_location_and_the_absent_cases() {
    let body = br#"{"hash_type":"SHA1","hash_value":"79BB0F45FC9CEE5C1B5D8C1F0C6F4E1A3F2B8E40","download_url":"https://api.mch.weixin.qq.com/v3/billdownload/file?token=x"}"#;
    assert_eq!(
        located(body).unwrap(),
        BillAnswer::Download {
            url: "https://api.mch.weixin.qq.com/v3/billdownload/file?token=x".into(),
            packing: Packing::Gzip,
            sha1: Some("79bb0f45fc9cee5c1b5d8c1f0c6f4e1a3f2b8e40".into())
        }
    );
    let e = |code: &str| ErrorBody { code: code.into(), message: "m".into() };
    assert_eq!(absent(&e("NO_STATEMENT_EXIST")), Some(BillAnswer::NoBill));
    assert_eq!(absent(&e("STATEMENT_CREATING")), Some(BillAnswer::NotReady("m".into())));
    assert_eq!(absent(&e("PARAM_ERROR")), None);
}
