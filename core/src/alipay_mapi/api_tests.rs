//! Alipay MAPI through [`ProviderApi`]: the MD5-signed cashier URL and service requests as
//! data (the stored `batch_no`), and each service reply read into its outcome or error.

use super::*;
use crate::alipay_mapi::test_support::config;
use crate::form::encode_pairs;
use crate::http::{HttpRequest, Method};
use crate::order::{Change, Payment, Refund, RefundStatus, Session, TradeFact};
use crate::provider::{Buyer, Ready};
use crate::sign::{alipay_sign_fields, alipay_verify};
use crate::{AmountFen, Fields};

#[path = "api_notify_tests.rs"]
mod notify_tests;

const GATEWAY: &str = "https://mapi.alipay.com/gateway.do";
const NO: &str = "order_0001";
const TX: &str = "2024112522001400001234567890";
const BATCH: &str = "202411250123456789abcdef";
const NOW: i64 = 1_732_500_000; // 2024-11-25 10:00:00 Beijing

fn cx() -> CallContext {
    CallContext { now: NOW, nonce: "unused".into(), public_base: "https://pay.example.com/".into() }
}

fn order_of(no: &str) -> Order {
    Order::new(OrderNo::parse(no).unwrap(), AmountFen::new(1990).unwrap(), "T恤".into(), String::new(), NOW, NOW + 1800)
}

/// A paid order of `no` with the refund `r1` (990 of its 1990 fen) stored `status`.
fn refunding_of(no: &str, status: RefundStatus) -> Order {
    let mut o = order_of(no);
    o.apply(Change::SessionStarted(Session::new(ALI, Channel::Cashier, no, NOW)), NOW).unwrap();
    let paid = Payment {
        provider: ALI,
        transaction_id: TX.into(),
        trade_no: no.into(),
        amount: AmountFen::new(1990).unwrap(),
        payer_total: None,
        paid_at: None,
        source: Source::AlipayNotify,
        recorded_at: NOW + 60,
        late: false,
    };
    o.apply(Change::Paid(paid), NOW + 60).unwrap();
    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider: ALI,
        transaction_id: TX.into(),
        amount: AmountFen::new(990).unwrap(),
        reason: "尺码#不合适".into(),
        provider_refund_no: BATCH.into(),
        attempts: 1,
        refund_id: None,
        status,
        requested_at: NOW + 120,
        settled_at: None,
        overdue: false,
    });
    o
}

fn refunding(status: RefundStatus) -> Order {
    refunding_of(NO, status)
}

fn cashier(return_url: Option<&str>) -> Call {
    Call::Create {
        channel: Channel::Cashier,
        trade_no: NO.into(),
        buyer: Buyer { return_url: return_url.map(str::to_owned), ..Buyer::default() },
    }
}
fn query() -> Call {
    Call::Query { trade_no: NO.into() }
}
fn close() -> Call {
    Call::Close { trade_no: NO.into() }
}
fn refund() -> Call {
    Call::Refund { refund_no: "r1".into() }
}
fn refund_query() -> Call {
    Call::RefundQuery { refund_no: "r1".into() }
}

/// The exact URL of `fields` signed with the test key: sorted pairs, `sign`, `sign_type`.
fn signed_url(fields: &[(&str, &str)]) -> String {
    let f: Fields = fields.iter().copied().collect();
    let sign = alipay_sign_fields(&f, &config().key);
    let query = encode_pairs(f.iter().chain([("sign", sign.as_str()), ("sign_type", "MD5")]));
    let url = format!("{GATEWAY}?{query}");
    let form = RawForm::parse(url.split_once('?').unwrap().1.as_bytes()).unwrap();
    assert_eq!(alipay_verify(form.pairs(), &config().key), Ok(()), "verifies as Alipay checks it");
    url
}

/// MD5 requests are signed already: a GET to send.
fn request(call: &Call, order: &Order, cx: &CallContext) -> HttpRequest {
    let prepared = config().prepare(call, order, cx).unwrap();
    assert_eq!(prepared.to_sign, None);
    let Ready::Send(req) = prepared.finish(None) else { panic!("not a request") };
    assert_eq!((req.method, req.content_type, req.body.len()), (Method::Get, None, 0));
    assert!(!req.needs_client_cert && req.headers.is_empty());
    req
}

/// The cashier URL a Create comes to, with nothing to send.
fn cashier_url(call: &Call, cfg: &AlipayConfig) -> String {
    let prepared = cfg.prepare(call, &order_of(NO), &cx()).unwrap();
    assert_eq!(prepared.to_sign, None, "MD5: signed in full here");
    match prepared.finish(None) {
        Ready::Done(Outcome::Code(Code { text, prepay_id: None })) => text,
        _ => panic!("not a cashier URL"),
    }
}

const CASHIER: &[(&str, &str)] = &[
    ("service", "create_direct_pay_by_user"),
    ("partner", "2088811198755564"),
    ("_input_charset", "utf-8"),
    ("payment_type", "1"),
    ("notify_url", "https://pay.example.com/notify/alipay"),
    ("seller_email", "souvenir@chinarun.com"),
    ("out_trade_no", NO),
    ("subject", "T恤"),
    ("total_fee", "19.90"),
];

