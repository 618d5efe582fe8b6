//! The Alipay notify verifier: never panics; accepts only forms whose MD5 matches.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::alipay_mapi::AlipayConfig;
use paycore::alipay_mapi::notify::verify;
use paycore::form::RawForm;
use paycore::sign::{SecretKey, alipay_verify};

fuzz_target!(|data: &[u8]| {
    let cfg = AlipayConfig {
        partner: "2088811198755564".into(),
        key: SecretKey::new("sandboxAlipayMd5Key0123456789abc"),
        seller_email: "souvenir@chinarun.com".into(),
        gateway: "http://127.0.0.1/gateway.do".into(),
        it_b_pay: false,
    };
    if let Ok(form) = RawForm::parse(data) {
        if verify(&cfg, &form).is_ok() {
            assert!(alipay_verify(form.pairs(), &cfg.key).is_ok(), "accepted without a valid signature");
        }
    }
});
