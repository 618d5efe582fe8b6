//! `paysign` end to end: the built binary, fed published examples on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn paysign(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paysign"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("paysign runs");
    // A usage error exits before reading stdin: a broken pipe here is expected then.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

const WX_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const WX_DOC: &str = r#"{"appid":"wxd930ea5d5a258f4f","mch_id":"10000100","device_info":"1000","body":"test","nonce_str":"ibuaiVcKdpRxkhJA"}"#;
const ALIPAY_KEY: &str = "f4y25qc539qakg734vn2jpqq6gmybxoz";
const ALIPAY_NOTIFY: &str = include_str!("../../core/tests/data/alipay_notify_offsite_payments.txt");

#[test]
fn signs_the_wechat_doc_example() {
    let (code, out, _) = paysign(&["sign", "--algorithm", "WXPAY-V2-MD5", "--key", WX_KEY], WX_DOC);
    assert_eq!((code, out.trim()), (0, "9A0A8659F005D6984697E2CA0A9CF3B7"));
    let (code, out, _) = paysign(&["sign", "--algorithm", "WXPAY-V2-HMAC-SHA256", "--key", WX_KEY], WX_DOC);
    assert_eq!((code, out.trim()), (0, "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"));
    let (_, _, err) = paysign(&["sign", "--algorithm", "WXPAY-V2-MD5", "--key", WX_KEY, "--explain"], WX_DOC);
    assert!(err.contains(
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=<key>"
    ));
    assert!(!err.contains(WX_KEY));
}

#[test]
fn verifies_json_xml_and_form() {
    let json = r#"{"appid":"wxd930ea5d5a258f4f","mch_id":"10000100","device_info":"1000","body":"test","nonce_str":"ibuaiVcKdpRxkhJA","sign":"9A0A8659F005D6984697E2CA0A9CF3B7"}"#;
    assert_eq!(paysign(&["verify", "--algorithm", "WXPAY-V2-MD5", "--key", WX_KEY], json).0, 0);
    let xml = "<xml><appid><![CDATA[wxd930ea5d5a258f4f]]></appid><mch_id>10000100</mch_id><device_info>1000</device_info><body>test</body><nonce_str>ibuaiVcKdpRxkhJA</nonce_str><sign>9A0A8659F005D6984697E2CA0A9CF3B7</sign></xml>";
    let (code, out, _) = paysign(&["verify", "--algorithm", "WXPAY-V2-MD5", "--key", WX_KEY], xml);
    assert_eq!((code, out.trim()), (0, "valid"));
    let tampered = xml.replace("<body>test</body>", "<body>test2</body>");
    let (code, out, _) = paysign(&["verify", "--algorithm", "WXPAY-V2-MD5", "--key", WX_KEY], &tampered);
    assert_eq!((code, out.trim()), (1, "invalid"));
    let (code, out, _) = paysign(&["verify", "--algorithm", "ALIPAY-MAPI-MD5", "--key", ALIPAY_KEY], ALIPAY_NOTIFY);
    assert_eq!((code, out.trim()), (0, "valid"));
    let (code, _, _) = paysign(&["verify", "--algorithm", "ALIPAY-MAPI-MD5", "--key", "wrongkey"], ALIPAY_NOTIFY);
    assert_eq!(code, 1);
}

#[test]
fn parses_both_providers() {
    let (code, out, _) = paysign(
        &["parse", "--provider", "wechat"],
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee></xml>",
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, serde_json::json!({"return_code": "SUCCESS", "total_fee": "1"}));
    let (code, out, _) = paysign(&["parse", "--provider", "alipay"], ALIPAY_NOTIFY);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["subject"], "订单编号:R990240665");
    assert_eq!(v["gmt_payment"], "2014-11-11 17:59:23");
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (args, stdin) in [
        (vec!["sign", "--algorithm", "SHA1", "--key", "k"], WX_DOC),
        (vec!["sign", "--algorithm", "WXPAY-V2-MD5"], WX_DOC),
        (vec!["sign", "--algorithm", "WXPAY-V2-MD5", "--key", "k"], "{not json"),
        (vec!["sign", "--algorithm", "WXPAY-V2-MD5", "--key", "k"], r#"{"a":{"b":1}}"#),
        (vec!["verify", "--algorithm", "WXPAY-V2-MD5", "--key", "k"], "<!DOCTYPE x><xml></xml>"),
        (vec!["verify", "--algorithm", "ALIPAY-MAPI-MD5", "--key", "k"], "a=%zz"),
        (vec!["parse", "--provider", "paypal"], ""),
        (vec!["parse"], ""),
        (vec!["frobnicate"], ""),
        (vec!["sign", "--bogus"], ""),
    ] {
        let (code, out, err) = paysign(&args, stdin);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty());
        assert!(err.starts_with("paysign: "), "{err}");
    }
}

