use super::*;
use crate::order::{Change, Payment, Session, Source};
use crate::{AmountFen, OrderNo};

fn order() -> Order {
    Order::new(
        OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(1990).unwrap(),
        "T".into(),
        String::new(),
        1000,
        2800,
    )
}

fn code(r: Result<impl std::fmt::Debug, ApiError>) -> ResultCode {
    r.unwrap_err().code
}

fn start(trade_no: &str) -> Result<SessionPlan, ApiError> {
    Ok(SessionPlan::Start { trade_no: trade_no.into() })
}

fn reuse(trade_no: &str, code: &str) -> Result<SessionPlan, ApiError> {
    Ok(SessionPlan::Reuse { trade_no: trade_no.into(), code: code.into() })
}

fn started(o: &mut Order, channel: Channel, trade_no: &str, at: i64, f: impl FnOnce(&mut Session)) {
    let mut s = Session::new(Provider::Wechat, channel, trade_no, at);
    s.code = Some(format!("code-of-{trade_no}"));
    f(&mut s);
    o.apply(Change::SessionStarted(s), at).unwrap();
}

fn from_ip(ip: &str) -> Buyer {
    Buyer { client_ip: Some(ip.into()), ..Buyer::default() }
}

fn payer(id: &str) -> Buyer {
    Buyer { payer: Some(id.into()), openid: Some("o-secret".into()), ..Buyer::default() }
}

#[test]
fn each_wallet_and_device_has_its_way_and_the_wrong_app_is_refused() {
    use Device::*;
    let cases = [
        (PayType::Alipay, Pc, Ok((Provider::Alipay, Channel::Cashier))),
        (PayType::Alipay, Mobile, Ok((Provider::Alipay, Channel::Wap))),
        (PayType::Alipay, Alipay, Ok((Provider::Alipay, Channel::Wap))),
        (PayType::Alipay, Wechat, Err(ResultCode::WrongApp)),
        (PayType::Wechat, Pc, Ok((Provider::Wechat, Channel::Qr))),
        (PayType::Wechat, Mobile, Ok((Provider::Wechat, Channel::Wap))),
        (PayType::Wechat, Wechat, Ok((Provider::Wechat, Channel::Jsapi))),
        (PayType::Wechat, Alipay, Err(ResultCode::WrongApp)),
    ];
    for (pay_type, device, expected) in cases {
        assert_eq!(way(pay_type, device).map_err(|e| e.code), expected, "{pay_type:?} on {device:?}");
    }
}

#[test]
fn a_qr_code_is_made_once_per_order_and_a_cashier_signed_each_time() {
    let mut o = order();
    let none = Buyer::default();
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Qr, &none, 1100), start("order_0001"));
    started(&mut o, Channel::Qr, "order_0001", 1100, |_| {});
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Qr, &none, 1200), reuse("order_0001", "code-of-order_0001"));
    assert_eq!(session_plan(&o, Provider::Alipay, Channel::Qr, &none, 1200), start("order_0001"));
    o.apply(Change::SessionStarted(Session::new(Provider::Alipay, Channel::Cashier, "order_0001", 1200)), 1200)
        .unwrap();
    assert_eq!(session_plan(&o, Provider::Alipay, Channel::Cashier, &none, 1300), start("order_0001"));
    assert_eq!(
        session_plan(&o, Provider::Alipay, Channel::Wap, &none, 1300),
        start("order_0001"),
        "wap: the order's trade"
    );
    assert_eq!(code(session_plan(&order(), Provider::Wechat, Channel::Qr, &none, 2800 - 59)), ResultCode::OrderExpired);
    // An Alipay URL is only signed: no minute of margin needed.
    assert!(session_plan(&order(), Provider::Alipay, Channel::Cashier, &none, 2800 - 59).is_ok());
}

#[test]
fn an_h5_link_is_reused_for_the_same_ip_within_four_and_a_half_minutes() {
    let mut o = order();
    let ip = from_ip("203.0.113.7");
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Wap, &ip, 1100), start("order_0001*H1"));
    started(&mut o, Channel::Wap, "order_0001*H1", 1100, |s| s.client_ip = Some("203.0.113.7".into()));
    let again = reuse("order_0001*H1", "code-of-order_0001*H1");
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Wap, &ip, 1100 + H5_REUSE_SECS - 1), again);
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Wap, &ip, 1100 + H5_REUSE_SECS), start("order_0001*H2"));
    assert_eq!(
        session_plan(&o, Provider::Wechat, Channel::Wap, &from_ip("198.51.100.1"), 1200),
        start("order_0001*H2"),
        "another network: a fresh link under a new trade"
    );
    // The desktop QR code is another session of its own.
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Qr, &ip, 1200), start("order_0001"));
}

