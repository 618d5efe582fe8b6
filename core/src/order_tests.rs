//! State machine tests: every cell of the transition table, and the invariants under
//! arbitrary event sequences.

use super::*;
use proptest::prelude::*;

fn order() -> Order {
    Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(1990).unwrap(),
        "T恤".into(),
        String::new(),
        1000,
        2800,
    )
}

fn paid(provider: Provider, tx: &str, fen: u64) -> Change {
    Change::Paid(Payment {
        provider,
        transaction_id: tx.into(),
        trade_no: String::new(),
        amount: AmountFen::new(fen).unwrap(),
        payer_total: None,
        paid_at: None,
        source: if provider == Provider::Wechat { Source::WechatNotify } else { Source::AlipayNotify },
        recorded_at: 1500,
        late: false,
    })
}

fn closed() -> Change {
    Order::cancellation(CloseReason::Merchant, Source::MerchantClose, 1600)
}

fn refund(refund_no: &str, tx: &str, fen: u64) -> Refund {
    Refund {
        refund_no: refund_no.into(),
        provider: Provider::Wechat,
        transaction_id: tx.into(),
        amount: AmountFen::new(fen).unwrap(),
        reason: String::new(),
        provider_refund_no: format!("P{refund_no}"),
        attempts: 1,
        refund_id: None,
        status: RefundStatus::Sending,
        requested_at: 1700,
        settled_at: None,
        overdue: false,
    }
}

fn accepted(refund_no: &str) -> Change {
    Change::RefundSent { refund_no: refund_no.into(), result: SendResult::Accepted { refund_id: None } }
}

fn refund_requested() -> Change {
    Change::RefundStarted(refund("r1", "tx", 1990))
}

fn settled(refund_no: &str, result: RefundResult) -> Change {
    Change::RefundSettled {
        provider_refund_no: format!("P{refund_no}"),
        refund_id: Some("5000".into()),
        result,
        source: Source::WechatRefundQuery,
    }
}

fn refunded() -> Change {
    settled("r1", RefundResult::Succeeded)
}

#[test]
fn waiting_to_paid_once() {
    let mut o = order();
    assert_eq!(o.apply(paid(Provider::Wechat, "tx1", 1990), 1500), Ok(Outcome::Changed));
    assert_eq!(o.state, PayState::Paid);
    assert_eq!(o.apply(paid(Provider::Wechat, "tx1", 1990), 1501), Ok(Outcome::Unchanged));
    assert_eq!(o.history.len(), 1);
    assert_eq!(
        o.history[0],
        Transition { from: PayState::Waiting, to: PayState::Paid, source: Source::WechatNotify, at: 1500 }
    );
}

#[test]
fn wrong_amount_is_refused_and_changes_nothing() {
    let mut o = order();
    let before = o.clone();
    assert_eq!(
        o.apply(paid(Provider::Wechat, "tx1", 1), 1500),
        Err(Refusal::AmountMismatch { expected: AmountFen::new(1990).unwrap(), got: AmountFen::new(1).unwrap() })
    );
    assert_eq!(o, before);
}

#[test]
fn late_close_never_cancels_a_paid_order() {
    let mut o = order();
    o.apply(paid(Provider::Alipay, "2024", 1990), 1500).unwrap();
    assert_eq!(o.apply(closed(), 1600), Ok(Outcome::Unchanged));
    assert_eq!(o.state, PayState::Paid);
    assert!(o.closure.is_none());
}

#[test]
fn alipay_success_then_finished_is_one_payment() {
    let mut o = order();
    assert_eq!(o.apply(paid(Provider::Alipay, "2024", 1990), 1500), Ok(Outcome::Changed));
    assert_eq!(o.apply(paid(Provider::Alipay, "2024", 1990), 1900), Ok(Outcome::Unchanged));
    assert!(o.extra_payments.is_empty());
}

#[test]
fn second_wallet_payment_is_kept_as_evidence() {
    let mut o = order();
    o.apply(paid(Provider::Alipay, "2024", 1990), 1500).unwrap();
    assert_eq!(o.apply(paid(Provider::Wechat, "4200", 1990), 1510), Ok(Outcome::Changed));
    assert_eq!((o.state, o.extra_payments.len(), o.history.len()), (PayState::Paid, 1, 1));
    assert_eq!(o.apply(paid(Provider::Wechat, "4200", 1990), 1520), Ok(Outcome::Unchanged));
}

