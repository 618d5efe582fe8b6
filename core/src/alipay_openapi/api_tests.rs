//! Alipay OpenAPI through [`ProviderApi`]: each call's parameters and the exact string the
//! app's RSA2 key signs (here with [`NativeCrypto`], as the edge would), where the `sign`
//! goes, each response's check over its raw `*_response` text, and each answer read into
//! its outcome or error.

use super::*;
use crate::AmountFen;
use crate::alipay_openapi::request_content;
use crate::crypto::Crypto;
use crate::crypto::native::NativeCrypto;
use crate::http::{HttpRequest, Method};
use crate::keys::{PrivateKey, PublicKey};
use crate::order::{Change, Payment, Refund, RefundStatus, Session, TradeFact};
use crate::provider::Buyer;
use serde_json::{Value, json};

#[path = "api_notify_tests.rs"]
mod notify_tests;
#[path = "api_refund_tests.rs"]
mod refund_tests;

/// wechatpay-go's test key plays both the app's key and Alipay's (any RSA key signs alike).
const KEY: &str = include_str!("../../tests/data/wechatpay_go_test_key.pem");
const PUB: &str = include_str!("../../tests/data/wechatpay_go_test_key.pub.pem");
const APP_ID: &str = "2021000000000001";
const NO: &str = "order_0001";
const TX: &str = "2024112522001400001234567890";
const RNO: &str = "202411250123456789abcdef";
const NOW: i64 = 1_732_500_000; // 2024-11-25 10:00:00 Beijing

fn cfg() -> OpenApiConfig {
    OpenApiConfig { gateway: "https://openapi.alipay.com/gateway.do".into(), app_id: APP_ID.into() }
}

fn cx() -> CallContext {
    CallContext { now: NOW, nonce: "unused".into(), public_base: "https://pay.example.com".into() }
}

fn order() -> Order {
    Order::new(OrderNo::parse(NO).unwrap(), AmountFen::new(1990).unwrap(), "T恤".into(), String::new(), NOW, NOW + 1800)
}

