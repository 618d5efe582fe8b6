//! Alipay OpenAPI notifies (and the buyer's sync return) through [`ProviderApi`]: the RSA2
//! check left to the edge, the notice once it passed, and the answers Alipay expects.

use super::*;
use crate::alipay_openapi::notify_content;
use crate::form::encode_pairs;

const PAID: &[(&str, &str)] = &[
    ("gmt_create", "2024-11-25 10:04:50"),
    ("charset", "utf-8"),
    ("seller_email", "shop@example.com"),
    ("subject", "T恤"),
    ("buyer_id", "2088102534368455"),
    ("invoice_amount", "19.90"),
    ("notify_id", "2024112500222100500068450559358070"),
    ("fund_bill_list", r#"[{"amount":"18.90","fundChannel":"ALIPAYACCOUNT"},{"amount":"1.00","fundChannel":"POINT"}]"#),
    ("notify_type", "trade_status_sync"),
    ("trade_status", "TRADE_SUCCESS"),
    ("receipt_amount", "19.90"),
    ("buyer_pay_amount", "18.90"),
    ("app_id", APP_ID),
    ("seller_id", "2088531891668739"),
    ("gmt_payment", "2024-11-25 10:05:00"),
    ("notify_time", "2024-11-25 10:05:01"),
    ("version", "1.0"),
    ("out_trade_no", NO),
    ("total_amount", "19.90"),
    ("trade_no", TX),
    ("auth_app_id", APP_ID),
    ("point_amount", "1.00"),
];

fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = PAID.to_vec();
    for (k, val) in changes {
        match v.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = val,
            None => v.push((k, val)),
        }
    }
    v
}

/// A form as Alipay posts it: signed over every field but `sign` and `sign_type`.
fn posted(fields: &[(&str, &str)]) -> NotifyInput {
    let sign = STANDARD.encode(sign(notify_content(fields.iter().copied()).as_bytes()));
    let mut all = fields.to_vec();
    all.push(("sign", &sign));
    all.push(("sign_type", "RSA2"));
    NotifyInput { headers: vec![], body: encode_pairs(all).into_bytes(), order: None }
}

/// The route's path: `notify_check`, the RSA2 check the edge does, then `notice`.
fn deliver(input: &NotifyInput) -> Result<(OrderNo, Notice), NotifyError> {
    let check = cfg().notify_check(input, NOW)?;
    assert_eq!((check.sealed.as_ref(), check.confirm.as_ref()), (None, None), "the signature is the proof");
    let rsa = check.rsa.expect("every OpenAPI notify is signed");
    assert_eq!(rsa.serial, None);
    if !verifies(&rsa.message, &rsa.signature) {
        return Err(NotifyError::Signature("does not verify".into()));
    }
    cfg().notice(input, &Opened::default())
}

fn paid_facts() -> TradeFacts {
    TradeFacts {
        provider: ALI,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: Some(AmountFen::new(1890).unwrap()),
        currency: None,
        paid_at: Some("2024-11-25 10:05:00".into()),
        source: Source::AlipayNotify,
    }
}

#[test]
fn a_trade_notify_is_verified_over_its_decoded_fields_then_read_as_its_trade() {
    let input = posted(PAID);
    let rsa = cfg().notify_check(&input, NOW).unwrap().rsa.unwrap();
    let message = String::from_utf8(rsa.message.clone()).unwrap();
    assert_eq!(message, notify_content(PAID.iter().copied()));
    assert!(message.starts_with("app_id=2021000000000001&auth_app_id=2021000000000001&buyer_id="), "{message}");
    assert!(message.contains("&fund_bill_list=[{\"amount\":\"18.90\",") && !message.contains("sign"), "{message}");
    assert_eq!(deliver(&input), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(paid_facts()))));
    let closed = with(&[("trade_status", "TRADE_CLOSED")]);
    let (_, n) = deliver(&posted(&closed)).unwrap();
    assert!(matches!(n, Notice::Trade(TradeFacts { state: TradeFact::Closed, .. })));
}

