//! From provider evidence to order events: what a verified notify or a query reply means
//! for an order. The worker fetches and verifies; this decides.

use crate::alipay::notify::TradeNotify;
use crate::alipay::service::TradeQueryReply;
use crate::order::{CloseReason, Event, Order, PayState, Payment, Provider, Source};
use crate::wechat::notify::{NotifyResult, PaymentNotify};
use crate::wechat::reply::OrderQueryReply;

/// How long after the last provider check a waiting order is checked again when its
/// state is asked for (a notify can be late or lost; production KV can be stale).
pub const CHECK_INTERVAL_SECS: i64 = 3;

/// Grace after expiry before an unpaid order is cancelled: a buyer who paid in the last
/// seconds still has their payment found by the final query.
pub const EXPIRY_GRACE_SECS: i64 = 30;

/// True when a waiting order with a started wallet is due for a provider check.
pub fn should_check(order: &Order, now: i64) -> bool {
    order.state == PayState::Waiting
        && (order.wechat.is_some() || order.alipay.is_some())
        && order.last_checked_at.is_none_or(|t| now - t >= CHECK_INTERVAL_SECS)
}

/// True when a waiting order is past its expiry and grace: after a final provider check
/// finds nothing, it is cancelled.
pub fn is_expired_unpaid(order: &Order, now: i64) -> bool {
    order.state == PayState::Waiting && now >= order.expires_at + EXPIRY_GRACE_SECS
}

/// The event that cancels an expired unpaid order.
pub fn expiry_event(now: i64) -> Event {
    Order::close_event(CloseReason::Expired, Source::Expiry, now)
}

/// Events proven by a verified WeChat payment notify (none for a failed payment).
pub fn wechat_notify_events(n: &PaymentNotify, now: i64) -> Vec<Event> {
    match n.result {
        NotifyResult::Paid => vec![Event::Paid(Payment {
            provider: Provider::Wechat,
            transaction_id: n.transaction_id.clone(),
            amount: n.total_fee,
            paid_at: n.time_end.clone(),
            source: Source::WechatNotify,
            recorded_at: now,
        })],
        NotifyResult::Failed(_) => Vec::new(),
    }
}

/// Events proven by an `orderquery` reply (see [`crate::wechat::TradeState::pay_state`]).
pub fn wechat_query_events(r: &OrderQueryReply, now: i64) -> Vec<Event> {
    let paid = |source| match (&r.transaction_id, r.total_fee) {
        (Some(tx), Some(amount)) => Some(Event::Paid(Payment {
            provider: Provider::Wechat,
            transaction_id: tx.clone(),
            amount,
            paid_at: r.time_end.clone(),
            source,
            recorded_at: now,
        })),
        _ => None,
    };
    match r.trade_state.pay_state() {
        Some(PayState::Paid) => paid(Source::WechatQuery).into_iter().collect(),
        Some(PayState::Refunded) => paid(Source::WechatQuery)
            .into_iter()
            .chain([Event::Refunded { refund_id: None, source: Source::WechatQuery }])
            .collect(),
        Some(PayState::Cancelled) => vec![Order::close_event(CloseReason::Provider, Source::WechatQuery, now)],
        Some(PayState::Waiting) | None => Vec::new(),
    }
}

fn alipay_events(
    status: &crate::alipay::TradeStatus,
    trade_no: &str,
    amount: crate::AmountFen,
    paid_at: Option<String>,
    order: &Order,
    source: Source,
    now: i64,
) -> Vec<Event> {
    let already_paid = matches!(order.state, PayState::Paid | PayState::Refunded);
    match status.pay_state(already_paid) {
        Some(PayState::Paid) => vec![Event::Paid(Payment {
            provider: crate::order::Provider::Alipay,
            transaction_id: trade_no.to_owned(),
            amount,
            paid_at,
            source,
            recorded_at: now,
        })],
        Some(PayState::Cancelled) => vec![Order::close_event(CloseReason::Provider, source, now)],
        // A closed trade after payment is a full refund, but only for the trade that paid.
        Some(PayState::Refunded)
            if order
                .payment
                .as_ref()
                .is_some_and(|p| p.provider == Provider::Alipay && p.transaction_id == trade_no) =>
        {
            vec![Event::Refunded { refund_id: None, source }]
        }
        _ => Vec::new(),
    }
}

