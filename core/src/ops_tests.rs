//! The operations driven by a scripted provider: which calls they make, in which order,
//! and what they change, including the races the object's awaits allow.

use super::*;
use crate::facts::{RefundFacts, TradeFacts};
use crate::order::{
    Channel, CloseReason, Outcome as Applied, PayState, Payment, Refund, RefundResult, RefundStatus, SendResult,
    Session, Source, TradeFact,
};
use crate::provider::{Buyer, Code};
use crate::schedule::Checks;
use crate::{AmountFen, OrderNo};

const NO: &str = "order_0001";

fn order() -> Order {
    Order::new(OrderNo::parse(NO).unwrap(), AmountFen::new(1990).unwrap(), "T".into(), String::new(), 1000, 2800)
}

fn with_session(mut o: Order, provider: Provider, channel: Channel) -> Order {
    o.apply(Change::SessionStarted(Session::new(provider, channel, NO, 1000)), 1000).unwrap();
    o
}

fn paid_facts(provider: Provider, tx: &str) -> TradeFacts {
    TradeFacts {
        provider,
        trade_no: NO.into(),
        transaction_id: Some(tx.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: None,
        currency: None,
        paid_at: None,
        source: Source::query(provider),
    }
}

fn paid_order(provider: Provider) -> Order {
    let mut o = with_session(order(), provider, Channel::Qr);
    o.apply(
        Change::Paid(Payment {
            provider,
            transaction_id: "tx".into(),
            trade_no: NO.into(),
            amount: AmountFen::new(1990).unwrap(),
            payer_total: None,
            paid_at: None,
            source: Source::notify(provider),
            recorded_at: 1100,
            late: false,
        }),
        1100,
    )
    .unwrap();
    o
}

fn with_refund(mut o: Order, provider: Provider, status: RefundStatus) -> Order {
    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider,
        transaction_id: "tx".into(),
        amount: AmountFen::new(990).unwrap(),
        reason: String::new(),
        provider_refund_no: "P1".into(),
        attempts: 1,
        refund_id: None,
        status,
        requested_at: 1200,
        settled_at: None,
        overdue: false,
    });
    o
}

/// Drives `op` against `order`, answering each call from `script` in turn (the script
/// may change the order between calls, as concurrent requests do); applies the finish.
/// Returns the calls made.
fn drive(
    op: &mut dyn Operation,
    order: &mut Order,
    script: Vec<(Result<Outcome, CallError>, Option<Change>)>,
    now: i64,
) -> Vec<(Provider, Call)> {
    let mut calls = Vec::new();
    let mut script = script.into_iter();
    while let Some(call) = op.next_call(order) {
        calls.push(call);
        let (result, meanwhile) = script.next().expect("a call the script did not expect");
        if let Some(change) = meanwhile {
            order.apply(change, now).unwrap();
        }
        op.feed(result);
    }
    assert!(script.next().is_none(), "the script expected more calls: {calls:?}");
    for change in op.finish(order, now) {
        let _ = order.apply(change, now);
    }
    calls
}

fn unavailable() -> CallError {
    CallError::Unavailable("WeChat Pay did not answer in time".into())
}

fn all_query(_: Provider) -> bool {
    true
}

fn mapi_style(p: Provider) -> bool {
    p == Provider::Wechat
}

#[test]
fn check_finds_a_lost_payment_and_a_failure_elsewhere_refuses_only_itself() {
    let mut o = with_session(with_session(order(), Provider::Wechat, Channel::Qr), Provider::Alipay, Channel::Cashier);
    let mut op = Check::new(&o, Checks { trades: true, ..Checks::default() }, &all_query, 1500);
    let calls = drive(
        &mut op,
        &mut o,
        vec![(Err(unavailable()), None), (Ok(Outcome::Trade(paid_facts(Provider::Alipay, "2024"))), None)],
        1500,
    );
    assert_eq!(
        calls,
        vec![
            (Provider::Wechat, Call::Query { trade_no: NO.into() }),
            (Provider::Alipay, Call::Query { trade_no: NO.into() }),
        ]
    );
    assert_eq!(o.state, PayState::Paid);
    assert_eq!(o.payment.as_ref().unwrap().transaction_id, "2024");
    assert_eq!(op.failure(), Some(&unavailable()), "the failure is reported after what was proven");
}

