//! Alipay MAPI notifies through [`ProviderApi`]: MD5-verified, then confirmed with
//! `notify_verify` at the gateway (the edge's request), and the answers Alipay expects.

use super::*;
use crate::facts::RefundFacts;
use crate::order::RefundResult;
use crate::sign::{SecretKey, alipay_sign};

fn form(fields: &[(&str, &str)], key: &SecretKey) -> Vec<u8> {
    let sign = alipay_sign(fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())), key);
    let mut all = fields.to_vec();
    all.push(("sign", &sign));
    all.push(("sign_type", "MD5"));
    encode_pairs(all).into_bytes()
}

const PAID: &[(&str, &str)] = &[
    ("notify_type", "trade_status_sync"),
    ("notify_id", "RqPnCoPT3K9%2Fvwbh3I%2BFioE"),
    ("notify_time", "2024-11-25 10:05:01"),
    ("out_trade_no", NO),
    ("trade_no", TX),
    ("trade_status", "TRADE_SUCCESS"),
    ("total_fee", "19.90"),
    ("seller_id", "2088811198755564"),
    ("seller_email", "souvenir@chinarun.com"),
    ("gmt_payment", "2024-11-25 10:05:00"),
];

const REFUNDED: &[(&str, &str)] = &[
    ("notify_type", "batch_refund_notify"),
    ("notify_id", "70fec0c2730b27528665af4517c27b95"),
    ("batch_no", BATCH),
    ("success_num", "1"),
    ("result_details", "2024112522001400001234567890^9.90^SUCCESS"),
];

fn with(
    base: &[(&'static str, &'static str)],
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut v = base.to_vec();
    for (k, val) in changes {
        match v.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = val,
            None => v.push((k, val)),
        }
    }
    v
}

fn posted(fields: &[(&str, &str)], order: Option<&str>) -> NotifyInput {
    NotifyInput { headers: vec![], body: form(fields, &config().key), order: order.map(|o| OrderNo::parse(o).unwrap()) }
}

/// The route's path: `notify_check`, the `notify_verify` the edge sends (answered
/// `verdict`), then `notice`.
fn deliver(input: &NotifyInput, verdict: Option<&str>) -> Result<(OrderNo, Notice), NotifyError> {
    let check = config().notify_check(input, NOW)?;
    assert_eq!((check.rsa.as_ref(), check.sealed.as_ref()), (None, None));
    assert!(check.confirm.is_some(), "every MAPI notify is confirmed at the gateway");
    config().notice(input, &Opened { plaintext: None, confirmation: verdict.map(|v| v.as_bytes().to_vec()) })
}

#[test]
fn a_trade_notify_is_confirmed_at_the_gateway_then_read_as_its_trade() {
    let input = posted(PAID, None);
    let check = config().notify_check(&input, NOW).unwrap();
    // notify_id as decoded once, encoded again for the gateway.
    assert_eq!(
        check.confirm,
        Some(HttpRequest::get(format!(
            "{GATEWAY}?service=notify_verify&partner=2088811198755564&notify_id=RqPnCoPT3K9%252Fvwbh3I%252BFioE"
        )))
    );
    let facts = TradeFacts {
        source: Source::AlipayNotify,
        paid_at: Some("2024-11-25 10:05:00".into()),
        ..facts(TradeFact::Paid)
    };
    assert_eq!(deliver(&input, Some("true")), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(facts.clone()))));
    assert_eq!(deliver(&input, Some("true\r\n")), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(facts))));
    // Only the seller id, or only the e-mail (any case), names the merchant as well.
    let by_id: Vec<_> = PAID.iter().copied().filter(|(k, _)| *k != "seller_email").collect();
    assert!(deliver(&posted(&by_id, None), Some("true")).is_ok());
    let by_email = with(PAID, &[("seller_email", "Souvenir@ChinaRun.com")]);
    let by_email: Vec<_> = by_email.into_iter().filter(|(k, _)| *k != "seller_id").collect();
    assert!(deliver(&posted(&by_email, None), Some("true")).is_ok());
    let closed = with(PAID, &[("trade_status", "TRADE_CLOSED")]);
    let (_, n) = deliver(&posted(&closed, None), Some("true")).unwrap();
    assert!(matches!(n, Notice::Trade(TradeFacts { state: TradeFact::Closed, .. })));
}