#[test]
fn paid_after_close_records_the_money_and_marks_it_late() {
    let mut o = order();
    o.apply(closed(), 1600).unwrap();
    assert_eq!(o.state, PayState::Cancelled);
    assert!(!o.needs_attention());
    assert_eq!(o.apply(paid(Provider::Wechat, "tx", 1990), 1700), Ok(Outcome::Changed));
    assert_eq!(o.state, PayState::Paid);
    assert!(o.payment.as_ref().unwrap().late);
    assert!(o.needs_attention());
    assert_eq!(o.history.iter().map(|t| t.to).collect::<Vec<_>>(), vec![PayState::Cancelled, PayState::Paid]);
}

#[test]
fn refund_flow() {
    let mut o = order();
    assert_eq!(o.apply(refund_requested(), 1700), Err(Refusal::NotPaid));
    assert_eq!(o.apply(refunded(), 1700), Err(Refusal::NotPaid));
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    assert_eq!(o.apply(refund_requested(), 1700), Ok(Outcome::Changed));
    assert_eq!(o.apply(refund_requested(), 1701), Ok(Outcome::Unchanged));
    assert_eq!(o.state, PayState::Paid);
    assert_eq!(o.apply(refunded(), 1800), Ok(Outcome::Changed));
    assert_eq!(o.state, PayState::Refunded);
    assert_eq!(o.refunds[0].status, RefundStatus::Succeeded);
    assert_eq!(o.apply(refunded(), 1900), Ok(Outcome::Unchanged));
    assert_eq!(o.apply(paid(Provider::Wechat, "tx", 1990), 1900), Ok(Outcome::Unchanged));
    assert_eq!(o.apply(closed(), 1900), Ok(Outcome::Unchanged));
    assert_eq!(o.state, PayState::Refunded);
}

#[test]
fn partial_refunds_add_up_and_refund_the_order_only_at_the_total() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(Change::RefundStarted(refund("a", "tx", 990)), 1600).unwrap();
    o.apply(Change::RefundStarted(refund("b", "tx", 500)), 1600).unwrap();
    assert_eq!(
        o.apply(Change::RefundStarted(refund("c", "tx", 501)), 1600),
        Err(Refusal::RefundTooLarge { left: 500 }),
        "990 + 500 committed of 1990"
    );
    o.apply(settled("a", RefundResult::Succeeded), 1700).unwrap();
    o.apply(settled("b", RefundResult::Succeeded), 1700).unwrap();
    assert_eq!((o.state, o.refunded_fen("tx")), (PayState::Paid, 1490));
    o.apply(Change::RefundStarted(refund("c", "tx", 500)), 1800).unwrap();
    assert_eq!(o.apply(settled("c", RefundResult::Succeeded), 1900), Ok(Outcome::Changed));
    assert_eq!((o.state, o.refunded_fen("tx")), (PayState::Refunded, 1990));
    assert_eq!(o.history.last().unwrap().source, Source::WechatRefundQuery);
}

#[test]
fn refund_failure_allows_a_retry_under_the_same_refund_no() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(refund_requested(), 1700).unwrap();
    assert_eq!(o.apply(settled("r1", RefundResult::Failed("REFUNDCLOSE".into())), 1800), Ok(Outcome::Changed));
    assert_eq!(o.refunds[0].status, RefundStatus::Failed("REFUNDCLOSE".into()));
    assert_eq!(o.committed_refund_fen("tx"), 0, "a failed refund gives its amount back");
    let retry = Refund { provider_refund_no: "Pr1-2".into(), attempts: 2, ..refund("r1", "tx", 1990) };
    assert_eq!(o.apply(Change::RefundStarted(retry), 1900), Ok(Outcome::Changed));
    assert_eq!((o.refunds.len(), o.refunds[0].attempts), (1, 2));
}

#[test]
fn a_refund_settlement_for_an_unknown_attempt_changes_nothing() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    assert_eq!(o.apply(refunded(), 1600), Ok(Outcome::Unchanged));
    assert_eq!(o.state, PayState::Paid);
}

