//! MAPI services called by the worker: `single_trade_query`, `close_trade` and
//! `refund_fastpay_by_platform_nopwd`, built as signed GET requests; their XML replies
//! (`<alipay><is_success>T|F</is_success>[<error>…</error>]…</alipay>`) parsed.
//!
//! The `<sign>` inside a query reply is not checked: which fields it covers is not
//! documented (protocols.md §1.4). The reply comes over TLS from the gateway, and its
//! `out_trade_no` and `total_fee` are checked against the order instead.

use super::{AlipayConfig, ErrorCode, TradeStatus};
use crate::form::encode_pairs;
use crate::http::HttpRequest;
use crate::sign::alipay_sign_fields;
use crate::time::beijing_datetime;
use crate::xml::{XmlError, parse_paths};
use crate::{AmountFen, Fields};

/// Why a service reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The reply is not acceptable XML.
    #[error("malformed reply: {0}")]
    Xml(#[from] XmlError),
    /// `is_success` was F, with Alipay's `<error>` code.
    #[error("Alipay error {0}")]
    Refused(ErrorCode),
    /// A field the reply must carry is absent or invalid.
    #[error("reply field `{0}` is missing or invalid")]
    Invalid(&'static str),
    /// The reply is about another order.
    #[error("reply is for another order")]
    WrongOrder,
}

fn signed_get(cfg: &AlipayConfig, mut f: Fields) -> HttpRequest {
    f.set("partner", cfg.partner.as_str()).set("_input_charset", "utf-8");
    let sign = alipay_sign_fields(&f, &cfg.key);
    let query = encode_pairs(f.iter().chain([("sign", sign.as_str()), ("sign_type", "MD5")]));
    HttpRequest::get(cfg.gateway_with_query(&query))
}

fn reply(body: &[u8]) -> Result<Fields, ServiceError> {
    let f = parse_paths(body, "alipay", 5)?;
    match f.get("is_success") {
        Some("T") => Ok(f),
        Some("F") => Err(ServiceError::Refused(ErrorCode::parse(f.get("error").unwrap_or("")))),
        _ => Err(ServiceError::Invalid("is_success")),
    }
}

/// `single_trade_query` by `out_trade_no`.
pub fn trade_query_request(cfg: &AlipayConfig, trade_no: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("service", "single_trade_query").set("out_trade_no", trade_no);
    signed_get(cfg, f)
}

/// The trade as `single_trade_query` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeQueryReply {
    /// `trade_no`.
    pub trade_no: String,
    /// `trade_status`.
    pub trade_status: TradeStatus,
    /// `total_fee` in fen.
    pub total_fee: AmountFen,
}

/// Reads a `single_trade_query` reply for the trade `out_trade_no`. `TRADE_NOT_EXIST`
/// comes back as `Refused(TradeNotExist)`: the buyer never opened the cashier.
pub fn trade_query(out_trade_no: &str, body: &[u8]) -> Result<TradeQueryReply, ServiceError> {
    let f = reply(body)?;
    let get = |name: &'static str| f.non_empty(&format!("response/trade/{name}")).ok_or(ServiceError::Invalid(name));
    if get("out_trade_no")? != out_trade_no {
        return Err(ServiceError::WrongOrder);
    }
    Ok(TradeQueryReply {
        trade_no: get("trade_no")?.to_owned(),
        trade_status: TradeStatus::parse(get("trade_status")?),
        total_fee: AmountFen::parse_yuan(get("total_fee")?).map_err(|_| ServiceError::Invalid("total_fee"))?,
    })
}

/// `close_trade` by our order number (`out_order_no`).
pub fn close_trade_request(cfg: &AlipayConfig, trade_no: &str) -> HttpRequest {
    let mut f = Fields::new();
    f.set("service", "close_trade").set("out_order_no", trade_no);
    signed_get(cfg, f)
}

/// Reads a `close_trade` reply.
pub fn close_trade(body: &[u8]) -> Result<(), ServiceError> {
    reply(body).map(|_| ())
}

/// What one refund needs.
#[derive(Debug, Clone)]
pub struct Refund<'a> {
    /// From [`crate::policy::provider_refund_no`]: today's Beijing date and a serial.
    pub batch_no: &'a str,
    /// Alipay's `trade_no` of the payment.
    pub trade_no: &'a str,
    /// The amount to refund (all or part of the payment).
    pub amount: AmountFen,
    /// The reason (without `^ | $ #`, which `detail_data` uses as separators).
    pub reason: &'a str,
    /// The worker's `/notify/alipay`, where the `batch_refund_notify` arrives.
    pub notify_url: &'a str,
    /// Now, Unix seconds (`refund_date`).
    pub now: i64,
}

