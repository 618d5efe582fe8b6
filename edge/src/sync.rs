//! Asking the providers about an order: the query path that keeps orders right when a
//! notify is late or lost, the close path (merchant close and expiry), and refund checks.

use paycore::alipay::service::{self as alipay_service, ServiceError};
use paycore::alipay::{self, AlipayConfig};
use paycore::api::ApiError;
use paycore::order::{CloseReason, Event, Order, PayState, Provider, RefundStatus, Source};
use paycore::reconcile;
use paycore::wechat::reply::{self as wechat_reply, ReplyError};
use paycore::wechat::{self, ErrorCode, WechatConfig};
use worker::console_log;
use worker::kv::KvStore;

use crate::config::Config;
use crate::errors;
use crate::provider::{nonce, send};
use crate::store;

/// `orderquery`: events the reply proves (none while unpaid or unknown to WeChat).
pub async fn wechat_query(config: &Config, wx: &WechatConfig, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let req = wechat::request::order_query(wx, &order.order_no, &nonce());
    let body = send(config, &req).await.map_err(|t| errors::transport("WeChat Pay", &t))?;
    match wechat_reply::order_query(wx, &order.order_no, &body) {
        Ok(reply) => Ok(reconcile::wechat_query_events(&reply, now)),
        Err(ReplyError::Business { code: ErrorCode::OrderNotExist, .. }) => Ok(Vec::new()),
        Err(e) => Err(errors::wechat(&e)),
    }
}

/// `single_trade_query`: events the reply proves (none before the cashier was used).
pub async fn alipay_query(
    config: &Config,
    ali: &AlipayConfig,
    order: &Order,
    now: i64,
) -> Result<Vec<Event>, ApiError> {
    let req = alipay_service::trade_query_request(ali, &order.order_no);
    let body = send(config, &req).await.map_err(|t| errors::transport("Alipay", &t))?;
    match alipay_service::trade_query(&order.order_no, &body) {
        Ok(reply) => Ok(reconcile::alipay_query_events(&reply, order, now)),
        Err(ServiceError::Refused(alipay::ErrorCode::TradeNotExist)) => Ok(Vec::new()),
        Err(e) => Err(errors::alipay(&e)),
    }
}

/// Queries every wallet the order has started.
async fn query_all(config: &Config, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let mut events = Vec::new();
    if order.wechat.is_some() {
        events.extend(wechat_query(config, &config.wechat()?, order, now).await?);
    }
    if order.alipay.is_some() {
        events.extend(alipay_query(config, &config.alipay()?, order, now).await?);
    }
    Ok(events)
}

/// `refundquery` for a WeChat refund in progress.
pub async fn wechat_refund_check(config: &Config, order: &Order) -> Result<Vec<Event>, ApiError> {
    let wx = config.wechat()?;
    let req = wechat::request::refund_query(&wx, &order.order_no, &nonce());
    let body = send(config, &req).await.map_err(|t| errors::transport("WeChat Pay", &t))?;
    let records = match wechat_reply::refund_query(&wx, &order.order_no, &body) {
        Ok(records) => records,
        Err(ReplyError::Business { code: ErrorCode::RefundNotExist, .. }) => Vec::new(),
        Err(e) => return Err(errors::wechat(&e)),
    };
    Ok(reconcile::wechat_refund_events(records, order))
}

/// Asks the providers about an order when due (see [`reconcile::should_check`]) and
/// applies what they prove; cancels it once it expired unpaid. Provider faults are
/// logged and the stored order is returned: the state endpoint answers from the store
/// and the next poll tries again.
pub async fn refresh(config: &Config, kv: &KvStore, order: Order, now: i64) -> Result<Order, ApiError> {
    let refund_due = order.state == PayState::Paid
        && order.refund.as_ref().is_some_and(|r| r.status == RefundStatus::Requested && r.provider == Provider::Wechat)
        && order.last_checked_at.is_none_or(|t| now - t >= reconcile::CHECK_INTERVAL_SECS);
    let result = if refund_due {
        wechat_refund_check(config, &order).await
    } else if reconcile::is_expired_unpaid(&order, now) {
        close_at_providers(config, &order, CloseReason::Expired, Source::Expiry, now).await
    } else if reconcile::should_check(&order, now) {
        query_all(config, &order, now).await
    } else {
        return Ok(order);
    };
    match result {
        Ok(events) => store::apply(kv, &order.order_no, events, now, true).await,
        Err(e) => {
            log_check_failure(&order, &e);
            Ok(order)
        }
    }
}

/// Logs a provider check that failed (the order is left as it was).
pub fn log_check_failure(order: &Order, e: &ApiError) {
    console_log!(
        "{}",
        serde_json::json!({"event": "provider_check_failed", "order_no": order.order_no.as_str(), "code": e.code.code(), "msg": e.msg})
    );
}

/// Closes an order at every provider it started, and returns the events to apply: the
/// cancellation, or the payment a provider reports instead (a paid order is never closed).
pub async fn close_at_providers(
    config: &Config,
    order: &Order,
    reason: CloseReason,
    source: Source,
    now: i64,
) -> Result<Vec<Event>, ApiError> {
    let mut events = Vec::new();
    if order.wechat.is_some() {
        let wx = config.wechat()?;
        let req = wechat::request::close_order(&wx, &order.order_no, &nonce());
        let body = send(config, &req).await.map_err(|t| errors::transport("WeChat Pay", &t))?;
        match wechat_reply::close_order(&wx, &body) {
            Ok(()) | Err(ReplyError::Business { code: ErrorCode::OrderClosed | ErrorCode::OrderNotExist, .. }) => {}
            Err(ReplyError::Business { code: ErrorCode::OrderPaid, .. }) => {
                events.extend(wechat_query(config, &wx, order, now).await?)
            }
            Err(e) => return Err(errors::wechat(&e)),
        }
    }
    if order.alipay.is_some() {
        let ali = config.alipay()?;
        let req = alipay_service::close_trade_request(&ali, &order.order_no);
        let body = send(config, &req).await.map_err(|t| errors::transport("Alipay", &t))?;
        match alipay_service::close_trade(&body) {
            Ok(()) | Err(ServiceError::Refused(alipay::ErrorCode::TradeNotExist)) => {}
            Err(ServiceError::Refused(alipay::ErrorCode::TradeStatusNotAvaild)) => {
                events.extend(alipay_query(config, &ali, order, now).await?);
            }
            Err(e) => return Err(errors::alipay(&e)),
        }
    }
    if !events.iter().any(|e| matches!(e, Event::Paid(_))) {
        events.push(Order::close_event(reason, source, now));
    }
    Ok(events)
}
