//! WeChat Pay API v3 (Native) as a [`ProviderApi`]: every call signed by the merchant's
//! RSA key (the edge signs the message with WebCrypto), every reply verified with
//! WeChat's key of its `Wechatpay-Serial` before it is read (200, 204 and 4xx; 5xx is no
//! answer), notifies verified, then their resource opened with the APIv3 key.

use super::notify::{Envelope, Kind, Transaction};
use super::reply::{self, ErrorBody, Outcome as Status, RefundReply};
use super::request::{self as v3, V3Config};
use super::sign::{Authorization, SignedHeaders, check};
use super::{V3Error, evidence};
use crate::OrderNo;
use crate::facts::Notice;
use crate::http::HttpResponse;
use crate::order::{Channel, Order, Provider, Source};
use crate::provider::{
    BillAnswer, Buyer, Call, CallContext, CallError, Code, NotifyCheck, NotifyError, NotifyInput, NotifyReply, Opened,
    Outcome, Prepared, ProviderApi, Ready, RsaCheck, Sealed, refund_of,
};
use base64::Engine;

/// The largest notify body read.
pub const NOTIFY_MAX_BYTES: usize = 16 * 1024;

/// Where WeChat sends v3 payment and refund notifies.
pub const NOTIFY_PATH: &str = "/notify/wechat/v3";

const WX: Provider = Provider::Wechat;

fn bad(e: V3Error) -> CallError {
    CallError::bad_reply(WX, e)
}

fn refused(e: &ErrorBody) -> CallError {
    if e.is_retryable() {
        CallError::retry(WX, &e.code, &e.message)
    } else {
        CallError::refused(WX, &e.code, &e.message)
    }
}

fn signed(cfg: &V3Config, call: v3::Call, cx: &CallContext) -> Prepared {
    let message = call.message(cx.now, &cx.nonce).into_bytes();
    let (cfg, nonce, now) = (cfg.clone(), cx.nonce.clone(), cx.now);
    Prepared::signed(message, move |signature| {
        let authorization = Authorization::from_signature(&cfg.mchid, &cfg.serial_no, &nonce, now, signature).header();
        Ready::Send(call.into_request(&cfg, authorization))
    })
}

/// The v3 transaction kind of a channel, with what it needs of the buyer.
fn pay_kind(channel: Channel, buyer: &Buyer) -> Result<v3::PayKind<'_>, CallError> {
    let needs = |what: &str| CallError::NotConfigured(format!("a {what} is needed for this way of paying"));
    match channel {
        Channel::Qr => Ok(v3::PayKind::Native),
        Channel::Wap => {
            Ok(v3::PayKind::H5 { payer_client_ip: buyer.client_ip.as_deref().ok_or_else(|| needs("buyer IP"))? })
        }
        Channel::Jsapi => Ok(v3::PayKind::Jsapi { openid: buyer.openid.as_deref().ok_or_else(|| needs("payer"))? }),
        Channel::Cashier => Err(CallError::Unsupported("WeChat Pay has no cashier page".into())),
    }
}

/// JSAPI's page parameters: `signType` RSA, `paySign` the merchant key's SHA256withRSA
/// over `appId\ntimeStamp\nnonceStr\npackage\n`, base64.
fn jsapi_params(cfg: &V3Config, prepay_id: &str, cx: &CallContext) -> Prepared {
    let (app_id, time_stamp, nonce_str) = (cfg.appid.clone(), cx.now.to_string(), cx.nonce.clone());
    let package = format!("prepay_id={prepay_id}");
    let message = v3::jsapi_message(&app_id, &time_stamp, &nonce_str, &package).into_bytes();
    Prepared::signed(message, move |signature| {
        Ready::Done(Outcome::JsapiParams(crate::api::JsapiParams {
            app_id,
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".into(),
            pay_sign: base64::engine::general_purpose::STANDARD.encode(signature),
        }))
    })
}

impl ProviderApi for V3Config {
    fn provider(&self) -> Provider {
        WX
    }