#[test]
fn check_closes_a_session_the_provider_closed_and_cancels_only_when_all_are() {
    let mut o = with_session(with_session(order(), Provider::Wechat, Channel::Qr), Provider::Alipay, Channel::Cashier);
    let closed = |p| TradeFacts { state: TradeFact::Closed, transaction_id: None, ..paid_facts(p, "") };
    let mut op = Check::new(&o, Checks { trades: true, ..Checks::default() }, &all_query, 1500);
    drive(
        &mut op,
        &mut o,
        vec![(Ok(Outcome::Trade(closed(Provider::Wechat))), None), (Ok(Outcome::NoTrade), None)],
        1500,
    );
    assert_eq!(o.state, PayState::Waiting, "the Alipay cashier can still take the money");
    assert!(o.sessions[0].closed && !o.sessions[1].closed);
    let mut op = Check::new(&o, Checks { trades: true, ..Checks::default() }, &all_query, 1600);
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Trade(closed(Provider::Alipay))), None)], 1600);
    assert_eq!(calls.len(), 1, "a closed trade is not asked again");
    assert_eq!(o.state, PayState::Cancelled);
    assert_eq!(o.closure.as_ref().unwrap().reason, CloseReason::Provider);
}

#[test]
fn an_unanswered_refund_is_asked_about_then_sent_again_under_the_same_number() {
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Unknown("timeout".into()));
    let mut op = Check::new(&o, Checks { refunds: true, ..Checks::default() }, &all_query, 1300);
    let calls = drive(
        &mut op,
        &mut o,
        vec![
            (Ok(Outcome::NoRefund), None),
            (Ok(Outcome::RefundAccepted { refund_id: Some("503".into()) }), None),
            (Ok(Outcome::Refunds(Vec::new())), None),
        ],
        1300,
    );
    assert_eq!(
        calls,
        vec![
            (Provider::Wechat, Call::RefundQuery { refund_no: "r1".into() }),
            (Provider::Wechat, Call::Refund { refund_no: "r1".into() }),
            (Provider::Wechat, Call::RefundQuery { refund_no: "r1".into() }),
        ],
        "asked again once accepted, and never sent a second time in one check"
    );
    assert_eq!(o.refunds[0].status, RefundStatus::Requested);
    assert_eq!(o.refunds[0].provider_refund_no, "P1", "never a new provider number");
    assert_eq!(o.refunds[0].refund_id.as_deref(), Some("503"));
}

#[test]
fn an_unanswered_refund_the_provider_has_is_settled_by_what_it_says() {
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Unknown("5xx".into()));
    let facts = RefundFacts {
        provider: Provider::Wechat,
        provider_refund_no: "P1".into(),
        refund_id: Some("503".into()),
        result: RefundResult::Succeeded,
        transaction_id: None,
        amount: None,
        source: Source::WechatRefundQuery,
    };
    let mut op = Check::new(&o, Checks { refunds: true, ..Checks::default() }, &all_query, 1300);
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Refunds(vec![facts])), None)], 1300);
    assert_eq!(calls.len(), 1, "no re-send: the provider has it");
    assert_eq!(o.refunds[0].status, RefundStatus::Succeeded);
}