#[test]
fn signs_and_verifies_webhooks_over_the_exact_body() {
    let secret = "whsec-paysign-test-0123456789abcdef";
    let body = "{\"id\":\"evt_order_0001.1\",\"type\":\"order.paid\",\"created_at\":1764500000,\"order_no\":\"order_0001\",\"data\":{}}\n";
    let (code, header, _) = paysign(&["webhook", "sign", "--secret", secret, "--timestamp", "1764500000"], body);
    assert_eq!(code, 0);
    let header = header.trim();
    // The same value node:crypto gives: HMAC-SHA256(secret, "1764500000." + body), hex.
    assert!(header.starts_with("t=1764500000,v1=") && header.len() == "t=1764500000,v1=".len() + 64, "{header}");
    let verify = |args: &[&str], body: &str| paysign(&[&["webhook", "verify"], args].concat(), body);
    let (code, out, _) = verify(&["--secret", secret, "--header", header, "--timestamp", "1764500100"], body);
    assert_eq!((code, out.trim()), (0, "valid order.paid evt_order_0001.1"));
    let refused = [
        (
            verify(
                &["--secret", secret, "--header", header, "--timestamp", "1764500100"],
                &body.replace("paid", "refunded"),
            ),
            "signature_mismatch",
        ),
        (
            verify(
                &["--secret", "another-secret-another-secret-0000", "--header", header, "--timestamp", "1764500100"],
                body,
            ),
            "signature_mismatch",
        ),
        (verify(&["--secret", secret, "--header", header, "--timestamp", "1764500301"], body), "stale_timestamp"),
        (verify(&["--secret", secret, "--timestamp", "1764500100"], body), "missing_header"),
        (verify(&["--secret", secret, "--header", "t=1,v1=nothex", "--timestamp", "1"], body), "malformed_header"),
        (
            verify(&["--secret", secret, "--header", header, "--timestamp", "1764500100"], body.trim_end()),
            "signature_mismatch",
        ),
    ];
    for ((code, out, _), why) in refused {
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(why), "{out} should say {why}");
    }
    let (code, _, err) = paysign(&["webhook", "sign"], body);
    assert_eq!(code, 2);
    assert!(err.contains("--secret is required"));
}

