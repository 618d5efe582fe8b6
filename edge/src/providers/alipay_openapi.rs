//! Alipay OpenAPI (`alipay.trade.*`, RSA2): the cashier URL (`page.pay`), the QR code
//! (`precreate`), query, close, refund and refund query. Requests are built by
//! `paycore::alipay_openapi::request` and signed here with WebCrypto; every response is
//! verified over its exact raw text before it is read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use paycore::alipay_openapi::reply::{
    self as openapi, OpenApiError, TRADE_HAS_SUCCESS, TRADE_NOT_EXIST, TRADE_STATUS_ERROR,
};
use paycore::alipay_openapi::request::{self as req, Call, NewTrade, OpenApiConfig};
use paycore::alipay_openapi::{ToVerify, response_to_verify};
use paycore::api::{ApiError, ResultCode};
use paycore::keys::{PrivateKey, PublicKey};
use paycore::order::{Event, Order, Provider, Refund, Source};
use paycore::reconcile;

use super::Code;
use crate::config::Config;
use crate::outbound::send;
use crate::{errors, webcrypto};

/// An OpenAPI app's settings (from `ALIPAY_*`; see [`Config::alipay_openapi`]).
pub struct OpenApiSettings {
    /// Gateway and app id.
    pub cfg: OpenApiConfig,
    /// `ALIPAY_APP_PRIVATE_KEY`: signs requests.
    pub key: PrivateKey,
    /// `ALIPAY_PUBLIC_KEY`: verifies responses, notifies and returns.
    pub alipay_key: PublicKey,
}

impl OpenApiSettings {
    /// Whether Alipay's key signed what the core extracted.
    pub async fn verify(&self, todo: &ToVerify) -> bool {
        webcrypto::rsa_sha256_verify(&self.alipay_key, todo.content.as_bytes(), &todo.signature).await
    }

    /// The `sign` of a call.
    pub async fn sign(&self, call: &Call) -> Result<String, ApiError> {
        let signature = webcrypto::rsa_sha256_sign(&self.key, call.content().as_bytes())
            .await
            .map_err(|e| ApiError::new(ResultCode::NotConfigured, format!("ALIPAY_APP_PRIVATE_KEY: {e}")))?;
        Ok(STANDARD.encode(signature))
    }
}

fn bad_reply(e: &OpenApiError) -> ApiError {
    match e {
        OpenApiError::Refused { .. } => ApiError::new(ResultCode::ProviderRejected, format!("Alipay {e}")),
        OpenApiError::Unavailable(_) => ApiError::new(ResultCode::ProviderUnavailable, format!("Alipay {e}")),
        _ => ApiError::new(ResultCode::ProviderBadReply, format!("Alipay reply rejected: {e}")),
    }
}

/// Signs and sends `call`; the verified raw text of its `*_response`.
async fn call(config: &Config, s: &OpenApiSettings, call: Call) -> Result<String, ApiError> {
    let method = call.method;
    let sign = s.sign(&call).await?;
    let body = send(config, &call.into_request(&s.cfg, &sign)).await.map_err(|t| errors::transport("Alipay", &t))?;
    let raw = String::from_utf8(body).map_err(|_| bad_reply(&OpenApiError::Malformed("not UTF-8".into())))?;
    let todo = response_to_verify(&raw, method).map_err(|e| bad_reply(&e))?;
    if !s.verify(&todo).await {
        return Err(bad_reply(&OpenApiError::BadSignature));
    }
    Ok(todo.content)
}

fn new_trade<'a>(order: &'a Order, notify_url: &'a str) -> NewTrade<'a> {
    NewTrade {
        order_no: &order.order_no,
        subject: &order.subject,
        total: order.total_fee,
        notify_url,
        expires_at: order.expires_at,
    }
}

/// The signed `alipay.trade.page.pay` URL that opens the cashier.
pub async fn cashier_url(config: &Config, s: &OpenApiSettings, order: &Order, now: i64) -> Result<String, ApiError> {
    let notify_url = config.public_url("/notify/alipay/openapi")?;
    let return_url = config.public_url("/return/alipay")?;
    let call = req::page_pay(&s.cfg, &new_trade(order, &notify_url), &return_url, now);
    let sign = s.sign(&call).await?;
    Ok(call.into_url(&s.cfg, &sign))
}

/// `alipay.trade.precreate`: the QR code's text.
pub async fn create(config: &Config, s: &OpenApiSettings, order: &Order, now: i64) -> Result<Code, ApiError> {
    let notify_url = config.public_url("/notify/alipay/openapi")?;
    let content = call(config, s, req::precreate(&s.cfg, &new_trade(order, &notify_url), now)).await?;
    match openapi::precreate(&order.order_no, &content) {
        Ok(text) => Ok(Code::New { text, prepay_id: String::new() }),
        Err(e) if e.sub_code() == Some(TRADE_HAS_SUCCESS) => Ok(Code::AlreadyPaid),
        Err(e) => Err(bad_reply(&e)),
    }
}

/// `alipay.trade.query`: the events the verified reply proves.
pub async fn query(config: &Config, s: &OpenApiSettings, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let content = call(config, s, req::query(&s.cfg, &order.order_no, now)).await?;
    match openapi::trade_query(&order.order_no, &content) {
        Ok(trade) => Ok(reconcile::alipay_trade_events(&trade, order, Source::AlipayQuery, now)),
        Err(e) if e.sub_code() == Some(TRADE_NOT_EXIST) => Ok(Vec::new()),
        Err(e) => Err(bad_reply(&e)),
    }
}

/// `alipay.trade.close`; a trade that can no longer be closed: what the query proves.
pub async fn close(config: &Config, s: &OpenApiSettings, order: &Order, now: i64) -> Result<Vec<Event>, ApiError> {
    let content = call(config, s, req::close(&s.cfg, &order.order_no, now)).await?;
    match openapi::close(&content) {
        Ok(()) => Ok(Vec::new()),
        Err(e) if e.sub_code() == Some(TRADE_NOT_EXIST) => Ok(Vec::new()),
        Err(e) if e.sub_code() == Some(TRADE_STATUS_ERROR) => query(config, s, order, now).await,
        Err(e) => Err(bad_reply(&e)),
    }
}

/// `alipay.trade.refund` of (part of) the order's Alipay payment, by `out_request_no`.
pub async fn refund(
    config: &Config,
    s: &OpenApiSettings,
    order: &Order,
    refund: &Refund,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let r = req::Refund {
        order_no: &order.order_no,
        out_request_no: &refund.provider_refund_no,
        amount: refund.amount,
        reason: &refund.reason,
    };
    let content = call(config, s, req::refund(&s.cfg, &r, now)).await?;
    openapi::refund(&order.order_no, &content).map_err(|e| bad_reply(&e))?;
    Ok(Some(refund.provider_refund_no.clone()))
}

/// `alipay.trade.fastpay.refund.query` for each pending Alipay refund; then the trade
/// query (a trade closed after payment was refunded in full).
pub async fn refund_check(
    config: &Config,
    s: &OpenApiSettings,
    order: &Order,
    now: i64,
) -> Result<Vec<Event>, ApiError> {
    let mut events = Vec::new();
    for r in order.pending_refunds(Provider::Alipay) {
        let call_ = req::refund_query(&s.cfg, &order.order_no, &r.provider_refund_no, now);
        let content = call(config, s, call_).await?;
        if let Some(amount) = openapi::refund_query(&r.provider_refund_no, &content).map_err(|e| bad_reply(&e))? {
            events.extend(reconcile::alipay_refund_done(order, &r.provider_refund_no, amount));
        }
    }
    Ok(events)
}
