//! WeChat Pay v2 payment notifies through [`ProviderApi`], and the answers WeChat expects.

use super::*;
use crate::order::Refusal;
use crate::reconcile::accept_notice;
use crate::sign::WechatSignType::Md5;
use crate::wechat_v2::test_support::signed_body_without_sign_type;

const PAID: &[(&str, &str)] = &[
    ("return_code", "SUCCESS"),
    ("result_code", "SUCCESS"),
    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ("trade_type", "NATIVE"),
    ("bank_type", "CMC"),
    ("total_fee", "1990"),
    ("fee_type", "CNY"),
    ("cash_fee", "1890"),
    ("transaction_id", TX),
    ("out_trade_no", NO),
    ("time_end", "20241125100500"),
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

fn input(body: impl Into<Vec<u8>>) -> NotifyInput {
    NotifyInput { headers: vec![("content-type".into(), "text/xml".into())], body: body.into(), order: None }
}

fn paid_facts() -> TradeFacts {
    TradeFacts {
        provider: WX,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: Some(AmountFen::new(1890).unwrap()),
        currency: Some("CNY".into()),
        paid_at: Some("20241125100500".into()),
        source: Source::WechatNotify,
    }
}

/// `notify_check` then `notice`, as the route runs them (v2 leaves the edge nothing to do).
fn open(body: impl Into<Vec<u8>>) -> Result<(OrderNo, Notice), NotifyError> {
    let cfg = config();
    let input = input(body);
    let check = cfg.notify_check(&input, NOW)?;
    assert_eq!(check, NotifyCheck::default(), "signed with the API key: nothing left to verify, open or confirm");
    cfg.notice(&input, &Opened::default())
}

#[test]
fn a_genuine_notify_is_the_paid_trade_of_its_order() {
    for body in [
        signed_body(PAID, KEY, HmacSha256),
        signed_body(PAID, KEY, Md5),
        // WeChat leaves sign_type out of the notifies of HMAC-SHA256 orders.
        signed_body_without_sign_type(PAID, KEY, HmacSha256),
    ] {
        assert_eq!(open(body), Ok((OrderNo::parse(NO).unwrap(), Notice::Trade(paid_facts()))));
    }
    // A failed payment reports the trade open, still with WeChat's facts.
    let failed = with(&[("result_code", "FAIL"), ("err_code", "PAYERROR")]);
    let (_, notice) = open(signed_body(&failed, KEY, HmacSha256)).unwrap();
    assert_eq!(notice, Notice::Trade(TradeFacts { state: TradeFact::Open, ..paid_facts() }));
}

#[test]
fn forged_tampered_and_unsigned_notifies_are_signature_errors() {
    let forged = signed_body(PAID, "ffffffffffffffffffffffffffffffff", HmacSha256);
    let tampered = signed_body(PAID, KEY, HmacSha256).replace("1990", "1");
    let unsigned = signed_body(PAID, KEY, HmacSha256).split("<sign>").next().unwrap().to_owned() + "</xml>";
    // Without sign_type only the merchant's own algorithm is tried.
    let md5_bare = signed_body_without_sign_type(PAID, KEY, Md5);
    for (what, body) in [("forged", forged), ("tampered", tampered), ("unsigned", unsigned), ("md5 bare", md5_bare)] {
        let err = open(body).unwrap_err();
        assert!(
            matches!(err, NotifyError::Signature(ref m) if m.starts_with("notify signature invalid")),
            "{what}: {err:?}"
        );
    }
    // `notice` verifies again: it refuses a forgery on its own too.
    let forged = input(signed_body(PAID, "ffffffffffffffffffffffffffffffff", HmacSha256));
    assert!(matches!(config().notice(&forged, &Opened::default()), Err(NotifyError::Signature(_))));
}

#[test]
fn foreign_failed_malformed_and_oversized_notifies_are_rejected() {
    let rejected = |body: String| match open(body) {
        Err(NotifyError::Rejected(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        rejected(signed_body(&with(&[("appid", "wx0000000000000000")]), KEY, HmacSha256)),
        "notify is for another merchant"
    );
    assert_eq!(
        rejected(signed_body(&with(&[("mch_id", "10000999")]), KEY, HmacSha256)),
        "notify is for another merchant"
    );
    assert_eq!(
        rejected(signed_body(&with(&[("return_code", "FAIL")]), KEY, HmacSha256)),
        "notify return_code is not SUCCESS"
    );
    assert_eq!(rejected(signed_body(&with(&[("total_fee", "19.90")]), KEY, HmacSha256)), "notify total_fee is invalid");
    assert_eq!(
        rejected(signed_body(&with(&[("out_trade_no", "../etc")]), KEY, HmacSha256)),
        "notify out_trade_no is invalid"
    );
    let no_tx: Vec<_> = PAID.iter().copied().filter(|(k, _)| *k != "transaction_id").collect();
    assert_eq!(rejected(signed_body(&no_tx, KEY, HmacSha256)), "field `transaction_id` is missing");
    assert!(rejected("<xml><return_code>SUCC".into()).starts_with("malformed notify"));
    assert!(rejected("<!DOCTYPE x><xml></xml>".into()).starts_with("malformed notify"));
    let huge = format!("<xml><attach>{}</attach></xml>", "a".repeat(NOTIFY_MAX_BYTES));
    assert!(rejected(huge).contains("exceeds"));
}

#[test]
fn a_foreign_currency_passes_the_api_and_is_refused_by_the_order_rule() {
    let usd = with(&[("fee_type", "USD")]);
    let (order_no, notice) = open(signed_body(&usd, KEY, HmacSha256)).unwrap();
    assert_eq!(order_no.as_str(), NO);
    assert_eq!(notice, Notice::Trade(TradeFacts { currency: Some("USD".into()), ..paid_facts() }));
    let mut o = order();
    o.apply(Change::SessionStarted(Session::new(WX, Channel::Qr, NO, NOW)), NOW).unwrap();
    assert_eq!(accept_notice(&o, &notice, NOW + 300), Err(Refusal::Currency("USD".into())));
    let (_, cny) = open(signed_body(PAID, KEY, HmacSha256)).unwrap();
    assert_eq!(accept_notice(&o, &cny, NOW + 300).map(|c| c.len()), Ok(1));
}

#[test]
fn wechat_is_answered_in_its_xml() {
    assert_eq!(
        notify_reply(None),
        NotifyReply {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            body: "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
                .into(),
        }
    );
    let forged = notify_reply(Some(&NotifyError::Signature("notify signature invalid: signature mismatch".into())));
    assert_eq!(forged.status, 400);
    assert_eq!(
        forged.body,
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[notify signature invalid: signature mismatch]]></return_msg></xml>"
    );
    let ours = notify_reply(Some(&NotifyError::Ours("storage down".into())));
    assert_eq!((ours.status, ours.content_type), (500, "text/xml; charset=utf-8"));
    assert!(ours.body.contains("<return_code><![CDATA[FAIL]]></return_code>") && ours.body.contains("storage down"));
    assert_eq!(notify_reply(Some(&NotifyError::Rejected("x".into()))).status, 400);
    assert_eq!(NOTIFY_PATH, "/notify/wechat");
}
