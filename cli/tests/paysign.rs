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

/// Signs `message` with the private key in `pem` (paycore's native RSA, SHA256withRSA).
fn rsa_sign(pem: &str, message: &str) -> String {
    use base64::Engine;
    use paycore::crypto::Crypto;
    let key = paycore::keys::PrivateKey::parse(&std::fs::read_to_string(pem).unwrap()).unwrap();
    let signature = paycore::crypto::native::NativeCrypto.rsa_sha256_sign(&key, message.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signature)
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("paysign-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tests/sandbox/alipay_sandbox_key.pem`: the sandbox's Alipay private key.
fn sandbox_alipay_key() -> String {
    format!("{}/../tests/sandbox/alipay_sandbox_key.pem", env!("CARGO_MANIFEST_DIR"))
}

/// A query answer's content as Alipay sends it: its exact text is what is signed, `\u`
/// escapes included.
const QUERY_CONTENT: &str = r#"{"code":"10000","msg":"Success","trade_no":"2026113022001468450512505578","out_trade_no":"order_0001","buyer_logon_id":"xud***@126.com","trade_status":"TRADE_SUCCESS","total_amount":"88.88","buyer_pay_amount":"88.88","send_pay_date":"2026-11-30 12:00:05","subject":"\u8ba2\u5355 order_0001"}"#;
const CLOSE_CONTENT: &str =
    r#"{"code":"10000","msg":"Success","trade_no":"2026113022001468450512505578","out_trade_no":"order_0001"}"#;

#[test]
fn alipay_openapi_response_over_its_exact_raw_text() {
    let dir = scratch("openapi-response");
    // The worker's ALIPAY_PUBLIC_KEY in .dev.vars.example (bare base64): the sandbox key's pair.
    let vars = include_str!("../../.dev.vars.example");
    let public = vars.lines().find_map(|l| l.strip_prefix("ALIPAY_PUBLIC_KEY=")).unwrap().trim();
    let key = dir.join("alipay_public_key.txt");
    std::fs::write(&key, public).unwrap();
    let key = key.to_str().unwrap();
    let verify = |method: &str, raw: &str| {
        paysign(&["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key, "--response", method], raw)
    };
    let sign = rsa_sign(&sandbox_alipay_key(), QUERY_CONTENT);
    let response = format!(r#"{{"alipay_trade_query_response":{QUERY_CONTENT},"sign":"{sign}"}}"#);

    let (code, out, err) = verify("alipay.trade.query", &response);
    assert_eq!((code, out.trim(), err.as_str()), (0, "valid", ""));
    // What lies outside the signed value is not signed: layout, the order of the two, a
    // trailing newline.
    let laid_out = format!("{{\n  \"sign\": \"{sign}\",\n  \"alipay_trade_query_response\": {QUERY_CONTENT}\n}}\n");
    assert_eq!(verify("alipay.trade.query", &laid_out).0, 0);
    // --explain shows the exact text verified.
    let (code, _, err) = paysign(
        &["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key, "--response", "alipay.trade.query", "--explain"],
        &response,
    );
    assert_eq!(code, 0);
    assert!(err.contains(&format!("signed text ({} bytes): {QUERY_CONTENT}\n", QUERY_CONTENT.len())), "{err}");

    let close_sign = rsa_sign(&sandbox_alipay_key(), CLOSE_CONTENT);
    let close = format!(r#"{{"alipay_trade_close_response":{CLOSE_CONTENT},"sign":"{close_sign}"}}"#);
    assert_eq!(verify("alipay.trade.close", &close).0, 0);

    let refused = [
        (
            "one byte of the amount",
            verify("alipay.trade.query", &response.replacen("88.88", "88.89", 1)),
            "signature does not verify",
        ),
        // The same JSON value, re-serialised: not the text Alipay signed.
        (
            "escapes undone",
            verify("alipay.trade.query", &response.replace(r"\u8ba2\u5355", "订单")),
            "signature does not verify",
        ),
        (
            "another response's sign",
            verify("alipay.trade.query", &response.replace(&sign, &close_sign)),
            "signature does not verify",
        ),
        ("the wrong method", verify("alipay.trade.pay", &response), "no signed response"),
        ("a notify form", verify("alipay.trade.query", "trade_status=TRADE_SUCCESS&sign=abc"), "no signed response"),
        (
            "a sign that is not base64",
            verify("alipay.trade.query", &response.replace(&sign, "not base64!")),
            "signature does not verify",
        ),
    ];
    for (case, (code, out, err), why) in refused {
        assert_eq!((code, out.trim()), (1, "invalid"), "{case}: {err}");
        assert!(err.starts_with("invalid: ") && err.contains(why), "{case}: {err}");
    }
    let (_, _, err) = verify("alipay.trade.pay", &response);
    assert!(err.contains("\"alipay_trade_pay_response\""), "names the key it looked for: {err}");
    // Alipay's key only: another key refuses the same response.
    let (code, _, _) = paysign(
        &[
            "verify",
            "--algorithm",
            "ALIPAY-RSA2",
            "--key-file",
            &data("wechatpay_go_test_key.pub.pem"),
            "--response",
            "alipay.trade.query",
        ],
        &response,
    );
    assert_eq!(code, 1);

    for args in [
        vec!["sign", "--algorithm", "ALIPAY-RSA2", "--key-file", key, "--response", "alipay.trade.query"],
        vec!["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key, "--response"],
        vec!["verify", "--algorithm", "ALIPAY-RSA2", "--key-file", key, "--timestamp", "1764500000"],
        vec!["verify", "--algorithm", "ALIPAY-RSA2", "--response", "alipay.trade.query"],
    ] {
        let (code, out, err) = paysign(&args, &response);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.starts_with("paysign: "), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A v3 notify envelope as WeChat Pay's documentation shows it (the body is signed as is).
const V3_NOTIFY: &str = r#"{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"","associated_data":"","nonce":""}}"#;
const V3_NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const V3_SERIAL: &str = "PUB_KEY_ID_0110000000000000000000000000";

#[test]
fn wechat_v3_reply_with_its_headers() {
    let at: i64 = 1764500000;
    // What WeChat signs: TIMESTAMP\nNONCE\nBODY\n, built here by hand.
    let signature = rsa_sign(&data("wechatpay_go_test_key.pem"), &format!("{at}\n{V3_NONCE}\n{V3_NOTIFY}\n"));
    let public = data("wechatpay_go_test_key.pub.pem");
    let reply = |timestamp: &str, signature: &str, now: i64, body: &str| {
        let now = now.to_string();
        paysign(
            &[
                "verify",
                "--algorithm",
                "WXPAY-V3-RSA",
                "--key-file",
                &public,
                "--timestamp",
                timestamp,
                "--nonce",
                V3_NONCE,
                "--signature",
                signature,
                "--serial",
                V3_SERIAL,
                "--now",
                &now,
            ],
            body,
        )
    };
    let ts = at.to_string();
    for now in [at, at + 299, at - 299] {
        let (code, out, err) = reply(&ts, &signature, now, V3_NOTIFY);
        assert_eq!((code, out.trim(), err.as_str()), (0, "valid", ""), "now {now}");
    }

    let probe = format!("WECHATPAY/SIGNTEST/{signature}");
    let refused = [
        ("300 s later", reply(&ts, &signature, at + 300, V3_NOTIFY), "timestamp outside 300 s of now"),
        ("300 s earlier", reply(&ts, &signature, at - 300, V3_NOTIFY), "timestamp outside 300 s of now"),
        ("a day later", reply(&ts, &signature, at + 86400, V3_NOTIFY), "timestamp outside 300 s of now"),
        ("a timestamp not a number", reply("1764500000.0", &signature, at, V3_NOTIFY), "timestamp outside 300 s"),
        ("the probe", reply(&ts, &probe, at, V3_NOTIFY), "signature probe (WECHATPAY/SIGNTEST/) refused"),
        (
            "one byte of the body",
            reply(&ts, &signature, at, &V3_NOTIFY.replace("EV-2018", "EV-2019")),
            "signature does not verify",
        ),
        (
            "a newline after the body",
            reply(&ts, &signature, at, &format!("{V3_NOTIFY}\n")),
            "signature does not verify",
        ),
        ("another timestamp", reply(&(at + 1).to_string(), &signature, at, V3_NOTIFY), "signature does not verify"),
        ("a signature not base64", reply(&ts, "not base64!", at, V3_NOTIFY), "signature is not base64"),
    ];
    for (case, (code, out, err), why) in refused {
        assert_eq!((code, out.trim()), (1, "invalid"), "{case}: {err}");
        assert!(err.starts_with("invalid: ") && err.contains(why), "{case}: {err}");
    }

    // --explain: the exact message verified, its line breaks escaped.
    let (code, _, err) = paysign(
        &[
            "verify",
            "--algorithm",
            "WXPAY-V3-RSA",
            "--key-file",
            &public,
            "--timestamp",
            &ts,
            "--nonce",
            V3_NONCE,
            "--signature",
            &signature,
            "--now",
            &ts,
            "--explain",
        ],
        V3_NOTIFY,
    );
    assert_eq!(code, 0, "{err}");
    let message = format!("{at}\n{V3_NONCE}\n{V3_NOTIFY}\n");
    assert!(err.contains(&format!("signed text ({} bytes): {message:?}", message.len())), "{err}");

    // Without --now, the system clock: a reply signed now verifies, the old one is stale.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let fresh = rsa_sign(&data("wechatpay_go_test_key.pem"), &format!("{now}\n{V3_NONCE}\n{V3_NOTIFY}\n"));
    let clock = |timestamp: &str, signature: &str| {
        let args = ["--timestamp", timestamp, "--nonce", V3_NONCE, "--signature", signature];
        paysign(&[&["verify", "--algorithm", "WXPAY-V3-RSA", "--key-file", &public][..], &args].concat(), V3_NOTIFY)
    };
    assert_eq!(clock(&now, &fresh).0, 0);
    let (code, _, err) = clock(&ts, &signature);
    assert_eq!(code, 1);
    assert!(err.contains("timestamp outside 300 s of now"), "{err}");

    // A platform certificate names its serial: the worker finds no key for another one.
    let certificate = data("alipay_cert_rsa2.crt");
    let with_certificate = |serial: &str| {
        let args =
            ["--timestamp", &ts, "--nonce", V3_NONCE, "--signature", &signature, "--now", &ts, "--serial", serial];
        paysign(
            &[&["verify", "--algorithm", "WXPAY-V3-RSA", "--key-file", &certificate][..], &args].concat(),
            V3_NOTIFY,
        )
    };
    let (code, _, err) = with_certificate("5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
    assert_eq!(code, 1);
    assert!(err.contains("unknown serial 5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC"), "{err}");
    let (code, _, err) = with_certificate("20200514e63c2fe04d538716fe21358b");
    assert_eq!(code, 1);
    assert!(err.contains("signature does not verify"), "its serial, but not the signer's key: {err}");

    for args in [
        vec!["--timestamp", &ts, "--signature", &signature],
        vec!["--timestamp", &ts, "--nonce", V3_NONCE],
        vec!["--timestamp", &ts, "--nonce", V3_NONCE, "--signature", &signature, "--now", "yesterday"],
        vec!["--nonce", V3_NONCE, "--signature", &signature],
        vec!["--serial", V3_SERIAL, "--signature", &signature],
        vec!["--timestamp", &ts, "--nonce", V3_NONCE, "--signature", &signature, "--response", "x"],
    ] {
        let (code, out, err) = paysign(
            &[&["verify", "--algorithm", "WXPAY-V3-RSA", "--key-file", &public][..], &args].concat(),
            V3_NOTIFY,
        );
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert!(err.starts_with("paysign: "), "{err}");
    }
}

/// protocols-mobile.md §2: JSAPI's paySign, v2 (the five page parameters, WeChat's v2 rule)
/// and v3 (the exact four-line message, RSA with wechatpay-go's test key).
#[test]
fn signs_and_verifies_jsapi_pay_signs() {
    let params = |sign_type: &str| {
        format!(
            r#"{{"appId":"wx2421b1c4370ec43b","timeStamp":"1395712654","nonceStr":"e61463f8efa94090b1f366cccfbbb444","package":"prepay_id=u802345jgfjsdfgsdg888","signType":"{sign_type}"}}"#
        )
    };
    for (alg, sign_type, expected) in [
        ("WXPAY-V2-MD5", "MD5", "0784A14C2CD35747364F62512E724FD8"),
        ("WXPAY-V2-HMAC-SHA256", "HMAC-SHA256", "09064E137ACF9AEAA1B73E43E70968EC55B3952D4BC0A6FCEBB6F86FB2912319"),
    ] {
        let (code, out, _) = paysign(&["sign", "--algorithm", alg, "--key", WX_KEY], &params(sign_type));
        assert_eq!((code, out.trim()), (0, expected));
        let signed = params(sign_type).replace('}', &format!(r#","paySign":"{expected}"}}"#));
        assert_eq!(paysign(&["verify", "--algorithm", alg, "--key", WX_KEY], &signed).0, 0, "{alg}");
        let wrong = signed.replace("1395712654", "1395712655");
        assert_eq!(paysign(&["verify", "--algorithm", alg, "--key", WX_KEY], &wrong).0, 1, "{alg} tampered");
    }
    let message = "wx2421b1c4370ec43b\n1395712654\ne61463f8efa94090b1f366cccfbbb444\nprepay_id=u802345jgfjsdfgsdg888\n";
    let key = format!("{}/../core/tests/data/wechatpay_go_test_key.pem", env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = paysign(&["sign", "--algorithm", "WXPAY-V3-RSA", "--key-file", &key], message);
    let vector = "n3UxQRfz06PjCeP2e4/vWKLwM3UypNfNRaOJHoPHbC+uKGtmOfA7rYYMq76l+Qt9lPWxPHOc3Swm+tqPfQ+jkrxq8VEu67g7s+V+6zI8KpqRw6Gvy/kQQTNOdpHG7RCV925DHI10yW2pS6ak9HFSltHHb8diALGMxIkBJVmAwMesl8MX5YvTfjtdo5rtuUI+XuD2xu4mzXcrdtzAfkebIfTup2bEDHX5lQHZttqD+EIyOP8JTJz1jMYSac8uMVymuV9ncOxWvzvSzrNWJNz2xLK0Bvi2sbWEAUp4R2DM1Ex9DYjkUIbXorG0htClP0mV7ca3p9Rocr0As1fJFrS+Eg==";
    assert_eq!((code, out.trim()), (0, vector));
    let public = format!("{}/../core/tests/data/wechatpay_go_test_key.pub.pem", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        paysign(&["verify", "--algorithm", "WXPAY-V3-RSA", "--key-file", &public, "--signature", vector], message).0,
        0
    );
}

/// A trade bill read as the worker reads it: the sandbox's fixtures, totals checked.
#[test]
fn reads_trade_bills() {
    let dir = format!("{}/../core/tests/data/bills", env!("CARGO_MANIFEST_DIR"));
    let wechat = std::fs::read_to_string(format!("{dir}/wechat_all.csv")).unwrap();
    let (code, out, err) = paysign(&["bill", "--wallet", "wechat"], &wechat);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["lines"].as_u64().unwrap() > 0 && v["totals"]["payments"].as_u64().unwrap() > 0, "{out}");
    let alipay = std::fs::read_to_string(format!("{dir}/alipay_detail.utf8.csv")).unwrap();
    assert_eq!(paysign(&["bill", "--wallet", "alipay", "--stats"], &alipay).0, 0);
    // One line dropped: the summary no longer adds up.
    let mut lines: Vec<&str> = wechat.lines().collect();
    lines.remove(1);
    assert_eq!(paysign(&["bill", "--wallet", "wechat"], &lines.join("\r\n")).0, 1);
}
