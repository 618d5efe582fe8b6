//! Merchant-only commands (`Authorization: Bearer <MERCHANT_TOKEN>`, checked by the route)
//! inside the order's object: `CreateOrder`, `CloseOrder`, `Refund`, `QueryOrder`.

use std::time::Duration;

use futures_util::future::{Either, select};
use paycore::api::{
    ApiError, CreateOrderRequest, OrderRecord, OrderReply, OrderView, RefundReply, RefundRequest, ResultCode,
};
use paycore::ops::{Close, SendRefund};
use paycore::order::{Change, CloseReason, Order, Source};
use paycore::policy::{self, CloseStep, RefundPlan};
use worker::Delay;

use super::OrderObject;
use super::drive::drive;
use crate::platform::Error;
use crate::platform::config::Config;
use crate::platform::guard::Guard;
use crate::providers::Wallet;

/// How long a `Refund` waits for another refund of the same order to be sent.
const REFUND_WAIT: Duration = Duration::from_secs(15);

/// `CreateOrder`: the only way an amount enters the system. Repeating it with the same
/// content returns the stored order; with different content it fails with `-11`.
pub fn create_order(
    obj: &OrderObject,
    config: &Config,
    req: CreateOrderRequest,
    now: i64,
) -> Result<OrderReply<OrderView>, Error> {
    if let Some(url) = &req.return_url {
        policy::ensure_return_origin(url, &config.return_url_origins())?;
    }
    let stored = obj.store()?.create(policy::new_order(&req, now))?;
    policy::ensure_same_order(&stored, &req)?;
    Ok(OrderReply::ok(OrderView::from(&stored)))
}

/// `CloseOrder`: closes an unpaid order at the providers, then cancels it; a paid order is
/// not closed (`-14`).
pub async fn close_order(obj: &OrderObject, config: &Config, now: i64) -> Result<OrderReply<OrderView>, Error> {
    let order = obj.store()?.load_existing()?;
    if policy::close_step(&order)? == CloseStep::AlreadyClosed {
        return Ok(OrderReply::ok(OrderView::from(&order)));
    }
    obj.closing.set(obj.closing.get() + 1);
    let _closing = Guard::new(|| obj.closing.set(obj.closing.get() - 1));
    let mut op = Close::new(CloseReason::Merchant, Source::MerchantClose);
    let applied = drive(obj, config, &mut op, now).await?;
    op.answer(&applied.order)?;
    Ok(OrderReply::ok(OrderView::from(&applied.order)))
}

/// `Refund`: part or all of a payment (the order's, or an extra one by `transaction_id`),
/// idempotent by `refund_no`. The refund is stored `sending` before the provider is asked;
/// one refund per order is sent at a time (the next waits its turn, then plans against
/// the first one's result).
pub async fn refund(obj: &OrderObject, config: &Config, req: RefundRequest, now: i64) -> Result<RefundReply, Error> {
    let _turn = match select(obj.refunds.lock(), Delay::from(REFUND_WAIT)).await {
        Either::Left((turn, _)) => turn,
        Either::Right(_) => {
            let msg = "another refund of this order is still being sent";
            return Err(ApiError::new(ResultCode::ProviderUnavailable, msg).into());
        }
    };
    let store = obj.store()?;
    let order = store.load_existing()?;
    let (refund, resend) = match policy::plan_refund(&order, &req, now)? {
        RefundPlan::Existing(refund_no) => return refund_reply(&order, &refund_no),
        RefundPlan::Send(refund) => (refund, false),
        RefundPlan::Resend(refund_no) => {
            (order.refund(&refund_no).cloned().ok_or_else(|| Error::internal("no refund"))?, true)
        }
    };
    // A missing setting is -19 before anything is stored or sent.
    let queries = Wallet::of(config, refund.provider)?.api().asks_after_refund();
    let refund_no = refund.refund_no.clone();
    let mut op = if resend {
        SendRefund::resend(&refund, queries)
    } else {
        // Stored first: should the call never return, the object still knows to ask.
        store.apply(vec![Change::RefundStarted(refund.clone())], now)?.strict()?;
        SendRefund::new(&refund, queries)
    };
    let applied = drive(obj, config, &mut op, now).await?;
    op.answer()?;
    refund_reply(&applied.order, &refund_no)
}

fn refund_reply(order: &Order, refund_no: &str) -> Result<RefundReply, Error> {
    let refund = order.refund(refund_no).cloned().ok_or_else(|| Error::internal("refund not stored"))?;
    Ok(RefundReply { result: 0, msg: String::new(), order: OrderView::from(order), refund })
}

/// `QueryOrder`: the full stored record with its evidence, payments and refunds.
pub fn query_order(obj: &OrderObject) -> Result<OrderReply<OrderRecord>, Error> {
    Ok(OrderReply::ok(obj.store()?.load_existing()?.into()))
}
