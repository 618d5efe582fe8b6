//! WeChat Pay v3 notifies through [`ProviderApi`]: what the edge must verify and open, the
//! notice once it did, and the answers WeChat expects.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};

use super::*;
use crate::order::Refusal;
use crate::reconcile::accept_notice;

const APIV3: &[u8] = b"0123456789abcdef0123456789abcdef";
const RESOURCE_NONCE: &str = "fdasflkja484";

fn seal(plain: &str, aad: &str) -> String {
    let cipher = Aes256Gcm::new_from_slice(APIV3).unwrap();
    let nonce = Nonce::<Aes256Gcm>::try_from(RESOURCE_NONCE.as_bytes()).unwrap();
    let mut sealed = plain.as_bytes().to_vec();
    cipher.encrypt_in_place(&nonce, aad.as_bytes(), &mut sealed).unwrap();
    STANDARD.encode(sealed)
}

fn envelope(event: &str, kind: &str, resource: &str) -> String {
    format!(
        r#"{{"id":"EV-2018022511223320873","create_time":"2024-11-25T10:05:00+08:00","resource_type":"encrypt-resource","event_type":"{event}","summary":"支付成功","resource":{{"original_type":"{kind}","algorithm":"AEAD_AES_256_GCM","ciphertext":"{}","associated_data":"{kind}","nonce":"{RESOURCE_NONCE}"}}}}"#,
        seal(resource, kind)
    )
}

/// A notify as WeChat posts it: the body, signed in the headers at `at`.
fn posted(body: &str, at: i64) -> NotifyInput {
    NotifyInput { headers: signed_at(200, body, at).headers, body: body.as_bytes().to_vec(), order: None }
}

/// The route's whole path: `notify_check`, the RSA check and the AES-GCM opening the edge
/// does (here natively), then `notice`.
fn deliver(input: &NotifyInput) -> Result<(OrderNo, Notice), NotifyError> {
    let check = cfg().notify_check(input, NOW)?;
    assert_eq!(check.confirm, None);
    let rsa = check.rsa.as_ref().expect("every v3 notify is signed");
    assert_eq!(rsa.serial.as_deref(), Some(SERIAL));
    if !verifies(rsa) {
        return Err(NotifyError::Signature("does not verify".into()));
    }
    let plaintext = check.sealed.and_then(|s| NativeCrypto.aes_gcm_decrypt(APIV3, &s.nonce, &s.aad, &s.data).ok());
    cfg().notice(input, &Opened { plaintext, confirmation: None })
}

fn rejected(input: &NotifyInput) -> String {
    match deliver(input) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_payment_notify_is_checked_opened_and_read_as_its_trade() {
    let body = envelope("TRANSACTION.SUCCESS", "transaction", PAID);
    let input = posted(&body, NOW - 10);
    let check = cfg().notify_check(&input, NOW).unwrap();
    let rsa = check.rsa.clone().unwrap();
    assert_eq!(rsa.message, format!("{}\nnonce1\n{body}\n", NOW - 10).into_bytes(), "over the raw body");
    assert!(verifies(&rsa));
    let sealed = check.sealed.unwrap();
    assert_eq!((sealed.nonce.as_slice(), sealed.aad.as_slice()), (RESOURCE_NONCE.as_bytes(), &b"transaction"[..]));
    assert_eq!(NativeCrypto.aes_gcm_decrypt(APIV3, &sealed.nonce, &sealed.aad, &sealed.data).unwrap(), PAID.as_bytes());
    assert_eq!(deliver(&input), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(paid_facts(Source::WechatNotify)))));
}

#[test]
fn a_refund_notify_reads_as_the_refund_it_settles() {
    let resource = format!(
        r#"{{"mchid":"1230000109","out_trade_no":"order_0001","transaction_id":"{TX}","out_refund_no":"{RNO}","refund_id":"50000000382019052709732678859","refund_status":"ABNORMAL","user_received_account":"招商银行信用卡0403","amount":{{"total":1990,"refund":990,"payer_total":1990,"payer_refund":990}}}}"#
    );
    let notice = Notice::Refunds {
        refunds: vec![RefundFacts {
            provider: WX,
            provider_refund_no: RNO.into(),
            refund_id: Some("50000000382019052709732678859".into()),
            result: RefundResult::Abnormal("ABNORMAL".into()),
            transaction_id: None,
            amount: Some(AmountFen::new(990).unwrap()),
            source: Source::WechatRefundNotify,
        }],
    };
    let input = posted(&envelope("REFUND.ABNORMAL", "refund", &resource), NOW);
    assert_eq!(deliver(&input), Ok((OrderNo::parse(NO).unwrap(), notice.clone())));
    let o = refunding(RefundStatus::Requested);
    assert_eq!(accept_notice(&o, &notice, NOW).map(|c| c.len()), Ok(1), "the order takes it");
    let success = resource.replace("ABNORMAL", "SUCCESS");
    let (_, n) = deliver(&posted(&envelope("REFUND.SUCCESS", "refund", &success), NOW)).unwrap();
    assert!(matches!(n, Notice::Refunds { ref refunds } if refunds[0].result == RefundResult::Succeeded));
    let foreign = resource.replace("1230000109", "1900000109");
    assert_eq!(rejected(&posted(&envelope("REFUND.SUCCESS", "refund", &foreign), NOW)), "for another merchant or app");
}

