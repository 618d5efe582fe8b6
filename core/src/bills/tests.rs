//! Bill days in Beijing time, the shared yuan and time fields, and the line splitter.

use super::text::{LineReader, MAX_LINE, beijing_time, signed_yuan_fen, yuan_fen};
use super::*;
use proptest::prelude::*;

#[test]
fn bill_day_is_beijing_midnight_to_midnight() {
    let day = parse_bill_date("2026-12-04").unwrap();
    // 2026-12-04 00:00 in Beijing is 2026-12-03 16:00 UTC.
    assert_eq!(bill_day_bounds(day), (1_796_313_600, 1_796_313_600 + 86_400));
    assert_eq!(day.iso(), "2026-12-04");
    assert_eq!(day.compact(), "20261204");
    assert_eq!(day.to_string(), "2026-12-04");
    assert!(day.contains(day.start()) && day.contains(day.end() - 1));
    assert!(!day.contains(day.start() - 1) && !day.contains(day.end()));
    assert_eq!(crate::time::beijing_datetime(day.start()), "2026-12-04 00:00:00");
    let leap = parse_bill_date("2024-02-29").unwrap();
    assert_eq!(leap.end(), parse_bill_date("2024-03-01").unwrap().start());
}

#[test]
fn bill_dates_are_exactly_yyyy_mm_dd() {
    for bad in [
        "",
        "2026-12-4",
        "2026-1-04",
        "20261204",
        "2026/12/04",
        "2026-12-04 ",
        " 2026-12-04",
        "2026-12-04T00:00",
        "2026-13-01",
        "2026-00-10",
        "2026-02-29",
        "2026-04-31",
        "2026-12-00",
        "1969-12-31",
        "２０２６-12-04",
        "+026-12-04",
        "2026-12-0a",
    ] {
        assert_eq!(parse_bill_date(bad), Err(BillError::Date(bad.chars().take(24).collect())), "{bad:?}");
    }
    assert!(parse_bill_date("1970-01-01").is_ok());
}

#[test]
fn yuan_fields() {
    assert_eq!(yuan_fen("0.00"), Some(0));
    assert_eq!(yuan_fen("0"), Some(0));
    assert_eq!(yuan_fen("19.9"), Some(1990));
    assert_eq!(yuan_fen("21474856.38"), Some(2_147_485_638));
    assert_eq!(yuan_fen("999999999999999.99"), Some(99_999_999_999_999_999));
    for bad in ["", ".5", "1.", "1.234", "-1", "+1", " 1", "1 ", "1e2", "1,00", "0.12000", "1000000000000000", "NaN"] {
        assert_eq!(yuan_fen(bad), None, "{bad:?}");
    }
    assert_eq!(signed_yuan_fen("-0.01"), Some((true, 1)));
    assert_eq!(signed_yuan_fen("0.01"), Some((false, 1)));
    assert_eq!(signed_yuan_fen("--1"), None);
    assert_eq!(signed_yuan_fen("-"), None);
}

#[test]
fn bill_times_are_beijing() {
    assert_eq!(beijing_time(1, "t", "2026-12-04 00:00:00"), Ok(1_796_313_600));
    for bad in
        ["2026-12-04", "2026-12-04T00:00:00", "2026-12-04 24:00:00", "2014-11-10 16：33：45", "2026-02-30 00:00:00"]
    {
        assert!(beijing_time(1, "t", bad).is_err(), "{bad:?}");
    }
}

fn lines_of(chunks: &[&[u8]]) -> Result<Vec<(u64, String)>, BillError> {
    let mut reader = LineReader::default();
    let mut out = Vec::new();
    for chunk in chunks {
        reader.feed(chunk, |no, text| {
            out.push((no, text.to_owned()));
            Ok(())
        })?;
    }
    reader.finish(|no, text| {
        out.push((no, text.to_owned()));
        Ok(())
    })?;
    Ok(out)
}

#[test]
fn lines_split_anywhere() {
    let text = "\u{feff}a,b\r\n中文\n\r\nlast";
    let want = vec![(1, "a,b".to_owned()), (2, "中文".to_owned()), (3, String::new()), (4, "last".to_owned())];
    let bytes = text.as_bytes();
    for i in 0..=bytes.len() {
        for j in i..=bytes.len() {
            assert_eq!(lines_of(&[&bytes[..i], &bytes[i..j], &bytes[j..]]).unwrap(), want, "{i} {j}");
        }
    }
    // A BOM only counts on line 1.
    assert_eq!(lines_of(&[b"a\n\xef\xbb\xbfb"]).unwrap()[1].1, "\u{feff}b");
}

#[test]
fn lines_refuse_bad_utf8_and_huge_lines() {
    assert_eq!(lines_of(&[b"ok\n\xff\n"]), Err(BillError::Line { line: 2, reason: "not UTF-8".into() }));
    let long = vec![b'a'; MAX_LINE + 1];
    assert!(matches!(lines_of(&[&long]), Err(BillError::Line { line: 1, .. })));
    let mut reader = LineReader::default();
    for _ in 0..MAX_LINE / 1024 {
        reader.feed(&[b'a'; 1024], |_, _| Ok(())).unwrap();
    }
    assert!(reader.feed(b"a", |_, _| Ok(())).is_err());
    // A reader that failed stays failed.
    assert_eq!(reader.feed(b"\n", |_, _| Ok(())), Err(BillError::Failed));
    assert_eq!(reader.finish(|_, _| Ok(())), Err(BillError::Failed));
}

proptest! {
    #[test]
    fn yuan_round_trips(fen in 0u64..10_000_000_000_000) {
        let text = format!("{}.{:02}", fen / 100, fen % 100);
        prop_assert_eq!(yuan_fen(&text), Some(fen));
        prop_assert_eq!(signed_yuan_fen(&format!("-{text}")), Some((true, fen)));
    }

    #[test]
    fn bill_dates_round_trip(days in 0i64..40_000) {
        let start = days * 86_400 - 8 * 3600;
        let iso = crate::time::beijing_datetime(start)[..10].to_owned();
        let day = parse_bill_date(&iso).unwrap();
        prop_assert_eq!(day.start(), start);
        prop_assert_eq!(day.iso(), iso);
    }

    #[test]
    fn bill_dates_never_panic(text in "\\PC{0,12}") {
        let _ = parse_bill_date(&text);
    }
}