#[test]
fn the_cashier_is_a_signed_url_with_nothing_to_send() {
    fn with_return(url: &str) -> Vec<(&str, &str)> {
        let mut v = CASHIER.to_vec();
        v.push(("return_url", url));
        v
    }
    assert_eq!(
        cashier_url(&cashier(None), &config()),
        signed_url(&with_return("https://pay.example.com/return/alipay"))
    );
    let signed_return = "https://pay.example.com/return/alipay?o=order_0001&t=abc";
    assert_eq!(cashier_url(&cashier(Some(signed_return)), &config()), signed_url(&with_return(signed_return)));
    // With it_b_pay on, Alipay stops taking money at the order's expiry (whole minutes left).
    let timed = AlipayConfig { it_b_pay: true, ..config() };
    let mut fields = with_return("https://pay.example.com/return/alipay");
    fields.push(("it_b_pay", "30m"));
    assert_eq!(cashier_url(&cashier(None), &timed), signed_url(&fields));
    let qr = Call::Create { channel: Channel::Qr, trade_no: NO.into(), buyer: Buyer::default() };
    assert!(matches!(config().prepare(&qr, &order_of(NO), &cx()), Err(CallError::Unsupported(_))));
}

#[test]
fn query_and_close_are_signed_gets() {
    let common = [("partner", "2088811198755564"), ("_input_charset", "utf-8")];
    let o = refunding(RefundStatus::Requested);
    let q = request(&query(), &o, &cx());
    assert_eq!(q.url, signed_url(&[common[0], common[1], ("service", "single_trade_query"), ("out_trade_no", NO)]));
    let c = request(&close(), &o, &cx());
    assert_eq!(c.url, signed_url(&[common[0], common[1], ("service", "close_trade"), ("out_order_no", NO)]));
    // MAPI has no refund query: the trade is asked about instead.
    assert_eq!(request(&refund_query(), &o, &cx()).url, q.url);
}

#[test]
fn refund_sends_the_stored_batch_no_and_a_retry_sends_it_again() {
    let fields = |date: &str, notify: &str| {
        signed_url(&[
            ("partner", "2088811198755564"),
            ("_input_charset", "utf-8"),
            ("service", "refund_fastpay_by_platform_nopwd"),
            ("notify_url", notify),
            ("batch_no", BATCH),
            ("refund_date", date),
            ("batch_num", "1"),
            // Alipay's transaction, the amount in yuan, the reason without separators.
            ("detail_data", &format!("{TX}^9.90^尺码不合适")),
        ])
    };
    let notify = "https://pay.example.com/notify/alipay/refund/order_0001";
    let first = request(&refund(), &refunding(RefundStatus::Sending), &cx());
    assert_eq!(first.url, fields("2024-11-25 10:00:00", notify));
    let next_day = CallContext { now: NOW + 86_400, ..cx() };
    let again = request(&refund(), &refunding(RefundStatus::Unknown("timeout".into())), &next_day);
    assert_eq!(again.url, fields("2024-11-26 10:00:00", notify), "the same batch_no, a new refund_date");
    // The order's number is one path segment of the refund notify URL.
    let piped = request(&refund(), &refunding_of("shop|0001", RefundStatus::Sending), &cx());
    assert_eq!(piped.url, fields("2024-11-25 10:00:00", "https://pay.example.com/notify/alipay/refund/shop%7C0001"));
    let unknown = Call::Refund { refund_no: "r9".into() };
    assert!(matches!(config().prepare(&unknown, &order_of(NO), &cx()), Err(CallError::NotConfigured(_))));
}

// ---- replies ----

fn resp(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() }
}

fn outcome(call: &Call, body: &str) -> Result<Outcome, CallError> {
    let r = resp(body);
    assert_eq!(config().reply_check(call, &r, NOW), Ok(None), "the reply's <sign> is not relied on");
    config().outcome(call, &refunding(RefundStatus::Requested), &r)
}

fn trade(status: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><alipay><is_success>T</is_success><request><param name=\"_input_charset\">utf-8</param><param name=\"service\">single_trade_query</param><param name=\"partner\">2088811198755564</param><param name=\"out_trade_no\">order_0001</param></request><response><trade><out_trade_no>order_0001</out_trade_no><trade_no>{TX}</trade_no><trade_status>{status}</trade_status><total_fee>19.90</total_fee><gmt_payment>2024-11-25 10:05:00</gmt_payment></trade></response><sign>0f1e2d3c4b5a69788796a5b4c3d2e1f0</sign><sign_type>MD5</sign_type></alipay>"
    )
}

fn error(code: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><alipay><is_success>F</is_success><error>{code}</error></alipay>"
    )
}

const DONE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><alipay><is_success>T</is_success></alipay>";

fn refused(code: &str) -> CallError {
    CallError::Refused { provider: "Alipay", code: code.into(), message: String::new() }
}

fn facts(state: TradeFact) -> TradeFacts {
    TradeFacts {
        provider: ALI,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: None,
        currency: None,
        paid_at: None,
        source: Source::AlipayQuery,
    }
}

