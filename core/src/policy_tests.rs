//! The object's decisions: payability, return_url, close, refund planning, the schedule.

use super::*;
use crate::api::CreateOrderRequest;
use crate::order::{AlipaySession, Provider, RefundOutcome, WechatSession};
use crate::{AmountFen, OrderNo};

fn order() -> Order {
    Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(1990).unwrap(),
        "T".into(),
        String::new(),
        1000,
        2800,
    )
}

fn paid(tx: &str) -> Event {
    Event::Paid(Payment {
        provider: Provider::Wechat,
        transaction_id: tx.into(),
        amount: AmountFen::new(1990).unwrap(),
        paid_at: None,
        source: Source::WechatNotify,
        recorded_at: 1500,
        late: false,
    })
}

fn paid_order() -> Order {
    let mut o = order();
    o.apply(paid("tx"), 1500).unwrap();
    o
}

fn ask(amount: Option<u64>, refund_no: Option<&str>) -> RefundRequest {
    RefundRequest {
        order_no: OrderNo::parse("order_0001").unwrap(),
        amount: amount.map(|a| AmountFen::new(a).unwrap()),
        reason: None,
        refund_no: refund_no.map(Into::into),
        transaction_id: None,
    }
}

fn send(plan: Result<RefundPlan, ApiError>) -> Refund {
    match plan {
        Ok(RefundPlan::Send(r)) => r,
        other => panic!("expected a refund to send, got {other:?}"),
    }
}

fn code(r: Result<impl std::fmt::Debug, ApiError>) -> ResultCode {
    r.unwrap_err().code
}

#[test]
fn payability() {
    let o = order();
    assert!(ensure_payable(&o, 1500).is_ok());
    assert_eq!(code(ensure_payable(&o, 2800)), ResultCode::OrderExpired);
    assert_eq!(code(ensure_payable(&paid_order(), 1500)), ResultCode::OrderNotPayable);
    assert!(ensure_time_for_new_code(&o, 2800 - 61).is_ok());
    assert_eq!(code(ensure_time_for_new_code(&o, 2800 - 59)), ResultCode::OrderExpired);
}

#[test]
fn create_order_repeats_must_match() {
    let o = order();
    let mut req = CreateOrderRequest {
        order_no: o.order_no.clone(),
        total_fee: o.total_fee,
        subject: "T".into(),
        body: String::new(),
        expire_seconds: Some(1800),
        return_url: None,
    };
    assert!(ensure_same_order(&o, &req).is_ok());
    req.total_fee = AmountFen::new(1).unwrap();
    assert_eq!(code(ensure_same_order(&o, &req)), ResultCode::OrderConflict);
}

#[test]
fn return_url_is_fixed_once_and_its_origin_listed() {
    let mut o = order();
    assert_eq!(fix_return_url(&o, "https://shop.example/a").unwrap().as_deref(), Some("https://shop.example/a"));
    o.return_url = Some("https://shop.example/a".into());
    assert_eq!(fix_return_url(&o, "https://shop.example/a").unwrap(), None);
    assert_eq!(code(fix_return_url(&o, "https://evil.example/a")), ResultCode::ReturnUrlFixed);
    assert!(ensure_return_origin("https://shop.example/a?x", "https://other.example, https://shop.example").is_ok());
    assert!(ensure_return_origin("https://anything.example/", "*").is_ok());
    assert_eq!(
        code(ensure_return_origin("https://shop.example.evil/a", "https://shop.example")),
        ResultCode::ReturnUrlNotAllowed
    );
    assert_eq!(
        code(ensure_return_origin("http://shop.example/a", "https://shop.example")),
        ResultCode::ReturnUrlNotAllowed
    );
}

#[test]
fn close_decisions() {
    assert_eq!(close_step(&order()), Ok(CloseStep::Close));
    assert_eq!(code(close_step(&paid_order())), ResultCode::InvalidOrderState);
    let closes = close_events(Vec::new(), CloseReason::Merchant, Source::MerchantClose, 5);
    assert!(matches!(closes[..], [Event::Closed(_)]));
    let found = close_events(vec![paid("tx")], CloseReason::Merchant, Source::MerchantClose, 5);
    assert!(matches!(found[..], [Event::Paid(_)]), "a payment found while closing is never cancelled");
}

