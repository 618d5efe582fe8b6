//! WeChat Pay v2 through [`ProviderApi`]: each call's request as data (signed XML, the
//! stored refund number), and each reply kind read into its outcome or error.

use super::*;
use crate::AmountFen;
use crate::order::{Change, Payment, Refund, RefundStatus, Session};
use crate::provider::{Buyer, Ready};
use crate::sign::WechatSignType::HmacSha256;
use crate::sign::{SecretKey, wechat_sign, wechat_verify};
use crate::wechat_v2::test_support::{KEY, config, signed_body};
use crate::xml::parse_wechat;
use crate::{Fields, http::HttpRequest, http::Method};

#[path = "api_notify_tests.rs"]
mod notify_tests;
#[path = "api_refund_tests.rs"]
mod refund_tests;

const NO: &str = "order_0001";
const TX: &str = "4200002401202411250000000001";
const RNO: &str = "R0123456789abcdef1";
const NOW: i64 = 1_732_500_000; // 2024-11-25 10:00:00 Beijing

fn cx() -> CallContext {
    CallContext {
        now: NOW,
        nonce: "5K8264ILTKCH16CQ2502SI8ZNMTM67VS".into(),
        public_base: "https://pay.example.com/".into(),
    }
}

fn order() -> Order {
    Order::new(OrderNo::parse(NO).unwrap(), AmountFen::new(1990).unwrap(), "T恤".into(), String::new(), NOW, NOW + 1800)
}

/// A paid order with the refund `r1` (990 of its 1990 fen) stored `status`.
fn refunding(status: RefundStatus) -> Order {
    let mut o = order();
    o.apply(Change::SessionStarted(Session::new(WX, Channel::Qr, NO, NOW)), NOW).unwrap();
    let paid = Payment {
        provider: WX,
        transaction_id: TX.into(),
        trade_no: NO.into(),
        amount: AmountFen::new(1990).unwrap(),
        payer_total: None,
        paid_at: None,
        source: Source::WechatNotify,
        recorded_at: NOW + 60,
        late: false,
    };
    o.apply(Change::Paid(paid), NOW + 60).unwrap();
    o.refunds.push(Refund {
        refund_no: "r1".into(),
        provider: WX,
        transaction_id: TX.into(),
        amount: AmountFen::new(990).unwrap(),
        reason: "尺码不合适".into(),
        provider_refund_no: RNO.into(),
        attempts: 1,
        refund_id: None,
        status,
        requested_at: NOW + 120,
        settled_at: None,
        overdue: false,
    });
    o
}

fn create() -> Call {
    Call::Create { channel: Channel::Qr, trade_no: NO.into(), buyer: Buyer::default() }
}
fn query() -> Call {
    Call::Query { trade_no: NO.into() }
}
fn refund() -> Call {
    Call::Refund { refund_no: "r1".into() }
}
fn refund_query() -> Call {
    Call::RefundQuery { refund_no: "r1".into() }
}

/// The request a call comes to (v2 signs with the API key: nothing is left to sign).
fn request(call: &Call, order: &Order, cx: &CallContext) -> HttpRequest {
    let prepared = config().prepare(call, order, cx).unwrap();
    assert_eq!(prepared.to_sign, None, "v2 requests are signed with the API key already");
    match prepared.finish(None) {
        Ready::Send(req) => req,
        _ => panic!("not a request"),
    }
}

/// The request's XML fields, after checking that its `sign` is the HMAC-SHA256 of the rest.
fn signed_fields(req: &HttpRequest, path: &str) -> Fields {
    assert_eq!(
        (req.method, req.url.as_str()),
        (Method::Post, format!("https://api.mch.weixin.qq.com/{path}").as_str())
    );
    assert_eq!(req.content_type, Some("text/xml; charset=utf-8"));
    let mut f = parse_wechat(&req.body).unwrap();
    assert_eq!(wechat_verify(&f, &SecretKey::new(KEY), HmacSha256), Ok(HmacSha256));
    let sign = f.remove("sign").unwrap();
    assert_eq!(sign, wechat_sign(&f, &SecretKey::new(KEY), HmacSha256));
    f
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    let mut f: Fields = [
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("sign_type", "HMAC-SHA256"),
    ]
    .into_iter()
    .collect();
    for (k, v) in pairs {
        f.set(*k, *v);
    }
    f
}