    fn prepare(&self, call: &Call, order: &Order, cx: &CallContext) -> Result<Prepared, CallError> {
        let request = match call {
            Call::Create { channel, trade_no, buyer } => {
                let notify_url = cx.notify_url(NOTIFY_PATH, order, trade_no);
                let native = v3::NativeOrder {
                    trade_no,
                    description: &order.subject,
                    total: order.total_fee,
                    notify_url: &notify_url,
                    expires_at: order.expires_at,
                };
                let attach = (trade_no != order.order_no.as_str()).then_some(order.order_no.as_str());
                v3::create(self, &native, pay_kind(*channel, buyer)?, attach)
            }
            Call::JsapiParams { prepay_id } => return Ok(jsapi_params(self, prepay_id, cx)),
            Call::Bill { date } => super::bill::trade_bill(*date),
            Call::BillFile { url } => super::bill::download(&self.api_base, url).map_err(bad)?,
            Call::Query { trade_no } => v3::query(self, trade_no),
            Call::Close { trade_no } => v3::close(self, trade_no),
            Call::Refund { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                let notify_url = cx.notify_url(NOTIFY_PATH, order, &p.trade_no);
                v3::refund(&v3::Refund {
                    trade_no: &p.trade_no,
                    out_refund_no: &r.provider_refund_no,
                    total: p.amount,
                    refund: r.amount,
                    reason: &r.reason,
                    notify_url: &notify_url,
                })
            }
            Call::RefundQuery { refund_no } => v3::refund_query(&refund_of(order, refund_no)?.0.provider_refund_no),
        };
        Ok(signed(self, request, cx))
    }

