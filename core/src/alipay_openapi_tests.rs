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

mod calls {
    use super::*;
    use crate::AmountFen;
    use crate::alipay_mapi::TradeStatus;
    use crate::alipay_openapi::reply::{self, OpenApiError};
    use crate::alipay_openapi::request::{self, NewTrade, OpenApiConfig};
    use crate::form::{RawForm, encode_pairs};

    /// wechatpay-go's test key (any RSA key signs the same way; Alipay's own are not public).
    const APP_KEY: &str = include_str!("../tests/data/wechatpay_go_test_key.pem");
    const APP_PUBLIC_KEY: &str = include_str!("../tests/data/wechatpay_go_test_key.pub.pem");

    fn cfg() -> OpenApiConfig {
        OpenApiConfig { gateway: "https://openapi.alipay.com/gateway.do".into(), app_id: "2021000000000001".into() }
    }

    #[test]
    fn page_pay_url_carries_a_verifiable_rsa2_sign() {
        let no = "order_0001";
        let trade = NewTrade {
            trade_no: no,
            subject: "测试 & Test",
            total: AmountFen::new(1990).unwrap(),
            notify_url: "https://pay.example/notify/alipay/openapi",
            expires_at: 1_528_425_296, // 2018-06-08 10:34:56 Beijing
        };
        let call = request::page_pay(&cfg(), &trade, "https://pay.example/return/alipay", 1_528_423_496);
        let sign = STANDARD.encode(
            NativeCrypto.rsa_sha256_sign(&PrivateKey::parse(APP_KEY).unwrap(), call.content().as_bytes()).unwrap(),
        );
        let url = call.into_url(&cfg(), &sign);
        let (gateway, query) = url.split_once('?').unwrap();
        assert_eq!(gateway, "https://openapi.alipay.com/gateway.do");
        // What Alipay does: decode once, sign string of every parameter but `sign`.
        let form = RawForm::parse(query.as_bytes()).unwrap();
        let pairs: Vec<(&str, &str)> =
            form.pairs().map(|(k, v)| (std::str::from_utf8(k).unwrap(), std::str::from_utf8(v).unwrap())).collect();
        let content = request_content(pairs.iter().copied());
        let sig = STANDARD.decode(form.text("sign").unwrap().unwrap()).unwrap();
        assert!(NativeCrypto.rsa_sha256_verify(&PublicKey::parse(APP_PUBLIC_KEY).unwrap(), content.as_bytes(), &sig));
        assert_eq!(form.text("method").unwrap(), Some("alipay.trade.page.pay"));
        assert_eq!(form.text("timestamp").unwrap(), Some("2018-06-08 10:04:56"));
        let biz: serde_json::Value = serde_json::from_str(form.text("biz_content").unwrap().unwrap()).unwrap();
        assert_eq!(
            biz,
            serde_json::json!({"out_trade_no": "order_0001", "total_amount": "19.90", "subject": "测试 & Test",
                "product_code": "FAST_INSTANT_TRADE_PAY", "time_expire": "2018-06-08 10:34:56"})
        );
        assert!(content.contains("notify_url=https://pay.example/notify/alipay/openapi&"), "{content}");
    }

    #[test]
    fn server_calls_are_signed_form_posts() {
        let no = "order_0001";
        let r = request::Refund {
            trade_no: no,
            out_request_no: "r1-0001",
            amount: AmountFen::new(250).unwrap(),
            reason: "",
        };
        let call = request::refund(&cfg(), &r, 0);
        let req = call.clone().into_request(&cfg(), "SIGN");
        assert_eq!(req.url, "https://openapi.alipay.com/gateway.do?charset=utf-8");
        let body = String::from_utf8(req.body).unwrap();
        assert!(body.ends_with("&sign=SIGN"));
        let expected = encode_pairs(call.params.iter().map(|(k, v)| (*k, v.as_str())).chain([("sign", "SIGN")]));
        assert_eq!(body, expected);
        let biz: serde_json::Value =
            serde_json::from_str(&call.params.iter().find(|(k, _)| *k == "biz_content").unwrap().1).unwrap();
        assert_eq!(
            biz,
            serde_json::json!({"out_trade_no": "order_0001", "refund_amount": "2.50", "out_request_no": "r1-0001"})
        );
    }

