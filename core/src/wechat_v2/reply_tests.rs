//! WeChat reply parsing: success shapes, each level of failure, and forged replies.

use super::*;
use crate::sign::WechatSignType::{HmacSha256, Md5};
use crate::wechat_v2::test_support::{KEY, config, signed_body, signed_body_without_sign_type};

fn ok(extra: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> =
        vec![("return_code", "SUCCESS".into()), ("return_msg", "OK".into()), ("result_code", "SUCCESS".into())];
    for (k, val) in extra {
        v.push((Box::leak(k.to_string().into_boxed_str()), val.to_string()));
    }
    v
}

fn body(fields: &[(&'static str, String)], key: &str) -> Vec<u8> {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    signed_body(&refs, key, HmacSha256).into_bytes()
}

#[test]
fn unified_order_success() {
    let b = body(
        &ok(&[
            ("trade_type", "NATIVE"),
            ("prepay_id", "wx201410272009395522657a690389285100"),
            ("code_url", "weixin://wxpay/bizpayurl?pr=QXuSXeo"),
        ]),
        KEY,
    );
    let r = unified_order(&config(), &b, "NATIVE").unwrap();
    assert_eq!(r.code_url, "weixin://wxpay/bizpayurl?pr=QXuSXeo");
    assert_eq!(r.prepay_id, "wx201410272009395522657a690389285100");
}

#[test]
fn md5_signed_reply_is_accepted() {
    let refs = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("prepay_id", "p"),
        ("code_url", "weixin://wxpay/bizpayurl?pr=x"),
    ];
    let b = signed_body(&refs, KEY, Md5);
    assert!(unified_order(&config(), b.as_bytes(), "NATIVE").is_ok());
}

#[test]
fn communication_failure_reads_only_return_msg() {
    let b = b"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[\xe7\xad\xbe\xe5\x90\x8d\xe9\x94\x99\xe8\xaf\xaf]]></return_msg></xml>";
    assert_eq!(unified_order(&config(), b, "NATIVE"), Err(ReplyError::Communication("签名错误".into())));
}

#[test]
fn forged_and_foreign_replies_are_refused() {
    let fields = ok(&[("prepay_id", "p"), ("code_url", "weixin://wxpay/bizpayurl?pr=x")]);
    let forged = body(&fields, "00000000000000000000000000000000");
    assert!(matches!(unified_order(&config(), &forged, "NATIVE"), Err(ReplyError::Sign(_))));

    let mut tampered = String::from_utf8(body(&fields, KEY)).unwrap();
    tampered = tampered.replace("pr=x", "pr=attacker");
    assert!(matches!(unified_order(&config(), tampered.as_bytes(), "NATIVE"), Err(ReplyError::Sign(_))));

    let mut other = fields.clone();
    other.push(("appid", "wx_other".into()));
    assert_eq!(unified_order(&config(), &body(&other, KEY), "NATIVE"), Err(ReplyError::WrongMerchant));

    let unsigned = b"<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><code_url>weixin://x</code_url></xml>";
    assert!(matches!(unified_order(&config(), unsigned, "NATIVE"), Err(ReplyError::Sign(_))));
    assert!(matches!(unified_order(&config(), b"<xml><return_code>SUCC", "NATIVE"), Err(ReplyError::Xml(_))));
}

#[test]
fn business_errors_are_data() {
    let fields = vec![
        ("return_code", "SUCCESS".to_string()),
        ("result_code", "FAIL".to_string()),
        ("err_code", "ORDERPAID".to_string()),
        ("err_code_des", "该订单已支付".to_string()),
    ];
    assert_eq!(
        unified_order(&config(), &body(&fields, KEY), "NATIVE"),
        Err(ReplyError::Business { code: ErrorCode::OrderPaid, description: "该订单已支付".into() })
    );
    let mut future = fields;
    future[2].1 = "BRAND_NEW".into();
    assert!(
        matches!(close_order(&config(), &body(&future, KEY)), Err(ReplyError::Business { code: ErrorCode::Unknown(c), .. }) if c == "BRAND_NEW")
    );
}

#[test]
fn order_query_states() {
    let no = "1217752501201407033233368018";
    let paid = body(
        &ok(&[
            ("out_trade_no", no),
            ("trade_state", "SUCCESS"),
            ("transaction_id", "1009660380201506130728806387"),
            ("total_fee", "888"),
            ("time_end", "20141030133525"),
            ("is_subscribe", "Y"),
        ]),
        KEY,
    );
    let r = order_query(&config(), no, &paid).unwrap();
    assert_eq!(r.trade_state, TradeState::Success);
    assert_eq!(r.total_fee, Some(AmountFen::new(888).unwrap()));
    assert_eq!(r.transaction_id.as_deref(), Some("1009660380201506130728806387"));
    // orderquery replies of an HMAC-SHA256 merchant come without sign_type (node-tenpay#92).
    let fields = ok(&[("out_trade_no", no), ("trade_state", "SUCCESS"), ("total_fee", "888")]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bare = signed_body_without_sign_type(&refs, KEY, HmacSha256);
    assert_eq!(order_query(&config(), no, bare.as_bytes()).unwrap().trade_state, TradeState::Success);

    let waiting =
        body(&ok(&[("out_trade_no", no), ("trade_state", "NOTPAY"), ("trade_state_desc", "订单未支付")]), KEY);
    let r = order_query(&config(), no, &waiting).unwrap();
    assert_eq!((r.trade_state, r.total_fee), (TradeState::NotPay, None));

    let other = "999999999";
    assert_eq!(order_query(&config(), other, &waiting), Err(ReplyError::WrongOrder));
    let bad_fee = body(&ok(&[("out_trade_no", no), ("trade_state", "SUCCESS"), ("total_fee", "8.88")]), KEY);
    assert_eq!(order_query(&config(), no, &bad_fee), Err(ReplyError::Invalid("total_fee")));
}

#[test]
fn refund_and_refund_query() {
    let no = "order_0001";
    let b = body(
        &ok(&[
            ("out_trade_no", "order_0001"),
            ("out_refund_no", "Rorder_0001"),
            ("refund_id", "50000408942018"),
            ("refund_fee", "100"),
            ("total_fee", "100"),
        ]),
        KEY,
    );
    assert_eq!(refund(&config(), no, &b).unwrap().refund_id, "50000408942018");
    let q = body(
        &ok(&[
            ("out_trade_no", "order_0001"),
            ("refund_count", "1"),
            ("out_refund_no_0", "Rorder_0001"),
            ("refund_id_0", "50000408942018"),
            ("refund_status_0", "SUCCESS"),
            ("refund_fee_0", "100"),
        ]),
        KEY,
    );
    let records = refund_query(&config(), no, &q).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, RefundStatus::Success);
    let missing = body(
        &ok(&[
            ("out_trade_no", "order_0001"),
            ("refund_count", "2"),
            ("out_refund_no_0", "R"),
            ("refund_id_0", "1"),
            ("refund_status_0", "SUCCESS"),
        ]),
        KEY,
    );
    assert!(matches!(refund_query(&config(), no, &missing), Err(ReplyError::Missing(_))));
}

#[test]
fn requests_are_signed_and_deterministic() {
    use crate::wechat_v2::request;
    let cfg = config();
    let no = "1510281411335281083827";
    let order = request::UnifiedOrder {
        trade_no: no,
        body: "腾讯充值中心-QQ会员充值",
        total_fee: AmountFen::new(888).unwrap(),
        notify_url: "https://pay.example.com/notify/wechat",
        spbill_create_ip: "127.0.0.1",
        created_at: 1_261_703_410,
        expires_at: 1_261_703_410 + 1800,
        kind: request::TradeKind::Native,
        attach: None,
    };
    let req = request::unified_order(&cfg, &order, "nonce123");
    assert_eq!(req.url, "https://api.mch.weixin.qq.com/pay/unifiedorder");
    let f = crate::xml::parse_wechat(&req.body).unwrap();
    assert_eq!(f.get("time_start"), Some("20091225091010"));
    assert_eq!(f.get("time_expire"), Some("20091225094010"));
    assert_eq!(f.get("total_fee"), Some("888"));
    assert_eq!(f.get("trade_type"), Some("NATIVE"));
    assert_eq!(f.get("sign_type"), Some("HMAC-SHA256"));
    assert_eq!(crate::sign::wechat_verify(&f, &cfg.api_key, HmacSha256), Ok(HmacSha256));
    assert_eq!(request::unified_order(&cfg, &order, "nonce123"), req);

    let refund = request::refund(
        &cfg,
        &request::Refund {
            trade_no: no,
            out_refund_no: "Rabc1",
            total_fee: AmountFen::new(888).unwrap(),
            refund_fee: AmountFen::new(88).unwrap(),
            reason: "退货",
        },
        "n",
    );
    assert!(refund.needs_client_cert);
    let f = crate::xml::parse_wechat(&refund.body).unwrap();
    assert_eq!(
        (f.get("out_refund_no"), f.get("total_fee"), f.get("refund_fee")),
        (Some("Rabc1"), Some("888"), Some("88"))
    );
    assert_eq!(f.get("refund_desc"), Some("退货"));
    assert!(refund.url.ends_with("/secapi/pay/refund"));
    assert_eq!(request::truncate_bytes("中文字", 7), "中文");
}
