//! The form parser: never panics, decodes once, and our encoding of what it read parses
//! back to the same pairs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::form::{RawForm, encode_pairs};

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = RawForm::parse(data) {
        let text = form.to_fields_lossy();
        if form.pairs().all(|(k, v)| std::str::from_utf8(k).is_ok() && std::str::from_utf8(v).is_ok()) {
            let encoded = encode_pairs(text.iter());
            let back = RawForm::parse(encoded.as_bytes()).expect("our own encoding parses");
            assert_eq!(back, form);
        }
    }
});
