//! Provider facts → changes, once for every API: each trade state, refund facts matched to
//! the order's own refunds only, and the one rule every notify passes.

use super::*;
use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::order::{
    Change, Channel, Outcome, PayState, Provider, Refund, RefundResult, RefundStatus, Refusal, Session, Source,
    TradeFact,
};
use crate::{AmountFen, OrderNo};

fn order() -> Order {
    let mut o = Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(100).unwrap(),
        "s".into(),
        String::new(),
        0,
        1800,
    );
    o.apply(Change::SessionStarted(Session::new(Provider::Wechat, Channel::Qr, "order_0001", 1)), 1).unwrap();
    o
}

fn trade(provider: Provider, tx: Option<&str>, state: TradeFact) -> TradeFacts {
    TradeFacts {
        provider,
        trade_no: "order_0001".into(),
        transaction_id: tx.map(Into::into),
        state,
        amount: Some(AmountFen::new(100).unwrap()),
        payer_total: None,
        currency: None,
        paid_at: None,
        source: Source::query(provider),
    }
}

fn apply_all(o: &mut Order, changes: Vec<Change>, now: i64) {
    for c in changes {
        o.apply(c, now).unwrap();
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
        overdue: false,
    });
    o
}

fn refund_fact(provider: Provider, no: &str, result: RefundResult) -> RefundFacts {
    RefundFacts {
        provider,
        provider_refund_no: no.into(),
        refund_id: Some("5000".into()),
        result,
        transaction_id: None,
        amount: None,
        source: Source::refund_query(provider),
    }
}

#[test]
fn trade_states_prove_what_they_prove() {
    let o = order();
    assert!(trade_changes(&o, &trade(Provider::Wechat, None, TradeFact::Open), 5).is_empty());
    assert!(trade_changes(&o, &trade(Provider::Wechat, None, TradeFact::Paid), 5).is_empty(), "no evidence, no change");
    let mut paid = o.clone();
    apply_all(&mut paid, trade_changes(&o, &trade(Provider::Wechat, Some("4200"), TradeFact::Paid), 5), 5);
    assert_eq!(paid.state, PayState::Paid);
    assert_eq!(paid.payment.as_ref().unwrap().trade_no, "order_0001");
    let mut closed = o.clone();
    apply_all(&mut closed, trade_changes(&o, &trade(Provider::Wechat, None, TradeFact::Closed), 5), 5);
    assert_eq!(closed.state, PayState::Cancelled, "its only trade closed");
}

#[test]
fn a_payment_in_another_currency_proves_nothing_and_its_notify_is_refused() {
    let o = order();
    let usd = TradeFacts { currency: Some("USD".into()), ..trade(Provider::Wechat, Some("4200"), TradeFact::Paid) };
    assert!(trade_changes(&o, &usd, 5).is_empty());
    assert_eq!(accept_notice(&o, &Notice::Trade(usd), 5), Err(Refusal::Currency("USD".into())));
    let cny = TradeFacts { currency: Some("CNY".into()), ..trade(Provider::Wechat, Some("4200"), TradeFact::Paid) };
    assert_eq!(accept_notice(&o, &Notice::Trade(cny), 5).unwrap().len(), 1);
}

#[test]
fn a_second_wallets_payment_is_never_dropped() {
    let mut o = order();
    let changes = trade_changes(&o, &trade(Provider::Wechat, Some("4200"), TradeFact::Paid), 5);
    apply_all(&mut o, changes, 5);
    let changes = trade_changes(&o, &trade(Provider::Alipay, Some("2024"), TradeFact::Paid), 6);
    assert_eq!(o.apply(changes[0].clone(), 6), Ok(Outcome::Changed));
    assert_eq!(o.extra_payments[0].transaction_id, "2024");
}

