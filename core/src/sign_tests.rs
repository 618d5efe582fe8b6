//! Signing tests: published vectors first, then the negative cases and properties.

use super::*;
use proptest::prelude::*;

const MD5: WechatSignType = WechatSignType::Md5;
const HMAC: WechatSignType = WechatSignType::HmacSha256;

/// The WeChat 安全规范 example (pay.weixin.qq.com/wiki/doc/api/native.php?chapter=4_3).
fn wechat_doc_fields() -> Fields {
    [
        ("appid", "wxd930ea5d5a258f4f"),
        ("mch_id", "10000100"),
        ("device_info", "1000"),
        ("body", "test"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
    ]
    .into_iter()
    .collect()
}

fn wechat_doc_key() -> SecretKey {
    SecretKey::new("192006250b4c09247ec02edce69f6a2d")
}

/// A real Alipay trade notify and its MD5 key (see tests/data/README.md).
const ALIPAY_NOTIFY_FILE: &str = include_str!("../tests/data/alipay_notify_offsite_payments.txt");
const ALIPAY_NOTIFY_KEY: &str = "f4y25qc539qakg734vn2jpqq6gmybxoz";
const ALIPAY_NOTIFY: &str = ALIPAY_NOTIFY_FILE.trim_ascii_end();

#[test]
fn wechat_doc_example_md5() {
    let fields = wechat_doc_fields();
    assert_eq!(
        wechat_presign(&fields),
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
    );
    assert_eq!(wechat_sign(&fields, &wechat_doc_key(), WechatSignType::Md5), "9A0A8659F005D6984697E2CA0A9CF3B7");
}

#[test]
fn wechat_doc_example_hmac_sha256() {
    assert_eq!(
        wechat_sign(&wechat_doc_fields(), &wechat_doc_key(), WechatSignType::HmacSha256),
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
}

#[test]
fn wechat_verify_accepts_doc_example_and_lowercase() {
    let mut fields = wechat_doc_fields();
    fields.set("sign", "9A0A8659F005D6984697E2CA0A9CF3B7");
    assert_eq!(wechat_verify(&fields, &wechat_doc_key(), MD5), Ok(WechatSignType::Md5));
    fields.set("sign", "9a0a8659f005d6984697e2ca0a9cf3b7");
    assert_eq!(wechat_verify(&fields, &wechat_doc_key(), MD5), Ok(WechatSignType::Md5));
}

#[test]
fn wechat_sign_type_is_signed_and_selects_the_algorithm() {
    let key = wechat_doc_key();
    let mut fields = wechat_doc_fields();
    fields.set("sign_type", "HMAC-SHA256");
    let sign = wechat_sign(&fields, &key, WechatSignType::HmacSha256);
    assert!(wechat_presign(&fields).contains("&sign_type=HMAC-SHA256"));
    fields.set("sign", sign);
    assert_eq!(wechat_verify(&fields, &key, MD5), Ok(WechatSignType::HmacSha256));
    // Downgrading sign_type to MD5 breaks the signature.
    fields.set("sign_type", "MD5");
    assert_eq!(wechat_verify(&fields, &key, MD5), Err(SignError::Mismatch));
    fields.set("sign_type", "RSA");
    assert_eq!(wechat_verify(&fields, &key, MD5), Err(SignError::UnsupportedType("RSA".into())));
}

#[test]
fn wechat_without_sign_type_uses_the_requested_algorithm() {
    // What WeChat sends for an HMAC-SHA256 order: a 64-hex HMAC signature over the fields it
    // sent, and no sign_type (binarywang/WxJava#1585).
    let key = wechat_doc_key();
    let mut fields = wechat_doc_fields();
    let hmac = wechat_sign(&fields, &key, HMAC);
    assert_eq!(hmac.len(), 64);
    fields.set("sign", hmac);
    assert_eq!(wechat_verify(&fields, &key, HMAC), Ok(HMAC));
    // The documents' rule alone (absent = MD5) would refuse every such notify.
    assert_eq!(wechat_verify(&fields, &key, MD5), Err(SignError::Mismatch));
    // An MD5-signed message without sign_type verifies for an MD5 merchant only.
    fields.set("sign", "9A0A8659F005D6984697E2CA0A9CF3B7");
    assert_eq!(wechat_verify(&fields, &key, MD5), Ok(MD5));
    assert_eq!(wechat_verify(&fields, &key, HMAC), Err(SignError::Mismatch));
    // A sign_type that is present wins over the merchant's setting, and stripping it from a
    // message that signed it breaks the signature.
    let mut declared = wechat_doc_fields();
    declared.set("sign_type", "HMAC-SHA256");
    declared.set("sign", wechat_sign(&declared, &key, HMAC));
    assert_eq!(wechat_verify(&declared, &key, MD5), Ok(HMAC));
    declared.remove("sign_type");
    assert_eq!(wechat_verify(&declared, &key, HMAC), Err(SignError::Mismatch));
}

#[test]
fn wechat_negative_cases() {
    let key = wechat_doc_key();
    let mut signed = wechat_doc_fields();
    signed.set("sign", "9A0A8659F005D6984697E2CA0A9CF3B7");

    assert_eq!(wechat_verify(&signed, &SecretKey::new("0".repeat(32)), MD5), Err(SignError::Mismatch));

    let mut tampered = signed.clone();
    tampered.set("body", "test2");
    assert_eq!(wechat_verify(&tampered, &key, MD5), Err(SignError::Mismatch));

    let mut extra = signed.clone();
    extra.set("total_fee", "1");
    assert_eq!(wechat_verify(&extra, &key, MD5), Err(SignError::Mismatch));

    // An added empty field does not take part (非空参数值 only).
    let mut empty = signed.clone();
    empty.set("attach", "");
    assert_eq!(wechat_verify(&empty, &key, MD5), Ok(WechatSignType::Md5));

    let mut unsigned = signed.clone();
    unsigned.remove("sign");
    assert_eq!(wechat_verify(&unsigned, &key, MD5), Err(SignError::Missing));

    let mut short = signed;
    short.set("sign", "9A0A");
    assert_eq!(wechat_verify(&short, &key, MD5), Err(SignError::Mismatch));
}

#[test]
fn wechat_unknown_fields_are_signed() {
    // WeChat adds fields; a verifier over a typed struct would drop them (WxJava
    // WxPayOrderNotifyUnknownFieldTest). Ours signs the map as received.
    let key = wechat_doc_key();
    let mut fields = wechat_doc_fields();
    fields.set("unknown_field", "x");
    let sign = wechat_sign(&fields, &key, WechatSignType::Md5);
    assert_ne!(sign, "9A0A8659F005D6984697E2CA0A9CF3B7");
    fields.set("sign", sign);
    assert!(wechat_verify(&fields, &key, MD5).is_ok());
}

#[test]
fn alipay_published_notify_verifies() {
    let form = crate::form::RawForm::parse(ALIPAY_NOTIFY.as_bytes()).unwrap();
    let key = SecretKey::new(ALIPAY_NOTIFY_KEY);
    assert_eq!(alipay_verify(form.pairs(), &key), Ok(()));
    assert_eq!(alipay_sign(form.pairs(), &key), "0d10403a54cb923c67f70266d188c0ce");
}

#[test]
fn alipay_presign_rules() {
    let pairs: [(&[u8], &[u8]); 6] = [
        (b"subject", b"a b+c"),
        (b"_input_charset", b"utf-8"),
        (b"sign", b"xx"),
        (b"sign_type", b"MD5"),
        (b"body", b""),
        (b"seller_email", b"test@msn.com"),
    ];
    // Raw values (no URL-encoding), `_input_charset` signed, sign/sign_type/empty dropped,
    // byte-wise order puts `_` (0x5F) before lowercase letters.
    assert_eq!(alipay_presign(pairs), b"_input_charset=utf-8&seller_email=test@msn.com&subject=a b+c".to_vec());
    let key = SecretKey::new("k");
    let expected = hex(&Md5::digest(b"_input_charset=utf-8&seller_email=test@msn.com&subject=a b+ck"), false);
    assert_eq!(alipay_sign(pairs, &key), expected);
}

#[test]
fn alipay_negative_cases() {
    let key = SecretKey::new(ALIPAY_NOTIFY_KEY);
    let tampered = ALIPAY_NOTIFY.replace("total_fee=1.43", "total_fee=0.01");
    let form = crate::form::RawForm::parse(tampered.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &key), Err(SignError::Mismatch));

    let form = crate::form::RawForm::parse(ALIPAY_NOTIFY.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &SecretKey::new("wrong")), Err(SignError::Mismatch));

    let extra = format!("{ALIPAY_NOTIFY}&extra_common_param=x");
    let form = crate::form::RawForm::parse(extra.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &key), Err(SignError::Mismatch));

    let rsa = ALIPAY_NOTIFY.replace("sign_type=MD5", "sign_type=RSA");
    let form = crate::form::RawForm::parse(rsa.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &key), Err(SignError::UnsupportedType("RSA".into())));

    let unsigned = ALIPAY_NOTIFY.replace("&sign=0d10403a54cb923c67f70266d188c0ce", "");
    let form = crate::form::RawForm::parse(unsigned.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &key), Err(SignError::Missing));
}

