//! WeChat Pay v3 through [`ProviderApi`]: each call's request as data, signed by the
//! merchant's RSA key where the edge would (here [`NativeCrypto`]), each reply's signature
//! check, and each reply kind read into its outcome or error.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::AmountFen;
use crate::crypto::Crypto;
use crate::crypto::native::NativeCrypto;
use crate::facts::{RefundFacts, TradeFacts};
use crate::http::Method;
use crate::keys::{PrivateKey, PublicKey};
use crate::order::{Change, Payment, Refund, RefundResult, RefundStatus, Session, TradeFact};
use crate::provider::Buyer;
use crate::wechat_v3::sign::response_message;

#[path = "api_notify_tests.rs"]
mod notify_tests;
#[path = "api_refund_tests.rs"]
mod refund_tests;

const KEY: &str = include_str!("../../tests/data/wechatpay_go_test_key.pem");
const PUB: &str = include_str!("../../tests/data/wechatpay_go_test_key.pub.pem");
/// The WeChat Pay public key's id, as `Wechatpay-Serial` names it.
const SERIAL: &str = "PUB_KEY_ID_0114232134912410000000000000";
const NO: &str = "order_0001";
const TX: &str = "4200002401202411250000000001";
const RNO: &str = "R0123456789abcdef1";
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const NOW: i64 = 1_732_500_000; // 2024-11-25 10:00:00 Beijing

fn cfg() -> V3Config {
    V3Config {
        api_base: "https://api.mch.weixin.qq.com/".into(),
        appid: "wxd678efh567hg6787".into(),
        mchid: "1230000109".into(),
        serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
    }
}

