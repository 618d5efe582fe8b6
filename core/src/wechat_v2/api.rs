//! WeChat Pay API v2 as a [`ProviderApi`]: Native `unifiedorder`, `orderquery`,
//! `closeorder`, `secapi/pay/refund` and `refundquery` (each signed with the API key, so
//! nothing is left for the edge to sign), replies verified over every field and read into
//! outcomes; the payment notify read into trade facts.

use super::notify::{self, NotifyResult};
use super::reply::{self, ReplyError};
use super::request::TradeKind;
use super::{ErrorCode, RefundStatus, WechatConfig, request};
use crate::OrderNo;
use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::http::HttpResponse;
use crate::order::{Channel, Order, Provider, RefundResult, Source, TradeFact};
use crate::provider::{
    Buyer, Call, CallContext, CallError, Code, NotifyCheck, NotifyError, NotifyInput, NotifyReply, Opened, Outcome,
    Prepared, ProviderApi, RsaCheck, refund_of,
};

/// The largest notify body read.
pub const NOTIFY_MAX_BYTES: usize = crate::xml::MAX_BYTES;

/// Where WeChat sends v2 payment notifies.
pub const NOTIFY_PATH: &str = "/notify/wechat";

const WX: Provider = Provider::Wechat;

/// WeChat's error for a v2 reply that is not a usable answer.
fn error(e: ReplyError) -> CallError {
    match e {
        ReplyError::Business { code, description } if code.is_retryable() => {
            CallError::retry(WX, code.as_str(), &description)
        }
        ReplyError::Business { code, description } if code.as_str().is_empty() => {
            CallError::refused(WX, "FAIL", &format!("result_code FAIL without err_code {description}"))
        }
        ReplyError::Business { code, description } => CallError::refused(WX, code.as_str(), &description),
        ReplyError::Communication(msg) => CallError::refused(WX, "FAIL", &msg),
        other => CallError::bad_reply(WX, other),
    }
}

fn is_business(e: &ReplyError, codes: &[ErrorCode]) -> bool {
    matches!(e, ReplyError::Business { code, .. } if codes.contains(code))
}

/// The trade facts of a verified `orderquery` reply (or v3's transaction read as one).
pub(crate) fn trade_facts(trade_no: &str, r: &reply::OrderQueryReply, source: Source) -> TradeFacts {
    TradeFacts {
        provider: WX,
        trade_no: trade_no.to_owned(),
        transaction_id: r.transaction_id.clone(),
        state: r.trade_state.fact(),
        amount: r.total_fee,
        payer_total: r.cash_fee,
        currency: r.fee_type.clone(),
        paid_at: r.time_end.clone(),
        source,
    }
}

/// What a `refund_status` means: CHANGE is abnormal (the money left, the merchant finishes it).
pub(crate) fn refund_result(status: &RefundStatus) -> RefundResult {
    match status {
        RefundStatus::Success => RefundResult::Succeeded,
        RefundStatus::RefundClose => RefundResult::Failed(status.to_string()),
        RefundStatus::Change => RefundResult::Abnormal(status.to_string()),
        RefundStatus::Processing | RefundStatus::Unknown(_) => RefundResult::Processing,
    }
}

/// WeChat shows the shop's H5 name to the buyer: the subject, cut.
const WAP_NAME_CHARS: usize = 32;

