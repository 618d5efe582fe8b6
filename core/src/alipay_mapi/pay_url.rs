//! `create_direct_pay_by_user`: the signed cashier URL returned by `Pay` type 1; on a
//! phone, `alipay.wap.create.direct.pay.by.user` (the same signing; `seller_id` instead of
//! `seller_email`, `app_pay=Y` so Alipay opens its app where it can, `show_url`).
//!
//! Built as the official demo does: drop empty values, sign the raw values with
//! `ALIPAY-MAPI-MD5`, then emit `k=urlencode(v)` pairs in sorted order followed by
//! `sign` and `sign_type` — the exact shape of the spec's example URL.

use super::AlipayConfig;
use crate::form::encode_pairs;
use crate::sign::alipay_sign_fields;
use crate::{AmountFen, Fields};

/// What the cashier URL carries.
#[derive(Debug, Clone)]
pub struct DirectPay<'a> {
    /// `out_trade_no`.
    pub trade_no: &'a str,
    /// `subject` (String(256)).
    pub subject: &'a str,
    /// `body` (optional description; empty is left out).
    pub body: &'a str,
    /// `total_fee` in yuan, from fen.
    pub total_fee: AmountFen,
    /// The worker's `/notify/alipay`.
    pub notify_url: &'a str,
    /// Where Alipay sends the buyer back: the worker's `/return/alipay`.
    pub return_url: &'a str,
    /// `it_b_pay`: minutes until Alipay itself stops taking payment (needs the contract
    /// option; `None` leaves it out). See [`it_b_pay_minutes`].
    pub it_b_pay_minutes: Option<i64>,
    /// A phone's browser: the wap cashier, with this `show_url` (the shop's page).
    pub wap_show_url: Option<&'a str>,
}

/// Whole minutes from `now` to the order's expiry, rounded down so that Alipay never takes
/// a payment after it (at least 1: Alipay's range is `1m`–`15d`).
pub fn it_b_pay_minutes(expires_at: i64, now: i64) -> i64 {
    ((expires_at - now) / 60).max(1)
}

/// The signed parameters, before encoding.
pub fn params(cfg: &AlipayConfig, pay: &DirectPay<'_>) -> Fields {
    let mut f = Fields::new();
    match pay.wap_show_url {
        None => f.set("service", "create_direct_pay_by_user").set("seller_email", cfg.seller_email.as_str()),
        Some(show_url) => f
            .set("service", "alipay.wap.create.direct.pay.by.user")
            .set("seller_id", cfg.partner.as_str())
            .set("app_pay", "Y")
            .set("show_url", show_url),
    };
    f.set("partner", cfg.partner.as_str())
        .set("_input_charset", "utf-8")
        .set("payment_type", "1")
        .set("notify_url", pay.notify_url)
        .set("return_url", pay.return_url)
        .set("out_trade_no", pay.trade_no)
        .set("subject", pay.subject)
        .set("total_fee", pay.total_fee.to_yuan());
    if !pay.body.is_empty() {
        f.set("body", pay.body);
    }
    if let Some(minutes) = pay.it_b_pay_minutes {
        f.set("it_b_pay", format!("{minutes}m"));
    }
    f
}

