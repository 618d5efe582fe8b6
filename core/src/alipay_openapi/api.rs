//! Alipay OpenAPI as a [`ProviderApi`]: `page.pay` (the cashier URL) and `precreate` (the
//! QR code), `query`, `close`, `refund` (partial, by `out_request_no`) and
//! `fastpay.refund.query`. Every call is signed by the app's RSA2 key (the edge signs
//! with WebCrypto), every response verified over the exact raw text of its
//! `*_response` before it is read; notifies and the sync return are verified by their
//! RSA2 signature, which is the proof (OpenAPI has no `notify_verify`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::reply::{
    self as openapi, BILL_NOT_EXIST, OpenApiError, TRADE_HAS_SUCCESS, TRADE_NOT_EXIST, TRADE_STATUS_ERROR,
};
use super::request::{self as req, NewTrade, OpenApiConfig};
use super::{notify_to_verify, signed_response};
use crate::OrderNo;
use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::form::RawForm;
use crate::http::HttpResponse;
use crate::order::{Channel, Order, Provider, RefundResult, Source};
use crate::provider::{
    BillAnswer, Call, CallContext, CallError, Code, NotifyCheck, NotifyError, NotifyInput, NotifyReply, Opened,
    Outcome, Packing, Prepared, ProviderApi, Ready, RsaCheck, refund_of,
};

/// The largest notify body read.
pub const NOTIFY_MAX_BYTES: usize = crate::form::RawForm::MAX_BYTES;

/// Where Alipay sends OpenAPI trade notifies.
pub const NOTIFY_PATH: &str = "/notify/alipay/openapi";

const ALI: Provider = Provider::Alipay;

/// Alipay's "system error, call again with the same parameters" (`ACQ.SYSTEM_ERROR`, its
/// `aop.` form, and `isp.*` service faults): the call may have been carried out.
fn is_retry(sub_code: &str) -> bool {
    sub_code.trim_start_matches("aop.") == "ACQ.SYSTEM_ERROR" || sub_code.starts_with("isp.")
}

fn error(e: OpenApiError) -> CallError {
    match e {
        OpenApiError::Refused { sub_code, sub_msg, .. } if is_retry(&sub_code) => {
            CallError::retry(ALI, &sub_code, &sub_msg)
        }
        OpenApiError::Refused { code, sub_code, sub_msg } => {
            CallError::refused(ALI, if sub_code.is_empty() { &code } else { &sub_code }, &sub_msg)
        }
        OpenApiError::Unavailable(code) => CallError::retry(ALI, &code, "service unavailable"),
        other => CallError::bad_reply(ALI, other),
    }
}

fn method(call: &Call) -> &'static str {
    match call {
        Call::Create { .. } => "alipay.trade.precreate",
        Call::Query { .. } => "alipay.trade.query",
        Call::Close { .. } => "alipay.trade.close",
        Call::Refund { .. } => "alipay.trade.refund",
        Call::RefundQuery { .. } => "alipay.trade.fastpay.refund.query",
        Call::Bill { .. } => "alipay.data.dataservice.bill.downloadurl.query",
        Call::JsapiParams { .. } | Call::BillFile { .. } => "",
    }
}

/// The trade facts of a verified query reply or notify.
fn facts(trade_no: &str, t: openapi::Trade, source: Source) -> TradeFacts {
    TradeFacts {
        provider: ALI,
        trade_no: trade_no.to_owned(),
        state: t.trade_status.fact(),
        transaction_id: Some(t.trade_no).filter(|n| !n.is_empty()),
        amount: Some(t.total),
        payer_total: t.payer_total,
        currency: None,
        paid_at: t.paid_at,
        source,
    }
}

impl ProviderApi for OpenApiConfig {
    fn provider(&self) -> Provider {
        ALI
    }

