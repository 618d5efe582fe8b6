//! JSAPI's `paySign` (v2) against the vectors in `protocols-mobile.md` §2: self-computed
//! there from WeChat's published example key and checked here independently, for both
//! sign types; `unifiedorder` for H5 and JSAPI as WeChat documents them.

use super::*;
use crate::sign::WechatSignType;
use crate::wechat_v2::test_support::config;

const PREPAY: &str = "u802345jgfjsdfgsdg888";
const TS: i64 = 1_395_712_654;
const NONCE: &str = "e61463f8efa94090b1f366cccfbbb444";

#[test]
fn pay_sign_md5_matches_the_vector() {
    let cfg = WechatConfig { sign_type: WechatSignType::Md5, ..config() };
    let p = jsapi_params(&cfg, PREPAY, TS, NONCE);
    assert_eq!(
        (p.app_id.as_str(), p.time_stamp.as_str(), p.nonce_str.as_str(), p.package.as_str(), p.sign_type.as_str()),
        ("wx2421b1c4370ec43b", "1395712654", NONCE, "prepay_id=u802345jgfjsdfgsdg888", "MD5")
    );
    assert_eq!(p.pay_sign, "0784A14C2CD35747364F62512E724FD8");
}

#[test]
fn pay_sign_hmac_sha256_matches_the_vector() {
    let p = jsapi_params(&config(), PREPAY, TS, NONCE);
    assert_eq!(p.sign_type, "HMAC-SHA256", "the sign type unifiedorder was signed with");
    assert_eq!(p.pay_sign, "09064E137ACF9AEAA1B73E43E70968EC55B3952D4BC0A6FCEBB6F86FB2912319");
}

fn order<'a>(kind: TradeKind<'a>, attach: Option<&'a str>) -> UnifiedOrder<'a> {
    UnifiedOrder {
        trade_no: "order_0001*H1",
        body: "T恤",
        total_fee: AmountFen::new(1990).unwrap(),
        notify_url: "https://pay.example.com/notify/wechat/order/order_0001",
        spbill_create_ip: "203.0.113.7",
        created_at: 1_700_000_000,
        expires_at: 1_700_001_800,
        kind,
        attach,
    }
}

#[test]
fn an_h5_order_carries_mweb_scene_info_the_buyers_ip_and_its_order() {
    let kind = TradeKind::Mweb { wap_url: "https://shop.example/cart", wap_name: "T恤" };
    let f = crate::xml::parse_wechat(&unified_order(&config(), &order(kind, Some("order_0001")), "n").body).unwrap();
    assert_eq!(f.get("trade_type"), Some("MWEB"));
    assert_eq!(f.get("spbill_create_ip"), Some("203.0.113.7"));
    assert_eq!(f.get("attach"), Some("order_0001"));
    assert_eq!(f.get("product_id"), None);
    let scene: serde_json::Value = serde_json::from_str(f.get("scene_info").unwrap()).unwrap();
    assert_eq!(
        scene,
        serde_json::json!({"h5_info": {"type": "Wap", "wap_url": "https://shop.example/cart", "wap_name": "T恤"}})
    );
    assert_eq!(crate::sign::wechat_verify(&f, &config().api_key, config().sign_type), Ok(config().sign_type));
}

#[test]
fn a_jsapi_order_names_the_payer() {
    let f = crate::xml::parse_wechat(
        &unified_order(&config(), &order(TradeKind::Jsapi { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }, None), "n").body,
    )
    .unwrap();
    assert_eq!((f.get("trade_type"), f.get("openid")), (Some("JSAPI"), Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")));
    assert_eq!(f.get("attach"), None);
}