#[test]
fn only_http_200_is_an_answer() {
    for status in [500, 502, 504, 403] {
        let r = HttpResponse { status, ..resp(DONE) };
        assert_eq!(
            config().reply_check(&query(), &r, NOW),
            Err(CallError::Unavailable(format!("Alipay answered HTTP {status}")))
        );
    }
    assert!(matches!(outcome(&cashier(None), DONE), Err(CallError::Unsupported(_))));
    assert!(!config().asks_after_refund(), "MAPI refunds settle by notify");
}

#[test]
fn query_reads_the_trade() {
    assert_eq!(outcome(&query(), &trade("TRADE_SUCCESS")), Ok(Outcome::Trade(facts(TradeFact::Paid))));
    assert_eq!(outcome(&query(), &trade("TRADE_FINISHED")), Ok(Outcome::Trade(facts(TradeFact::Paid))));
    assert_eq!(outcome(&query(), &trade("WAIT_BUYER_PAY")), Ok(Outcome::Trade(facts(TradeFact::Open))));
    assert_eq!(outcome(&query(), &trade("TRADE_CLOSED")), Ok(Outcome::Trade(facts(TradeFact::Closed))));
    assert_eq!(outcome(&query(), &error("TRADE_NOT_EXIST")), Ok(Outcome::NoTrade));
    assert_eq!(
        outcome(&query(), &error("SYSTEM_ERROR")),
        Err(CallError::Retry { provider: "Alipay", code: "SYSTEM_ERROR".into(), message: String::new() })
    );
    assert_eq!(outcome(&query(), &error("ILLEGAL_PARTNER")), Err(refused("ILLEGAL_PARTNER")));
    assert_eq!(outcome(&query(), &error("SOME_NEW_CODE")), Err(refused("SOME_NEW_CODE")));
    for bad in [
        trade("TRADE_SUCCESS")
            .replace("<out_trade_no>order_0001</out_trade_no>", "<out_trade_no>order_0002</out_trade_no>"),
        trade("TRADE_SUCCESS").replace("19.90", "19.9x"),
        trade("TRADE_SUCCESS").replace(&format!("<trade_no>{TX}</trade_no>"), ""),
        "<alipay><is_success>T".into(),
        "<alipay><is_success>maybe</is_success></alipay>".into(),
        "<html>502</html>".into(),
    ] {
        let got = outcome(&query(), &bad);
        assert!(
            matches!(got, Err(CallError::BadReply(ref m)) if m.starts_with("Alipay reply rejected")),
            "{bad}: {got:?}"
        );
    }
}

#[test]
fn close_is_closed_unless_paid() {
    assert_eq!(outcome(&close(), DONE), Ok(Outcome::Closed));
    assert_eq!(outcome(&close(), &error("TRADE_NOT_EXIST")), Ok(Outcome::Closed));
    assert_eq!(outcome(&close(), &error("TRADE_STATUS_NOT_AVAILD")), Ok(Outcome::PaidNotClosed));
    assert_eq!(outcome(&close(), &error("ILLEGAL_SIGN")), Err(refused("ILLEGAL_SIGN")));
}

#[test]
fn refund_is_accepted_also_when_its_batch_exists() {
    assert_eq!(outcome(&refund(), DONE), Ok(Outcome::RefundAccepted { refund_id: None }));
    // The batch_no is this attempt's own: Alipay holds it already, so the refund was taken.
    assert_eq!(outcome(&refund(), &error("DUPLICATE_BATCH_NO")), Ok(Outcome::RefundAccepted { refund_id: None }));
    assert_eq!(outcome(&refund(), &error("REFUND_AMOUNT_NOT_VALID")), Err(refused("REFUND_AMOUNT_NOT_VALID")));
    assert_eq!(
        outcome(&refund(), &error("SYSTEM_ERROR")),
        Err(CallError::Retry { provider: "Alipay", code: "SYSTEM_ERROR".into(), message: String::new() })
    );
    assert!(matches!(outcome(&refund(), "<alipay><is_success>T"), Err(CallError::BadReply(_))));
}

#[test]
fn refund_query_is_the_trade_query_and_a_closed_paid_trade_is_refunded_in_full() {
    let closed = outcome(&refund_query(), &trade("TRADE_CLOSED")).unwrap();
    assert_eq!(closed, Outcome::Trade(facts(TradeFact::Closed)));
    let Outcome::Trade(f) = closed else { unreachable!() };
    assert_eq!(
        crate::reconcile::trade_changes(&refunding(RefundStatus::Requested), &f, NOW),
        vec![Change::PaymentRefunded { transaction_id: TX.into(), source: Source::AlipayQuery }]
    );
    assert_eq!(outcome(&refund_query(), &error("TRADE_NOT_EXIST")), Ok(Outcome::NoTrade));
    let unknown = Call::RefundQuery { refund_no: "r9".into() };
    assert!(matches!(
        config().outcome(&unknown, &refunding(RefundStatus::Requested), &resp(&trade("TRADE_CLOSED"))),
        Err(CallError::NotConfigured(_))
    ));
}