#[test]
fn a_mapi_refund_without_an_answer_is_sent_again_and_a_refusal_then_proves_nothing() {
    let mut o = with_refund(paid_order(Provider::Alipay), Provider::Alipay, RefundStatus::Unknown("timeout".into()));
    let mut op = Check::new(&o, Checks { refunds: true, ..Checks::default() }, &mapi_style, 1300);
    let refused = CallError::refused(Provider::Alipay, "BATCH_NO_FORMAT_ERROR", "");
    let calls = drive(&mut op, &mut o, vec![(Err(refused), None)], 1300);
    assert_eq!(calls, vec![(Provider::Alipay, Call::Refund { refund_no: "r1".into() })]);
    assert!(matches!(o.refunds[0].status, RefundStatus::Unknown(_)), "{:?}", o.refunds[0].status);
    // The duplicate-number answer proves the batch exists.
    let mut op = Check::new(&o, Checks { refunds: true, ..Checks::default() }, &mapi_style, 1400);
    drive(
        &mut op,
        &mut o,
        vec![(Ok(Outcome::RefundAccepted { refund_id: None }), None), (Ok(Outcome::NoTrade), None)],
        1400,
    );
    assert_eq!(o.refunds[0].status, RefundStatus::Requested);
}

#[test]
fn a_refund_still_being_sent_is_left_alone_until_it_is_stale() {
    let o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Sending);
    let young = Check::new(&o, Checks { refunds: true, ..Checks::default() }, &all_query, 1200 + 30);
    assert!(young.is_empty());
    let stale = Check::new(
        &o,
        Checks { refunds: true, ..Checks::default() },
        &all_query,
        1200 + crate::policy::SENDING_STALE_SECS,
    );
    assert!(!stale.is_empty());
}

#[test]
fn close_asks_for_the_payment_a_provider_refuses_to_close_and_never_cancels_it() {
    let mut o = with_session(order(), Provider::Wechat, Channel::Qr);
    let mut op = Close::new(CloseReason::Merchant, Source::MerchantClose);
    let calls = drive(
        &mut op,
        &mut o,
        vec![(Ok(Outcome::PaidNotClosed), None), (Ok(Outcome::Trade(paid_facts(Provider::Wechat, "4200"))), None)],
        1500,
    );
    assert_eq!(
        calls,
        vec![
            (Provider::Wechat, Call::Close { trade_no: NO.into() }),
            (Provider::Wechat, Call::Query { trade_no: NO.into() }),
        ]
    );
    assert_eq!(o.state, PayState::Paid);
}

#[test]
fn close_cancels_after_every_provider_closed_and_not_when_one_failed() {
    let mut o = with_session(with_session(order(), Provider::Wechat, Channel::Qr), Provider::Alipay, Channel::Cashier);
    let mut op = Close::new(CloseReason::Expired, Source::Expiry);
    drive(&mut op, &mut o, vec![(Ok(Outcome::Closed), None), (Err(unavailable()), None)], 1500);
    assert_eq!(o.state, PayState::Waiting, "a provider that did not answer may still take the money");
    let mut op = Close::new(CloseReason::Expired, Source::Expiry);
    drive(&mut op, &mut o, vec![(Ok(Outcome::Closed), None), (Ok(Outcome::Closed), None)], 1530);
    assert_eq!(o.state, PayState::Cancelled);
    assert_eq!(o.closure.as_ref().unwrap().reason, CloseReason::Expired);
}

#[test]
fn close_also_closes_a_trade_started_while_it_ran() {
    let mut o = with_session(order(), Provider::Wechat, Channel::Qr);
    let mut op = Close::new(CloseReason::Merchant, Source::MerchantClose);
    let started = Change::SessionStarted(Session::new(Provider::Alipay, Channel::Qr, NO, 1500));
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Closed), Some(started)), (Ok(Outcome::Closed), None)], 1500);
    assert_eq!(calls[1], (Provider::Alipay, Call::Close { trade_no: NO.into() }));
    assert_eq!(o.state, PayState::Cancelled);
}