    fn prepare(&self, call: &Call, order: &Order, cx: &CallContext) -> Result<Prepared, CallError> {
        let notify_url = cx.url(NOTIFY_PATH);
        let now = cx.now;
        let api_call = match call {
            Call::Create { channel, trade_no, buyer } => {
                let trade = NewTrade {
                    trade_no,
                    subject: &order.subject,
                    total: order.total_fee,
                    notify_url: &notify_url,
                    expires_at: order.expires_at,
                };
                if matches!(channel, Channel::Cashier | Channel::Wap) {
                    // The buyer's redirect: a signed URL, nothing sent from here.
                    let return_url =
                        buyer.return_url.clone().unwrap_or_else(|| cx.url(crate::alipay_mapi::RETURN_PATH));
                    let page = match channel {
                        Channel::Wap => {
                            let quit_url = buyer.page_url.as_deref().unwrap_or(&return_url);
                            req::wap_pay(self, &trade, &return_url, quit_url, now)
                        }
                        _ => req::page_pay(self, &trade, &return_url, now),
                    };
                    let cfg = self.clone();
                    return Ok(Prepared::signed(page.content().into_bytes(), move |signature| {
                        let url = page.into_url(&cfg, &STANDARD.encode(signature));
                        Ready::Done(Outcome::Code(Code { text: url, prepay_id: None }))
                    }));
                }
                if *channel == Channel::Jsapi {
                    return Err(CallError::Unsupported("JSAPI is WeChat's".into()));
                }
                req::precreate(self, &trade, now)
            }
            Call::JsapiParams { .. } => return Err(CallError::Unsupported("JSAPI is WeChat's".into())),
            Call::Bill { date } => req::bill_url(self, *date, now),
            // Alipay's download URL is signed already: a plain GET.
            Call::BillFile { url } => return Ok(Prepared::request(crate::http::HttpRequest::get(url.clone()))),
            Call::Query { trade_no } => req::query(self, trade_no, now),
            Call::Close { trade_no } => req::close(self, trade_no, now),
            Call::Refund { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                let refund = req::Refund {
                    trade_no: &p.trade_no,
                    out_request_no: &r.provider_refund_no,
                    amount: r.amount,
                    reason: &r.reason,
                };
                req::refund(self, &refund, now)
            }
            Call::RefundQuery { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                req::refund_query(self, &p.trade_no, &r.provider_refund_no, now)
            }
        };
        let cfg = self.clone();
        Ok(Prepared::signed(api_call.content().into_bytes(), move |signature| {
            Ready::Send(api_call.into_request(&cfg, &STANDARD.encode(signature)))
        }))
    }

    fn reply_check(&self, call: &Call, resp: &HttpResponse, _now: i64) -> Result<Option<RsaCheck>, CallError> {
        if resp.status != 200 {
            return Err(CallError::status(ALI, resp.status));
        }
        if let Call::BillFile { .. } = call {
            // The file is not signed: its URL was (it came in a verified answer).
            return Ok(None);
        }
        let raw = std::str::from_utf8(&resp.body).map_err(|_| CallError::bad_reply(ALI, "not UTF-8"))?;
        let todo = super::response_to_verify(raw, method(call)).map_err(|e| CallError::bad_reply(ALI, e))?;
        Ok(Some(RsaCheck { serial: None, message: todo.content.into_bytes(), signature: todo.signature }))
    }