#[test]
fn algorithm_names() {
    for name in ["ALIPAY-MAPI-MD5", "WXPAY-V2-MD5", "WXPAY-V2-HMAC-SHA256"] {
        assert!(name.parse::<Algorithm>().is_ok());
    }
    assert!(matches!("MD5".parse::<Algorithm>(), Err(SignError::UnknownAlgorithm(_))));
    assert_eq!(format!("{:?}", wechat_doc_key()), "SecretKey(<redacted>)");
}

#[test]
fn bare_primitives_match_reference_vectors() {
    // MD5-HEX-LOWER and HMAC-SHA256-HEX-LOWER: RFC 1321 and RFC 4231 test case 2.
    assert_eq!(hex(&Md5::digest(b"abc"), false), "900150983cd24fb0d6963f7d28e17f72");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
    mac.update(b"what do ya want for nothing?");
    assert_eq!(
        hex(&mac.finalize().into_bytes(), false),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

proptest! {
    #[test]
    fn wechat_presign_is_sorted_nonempty_and_excludes_sign(
        map in proptest::collection::btree_map("[a-z_]{1,8}", "[ -~]{0,8}", 0..12)
    ) {
        let fields: Fields = map.clone().into_iter().collect();
        let presign = wechat_presign(&fields);
        let expected: Vec<String> = map
            .iter()
            .filter(|(k, v)| !v.is_empty() && k.as_str() != "sign")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        prop_assert_eq!(presign, expected.join("&"));
    }

    #[test]
    fn alipay_presign_ignores_input_order(
        map in proptest::collection::btree_map("[a-z_]{1,8}", "[ -%'-~]{0,8}", 0..12)
    ) {
        let forward: Vec<(&[u8], &[u8])> = map.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())).collect();
        let mut backward = forward.clone();
        backward.reverse();
        let presign = alipay_presign(forward.clone());
        prop_assert_eq!(&presign, &alipay_presign(backward));
        let text = String::from_utf8(presign).unwrap();
        for (k, v) in &map {
            let pair = format!("{k}={v}");
            let kept = !v.is_empty() && k != "sign" && k != "sign_type";
            prop_assert_eq!(text.split('&').any(|p| p == pair), kept);
        }
    }

    #[test]
    fn sign_then_verify_round_trips(
        map in proptest::collection::btree_map("[a-z_]{1,8}", "\\PC{0,8}", 0..12),
        key in "[a-zA-Z0-9]{32}",
    ) {
        let key = SecretKey::new(key);
        for alg in [Algorithm::AlipayMapiMd5, Algorithm::WxpayV2Md5, Algorithm::WxpayV2HmacSha256] {
            let mut fields: Fields = map.clone().into_iter().filter(|(k, _)| k != "sign" && k != "sign_type").collect();
            let sign = sign_with(alg, &fields, &key);
            fields.set("sign", sign);
            prop_assert!(verify_with(alg, &fields, &key).is_ok());
        }
    }
}