/// The full cashier URL: `gateway?…sorted params…&sign=<md5>&sign_type=MD5`.
pub fn build(cfg: &AlipayConfig, pay: &DirectPay<'_>) -> String {
    let f = params(cfg, pay);
    let sign = alipay_sign_fields(&f, &cfg.key);
    let query = encode_pairs(f.iter().chain([("sign", sign.as_str()), ("sign_type", "MD5")]));
    cfg.gateway_with_query(&query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alipay_mapi::test_support::config;
    use crate::form::RawForm;
    use crate::sign::alipay_verify;

    #[test]
    fn matches_the_spec_example_shape() {
        let cfg = config();
        let no = "4341034398";
        let pay = DirectPay {
            trade_no: no,
            subject: "-",
            body: "为-充值0.01元",
            total_fee: AmountFen::new(1).unwrap(),
            notify_url: "http://127.0.0.1",
            return_url: "http://127.0.0.1",
            it_b_pay_minutes: None,
            wap_show_url: None,
        };
        let url = build(&cfg, &pay);
        // The spec's example URL up to its sign (its key is not public).
        let expected_prefix = "https://mapi.alipay.com/gateway.do?_input_charset=utf-8&body=%E4%B8%BA-%E5%85%85%E5%80%BC0.01%E5%85%83&notify_url=http%3A%2F%2F127.0.0.1&out_trade_no=4341034398&partner=2088811198755564&payment_type=1&return_url=http%3A%2F%2F127.0.0.1&seller_email=souvenir%40chinarun.com&service=create_direct_pay_by_user&subject=-&total_fee=0.01&sign=";
        assert!(url.starts_with(expected_prefix), "{url}");
        let rest = &url[expected_prefix.len()..];
        assert_eq!(rest.len(), 32 + "&sign_type=MD5".len());
        assert!(rest.ends_with("&sign_type=MD5"));
        assert!(rest[..32].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

        // The URL verifies as Alipay would check it: decode once, sign raw values.
        let form = RawForm::parse(url.split_once('?').unwrap().1.as_bytes()).unwrap();
        assert_eq!(alipay_verify(form.pairs(), &cfg.key), Ok(()));
        assert_eq!(form.text("body").unwrap(), Some("为-充值0.01元"));
    }

    #[test]
    fn empty_body_is_left_out() {
        let no = "4341034398";
        let pay = DirectPay {
            trade_no: no,
            subject: "T恤 x1",
            body: "",
            total_fee: AmountFen::new(1990).unwrap(),
            notify_url: "https://a/n",
            return_url: "https://a/r",
            it_b_pay_minutes: None,
            wap_show_url: None,
        };
        let url = build(&config(), &pay);
        assert!(!url.contains("body="));
        assert!(!url.contains("it_b_pay"));
        assert!(url.contains("subject=T%E6%81%A4+x1"));
        assert!(url.contains("total_fee=19.90"));
        let timed = build(&config(), &DirectPay { it_b_pay_minutes: Some(it_b_pay_minutes(1000 + 1799, 1000)), ..pay });
        let form = RawForm::parse(timed.split_once('?').unwrap().1.as_bytes()).unwrap();
        assert_eq!(form.text("it_b_pay").unwrap(), Some("29m"), "rounded down: never past the expiry");
        assert_eq!(alipay_verify(form.pairs(), &config().key), Ok(()), "it_b_pay is signed");
        assert_eq!(it_b_pay_minutes(1030, 1000), 1);
    }

    #[test]
    fn the_wap_cashier_is_the_same_signing_with_seller_id_app_pay_and_show_url() {
        let pay = DirectPay {
            trade_no: "order_0001",
            subject: "T恤",
            body: "",
            total_fee: AmountFen::new(1990).unwrap(),
            notify_url: "https://pay.example/notify/alipay",
            return_url: "https://pay.example/return/alipay/x.y",
            it_b_pay_minutes: None,
            wap_show_url: Some("https://shop.example/cart"),
        };
        let url = build(&config(), &pay);
        let form = RawForm::parse(url.split_once('?').unwrap().1.as_bytes()).unwrap();
        assert_eq!(form.text("service").unwrap(), Some("alipay.wap.create.direct.pay.by.user"));
        assert_eq!(form.text("seller_id").unwrap(), Some("2088811198755564"));
        assert_eq!(form.text("seller_email").unwrap(), None, "wap names the seller by id");
        assert_eq!(form.text("app_pay").unwrap(), Some("Y"));
        assert_eq!(form.text("show_url").unwrap(), Some("https://shop.example/cart"));
        assert_eq!(form.text("payment_type").unwrap(), Some("1"));
        assert_eq!(form.text("_input_charset").unwrap(), Some("utf-8"));
        assert_eq!(alipay_verify(form.pairs(), &config().key), Ok(()));
    }
}