    #[test]
    fn replies_are_read_by_code_then_fields() {
        let no = "order_0001";
        let paid = r#"{"code":"10000","msg":"Success","out_trade_no":"order_0001","trade_no":"2026","trade_status":"TRADE_SUCCESS","total_amount":"19.90","send_pay_date":"2026-11-30 20:00:00"}"#;
        let t = reply::trade_query(no, paid).unwrap();
        assert_eq!((t.trade_status, t.total.fen(), t.trade_no.as_str()), (TradeStatus::TradeSuccess, 1990, "2026"));
        let missing =
            r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#;
        assert_eq!(reply::trade_query(no, missing).unwrap_err().sub_code(), Some(reply::TRADE_NOT_EXIST));
        assert!(matches!(
            reply::close(r#"{"code":"20000","msg":"Service Currently Unavailable"}"#),
            Err(OpenApiError::Unavailable(_))
        ));
        let other = paid.replace("order_0001", "order_0002");
        assert_eq!(reply::trade_query(no, &other), Err(OpenApiError::WrongOrder));
        assert!(matches!(
            reply::trade_query(
                no,
                r#"{"code":"10000","out_trade_no":"order_0001","trade_status":"TRADE_SUCCESS","total_amount":"19.9x"}"#
            ),
            Err(OpenApiError::Malformed(_))
        ));
        let qr = r#"{"code":"10000","msg":"Success","out_trade_no":"order_0001","qr_code":"https://qr.alipay.com/bax03431"}"#;
        assert_eq!(reply::precreate(no, qr).unwrap(), "https://qr.alipay.com/bax03431");
        assert!(reply::precreate(no, &qr.replace("https:", "javascript:")).is_err());
        let done = r#"{"code":"10000","out_trade_no":"order_0001","out_request_no":"r1","refund_amount":"2.50","refund_status":"REFUND_SUCCESS"}"#;
        assert_eq!(reply::refund_query("r1", done).unwrap().map(AmountFen::fen), Some(250));
        assert_eq!(reply::refund_query("r1", r#"{"code":"10000","out_trade_no":"order_0001"}"#).unwrap(), None);
        assert_eq!(reply::refund_query("r2", done), Err(OpenApiError::WrongOrder));
    }

    #[test]
    fn a_real_notify_reads_as_its_trade_for_its_app_only() {
        let body = encode_pairs(NOTIFY.iter().copied());
        let form = RawForm::parse(body.as_bytes()).unwrap();
        let n = reply::notify("2019073166072302", &form).unwrap();
        assert_eq!(n.out_trade_no.as_str(), "20190815155618536-564-57");
        assert_eq!((n.trade.trade_status, n.trade.total.fen()), (TradeStatus::TradeSuccess, 10));
        assert_eq!(n.trade.paid_at.as_deref(), Some("2019-08-15 15:56:24"));
        assert_eq!(reply::notify("2021000000000001", &form), Err(OpenApiError::WrongApp));
    }
}

#[test]
fn forms_and_responses_give_what_is_left_to_verify() {
    use crate::form::{RawForm, encode_pairs};
    let key = PublicKey::parse(NOTIFY_KEY).unwrap();
    let form = RawForm::parse(encode_pairs(NOTIFY.iter().copied()).as_bytes()).unwrap();
    assert!(is_rsa2_form(&form));
    let todo = notify_to_verify(&form).unwrap();
    assert!(NativeCrypto.rsa_sha256_verify(&key, todo.content.as_bytes(), &todo.signature), "the real notify verifies");
    assert!(!todo.content.contains("sign_type=") && !todo.content.contains("sign="));
    let md5 = encode_pairs(NOTIFY.iter().map(|&(k, v)| if k == "sign_type" { (k, "MD5") } else { (k, v) }));
    let md5 = RawForm::parse(md5.as_bytes()).unwrap();
    assert!(!is_rsa2_form(&md5));
    assert!(matches!(notify_to_verify(&md5), Err(reply::OpenApiError::Malformed(_))));
    let unsigned =
        RawForm::parse(encode_pairs(NOTIFY.iter().copied().filter(|(k, _)| *k != "sign")).as_bytes()).unwrap();
    assert_eq!(notify_to_verify(&unsigned), Err(reply::OpenApiError::BadSignature));
    let latin1 = RawForm::parse(b"sign_type=RSA2&sign=AAAA&subject=%FF").unwrap();
    assert!(matches!(notify_to_verify(&latin1), Err(reply::OpenApiError::Malformed(_))));
    assert!(matches!(response_to_verify("{}", "alipay.trade.query"), Err(reply::OpenApiError::Malformed(_))));
    let raw = r#"{"alipay_trade_query_response":{"code":"10000"},"sign":"not base64!"}"#;
    assert_eq!(response_to_verify(raw, "alipay.trade.query"), Err(reply::OpenApiError::BadSignature));
}
