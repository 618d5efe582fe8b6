//! Beijing time (UTC+8, no daylight saving) for WeChat `time_expire`/`time_end` and
//! Alipay `refund_date`, computed from Unix seconds without a time-zone database.
//!
//! WeChat v2 wants `yyyyMMddHHmmss` in Beijing time whatever the server's zone
//! (wechatpy #140 broke on non-+8 servers); the clock is always passed in.

/// Beijing is UTC+8 all year.
const BEIJING_OFFSET: i64 = 8 * 3600;

/// A time string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a yyyyMMddHHmmss time")]
pub struct TimeError(pub String);

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn beijing_parts(unix: i64) -> (i64, u32, u32, i64, i64, i64) {
    let local = unix + BEIJING_OFFSET;
    let (y, mo, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    (y, mo, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// `yyyyMMddHHmmss` in Beijing time, e.g. `20091225091010`.
pub fn beijing_compact(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing_parts(unix);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time, as Alipay's `refund_date` wants.
pub fn beijing_datetime(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing_parts(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// RFC 3339 in Beijing time, e.g. `2018-06-08T10:34:56+08:00` (WeChat Pay v3's `time_expire`).
pub fn beijing_rfc3339(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = beijing_parts(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00")
}

/// `yyyyMMdd` in Beijing time (the date prefix of an Alipay `batch_no`).
pub fn beijing_date(unix: i64) -> String {
    beijing_compact(unix)[..8].to_owned()
}

/// Reads a WeChat `yyyyMMddHHmmss` Beijing time back into Unix seconds.
pub fn parse_beijing_compact(text: &str) -> Result<i64, TimeError> {
    let err = || TimeError(text.chars().take(20).collect());
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().map_err(|_| err());
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(4..6)?, num(6..8)?, num(8..10)?, num(10..12)?, num(12..14)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d == 0 || d > month_days[mo as usize - 1] || h > 23 || mi > 59 || s > 59 {
        return Err(err());
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Ok(days * 86_400 + i64::from(h * 3600 + mi * 60 + s) - BEIJING_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants() {
        // 2009-12-25T01:10:10Z is 09:10:10 in Beijing (the WeChat doc's example time).
        assert_eq!(beijing_compact(1_261_703_410), "20091225091010");
        assert_eq!(beijing_compact(0), "19700101080000");
        // 16:00 UTC is already the next day in Beijing.
        assert_eq!(beijing_compact(1_767_225_600 - 8 * 3600), "20260101000000");
        assert_eq!(beijing_datetime(1_709_164_800), "2024-02-29 08:00:00");
        assert_eq!(beijing_date(1_709_164_800), "20240229");
    }

    #[test]
    fn parse_rejects_impossible_times() {
        for bad in ["20230229120000", "20241301000000", "20240101240000", "2024010112000", "2024010112000x", ""] {
            assert!(parse_beijing_compact(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_beijing_compact("20240229000000").unwrap(), 1_709_136_000);
    }

    proptest! {
        #[test]
        fn compact_round_trips(unix in 0i64..4_102_444_800) {
            prop_assert_eq!(parse_beijing_compact(&beijing_compact(unix)).unwrap(), unix);
        }
    }
}