    fn reply_check(&self, call: &Call, resp: &HttpResponse, now: i64) -> Result<Option<RsaCheck>, CallError> {
        if let Status::Unavailable(status) = reply::outcome(resp) {
            return Err(CallError::status(WX, status));
        }
        if matches!(call, Call::BillFile { .. }) {
            // WeChat does not sign the file: the tradebill answer's hash checks it.
            return Ok(None);
        }
        let headers = SignedHeaders::from_pairs(resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let todo = check(&headers, &resp.body, now).map_err(bad)?;
        Ok(Some(RsaCheck { serial: Some(todo.serial), message: todo.message, signature: todo.signature }))
    }

    fn outcome(&self, call: &Call, order: &Order, resp: &HttpResponse) -> Result<Outcome, CallError> {
        let answer = match reply::outcome(resp) {
            Status::Ok => Ok(resp.body.as_slice()),
            Status::Refused(e) => Err(e),
            Status::Unavailable(status) => return Err(CallError::status(WX, status)),
        };
        match (call, answer) {
            (Call::Create { channel, buyer, .. }, Ok(body)) => {
                let text = reply::created(body, pay_kind(*channel, buyer)?.name()).map_err(bad)?;
                let prepay_id = (*channel == Channel::Jsapi).then(|| text.clone());
                Ok(Outcome::Code(Code { text, prepay_id }))
            }
            (Call::JsapiParams { .. }, _) => {
                Err(CallError::Unsupported("JSAPI parameters are signed, not sent".into()))
            }
            (Call::Bill { .. }, Ok(body)) => Ok(Outcome::Bill(super::bill::located(body).map_err(bad)?)),
            (Call::Bill { .. }, Err(e)) if super::bill::absent(&e).is_some() => {
                Ok(Outcome::Bill(super::bill::absent(&e).unwrap_or(BillAnswer::NoBill)))
            }
            (Call::BillFile { .. }, Ok(body)) => Ok(Outcome::BillFile(body.to_vec())),
            (Call::Create { .. }, Err(e)) if e.is_order_paid() => Ok(Outcome::AlreadyPaid),
            (Call::Query { trade_no }, Ok(body)) => {
                let t = Transaction::parse(body).map_err(bad)?;
                Ok(Outcome::Trade(evidence::transaction(self, Some(trade_no), &t, Source::WechatQuery).map_err(bad)?))
            }
            (Call::Query { .. }, Err(e)) if e.is_not_found() => Ok(Outcome::NoTrade),
            (Call::Close { .. }, Ok(_)) => Ok(Outcome::Closed),
            (Call::Close { .. }, Err(e)) if e.is_not_found() || e.is_order_closed() => Ok(Outcome::Closed),
            (Call::Close { .. }, Err(e)) if e.is_order_paid() => Ok(Outcome::PaidNotClosed),
            (Call::Refund { refund_no }, Ok(body)) => {
                let (_, p) = refund_of(order, refund_no)?;
                let r = RefundReply::parse(body).map_err(bad)?;
                evidence::refund(Some(&p.trade_no), &r, Source::MerchantRefund).map_err(bad)?;
                Ok(Outcome::RefundAccepted { refund_id: Some(r.refund_id) })
            }
            (Call::RefundQuery { refund_no }, Ok(body)) => {
                let (_, p) = refund_of(order, refund_no)?;
                let r = RefundReply::parse(body).map_err(bad)?;
                Ok(Outcome::Refunds(vec![
                    evidence::refund(Some(&p.trade_no), &r, Source::WechatRefundQuery).map_err(bad)?,
                ]))
            }
            (Call::RefundQuery { .. }, Err(e)) if e.is_not_found() => Ok(Outcome::NoRefund),
            (_, Err(e)) => Err(refused(&e)),
        }
    }

    fn notify_check(&self, input: &NotifyInput, now: i64) -> Result<NotifyCheck, NotifyError> {
        let headers = SignedHeaders::from_pairs(input.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let todo = check(&headers, &input.body, now).map_err(|e| NotifyError::Signature(e.to_string()))?;
        // A malformed envelope is refused after its signature is checked (by `notice`).
        let sealed = Envelope::parse(&input.body).ok().and_then(|env| {
            let data = env.resource.sealed().ok()?;
            let r = env.resource;
            Some(Sealed { nonce: r.nonce.into_bytes(), aad: r.associated_data.into_bytes(), data })
        });
        Ok(NotifyCheck {
            rsa: Some(RsaCheck { serial: Some(todo.serial), message: todo.message, signature: todo.signature }),
            sealed,
            confirm: None,
        })
    }

    fn notice(&self, input: &NotifyInput, opened: &Opened) -> Result<(OrderNo, Notice), NotifyError> {
        let rejected = |e: V3Error| NotifyError::Rejected(e.to_string());
        let envelope = Envelope::parse(&input.body).map_err(rejected)?;
        envelope.resource.sealed().map_err(rejected)?;
        let kind = envelope.kind().map_err(rejected)?;
        let plain = opened.plaintext.as_deref().ok_or_else(|| rejected(V3Error::Decrypt))?;
        let (trade_no, notice) = match kind {
            Kind::Transaction => {
                let t = Transaction::parse(plain).map_err(rejected)?;
                let facts = evidence::transaction(self, None, &t, Source::WechatNotify).map_err(rejected)?;
                (facts.trade_no.clone(), Notice::Trade(facts))
            }
            Kind::Refund => {
                let (trade_no, facts) = evidence::refund_notify(self, plain).map_err(rejected)?;
                (trade_no, Notice::Refunds { refunds: vec![facts] })
            }
        };
        let order_no = match &input.order {
            Some(o) => o.clone(),
            None => OrderNo::parse(&trade_no).map_err(|_| rejected(V3Error::Malformed("out_trade_no".into())))?,
        };
        Ok((order_no, notice))
    }
}

/// The answer the provider expects to a notify: success when `failure` is `None`.
pub fn notify_reply(failure: Option<&NotifyError>) -> NotifyReply {
    match failure {
        None => NotifyReply { status: 204, content_type: "application/json", body: String::new() },
        Some(e) => NotifyReply {
            status: crate::provider::notify_status(e),
            content_type: "application/json",
            body: serde_json::json!({"code": "FAIL", "message": e.to_string()}).to_string(),
        },
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