#[test]
fn a_prepay_is_reused_for_the_same_payer_only() {
    let mut o = order();
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Jsapi, &payer("p1"), 1100), start("order_0001*J1"));
    started(&mut o, Channel::Jsapi, "order_0001*J1", 1100, |s| s.payer = Some("p1".into()));
    assert_eq!(
        session_plan(&o, Provider::Wechat, Channel::Jsapi, &payer("p1"), 1500),
        reuse("order_0001*J1", "code-of-order_0001*J1")
    );
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Jsapi, &payer("p2"), 1500), start("order_0001*J2"));
}

#[test]
fn phone_sessions_are_capped_per_order() {
    let mut o = order();
    for n in 1..=MAX_PHONE_SESSIONS {
        let ip = format!("10.0.0.{n}");
        let trade = format!("order_0001*H{n}");
        assert_eq!(session_plan(&o, Provider::Wechat, Channel::Wap, &from_ip(&ip), 1100), start(&trade));
        started(&mut o, Channel::Wap, &trade, 1100, |s| s.client_ip = Some(ip.clone()));
    }
    assert_eq!(
        code(session_plan(&o, Provider::Wechat, Channel::Wap, &from_ip("10.1.1.1"), 1100)),
        ResultCode::InvalidOrderState
    );
}

#[test]
fn no_session_for_a_final_order() {
    let mut o = order();
    let payment = Payment {
        provider: Provider::Wechat,
        transaction_id: "tx".into(),
        trade_no: "order_0001".into(),
        amount: AmountFen::new(1990).unwrap(),
        payer_total: None,
        paid_at: None,
        source: Source::WechatNotify,
        recorded_at: 1500,
        late: false,
    };
    o.apply(Change::Paid(payment), 1500).unwrap();
    for channel in [Channel::Qr, Channel::Wap, Channel::Jsapi] {
        assert_eq!(code(session_plan(&o, Provider::Wechat, channel, &payer("p"), 1600)), ResultCode::OrderNotPayable);
    }
}

#[test]
fn session_trade_numbers_fit_wechat_and_stay_apart() {
    assert_eq!(session_trade_no("order_0001", 'H', 1), "order_0001*H1");
    let long_a = "2026120500000000000000000000001a";
    let long_b = "2026120500000000000000000000001b";
    let (a, b) = (session_trade_no(long_a, 'J', 20), session_trade_no(long_b, 'J', 20));
    assert_ne!(a, b, "numbers that share their first 27 characters still differ");
    for no in ["ab_cd1", "order_0001", &"x".repeat(27), &"y".repeat(28), long_a] {
        for n in [1, 9, 20] {
            let t = session_trade_no(no, 'H', n);
            assert!(t.len() <= 32, "{t}");
            assert!(OrderNo::parse(&t).is_ok(), "{t} keeps WeChat's charset");
            assert_ne!(t, no);
        }
    }
}

#[test]
fn a_session_the_provider_closed_is_never_handed_out_again() {
    let mut o = order();
    started(&mut o, Channel::Jsapi, "order_0001*J1", 1100, |s| s.payer = Some("p1".into()));
    started(&mut o, Channel::Wap, "order_0001*H1", 1100, |s| s.client_ip = Some("203.0.113.7".into()));
    started(&mut o, Channel::Qr, "order_0001", 1100, |_| {});
    // WeChat reports the JSAPI trade closed (PAYERROR); the QR trade keeps the order open.
    for trade_no in ["order_0001*J1", "order_0001*H1"] {
        let closed =
            Change::TradeClosed { provider: Provider::Wechat, trade_no: trade_no.into(), source: Source::WechatQuery };
        o.apply(closed, 1200).unwrap();
    }
    assert_eq!(o.state, crate::order::PayState::Waiting);
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Jsapi, &payer("p1"), 1300), start("order_0001*J2"));
    assert_eq!(session_plan(&o, Provider::Wechat, Channel::Wap, &from_ip("203.0.113.7"), 1300), start("order_0001*H2"));
}

#[test]
fn order_numbers_shaped_like_session_trades_are_known() {
    for no in ["order_0001*H1", "x*J20", "2026120500000000a1b2c3d4e5*H3", "a*b*H9"] {
        assert!(is_session_trade_no(no), "{no}");
        assert!(is_session_trade_no(&session_trade_no(no, 'J', 2)));
    }
    for no in ["order_0001", "order*H", "order*Hx", "order*X1", "order*h1", "*", "order*H1a", "H1"] {
        assert!(!is_session_trade_no(no), "{no}");
    }
    for no in ["order_0001", &"y".repeat(28)] {
        assert!(is_session_trade_no(&session_trade_no(no, 'H', 1)));
    }
}