#[test]
fn refund_plans() {
    assert_eq!(code(plan_refund(&order(), &ask(None, None), 1600)), ResultCode::InvalidOrderState);
    let mut o = paid_order();
    let full = send(plan_refund(&o, &ask(None, None), 1600));
    assert_eq!((full.refund_no.as_str(), full.amount.fen(), full.attempts), ("r1", 1990, 1));
    assert_eq!(code(plan_refund(&o, &ask(Some(1991), None), 1600)), ResultCode::RefundTooLarge);
    let mut missing = ask(None, None);
    missing.transaction_id = Some("nope".into());
    assert_eq!(code(plan_refund(&o, &missing, 1600)), ResultCode::PaymentNotFound);

    let part = send(plan_refund(&o, &ask(Some(990), Some("m-1")), 1600));
    o.apply(Event::RefundRequested(part.clone()), 1600).unwrap();
    // The same refund_no: the stored refund, however often; another amount under it: conflict.
    assert_eq!(plan_refund(&o, &ask(Some(990), Some("m-1")), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(plan_refund(&o, &ask(None, Some("m-1")), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(code(plan_refund(&o, &ask(Some(5), Some("m-1")), 1601)), ResultCode::RefundConflict);
    // Without refund_no, a pending refund of the same amount is answered, not repeated.
    assert_eq!(plan_refund(&o, &ask(Some(990), None), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(send(plan_refund(&o, &ask(None, None), 1601)).amount.fen(), 1000, "the rest");
    // A failed refund is retried under its refund_no with a fresh provider number.
    let failed = Event::RefundSettled {
        provider_refund_no: part.provider_refund_no.clone(),
        refund_id: None,
        outcome: RefundOutcome::Failed("REFUNDCLOSE".into()),
        source: Source::WechatRefundQuery,
    };
    o.apply(failed, 1700).unwrap();
    let retry = send(plan_refund(&o, &ask(None, Some("m-1")), 1800));
    assert_eq!((retry.attempts, retry.amount.fen()), (2, 990));
    assert_ne!(retry.provider_refund_no, part.provider_refund_no);
    // Everything refunded: a repeated full refund answers the last one.
    let mut done = paid_order();
    let all = send(plan_refund(&done, &ask(None, None), 1600));
    done.apply(Event::RefundRequested(all), 1600).unwrap();
    assert_eq!(plan_refund(&done, &ask(None, None), 1601), Ok(RefundPlan::Existing("r1".into())));
}

#[test]
fn provider_refund_numbers_fit_each_provider() {
    let o = paid_order();
    let wx = provider_refund_no(&o, "m-1", 1, 1_732_500_000, Provider::Wechat);
    assert!(wx.len() <= 64 && wx.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(wx, provider_refund_no(&o, "m-1", 1, 1_732_600_000, Provider::Wechat), "a retry reuses it");
    assert_ne!(wx, provider_refund_no(&o, "m-1", 2, 1_732_500_000, Provider::Wechat));
    let ali = provider_refund_no(&o, "m-1", 1, 1_732_500_000, Provider::Alipay);
    assert!(ali.starts_with("20241125") && ali.len() == 24, "{ali}");
}

#[test]
fn schedule_starts_fast_slows_down_and_stops_at_expiry() {
    let mut o = order();
    assert_eq!(next_check_at(&o, 1000), Some(2800 + reconcile::EXPIRY_GRACE_SECS), "no wallet: wake to expire");
    o.wechat = Some(WechatSession { code_url: "weixin://x".into(), prepay_id: "p".into(), created_at: 1000 });
    let mut at = 1000;
    let mut wakes = Vec::new();
    while let Some(next) = next_check_at(&o, at) {
        wakes.push(next - 1000);
        at = next;
        if due_checks(&o, at).expire {
            break;
        }
    }
    assert_eq!(&wakes[..6], &[5, 15, 30, 60, 180, 300]);
    assert_eq!(*wakes.last().unwrap(), 1800 + reconcile::EXPIRY_GRACE_SECS);
    assert!(due_checks(&o, 1005).trades);
    o.alipay = Some(AlipaySession { issued_at: 900, qr_code: None });
    assert_eq!(next_check_at(&o, 900), Some(905), "from the first session");
    assert_eq!(next_check_at(&paid_order(), 1600), None, "paid, nothing pending");
    assert_eq!(next_check_at_watched(&o, 1100, true), Some(1105), "watched live: every 5 s");
    assert_eq!(next_check_at_watched(&o, 1100, false), next_check_at(&o, 1100));
    assert_eq!(next_check_at_watched(&o, 903, true), Some(905), "the schedule when it is sooner");
    assert_eq!(next_check_at_watched(&order(), 1000, true), next_check_at(&order(), 1000), "no wallet session");
    assert_eq!(next_check_at_watched(&paid_order(), 1600, true), None, "paid: nothing to watch for");
    let mut cancelled = order();
    cancelled.apply(Order::close_event(CloseReason::Merchant, Source::MerchantClose, 1100), 1100).unwrap();
    assert_eq!(next_check_at(&cancelled, 1100), None);
}

#[test]
fn pending_refunds_are_checked_until_settled() {
    let mut o = paid_order();
    let r = send(plan_refund(&o, &ask(None, None), 1600));
    o.apply(Event::RefundRequested(r), 1600).unwrap();
    assert_eq!(next_check_at(&o, 1600), Some(1605));
    assert!(due_checks(&o, 1605).refunds);
    assert_eq!(next_check_at(&o, 1600 + 60), Some(1600 + 180), "every 2 min in the first hour");
    assert_eq!(next_check_at(&o, 1600 + 4000), Some(1660 + 3 * 1800), "then every 30 min");
}

#[test]
fn page_polls_ask_at_most_every_three_seconds() {
    let mut o = order();
    o.wechat = Some(WechatSession { code_url: "weixin://x".into(), prepay_id: "p".into(), created_at: 1000 });
    assert!(poll_checks(&o, None, 1001).trades);
    assert!(poll_checks(&o, Some(1001), 1003).is_empty());
    assert!(poll_checks(&o, Some(1001), 1004).trades);
    assert!(poll_checks(&order(), None, 1001).is_empty(), "no wallet session, nothing to ask");
}

#[test]
fn an_expired_order_whose_close_failed_is_retried_without_spinning() {
    let o = order();
    let expiry = 2800 + reconcile::EXPIRY_GRACE_SECS;
    assert_eq!(next_check_at(&o, expiry), Some(expiry + EXPIRED_RETRY_SECS));
}

#[test]
fn return_location_appends_the_state_before_the_fragment() {
    let o = paid_order();
    assert_eq!(return_location("https://s.example/done", &o), "https://s.example/done?order_no=order_0001&pay_state=1");
    assert_eq!(
        return_location("https://s.example/d?x=1#top", &o),
        "https://s.example/d?x=1&order_no=order_0001&pay_state=1#top"
    );
}