#[test]
fn close_asks_again_for_a_session_started_under_a_number_it_already_closed() {
    // Alipay's cashier and QR code share the order number: a QR code made while the close
    // of that number was in flight is a trade the first close may not have seen.
    let mut o = with_session(order(), Provider::Alipay, Channel::Cashier);
    let mut op = Close::new(CloseReason::Merchant, Source::MerchantClose);
    let started = Change::SessionStarted(Session::new(Provider::Alipay, Channel::Qr, NO, 1500));
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Closed), Some(started)), (Ok(Outcome::Closed), None)], 1500);
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| *c == (Provider::Alipay, Call::Close { trade_no: NO.into() })));
    assert_eq!(o.state, PayState::Cancelled);
    // Two sessions of one number known from the start: one close.
    let mut o = with_session(with_session(order(), Provider::Alipay, Channel::Cashier), Provider::Alipay, Channel::Qr);
    let mut op = Close::new(CloseReason::Merchant, Source::MerchantClose);
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Closed), None)], 1500);
    assert_eq!(calls, vec![(Provider::Alipay, Call::Close { trade_no: NO.into() })]);
    assert_eq!(o.state, PayState::Cancelled);
}

#[test]
fn create_stores_the_code_once() {
    let mut o = order();
    let mut op = Create::new(Provider::Wechat, Channel::Qr, NO, Buyer::default(), 1100);
    let code = Code { text: "weixin://wxpay/bizpayurl?pr=1".into(), prepay_id: Some("wx1".into()) };
    drive(&mut op, &mut o, vec![(Ok(Outcome::Code(code.clone())), None)], 1100);
    assert_eq!(op.created(), &Created::Code(code));
    assert_eq!(o.sessions.len(), 1);
    assert_eq!(o.sessions[0].code.as_deref(), Some("weixin://wxpay/bizpayurl?pr=1"));
    assert_eq!(o.sessions[0].prepay_id.as_deref(), Some("wx1"));
}

#[test]
fn create_of_a_paid_trade_records_the_payment() {
    let mut o = order();
    let mut op = Create::new(Provider::Wechat, Channel::Qr, NO, Buyer::default(), 1100);
    let calls = drive(
        &mut op,
        &mut o,
        vec![(Ok(Outcome::AlreadyPaid), None), (Ok(Outcome::Trade(paid_facts(Provider::Wechat, "4200"))), None)],
        1100,
    );
    assert_eq!(calls[1], (Provider::Wechat, Call::Query { trade_no: NO.into() }));
    assert_eq!(op.created(), &Created::AlreadyPaid);
    assert_eq!(o.state, PayState::Paid);
}

#[test]
fn a_code_made_while_the_order_was_closed_is_never_handed_out_and_its_trade_is_closed() {
    let mut o = order();
    let mut op = Create::new(Provider::Alipay, Channel::Qr, NO, Buyer::default(), 1100);
    let code = Code { text: "https://qr.alipay.com/x".into(), prepay_id: None };
    let close = Order::cancellation(CloseReason::Merchant, Source::MerchantClose, 1100);
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Code(code)), Some(close)), (Ok(Outcome::Closed), None)], 1100);
    assert_eq!(calls[1], (Provider::Alipay, Call::Close { trade_no: NO.into() }));
    assert_eq!(op.created(), &Created::Cancelled);
    assert!(o.sessions.is_empty());
    assert_eq!(o.state, PayState::Cancelled);
}

#[test]
fn a_refund_answer_decides_its_status() {
    let cases: Vec<(Result<Outcome, CallError>, RefundStatus)> = vec![
        (Ok(Outcome::RefundAccepted { refund_id: Some("5".into()) }), RefundStatus::Requested),
        (Err(CallError::refused(Provider::Wechat, "NOTENOUGH", "")), RefundStatus::Failed("NOTENOUGH".into())),
        (Err(unavailable()), RefundStatus::Unknown("WeChat Pay did not answer in time".into())),
        (
            Err(CallError::retry(Provider::Wechat, "SYSTEMERROR", "retry")),
            RefundStatus::Unknown("WeChat Pay SYSTEMERROR: retry".into()),
        ),
    ];
    for (answer, status) in cases {
        let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Sending);
        let mut op = SendRefund::new(&o.refunds[0].clone(), false);
        drive(&mut op, &mut o, vec![(answer, None)], 1200);
        assert_eq!(o.refunds[0].status, status);
        assert!(o.refunds[0].status.counts() || matches!(status, RefundStatus::Failed(_)));
    }
}

