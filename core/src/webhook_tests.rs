//! Webhook events, signatures and schedule.

use super::*;
use crate::order::{Change, CloseReason, Payment, Provider, Refund, RefundResult, Source};
use crate::{AmountFen, OrderNo};

const SECRET: &str = "whsec_test_0123456789abcdef0123456789";

fn order() -> Order {
    Order::new(OrderNo::parse("order_0001").unwrap(), AmountFen::new(1000).unwrap(), "T".into(), String::new(), 0, 1800)
}

fn paid(tx: &str, provider: Provider) -> Change {
    Change::Paid(Payment {
        provider,
        transaction_id: tx.into(),
        trade_no: String::new(),
        amount: AmountFen::new(1000).unwrap(),
        payer_total: None,
        paid_at: None,
        source: Source::WechatNotify,
        recorded_at: 5,
        late: false,
    })
}

fn after(o: &Order, e: Change) -> Order {
    let mut next = o.clone();
    next.apply(e, 10).unwrap();
    next
}

#[test]
fn hmac_matches_rfc_4231_case_2() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn each_change_makes_its_events() {
    let o = order();
    let p = after(&o, paid("tx", Provider::Wechat));
    assert_eq!(events_between(&o, &p), vec![EventType::Paid]);
    assert_eq!(events_between(&p, &p), vec![], "no change, no event");
    let c = after(&o, Order::cancellation(CloseReason::Merchant, Source::MerchantClose, 9));
    assert_eq!(events_between(&o, &c), vec![EventType::Cancelled]);
    let late = after(&c, paid("tx", Provider::Wechat));
    assert_eq!(events_between(&c, &late), vec![EventType::Paid], "a late payment pays the order");
    let extra = after(&p, paid("2024", Provider::Alipay));
    assert_eq!(events_between(&p, &extra), vec![EventType::ExtraPayment]);

    let refund = |no: &str, fen| Refund {
        refund_no: no.into(),
        provider: Provider::Wechat,
        transaction_id: "tx".into(),
        amount: AmountFen::new(fen).unwrap(),
        reason: String::new(),
        provider_refund_no: format!("P{no}"),
        attempts: 1,
        refund_id: None,
        status: RefundStatus::Sending,
        requested_at: 10,
        settled_at: None,
        overdue: false,
    };
    let settle = |no: &str, result| Change::RefundSettled {
        provider_refund_no: format!("P{no}"),
        refund_id: None,
        result,
        source: Source::WechatRefundQuery,
    };
    let asked = after(&p, Change::RefundStarted(refund("a", 400)));
    assert_eq!(events_between(&p, &asked), vec![], "a request is not an event; its outcome is");
    let failed = after(&asked, settle("a", RefundResult::Failed("REFUNDCLOSE".into())));
    assert_eq!(events_between(&asked, &failed), vec![EventType::RefundFailed]);
    let part = after(&asked, settle("a", RefundResult::Succeeded));
    assert_eq!(events_between(&asked, &part), vec![EventType::RefundSucceeded]);
    let rest = after(&part, Change::RefundStarted(refund("b", 600)));
    let whole = after(&rest, settle("b", RefundResult::Succeeded));
    assert_eq!(events_between(&rest, &whole), vec![EventType::RefundSucceeded, EventType::Refunded]);
    let abnormal = after(&asked, settle("a", RefundResult::Abnormal("CHANGE".into())));
    assert_eq!(events_between(&asked, &abnormal), vec![EventType::RefundAbnormal]);
    let overdue = after(&asked, Change::RefundOverdue { refund_no: "a".into() });
    assert_eq!(events_between(&asked, &overdue), vec![EventType::RefundOverdue]);
    let sent = after(
        &asked,
        Change::RefundSent { refund_no: "a".into(), result: crate::order::SendResult::Unknown("timeout".into()) },
    );
    assert_eq!(events_between(&asked, &sent), vec![], "no answer is no news for the merchant's backend");
}

#[test]
fn ids_name_their_order() {
    let no = OrderNo::parse("a|b*c_1-2").unwrap();
    let id = event_id(&no, 7);
    assert_eq!(id, "evt_a|b*c_1-2.7");
    assert_eq!(order_of_event(&id), Some(no));
    for bad in ["evt_", "evt_order_0001", "evt_order_0001.x", "order_0001.1", "evt_短.1"] {
        assert_eq!(order_of_event(bad), None, "{bad}");
    }
}

