//! Alipay MAPI: `single_trade_query`, `close_trade`, `refund_fastpay_by_platform_nopwd`.
//! MAPI has no refund query: refunds settle by `batch_refund_notify`, and a trade that
//! turns `TRADE_CLOSED` after payment (found by the query) was refunded in full.

use paycore::alipay::pay_url::{self, DirectPay};
use paycore::alipay::service::{self as alipay_service, ServiceError};
use paycore::alipay::{self, AlipayConfig};
use paycore::api::ApiError;
use paycore::order::{Event, Order, Refund};
use paycore::reconcile;

use crate::config::Config;
use crate::errors;
use crate::outbound::send;

async fn call(config: &Config, req: &paycore::http::HttpRequest) -> Result<Vec<u8>, ApiError> {
    send(config, req).await.map_err(|t| errors::transport("Alipay", &t))
}

/// The signed `create_direct_pay_by_user` cashier URL.
pub fn cashier_url(
    config: &Config,
    ali: &AlipayConfig,
    order: &Order,
    it_b_pay_minutes: Option<i64>,
) -> Result<String, ApiError> {
    let notify_url = config.public_url("/notify/alipay")?;
    let return_url = config.public_url("/return/alipay")?;
    Ok(pay_url::build(
        ali,
        &DirectPay {
            order_no: &order.order_no,
            subject: &order.subject,
            body: &order.body,
            total_fee: order.total_fee,
            notify_url: &notify_url,
            return_url: &return_url,
            it_b_pay_minutes,
        },
    ))
}

/// `single_trade_query`: the events the reply proves (none before the cashier was used).
pub async fn query(config: &Config, ali: &AlipayConfig, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let body = call(config, &alipay_service::trade_query_request(ali, &order.order_no)).await?;
    match alipay_service::trade_query(&order.order_no, &body) {
        Ok(reply) => Ok(reconcile::alipay_query_events(&reply, order, now)),
        Err(ServiceError::Refused(alipay::ErrorCode::TradeNotExist)) => Ok(Vec::new()),
        Err(e) => Err(errors::alipay(&e)),
    }
}

/// `close_trade`; when the trade can no longer be closed, what the query proves instead.
pub async fn close(config: &Config, ali: &AlipayConfig, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let body = call(config, &alipay_service::close_trade_request(ali, &order.order_no)).await?;
    match alipay_service::close_trade(&body) {
        Ok(()) | Err(ServiceError::Refused(alipay::ErrorCode::TradeNotExist)) => Ok(Vec::new()),
        Err(ServiceError::Refused(alipay::ErrorCode::TradeStatusNotAvaild)) => query(config, ali, order, now).await,
        Err(e) => Err(errors::alipay(&e)),
    }
}

/// `refund_fastpay_by_platform_nopwd` of (part of) the order's Alipay payment; the result
/// comes to `/notify/alipay/refund/<order_no>` as `batch_refund_notify`.
pub async fn refund(
    config: &Config,
    ali: &AlipayConfig,
    order: &Order,
    refund: &Refund,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let notify_url =
        config.public_url(&format!("/notify/alipay/refund/{}", paycore::http::order_segment(&order.order_no)))?;
    let req = alipay_service::Refund {
        batch_no: &refund.provider_refund_no,
        trade_no: &refund.transaction_id,
        amount: refund.amount,
        reason: &refund.reason,
        notify_url: &notify_url,
        now,
    };
    let body = call(config, &alipay_service::refund_request(ali, &req)).await?;
    alipay_service::refund(&body).map_err(|e| errors::alipay(&e))?;
    Ok(None)
}

/// The trade query: a trade closed after payment settles its refunds.
pub async fn refund_check(
    config: &Config,
    ali: &AlipayConfig,
    order: &Order,
    now: i64,
) -> Result<Vec<Event>, ApiError> {
    query(config, ali, order, now).await
}