#[test]
fn unsigned_stale_probing_or_tampered_notifies_are_signature_errors() {
    let body = envelope("TRANSACTION.SUCCESS", "transaction", PAID);
    let signature = |input: &NotifyInput| match cfg().notify_check(input, NOW) {
        Err(NotifyError::Signature(m)) => m,
        other => panic!("{other:?}"),
    };
    let mut unsigned = posted(&body, NOW);
    unsigned.headers.retain(|(k, _)| k != "Wechatpay-Signature");
    assert_eq!(signature(&unsigned), "missing header Wechatpay-Signature");
    assert_eq!(signature(&posted(&body, NOW - 300)), "timestamp outside 300 s of now");
    assert_eq!(signature(&posted(&body, NOW + 300)), "timestamp outside 300 s of now");
    let mut probe = posted(&body, NOW);
    probe.headers[2].1 = format!("WECHATPAY/SIGNTEST/{}", probe.headers[2].1);
    assert_eq!(signature(&probe), "signature probe (WECHATPAY/SIGNTEST/) refused");
    // A changed body keeps valid-looking headers: the RSA check the edge does fails.
    let mut tampered = posted(&body, NOW);
    tampered.body = envelope("TRANSACTION.SUCCESS", "transaction", &PAID.replace("1990", "1")).into_bytes();
    assert!(!verifies(&cfg().notify_check(&tampered, NOW).unwrap().rsa.unwrap()));
    assert!(matches!(deliver(&tampered), Err(NotifyError::Signature(_))));
}

#[test]
fn foreign_undecryptable_or_malformed_notifies_are_rejected() {
    for (from, to) in [("1230000109", "1230000110"), ("wxd678efh567hg6787", "wx0000000000000000")] {
        let foreign = envelope("TRANSACTION.SUCCESS", "transaction", &PAID.replace(from, to));
        assert_eq!(rejected(&posted(&foreign, NOW)), "for another merchant or app");
    }
    // Sealed under another APIv3 key (or with other associated data): nothing opens.
    let mut body = envelope("TRANSACTION.SUCCESS", "transaction", PAID);
    body = body.replace(r#""associated_data":"transaction""#, r#""associated_data":"refund""#);
    assert_eq!(rejected(&posted(&body, NOW)), "resource does not decrypt");
    let input = posted(&envelope("TRANSACTION.SUCCESS", "transaction", PAID), NOW);
    assert_eq!(
        cfg().notice(&input, &Opened::default()),
        Err(NotifyError::Rejected("resource does not decrypt".into()))
    );
    // Signed but malformed: refused once the signature is checked.
    let malformed = posted("{\"id\":1}", NOW);
    assert_eq!(cfg().notify_check(&malformed, NOW).unwrap().sealed, None);
    assert!(rejected(&malformed).starts_with("malformed notify"));
    let other_event = envelope("PROFITSHARING.SUCCESS", "transaction", PAID);
    assert_eq!(rejected(&posted(&other_event, NOW)), "malformed notify: unknown event_type PROFITSHARING.SUCCESS");
    let sm4 = envelope("TRANSACTION.SUCCESS", "transaction", PAID).replace("AEAD_AES_256_GCM", "AEAD_SM4_GCM");
    assert_eq!(rejected(&posted(&sm4, NOW)), "malformed notify: algorithm AEAD_SM4_GCM");
    let bad_no = envelope("TRANSACTION.SUCCESS", "transaction", &PAID.replace("order_0001", "../x"));
    assert_eq!(rejected(&posted(&bad_no, NOW)), "malformed notify: out_trade_no");
}

#[test]
fn a_foreign_currency_passes_the_api_and_is_refused_by_the_order_rule() {
    let usd = PAID.replace(r#""currency":"CNY""#, r#""currency":"USD""#);
    let (_, notice) = deliver(&posted(&envelope("TRANSACTION.SUCCESS", "transaction", &usd), NOW)).unwrap();
    assert_eq!(notice, Notice::Trade(TradeFacts { currency: Some("USD".into()), ..paid_facts(Source::WechatNotify) }));
    let mut o = order();
    o.apply(Change::SessionStarted(Session::new(WX, Channel::Qr, NO, NOW)), NOW).unwrap();
    assert_eq!(accept_notice(&o, &notice, NOW), Err(Refusal::Currency("USD".into())));
}

#[test]
fn wechat_is_answered_204_or_a_json_failure() {
    assert_eq!(notify_reply(None), NotifyReply { status: 204, content_type: "application/json", body: String::new() });
    for (e, status) in [
        (NotifyError::Signature("signature does not verify".into()), 401),
        (NotifyError::Rejected("for another merchant or app".into()), 400),
        (NotifyError::Ours("storage down".into()), 500),
    ] {
        let r = notify_reply(Some(&e));
        assert_eq!((r.status, r.content_type), (status, "application/json"));
        assert_eq!(json(&r.body), serde_json::json!({"code": "FAIL", "message": e.to_string()}));
    }
    assert_eq!((NOTIFY_PATH, NOTIFY_MAX_BYTES), ("/notify/wechat/v3", 16 * 1024));
}