#[test]
fn an_unconfirmed_notify_is_not_believed() {
    let input = posted(PAID, None);
    assert_eq!(deliver(&input, Some("false")), Err(NotifyError::Rejected("notify_verify answered false".into())));
    for garbled in ["invalid", "TRUE", "<html>true</html>", ""] {
        assert_eq!(
            deliver(&input, Some(garbled)),
            Err(NotifyError::Rejected("notify_verify answered invalid".into())),
            "{garbled}"
        );
    }
    assert_eq!(deliver(&input, None), Err(NotifyError::Ours("notify_verify unreachable".into())));
}

#[test]
fn a_refund_notify_on_its_orders_url_reads_as_its_refunds() {
    let fact = |result| RefundFacts {
        provider: ALI,
        provider_refund_no: BATCH.into(),
        refund_id: Some(BATCH.into()),
        result,
        transaction_id: Some(TX.into()),
        amount: Some(AmountFen::new(990).unwrap()),
        source: Source::AlipayRefundNotify,
    };
    let (order_no, notice) = deliver(&posted(REFUNDED, Some(NO)), Some("true")).unwrap();
    assert_eq!((order_no.as_str(), &notice), (NO, &Notice::Refunds { refunds: vec![fact(RefundResult::Succeeded)] }));
    assert_eq!(
        crate::reconcile::accept_notice(&refunding(RefundStatus::Requested), &notice, NOW).map(|c| c.len()),
        Ok(1)
    );
    let failed = with(REFUNDED, &[("result_details", "2024112522001400001234567890^9.90^TRADE_HAS_CLOSED")]);
    let (_, notice) = deliver(&posted(&failed, Some(NO)), Some("true")).unwrap();
    assert_eq!(notice, Notice::Refunds { refunds: vec![fact(RefundResult::Failed("TRADE_HAS_CLOSED".into()))] });
    // Each kind only on its own URL.
    let mismatch = NotifyError::Rejected("notify type does not match its URL".into());
    assert_eq!(deliver(&posted(REFUNDED, None), Some("true")), Err(mismatch.clone()));
    assert_eq!(deliver(&posted(PAID, Some(NO)), Some("true")), Err(mismatch));
}

#[test]
fn forged_notifies_are_signature_errors_and_foreign_or_malformed_ones_rejected() {
    let forged =
        NotifyInput { body: form(PAID, &SecretKey::new("ffffffffffffffffffffffffffffffff")), ..posted(PAID, None) };
    let tampered = NotifyInput {
        body: String::from_utf8(form(PAID, &config().key)).unwrap().replace("19.90", "0.01").into_bytes(),
        ..posted(PAID, None)
    };
    let unsigned = NotifyInput { body: encode_pairs(PAID.iter().copied()).into_bytes(), ..posted(PAID, None) };
    for (what, input) in [("forged", &forged), ("tampered", &tampered), ("unsigned", &unsigned)] {
        assert!(matches!(config().notify_check(input, NOW), Err(NotifyError::Signature(_))), "{what}");
        assert!(matches!(config().notice(input, &Opened::default()), Err(NotifyError::Signature(_))), "{what}");
    }
    let rejected = |fields: &[(&str, &str)]| match config().notify_check(&posted(fields, None), NOW) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(rejected(&with(PAID, &[("seller_id", "2088000000000000")])), "notify is for another seller");
    assert_eq!(rejected(&with(PAID, &[("seller_email", "someone@else.com")])), "notify is for another seller");
    let anonymous: Vec<_> = PAID.iter().copied().filter(|(k, _)| !k.starts_with("seller")).collect();
    assert_eq!(rejected(&anonymous), "notify is for another seller");
    assert_eq!(rejected(&with(PAID, &[("total_fee", "19.901")])), "field `total_fee` is invalid");
    assert_eq!(rejected(&with(PAID, &[("out_trade_no", "no")])), "field `out_trade_no` is invalid");
    assert_eq!(rejected(&with(PAID, &[("notify_type", "wallet_sync")])), "unsupported notify_type");
    assert_eq!(rejected(&with(REFUNDED, &[("result_details", "x^y")])), "field `result_details` is invalid");
    let malformed = |body: Vec<u8>| match config().notify_check(&NotifyInput { body, ..NotifyInput::default() }, NOW) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(malformed(b"a=%zz".to_vec()), "bad percent-escape in form");
    assert_eq!(malformed(b"a=1&a=2".to_vec()), "field `a` appears twice");
    assert_eq!(malformed(vec![b'a'; NOTIFY_MAX_BYTES + 1]), "form body exceeds 32768 bytes");
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
    assert_eq!(
        (NOTIFY_PATH, REFUND_NOTIFY_PREFIX, RETURN_PATH),
        ("/notify/alipay", "/notify/alipay/refund/", "/return/alipay")
    );
}