#[test]
fn an_accepted_refund_is_asked_about_at_once_where_the_api_can_be_asked() {
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Sending);
    let mut op = SendRefund::new(&o.refunds[0].clone(), true);
    let done = RefundFacts {
        provider: Provider::Wechat,
        provider_refund_no: "P1".into(),
        refund_id: Some("5".into()),
        result: RefundResult::Succeeded,
        transaction_id: None,
        amount: Some(AmountFen::new(990).unwrap()),
        source: Source::WechatRefundQuery,
    };
    let calls = drive(
        &mut op,
        &mut o,
        vec![
            (Ok(Outcome::RefundAccepted { refund_id: Some("5".into()) }), None),
            (Ok(Outcome::Refunds(vec![done])), None),
        ],
        1200,
    );
    assert_eq!(calls[1], (Provider::Wechat, Call::RefundQuery { refund_no: "r1".into() }));
    assert_eq!(o.refunds[0].status, RefundStatus::Succeeded);
    assert_eq!(op.sent(), Some(&SendResult::Accepted { refund_id: Some("5".into()) }));
    // A fact for another amount is not believed.
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Requested);
    let other = RefundFacts {
        provider: Provider::Wechat,
        provider_refund_no: "P1".into(),
        refund_id: None,
        result: RefundResult::Succeeded,
        transaction_id: None,
        amount: Some(AmountFen::new(1).unwrap()),
        source: Source::WechatRefundQuery,
    };
    assert!(crate::reconcile::refund_changes(&o, &[other]).is_empty());
    assert_eq!(o.apply(Change::RefundOverdue { refund_no: "r1".into() }, 1300), Ok(Applied::Changed));
}

#[test]
fn a_refund_sent_again_is_asked_about_first_and_never_under_a_new_number() {
    // The provider has it: settled by what it says, nothing sent.
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Unknown("timeout".into()));
    let mut op = SendRefund::resend(&o.refunds[0].clone(), true);
    let found = RefundFacts {
        provider: Provider::Wechat,
        provider_refund_no: "P1".into(),
        refund_id: Some("5".into()),
        result: RefundResult::Processing,
        transaction_id: None,
        amount: None,
        source: Source::WechatRefundQuery,
    };
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::Refunds(vec![found])), None)], 1300);
    assert_eq!(calls, vec![(Provider::Wechat, Call::RefundQuery { refund_no: "r1".into() })]);
    assert_eq!(o.refunds[0].status, RefundStatus::Requested);
    // It has none: sent again, and a refusal then is definite.
    let mut o = with_refund(paid_order(Provider::Wechat), Provider::Wechat, RefundStatus::Unknown("timeout".into()));
    let mut op = SendRefund::resend(&o.refunds[0].clone(), true);
    let refused = CallError::refused(Provider::Wechat, "NOTENOUGH", "");
    let calls = drive(&mut op, &mut o, vec![(Ok(Outcome::NoRefund), None), (Err(refused), None)], 1300);
    assert_eq!(calls[1], (Provider::Wechat, Call::Refund { refund_no: "r1".into() }));
    assert_eq!(o.refunds[0].status, RefundStatus::Failed("NOTENOUGH".into()));
    assert!(op.answer().is_err());
    // An API that cannot be asked (MAPI): sent again at once, and its refusal proves nothing.
    let mut o = with_refund(paid_order(Provider::Alipay), Provider::Alipay, RefundStatus::Unknown("timeout".into()));
    let mut op = SendRefund::resend(&o.refunds[0].clone(), false);
    let refused = CallError::refused(Provider::Alipay, "BATCH_NO_FORMAT_ERROR", "");
    drive(&mut op, &mut o, vec![(Err(refused), None)], 1300);
    assert!(matches!(o.refunds[0].status, RefundStatus::Unknown(_)));
    assert!(op.answer().is_ok(), "no definite refusal: the merchant sees it unknown");
    assert_eq!(o.refunds[0].provider_refund_no, "P1");
}
