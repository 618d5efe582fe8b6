//! The object's decisions: payability, return_url, close, refund planning, the schedule.

use super::*;
use crate::api::CreateOrderRequest;
use crate::order::{Change, Provider, RefundResult, SendResult, Source};
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

fn paid(tx: &str) -> Change {
    Change::Paid(Payment {
        provider: Provider::Wechat,
        transaction_id: tx.into(),
        trade_no: String::new(),
        amount: AmountFen::new(1990).unwrap(),
        payer_total: None,
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
fn each_pay_returns_where_it_asked_unless_the_merchant_fixed_it() {
    let allowed = "https://shop.example";
    let mut o = order();
    // No merchant URL: every page's own (listed) destination, none stored.
    assert_eq!(return_destination(&o, Some("https://shop.example/a"), allowed).unwrap(), "https://shop.example/a");
    assert_eq!(return_destination(&o, Some("https://shop.example/b"), allowed).unwrap(), "https://shop.example/b");
    assert_eq!(code(return_destination(&o, Some("https://evil.example/a"), allowed)), ResultCode::ReturnUrlNotAllowed);
    assert_eq!(code(return_destination(&o, None, allowed)), ResultCode::InvalidField);
    // The merchant fixed one with CreateOrder: that one only.
    o.return_url = Some("https://shop.example/a".into());
    assert_eq!(return_destination(&o, Some("https://shop.example/a"), allowed).unwrap(), "https://shop.example/a");
    assert_eq!(return_destination(&o, None, allowed).unwrap(), "https://shop.example/a");
    assert_eq!(code(return_destination(&o, Some("https://shop.example/b"), allowed)), ResultCode::ReturnUrlFixed);
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
    assert_eq!(ensure_not_closing(false), Ok(()));
    assert_eq!(code(ensure_not_closing(true)), ResultCode::OrderNotPayable);
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
    assert_eq!(part.status, RefundStatus::Sending, "stored before it is sent");
    o.apply(Change::RefundStarted(part.clone()), 1600).unwrap();
    // The same refund_no: the stored refund, however often; another amount under it: conflict.
    assert_eq!(plan_refund(&o, &ask(Some(990), Some("m-1")), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(plan_refund(&o, &ask(None, Some("m-1")), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(code(plan_refund(&o, &ask(Some(5), Some("m-1")), 1601)), ResultCode::RefundConflict);
    // Without refund_no, a pending refund of the same amount is answered, not repeated.
    assert_eq!(plan_refund(&o, &ask(Some(990), None), 1601), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(
        plan_refund(&o, &ask(Some(990), Some("m-1")), 1600 + SENDING_STALE_SECS),
        Ok(RefundPlan::Resend("m-1".into())),
        "a call that never came back is asked about"
    );
    assert_eq!(send(plan_refund(&o, &ask(None, None), 1601)).amount.fen(), 1000, "the rest");
    // Without a definite answer it is never sent again under a new number.
    let unknown = Change::RefundSent { refund_no: "m-1".into(), result: SendResult::Unknown("timeout".into()) };
    o.apply(unknown, 1602).unwrap();
    assert_eq!(plan_refund(&o, &ask(Some(990), Some("m-1")), 1603), Ok(RefundPlan::Resend("m-1".into())));
    assert_eq!(plan_refund(&o, &ask(Some(990), None), 1603), Ok(RefundPlan::Resend("m-1".into())));
    // An abnormal one neither: the merchant finishes it.
    let abnormal = Change::RefundSettled {
        provider_refund_no: part.provider_refund_no.clone(),
        refund_id: None,
        result: RefundResult::Abnormal("CHANGE".into()),
        source: Source::WechatRefundQuery,
    };
    let mut stuck = o.clone();
    stuck.apply(abnormal, 1650).unwrap();
    assert_eq!(plan_refund(&stuck, &ask(Some(990), Some("m-1")), 1651), Ok(RefundPlan::Existing("m-1".into())));
    assert_eq!(
        code(plan_refund(&stuck, &ask(Some(1001), Some("m-2")), 1651)),
        ResultCode::RefundTooLarge,
        "its amount is still out"
    );
    // A failed refund is retried under its refund_no with a fresh provider number.
    let failed = Change::RefundSettled {
        provider_refund_no: part.provider_refund_no.clone(),
        refund_id: None,
        result: RefundResult::Failed("REFUNDCLOSE".into()),
        source: Source::WechatRefundQuery,
    };
    o.apply(failed, 1700).unwrap();
    let retry = send(plan_refund(&o, &ask(None, Some("m-1")), 1800));
    assert_eq!((retry.attempts, retry.amount.fen()), (2, 990));
    assert_ne!(retry.provider_refund_no, part.provider_refund_no);
    // Everything refunded: a repeated full refund answers the last one.
    let mut done = paid_order();
    let all = send(plan_refund(&done, &ask(None, None), 1600));
    done.apply(Change::RefundStarted(all), 1600).unwrap();
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
fn return_location_appends_the_signed_state_before_the_fragment() {
    let o = paid_order();
    let sig = crate::seal::return_signature("tok", "order_0001", 1, 1_700_000_000);
    assert_eq!(
        return_location("https://s.example/done", &o, "tok", 1_700_000_000),
        format!("https://s.example/done?order_no=order_0001&pay_state=1&paybridge_ts=1700000000&paybridge_sig={sig}")
    );
    assert_eq!(
        return_location("https://s.example/d?x=1#top", &o, "tok", 1_700_000_000),
        format!(
            "https://s.example/d?x=1&order_no=order_0001&pay_state=1&paybridge_ts=1700000000&paybridge_sig={sig}#top"
        )
    );
}

#[test]
fn the_workers_return_url_fits_alipays_200_characters() {
    let url = return_url_for("https://pay.example.com", "abc.def").unwrap();
    assert_eq!(url, "https://pay.example.com/return/alipay/abc.def");
    assert_eq!(code(return_url_for("https://pay.example.com", &"a".repeat(170))), ResultCode::InvalidField);
}
