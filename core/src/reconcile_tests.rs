//! Provider evidence → events: each provider state, and refund evidence matched to the
//! order's own refund attempts only.

use super::*;
use crate::alipay::TradeStatus;
use crate::alipay::notify::{RefundDetail, RefundNotify};
use crate::order::{Outcome, PayState, Refund, RefundStatus};
use crate::wechat::reply::RefundRecord;
use crate::wechat::{RefundStatus as WxRefund, TradeState};
use crate::{AmountFen, OrderNo};

fn order() -> Order {
    Order::new(OrderNo::parse("order_0001").unwrap(), AmountFen::new(100).unwrap(), "s".into(), String::new(), 0, 1800)
}

fn query(state: &str, paid: bool) -> OrderQueryReply {
    OrderQueryReply {
        trade_state: TradeState::parse(state),
        transaction_id: paid.then(|| "4200".to_owned()),
        total_fee: paid.then(|| AmountFen::new(100).unwrap()),
        time_end: None,
    }
}

fn ali(trade_no: &str, status: &str) -> TradeQueryReply {
    TradeQueryReply {
        trade_no: trade_no.into(),
        trade_status: TradeStatus::parse(status),
        total_fee: AmountFen::new(100).unwrap(),
    }
}

fn with_refund(mut o: Order, provider: Provider, tx: &str, provider_refund_no: &str) -> Order {
    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider,
        transaction_id: tx.into(),
        amount: AmountFen::new(100).unwrap(),
        reason: String::new(),
        provider_refund_no: provider_refund_no.into(),
        attempts: 1,
        refund_id: None,
        status: RefundStatus::Requested,
        requested_at: 5,
        settled_at: None,
    });
    o
}

#[test]
fn wechat_query_mapping() {
    assert!(wechat_query_events(&query("NOTPAY", false), 5).is_empty());
    assert!(wechat_query_events(&query("USERPAYING", false), 5).is_empty());
    assert!(wechat_query_events(&query("SUCCESS", false), 5).is_empty(), "no evidence, no event");
    // REFUND proves the payment only: a partial refund reads REFUND too.
    let mut o = order();
    for e in wechat_query_events(&query("REFUND", true), 5) {
        o.apply(e, 5).unwrap();
    }
    assert_eq!(o.state, PayState::Paid);
    let mut o = order();
    for e in wechat_query_events(&query("CLOSED", false), 5) {
        assert_eq!(o.apply(e, 5), Ok(Outcome::Changed));
    }
    assert_eq!(o.state, PayState::Cancelled);
}

#[test]
fn alipay_second_wallet_payment_is_never_dropped() {
    let mut o = order();
    for e in wechat_query_events(&query("SUCCESS", true), 5) {
        o.apply(e, 5).unwrap();
    }
    let events = alipay_query_events(&ali("2024", "TRADE_SUCCESS"), &o, 6);
    assert_eq!(events.len(), 1);
    assert_eq!(o.apply(events[0].clone(), 6), Ok(Outcome::Changed));
    assert_eq!(o.extra_payments[0].transaction_id, "2024");
}

#[test]
fn alipay_closed_means_refund_only_after_its_own_payment() {
    let mut o = order();
    assert_eq!(alipay_query_events(&ali("2024", "WAIT_BUYER_PAY"), &o, 5), vec![]);
    let paid = alipay_query_events(&ali("2024", "TRADE_SUCCESS"), &o, 5);
    o.apply(paid[0].clone(), 5).unwrap();
    assert_eq!(
        o.apply(alipay_query_events(&ali("2024", "TRADE_FINISHED"), &o, 6)[0].clone(), 6),
        Ok(Outcome::Unchanged)
    );
    let other = alipay_query_events(&ali("9999", "TRADE_CLOSED"), &o, 7);
    assert!(matches!(other[..], [Event::Closed(_)]), "another trade closed: no refund");
    assert_eq!(o.apply(other[0].clone(), 7), Ok(Outcome::Unchanged));
    assert_eq!(
        alipay_query_events(&ali("2024", "TRADE_CLOSED"), &o, 7),
        vec![Event::PaymentRefunded { transaction_id: "2024".into(), source: Source::AlipayQuery }]
    );
}