impl WechatConfig {
    fn unified_order(
        &self,
        order: &Order,
        channel: Channel,
        trade_no: &str,
        buyer: &Buyer,
        cx: &CallContext,
    ) -> Result<Prepared, CallError> {
        let needs = |what: &str| CallError::NotConfigured(format!("a {what} is needed for this way of paying"));
        let wap_name: String = order.subject.chars().take(WAP_NAME_CHARS).collect();
        let (kind, ip) = match channel {
            Channel::Qr => (TradeKind::Native, self.spbill_create_ip.as_str()),
            Channel::Wap => {
                let page = buyer.page_url.as_deref().ok_or_else(|| needs("return page"))?;
                let ip = buyer.client_ip.as_deref().ok_or_else(|| needs("buyer IP"))?;
                (TradeKind::Mweb { wap_url: page, wap_name: &wap_name }, ip)
            }
            Channel::Jsapi => {
                let openid = buyer.openid.as_deref().ok_or_else(|| needs("payer"))?;
                (TradeKind::Jsapi { openid }, self.spbill_create_ip.as_str())
            }
            Channel::Cashier => return Err(CallError::Unsupported("WeChat Pay has no cashier page".into())),
        };
        let notify_url = cx.notify_url(NOTIFY_PATH, order, trade_no);
        let unified = request::UnifiedOrder {
            trade_no,
            body: &order.subject,
            total_fee: order.total_fee,
            notify_url: &notify_url,
            spbill_create_ip: ip,
            created_at: order.created_at,
            expires_at: order.expires_at,
            kind,
            attach: (trade_no != order.order_no.as_str()).then_some(order.order_no.as_str()),
        };
        Ok(Prepared::request(request::unified_order(self, &unified, &cx.nonce)))
    }
}

/// `unifiedorder`'s `trade_type` for a channel.
fn trade_type(channel: Channel) -> &'static str {
    match channel {
        Channel::Wap => "MWEB",
        Channel::Jsapi => "JSAPI",
        Channel::Qr | Channel::Cashier => "NATIVE",
    }
}

impl ProviderApi for WechatConfig {
    fn provider(&self) -> Provider {
        WX
    }

    fn prepare(&self, call: &Call, order: &Order, cx: &CallContext) -> Result<Prepared, CallError> {
        let nonce = &cx.nonce;
        Ok(match call {
            Call::Create { channel, trade_no, buyer } => self.unified_order(order, *channel, trade_no, buyer, cx)?,
            Call::JsapiParams { prepay_id } => {
                Prepared::done(Outcome::JsapiParams(request::jsapi_params(self, prepay_id, cx.now, nonce)))
            }
            Call::Bill { date } => Prepared::request(super::bill::download_bill(self, *date, nonce)),
            Call::BillFile { .. } => return Err(CallError::Unsupported("v2 answers the bill itself".into())),
            Call::Query { trade_no } => Prepared::request(request::order_query(self, trade_no, nonce)),
            Call::Close { trade_no } => Prepared::request(request::close_order(self, trade_no, nonce)),
            Call::Refund { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                let refund = request::Refund {
                    trade_no: &p.trade_no,
                    out_refund_no: &r.provider_refund_no,
                    total_fee: p.amount,
                    refund_fee: r.amount,
                    reason: &r.reason,
                };
                Prepared::request(request::refund(self, &refund, nonce))
            }
            Call::RefundQuery { refund_no } => {
                let (r, _) = refund_of(order, refund_no)?;
                Prepared::request(request::refund_query(self, &r.provider_refund_no, nonce))
            }
        })
    }

    fn reply_check(&self, _call: &Call, resp: &HttpResponse, _now: i64) -> Result<Option<RsaCheck>, CallError> {
        // v2 replies are signed with the API key: checked while they are read.
        if resp.status != 200 {
            return Err(CallError::status(WX, resp.status));
        }
        Ok(None)
    }

