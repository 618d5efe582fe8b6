//! Alipay MAPI as a [`ProviderApi`]: the `create_direct_pay_by_user` cashier URL (MD5,
//! signed in full here), `single_trade_query`, `close_trade` and the no-password refund
//! (`refund_fastpay_by_platform_nopwd`); notifies verified by MD5 and then confirmed with
//! `notify_verify` at the gateway. MAPI cannot be asked about a refund: its result comes by
//! `batch_refund_notify`, and asking means asking about the trade (closed after payment:
//! refunded in full).

use super::notify::{self, Notify, NotifyVerdict};
use super::pay_url::{self, DirectPay};
use super::service::{self, ServiceError};
use super::{AlipayConfig, ErrorCode};
use crate::OrderNo;
use crate::facts::{Notice, RefundFacts, TradeFacts};
use crate::form::RawForm;
use crate::http::{HttpResponse, order_segment};
use crate::order::{Channel, Order, Provider, RefundResult, Source};
use crate::provider::{
    Call, CallContext, CallError, Code, NotifyCheck, NotifyError, NotifyInput, NotifyReply, Opened, Outcome, Prepared,
    ProviderApi, RsaCheck, refund_of,
};

/// The largest notify body read.
pub const NOTIFY_MAX_BYTES: usize = crate::form::RawForm::MAX_BYTES;

/// Where Alipay sends MAPI trade notifies.
pub const NOTIFY_PATH: &str = "/notify/alipay";
/// Where Alipay sends an order's refund notifies (the order number follows: MAPI allows no
/// query string in `notify_url`).
pub const REFUND_NOTIFY_PREFIX: &str = "/notify/alipay/refund/";
/// Where the buyer's browser comes back from the cashier.
pub const RETURN_PATH: &str = "/return/alipay";

const ALI: Provider = Provider::Alipay;

fn error(e: ServiceError) -> CallError {
    match e {
        ServiceError::Refused(ErrorCode::SystemError) => CallError::retry(ALI, "SYSTEM_ERROR", ""),
        ServiceError::Refused(code) => CallError::refused(ALI, code.as_str(), ""),
        other => CallError::bad_reply(ALI, other),
    }
}

fn refused(e: &ServiceError, code: ErrorCode) -> bool {
    matches!(e, ServiceError::Refused(c) if *c == code)
}

fn notify_error(e: notify::NotifyError) -> NotifyError {
    match e {
        notify::NotifyError::Sign(_) => NotifyError::Signature(e.to_string()),
        other => NotifyError::Rejected(other.to_string()),
    }
}

impl AlipayConfig {
    fn verified(&self, input: &NotifyInput) -> Result<Notify, NotifyError> {
        let form = RawForm::parse(&input.body).map_err(|e| NotifyError::Rejected(e.to_string()))?;
        notify::verify(self, &form).map_err(notify_error)
    }
}

impl ProviderApi for AlipayConfig {
    fn provider(&self) -> Provider {
        ALI
    }

    fn prepare(&self, call: &Call, order: &Order, cx: &CallContext) -> Result<Prepared, CallError> {
        Ok(match call {
            Call::Create { channel: channel @ (Channel::Cashier | Channel::Wap), trade_no, buyer } => {
                let notify_url = cx.url(NOTIFY_PATH);
                let return_url = buyer.return_url.clone().unwrap_or_else(|| cx.url(RETURN_PATH));
                let pay = DirectPay {
                    trade_no,
                    subject: &order.subject,
                    body: &order.body,
                    total_fee: order.total_fee,
                    notify_url: &notify_url,
                    return_url: &return_url,
                    it_b_pay_minutes: self.it_b_pay.then(|| pay_url::it_b_pay_minutes(order.expires_at, cx.now)),
                    wap_show_url: (*channel == Channel::Wap)
                        .then(|| buyer.page_url.as_deref().unwrap_or(&return_url))
                        .map(|u| u as &str),
                };
                Prepared::done(Outcome::Code(Code { text: pay_url::build(self, &pay), prepay_id: None }))
            }
            Call::Create { channel: Channel::Qr, .. } => {
                return Err(CallError::Unsupported(
                    "Alipay QR codes need ALIPAY_API=openapi (alipay.trade.precreate); MAPI has no QR code".into(),
                ));
            }
            Call::Create { channel: Channel::Jsapi, .. } | Call::JsapiParams { .. } => {
                return Err(CallError::Unsupported("JSAPI is WeChat's".into()));
            }
            Call::Bill { .. } | Call::BillFile { .. } => {
                return Err(CallError::Unsupported(
                    "MAPI has no bill API here: the day's orders are checked one by one".into(),
                ));
            }
            Call::Query { trade_no } => Prepared::request(service::trade_query_request(self, trade_no)),
            Call::Close { trade_no } => Prepared::request(service::close_trade_request(self, trade_no)),
            Call::Refund { refund_no } => {
                let (r, p) = refund_of(order, refund_no)?;
                let notify_url = cx.url(&format!("{REFUND_NOTIFY_PREFIX}{}", order_segment(&order.order_no)));
                let refund = service::Refund {
                    batch_no: &r.provider_refund_no,
                    trade_no: &p.transaction_id,
                    amount: r.amount,
                    reason: &r.reason,
                    notify_url: &notify_url,
                    now: cx.now,
                };
                Prepared::request(service::refund_request(self, &refund))
            }
            // No refund query in MAPI: the trade's state says whether it was refunded in full.
            Call::RefundQuery { refund_no } => {
                Prepared::request(service::trade_query_request(self, &refund_of(order, refund_no)?.1.trade_no))
            }
        })
    }