#[test]
fn create_is_a_signed_native_unifiedorder_and_wechat_has_no_cashier() {
    let req = request(&create(), &order(), &cx());
    assert!(!req.needs_client_cert);
    let expected = fields(&[
        ("body", "T恤"),
        ("out_trade_no", NO),
        ("fee_type", "CNY"),
        ("total_fee", "1990"),
        ("spbill_create_ip", "127.0.0.1"),
        ("time_start", "20241125100000"),
        ("time_expire", "20241125103000"),
        ("notify_url", "https://pay.example.com/notify/wechat"),
        ("trade_type", "NATIVE"),
        ("product_id", NO),
    ]);
    assert_eq!(signed_fields(&req, "pay/unifiedorder"), expected);
    let cashier = Call::Create { channel: Channel::Cashier, trade_no: NO.into(), buyer: Buyer::default() };
    assert!(matches!(config().prepare(&cashier, &order(), &cx()), Err(CallError::Unsupported(_))));
}

#[test]
fn query_and_close_name_the_trade_and_refund_query_the_refund() {
    let o = refunding(RefundStatus::Requested);
    for (call, path, named) in [
        (query(), "pay/orderquery", ("out_trade_no", NO)),
        (Call::Close { trade_no: NO.into() }, "pay/closeorder", ("out_trade_no", NO)),
        // By its own number: a query by trade lists at most 10 of up to 50 refunds.
        (refund_query(), "pay/refundquery", ("out_refund_no", RNO)),
    ] {
        let req = request(&call, &o, &cx());
        assert!(!req.needs_client_cert, "{path}");
        assert_eq!(signed_fields(&req, path), fields(&[named]), "{path}");
    }
}

#[test]
fn refund_sends_the_stored_number_and_a_retry_sends_it_again() {
    let first = request(&refund(), &refunding(RefundStatus::Sending), &cx());
    assert!(first.needs_client_cert, "secapi needs the merchant certificate");
    let expected = fields(&[
        ("out_trade_no", NO),
        ("out_refund_no", RNO),
        ("total_fee", "1990"),
        ("refund_fee", "990"),
        ("refund_fee_type", "CNY"),
        ("refund_desc", "尺码不合适"),
    ]);
    assert_eq!(signed_fields(&first, "secapi/pay/refund"), expected);
    // The call timed out: sent again later, under a new nonce, with the same out_refund_no.
    let later = CallContext { now: NOW + 600, nonce: "ZZ".into(), ..cx() };
    let again = request(&refund(), &refunding(RefundStatus::Unknown("timeout".into())), &later);
    let mut expected_again = expected;
    expected_again.set("nonce_str", "ZZ");
    assert_eq!(signed_fields(&again, "secapi/pay/refund"), expected_again);
    // A refund the order does not hold cannot be sent.
    let unknown = Call::Refund { refund_no: "r9".into() };
    assert!(matches!(
        config().prepare(&unknown, &refunding(RefundStatus::Sending), &cx()),
        Err(CallError::NotConfigured(_))
    ));
}

// ---- replies ----

fn resp(body: String) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.into_bytes() }
}

/// A SUCCESS reply WeChat signed, with `extra` fields.
fn ok(extra: &[(&str, &str)]) -> HttpResponse {
    let mut all = vec![("return_code", "SUCCESS"), ("return_msg", "OK"), ("result_code", "SUCCESS")];
    all.extend_from_slice(extra);
    resp(signed_body(&all, KEY, HmacSha256))
}