/// `refund_fastpay_by_platform_nopwd`: one refund, `detail_data = trade_no^amount^reason`
/// (an empty reason is sent as `merchant refund`).
pub fn refund_request(cfg: &AlipayConfig, refund: &Refund<'_>) -> HttpRequest {
    let mut f = Fields::new();
    f.set("service", "refund_fastpay_by_platform_nopwd")
        .set("notify_url", refund.notify_url)
        .set("batch_no", refund.batch_no)
        .set("refund_date", beijing_datetime(refund.now))
        .set("batch_num", "1")
        .set("detail_data", {
            let reason: String = refund.reason.chars().filter(|c| !matches!(c, '^' | '|' | '$' | '#')).collect();
            let reason = if reason.is_empty() { "merchant refund".to_owned() } else { reason };
            format!("{}^{}^{reason}", refund.trade_no, refund.amount.to_yuan())
        });
    signed_get(cfg, f)
}

/// Reads a refund reply: `T` means accepted; the result arrives as `batch_refund_notify`.
pub fn refund(body: &[u8]) -> Result<(), ServiceError> {
    reply(body).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay_mapi::test_support::config;
    use crate::form::RawForm;
    use crate::sign::alipay_verify;

    fn query_of(req: &HttpRequest) -> RawForm {
        RawForm::parse(req.url.split_once('?').unwrap().1.as_bytes()).unwrap()
    }

    #[test]
    fn requests_are_signed() {
        let cfg = config();
        let no = "order_0001";
        for req in [
            trade_query_request(&cfg, no),
            close_trade_request(&cfg, no),
            refund_request(
                &cfg,
                &Refund {
                    batch_no: "20241125abc",
                    trade_no: "2024",
                    amount: AmountFen::new(1990).unwrap(),
                    reason: "",
                    notify_url: "https://w/notify/alipay",
                    now: 1_732_500_000,
                },
            ),
        ] {
            let q = query_of(&req);
            assert_eq!(alipay_verify(q.pairs(), &cfg.key), Ok(()), "{}", req.url);
            assert_eq!(q.text("partner").unwrap(), Some("2088811198755564"));
        }
        let r = query_of(&refund_request(
            &cfg,
            &Refund {
                batch_no: "b",
                trade_no: "2024",
                amount: AmountFen::new(990).unwrap(),
                reason: "尺码不合适",
                notify_url: "n",
                now: 1_732_500_000,
            },
        ));
        assert_eq!(r.text("detail_data").unwrap(), Some("2024^9.90^尺码不合适"));
        assert_eq!(r.text("refund_date").unwrap(), Some("2024-11-25 10:00:00"));
    }

    #[test]
    fn query_replies() {
        let no = "order_0001";
        let ok = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><alipay><is_success>T</is_success><request><param name=\"_input_charset\">utf-8</param><param name=\"service\">single_trade_query</param><param name=\"partner\">2088101568338364</param><param name=\"out_trade_no\">order_0001</param></request><response><trade><out_trade_no>order_0001</out_trade_no><trade_no>2024112522001</trade_no><trade_status>TRADE_SUCCESS</trade_status><total_fee>19.90</total_fee></trade></response><sign>x</sign><sign_type>MD5</sign_type></alipay>";
        let r = trade_query(no, ok).unwrap();
        assert_eq!((r.trade_status, r.total_fee.fen()), (TradeStatus::TradeSuccess, 1990));
        let missing = b"<alipay><is_success>F</is_success><error>TRADE_NOT_EXIST</error></alipay>";
        assert_eq!(trade_query(no, missing), Err(ServiceError::Refused(ErrorCode::TradeNotExist)));
        assert!(matches!(trade_query(no, b"<alipay><is_success>T"), Err(ServiceError::Xml(_))));
        assert_eq!(trade_query("other_01", ok), Err(ServiceError::WrongOrder));
        assert_eq!(
            close_trade(b"<alipay><is_success>F</is_success><error>TRADE_STATUS_NOT_AVAILD</error></alipay>"),
            Err(ServiceError::Refused(ErrorCode::TradeStatusNotAvaild))
        );
        assert_eq!(refund(b"<alipay><is_success>T</is_success></alipay>"), Ok(()));
        assert_eq!(refund(b"<alipay><is_success>X</is_success></alipay>"), Err(ServiceError::Invalid("is_success")));
    }
}
