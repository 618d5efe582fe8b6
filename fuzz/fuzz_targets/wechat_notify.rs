//! The WeChat notify verifier on arbitrary bodies, and on correctly signed bodies with
//! arbitrary fields: never panics; accepts only what carries a valid signature.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::sign::{SecretKey, WechatSignType, wechat_sign, wechat_verify};
use paycore::wechat_v2::WechatConfig;
use paycore::wechat_v2::notify::verify;
use paycore::xml::{parse_wechat, write_wechat};

fuzz_target!(|data: &[u8]| {
    let cfg = WechatConfig {
        appid: "wx2421b1c4370ec43b".into(),
        mch_id: "10000100".into(),
        api_key: SecretKey::new("sandboxWechatApiKey0123456789abc"),
        api_base: "http://127.0.0.1".into(),
        sign_type: WechatSignType::HmacSha256,
        spbill_create_ip: "127.0.0.1".into(),
    };
    if let Ok((notify, _)) = verify(&cfg, data) {
        let fields = parse_wechat(data).unwrap();
        assert!(wechat_verify(&fields, &cfg.api_key, cfg.sign_type).is_ok(), "accepted without a valid signature");
        assert_eq!(fields.get("out_trade_no"), Some(notify.trade_no.as_str()));
    }
    // Sign whatever fields the input holds, as WeChat does (the merchant's algorithm without a
    // sign_type field, and MD5 naming itself), then verify: must be accepted or refused for a
    // business reason, never for the signature.
    if let Ok(mut fields) = parse_wechat(data) {
        fields.remove("sign");
        fields.remove("sign_type");
        let mut declared_md5 = fields.clone();
        declared_md5.set("sign_type", "MD5");
        for (mut signed, sign_type) in [(fields, cfg.sign_type), (declared_md5, WechatSignType::Md5)] {
            let sign = wechat_sign(&signed, &cfg.api_key, sign_type);
            signed.set("sign", sign);
            let body = write_wechat(&signed);
            if let Err(paycore::wechat_v2::notify::NotifyError::Sign(e)) = verify(&cfg, body.as_bytes()) {
                panic!("our own signature was refused: {e}");
            }
        }
    }
});