    fn outcome(&self, call: &Call, order: &Order, resp: &HttpResponse) -> Result<Outcome, CallError> {
        let body = &resp.body;
        match call {
            Call::JsapiParams { .. } | Call::BillFile { .. } => Err(CallError::Unsupported("not a v2 request".into())),
            Call::Bill { .. } => super::bill::read_download(body).map(Outcome::Bill).map_err(error),
            Call::Create { channel, .. } => match reply::unified_order(self, body, trade_type(*channel)) {
                Ok(r) => Ok(Outcome::Code(Code { text: r.code_url, prepay_id: Some(r.prepay_id) })),
                Err(e) if is_business(&e, &[ErrorCode::OrderPaid]) => Ok(Outcome::AlreadyPaid),
                Err(e) => Err(error(e)),
            },
            Call::Query { trade_no } => match reply::order_query(self, trade_no, body) {
                Ok(r) => Ok(Outcome::Trade(trade_facts(trade_no, &r, Source::WechatQuery))),
                Err(e) if is_business(&e, &[ErrorCode::OrderNotExist]) => Ok(Outcome::NoTrade),
                Err(e) => Err(error(e)),
            },
            Call::Close { .. } => match reply::close_order(self, body) {
                Ok(()) => Ok(Outcome::Closed),
                Err(e) if is_business(&e, &[ErrorCode::OrderClosed, ErrorCode::OrderNotExist]) => Ok(Outcome::Closed),
                Err(e) if is_business(&e, &[ErrorCode::OrderPaid]) => Ok(Outcome::PaidNotClosed),
                Err(e) => Err(error(e)),
            },
            Call::Refund { refund_no } => {
                let (_, p) = refund_of(order, refund_no)?;
                let r = reply::refund(self, &p.trade_no, body).map_err(error)?;
                Ok(Outcome::RefundAccepted { refund_id: Some(r.refund_id) })
            }
            Call::RefundQuery { refund_no } => {
                let (_, p) = refund_of(order, refund_no)?;
                match reply::refund_query(self, &p.trade_no, body) {
                    Ok(records) => Ok(Outcome::Refunds(
                        records
                            .into_iter()
                            .map(|r| RefundFacts {
                                provider: WX,
                                result: refund_result(&r.status),
                                provider_refund_no: r.out_refund_no,
                                refund_id: Some(r.refund_id),
                                transaction_id: None,
                                amount: None,
                                source: Source::WechatRefundQuery,
                            })
                            .collect(),
                    )),
                    Err(e) if is_business(&e, &[ErrorCode::RefundNotExist]) => Ok(Outcome::NoRefund),
                    Err(e) => Err(error(e)),
                }
            }
        }
    }

    fn notify_check(&self, input: &NotifyInput, _now: i64) -> Result<NotifyCheck, NotifyError> {
        notify::verify(self, &input.body).map_err(notify_error)?;
        Ok(NotifyCheck::default())
    }

    fn notice(&self, input: &NotifyInput, _opened: &Opened) -> Result<(OrderNo, Notice), NotifyError> {
        let (n, _) = notify::verify(self, &input.body).map_err(notify_error)?;
        let order_no = match &input.order {
            Some(o) => o.clone(),
            None => OrderNo::parse(&n.trade_no).map_err(|e| NotifyError::Rejected(e.to_string()))?,
        };
        let facts = TradeFacts {
            provider: WX,
            trade_no: n.trade_no,
            transaction_id: Some(n.transaction_id),
            state: if n.result == NotifyResult::Paid { TradeFact::Paid } else { TradeFact::Open },
            amount: Some(n.total_fee),
            payer_total: n.cash_fee,
            currency: n.fee_type,
            paid_at: n.time_end,
            source: Source::WechatNotify,
        };
        Ok((order_no, Notice::Trade(facts)))
    }
}

fn notify_error(e: notify::NotifyError) -> NotifyError {
    match e {
        notify::NotifyError::Sign(_) => NotifyError::Signature(e.to_string()),
        other => NotifyError::Rejected(other.to_string()),
    }
}

/// The answer the provider expects to a notify: success when `failure` is `None`.
pub fn notify_reply(failure: Option<&NotifyError>) -> NotifyReply {
    let (status, body) = match failure {
        None => (200, notify::reply_success()),
        Some(e @ NotifyError::Ours(_)) => (500, notify::reply_fail(&e.to_string())),
        Some(e) => (400, notify::reply_fail(&e.to_string())),
    };
    NotifyReply { status, content_type: "text/xml; charset=utf-8", body }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
