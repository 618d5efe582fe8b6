//! Published vectors (wechatpay-go) and the v3 checks.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};

use super::V3Error;
use super::notify::{Envelope, Transaction};
use super::sign::{Authorization, SignedHeaders, check, request_message, verify};
use crate::crypto::Crypto;
use crate::crypto::native::NativeCrypto;
use crate::keys::{PrivateKey, PublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const KEY: &str = include_str!("../../tests/data/wechatpay_go_test_key.pem");
const PUB: &str = include_str!("../../tests/data/wechatpay_go_test_key.pub.pem");
/// wechatpay-go `utils/sign_test.go`: SHA256withRSA of "source" with the key above.
const SIGNATURE_OF_SOURCE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

#[test]
fn rsa_signature_matches_wechatpay_go() {
    let key = PrivateKey::parse(KEY).unwrap();
    let sig = NativeCrypto.rsa_sha256_sign(&key, b"source").unwrap();
    assert_eq!(STANDARD.encode(&sig), SIGNATURE_OF_SOURCE);
    let public = PublicKey::parse(PUB).unwrap();
    assert!(NativeCrypto.rsa_sha256_verify(&public, b"source", &sig));
    assert!(!NativeCrypto.rsa_sha256_verify(&public, b"sourcE", &sig));
}

#[test]
fn aes_gcm_matches_wechatpay_go() {
    // wechatpay-go utils/aes_test.go: a 16-byte key (AES-128) despite the AEAD_AES_256_GCM label.
    let sealed = STANDARD.decode("FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC").unwrap();
    let plain = NativeCrypto.aes_gcm_decrypt(
        b"testAPIv3Key0000",
        b"wCq51qZv4Yfg",
        b"Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
        &sealed,
    );
    assert_eq!(plain.unwrap(), b"Hello World");
    for (key, aad) in
        [(&b"testAPIv3Key1111"[..], &b"Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8"[..]), (b"testAPIv3Key0000", b"other aad")]
    {
        assert!(NativeCrypto.aes_gcm_decrypt(key, b"wCq51qZv4Yfg", aad, &sealed).is_err());
    }
    assert!(NativeCrypto.aes_gcm_decrypt(b"not a aes key", b"wCq51qZv4Yfg", b"", &sealed).is_err());
}

#[test]
fn request_signature_and_authorization_header() {
    let key = PrivateKey::parse(KEY).unwrap();
    let path = "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109";
    let message = request_message("GET", path, 1_554_208_460, "593BEC0C930BF1AFEB40B4A08C8FB242", "");
    assert_eq!(message, format!("GET\n{path}\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"));
    let header = Authorization::sign(
        &NativeCrypto,
        &key,
        "1900009191",
        "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
        &message,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        1_554_208_460,
    )
    .unwrap();
    assert!(header.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str="));
    let parsed = Authorization::parse(&header).unwrap();
    let sig = STANDARD.decode(&parsed.signature).unwrap();
    assert!(NativeCrypto.rsa_sha256_verify(&PublicKey::parse(PUB).unwrap(), message.as_bytes(), &sig));
    // Clients order the pairs differently.
    let reordered = format!(
        "WECHATPAY2-SHA256-RSA2048 serial_no=\"{}\",timestamp=\"{}\",signature=\"{}\",mchid=\"{}\",nonce_str=\"{}\"",
        parsed.serial_no, parsed.timestamp, parsed.signature, parsed.mchid, parsed.nonce_str
    );
    assert_eq!(Authorization::parse(&reordered), Some(parsed));
    assert_eq!(Authorization::parse("WECHATPAY2-SHA256-RSA2048 mchid=\"1\""), None);
}

fn signed(body: &[u8], at: i64) -> SignedHeaders {
    let key = PrivateKey::parse(KEY).unwrap();
    let message = super::sign::response_message(&at.to_string(), "nonce1", body);
    let sig = STANDARD.encode(NativeCrypto.rsa_sha256_sign(&key, &message).unwrap());
    SignedHeaders::from_pairs([
        ("Wechatpay-Timestamp", at.to_string().as_str()),
        ("wechatpay-nonce", "nonce1"),
        ("Wechatpay-Signature", sig.as_str()),
        ("Wechatpay-Serial", "PUB_KEY_ID_0114232134912410000000000000"),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
    ])
}

#[test]
fn responses_and_notifies_are_checked_before_they_are_read() {
    let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#;
    let now = 1_700_000_000;
    let public = PublicKey::parse(PUB).unwrap();
    let keys = |serial: &str| (serial == "PUB_KEY_ID_0114232134912410000000000000").then(|| public.clone());
    let headers = signed(body, now);
    assert_eq!(verify(&NativeCrypto, &headers, body, now + 299, keys), Ok(()));
    assert_eq!(verify(&NativeCrypto, &headers, body, now + 300, keys), Err(V3Error::Stale));
    assert_eq!(verify(&NativeCrypto, &headers, body, now - 300, keys), Err(V3Error::Stale));
    assert_eq!(
        verify(&NativeCrypto, &headers, br#"{"code_url":"weixin://evil"}"#, now, keys),
        Err(V3Error::BadSignature)
    );
    let mut unknown = headers.clone();
    unknown.serial = Some("5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into());
    assert!(matches!(verify(&NativeCrypto, &unknown, body, now, keys), Err(V3Error::UnknownSerial(_))));
    let mut probe = headers.clone();
    probe.signature = Some("WECHATPAY/SIGNTEST/".to_owned() + headers.signature.as_deref().unwrap());
    assert_eq!(check(&probe, body, now), Err(V3Error::Probe));
    let mut scheme = headers.clone();
    scheme.signature_type = Some("WECHATPAY2-SHA256-SM2".into());
    assert_eq!(check(&scheme, body, now), Err(V3Error::SignatureType));
    let mut missing = headers.clone();
    missing.nonce = None;
    assert_eq!(check(&missing, body, now), Err(V3Error::MissingHeader("Wechatpay-Nonce")));
    // A 204 reply signs an empty body: TIMESTAMP\nNONCE\n\n.
    let empty = signed(b"", now);
    assert_eq!(check(&empty, b"", now).unwrap().message, format!("{now}\nnonce1\n\n").into_bytes());
    assert_eq!(verify(&NativeCrypto, &empty, b"", now, keys), Ok(()));
}

#[test]
fn notify_resources_decrypt_with_the_apiv3_key_only() {
    let apiv3 = b"0123456789abcdef0123456789abcdef";
    let transaction = br#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","trade_type":"NATIVE","trade_state":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;
    let cipher = Aes256Gcm::new_from_slice(apiv3).unwrap();
    let nonce = Nonce::<Aes256Gcm>::try_from(&b"fdasflkja484"[..]).unwrap();
    let mut sealed = transaction.to_vec();
    cipher.encrypt_in_place(&nonce, b"transaction", &mut sealed).unwrap();
    let body = format!(
        r#"{{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"{}","associated_data":"transaction","nonce":"fdasflkja484"}}}}"#,
        STANDARD.encode(&sealed)
    );
    let envelope = Envelope::parse(body.as_bytes()).unwrap();
    assert_eq!(envelope.event_type, "TRANSACTION.SUCCESS");
    let plain = envelope.resource.decrypt(&NativeCrypto, apiv3).unwrap();
    let t = Transaction::parse(&plain).unwrap();
    assert_eq!(
        (t.out_trade_no.as_str(), t.trade_state.as_str(), t.amount.total),
        ("1217752501201407033233368018", "SUCCESS", 100)
    );
    assert_eq!(envelope.resource.decrypt(&NativeCrypto, b"0123456789abcdef0123456789abcdeX"), Err(V3Error::Decrypt));
    let mut tampered = envelope.resource.clone();
    tampered.associated_data = "refund".into();
    assert_eq!(tampered.decrypt(&NativeCrypto, apiv3), Err(V3Error::Decrypt));
    assert!(matches!(Envelope::parse(b"{}"), Err(V3Error::Malformed(_))));
}

mod requests {
    use super::super::reply::{Outcome, RefundReply, RefundStatus, code_url, outcome};
    use super::super::request::{NativeOrder, Refund, V3Config, close, create_native, query, refund, refund_query};
    use super::*;
    use crate::AmountFen;
    use crate::http::{HttpResponse, Method};
    use crate::wechat_v2::codes::TradeState;

    fn cfg() -> V3Config {
        V3Config {
            api_base: "https://api.mch.weixin.qq.com/".into(),
            appid: "wxd678efh567hg6787".into(),
            mchid: "1230000109".into(),
            serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
        }
    }

    #[test]
    fn calls_are_data_signed_by_the_edge() {
        let no = "order|0001";
        let order = NativeOrder {
            trade_no: no,
            description: &"商".repeat(200),
            total: AmountFen::new(1990).unwrap(),
            notify_url: "https://pay.example.com/notify/wechat/v3",
            expires_at: 1_528_425_296, // 2018-06-08T10:34:56+08:00
        };
        let call = create_native(&cfg(), &order);
        assert_eq!((call.method, call.path.as_str()), (Method::Post, "/v3/pay/transactions/native"));
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        assert_eq!(body["amount"], serde_json::json!({"total": 1990, "currency": "CNY"}));
        assert_eq!(body["time_expire"], "2018-06-08T10:34:56+08:00");
        assert_eq!(body["out_trade_no"], "order|0001");
        assert_eq!(body["description"].as_str().unwrap().chars().count(), 127);
        assert_eq!((body["appid"].as_str(), body["mchid"].as_str()), (Some("wxd678efh567hg6787"), Some("1230000109")));

        let message = call.message(1_554_208_460, "593BEC0C930BF1AFEB40B4A08C8FB242");
        assert_eq!(
            message,
            format!("POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{}\n", call.body)
        );
        let key = PrivateKey::parse(KEY).unwrap();
        let auth = Authorization::sign(
            &NativeCrypto,
            &key,
            "1230000109",
            &cfg().serial_no,
            &message,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            1_554_208_460,
        )
        .unwrap();
        let req = call.clone().into_request(&cfg(), auth.clone());
        assert_eq!(req.url, "https://api.mch.weixin.qq.com/v3/pay/transactions/native");
        assert_eq!(req.content_type, Some("application/json"));
        assert_eq!(req.body, call.body.as_bytes());
        assert!(req.headers.contains(&("authorization".into(), auth)));
        assert!(req.headers.contains(&("accept".into(), "application/json".into())));

        let q = query(&cfg(), no);
        assert_eq!(
            (q.method, q.path.as_str(), q.body.as_str()),
            (Method::Get, "/v3/pay/transactions/out-trade-no/order%7C0001?mchid=1230000109", "")
        );
        assert!(
            q.message(1, "n")
                .starts_with("GET\n/v3/pay/transactions/out-trade-no/order%7C0001?mchid=1230000109\n1\nn\n\n")
        );
        let c = close(&cfg(), no);
        assert_eq!(
            (c.path.as_str(), c.body.as_str()),
            ("/v3/pay/transactions/out-trade-no/order%7C0001/close", r#"{"mchid":"1230000109"}"#)
        );
        let r = refund(&Refund {
            trade_no: no,
            out_refund_no: "order|0001r1a1",
            total: AmountFen::new(1990).unwrap(),
            refund: AmountFen::new(990).unwrap(),
            reason: "",
            notify_url: "https://pay.example.com/notify/wechat/v3",
        });
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["amount"], serde_json::json!({"refund": 990, "total": 1990, "currency": "CNY"}));
        assert!(body.get("reason").is_none());
        assert_eq!(refund_query("order|0001r1a1").path, "/v3/refund/domestic/refunds/order|0001r1a1");
    }

    #[test]
    fn replies_by_status_then_body() {
        let resp = |status, body: &str| HttpResponse { status, headers: vec![], body: body.as_bytes().to_vec() };
        assert_eq!(outcome(&resp(204, "")), Outcome::Ok);
        match outcome(&resp(404, r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#)) {
            Outcome::Refused(e) => assert_eq!(e.code, "ORDER_NOT_EXIST"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(outcome(&resp(400, "<html>")), Outcome::Refused(e) if e.code == "HTTP_400"));
        assert_eq!(outcome(&resp(502, "")), Outcome::Unavailable(502));
        assert_eq!(
            code_url(br#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#).unwrap(),
            "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"
        );
        assert!(code_url(br#"{"code_url":"https://evil.example"}"#).is_err());
        let refund = RefundReply::parse(br#"{"refund_id":"50000000382019052709732678859","out_refund_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","out_trade_no":"1217752501201407033233368018","channel":"ORIGINAL","status":"SUCCESS","amount":{"total":100,"refund":100,"payer_total":90,"payer_refund":90,"currency":"CNY"}}"#).unwrap();
        assert_eq!((refund.status, refund.amount.refund), (RefundStatus::Success, 100));
        let notified = RefundReply::parse(br#"{"mchid":"1900000100","out_trade_no":"1217752501201407033233368018","refund_id":"50000000382019052709732678859","out_refund_no":"1217752501201407033233368018","refund_status":"ABNORMAL","amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}}"#).unwrap();
        assert_eq!(notified.status, RefundStatus::Abnormal, "a refund notify's refund_status");
        assert_eq!(
            RefundReply::parse(
                br#"{"refund_id":"1","out_refund_no":"2","status":"NEW_STATE","amount":{"total":1,"refund":1}}"#
            )
            .unwrap()
            .status,
            RefundStatus::Unknown("NEW_STATE".into())
        );
        let t = Transaction::parse(
            br#"{"appid":"a","mchid":"m","out_trade_no":"o","trade_state":"NOTPAY","amount":{"total":1}}"#,
        )
        .unwrap();
        assert_eq!(t.state(), TradeState::NotPay);
    }
}

mod evidence_tests {
    use super::super::evidence;
    use super::super::reply::RefundReply;
    use super::super::request::V3Config;
    use super::*;
    use crate::order::{RefundResult, Source, TradeFact};

    fn cfg() -> V3Config {
        V3Config {
            api_base: String::new(),
            appid: "wxd678efh567hg6787".into(),
            mchid: "1230000109".into(),
            serial_no: String::new(),
        }
    }

    fn tx(json: &str) -> Transaction {
        Transaction::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_transaction_counts_only_for_its_merchant_app_and_trade() {
        let paid = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"order_0001","transaction_id":"4200","trade_state":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","amount":{"total":100,"payer_total":90,"currency":"CNY"}}"#;
        let r = evidence::transaction(&cfg(), Some("order_0001"), &tx(paid), Source::WechatQuery).unwrap();
        assert_eq!(r.state, TradeFact::Paid);
        assert_eq!((r.transaction_id.as_deref(), r.amount.map(|a| a.fen())), (Some("4200"), Some(100)));
        assert_eq!((r.payer_total.map(|a| a.fen()), r.currency.as_deref()), (Some(90), Some("CNY")));
        assert_eq!(r.paid_at.as_deref(), Some("2018-06-08T10:34:56+08:00"));
        for (from, to) in [("1230000109", "1230000110"), ("wxd678efh567hg6787", "wx0000000000000000")] {
            let other = tx(&paid.replace(from, to));
            assert_eq!(
                evidence::transaction(&cfg(), Some("order_0001"), &other, Source::WechatQuery),
                Err(V3Error::WrongMerchant)
            );
        }
        assert_eq!(
            evidence::transaction(&cfg(), Some("order_0002"), &tx(paid), Source::WechatQuery),
            Err(V3Error::WrongOrder)
        );
        let unpaid = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"order_0001","transaction_id":"","trade_state":"NOTPAY","amount":{"total":100}}"#;
        let r = evidence::transaction(&cfg(), None, &tx(unpaid), Source::WechatNotify).unwrap();
        assert_eq!((r.state, r.transaction_id), (TradeFact::Open, None));
    }

    #[test]
    fn refunds_read_as_facts_and_notifies_name_the_merchant() {
        let body = |status: &str| {
            format!(
                r#"{{"mchid":"1230000109","refund_id":"5000","out_refund_no":"r1","out_trade_no":"order_0001","refund_status":"{status}","amount":{{"refund":30,"total":100}}}}"#
            )
        };
        for (v3, result) in [
            ("SUCCESS", RefundResult::Succeeded),
            ("CLOSED", RefundResult::Failed("CLOSED".into())),
            ("ABNORMAL", RefundResult::Abnormal("ABNORMAL".into())),
            ("PROCESSING", RefundResult::Processing),
        ] {
            let (trade_no, rec) = evidence::refund_notify(&cfg(), body(v3).as_bytes()).unwrap();
            assert_eq!(trade_no, "order_0001");
            assert_eq!(
                (rec.result, rec.provider_refund_no.as_str(), rec.refund_id.as_deref()),
                (result, "r1", Some("5000"))
            );
            assert_eq!(rec.amount.map(|a| a.fen()), Some(30));
        }
        let foreign = body("SUCCESS").replace("1230000109", "1900000109");
        assert_eq!(evidence::refund_notify(&cfg(), foreign.as_bytes()), Err(V3Error::WrongMerchant));
        let reply = RefundReply::parse(body("SUCCESS").as_bytes()).unwrap();
        assert_eq!(evidence::refund(Some("order_0002"), &reply, Source::WechatRefundQuery), Err(V3Error::WrongOrder));
    }
}

#[test]
fn platform_certificates_decrypt_and_must_carry_their_listed_serial() {
    use super::certificates;
    let apiv3 = b"0123456789abcdef0123456789abcdef";
    let pem = include_bytes!("../../tests/data/alipay_cert_rsa2.crt"); // any X.509 certificate
    let cipher = Aes256Gcm::new_from_slice(apiv3).unwrap();
    let nonce = Nonce::<Aes256Gcm>::try_from(&b"4a7b3c2d1e0f"[..]).unwrap();
    let mut sealed = pem.to_vec();
    cipher.encrypt_in_place(&nonce, b"certificate", &mut sealed).unwrap();
    let download = |serial: &str| {
        format!(
            r#"{{"data":[{{"serial_no":"{serial}","effective_time":"2020-05-14T00:00:00+08:00","expire_time":"2025-05-14T00:00:00+08:00","encrypt_certificate":{{"algorithm":"AEAD_AES_256_GCM","nonce":"4a7b3c2d1e0f","associated_data":"certificate","ciphertext":"{}"}}}}]}}"#,
            STANDARD.encode(&sealed)
        )
    };
    let listed = certificates::parse(download("20200514e63c2fe04d538716fe21358b").as_bytes()).unwrap();
    let plain = listed[0].encrypt_certificate.decrypt(&NativeCrypto, apiv3).unwrap();
    let cert = certificates::read(&listed[0], &plain).unwrap();
    assert_eq!(cert.serial, "20200514E63C2FE04D538716FE21358B");
    let wrong = certificates::parse(download("20200514E63C2FE04D538716FE21358C").as_bytes()).unwrap();
    assert!(matches!(certificates::read(&wrong[0], &plain), Err(V3Error::Malformed(_))));
    assert_eq!(
        listed[0].encrypt_certificate.decrypt(&NativeCrypto, b"0123456789abcdef0123456789abcdeX"),
        Err(V3Error::Decrypt)
    );
    assert_eq!(certificates::download().path, "/v3/certificates");
}

/// wechatpay-java's published vectors: its `/v3/certificates` answer (TestConfig's
/// DOWNLOAD_CERTIFICATE_RESPONSE) and AeadAesCipherTest, under its APIv3 key.
#[test]
fn wechatpay_java_certificate_download_and_aes_vectors() {
    use super::certificates;
    use super::notify::Resource;
    let apiv3 = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
    let listed =
        certificates::parse(include_bytes!("../../tests/data/wechatpay_java_download_certificate.json")).unwrap();
    assert_eq!(listed.len(), 1);
    let pem = listed[0].encrypt_certificate.decrypt(&NativeCrypto, apiv3).unwrap();
    let cert = certificates::read(&listed[0], &pem).unwrap();
    assert_eq!(cert.serial, "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
    let aead = Resource {
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=".into(),
        nonce: "uluk4a9R25RW".into(),
        associated_data: "associatedData".into(),
        original_type: String::new(),
    };
    assert_eq!(aead.decrypt(&NativeCrypto, apiv3).unwrap(), b"message");
}

#[test]
fn notifies_name_their_kind_and_order_and_errors_their_meaning() {
    use super::notify::Kind;
    use super::reply::ErrorBody;
    let envelope = |event: &str| {
        Envelope::parse(
            format!(r#"{{"id":"EV-1","event_type":"{event}","resource":{{"algorithm":"AEAD_AES_256_GCM","ciphertext":"","nonce":"n"}}}}"#)
                .as_bytes(),
        )
        .unwrap()
    };
    assert_eq!(envelope("TRANSACTION.SUCCESS").kind(), Ok(Kind::Transaction));
    assert_eq!(envelope("REFUND.ABNORMAL").kind(), Ok(Kind::Refund));
    assert!(matches!(envelope("TRANSACTIONX.SUCCESS").kind(), Err(V3Error::Malformed(_))));
    assert!(matches!(envelope("PROFITSHARING.SUCCESS").kind(), Err(V3Error::Malformed(_))));
    let e = |code: &str| ErrorBody { code: code.into(), message: String::new() };
    assert!(e("ORDER_NOT_EXIST").is_not_found() && e("RESOURCE_NOT_EXISTS").is_not_found());
    assert!(e("ORDERPAID").is_order_paid() && !e("ORDERPAID").is_not_found());
    assert!(e("ORDER_CLOSED").is_order_closed() && !e("SYSTEM_ERROR").is_order_closed());
}
