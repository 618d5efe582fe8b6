//! From provider evidence to order events: what a verified notify or a query reply means
//! for an order. The worker fetches and verifies; this decides.

use crate::alipay::notify::TradeNotify;
use crate::alipay::service::TradeQueryReply;
use crate::order::{CloseReason, Event, Order, Payment, Provider, RefundOutcome, Source, TradeFact};
use crate::wechat::notify::{NotifyResult, PaymentNotify};
use crate::wechat::reply::OrderQueryReply;

/// Grace after expiry before an unpaid order is cancelled: a buyer who paid in the last
/// seconds still has their payment found by the final query.
pub const EXPIRY_GRACE_SECS: i64 = 30;

/// True when a waiting order is past its expiry and grace: after a final provider check
/// finds nothing, it is cancelled.
pub fn is_expired_unpaid(order: &Order, now: i64) -> bool {
    order.state == crate::order::PayState::Waiting && now >= order.expires_at + EXPIRY_GRACE_SECS
}

fn payment(
    provider: Provider,
    transaction_id: &str,
    amount: crate::AmountFen,
    paid_at: Option<String>,
    source: Source,
    now: i64,
) -> Event {
    Event::Paid(Payment {
        provider,
        transaction_id: transaction_id.to_owned(),
        amount,
        paid_at,
        source,
        recorded_at: now,
        late: false,
    })
}

/// Events proven by a verified WeChat payment notify (none for a failed payment).
pub fn wechat_notify_events(n: &PaymentNotify, now: i64) -> Vec<Event> {
    match n.result {
        NotifyResult::Paid => {
            vec![payment(
                Provider::Wechat,
                &n.transaction_id,
                n.total_fee,
                n.time_end.clone(),
                Source::WechatNotify,
                now,
            )]
        }
        NotifyResult::Failed(_) => Vec::new(),
    }
}

/// Events proven by an `orderquery` reply (see [`crate::wechat::TradeState::fact`]). A
/// `REFUND` state proves the payment only: refunds are settled by `refundquery`, since a
/// partial refund reads `REFUND` too.
pub fn wechat_query_events(r: &OrderQueryReply, now: i64) -> Vec<Event> {
    wechat_trade_events(r, Source::WechatQuery, now)
}

/// Events proven by a WeChat transaction from `source`: a query reply, or a v3 notify's
/// decrypted transaction read as one ([`crate::wechat_v3::evidence::transaction`]).
pub fn wechat_trade_events(r: &OrderQueryReply, source: Source, now: i64) -> Vec<Event> {
    match r.trade_state.fact() {
        TradeFact::Paid => match (&r.transaction_id, r.total_fee) {
            (Some(tx), Some(amount)) => vec![payment(Provider::Wechat, tx, amount, r.time_end.clone(), source, now)],
            _ => Vec::new(),
        },
        TradeFact::Closed => vec![Order::close_event(CloseReason::Provider, source, now)],
        TradeFact::Open => Vec::new(),
    }
}

fn alipay_events(
    r: (&crate::alipay::TradeStatus, &str, crate::AmountFen, Option<String>),
    order: &Order,
    source: Source,
    now: i64,
) -> Vec<Event> {
    let (status, trade_no, amount, paid_at) = r;
    match status.fact() {
        TradeFact::Paid => vec![payment(Provider::Alipay, trade_no, amount, paid_at, source, now)],
        // A closed trade that paid this order was refunded in full; any other closed trade
        // means the cashier was closed unpaid.
        TradeFact::Closed if order.find_payment(trade_no).is_some_and(|p| p.provider == Provider::Alipay) => {
            vec![Event::PaymentRefunded { transaction_id: trade_no.to_owned(), source }]
        }
        TradeFact::Closed => vec![Order::close_event(CloseReason::Provider, source, now)],
        TradeFact::Open => Vec::new(),
    }
}

/// Events proven by a verified and confirmed Alipay trade notify.
pub fn alipay_notify_events(n: &TradeNotify, order: &Order, now: i64) -> Vec<Event> {
    alipay_events((&n.trade_status, &n.trade_no, n.total_fee, n.gmt_payment.clone()), order, Source::AlipayNotify, now)
}