#[test]
fn refund_notify_counts_only_this_orders_batch_trade_and_amount() {
    let mut o = order();
    o.apply(alipay_query_events(&ali("2024", "TRADE_SUCCESS"), &o, 5)[0].clone(), 5).unwrap();
    let o = with_refund(o, Provider::Alipay, "2024", "20241125abc");
    let detail = |trade_no: &str, fen: u64, result: &str| RefundDetail {
        trade_no: trade_no.into(),
        amount: AmountFen::new(fen).unwrap(),
        result: result.into(),
    };
    let notify = |batch: &str, details| RefundNotify { notify_id: "n".into(), batch_no: batch.into(), details };
    assert!(alipay_refund_events(&notify("20241125abc", vec![detail("9999", 100, "SUCCESS")]), &o).is_empty());
    assert!(alipay_refund_events(&notify("20241125abc", vec![detail("2024", 50, "SUCCESS")]), &o).is_empty());
    assert!(alipay_refund_events(&notify("20241125zzz", vec![detail("2024", 100, "SUCCESS")]), &o).is_empty());
    assert!(matches!(
        alipay_refund_events(&notify("20241125abc", vec![detail("2024", 100, "SUCCESS")]), &o)[..],
        [Event::RefundSettled { outcome: RefundOutcome::Succeeded, .. }]
    ));
    assert!(matches!(
        alipay_refund_events(&notify("20241125abc", vec![detail("2024", 100, "NOT_ENOUGH")]), &o)[..],
        [Event::RefundSettled { outcome: RefundOutcome::Failed(_), .. }]
    ));
}

#[test]
fn wechat_refund_states_map_to_events_for_our_attempts_only() {
    let o = with_refund(order(), Provider::Wechat, "4200", "Rabc1");
    let record = |no: &str, status| RefundRecord { out_refund_no: no.into(), refund_id: "5000".into(), status };
    let events = |status| wechat_refund_events(vec![record("Rabc1", status)], &o);
    assert!(matches!(events(WxRefund::Success)[..], [Event::RefundSettled { outcome: RefundOutcome::Succeeded, .. }]));
    assert!(matches!(
        events(WxRefund::RefundClose)[..],
        [Event::RefundSettled { outcome: RefundOutcome::Failed(_), .. }]
    ));
    assert!(matches!(events(WxRefund::Change)[..], [Event::RefundSettled { outcome: RefundOutcome::Failed(_), .. }]));
    assert!(events(WxRefund::Processing).is_empty());
    assert!(wechat_refund_events(vec![record("Rother", WxRefund::Success)], &o).is_empty());
}

#[test]
fn expiry_timing() {
    let o = order();
    assert!(!is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS - 1));
    assert!(is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS));
}

#[test]
fn openapi_trades_follow_the_mapi_rules_and_refunds_settle_by_their_own_number_and_amount() {
    use crate::alipay_openapi::reply::Trade;
    let mut o = order();
    let t = |status: &str| Trade {
        trade_no: "2026".into(),
        trade_status: TradeStatus::parse(status),
        total: AmountFen::new(100).unwrap(),
        paid_at: None,
    };
    let paid = alipay_trade_events(&t("TRADE_SUCCESS"), &o, Source::AlipayNotify, 5);
    assert!(matches!(&paid[..], [Event::Paid(p)] if p.transaction_id == "2026" && p.source == Source::AlipayNotify));
    assert!(alipay_trade_events(&t("WAIT_BUYER_PAY"), &o, Source::AlipayQuery, 5).is_empty());
    assert!(matches!(&alipay_trade_events(&t("TRADE_CLOSED"), &o, Source::AlipayQuery, 5)[..], [Event::Closed(_)]));
    o.apply(paid.into_iter().next().unwrap(), 5).unwrap();
    assert!(matches!(
        &alipay_trade_events(&t("TRADE_CLOSED"), &o, Source::AlipayQuery, 6)[..],
        [Event::PaymentRefunded { .. }]
    ));

    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider: Provider::Alipay,
        transaction_id: "2026".into(),
        amount: AmountFen::new(30).unwrap(),
        reason: String::new(),
        provider_refund_no: "r1-0001".into(),
        refund_id: None,
        status: RefundStatus::Requested,
        requested_at: 6,
        settled_at: None,
        attempts: 1,
    });
    assert!(alipay_refund_done(&o, "r1-0002", AmountFen::new(30).unwrap()).is_empty());
    assert!(alipay_refund_done(&o, "r1-0001", AmountFen::new(31).unwrap()).is_empty());
    let done = alipay_refund_done(&o, "r1-0001", AmountFen::new(30).unwrap());
    assert!(matches!(
        &done[..],
        [Event::RefundSettled { outcome: RefundOutcome::Succeeded, source: Source::AlipayRefundQuery, .. }]
    ));
}