/// A signed business failure.
fn fail(code: &str, description: &str) -> HttpResponse {
    let all = [("return_code", "SUCCESS"), ("result_code", "FAIL"), ("err_code", code), ("err_code_des", description)];
    resp(signed_body(&all, KEY, HmacSha256))
}

fn outcome(call: &Call, body: &HttpResponse) -> Result<Outcome, CallError> {
    config().outcome(call, &refunding(RefundStatus::Requested), body)
}

fn retry(code: &str, message: &str) -> CallError {
    CallError::Retry { provider: "WeChat Pay", code: code.into(), message: message.into() }
}

fn refused(code: &str, message: &str) -> CallError {
    CallError::Refused { provider: "WeChat Pay", code: code.into(), message: message.into() }
}

#[test]
fn replies_are_checked_by_key_so_only_the_status_is_left_to_the_edge() {
    let cfg = config();
    assert_eq!(cfg.reply_check(&create(), &ok(&[]), NOW), Ok(None));
    for status in [500, 502, 503, 404] {
        let r = HttpResponse { status, ..ok(&[]) };
        assert_eq!(
            cfg.reply_check(&query(), &r, NOW),
            Err(CallError::Unavailable(format!("WeChat Pay answered HTTP {status}")))
        );
    }
}

#[test]
fn create_reads_the_code_and_already_paid() {
    let code = ok(&[
        ("trade_type", "NATIVE"),
        ("prepay_id", "wx201410272009395522657a690389285100"),
        ("code_url", "weixin://wxpay/bizpayurl?pr=QXuSXeo"),
    ]);
    assert_eq!(
        outcome(&create(), &code),
        Ok(Outcome::Code(Code {
            text: "weixin://wxpay/bizpayurl?pr=QXuSXeo".into(),
            prepay_id: Some("wx201410272009395522657a690389285100".into())
        }))
    );
    assert_eq!(outcome(&create(), &fail("ORDERPAID", "该订单已支付")), Ok(Outcome::AlreadyPaid));
    assert_eq!(outcome(&create(), &fail("SYSTEMERROR", "系统超时")), Err(retry("SYSTEMERROR", "系统超时")));
    assert_eq!(
        outcome(&create(), &fail("OUT_TRADE_NO_USED", "商户订单号重复")),
        Err(refused("OUT_TRADE_NO_USED", "商户订单号重复"))
    );
    assert_eq!(
        outcome(&create(), &fail("", "无错误码")),
        Err(refused("FAIL", "result_code FAIL without err_code 无错误码"))
    );
    let not_weixin = ok(&[("prepay_id", "p"), ("code_url", "https://evil.example/pay")]);
    assert!(matches!(outcome(&create(), &not_weixin), Err(CallError::BadReply(_))));
}

#[test]
fn unverified_foreign_or_malformed_replies_are_never_outcomes() {
    let fields = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("prepay_id", "p"),
        ("code_url", "weixin://wxpay/bizpayurl?pr=x"),
    ];
    let forged = resp(signed_body(&fields, "ffffffffffffffffffffffffffffffff", HmacSha256));
    let tampered = resp(signed_body(&fields, KEY, HmacSha256).replace("pr=x", "pr=attacker"));
    let unsigned = resp("<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><prepay_id>p</prepay_id><code_url>weixin://x</code_url></xml>".into());
    let mut foreign = fields.to_vec();
    foreign.push(("mch_id", "10000999"));
    let foreign = resp(signed_body(&foreign, KEY, HmacSha256));
    for (what, r) in [
        ("forged", forged),
        ("tampered", tampered),
        ("unsigned", unsigned),
        ("foreign", foreign),
        ("truncated", resp("<xml><return_code>SUCC".into())),
        ("not xml", resp("<html>502 Bad Gateway</html>".into())),
    ] {
        let got = outcome(&create(), &r);
        assert!(
            matches!(got, Err(CallError::BadReply(ref m)) if m.starts_with("WeChat Pay reply rejected")),
            "{what}: {got:?}"
        );
    }
    // A forged "already paid" is no outcome either.
    let forged_paid = resp(signed_body(
        &[("return_code", "SUCCESS"), ("result_code", "FAIL"), ("err_code", "ORDERPAID")],
        "ffffffffffffffffffffffffffffffff",
        HmacSha256,
    ));
    assert!(matches!(outcome(&create(), &forged_paid), Err(CallError::BadReply(_))));
    // return_code FAIL carries no signature: only its message is read, as a refusal.
    let comm = resp(
        "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[签名错误]]></return_msg></xml>".into(),
    );
    assert_eq!(outcome(&query(), &comm), Err(refused("FAIL", "签名错误")));
}