fn cx() -> CallContext {
    CallContext { now: NOW, nonce: NONCE.into(), public_base: "https://pay.example.com".into() }
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

fn sign(message: &[u8]) -> Vec<u8> {
    NativeCrypto.rsa_sha256_sign(&PrivateKey::parse(KEY).unwrap(), message).unwrap()
}

fn verifies(check: &RsaCheck) -> bool {
    NativeCrypto.rsa_sha256_verify(&PublicKey::parse(PUB).unwrap(), &check.message, &check.signature)
}

fn create() -> Call {
    Call::Create { channel: Channel::Qr, trade_no: NO.into(), buyer: Buyer::default() }
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

/// Prepares `call`, signs what it asks to be signed as the edge does, and checks that the
/// request carries exactly that signature: `(method, path and query, body)` as sent.
fn send(call: &Call, order: &Order) -> (Method, String, String) {
    let prepared = cfg().prepare(call, order, &cx()).unwrap();
    let message = prepared.to_sign.clone().expect("v3 calls are signed by the merchant's key");
    let signature = sign(&message);
    let Ready::Send(req) = prepared.finish(Some(&signature)) else { panic!("not a request") };
    let path = req.url.strip_prefix("https://api.mch.weixin.qq.com").unwrap().to_owned();
    let body = String::from_utf8(req.body.clone()).unwrap();
    // The signed message is METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n of what is sent.
    let expected = format!("{}\n{path}\n{NOW}\n{NONCE}\n{body}\n", req.method.as_str());
    assert_eq!(String::from_utf8(message).unwrap(), expected);
    let authorization = format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",nonce_str=\"{NONCE}\",signature=\"{}\",timestamp=\"{NOW}\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\"",
        STANDARD.encode(&signature)
    );
    assert_eq!(
        req.headers,
        vec![
            ("authorization".to_owned(), authorization),
            ("accept".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), "paybridge".to_owned()),
        ]
    );
    let content_type = if req.method == Method::Post { Some("application/json") } else { None };
    assert_eq!((req.content_type, req.needs_client_cert), (content_type, false));
    (req.method, path, body)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn create_is_a_native_order_signed_by_the_merchant() {
    let (method, path, body) = send(&create(), &order());
    assert_eq!((method, path.as_str()), (Method::Post, "/v3/pay/transactions/native"));
    assert_eq!(
        json(&body),
        serde_json::json!({
            "appid": "wxd678efh567hg6787",
            "mchid": "1230000109",
            "description": "T恤",
            "out_trade_no": NO,
            "time_expire": "2024-11-25T10:30:00+08:00",
            "notify_url": "https://pay.example.com/notify/wechat/v3",
            "amount": {"total": 1990, "currency": "CNY"},
        })
    );
    let cashier = Call::Create { channel: Channel::Cashier, trade_no: NO.into(), buyer: Buyer::default() };
    assert!(matches!(cfg().prepare(&cashier, &order(), &cx()), Err(CallError::Unsupported(_))));
    // Without the merchant's signature nothing is sent.
    let prepared = cfg().prepare(&create(), &order(), &cx()).unwrap();
    assert!(matches!(prepared.finish(None), Ready::Failed(CallError::NotConfigured(_))));
}

#[test]
fn query_and_close_name_the_trade() {
    let o = order();
    assert_eq!(
        send(&query(), &o),
        (Method::Get, "/v3/pay/transactions/out-trade-no/order_0001?mchid=1230000109".into(), String::new())
    );
    assert_eq!(
        send(&close(), &o),
        (Method::Post, "/v3/pay/transactions/out-trade-no/order_0001/close".into(), r#"{"mchid":"1230000109"}"#.into())
    );
}

#[test]
fn refund_sends_the_stored_number_and_a_retry_sends_it_again() {
    let (method, path, body) = send(&refund(), &refunding(RefundStatus::Sending));
    assert_eq!((method, path.as_str()), (Method::Post, "/v3/refund/domestic/refunds"));
    let expected = serde_json::json!({
        "out_trade_no": NO,
        "out_refund_no": RNO,
        "notify_url": "https://pay.example.com/notify/wechat/v3",
        "amount": {"refund": 990, "total": 1990, "currency": "CNY"},
        "reason": "尺码不合适",
    });
    assert_eq!(json(&body), expected);
    let (_, _, again) = send(&refund(), &refunding(RefundStatus::Unknown("timeout".into())));
    assert_eq!(json(&again), expected, "the same out_refund_no, the same amounts");
    assert_eq!(
        send(&refund_query(), &refunding(RefundStatus::Requested)),
        (Method::Get, format!("/v3/refund/domestic/refunds/{RNO}"), String::new())
    );
    let unknown = Call::Refund { refund_no: "r9".into() };
    assert!(matches!(cfg().prepare(&unknown, &order(), &cx()), Err(CallError::NotConfigured(_))));
}

// ---- replies ----

/// A reply WeChat signed at `at`.
fn signed_at(status: u16, body: &str, at: i64) -> HttpResponse {
    let ts = at.to_string();
    let signature = STANDARD.encode(sign(&response_message(&ts, "nonce1", body.as_bytes())));
    let headers = [
        ("Wechatpay-Timestamp", ts.as_str()),
        ("Wechatpay-Nonce", "nonce1"),
        ("Wechatpay-Signature", signature.as_str()),
        ("Wechatpay-Serial", SERIAL),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
        ("Request-ID", "08F78BB5AF0610D302B5F2EE"),
    ];
    HttpResponse {
        status,
        headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn signed(status: u16, body: &str) -> HttpResponse {
    signed_at(status, body, NOW)
}

/// `reply_check`, the RSA check done as the edge does, then `outcome`.
fn read(call: &Call, resp: &HttpResponse) -> Result<Outcome, CallError> {
    let check = cfg().reply_check(call, resp, NOW + 1)?.expect("every v3 answer is signed");
    assert_eq!(check.serial.as_deref(), Some(SERIAL));
    if !verifies(&check) {
        return Err(CallError::BadReply("signature does not verify".into()));
    }
    cfg().outcome(call, &refunding(RefundStatus::Requested), resp)
}

fn refused(code: &str, message: &str) -> CallError {
    CallError::Refused { provider: "WeChat Pay", code: code.into(), message: message.into() }
}

const CODE: &str = r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#;

#[test]
fn every_answer_is_verified_over_its_raw_body_and_5xx_is_no_answer() {
    let check = cfg().reply_check(&create(), &signed(200, CODE), NOW + 1).unwrap().unwrap();
    assert_eq!(check.message, format!("{NOW}\nnonce1\n{CODE}\n").into_bytes());
    assert!(verifies(&check));
    // 204 signs an empty body; 4xx are signed and verified too.
    let closed = cfg().reply_check(&close(), &signed(204, ""), NOW).unwrap().unwrap();
    assert_eq!((closed.message, verifies(&signed_check(404))), (format!("{NOW}\nnonce1\n\n").into_bytes(), true));
    // A tampered body makes the edge's check fail.
    let mut tampered = signed(200, CODE);
    tampered.body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=attacker"}"#.to_vec();
    assert!(!verifies(&cfg().reply_check(&create(), &tampered, NOW).unwrap().unwrap()));
    assert!(matches!(read(&create(), &tampered), Err(CallError::BadReply(_))));
    for status in [500, 502, 503] {
        assert_eq!(
            cfg().reply_check(&query(), &signed(status, "{}"), NOW),
            Err(CallError::Unavailable(format!("WeChat Pay answered HTTP {status}")))
        );
        assert_eq!(
            read(&query(), &signed(status, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#)).unwrap_err(),
            CallError::Unavailable(format!("WeChat Pay answered HTTP {status}"))
        );
    }
}

fn signed_check(status: u16) -> RsaCheck {
    cfg()
        .reply_check(&query(), &signed(status, r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#), NOW)
        .unwrap()
        .unwrap()
}

#[test]
fn unsigned_stale_or_probing_replies_are_bad_replies() {
    let bad = |resp: HttpResponse| match cfg().reply_check(&create(), &resp, NOW) {
        Err(CallError::BadReply(m)) => m,
        other => panic!("{other:?}"),
    };
    let unsigned = HttpResponse { status: 200, headers: vec![], body: CODE.as_bytes().to_vec() };
    assert_eq!(bad(unsigned), "WeChat Pay reply rejected: missing header Wechatpay-Timestamp");
    let mut no_signature = signed(200, CODE);
    no_signature.headers.retain(|(k, _)| k != "Wechatpay-Signature");
    assert_eq!(bad(no_signature), "WeChat Pay reply rejected: missing header Wechatpay-Signature");
    assert_eq!(bad(signed_at(200, CODE, NOW - 300)), "WeChat Pay reply rejected: timestamp outside 300 s of now");
    let mut probe = signed(200, CODE);
    probe.headers[2].1 = format!("WECHATPAY/SIGNTEST/{}", probe.headers[2].1);
    assert_eq!(bad(probe), "WeChat Pay reply rejected: signature probe (WECHATPAY/SIGNTEST/) refused");
    let mut sm2 = signed(200, CODE);
    sm2.headers[4].1 = "WECHATPAY2-SM2-WITH-SM3".into();
    assert_eq!(bad(sm2), "WeChat Pay reply rejected: unsupported signature type");
    let mut garbled = signed(200, CODE);
    garbled.headers[2].1 = "not base64!".into();
    assert_eq!(bad(garbled), "WeChat Pay reply rejected: signature is not base64");
}

#[test]
fn create_reads_the_code_already_paid_and_refusals() {
    assert_eq!(
        read(&create(), &signed(200, CODE)),
        Ok(Outcome::Code(Code { text: "weixin://wxpay/bizpayurl?pr=p4lpSuKzz".into(), prepay_id: None }))
    );
    assert_eq!(
        read(&create(), &signed(403, r#"{"code":"ORDERPAID","message":"该订单已支付"}"#)),
        Ok(Outcome::AlreadyPaid)
    );
    assert_eq!(
        read(&create(), &signed(400, r#"{"code":"PARAM_ERROR","message":"参数错误"}"#)),
        Err(refused("PARAM_ERROR", "参数错误"))
    );
    assert_eq!(
        read(&create(), &signed(429, r#"{"code":"FREQUENCY_LIMITED","message":"频率超限"}"#)),
        Err(CallError::Retry {
            provider: "WeChat Pay", code: "FREQUENCY_LIMITED".into(), message: "频率超限".into()
        })
    );
    assert_eq!(read(&create(), &signed(400, "<html>")), Err(refused("HTTP_400", "<html>")));
    for body in [r#"{"code_url":"https://evil.example"}"#, "{}", "not json"] {
        assert!(matches!(read(&create(), &signed(200, body)), Err(CallError::BadReply(_))), "{body}");
    }
}

const PAID: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"order_0001","transaction_id":"4200002401202411250000000001","trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","success_time":"2024-11-25T10:05:00+08:00","amount":{"total":1990,"payer_total":1890,"currency":"CNY","payer_currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;

fn paid_facts(source: Source) -> TradeFacts {
    TradeFacts {
        provider: WX,
        trade_no: NO.into(),
        transaction_id: Some(TX.into()),
        state: TradeFact::Paid,
        amount: Some(AmountFen::new(1990).unwrap()),
        payer_total: Some(AmountFen::new(1890).unwrap()),
        currency: Some("CNY".into()),
        paid_at: Some("2024-11-25T10:05:00+08:00".into()),
        source,
    }
}

#[test]
fn query_reads_the_transaction_of_this_merchant_and_trade() {
    assert_eq!(read(&query(), &signed(200, PAID)), Ok(Outcome::Trade(paid_facts(Source::WechatQuery))));
    let unpaid = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"order_0001","trade_state":"NOTPAY","amount":{"total":1990,"currency":"CNY"}}"#;
    let open = TradeFacts {
        transaction_id: None,
        state: TradeFact::Open,
        payer_total: None,
        paid_at: None,
        ..paid_facts(Source::WechatQuery)
    };
    assert_eq!(read(&query(), &signed(200, unpaid)), Ok(Outcome::Trade(open)));
    let closed = unpaid.replace("NOTPAY", "CLOSED");
    assert!(matches!(
        read(&query(), &signed(200, &closed)),
        Ok(Outcome::Trade(TradeFacts { state: TradeFact::Closed, .. }))
    ));
    assert_eq!(
        read(&query(), &signed(404, r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#)),
        Ok(Outcome::NoTrade)
    );
    for (from, to) in
        [("1230000109", "1230000110"), ("wxd678efh567hg6787", "wx0000000000000000"), ("order_0001", "order_0002")]
    {
        let other = PAID.replace(from, to);
        assert!(matches!(read(&query(), &signed(200, &other)), Err(CallError::BadReply(_))), "{to}");
    }
    assert!(matches!(read(&query(), &signed(200, r#"{"trade_state":"SUCCESS"}"#)), Err(CallError::BadReply(_))));
}

#[test]
fn close_is_closed_unless_paid() {
    assert_eq!(read(&close(), &signed(204, "")), Ok(Outcome::Closed));
    assert_eq!(read(&close(), &signed(400, r#"{"code":"ORDER_CLOSED","message":"订单已关闭"}"#)), Ok(Outcome::Closed));
    assert_eq!(
        read(&close(), &signed(404, r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#)),
        Ok(Outcome::Closed)
    );
    assert_eq!(
        read(&close(), &signed(400, r#"{"code":"ORDERPAID","message":"订单已支付"}"#)),
        Ok(Outcome::PaidNotClosed)
    );
    assert_eq!(
        read(&close(), &signed(401, r#"{"code":"SIGN_ERROR","message":"签名错误"}"#)),
        Err(refused("SIGN_ERROR", "签名错误"))
    );
}