#[test]
fn extra_payments_are_refundable_without_touching_the_order_state() {
    let mut o = order();
    o.apply(paid(Provider::Alipay, "2024", 1990), 1500).unwrap();
    o.apply(paid(Provider::Wechat, "4200", 1990), 1510).unwrap();
    assert!(o.needs_attention());
    assert_eq!(
        o.apply(Change::RefundStarted(refund("x", "nope", 1)), 1600),
        Err(Refusal::UnknownPayment("nope".into()))
    );
    o.apply(Change::RefundStarted(refund("x", "4200", 1990)), 1600).unwrap();
    o.apply(settled("x", RefundResult::Succeeded), 1700).unwrap();
    assert_eq!(o.state, PayState::Paid);
    assert!(!o.needs_attention());
}

#[test]
fn a_provider_reported_full_refund_settles_and_fills_the_rest() {
    let mut o = order();
    o.apply(paid(Provider::Alipay, "2024", 1990), 1500).unwrap();
    o.apply(Change::RefundStarted(Refund { provider: Provider::Alipay, ..refund("a", "2024", 990) }), 1600).unwrap();
    let ev = Change::PaymentRefunded { transaction_id: "2024".into(), source: Source::AlipayQuery };
    assert_eq!(o.apply(ev.clone(), 1700), Ok(Outcome::Changed));
    assert_eq!((o.state, o.refunded_fen("2024"), o.refunds.len()), (PayState::Refunded, 1990, 2));
    assert_eq!(o.apply(ev, 1800), Ok(Outcome::Unchanged));
}

#[test]
fn json_shape_is_stable() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx1", 1990), 1500).unwrap();
    let json = serde_json::to_value(&o).unwrap();
    assert_eq!(json["state"], 1);
    assert_eq!(json["total_fee"], 1990);
    assert_eq!(json["payment"]["provider"], "wechat");
    assert_eq!(json["payment"]["source"], "wechat_notify");
    assert_eq!(json["history"][0], serde_json::json!({"from": 0, "to": 1, "source": "wechat_notify", "at": 1500}));
    let back: Order = serde_json::from_value(json).unwrap();
    assert_eq!(back, o);
    assert_eq!(PayState::Refunded.desc(), "已退款");
    assert!(serde_json::from_str::<PayState>("4").is_err());
}

#[test]
fn sessions_start_only_while_waiting_and_all_closed_trades_cancel() {
    let mut o = order();
    let wx = Session::new(Provider::Wechat, Channel::Qr, "order_0001", 1100);
    let ali = Session::new(Provider::Alipay, Channel::Cashier, "order_0001", 1200);
    assert_eq!(o.apply(Change::SessionStarted(wx.clone()), 1100), Ok(Outcome::Changed));
    assert_eq!(o.apply(Change::SessionStarted(wx.clone()), 1101), Ok(Outcome::Unchanged), "the first code stays");
    o.apply(Change::SessionStarted(ali), 1200).unwrap();
    assert_eq!(o.trades(true).len(), 2);
    let closed = |p| Change::TradeClosed { provider: p, trade_no: "order_0001".into(), source: Source::query(p) };
    assert_eq!(o.apply(closed(Provider::Wechat), 1300), Ok(Outcome::Changed));
    assert_eq!((o.state, o.trades(true).len()), (PayState::Waiting, 1));
    o.apply(closed(Provider::Alipay), 1400).unwrap();
    assert_eq!(o.state, PayState::Cancelled);
    assert_eq!(o.closure.as_ref().unwrap().reason, CloseReason::Provider);
    assert_eq!(o.apply(Change::SessionStarted(wx), 1500), Err(Refusal::NotPayable("cancelled")));
}

