use super::*;
use crate::crypto::native::NativeCrypto;

/// alipay-sdk-nodejs-all test/alipay.test.ts ("verify sign should delete sign_type"): a real
/// notify and the public key that signed it.
const NOTIFY_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";
const NOTIFY: &[(&str, &str)] = &[
    ("gmt_create", "2019-08-15 15:56:22"),
    ("charset", "utf-8"),
    ("seller_email", "z97-yuquerevenue@service.aliyun.com"),
    ("subject", "语雀空间 500人规模"),
    (
        "sign",
        "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==",
    ),
    ("buyer_id", "2088102534368455"),
    ("invoice_amount", "0.10"),
    ("notify_id", "2019081500222155624068450559358070"),
    ("fund_bill_list", r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#),
    ("notify_type", "trade_status_sync"),
    ("trade_status", "TRADE_SUCCESS"),
    ("receipt_amount", "0.10"),
    ("buyer_pay_amount", "0.10"),
    ("sign_type", "RSA2"),
    ("app_id", "2019073166072302"),
    ("seller_id", "2088531891668739"),
    ("gmt_payment", "2019-08-15 15:56:24"),
    ("notify_time", "2019-08-15 15:56:25"),
    ("version", "1.0"),
    ("out_trade_no", "20190815155618536-564-57"),
    ("total_amount", "0.10"),
    ("trade_no", "2019081522001468450512505578"),
    ("auth_app_id", "2019073166072302"),
    ("buyer_logon_id", "xud***@126.com"),
    ("point_amount", "0.00"),
];

#[test]
fn a_real_notify_verifies_and_any_change_breaks_it() {
    let key = PublicKey::parse(NOTIFY_KEY).unwrap();
    assert!(verify_notify(&NativeCrypto, &key, NOTIFY.iter().copied()));
    let without_sign_type = NOTIFY.iter().copied().filter(|(k, _)| *k != "sign_type");
    assert!(verify_notify(&NativeCrypto, &key, without_sign_type), "sign_type is not signed");
    let more = NOTIFY.iter().copied().map(|(k, v)| (k, if k == "total_amount" { "100.00" } else { v }));
    assert!(!verify_notify(&NativeCrypto, &key, more));
    let unsigned = NOTIFY.iter().copied().filter(|(k, _)| *k != "sign");
    assert!(!verify_notify(&NativeCrypto, &key, unsigned));
}

#[test]
fn sign_strings() {
    let params = [
        ("sign", "x"),
        ("b", "2"),
        ("a", "1"),
        ("empty", ""),
        ("sign_type", "RSA2"),
        ("biz_content", r#"{"out_trade_no":"1"}"#),
    ];
    assert_eq!(request_content(params), r#"a=1&b=2&biz_content={"out_trade_no":"1"}&sign_type=RSA2"#);
    assert_eq!(notify_content(params), r#"a=1&b=2&biz_content={"out_trade_no":"1"}"#);
}

#[test]
fn responses_verify_over_their_exact_raw_text() {
    let key = crate::keys::PrivateKey::parse(include_str!("../tests/data/wechatpay_go_test_key.pem")).unwrap();
    let public = PublicKey::parse(include_str!("../tests/data/wechatpay_go_test_key.pub.pem")).unwrap();
    // Escapes as Alipay sends them ("\/" and a unicode escape): the signature covers this text.
    let content = r#"{"code":"10000","msg":"Success","buyer_logon_id":"xud***@126.com","out_trade_no":"t\/1","trade_status":"TRADE_SUCCESS","subject":"\u8BED\u96C0","sign":"inner"}"#;
    let sign = STANDARD.encode(NativeCrypto.rsa_sha256_sign(&key, content.as_bytes()).unwrap());
    let raw = format!("{{\"alipay_trade_query_response\": {content},\"sign\":\"{sign}\"}}");
    assert_eq!(signed_response(&raw, "alipay.trade.query"), Some((content, sign.clone())));
    assert!(verify_response(&NativeCrypto, &public, &raw, "alipay.trade.query"));
    // Re-serialising changes the bytes: what a careless client would verify fails.
    let reserialised = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(content).unwrap()).unwrap();
    assert!(!NativeCrypto.rsa_sha256_verify(&public, reserialised.as_bytes(), &STANDARD.decode(&sign).unwrap()));
    let tampered = raw.replace("TRADE_SUCCESS", "TRADE_CLOSED");
    assert!(!verify_response(&NativeCrypto, &public, &tampered, "alipay.trade.query"));
    let error =
        format!("{{\"error_response\":{{\"code\":\"40002\",\"msg\":\"Invalid Arguments\"}},\"sign\":\"{sign}\"}}");
    assert_eq!(
        signed_response(&error, "alipay.trade.query").unwrap().0,
        r#"{"code":"40002","msg":"Invalid Arguments"}"#
    );
    assert_eq!(signed_response("{\"alipay_trade_query_response\":{\"a\":\"}", "alipay.trade.query"), None);
}
