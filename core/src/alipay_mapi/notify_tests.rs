//! Alipay notify tests: the published real notify, forged, foreign and malformed ones.

use super::*;
use crate::alipay_mapi::test_support::config;
use crate::form::encode_pairs;
use crate::sign::{SecretKey, alipay_sign};

const REAL: &str = include_str!("../../tests/data/alipay_notify_offsite_payments.txt");

fn real_config() -> AlipayConfig {
    AlipayConfig {
        partner: "2088611493982911".into(),
        key: SecretKey::new("f4y25qc539qakg734vn2jpqq6gmybxoz"),
        seller_email: "acct-ali@shiguangcaibei.com".into(),
        gateway: "https://mapi.alipay.com/gateway.do".into(),
        it_b_pay: false,
    }
}

/// Builds a signed notify body the way Alipay does.
fn signed(fields: &[(&str, &str)], key: &SecretKey) -> String {
    let sign = alipay_sign(fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())), key);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("sign", &sign));
    all.push(("sign_type", "MD5"));
    encode_pairs(all)
}

#[test]
fn real_published_notify() {
    let form = RawForm::parse(REAL.trim().as_bytes()).unwrap();
    let Notify::Trade(n) = verify(&real_config(), &form).unwrap() else { panic!("not a trade notify") };
    assert_eq!(n.out_trade_no.as_str(), "R990240665");
    assert_eq!(n.trade_no, "2014111159601788");
    assert_eq!(n.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(n.total_fee.fen(), 143);
    assert_eq!(n.notify_id, "1d583bc9cf21ed879bcd428fd53ed5e16w");
    assert_eq!(n.gmt_payment.as_deref(), Some("2014-11-11 17:59:23"));
}

#[test]
fn double_encoded_notify_id_is_signed_as_decoded_once() {
    let cfg = config();
    let fields = [
        ("notify_type", "trade_status_sync"),
        ("notify_id", "RqPnCoPT3K9%2Fvwbh3I%2BFioE"),
        ("out_trade_no", "order_0001"),
        ("trade_no", "2024"),
        ("trade_status", "TRADE_FINISHED"),
        ("total_fee", "19.90"),
        ("seller_id", "2088811198755564"),
    ];
    let form = RawForm::parse(signed(&fields, &cfg.key).as_bytes()).unwrap();
    let Notify::Trade(n) = verify(&cfg, &form).unwrap() else { panic!() };
    assert_eq!(n.notify_id, "RqPnCoPT3K9%2Fvwbh3I%2BFioE");
    assert_eq!(n.total_fee.fen(), 1990);
    let req = notify_verify_request(&cfg, &n.notify_id);
    assert_eq!(
        req.url,
        "https://mapi.alipay.com/gateway.do?service=notify_verify&partner=2088811198755564&notify_id=RqPnCoPT3K9%252Fvwbh3I%252BFioE"
    );
}

#[test]
fn refuses_forged_foreign_and_malformed() {
    let cfg = real_config();
    let tampered = REAL.trim().replace("total_fee=1.43", "total_fee=0.01");
    assert!(matches!(verify(&cfg, &RawForm::parse(tampered.as_bytes()).unwrap()), Err(NotifyError::Sign(_))));

    let mut other = cfg.clone();
    other.partner = "2088000000000000".into();
    assert_eq!(verify(&other, &RawForm::parse(REAL.trim().as_bytes()).unwrap()), Err(NotifyError::WrongSeller));

    let ours = config();
    let no_seller = [
        ("notify_type", "trade_status_sync"),
        ("notify_id", "n"),
        ("out_trade_no", "order_0001"),
        ("trade_no", "1"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_fee", "1.00"),
    ];
    let form = RawForm::parse(signed(&no_seller, &ours.key).as_bytes()).unwrap();
    assert_eq!(verify(&ours, &form), Err(NotifyError::WrongSeller));

    let bad_fee = [
        ("notify_type", "trade_status_sync"),
        ("notify_id", "n"),
        ("out_trade_no", "order_0001"),
        ("trade_no", "1"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_fee", "1.001"),
        ("seller_id", "2088811198755564"),
    ];
    let form = RawForm::parse(signed(&bad_fee, &ours.key).as_bytes()).unwrap();
    assert_eq!(verify(&ours, &form), Err(NotifyError::Invalid("total_fee")));

    let odd = [("notify_type", "wallet_sync"), ("notify_id", "n")];
    let form = RawForm::parse(signed(&odd, &ours.key).as_bytes()).unwrap();
    assert_eq!(verify(&ours, &form), Err(NotifyError::UnknownType));
}

#[test]
fn batch_refund_notify() {
    let cfg = config();
    let fields = [
        ("notify_type", "batch_refund_notify"),
        ("notify_id", "70fec0c2730b27528665af4517c27b95"),
        ("batch_no", "20241125abcdef0123456789"),
        ("success_num", "1"),
        ("result_details", "2010031906272929^80.00^SUCCESS$jax_chuanhang@alipay.com^2088101003147483^0.01^SUCCESS"),
    ];
    let form = RawForm::parse(signed(&fields, &cfg.key).as_bytes()).unwrap();
    let Notify::Refund(r) = verify(&cfg, &form).unwrap() else { panic!() };
    assert_eq!(r.batch_no, "20241125abcdef0123456789");
    assert_eq!(
        r.details,
        vec![RefundDetail {
            trade_no: "2010031906272929".into(),
            amount: AmountFen::new(8000).unwrap(),
            result: "SUCCESS".into()
        }]
    );
    assert!(parse_result_details("x^y").is_err());
}

#[test]
fn notify_verify_verdicts() {
    assert_eq!(parse_notify_verify(b"true"), NotifyVerdict::Genuine);
    assert_eq!(parse_notify_verify(b"true\r\n"), NotifyVerdict::Genuine);
    assert_eq!(parse_notify_verify(b"false"), NotifyVerdict::Denied);
    assert_eq!(parse_notify_verify(b"invalid"), NotifyVerdict::Invalid);
    assert_eq!(parse_notify_verify(b"<html>true</html>"), NotifyVerdict::Invalid);
    assert_eq!(parse_notify_verify(b"TRUE"), NotifyVerdict::Invalid);
}