#[test]
fn the_sync_return_proves_no_state_by_itself() {
    let back = [
        ("charset", "utf-8"),
        ("out_trade_no", NO),
        ("method", "alipay.trade.page.pay.return"),
        ("total_amount", "19.90"),
        ("trade_no", TX),
        ("auth_app_id", APP_ID),
        ("version", "1.0"),
        ("app_id", APP_ID),
        ("seller_id", "2088531891668739"),
        ("timestamp", "2024-11-25 10:05:03"),
    ];
    let open = TradeFacts { state: TradeFact::Open, payer_total: None, paid_at: None, ..paid_facts() };
    assert_eq!(deliver(&posted(&back)), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(open))));
}

#[test]
fn forged_or_unsigned_notifies_are_signature_errors() {
    let signature = |input: &NotifyInput| match cfg().notify_check(input, NOW) {
        Err(NotifyError::Signature(m)) => m,
        other => panic!("{other:?}"),
    };
    let strip = |name: &str| {
        let body = String::from_utf8(posted(PAID).body).unwrap();
        let kept: Vec<&str> = body.split('&').filter(|p| !p.starts_with(&format!("{name}="))).collect();
        NotifyInput { body: kept.join("&").into_bytes(), ..NotifyInput::default() }
    };
    assert_eq!(signature(&strip("sign")), "signature does not verify");
    assert_eq!(signature(&strip("sign_type")), "malformed: sign_type is not RSA2");
    let md5 = String::from_utf8(posted(PAID).body).unwrap().replace("sign_type=RSA2", "sign_type=MD5");
    assert_eq!(
        signature(&NotifyInput { body: md5.into_bytes(), ..NotifyInput::default() }),
        "malformed: sign_type is not RSA2"
    );
    let latin1 = NotifyInput { body: b"sign_type=RSA2&sign=AAAA&subject=%FF".to_vec(), ..NotifyInput::default() };
    assert_eq!(signature(&latin1), "malformed: not UTF-8");
    // Changed after signing: the edge's RSA check fails.
    let tampered = String::from_utf8(posted(PAID).body).unwrap().replace("total_amount=19.90", "total_amount=0.01");
    let tampered = NotifyInput { body: tampered.into_bytes(), ..NotifyInput::default() };
    assert!(matches!(deliver(&tampered), Err(NotifyError::Signature(_))));
}

#[test]
fn foreign_or_malformed_notifies_are_rejected() {
    let rejected = |input: &NotifyInput| match deliver(input) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(rejected(&posted(&with(&[("app_id", "2019073166072302")]))), "for another app");
    assert_eq!(rejected(&posted(&with(&[("total_amount", "19.901")]))), "malformed: total_amount");
    assert_eq!(rejected(&posted(&with(&[("out_trade_no", "no")]))), "malformed: out_trade_no");
    let no_trade: Vec<_> = PAID.iter().copied().filter(|(k, _)| *k != "trade_no").collect();
    assert_eq!(rejected(&posted(&no_trade)), "malformed: trade_no");
    let check = |body: Vec<u8>| match cfg().notify_check(&NotifyInput { body, ..NotifyInput::default() }, NOW) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(check(b"a=%zz".to_vec()), "bad percent-escape in form");
    assert_eq!(check(vec![b'a'; NOTIFY_MAX_BYTES + 1]), "form body exceeds 32768 bytes");
}

#[test]
fn alipay_is_answered_success_or_fail_in_plain_text() {
    let text = "text/plain; charset=utf-8";
    assert_eq!(notify_reply(None), NotifyReply { status: 200, content_type: text, body: "success".into() });
    for (e, status) in [
        (NotifyError::Signature("x".into()), 400),
        (NotifyError::Rejected("x".into()), 400),
        (NotifyError::Ours("x".into()), 500),
    ] {
        assert_eq!(notify_reply(Some(&e)), NotifyReply { status, content_type: text, body: "fail".into() });
    }
    assert_eq!(NOTIFY_PATH, "/notify/alipay/openapi");
}
