//! The ZIP reader of Alipay's bill archive on untrusted bytes: never panics, every entry's
//! data is a slice of the archive within the limits, a stored entry is exactly its size,
//! and picking the detail file or checking inflated bytes never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::bills::zip::{MAX_ENTRIES, MAX_ENTRY_SIZE, Method, crc32, detail_entry, entries};

fuzz_target!(|data: &[u8]| {
    let Ok(found) = entries(data) else { return };
    assert!(found.len() <= MAX_ENTRIES);
    for e in &found {
        let start = (e.data.as_ptr() as usize).checked_sub(data.as_ptr() as usize).expect("data inside the archive");
        assert!(start + e.data.len() <= data.len(), "data inside the archive");
        assert!(e.size <= MAX_ENTRY_SIZE);
        let _ = (e.is_detail(), e.is_summary());
        if e.method == Method::Stored {
            assert_eq!(e.data.len(), e.size as usize);
            let crc = crc32(e.data);
            assert_eq!(e.check(e.data.len() as u64, crc).is_ok(), crc == e.crc32);
        }
    }
    let _ = detail_entry(&found);
});