#[test]
fn a_refund_is_stored_before_its_answer_and_an_unclear_answer_keeps_its_amount() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(refund_requested(), 1700).unwrap();
    assert_eq!(o.refunds[0].status, RefundStatus::Sending);
    assert_eq!(o.committed_refund_fen("tx"), 1990, "a refund being sent counts");
    let unknown = Change::RefundSent { refund_no: "r1".into(), result: SendResult::Unknown("timeout".into()) };
    assert_eq!(o.apply(unknown.clone(), 1710), Ok(Outcome::Changed));
    assert_eq!(o.apply(unknown, 1711), Ok(Outcome::Unchanged));
    assert_eq!(o.committed_refund_fen("tx"), 1990, "it may have gone through");
    assert_eq!(
        o.apply(Change::RefundStarted(refund("r9", "tx", 1)), 1720),
        Err(Refusal::RefundTooLarge { left: 0 }),
        "no second refund of money that may be gone"
    );
    // A notify for it is taken (the provider proves it had it).
    assert_eq!(o.apply(settled("r1", RefundResult::Succeeded), 1800), Ok(Outcome::Changed));
    assert_eq!(o.state, PayState::Refunded);
    assert_eq!(o.apply(accepted("r1"), 1900), Ok(Outcome::Unchanged), "a late answer changes nothing");
}

#[test]
fn a_refused_refund_fails_and_gives_its_amount_back() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(refund_requested(), 1700).unwrap();
    let refused = Change::RefundSent { refund_no: "r1".into(), result: SendResult::Refused("NOTENOUGH".into()) };
    assert_eq!(o.apply(refused, 1710), Ok(Outcome::Changed));
    assert_eq!(o.refunds[0].status, RefundStatus::Failed("NOTENOUGH".into()));
    assert_eq!(o.committed_refund_fen("tx"), 0);
}

#[test]
fn an_abnormal_refund_needs_the_merchant_counts_and_takes_a_later_success() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(refund_requested(), 1700).unwrap();
    o.apply(accepted("r1"), 1701).unwrap();
    assert_eq!(o.apply(settled("r1", RefundResult::Abnormal("CHANGE".into())), 1800), Ok(Outcome::Changed));
    assert_eq!(o.refunds[0].status, RefundStatus::Abnormal("CHANGE".into()));
    assert!(o.needs_attention());
    assert_eq!(o.committed_refund_fen("tx"), 1990, "the money left the merchant");
    assert_eq!(o.apply(settled("r1", RefundResult::Failed("CLOSED".into())), 1850), Ok(Outcome::Unchanged));
    assert_eq!(o.apply(settled("r1", RefundResult::Succeeded), 1900), Ok(Outcome::Changed));
    assert_eq!((o.state, o.needs_attention()), (PayState::Refunded, false));
}

#[test]
fn an_overdue_refund_needs_the_merchant_until_it_settles() {
    let mut o = order();
    o.apply(paid(Provider::Wechat, "tx", 1990), 1500).unwrap();
    o.apply(Change::RefundStarted(refund("r1", "tx", 990)), 1700).unwrap();
    assert_eq!(o.apply(Change::RefundOverdue { refund_no: "r1".into() }, 9000), Ok(Outcome::Changed));
    assert!(o.needs_attention());
    assert_eq!(o.apply(Change::RefundOverdue { refund_no: "r1".into() }, 9001), Ok(Outcome::Unchanged));
    o.apply(settled("r1", RefundResult::Succeeded), 9100).unwrap();
    assert!(!o.needs_attention(), "settled: nothing to look at");
}

#[test]
fn records_from_before_sessions_read_in_todays_shape() {
    let json = serde_json::json!({
        "order_no": "order_0001", "total_fee": 1990, "subject": "T", "created_at": 1000, "expires_at": 2800, "state": 1,
        "wechat": {"code_url": "weixin://wxpay/bizpayurl?pr=1", "prepay_id": "wx1", "created_at": 1100},
        "alipay": {"issued_at": 1200, "qr_code": "https://qr.alipay.com/x"},
        "payment": {"provider": "wechat", "transaction_id": "tx", "amount": 1990, "paid_at": null, "source": "wechat_notify", "recorded_at": 1500},
        "refunds": [{"refund_no": "r1", "provider": "wechat", "transaction_id": "tx", "amount": 990, "provider_refund_no": "P", "attempts": 1, "status": "requested", "requested_at": 1600}]
    });
    let mut o: Order = serde_json::from_value(json).unwrap();
    o.upgrade();
    assert_eq!(o.sessions.len(), 3);
    assert_eq!(
        o.session(Provider::Wechat, Channel::Qr).unwrap().code.as_deref(),
        Some("weixin://wxpay/bizpayurl?pr=1")
    );
    assert_eq!(o.session(Provider::Alipay, Channel::Qr).unwrap().code.as_deref(), Some("https://qr.alipay.com/x"));
    assert!(o.session(Provider::Alipay, Channel::Cashier).is_some());
    assert_eq!(o.payment.as_ref().unwrap().trade_no, "order_0001");
    assert_eq!(o.refunds[0].status, RefundStatus::Requested);
    let again: Order = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
    assert_eq!(again, o, "written back without the old fields");
}