#[test]
fn query_reads_the_trade_facts() {
    let paid = ok(&[
        ("out_trade_no", NO),
        ("trade_state", "SUCCESS"),
        ("transaction_id", TX),
        ("total_fee", "1990"),
        ("cash_fee", "1890"),
        ("fee_type", "CNY"),
        ("time_end", "20241125100500"),
    ]);
    let facts = TradeFacts {
        provider: WX,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: Some(AmountFen::new(1890).unwrap()),
        currency: Some("CNY".into()),
        paid_at: Some("20241125100500".into()),
        source: Source::WechatQuery,
    };
    assert_eq!(outcome(&query(), &paid), Ok(Outcome::Trade(facts.clone())));
    let unpaid = ok(&[("out_trade_no", NO), ("trade_state", "NOTPAY")]);
    let open = TradeFacts {
        transaction_id: None,
        state: TradeFact::Open,
        amount: None,
        payer_total: None,
        currency: None,
        paid_at: None,
        ..facts.clone()
    };
    assert_eq!(outcome(&query(), &unpaid), Ok(Outcome::Trade(open.clone())));
    let closed = ok(&[("out_trade_no", NO), ("trade_state", "CLOSED")]);
    assert_eq!(outcome(&query(), &closed), Ok(Outcome::Trade(TradeFacts { state: TradeFact::Closed, ..open })));
    let refunded =
        ok(&[("out_trade_no", NO), ("trade_state", "REFUND"), ("transaction_id", TX), ("total_fee", "1990")]);
    assert!(matches!(outcome(&query(), &refunded), Ok(Outcome::Trade(TradeFacts { state: TradeFact::Paid, .. }))));
    assert_eq!(outcome(&query(), &fail("ORDERNOTEXIST", "此交易订单号不存在")), Ok(Outcome::NoTrade));
    assert_eq!(outcome(&query(), &fail("SYSTEMERROR", "系统错误")), Err(retry("SYSTEMERROR", "系统错误")));
    for bad in [
        ok(&[
            ("out_trade_no", "order_0002"),
            ("trade_state", "SUCCESS"),
            ("transaction_id", TX),
            ("total_fee", "1990"),
        ]),
        ok(&[("out_trade_no", NO), ("trade_state", "SUCCESS"), ("transaction_id", TX), ("total_fee", "19.90")]),
        ok(&[("trade_state", "SUCCESS")]),
    ] {
        assert!(matches!(outcome(&query(), &bad), Err(CallError::BadReply(_))), "{bad:?}");
    }
}

#[test]
fn close_is_closed_unless_paid() {
    let close = Call::Close { trade_no: NO.into() };
    assert_eq!(outcome(&close, &ok(&[])), Ok(Outcome::Closed));
    assert_eq!(outcome(&close, &fail("ORDERCLOSED", "订单已关闭")), Ok(Outcome::Closed));
    assert_eq!(outcome(&close, &fail("ORDERNOTEXIST", "订单不存在")), Ok(Outcome::Closed));
    assert_eq!(outcome(&close, &fail("ORDERPAID", "订单已支付")), Ok(Outcome::PaidNotClosed));
    assert_eq!(outcome(&close, &fail("SYSTEMERROR", "系统错误")), Err(retry("SYSTEMERROR", "系统错误")));
    assert_eq!(outcome(&close, &fail("SIGNERROR", "签名错误")), Err(refused("SIGNERROR", "签名错误")));
}
