//! WeChat Pay API v2: `orderquery`, `closeorder`, `secapi/pay/refund`, `refundquery`.

use paycore::api::ApiError;
use paycore::order::{Event, Order, Refund};
use paycore::reconcile;
use paycore::wechat::reply::{self as wechat_reply, ReplyError};
use paycore::wechat::{self, ErrorCode, WechatConfig};

use super::Code;
use crate::config::Config;
use crate::errors;
use crate::outbound::{nonce, send};

async fn call(config: &Config, req: &paycore::http::HttpRequest) -> Result<Vec<u8>, ApiError> {
    send(config, req).await.map_err(|t| errors::transport("WeChat Pay", &t))
}

/// `unifiedorder` (Native): the order's `code_url`, or ORDERPAID.
pub async fn create(config: &Config, wx: &WechatConfig, order: &Order) -> Result<Code, ApiError> {
    let notify_url = config.public_url("/notify/wechat")?;
    let spbill_create_ip = config.spbill_create_ip();
    let unified = wechat::request::UnifiedOrder {
        order_no: &order.order_no,
        body: &order.subject,
        total_fee: order.total_fee,
        notify_url: &notify_url,
        spbill_create_ip: &spbill_create_ip,
        created_at: order.created_at,
        expires_at: order.expires_at,
    };
    let body = call(config, &wechat::request::unified_order(wx, &unified, &nonce())).await?;
    match wechat_reply::unified_order(wx, &body) {
        Ok(reply) => Ok(Code::New { text: reply.code_url, prepay_id: reply.prepay_id }),
        Err(ReplyError::Business { code: ErrorCode::OrderPaid, .. }) => Ok(Code::AlreadyPaid),
        Err(e) => Err(errors::wechat(&e)),
    }
}

/// `orderquery`: the events the reply proves (none while unpaid or unknown to WeChat).
pub async fn query(config: &Config, wx: &WechatConfig, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let body = call(config, &wechat::request::order_query(wx, &order.order_no, &nonce())).await?;
    match wechat_reply::order_query(wx, &order.order_no, &body) {
        Ok(reply) => Ok(reconcile::wechat_query_events(&reply, now)),
        Err(ReplyError::Business { code: ErrorCode::OrderNotExist, .. }) => Ok(Vec::new()),
        Err(e) => Err(errors::wechat(&e)),
    }
}

/// `closeorder`; when WeChat answers ORDERPAID, the payment `orderquery` proves instead.
pub async fn close(config: &Config, wx: &WechatConfig, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let body = call(config, &wechat::request::close_order(wx, &order.order_no, &nonce())).await?;
    match wechat_reply::close_order(wx, &body) {
        Ok(()) | Err(ReplyError::Business { code: ErrorCode::OrderClosed | ErrorCode::OrderNotExist, .. }) => {
            Ok(Vec::new())
        }
        Err(ReplyError::Business { code: ErrorCode::OrderPaid, .. }) => query(config, wx, order, now).await,
        Err(e) => Err(errors::wechat(&e)),
    }
}

/// `secapi/pay/refund` of (part of) the order's WeChat payment.
pub async fn refund(
    config: &Config,
    wx: &WechatConfig,
    order: &Order,
    refund: &Refund,
) -> Result<Option<String>, ApiError> {
    let payment =
        order.find_payment(&refund.transaction_id).ok_or_else(|| errors::internal("refund of an unknown payment"))?;
    let req = wechat::request::Refund {
        order_no: &order.order_no,
        out_refund_no: &refund.provider_refund_no,
        total_fee: payment.amount,
        refund_fee: refund.amount,
        reason: &refund.reason,
    };
    let body = call(config, &wechat::request::refund(wx, &req, &nonce())).await?;
    let reply = wechat_reply::refund(wx, &order.order_no, &body).map_err(|e| errors::wechat(&e))?;
    // WeChat accepted the refund: it is recorded whatever the reply says, so no accepted
    // refund goes unrecorded; an amount that differs is logged for the merchant, and
    // refundquery settles it.
    if reply.refund_fee != refund.amount {
        worker::console_log!(
            "{}",
            serde_json::json!({"event": "refund_amount_differs", "order_no": order.order_no.as_str(), "refund_no": refund.refund_no, "requested": refund.amount.fen(), "accepted": reply.refund_fee.fen()})
        );
    }
    Ok(Some(reply.refund_id))
}

/// `refundquery`: settles the order's WeChat refunds that WeChat reports done or failed.
pub async fn refund_check(config: &Config, wx: &WechatConfig, order: &Order) -> Result<Vec<Event>, ApiError> {
    let body = call(config, &wechat::request::refund_query(wx, &order.order_no, &nonce())).await?;
    let records = match wechat_reply::refund_query(wx, &order.order_no, &body) {
        Ok(records) => records,
        Err(ReplyError::Business { code: ErrorCode::RefundNotExist, .. }) => Vec::new(),
        Err(e) => return Err(errors::wechat(&e)),
    };
    Ok(reconcile::wechat_refund_events(records, order))
}