    fn reply_check(&self, _call: &Call, resp: &HttpResponse, _now: i64) -> Result<Option<RsaCheck>, CallError> {
        // The `<sign>` of a MAPI reply covers undocumented fields: not relied on; the reply
        // comes over TLS from the gateway and names its trade, which is checked.
        if resp.status != 200 {
            return Err(CallError::status(ALI, resp.status));
        }
        Ok(None)
    }

    fn outcome(&self, call: &Call, order: &Order, resp: &HttpResponse) -> Result<Outcome, CallError> {
        let body = &resp.body;
        let query = |trade_no: &str| match service::trade_query(trade_no, body) {
            Ok(r) => Ok(Outcome::Trade(TradeFacts {
                provider: ALI,
                trade_no: trade_no.to_owned(),
                transaction_id: Some(r.trade_no),
                state: r.trade_status.fact(),
                amount: Some(r.total_fee),
                payer_total: None,
                currency: None,
                paid_at: None,
                source: Source::AlipayQuery,
            })),
            Err(e) if refused(&e, ErrorCode::TradeNotExist) => Ok(Outcome::NoTrade),
            Err(e) => Err(error(e)),
        };
        match call {
            Call::Create { .. } | Call::JsapiParams { .. } | Call::Bill { .. } | Call::BillFile { .. } => {
                Err(CallError::Unsupported("MAPI answers no such request".into()))
            }
            Call::Query { trade_no } => query(trade_no),
            Call::RefundQuery { refund_no } => query(&refund_of(order, refund_no)?.1.trade_no),
            Call::Close { .. } => match service::close_trade(body) {
                Ok(()) => Ok(Outcome::Closed),
                Err(e) if refused(&e, ErrorCode::TradeNotExist) => Ok(Outcome::Closed),
                Err(e) if refused(&e, ErrorCode::TradeStatusNotAvaild) => Ok(Outcome::PaidNotClosed),
                Err(e) => Err(error(e)),
            },
            Call::Refund { .. } => match service::refund(body) {
                Ok(()) => Ok(Outcome::RefundAccepted { refund_id: None }),
                // The batch exists already: this same refund was taken before.
                Err(e) if refused(&e, ErrorCode::DuplicateBatchNo) => Ok(Outcome::RefundAccepted { refund_id: None }),
                Err(e) => Err(error(e)),
            },
        }
    }

    fn asks_after_refund(&self) -> bool {
        false
    }

    fn notify_check(&self, input: &NotifyInput, _now: i64) -> Result<NotifyCheck, NotifyError> {
        let notify_id = match self.verified(input)? {
            Notify::Trade(n) => n.notify_id,
            Notify::Refund(r) => r.notify_id,
        };
        Ok(NotifyCheck { confirm: Some(notify::notify_verify_request(self, &notify_id)), ..NotifyCheck::default() })
    }

    fn notice(&self, input: &NotifyInput, opened: &Opened) -> Result<(OrderNo, Notice), NotifyError> {
        let notify = self.verified(input)?;
        match opened.confirmation.as_deref().map(notify::parse_notify_verify) {
            Some(NotifyVerdict::Genuine) => {}
            Some(NotifyVerdict::Denied) => return Err(NotifyError::Rejected("notify_verify answered false".into())),
            Some(NotifyVerdict::Invalid) => return Err(NotifyError::Rejected("notify_verify answered invalid".into())),
            None => return Err(NotifyError::Ours("notify_verify unreachable".into())),
        }
        match (notify, &input.order) {
            (Notify::Trade(n), None) => {
                let order_no = OrderNo::parse(&n.out_trade_no).map_err(|e| NotifyError::Rejected(e.to_string()))?;
                let facts = TradeFacts {
                    provider: ALI,
                    trade_no: n.out_trade_no,
                    transaction_id: Some(n.trade_no),
                    state: n.trade_status.fact(),
                    amount: Some(n.total_fee),
                    payer_total: None,
                    currency: None,
                    paid_at: n.gmt_payment,
                    source: Source::AlipayNotify,
                };
                Ok((order_no, Notice::Trade(facts)))
            }
            (Notify::Refund(r), Some(order_no)) => {
                let refunds = r
                    .details
                    .into_iter()
                    .map(|d| RefundFacts {
                        provider: ALI,
                        provider_refund_no: r.batch_no.clone(),
                        refund_id: Some(r.batch_no.clone()),
                        result: match d.result.as_str() {
                            "SUCCESS" => RefundResult::Succeeded,
                            other => RefundResult::Failed(other.chars().take(64).collect()),
                        },
                        transaction_id: Some(d.trade_no),
                        amount: Some(d.amount),
                        source: Source::AlipayRefundNotify,
                    })
                    .collect();
                Ok((order_no.clone(), Notice::Refunds { refunds }))
            }
            _ => Err(NotifyError::Rejected("notify type does not match its URL".into())),
        }
    }
}

/// The answer the provider expects to a notify: success when `failure` is `None`.
pub fn notify_reply(failure: Option<&NotifyError>) -> NotifyReply {
    let (status, body) = match failure {
        None => (200, notify::REPLY_SUCCESS),
        Some(NotifyError::Ours(_)) => (500, notify::REPLY_FAIL),
        Some(_) => (400, notify::REPLY_FAIL),
    };
    NotifyReply { status, content_type: "text/plain; charset=utf-8", body: body.to_owned() }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
