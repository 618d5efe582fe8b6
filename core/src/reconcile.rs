//! From provider facts to order changes: what a verified notify or query reply means for
//! an order, decided once for every provider API (each API's module reads its wire format
//! into [`crate::facts`] first). The worker fetches and verifies; this decides.

use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::order::{Change, Order, Payment, Refusal, TradeFact};

/// Grace after expiry before an unpaid order is cancelled: a buyer who paid in the last
/// seconds still has their payment found by the final query.
pub const EXPIRY_GRACE_SECS: i64 = 30;

/// The only currency the orders are in.
pub const CURRENCY: &str = "CNY";

/// True when a waiting order is past its expiry and grace: after a final provider check
/// finds nothing, it is cancelled.
pub fn is_expired_unpaid(order: &Order, now: i64) -> bool {
    order.state == crate::order::PayState::Waiting && now >= order.expires_at + EXPIRY_GRACE_SECS
}

fn foreign_currency(f: &TradeFacts) -> Option<&str> {
    f.currency.as_deref().filter(|c| *c != CURRENCY)
}

/// The changes a trade's facts prove for `order` (as it is now):
///
/// | trade | change |
/// |---|---|
/// | paid, with transaction id and amount | the payment (the machine keeps a second one as an extra payment) |
/// | closed, and its transaction is one of the order's payments | that payment refunded in full (Alipay's `TRADE_CLOSED` after payment) |
/// | closed | that trade closed (the order is cancelled once all its trades are) |
/// | open, or stated in another currency than CNY | nothing |
pub fn trade_changes(order: &Order, f: &TradeFacts, now: i64) -> Vec<Change> {
    if foreign_currency(f).is_some() {
        return Vec::new();
    }
    match f.state {
        TradeFact::Paid => match (&f.transaction_id, f.amount) {
            (Some(tx), Some(amount)) => vec![Change::Paid(Payment {
                provider: f.provider,
                transaction_id: tx.clone(),
                trade_no: f.trade_no.clone(),
                amount,
                payer_total: f.payer_total,
                paid_at: f.paid_at.clone(),
                source: f.source,
                recorded_at: now,
                late: false,
            })],
            _ => Vec::new(),
        },
        TradeFact::Closed => {
            let paid =
                f.transaction_id.as_deref().and_then(|tx| order.find_payment(tx)).filter(|p| p.provider == f.provider);
            match paid {
                Some(p) => vec![Change::PaymentRefunded { transaction_id: p.transaction_id.clone(), source: f.source }],
                None => {
                    vec![Change::TradeClosed { provider: f.provider, trade_no: f.trade_no.clone(), source: f.source }]
                }
            }
        }
        TradeFact::Open => Vec::new(),
    }
}

/// The changes refund facts prove: each one about a refund this order sent (same
/// provider and number; where the message names the transaction or amount, those too).
pub fn refund_changes(order: &Order, facts: &[RefundFacts]) -> Vec<Change> {
    facts
        .iter()
        .filter(|f| {
            order.refunds.iter().any(|r| {
                r.provider == f.provider
                    && r.provider_refund_no == f.provider_refund_no
                    && f.transaction_id.as_ref().is_none_or(|tx| *tx == r.transaction_id)
                    && f.amount.is_none_or(|a| a == r.amount)
            })
        })
        .map(|f| Change::RefundSettled {
            provider_refund_no: f.provider_refund_no.clone(),
            refund_id: f.refund_id.clone(),
            result: f.result.clone(),
            source: f.source,
        })
        .collect()
}

/// The one rule every notify path passes: is this verified notice about this order (one
/// of its trades, or refunds it sent), in its currency and for its amount? Then its
/// changes. A refused notice changes nothing, and the provider is told to send it again.
pub fn accept_notice(order: &Order, notice: &Notice, now: i64) -> Result<Vec<Change>, Refusal> {
    match notice {
        Notice::Trade(f) => {
            if !order.has_trade(f.provider, &f.trade_no) {
                return Err(Refusal::UnknownTrade(f.trade_no.clone()));
            }
            if let Some(c) = foreign_currency(f) {
                return Err(Refusal::Currency(c.chars().take(8).collect()));
            }
            if let Some(amount) = f.amount {
                order.check_amount(amount)?;
            }
            if f.state == TradeFact::Paid && (f.transaction_id.is_none() || f.amount.is_none()) {
                return Err(Refusal::Incomplete);
            }
            Ok(trade_changes(order, f, now))
        }
        Notice::Refunds { refunds } => {
            let changes = refund_changes(order, refunds);
            if changes.is_empty() {
                let no = refunds.first().map_or("", |f| f.provider_refund_no.as_str());
                return Err(Refusal::UnknownRefund(no.chars().take(64).collect()));
            }
            Ok(changes)
        }
    }
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
