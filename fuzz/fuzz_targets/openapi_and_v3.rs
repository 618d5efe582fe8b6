//! The RSA-era readers on untrusted bytes: Alipay OpenAPI's raw-response scanner and reply
//! and notify readers, WeChat Pay v3's notify envelope, transaction, refund and
//! certificate readers and header checks. Never panics; the signed text the scanner finds
//! is always a slice of the response as received.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::alipay_openapi::{reply, signed_response};
use paycore::form::RawForm;
use paycore::wechat_v3::notify::{Envelope, Transaction};
use paycore::wechat_v3::reply::RefundReply;
use paycore::wechat_v3::request::V3Config;
use paycore::wechat_v3::sign::{SignedHeaders, check};
use paycore::wechat_v3::{certificates, evidence};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let no = "order_0001";
    match which % 3 {
        0 => {
            let Ok(raw) = std::str::from_utf8(rest) else { return };
            for method in ["alipay.trade.query", "alipay.trade.refund"] {
                if let Some((content, _sign)) = signed_response(raw, method) {
                    let start = content.as_ptr() as usize - raw.as_ptr() as usize;
                    assert!(start + content.len() <= raw.len(), "content outside the response");
                    let _ = reply::trade_query(no, content);
                    let _ = reply::precreate(no, content);
                    let _ = reply::refund(no, content);
                    let _ = reply::refund_query("r1-0001", content);
                    let _ = reply::close(content);
                }
            }
        }
        1 => {
            if let Ok(form) = RawForm::parse(rest) {
                let _ = reply::notify("2021000000000001", &form);
            }
        }
        _ => {
            let cfg = V3Config {
                api_base: String::new(),
                appid: "wx2421b1c4370ec43b".into(),
                mchid: "10000100".into(),
                serial_no: String::new(),
            };
            if let Ok(e) = Envelope::parse(rest) {
                let _ = e.resource.sealed();
            }
            if let Ok(t) = Transaction::parse(rest) {
                let _ = evidence::transaction(&cfg, Some(no), &t, paycore::order::Source::WechatQuery);
            }
            if let Ok(r) = RefundReply::parse(rest) {
                let _ = evidence::refund(Some(no), &r, paycore::order::Source::WechatRefundQuery);
            }
            let _ = evidence::refund_notify(&cfg, rest);
            let _ = certificates::parse(rest);
            let text = String::from_utf8_lossy(rest);
            let mut parts = text.splitn(5, '\n');
            let headers = SignedHeaders {
                timestamp: parts.next().map(str::to_owned),
                nonce: parts.next().map(str::to_owned),
                signature: parts.next().map(str::to_owned),
                serial: parts.next().map(str::to_owned),
                signature_type: None,
            };
            let _ = check(&headers, parts.next().unwrap_or_default().as_bytes(), 1_700_000_000);
        }
    }
});