/// A paid order with the refund `r1` (990 of its 1990 fen) stored `status`.
fn refunding(status: RefundStatus) -> Order {
    let mut o = order();
    o.apply(Change::SessionStarted(Session::new(ALI, Channel::Qr, NO, NOW)), NOW).unwrap();
    let paid = Payment {
        provider: ALI,
        transaction_id: TX.into(),
        trade_no: NO.into(),
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

fn sign(message: &[u8]) -> Vec<u8> {
    NativeCrypto.rsa_sha256_sign(&PrivateKey::parse(KEY).unwrap(), message).unwrap()
}

fn verifies(message: &[u8], signature: &[u8]) -> bool {
    NativeCrypto.rsa_sha256_verify(&PublicKey::parse(PUB).unwrap(), message, signature)
}

fn create(channel: Channel, return_url: Option<&str>) -> Call {
    Call::Create {
        channel,
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

/// Checks a signed parameter set as Alipay does (decoded once, its own sign string, RSA2)
/// and that it is exactly the common parameters of `method`, `urls`, and `biz`.
fn check_params(form: &RawForm, signed: &str, signature: &[u8], method: &str, urls: &[(&str, &str)], biz: Value) {
    let pairs: Vec<(&str, &str)> =
        form.pairs().map(|(k, v)| (std::str::from_utf8(k).unwrap(), std::str::from_utf8(v).unwrap())).collect();
    assert_eq!(request_content(pairs.iter().copied()), signed, "Alipay rebuilds the string that was signed");
    assert_eq!(form.text("sign").unwrap(), Some(STANDARD.encode(signature).as_str()));
    assert!(verifies(signed.as_bytes(), signature));
    let biz_text = form.text("biz_content").unwrap().unwrap();
    assert_eq!(serde_json::from_str::<Value>(biz_text).unwrap(), biz);
    let mut expected = vec![
        ("app_id", APP_ID),
        ("method", method),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2024-11-25 10:00:00"),
        ("version", "1.0"),
        ("biz_content", biz_text),
    ];
    expected.extend_from_slice(urls);
    assert_eq!(request_content(expected.iter().copied()), signed, "exactly these parameters are signed");
    assert_eq!(pairs.len(), expected.len() + 1, "and sent, with the sign");
}

/// Prepares and signs `call` as the edge does; checks the server request it comes to.
fn send(call: &Call, order: &Order, method: &str, biz: Value) {
    let prepared = cfg().prepare(call, order, &cx()).unwrap();
    let signed =
        String::from_utf8(prepared.to_sign.clone().expect("OpenAPI calls are signed by the app's key")).unwrap();
    let signature = sign(signed.as_bytes());
    let Ready::Send(req) = prepared.finish(Some(&signature)) else { panic!("not a request") };
    let HttpRequest { method: m, url, content_type, body, needs_client_cert, headers } = req;
    assert_eq!((m, url.as_str()), (Method::Post, "https://openapi.alipay.com/gateway.do?charset=utf-8"));
    assert_eq!(content_type, Some("application/x-www-form-urlencoded; charset=utf-8"));
    assert!(!needs_client_cert && headers.is_empty());
    let urls: &[(&str, &str)] = if method == "alipay.trade.precreate" {
        &[("notify_url", "https://pay.example.com/notify/alipay/openapi")]
    } else {
        &[]
    };
    check_params(&RawForm::parse(&body).unwrap(), &signed, &signature, method, urls, biz);
}

fn new_trade(product_code: &str) -> Value {
    json!({"out_trade_no": NO, "total_amount": "19.90", "subject": "T恤", "product_code": product_code,
        "time_expire": "2024-11-25 10:30:00"})
}

#[test]
fn a_qr_code_is_a_signed_precreate() {
    send(&create(Channel::Qr, None), &order(), "alipay.trade.precreate", new_trade("FACE_TO_FACE_PAYMENT"));
    let prepared = cfg().prepare(&create(Channel::Qr, None), &order(), &cx()).unwrap();
    assert!(matches!(prepared.finish(None), Ready::Failed(CallError::NotConfigured(_))), "no key, nothing sent");
}

#[test]
fn the_cashier_is_a_signed_page_pay_url_with_nothing_to_send() {
    for (buyer, return_url) in [
        (None, "https://pay.example.com/return/alipay"),
        (Some("https://pay.example.com/return/alipay?o=x&t=y"), "https://pay.example.com/return/alipay?o=x&t=y"),
    ] {
        let prepared = cfg().prepare(&create(Channel::Cashier, buyer), &order(), &cx()).unwrap();
        let signed = String::from_utf8(prepared.to_sign.clone().unwrap()).unwrap();
        let signature = sign(signed.as_bytes());
        let Ready::Done(Outcome::Code(Code { text, prepay_id: None })) = prepared.finish(Some(&signature)) else {
            panic!("not a cashier URL")
        };
        let (gateway, query) = text.split_once('?').unwrap();
        assert_eq!(gateway, "https://openapi.alipay.com/gateway.do");
        let urls = [("notify_url", "https://pay.example.com/notify/alipay/openapi"), ("return_url", return_url)];
        let form = RawForm::parse(query.as_bytes()).unwrap();
        check_params(&form, &signed, &signature, "alipay.trade.page.pay", &urls, new_trade("FAST_INSTANT_TRADE_PAY"));
    }
}

#[test]
fn query_close_refund_and_refund_query_carry_their_biz_content() {
    let o = refunding(RefundStatus::Requested);
    send(&query(), &o, "alipay.trade.query", json!({"out_trade_no": NO}));
    send(&close(), &o, "alipay.trade.close", json!({"out_trade_no": NO}));
    send(&refund_query(), &o, "alipay.trade.fastpay.refund.query", json!({"out_trade_no": NO, "out_request_no": RNO}));
    let refund_biz =
        json!({"out_trade_no": NO, "refund_amount": "9.90", "out_request_no": RNO, "refund_reason": "尺码不合适"});
    send(&refund(), &refunding(RefundStatus::Sending), "alipay.trade.refund", refund_biz.clone());
    // A retry of the attempt: the same out_request_no, so Alipay refunds once.
    send(&refund(), &refunding(RefundStatus::Unknown("timeout".into())), "alipay.trade.refund", refund_biz);
    let unknown = Call::Refund { refund_no: "r9".into() };
    assert!(matches!(cfg().prepare(&unknown, &o, &cx()), Err(CallError::NotConfigured(_))));
    assert!(cfg().asks_after_refund());
}

// ---- replies ----

/// A response Alipay signed over the exact text of its `key` value.
fn signed_as(key: &str, content: &str) -> HttpResponse {
    let sign = STANDARD.encode(sign(content.as_bytes()));
    let body = format!("{{\"{key}\":{content},\"sign\":\"{sign}\"}}");
    HttpResponse { status: 200, headers: vec![], body: body.into_bytes() }
}

fn response_to(call: &Call, content: &str) -> HttpResponse {
    signed_as(&format!("{}_response", method(call).replace('.', "_")), content)
}

/// `reply_check`, the RSA check the edge does, then `outcome`.
fn read(call: &Call, resp: &HttpResponse) -> Result<Outcome, CallError> {
    let check = cfg().reply_check(call, resp, NOW)?.expect("every OpenAPI answer is signed");
    assert_eq!(check.serial, None);
    if !verifies(&check.message, &check.signature) {
        return Err(CallError::BadReply("signature does not verify".into()));
    }
    cfg().outcome(call, &refunding(RefundStatus::Requested), resp)
}

fn answer(call: &Call, content: &str) -> Result<Outcome, CallError> {
    read(call, &response_to(call, content))
}

fn business(sub_code: &str, sub_msg: &str) -> String {
    format!(
        r#"{{"code":"40004","msg":"Business Failed","sub_code":"{sub_code}","sub_msg":"{sub_msg}","out_trade_no":"{NO}"}}"#
    )
}

const UNAVAILABLE: &str =
    r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#;

fn refused(code: &str, message: &str) -> CallError {
    CallError::Refused { provider: "Alipay", code: code.into(), message: message.into() }
}

fn retry() -> CallError {
    CallError::Retry { provider: "Alipay", code: "20000".into(), message: "service unavailable".into() }
}

#[test]
fn answers_are_verified_over_their_exact_raw_text() {
    // Escapes as Alipay sends them: the signature covers this text, not a re-serialisation.
    let content =
        r#"{"code":"10000","msg":"Success","out_trade_no":"order_0001","qr_code":"https:\/\/qr.alipay.com\/bax03431"}"#;
    let resp = response_to(&create(Channel::Qr, None), content);
    let check = cfg().reply_check(&create(Channel::Qr, None), &resp, NOW).unwrap().unwrap();
    assert_eq!((check.message.as_slice(), verifies(&check.message, &check.signature)), (content.as_bytes(), true));
    let tampered = HttpResponse {
        body: String::from_utf8(resp.body.clone()).unwrap().replace("bax03431", "attacker").into_bytes(),
        ..resp.clone()
    };
    assert!(matches!(read(&create(Channel::Qr, None), &tampered), Err(CallError::BadReply(_))));
    // error_response is signed and checked the same way.
    let error = signed_as(
        "error_response",
        r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}"#,
    );
    assert_eq!(read(&query(), &error), Err(refused("isv.invalid-signature", "验签出错")));
    let bad = |resp: &HttpResponse| match cfg().reply_check(&query(), resp, NOW) {
        Err(e @ CallError::BadReply(_)) => e.to_string(),
        other => panic!("{other:?}"),
    };
    let unsigned =
        HttpResponse { body: br#"{"alipay_trade_query_response":{"code":"10000"}}"#.to_vec(), ..resp.clone() };
    assert_eq!(bad(&unsigned), "Alipay reply rejected: malformed: no signed response");
    let garbled = HttpResponse {
        body: br#"{"alipay_trade_query_response":{"code":"10000"},"sign":"%%"}"#.to_vec(),
        ..resp.clone()
    };
    assert_eq!(bad(&garbled), "Alipay reply rejected: signature does not verify");
    // The answer to another method is no answer to this one.
    assert_eq!(
        bad(&response_to(&close(), r#"{"code":"10000"}"#)),
        "Alipay reply rejected: malformed: no signed response"
    );
    assert_eq!(bad(&HttpResponse { body: vec![0xff, 0xfe], ..resp.clone() }), "Alipay reply rejected: not UTF-8");
    for status in [500, 502, 504] {
        assert_eq!(
            cfg().reply_check(&query(), &HttpResponse { status, ..resp.clone() }, NOW),
            Err(CallError::Unavailable(format!("Alipay answered HTTP {status}")))
        );
    }
}

#[test]
fn precreate_reads_the_qr_code_or_already_paid() {
    let qr = create(Channel::Qr, None);
    let ok =
        r#"{"code":"10000","msg":"Success","out_trade_no":"order_0001","qr_code":"https://qr.alipay.com/bax03431"}"#;
    assert_eq!(
        answer(&qr, ok),
        Ok(Outcome::Code(Code { text: "https://qr.alipay.com/bax03431".into(), prepay_id: None }))
    );
    assert_eq!(answer(&qr, &business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")), Ok(Outcome::AlreadyPaid));
    assert_eq!(answer(&qr, UNAVAILABLE), Err(retry()));
    assert_eq!(
        answer(&qr, &business("ACQ.ACCESS_FORBIDDEN", "无权限使用接口")),
        Err(refused("ACQ.ACCESS_FORBIDDEN", "无权限使用接口"))
    );
    for bad in [&ok.replace("order_0001", "order_0002"), &ok.replace("https://", "alipays://"), "{\"code\":", "[]"] {
        assert!(matches!(answer(&qr, bad), Err(CallError::BadReply(_))), "{bad}");
    }
}

#[test]
fn query_reads_the_trade() {
    let paid = format!(
        r#"{{"code":"10000","msg":"Success","buyer_logon_id":"xud***@126.com","buyer_pay_amount":"18.90","out_trade_no":"order_0001","point_amount":"1.00","receipt_amount":"19.90","send_pay_date":"2024-11-25 10:05:00","total_amount":"19.90","trade_no":"{TX}","trade_status":"TRADE_SUCCESS"}}"#
    );
    let facts = TradeFacts {
        provider: ALI,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: Some(AmountFen::new(1890).unwrap()),
        currency: None,
        paid_at: Some("2024-11-25 10:05:00".into()),
        source: Source::AlipayQuery,
    };
    assert_eq!(answer(&query(), &paid), Ok(Outcome::Trade(facts.clone())));
    let waiting = r#"{"code":"10000","msg":"Success","out_trade_no":"order_0001","trade_no":"","total_amount":"19.90","trade_status":"WAIT_BUYER_PAY"}"#;
    let open = TradeFacts { transaction_id: None, state: TradeFact::Open, payer_total: None, paid_at: None, ..facts };
    assert_eq!(answer(&query(), waiting), Ok(Outcome::Trade(open)));
    let closed = waiting.replace("WAIT_BUYER_PAY", "TRADE_CLOSED");
    assert!(matches!(answer(&query(), &closed), Ok(Outcome::Trade(TradeFacts { state: TradeFact::Closed, .. }))));
    assert_eq!(answer(&query(), &business("ACQ.TRADE_NOT_EXIST", "交易不存在")), Ok(Outcome::NoTrade));
    assert_eq!(answer(&query(), UNAVAILABLE), Err(retry()));
    assert_eq!(
        answer(&query(), &business("ACQ.INVALID_PARAMETER", "参数无效")),
        Err(refused("ACQ.INVALID_PARAMETER", "参数无效"))
    );
    for bad in [
        paid.replace("\"order_0001\"", "\"order_0002\""),
        paid.replace("\"19.90\"", "\"19.9x\""),
        paid.replace("18.90", "-1"),
    ] {
        assert!(matches!(answer(&query(), &bad), Err(CallError::BadReply(_))), "{bad}");
    }
}

#[test]
fn close_is_closed_unless_paid() {
    let ok = format!(r#"{{"code":"10000","msg":"Success","out_trade_no":"{NO}","trade_no":"{TX}"}}"#);
    assert_eq!(answer(&close(), &ok), Ok(Outcome::Closed));
    assert_eq!(answer(&close(), &business("ACQ.TRADE_NOT_EXIST", "交易不存在")), Ok(Outcome::Closed));
    assert_eq!(answer(&close(), &business("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")), Ok(Outcome::PaidNotClosed));
    assert_eq!(answer(&close(), UNAVAILABLE), Err(retry()));
    assert_eq!(
        answer(&close(), &business("ACQ.REASON_TRADE_STATUS_INVALID", "交易状态异常")),
        Err(refused("ACQ.REASON_TRADE_STATUS_INVALID", "交易状态异常"))
    );
}