#[test]
fn a_closed_trade_means_a_refund_only_after_its_own_payment() {
    let mut o = order();
    let changes = trade_changes(&o, &trade(Provider::Alipay, Some("2024"), TradeFact::Paid), 5);
    apply_all(&mut o, changes, 5);
    let other = trade_changes(&o, &trade(Provider::Alipay, Some("9999"), TradeFact::Closed), 7);
    assert!(matches!(other[..], [Change::TradeClosed { .. }]), "another trade closed: no refund");
    assert_eq!(o.apply(other[0].clone(), 7), Ok(Outcome::Unchanged));
    assert_eq!(
        trade_changes(&o, &trade(Provider::Alipay, Some("2024"), TradeFact::Closed), 7),
        vec![Change::PaymentRefunded { transaction_id: "2024".into(), source: Source::AlipayQuery }]
    );
    assert!(
        matches!(
            trade_changes(&o, &trade(Provider::Wechat, Some("2024"), TradeFact::Closed), 7)[..],
            [Change::TradeClosed { .. }]
        ),
        "the same id at another provider is another payment"
    );
}

#[test]
fn refund_facts_count_only_for_this_orders_refunds_transaction_and_amount() {
    let o = with_refund(order(), Provider::Alipay, "2024", "20241125abc");
    let detail = |no: &str, tx: &str, fen: u64, result| RefundFacts {
        transaction_id: Some(tx.into()),
        amount: Some(AmountFen::new(fen).unwrap()),
        ..refund_fact(Provider::Alipay, no, result)
    };
    assert!(refund_changes(&o, &[detail("20241125abc", "9999", 100, RefundResult::Succeeded)]).is_empty());
    assert!(refund_changes(&o, &[detail("20241125abc", "2024", 50, RefundResult::Succeeded)]).is_empty());
    assert!(refund_changes(&o, &[detail("20241125zzz", "2024", 100, RefundResult::Succeeded)]).is_empty());
    assert!(refund_changes(&o, &[refund_fact(Provider::Wechat, "20241125abc", RefundResult::Succeeded)]).is_empty());
    assert!(matches!(
        refund_changes(&o, &[detail("20241125abc", "2024", 100, RefundResult::Failed("NOT_ENOUGH".into()))])[..],
        [Change::RefundSettled { result: RefundResult::Failed(_), .. }]
    ));
}

#[test]
fn every_notify_passes_one_rule() {
    let mut o = with_refund(order(), Provider::Wechat, "4200", "Rabc1");
    // A trade this order never started.
    let foreign =
        TradeFacts { trade_no: "order_0002".into(), ..trade(Provider::Wechat, Some("4200"), TradeFact::Paid) };
    assert_eq!(accept_notice(&o, &Notice::Trade(foreign), 5), Err(Refusal::UnknownTrade("order_0002".into())));
    // Another amount.
    let cheap = TradeFacts {
        amount: Some(AmountFen::new(1).unwrap()),
        ..trade(Provider::Wechat, Some("4200"), TradeFact::Paid)
    };
    assert!(matches!(accept_notice(&o, &Notice::Trade(cheap), 5), Err(Refusal::AmountMismatch { .. })));
    // A payment without its evidence.
    let bare = TradeFacts { transaction_id: None, ..trade(Provider::Wechat, None, TradeFact::Paid) };
    assert_eq!(accept_notice(&o, &Notice::Trade(bare), 5), Err(Refusal::Incomplete));
    // A failed-payment notify is taken and changes nothing.
    assert_eq!(
        accept_notice(&o, &Notice::Trade(trade(Provider::Wechat, Some("4200"), TradeFact::Open)), 5),
        Ok(vec![])
    );
    // Refunds it never sent are refused (the provider sends again); its own are taken.
    let unknown = Notice::Refunds { refunds: vec![refund_fact(Provider::Wechat, "Rother", RefundResult::Succeeded)] };
    assert_eq!(accept_notice(&o, &unknown, 5), Err(Refusal::UnknownRefund("Rother".into())));
    let ours = Notice::Refunds {
        refunds: vec![refund_fact(Provider::Wechat, "Rabc1", RefundResult::Abnormal("ABNORMAL".into()))],
    };
    let changes = accept_notice(&o, &ours, 5).unwrap();
    o.state = PayState::Paid;
    apply_all(&mut o, changes, 5);
    assert_eq!(o.refunds[0].status, RefundStatus::Abnormal("ABNORMAL".into()));
}

#[test]
fn expiry_timing() {
    let o = order();
    assert!(!is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS - 1));
    assert!(is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS));
}
