//! The WeChat XML reader and Alipay's nested reader: never panic, and what is read writes
//! back to the same fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::xml::{parse_paths, parse_wechat, write_wechat};

fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = parse_wechat(data) {
        let again = parse_wechat(write_wechat(&fields).as_bytes()).expect("our own XML reads back");
        let normalise =
            |f: &paycore::Fields| f.iter().map(|(k, v)| (k.to_owned(), v.replace('\r', "\n"))).collect::<Vec<_>>();
        assert_eq!(normalise(&again), normalise(&fields));
    }
    let _ = parse_paths(data, "alipay", 5);
});