/// Events proven by a verified and confirmed Alipay trade notify.
pub fn alipay_notify_events(n: &TradeNotify, order: &Order, now: i64) -> Vec<Event> {
    alipay_events(&n.trade_status, &n.trade_no, n.total_fee, n.gmt_payment.clone(), order, Source::AlipayNotify, now)
}

/// Events proven by a `single_trade_query` reply.
pub fn alipay_query_events(r: &TradeQueryReply, order: &Order, now: i64) -> Vec<Event> {
    alipay_events(&r.trade_status, &r.trade_no, r.total_fee, None, order, Source::AlipayQuery, now)
}

/// Events proven by a `refundquery` reply for this order's full refund (`out_refund_no`
/// derived from the order): SUCCESS confirms it, REFUNDCLOSE and CHANGE fail it,
/// PROCESSING and unknown states prove nothing yet.
pub fn wechat_refund_events(records: Vec<crate::wechat::reply::RefundRecord>, order: &Order) -> Vec<Event> {
    use crate::wechat::RefundStatus;
    let ours = crate::wechat::request::out_refund_no(&order.order_no);
    let source = Source::WechatRefundQuery;
    records
        .into_iter()
        .filter(|r| r.out_refund_no == ours)
        .filter_map(|r| match r.status {
            RefundStatus::Success => Some(Event::Refunded { refund_id: Some(r.refund_id), source }),
            RefundStatus::RefundClose | RefundStatus::Change => {
                Some(Event::RefundFailed { reason: r.status.to_string(), source })
            }
            _ => None,
        })
        .collect()
}