fn any_event() -> impl Strategy<Value = Change> {
    prop_oneof![
        (prop::bool::ANY, 0u8..3, prop::bool::ANY).prop_map(|(wechat, tx, right_amount)| {
            let provider = if wechat { Provider::Wechat } else { Provider::Alipay };
            paid(provider, &format!("tx{tx}"), if right_amount { 1990 } else { 1991 })
        }),
        Just(closed()),
        Just(Order::cancellation(CloseReason::Expired, Source::Expiry, 3000)),
        Just(refund_requested()),
        Just(Change::RefundStarted(refund("r2", "tx1", 995))),
        Just(refunded()),
        Just(settled("r2", RefundResult::Succeeded)),
        Just(settled("r2", RefundResult::Failed("REFUNDCLOSE".into()))),
        Just(settled("r1", RefundResult::Abnormal("CHANGE".into()))),
        Just(settled("r1", RefundResult::Processing)),
        Just(accepted("r1")),
        Just(Change::RefundSent { refund_no: "r2".into(), result: SendResult::Unknown("timeout".into()) }),
        Just(Change::RefundSent { refund_no: "r2".into(), result: SendResult::Refused("NOTENOUGH".into()) }),
        Just(Change::RefundOverdue { refund_no: "r1".into() }),
        Just(Change::SessionStarted(Session::new(Provider::Wechat, Channel::Qr, "order_0001", 1100))),
        Just(Change::TradeClosed {
            provider: Provider::Wechat,
            trade_no: "order_0001".into(),
            source: Source::WechatQuery
        }),
        Just(Change::PaymentRefunded { transaction_id: "tx1".into(), source: Source::AlipayQuery }),
    ]
}

proptest! {
    #[test]
    fn invariants_hold_for_any_sequence(events in proptest::collection::vec(any_event(), 0..32)) {
        let mut o = order();
        for (i, e) in events.into_iter().enumerate() {
            let before = o.clone();
            match o.apply(e, 2000 + i as i64) {
                Err(_) | Ok(Outcome::Unchanged) => prop_assert_eq!(&o, &before),
                Ok(Outcome::Changed) => {}
            }
            // Never leaves paid/refunded for waiting or cancelled.
            if matches!(before.state, PayState::Paid | PayState::Refunded) {
                prop_assert!(matches!(o.state, PayState::Paid | PayState::Refunded));
            }
            if before.state == PayState::Refunded {
                prop_assert_eq!(o.state, PayState::Refunded);
            }
            // Paid or refunded always carries its payment evidence with the right amount.
            if matches!(o.state, PayState::Paid | PayState::Refunded) {
                prop_assert_eq!(o.payment.as_ref().map(|p| p.amount), Some(o.total_fee));
            }
            // History is a chain that ends in the current state.
            for pair in o.history.windows(2) {
                prop_assert_eq!(pair[0].to, pair[1].from);
            }
            prop_assert_eq!(o.history.last().map(|t| t.to).unwrap_or(PayState::Waiting), o.state);
            // Never more refunded than paid, per payment.
            for p in o.payments() {
                prop_assert!(o.committed_refund_fen(&p.transaction_id) <= p.amount.fen());
            }
            // Refunded exactly when the order's payment is back in full.
            if let Some(p) = &o.payment {
                prop_assert_eq!(o.state == PayState::Refunded, o.refunded_fen(&p.transaction_id) == p.amount.fen());
            }
            // At most one transition into paid from waiting.
            prop_assert!(o.history.iter().filter(|t| t.from == PayState::Waiting && t.to == PayState::Paid).count() <= 1);
        }
    }
}
