//! Merchant-only commands (`Authorization: Bearer <MERCHANT_TOKEN>`): `CreateOrder`,
//! `CloseOrder`, `Refund` and `QueryOrder`.

use paycore::OrderNo;
use paycore::alipay::service as alipay_service;
use paycore::api::{ApiError, CreateOrderRequest, OrderReply, OrderView, ResultCode};
use paycore::order::{CloseReason, Event, Order, PayState, Provider, Refund, RefundStatus, Source};
use paycore::sign::secret_eq;
use paycore::wechat::{self, reply as wechat_reply};
use worker::kv::KvStore;

use crate::config::Config;
use crate::provider::{nonce, send};
use crate::{errors, store, sync};

/// Checks `Authorization: Bearer <token>` in constant time (`-5` otherwise).
pub fn authorize(config: &Config, authorization: Option<&str>) -> Result<(), ApiError> {
    let expected = config.merchant_token()?;
    let given = authorization.and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("");
    if !given.is_empty() && secret_eq(expected.expose().as_bytes(), given.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(ResultCode::Unauthorized, "merchant commands need Authorization: Bearer <MERCHANT_TOKEN>"))
    }
}

/// `CreateOrder`: the only way an amount enters the system. Repeating it with the same
/// content returns the stored order; with different content it fails with `-11`.
pub async fn create_order(kv: &KvStore, req: CreateOrderRequest, now: i64) -> Result<OrderReply<OrderView>, ApiError> {
    let expires_at = now + i64::from(req.expire_seconds());
    let order = Order::new(req.order_no.clone(), req.total_fee, req.subject.clone(), req.body.clone(), now, expires_at);
    let (stored, _new) = store::create(kv, order).await?;
    let same = stored.total_fee == req.total_fee
        && stored.subject == req.subject
        && stored.body == req.body
        && stored.expires_at - stored.created_at == i64::from(req.expire_seconds());
    if !same {
        return Err(ApiError::new(
            ResultCode::OrderConflict,
            "an order with this order_no exists with different content",
        ));
    }
    Ok(OrderReply::ok(OrderView::from(&stored)))
}

/// `CloseOrder`: closes an unpaid order at the providers; a paid order is not closed (`-14`).
pub async fn close_order(
    config: &Config,
    kv: &KvStore,
    order_no: &OrderNo,
    now: i64,
) -> Result<OrderReply<OrderView>, ApiError> {
    let order = store::load_existing(kv, order_no).await?;
    match order.state {
        PayState::Cancelled => return Ok(OrderReply::ok(OrderView::from(&order))),
        PayState::Paid | PayState::Refunded => {
            return Err(ApiError::new(
                ResultCode::InvalidOrderState,
                format!("a {} order cannot be closed", order.state.name()),
            ));
        }
        PayState::Waiting => {}
    }
    let events = sync::close_at_providers(config, &order, CloseReason::Merchant, Source::MerchantClose, now).await?;
    let order = store::apply(kv, order_no, events, now, true).await?;
    if order.state != PayState::Cancelled {
        return Err(ApiError::new(
            ResultCode::InvalidOrderState,
            format!("the order is {} and was not closed", order.state.name()),
        ));
    }
    Ok(OrderReply::ok(OrderView::from(&order)))
}

/// `Refund`: a full refund through the provider that was paid.
pub async fn refund(
    config: &Config,
    kv: &KvStore,
    order_no: &OrderNo,
    now: i64,
) -> Result<OrderReply<OrderView>, ApiError> {
    let order = store::load_existing(kv, order_no).await?;
    let payment = match (order.state, &order.payment) {
        (PayState::Refunded, _) => return Ok(OrderReply::ok(OrderView::from(&order))),
        (PayState::Paid, Some(payment)) => payment.clone(),
        _ => {
            return Err(ApiError::new(
                ResultCode::InvalidOrderState,
                format!("a {} order cannot be refunded", order.state.name()),
            ));
        }
    };
    // (refund number, provider refund id, amount accepted) from the provider that was paid.
    let (refund_no, refund_id, amount) = match payment.provider {
        Provider::Wechat => {
            let wx = config.wechat()?;
            let req = wechat::request::refund(&wx, order_no, payment.amount, &nonce());
            let body = send(config, &req).await.map_err(|t| errors::transport("WeChat Pay", &t))?;
            let reply = wechat_reply::refund(&wx, order_no, &body).map_err(|e| errors::wechat(&e))?;
            (wechat::request::out_refund_no(order_no), Some(reply.refund_id), reply.refund_fee)
        }
        Provider::Alipay => {
            let ali = config.alipay()?;
            let batch_no = alipay_service::refund_batch_no(order_no, now);
            store::remember_batch(kv, &batch_no, order_no).await?;
            let notify_url = config.public_url("/notify/alipay")?;
            let refund = alipay_service::Refund {
                batch_no: &batch_no,
                trade_no: &payment.transaction_id,
                amount: payment.amount,
                notify_url: &notify_url,
                now,
            };
            let body = send(config, &alipay_service::refund_request(&ali, &refund))
                .await
                .map_err(|t| errors::transport("Alipay", &t))?;
            alipay_service::refund(&body).map_err(|e| errors::alipay(&e))?;
            (batch_no, None, payment.amount)
        }
    };
    let events = vec![Event::RefundRequested(Refund {
        provider: payment.provider,
        refund_no,
        refund_id,
        amount,
        status: RefundStatus::Requested,
        requested_at: now,
        settled_at: None,
    })];
    let mut order = store::apply(kv, order_no, events, now, false).await?;
    // WeChat settles refunds asynchronously: ask right away; if that fails, state polls
    // ask again. Alipay reports through its batch_refund_notify.
    if payment.provider == Provider::Wechat {
        match sync::wechat_refund_check(config, &order).await {
            Ok(events) => order = store::apply(kv, order_no, events, now, true).await?,
            Err(e) => sync::log_check_failure(&order, &e),
        }
    }
    Ok(OrderReply::ok(OrderView::from(&order)))
}

/// `QueryOrder`: the full stored record with its evidence.
pub async fn query_order(kv: &KvStore, order_no: &OrderNo) -> Result<OrderReply<Order>, ApiError> {
    Ok(OrderReply::ok(store::load_existing(kv, order_no).await?))
}