/// Events proven by a verified and confirmed `batch_refund_notify`: only the details for
/// the trade that paid this order, for its full amount, count.
pub fn alipay_refund_events(n: &crate::alipay::notify::RefundNotify, order: &Order) -> Vec<Event> {
    let Some(payment) = order.payment.as_ref().filter(|p| p.provider == Provider::Alipay) else {
        return Vec::new();
    };
    let source = Source::AlipayRefundNotify;
    n.details
        .iter()
        .filter(|d| d.trade_no == payment.transaction_id && d.amount == payment.amount)
        .map(|d| match d.result.as_str() {
            "SUCCESS" => Event::Refunded { refund_id: Some(n.batch_no.clone()), source },
            other => Event::RefundFailed { reason: other.to_owned(), source },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay::TradeStatus;
    use crate::order::Outcome;
    use crate::wechat::TradeState;
    use crate::{AmountFen, OrderNo};

    fn order() -> Order {
        Order::new(
            OrderNo::parse("order_0001").unwrap(),
            AmountFen::new(100).unwrap(),
            "s".into(),
            String::new(),
            0,
            1800,
        )
    }

    fn query(state: &str, paid: bool) -> OrderQueryReply {
        OrderQueryReply {
            trade_state: TradeState::parse(state),
            transaction_id: paid.then(|| "4200".to_owned()),
            total_fee: paid.then(|| AmountFen::new(100).unwrap()),
            time_end: None,
        }
    }

    #[test]
    fn wechat_query_mapping() {
        assert!(wechat_query_events(&query("NOTPAY", false), 5).is_empty());
        assert!(wechat_query_events(&query("USERPAYING", false), 5).is_empty());
        assert!(wechat_query_events(&query("SUCCESS", false), 5).is_empty(), "no evidence, no event");
        let mut o = order();
        for e in wechat_query_events(&query("REFUND", true), 5) {
            o.apply(e, 5).unwrap();
        }
        assert_eq!(o.state, PayState::Refunded);
        let mut o = order();
        for e in wechat_query_events(&query("CLOSED", false), 5) {
            assert_eq!(o.apply(e, 5), Ok(Outcome::Changed));
        }
        assert_eq!(o.state, PayState::Cancelled);
    }

    #[test]
    fn alipay_closed_means_refund_only_after_its_own_payment() {
        let reply = |status: &str| TradeQueryReply {
            trade_no: "2024".into(),
            trade_status: TradeStatus::parse(status),
            total_fee: AmountFen::new(100).unwrap(),
        };
        let mut o = order();
        assert_eq!(alipay_query_events(&reply("WAIT_BUYER_PAY"), &o, 5), vec![]);
        let paid = alipay_query_events(&reply("TRADE_SUCCESS"), &o, 5);
        o.apply(paid[0].clone(), 5).unwrap();
        assert_eq!(alipay_query_events(&reply("TRADE_FINISHED"), &o, 6), vec![]);
        let other = TradeQueryReply { trade_no: "9999".into(), ..reply("TRADE_CLOSED") };
        assert_eq!(alipay_query_events(&other, &o, 7), vec![]);
        assert_eq!(
            alipay_query_events(&reply("TRADE_CLOSED"), &o, 7),
            vec![Event::Refunded { refund_id: None, source: Source::AlipayQuery }]
        );
    }

    #[test]
    fn refund_notify_counts_only_this_orders_trade() {
        use crate::alipay::notify::{RefundDetail, RefundNotify};
        let mut o = order();
        let paid = alipay_query_events(
            &TradeQueryReply {
                trade_no: "2024".into(),
                trade_status: TradeStatus::TradeSuccess,
                total_fee: AmountFen::new(100).unwrap(),
            },
            &o,
            5,
        );
        o.apply(paid[0].clone(), 5).unwrap();
        let detail = |trade_no: &str, fen: u64, result: &str| RefundDetail {
            trade_no: trade_no.into(),
            amount: AmountFen::new(fen).unwrap(),
            result: result.into(),
        };
        let notify = |details| RefundNotify { notify_id: "n".into(), batch_no: "b".into(), details };
        assert!(alipay_refund_events(&notify(vec![detail("9999", 100, "SUCCESS")]), &o).is_empty());
        assert!(alipay_refund_events(&notify(vec![detail("2024", 50, "SUCCESS")]), &o).is_empty());
        assert_eq!(alipay_refund_events(&notify(vec![detail("2024", 100, "SUCCESS")]), &o).len(), 1);
        assert!(matches!(
            alipay_refund_events(&notify(vec![detail("2024", 100, "NOT_ENOUGH")]), &o)[..],
            [Event::RefundFailed { .. }]
        ));
    }

    #[test]
    fn wechat_refund_states_map_to_events() {
        use crate::wechat::{RefundStatus, reply::RefundRecord};
        let o = order();
        let record = |no: &str, status| RefundRecord { out_refund_no: no.into(), refund_id: "5000".into(), status };
        let events = |status| wechat_refund_events(vec![record("Rorder_0001", status)], &o);
        assert!(matches!(events(RefundStatus::Success)[..], [Event::Refunded { .. }]));
        assert!(matches!(events(RefundStatus::RefundClose)[..], [Event::RefundFailed { .. }]));
        assert!(matches!(events(RefundStatus::Change)[..], [Event::RefundFailed { .. }]));
        assert!(events(RefundStatus::Processing).is_empty());
        assert!(wechat_refund_events(vec![record("Rother_0001", RefundStatus::Success)], &o).is_empty());
    }

    #[test]
    fn check_and_expiry_timing() {
        let mut o = order();
        assert!(!should_check(&o, 10), "no wallet started yet");
        o.alipay = Some(crate::order::AlipaySession { return_url: "https://a/".into(), issued_at: 1 });
        assert!(should_check(&o, 10));
        o.last_checked_at = Some(9);
        assert!(!should_check(&o, 10));
        assert!(should_check(&o, 12));
        assert!(!is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS - 1));
        assert!(is_expired_unpaid(&o, 1800 + EXPIRY_GRACE_SECS));
    }
}