/// Events proven by a `single_trade_query` reply.
pub fn alipay_query_events(r: &TradeQueryReply, order: &Order, now: i64) -> Vec<Event> {
    alipay_events((&r.trade_status, &r.trade_no, r.total_fee, None), order, Source::AlipayQuery, now)
}

/// Events proven by a verified Alipay OpenAPI trade (a notify, or `alipay.trade.query` when
/// `source` says so): the same rules as MAPI's.
pub fn alipay_trade_events(
    t: &crate::alipay_openapi::reply::Trade,
    order: &Order,
    source: Source,
    now: i64,
) -> Vec<Event> {
    alipay_events((&t.trade_status, &t.trade_no, t.total, t.paid_at.clone()), order, source, now)
}

/// Events proven by `alipay.trade.fastpay.refund.query` (or a 10000 refund reply) for one of
/// this order's Alipay refund attempts: done when Alipay reports that amount refunded.
pub fn alipay_refund_done(order: &Order, out_request_no: &str, refunded: crate::AmountFen) -> Vec<Event> {
    order
        .refunds
        .iter()
        .filter(|r| r.provider == Provider::Alipay && r.provider_refund_no == out_request_no && r.amount == refunded)
        .map(|r| Event::RefundSettled {
            provider_refund_no: r.provider_refund_no.clone(),
            refund_id: Some(r.provider_refund_no.clone()),
            outcome: RefundOutcome::Succeeded,
            source: Source::AlipayRefundQuery,
        })
        .collect()
}

/// Events proven by a `refundquery` reply: each record whose `out_refund_no` is one of this
/// order's WeChat refund attempts. SUCCESS settles it, REFUNDCLOSE and CHANGE fail it,
/// PROCESSING and unknown states prove nothing yet.
pub fn wechat_refund_events(records: Vec<crate::wechat::reply::RefundRecord>, order: &Order) -> Vec<Event> {
    wechat_refund_events_from(records, order, Source::WechatRefundQuery)
}

/// [`wechat_refund_events`] for records from `source` (a query, or a v3 refund notify).
pub fn wechat_refund_events_from(
    records: Vec<crate::wechat::reply::RefundRecord>,
    order: &Order,
    source: Source,
) -> Vec<Event> {
    use crate::wechat::RefundStatus;
    records
        .into_iter()
        .filter(|r| {
            order.refunds.iter().any(|o| o.provider == Provider::Wechat && o.provider_refund_no == r.out_refund_no)
        })
        .filter_map(|r| {
            let outcome = match r.status {
                RefundStatus::Success => RefundOutcome::Succeeded,
                RefundStatus::RefundClose | RefundStatus::Change => RefundOutcome::Failed(r.status.to_string()),
                _ => return None,
            };
            Some(Event::RefundSettled {
                provider_refund_no: r.out_refund_no,
                refund_id: Some(r.refund_id),
                outcome,
                source,
            })
        })
        .collect()
}

/// Events proven by a verified and confirmed `batch_refund_notify`: only a batch this
/// order requested counts, and only its detail for the refunded trade and amount.
pub fn alipay_refund_events(n: &crate::alipay::notify::RefundNotify, order: &Order) -> Vec<Event> {
    let Some(refund) =
        order.refunds.iter().find(|r| r.provider == Provider::Alipay && r.provider_refund_no == n.batch_no)
    else {
        return Vec::new();
    };
    n.details
        .iter()
        .filter(|d| d.trade_no == refund.transaction_id && d.amount == refund.amount)
        .map(|d| Event::RefundSettled {
            provider_refund_no: n.batch_no.clone(),
            refund_id: Some(n.batch_no.clone()),
            outcome: match d.result.as_str() {
                "SUCCESS" => RefundOutcome::Succeeded,
                other => RefundOutcome::Failed(other.to_owned()),
            },
            source: Source::AlipayRefundNotify,
        })
        .collect()
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
