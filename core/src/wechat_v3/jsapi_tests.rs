//! JSAPI's `paySign` (v3) against the vector in `protocols-mobile.md` §2: signed with the
//! test key of wechatpay-go (`core/auth/signers/sha256withrsa_signer_test.go`), the whole
//! way the worker makes it (the prepared message, signed, then the parameters); and the h5
//! and jsapi transaction bodies.

use super::*;
use crate::crypto::Crypto;
use crate::crypto::native::NativeCrypto;
use crate::keys::PrivateKey;
use crate::order::{Channel, Order};
use crate::provider::{Buyer, Call as ProviderCall, CallContext, Outcome, ProviderApi, Ready};

const VECTOR: &str = "n3UxQRfz06PjCeP2e4/vWKLwM3UypNfNRaOJHoPHbC+uKGtmOfA7rYYMq76l+Qt9lPWxPHOc3Swm+tqPfQ+jkrxq8VEu67g7s+V+6zI8KpqRw6Gvy/kQQTNOdpHG7RCV925DHI10yW2pS6ak9HFSltHHb8diALGMxIkBJVmAwMesl8MX5YvTfjtdo5rtuUI+XuD2xu4mzXcrdtzAfkebIfTup2bEDHX5lQHZttqD+EIyOP8JTJz1jMYSac8uMVymuV9ncOxWvzvSzrNWJNz2xLK0Bvi2sbWEAUp4R2DM1Ex9DYjkUIbXorG0htClP0mV7ca3p9Rocr0As1fJFrS+Eg==";

fn cfg() -> V3Config {
    V3Config {
        api_base: "https://api.mch.weixin.qq.com".into(),
        appid: "wx2421b1c4370ec43b".into(),
        mchid: "10000100".into(),
        serial_no: "SERIAL".into(),
    }
}

fn order() -> Order {
    Order::new(
        crate::OrderNo::parse("order_0001").unwrap(),
        AmountFen::new(1990).unwrap(),
        "T恤".into(),
        String::new(),
        1_700_000_000,
        1_700_001_800,
    )
}

#[test]
fn pay_sign_rsa_matches_the_vector() {
    let key = PrivateKey::parse(include_str!("../../tests/data/wechatpay_go_test_key.pem")).unwrap();
    let cx = CallContext {
        now: 1_395_712_654,
        nonce: "e61463f8efa94090b1f366cccfbbb444".into(),
        public_base: "https://pay.example.com".into(),
    };
    let prepared =
        cfg().prepare(&ProviderCall::JsapiParams { prepay_id: "u802345jgfjsdfgsdg888".into() }, &order(), &cx).unwrap();
    let message = prepared.to_sign.clone().expect("v3 JSAPI parameters are RSA-signed");
    assert_eq!(
        String::from_utf8(message.clone()).unwrap(),
        "wx2421b1c4370ec43b\n1395712654\ne61463f8efa94090b1f366cccfbbb444\nprepay_id=u802345jgfjsdfgsdg888\n"
    );
    let signature = NativeCrypto.rsa_sha256_sign(&key, &message).unwrap();
    let Ready::Done(Outcome::JsapiParams(p)) = prepared.finish(Some(&signature)) else { panic!("no parameters") };
    assert_eq!((p.sign_type.as_str(), p.pay_sign.as_str()), ("RSA", VECTOR));
    assert_eq!(p.package, "prepay_id=u802345jgfjsdfgsdg888");
}

#[test]
fn h5_and_jsapi_transactions_carry_what_wechat_requires() {
    let t = NativeOrder {
        trade_no: "order_0001*H1",
        description: "T恤",
        total: AmountFen::new(1990).unwrap(),
        notify_url: "https://p/n",
        expires_at: 1_700_001_800,
    };
    let h5 = create(&cfg(), &t, PayKind::H5 { payer_client_ip: "203.0.113.7" }, Some("order_0001"));
    assert_eq!(h5.path, "/v3/pay/transactions/h5");
    let body: serde_json::Value = serde_json::from_str(&h5.body).unwrap();
    assert_eq!(body["scene_info"], serde_json::json!({"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}));
    assert_eq!(body["attach"], "order_0001");
    let jsapi = create(&cfg(), &t, PayKind::Jsapi { openid: "oOpenid" }, None);
    assert_eq!(jsapi.path, "/v3/pay/transactions/jsapi");
    let body: serde_json::Value = serde_json::from_str(&jsapi.body).unwrap();
    assert_eq!(body["payer"], serde_json::json!({"openid": "oOpenid"}));
    assert!(body.get("attach").is_none());
    // A phone session without what it needs is never sent.
    let no_ip =
        ProviderCall::Create { channel: Channel::Wap, trade_no: "order_0001*H1".into(), buyer: Buyer::default() };
    let cx = CallContext { now: 1, nonce: "n".into(), public_base: "https://pay.example.com".into() };
    assert!(cfg().prepare(&no_ip, &order(), &cx).is_err());
}