    fn outcome(&self, call: &Call, order: &Order, resp: &HttpResponse) -> Result<Outcome, CallError> {
        if let Call::BillFile { .. } = call {
            return Ok(Outcome::BillFile(resp.body.clone()));
        }
        let raw = std::str::from_utf8(&resp.body).map_err(|_| CallError::bad_reply(ALI, "not UTF-8"))?;
        let (content, _) =
            signed_response(raw, method(call)).ok_or_else(|| CallError::bad_reply(ALI, "no signed response"))?;
        let sub_code = |e: &OpenApiError, code: &str| e.sub_code() == Some(code);
        match call {
            Call::JsapiParams { .. } | Call::BillFile { .. } => Err(CallError::Unsupported("not a request".into())),
            Call::Bill { .. } => match openapi::bill_url(content) {
                Ok(url) => Ok(Outcome::Bill(BillAnswer::Download { url, packing: Packing::Zip, sha1: None })),
                Err(e) if sub_code(&e, BILL_NOT_EXIST) => Ok(Outcome::Bill(BillAnswer::NoBill)),
                Err(e) => Err(error(e)),
            },
            Call::Create { trade_no, .. } => match openapi::precreate(trade_no, content) {
                Ok(text) => Ok(Outcome::Code(Code { text, prepay_id: None })),
                Err(e) if sub_code(&e, TRADE_HAS_SUCCESS) => Ok(Outcome::AlreadyPaid),
                Err(e) => Err(error(e)),
            },
            Call::Query { trade_no } => match openapi::trade_query(trade_no, content) {
                Ok(t) => Ok(Outcome::Trade(facts(trade_no, t, Source::AlipayQuery))),
                Err(e) if sub_code(&e, TRADE_NOT_EXIST) => Ok(Outcome::NoTrade),
                Err(e) => Err(error(e)),
            },
            Call::Close { .. } => match openapi::close(content) {
                Ok(()) => Ok(Outcome::Closed),
                Err(e) if sub_code(&e, TRADE_NOT_EXIST) => Ok(Outcome::Closed),
                Err(e) if sub_code(&e, TRADE_STATUS_ERROR) => Ok(Outcome::PaidNotClosed),
                Err(e) => Err(error(e)),
            },
            Call::Refund { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                openapi::refund(&p.trade_no, content).map_err(error)?;
                Ok(Outcome::RefundAccepted { refund_id: Some(r.provider_refund_no.clone()) })
            }
            Call::RefundQuery { refund_no } => {
                let (r, _) = refund_of(order, refund_no)?;
                match openapi::refund_query(&r.provider_refund_no, content).map_err(error)? {
                    Some(amount) => Ok(Outcome::Refunds(vec![RefundFacts {
                        provider: ALI,
                        provider_refund_no: r.provider_refund_no.clone(),
                        refund_id: Some(r.provider_refund_no.clone()),
                        result: RefundResult::Succeeded,
                        transaction_id: None,
                        amount: Some(amount),
                        source: Source::AlipayRefundQuery,
                    }])),
                    None => Ok(Outcome::NoRefund),
                }
            }
        }
    }

    fn notify_check(&self, input: &NotifyInput, _now: i64) -> Result<NotifyCheck, NotifyError> {
        let form = RawForm::parse(&input.body).map_err(|e| NotifyError::Rejected(e.to_string()))?;
        let todo = notify_to_verify(&form).map_err(|e| NotifyError::Signature(e.to_string()))?;
        let rsa = RsaCheck { serial: None, message: todo.content.into_bytes(), signature: todo.signature };
        Ok(NotifyCheck { rsa: Some(rsa), ..NotifyCheck::default() })
    }

    fn notice(&self, input: &NotifyInput, _opened: &Opened) -> Result<(OrderNo, Notice), NotifyError> {
        let form = RawForm::parse(&input.body).map_err(|e| NotifyError::Rejected(e.to_string()))?;
        let n = openapi::notify(&self.app_id, &form).map_err(|e| NotifyError::Rejected(e.to_string()))?;
        let order_no = match &input.order {
            Some(o) => o.clone(),
            None => OrderNo::parse(&n.out_trade_no).map_err(|e| NotifyError::Rejected(e.to_string()))?,
        };
        Ok((order_no, Notice::Trade(facts(&n.out_trade_no, n.trade, Source::AlipayNotify))))
    }
}

/// The answer the provider expects to a notify: success when `failure` is `None`.
pub fn notify_reply(failure: Option<&NotifyError>) -> NotifyReply {
    let (status, body) = match failure {
        None => (200, crate::alipay_mapi::notify::REPLY_SUCCESS),
        Some(NotifyError::Ours(_)) => (500, crate::alipay_mapi::notify::REPLY_FAIL),
        Some(_) => (400, crate::alipay_mapi::notify::REPLY_FAIL),
    };
    NotifyReply { status, content_type: "text/plain; charset=utf-8", body: body.to_owned() }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
