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
