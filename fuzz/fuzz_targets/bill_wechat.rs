//! The WeChat trade bill reader on untrusted bytes: never panics, reads the same whole or
//! split where the first byte says, and a bill it accepts has totals equal to its lines.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::bills::{BillError, BillLine, BillTotals, WechatBillParser};

fn read(chunks: &[&[u8]]) -> Result<(Vec<BillLine>, BillTotals), BillError> {
    let mut parser = WechatBillParser::new();
    let mut lines = Vec::new();
    for chunk in chunks {
        lines.extend(parser.feed(chunk)?);
    }
    Ok((lines, parser.finish()?))
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, bill)) = data.split_first() else { return };
    let at = usize::from(split) * bill.len() / 255;
    let whole = read(&[bill]);
    assert_eq!(read(&[&bill[..at], &bill[at..]]), whole, "split at {at}");
    if let Ok((lines, totals)) = whole {
        assert_eq!(BillTotals::of(&lines), totals);
    }
});
