//! WeChat notify verification: genuine, forged, foreign, tampered, malformed.

use super::*;
use crate::sign::WechatSignType::{HmacSha256, Md5};
use crate::wechat_v2::test_support::{KEY, config, signed_body, signed_body_without_sign_type};

const PAID: &[(&str, &str)] = &[
    ("return_code", "SUCCESS"),
    ("result_code", "SUCCESS"),
    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ("is_subscribe", "Y"),
    ("trade_type", "NATIVE"),
    ("bank_type", "CMC"),
    ("total_fee", "1"),
    ("fee_type", "CNY"),
    ("cash_fee", "1"),
    ("transaction_id", "1004400740201409030005092168"),
    ("out_trade_no", "1409811653"),
    ("time_end", "20140903131540"),
    ("coupon_count", "1"),
    ("coupon_id_0", "10000"),
    ("coupon_fee_0", "100"),
];

#[test]
fn genuine_notify_verifies_with_unknown_fields() {
    let bodies = [
        signed_body(PAID, KEY, Md5),
        signed_body(PAID, KEY, HmacSha256),
        // The merchant orders with HMAC-SHA256 (config()); WeChat's notify has no sign_type.
        signed_body_without_sign_type(PAID, KEY, HmacSha256),
    ];
    for body in bodies {
        let (n, fields) = verify(&config(), body.as_bytes()).unwrap();
        assert_eq!(n.trade_no.as_str(), "1409811653");
        assert_eq!(n.total_fee.fen(), 1);
        assert_eq!(n.result, NotifyResult::Paid);
        assert_eq!(n.time_end.as_deref(), Some("20140903131540"));
        assert_eq!(fields.get("coupon_id_0"), Some("10000"));
    }
    // Without sign_type the merchant's own algorithm is the only one tried.
    let md5_bare = signed_body_without_sign_type(PAID, KEY, Md5);
    assert!(matches!(verify(&config(), md5_bare.as_bytes()), Err(NotifyError::Sign(_))));
}

#[test]
fn forged_tampered_and_foreign_notifies_fail() {
    let other_key = signed_body(PAID, "ffffffffffffffffffffffffffffffff", Md5);
    assert!(matches!(verify(&config(), other_key.as_bytes()), Err(NotifyError::Sign(_))));

    let tampered = signed_body(PAID, KEY, Md5).replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[100]]>");
    assert!(matches!(verify(&config(), tampered.as_bytes()), Err(NotifyError::Sign(_))));

    let mut foreign: Vec<(&str, &str)> = PAID.to_vec();
    foreign.push(("mch_id", "99999999"));
    assert_eq!(verify(&config(), signed_body(&foreign, KEY, Md5).as_bytes()), Err(NotifyError::WrongMerchant));

    let mut bad_no: Vec<(&str, &str)> = PAID.to_vec();
    bad_no.push(("out_trade_no", "../../x"));
    assert_eq!(verify(&config(), signed_body(&bad_no, KEY, Md5).as_bytes()), Err(NotifyError::BadOrderNo));

    let mut bad_fee: Vec<(&str, &str)> = PAID.to_vec();
    bad_fee.push(("total_fee", "0.01"));
    assert_eq!(verify(&config(), signed_body(&bad_fee, KEY, Md5).as_bytes()), Err(NotifyError::BadAmount));

    assert!(matches!(verify(&config(), b"<xml><a>"), Err(NotifyError::Xml(_))));
    assert!(matches!(verify(&config(), b"{\"json\":1}"), Err(NotifyError::Xml(_))));
}

#[test]
fn failed_payment_is_reported_not_paid() {
    let mut failed: Vec<(&str, &str)> = PAID.to_vec();
    failed.push(("result_code", "FAIL"));
    failed.push(("err_code", "PAYERROR"));
    let (n, _) = verify(&config(), signed_body(&failed, KEY, Md5).as_bytes()).unwrap();
    assert_eq!(n.result, NotifyResult::Failed("PAYERROR".into()));
}

#[test]
fn reply_bodies_are_exact() {
    assert_eq!(
        reply_success(),
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    );
    assert_eq!(
        reply_fail("bad sign"),
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[bad sign]]></return_msg></xml>"
    );
}
