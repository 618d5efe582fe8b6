//! Merchant-only commands (`Authorization: Bearer <MERCHANT_TOKEN>`, checked by the route):
//! `CreateOrder`, `CloseOrder`, `Refund` and `QueryOrder` inside the order's object.

use std::time::Duration;

use paycore::api::{ApiError, CreateOrderRequest, OrderReply, OrderView, RefundReply, RefundRequest, ResultCode};
use paycore::order::{CloseReason, Event, Order, PayState, Source};
use paycore::policy::{self, CloseStep, RefundPlan};
use worker::Delay;

use crate::config::Config;
use crate::object::OrderObject;
use crate::providers::Wallet;
use crate::{checks, errors};

/// How long a `Refund` waits for another refund of the same order to be sent.
const REFUND_WAIT_MS: u64 = 15_000;

/// `CreateOrder`: the only way an amount enters the system. Repeating it with the same
/// content returns the stored order; with different content it fails with `-11`.
pub fn create_order(
    obj: &OrderObject,
    config: &Config,
    req: CreateOrderRequest,
    now: i64,
) -> Result<OrderReply<OrderView>, ApiError> {
    if let Some(url) = &req.return_url {
        policy::ensure_return_origin(url, &config.return_url_origins())?;
    }
    let expires_at = now + i64::from(req.expire_seconds());
    let mut order =
        Order::new(req.order_no.clone(), req.total_fee, req.subject.clone(), req.body.clone(), now, expires_at);
    order.return_url = req.return_url.clone();
    let (stored, _new) = obj.store()?.create(order)?;
    policy::ensure_same_order(&stored, &req)?;
    Ok(OrderReply::ok(OrderView::from(&stored)))
}

/// `CloseOrder`: closes an unpaid order at the providers; a paid order is not closed (`-14`).
pub async fn close_order(obj: &OrderObject, config: &Config, now: i64) -> Result<OrderReply<OrderView>, ApiError> {
    let store = obj.store()?;
    let order = store.load_existing()?;
    if policy::close_step(&order)? == CloseStep::AlreadyClosed {
        return Ok(OrderReply::ok(OrderView::from(&order)));
    }
    let events = checks::close_all(config, &order, CloseReason::Merchant, Source::MerchantClose, now).await?;
    let applied = store.apply(events, now)?;
    obj.log_applied(&applied);
    if applied.order.state != PayState::Cancelled {
        return Err(ApiError::new(
            ResultCode::InvalidOrderState,
            format!("the order is {} and was not closed", applied.order.state.name()),
        ));
    }
    Ok(OrderReply::ok(OrderView::from(&applied.order)))
}

/// Clears the object's `refunding` flag however the refund ends.
struct RefundGuard<'a>(&'a OrderObject);

impl Drop for RefundGuard<'_> {
    fn drop(&mut self) {
        self.0.refunding.set(false);
    }
}

/// `Refund`: part or all of a payment (the order's, or an extra one by `transaction_id`),
/// idempotent by `refund_no`. One refund per order is sent at a time; a second waits and
/// then plans against the first one's result.
pub async fn refund(obj: &OrderObject, config: &Config, req: RefundRequest, now: i64) -> Result<RefundReply, ApiError> {
    let mut waited = 0;
    while obj.refunding.get() {
        if waited >= REFUND_WAIT_MS {
            return Err(ApiError::new(
                ResultCode::ProviderUnavailable,
                "another refund of this order is still being sent",
            ));
        }
        Delay::from(Duration::from_millis(20)).await;
        waited += 20;
    }
    let store = obj.store()?;
    let order = store.load_existing()?;
    let refund = match policy::plan_refund(&order, &req, now)? {
        RefundPlan::Existing(refund_no) => return refund_reply(&order, &refund_no),
        RefundPlan::Send(refund) => refund,
    };
    obj.refunding.set(true);
    let _guard = RefundGuard(obj);
    let wallet = Wallet::of(config, refund.provider)?;
    let refund_id = wallet.refund(config, &order, &refund, now).await?;
    let refund_no = refund.refund_no.clone();
    let applied = store.apply(vec![Event::RefundRequested(paycore::order::Refund { refund_id, ..refund })], now)?;
    let mut order = applied.order;
    // Ask at once where the provider can be asked (MAPI answers by notify); the alarm asks
    // again until settled.
    if wallet.refund_check_after_refund() {
        match wallet.refund_check(config, &order, now).await {
            Ok(events) => {
                let applied = store.apply(events, now)?;
                obj.log_applied(&applied);
                order = applied.order;
            }
            Err(e) => checks::log_check_failure(&order, &e),
        }
    }
    refund_reply(&order, &refund_no)
}

fn refund_reply(order: &Order, refund_no: &str) -> Result<RefundReply, ApiError> {
    let refund = order
        .refunds
        .iter()
        .find(|r| r.refund_no == refund_no)
        .cloned()
        .ok_or_else(|| errors::internal("refund not stored"))?;
    Ok(RefundReply { result: 0, msg: String::new(), order: OrderView::from(order), refund })
}

/// `QueryOrder`: the full stored record with its evidence, payments and refunds.
pub fn query_order(obj: &OrderObject) -> Result<OrderReply<Order>, ApiError> {
    Ok(OrderReply::ok(obj.store()?.load_existing()?))
}
