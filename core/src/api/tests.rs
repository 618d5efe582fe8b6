//! Wire tests: the JSON of every request and reply is pinned, and each bad body gets its code.

use super::*;
use crate::order::Order;
use crate::{AmountFen, OrderNo};
use serde_json::json;

fn code_of(body: &str) -> ResultCode {
    parse_command(body.as_bytes()).unwrap_err().code
}

#[test]
fn parses_the_spec_samples() {
    let pay = parse_command(
        br#"{"cmd":"Pay","order_no":"1510281411335281083827","type":1,"return_url":"http://test.www.wanbisai.com"}"#,
    )
    .unwrap();
    assert_eq!(
        pay,
        Command::Pay(PayRequest {
            order_no: OrderNo::parse("1510281411335281083827").unwrap(),
            pay_type: PayType::Alipay,
            return_url: Some("http://test.www.wanbisai.com".into()),
            device: None,
            wx_token: None,
        })
    );
    let wx = parse_command(
        br#"{"cmd":"WechatPay","order_no":"1510281411335281083827","notify_url":"http://elsewhere.example/cb"}"#,
    )
    .unwrap();
    assert_eq!(wx.name(), "WechatPay");
    let st = parse_command(br#"{"cmd":"WechatPayState","order_no":"1510281411335281083827"}"#).unwrap();
    assert!(!st.is_merchant_only());
    let create =
        parse_command(r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":1990,"subject":"T恤"}"#.as_bytes())
            .unwrap();
    let Command::CreateOrder(c) = &create else { panic!() };
    assert_eq!((c.total_fee.fen(), c.expire_seconds()), (1990, DEFAULT_EXPIRE_SECONDS));
    assert!(create.is_merchant_only());
}

#[test]
fn serialises_commands_as_the_spec_shows() {
    let cmd = Command::Pay(PayRequest {
        order_no: OrderNo::parse("order_0001").unwrap(),
        pay_type: PayType::Wechat,
        return_url: None,
        device: None,
        wx_token: None,
    });
    assert_eq!(serde_json::to_value(&cmd).unwrap(), json!({"cmd": "Pay", "order_no": "order_0001", "type": 2}));
    let state = Command::WechatPayState(StateRequest { order_no: OrderNo::parse("order_0001").unwrap() });
    assert_eq!(serde_json::to_string(&state).unwrap(), r#"{"cmd":"WechatPayState","order_no":"order_0001"}"#);
}

#[test]
fn unknown_fields_are_ignored_as_older_and_newer_clients_send_them() {
    let st = parse_command(br#"{"cmd":"WechatPayState","order_no":"order_0001","extra":1,"sign":"x"}"#).unwrap();
    assert_eq!(st, Command::WechatPayState(StateRequest { order_no: OrderNo::parse("order_0001").unwrap() }));
    let refund =
        parse_command(br#"{"cmd":"Refund","order_no":"order_0001","amount":500,"refund_no":"m-1","x":[]}"#).unwrap();
    let Command::Refund(r) = refund else { panic!() };
    assert_eq!((r.amount.map(|a| a.fen()), r.refund_no.as_deref()), (Some(500), Some("m-1")));
    let list = parse_command(br#"{"cmd":"ListOrders","state":1}"#).unwrap();
    assert!(list.is_merchant_only() && list.order_no().is_none());
}

#[test]
fn bad_bodies_get_their_codes() {
    assert_eq!(code_of(""), ResultCode::MalformedJson);
    assert_eq!(code_of("{"), ResultCode::MalformedJson);
    assert_eq!(code_of(r#"{"cmd":"Pay","order_no":"1510281411335281083827""#), ResultCode::MalformedJson);
    assert_eq!(code_of("[1,2]"), ResultCode::MalformedJson);
    assert_eq!(code_of("\"Pay\""), ResultCode::MalformedJson);
    assert_eq!(code_of(&"[".repeat(200)), ResultCode::MalformedJson);
    assert_eq!(code_of(r#"{"order_no":"order_0001"}"#), ResultCode::UnknownCommand);
    assert_eq!(code_of(r#"{"cmd":7}"#), ResultCode::UnknownCommand);
    assert_eq!(code_of(r#"{"cmd":"DropTables"}"#), ResultCode::UnknownCommand);
    assert_eq!(code_of(r#"{"cmd":"pay","order_no":"order_0001","type":1}"#), ResultCode::UnknownCommand);
    for bad in [
        r#"{"cmd":"WechatPayState"}"#,
        r#"{"cmd":"WechatPayState","order_no":123456}"#,
        r#"{"cmd":"WechatPayState","order_no":"订单号码一二三"}"#,
        r#"{"cmd":"WechatPayState","order_no":"123"}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","amount":0}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","amount":1.5}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","refund_no":"a b"}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","refund_no":""}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","reason":"a^b"}"#,
        r#"{"cmd":"Refund","order_no":"order_0001","transaction_id":""}"#,
        r#"{"cmd":"ListOrders","limit":0}"#,
        r#"{"cmd":"ListOrders","limit":1001}"#,
        r#"{"cmd":"ListOrders","state":4}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":100,"subject":"x","return_url":"ftp://x"}"#,
        r#"{"cmd":"Pay","order_no":"order_0001","type":3}"#,
        r#"{"cmd":"Pay","order_no":"order_0001","type":"1","return_url":"https://a.b"}"#,
        r#"{"cmd":"Pay","order_no":"order_0001","type":1}"#,
        r#"{"cmd":"Pay","order_no":"order_0001","type":1,"return_url":"javascript:alert(1)"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":19.9,"subject":"x"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":0,"subject":"x"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":-1,"subject":"x"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":"100","subject":"x"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":100,"subject":""}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":100,"subject":"a\u0000b"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001","total_fee":100,"subject":"x","expire_seconds":10}"#,
        // Another order's phone session number.
        r#"{"cmd":"CreateOrder","order_no":"order_0001*H1","total_fee":100,"subject":"x"}"#,
        r#"{"cmd":"CreateOrder","order_no":"order_0001*J12","total_fee":100,"subject":"x"}"#,
    ] {
        assert_eq!(code_of(bad), ResultCode::InvalidField, "{bad}");
    }
    let long = format!(r#"{{"cmd":"WechatPayState","order_no":"{}"}}"#, "9".repeat(MAX_BODY_BYTES));
    assert_eq!(code_of(&long), ResultCode::BodyTooLarge);
}

#[test]
fn replies_are_pinned() {
    let pay = PayReply {
        result: 0,
        msg: String::new(),
        pay_info: PayInfo {
            alipay_url: Some("https://mapi.alipay.com/gateway.do?x".into()),
            wechat_pay_url: None,
            wechat_jsapi: None,
        },
    };
    assert_eq!(
        serde_json::to_value(&pay).unwrap(),
        json!({"result": 0, "msg": "", "pay_info": {"alipay_url": "https://mapi.alipay.com/gateway.do?x"}})
    );
    let wx = WechatPayReply {
        result: 0,
        msg: String::new(),
        code_url: "weixin://wxpay/bizpayurl?pr=D7TOzCi".into(),
        expires_at: 1_700_000_000,
    };
    assert_eq!(
        serde_json::to_value(&wx).unwrap(),
        json!({"result": 0, "msg": "", "code_url": "weixin://wxpay/bizpayurl?pr=D7TOzCi", "expires_at": 1_700_000_000})
    );
    let order = Order::new(
        OrderNo::parse("1510281555449126260705").unwrap(),
        AmountFen::new(1).unwrap(),
        "s".into(),
        String::new(),
        10,
        20,
    );
    assert_eq!(
        serde_json::to_value(StateReply::of(&order, 7)).unwrap(),
        json!({"result": 0, "msg": "", "order_no": "1510281555449126260705", "pay_state": 0, "pay_state_desc": "等待支付", "expires_at": 20, "server_time": 7})
    );
    let err = ErrorReply::from(&ApiError::new(ResultCode::OrderNotFound, "no such order"));
    assert_eq!(serde_json::to_value(&err).unwrap(), json!({"result": -10, "msg": "no such order"}));
}

#[test]
fn result_codes_are_unique_and_documented() {
    let mut seen = std::collections::HashSet::new();
    for c in ResultCode::ALL {
        assert!(seen.insert(c.code()), "duplicate {}", c.code());
        assert_eq!(ResultCode::from_code(c.code()), Some(c));
        assert!(!c.meaning().is_empty());
        assert_eq!(c == ResultCode::Ok, c.http_status() == 200);
    }
    assert_eq!(ResultCode::from_code(-99), None);
}

#[test]
fn readme_documents_every_result_code() {
    let readme = include_str!("../../../README.md");
    let table = readme
        .split("<!-- result-codes")
        .nth(1)
        .and_then(|t| t.split("<!-- /result-codes -->").next())
        .expect("README has the result-codes table");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| result")).collect();
    assert_eq!(rows.len(), ResultCode::ALL.len());
    for (row, code) in rows.iter().zip(ResultCode::ALL) {
        let expected = format!("| {} | {} | {} |", code.code(), code.http_status(), code.meaning());
        assert_eq!(row.replace('`', ""), expected.replace('`', ""), "README row for {code}");
    }
}

#[test]
fn pay_takes_a_device_and_refuses_unknown_ones() {
    let pay =
        |extra: &str| parse_command(format!(r#"{{"cmd":"Pay","order_no":"order_0001","type":2{extra}}}"#).as_bytes());
    let Command::Pay(p) = pay(r#","device":"wechat","wx_token":"abc123""#).unwrap() else { panic!() };
    assert_eq!((p.device, p.wx_token.as_deref()), (Some(Device::Wechat), Some("abc123")));
    for device in ["pc", "mobile", "wechat", "alipay"] {
        assert!(pay(&format!(r#","device":"{device}""#)).is_ok(), "{device}");
    }
    for bad in [
        r#","device":"tablet""#,
        r#","device":"PC""#,
        r#","device":2"#,
        r#","wx_token":"a b""#,
        r#","return_url":"javascript:x""#,
    ] {
        assert_eq!(pay(bad).unwrap_err().code, ResultCode::InvalidField, "{bad}");
    }
    // The JSAPI parameters go out named as WeixinJSBridge wants them.
    let params = JsapiParams {
        app_id: "wx1".into(),
        time_stamp: "1".into(),
        nonce_str: "n".into(),
        package: "prepay_id=p".into(),
        sign_type: "RSA".into(),
        pay_sign: "s".into(),
    };
    assert_eq!(
        serde_json::to_value(&params).unwrap(),
        json!({"appId": "wx1", "timeStamp": "1", "nonceStr": "n", "package": "prepay_id=p", "signType": "RSA", "paySign": "s"})
    );
}