fn data(file: &str) -> String {
    format!("{}/../core/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// wechatpay-go utils/sign_test.go: SHA256withRSA of "source" with its test key.
const V3_SIGNATURE_OF_SOURCE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

#[test]
fn wechat_v3_rsa_over_the_exact_message() {
    for key in ["wechatpay_go_test_key.pem", "wechatpay_go_test_key.pkcs1.pem"] {
        let (code, out, err) = paysign(&["sign", "--algorithm", "WXPAY-V3-RSA", "--key-file", &data(key)], "source");
        assert_eq!((code, out.trim()), (0, V3_SIGNATURE_OF_SOURCE), "{key}: {err}");
    }
    let verify = |message: &str, key: &str| {
        paysign(
            &["verify", "--algorithm", "WXPAY-V3-RSA", "--key-file", &data(key), "--signature", V3_SIGNATURE_OF_SOURCE],
            message,
        )
    };
    assert_eq!(verify("source", "wechatpay_go_test_key.pub.pem").0, 0);
    let (code, out, _) = verify("source\n", "wechatpay_go_test_key.pub.pem");
    assert_eq!((code, out.trim()), (1, "invalid"), "one byte more is another message");
    assert_eq!(verify("source", "alipay_cert_rsa2.crt").0, 1, "another key (from a certificate)");
    let (code, _, err) = verify("source", "wechatpay_go_test_key.pem");
    assert_eq!(code, 2, "a private key where a public one goes: {err}");
}

#[test]
fn decrypts_a_v3_resource() {
    // wechatpay-go utils/aes_test.go (a 16-byte key: AES-128).
    let args = [
        "decrypt",
        "--key",
        "testAPIv3Key0000",
        "--nonce",
        "wCq51qZv4Yfg",
        "--aad",
        "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
    ];
    let (code, out, _) = paysign(&args, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC\n");
    assert_eq!((code, out.trim()), (0, "Hello World"));
    let mut wrong = args;
    wrong[2] = "testAPIv3Key1111";
    assert_eq!(paysign(&wrong, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC").0, 1);
    wrong[2] = "not a aes key";
    assert_eq!(paysign(&wrong, "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC").0, 2);
    assert_eq!(paysign(&args, "not base64!").0, 2);
}

#[test]
fn alipay_rsa2_notify_and_request_signatures() {
    // alipay-sdk-nodejs-all test/alipay.test.ts: a real notify and the key that signed it.
    let dir = std::env::temp_dir().join(format!("paysign-rsa2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("alipay_public_key.txt");
    std::fs::write(&key, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB\n").unwrap();
    let form = "gmt_create=2019-08-15+15%3A56%3A22&charset=utf-8&seller_email=z97-yuquerevenue%40service.aliyun.com&subject=%E8%AF%AD%E9%9B%80%E7%A9%BA%E9%97%B4+500%E4%BA%BA%E8%A7%84%E6%A8%A1&sign=QfTb8tqE1BMhS5qAnXtvsF3%2FjBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb%2FnLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8%2FwZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r%2FU8ONNQjWXd0HIul4TG%2BQ3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI%2FXD9YCKCH6Ct02rzUs9i11C9CsadtZn%2BWhxF26Dqt9sGEFajkJ8cxUTLi8%2BVCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov%2BlrmOQ%3D%3D&buyer_id=2088102534368455&invoice_amount=0.10&notify_id=2019081500222155624068450559358070&fund_bill_list=%5B%7B%22amount%22%3A%220.10%22%2C%22fundChannel%22%3A%22ALIPAYACCOUNT%22%7D%5D&notify_type=trade_status_sync&trade_status=TRADE_SUCCESS&receipt_amount=0.10&buyer_pay_amount=0.10&sign_type=RSA2&app_id=2019073166072302&seller_id=2088531891668739&gmt_payment=2019-08-15+15%3A56%3A24&notify_time=2019-08-15+15%3A56%3A25&version=1.0&out_trade_no=20190815155618536-564-57&total_amount=0.10&trade_no=2019081522001468450512505578&auth_app_id=2019073166072302&buyer_logon_id=xud***%40126.com&point_amount=0.00";
    let key = key.to_str().unwrap();
    let (code, out, err) = paysign(&["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key], form);
    assert_eq!((code, out.trim()), (0, "valid"), "{err}");
    let (code, _, _) = paysign(
        &["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key],
        &form.replace("total_amount=0.10", "total_amount=9.10"),
    );
    assert_eq!(code, 1);

    // A request signed with our key verifies with its public key; sign_type is part of it.
    let params = r#"{"app_id":"2021000000000000","method":"alipay.trade.query","charset":"utf-8","sign_type":"RSA2","timestamp":"2026-11-30 12:00:00","version":"1.0","biz_content":"{\"out_trade_no\":\"order_0001\"}"}"#;
    let (code, sign, _) = paysign(
        &["sign", "--algorithm", "ALIPAY-RSA2", "--key-file", &data("wechatpay_go_test_key.pkcs1.pem")],
        params,
    );
    assert_eq!(code, 0);
    let content = "app_id=2021000000000000&biz_content={\"out_trade_no\":\"order_0001\"}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-11-30 12:00:00&version=1.0";
    let (code, _, _) = paysign(
        &[
            "verify",
            "--algorithm",
            "WXPAY-V3-RSA",
            "--key-file",
            &data("wechatpay_go_test_key.pub.pem"),
            "--signature",
            sign.trim(),
        ],
        content,
    );
    assert_eq!(code, 0, "the RSA2 request signature is over the sorted, unencoded k=v string");
    std::fs::remove_dir_all(dir).unwrap();
}