#[test]
fn signed_bodies_verify_and_everything_else_is_refused() {
    let o = after(&order(), paid("tx", Provider::Wechat));
    let body = body(&event_id(&o.order_no, 1), &EventType::Paid, 10, &o);
    let header = signature_header(SECRET, 1000, body.as_bytes());
    let event = verify(body.as_bytes(), Some(&header), SECRET, TOLERANCE_SECS, 1100).unwrap();
    assert_eq!(
        (event.kind.as_str(), event.order_no.as_deref(), event.data["state"].as_u64()),
        ("order.paid", Some("order_0001"), Some(1))
    );
    assert_eq!(event.data["payment"]["transaction_id"], "tx");

    let err = |b: &[u8], h: Option<&str>, s: &str, now| verify(b, h, s, TOLERANCE_SECS, now).unwrap_err();
    assert_eq!(err(body.as_bytes(), None, SECRET, 1000), WebhookError::MissingHeader);
    assert_eq!(err(body.as_bytes(), Some(""), SECRET, 1000), WebhookError::MissingHeader);
    assert_eq!(
        err(body.replace("order.paid", "order.refunded").as_bytes(), Some(&header), SECRET, 1000),
        WebhookError::SignatureMismatch
    );
    assert_eq!(
        err(body.as_bytes(), Some(&header), "another-secret-another-secret-123", 1000),
        WebhookError::SignatureMismatch
    );
    assert!(matches!(err(body.as_bytes(), Some(&header), SECRET, 1301), WebhookError::StaleTimestamp { .. }));
    assert!(matches!(err(body.as_bytes(), Some(&header), SECRET, 699), WebhookError::StaleTimestamp { .. }));
    assert!(verify(body.as_bytes(), Some(&header), SECRET, TOLERANCE_SECS, 1300).is_ok(), "300 s is within");
    // The timestamp is signed: moving it breaks the signature.
    let moved = header.replacen("t=1000", "t=1100", 1);
    assert_eq!(err(body.as_bytes(), Some(&moved), SECRET, 1100), WebhookError::SignatureMismatch);
    for bad in ["t=1000", "v1=abc", "t=x,v1=00", "garbage", "t=1000,v1=zz", "t=,v1="] {
        assert_eq!(err(body.as_bytes(), Some(bad), SECRET, 1000), WebhookError::MalformedHeader, "{bad}");
    }
    // Several v1 values (a secret being rotated): one match is enough; unknown schemes are ignored.
    let rotated = format!("t=1000,v0=abc,v1={},{}", "0".repeat(64), &header["t=1000,".len()..]);
    assert!(verify(body.as_bytes(), Some(&rotated), SECRET, TOLERANCE_SECS, 1000).is_ok());
    let not_event = b"[1,2]";
    let h = signature_header(SECRET, 1000, not_event);
    assert!(matches!(err(not_event, Some(&h), SECRET, 1000), WebhookError::MalformedBody(_)));
}

#[test]
fn secrets_must_be_long_enough() {
    assert_eq!(check_secret("short"), Err(WebhookError::SecretTooShort));
    assert_eq!(check_secret(SECRET), Ok(()));
}

#[test]
fn retries_grow_then_give_up_after_a_day() {
    let s = RETRY_SCHEDULE_SECS;
    assert_eq!(next_attempt_at(0, 1, 0, &s, GIVE_UP_SECS), Some(10));
    assert_eq!(next_attempt_at(0, 2, 10, &s, GIVE_UP_SECS), Some(40));
    assert_eq!(next_attempt_at(0, 7, 3000, &s, GIVE_UP_SECS), Some(6600));
    assert_eq!(next_attempt_at(0, 12, 20_000, &s, GIVE_UP_SECS), Some(23_600), "then hourly");
    assert_eq!(next_attempt_at(0, 30, 86_000, &s, GIVE_UP_SECS), None, "a day old: failed");
    assert_eq!(parse_schedule("1, 2,3"), Some(vec![1, 2, 3]));
    assert_eq!(parse_schedule("1,x"), None);
    assert_eq!(parse_schedule("0"), None);
    assert!(is_delivered(204) && !is_delivered(302) && !is_delivered(500));
}

#[test]
fn an_attempt_decides_the_events_next_state() {
    let record = EventRecord {
        id: "evt_order_0001.1".into(),
        kind: "order.paid".into(),
        created_at: 100,
        state: DeliveryState::Pending,
        next_attempt_at: Some(100),
        attempts: Vec::new(),
        body: "{}".into(),
    };
    let attempt = |status, duration_ms| Attempt { at: 100, status, error: None, duration_ms };
    assert_eq!(after_attempt(&record, &attempt(Some(204), 30), &[1, 2], 60), (DeliveryState::Delivered, None));
    assert_eq!(after_attempt(&record, &attempt(Some(500), 30), &[1, 2], 60), (DeliveryState::Pending, Some(102)));
    assert_eq!(
        after_attempt(&record, &attempt(None, 10_000), &[1, 2], 60),
        (DeliveryState::Pending, Some(111)),
        "after the timeout"
    );
    let old = EventRecord { attempts: vec![attempt(Some(500), 1); 3], ..record };
    assert_eq!(after_attempt(&old, &attempt(Some(302), 1), &[1, 2], 2), (DeliveryState::Failed, None));
    assert_eq!(DeliveryState::parse("delivered"), Some(DeliveryState::Delivered));
}
