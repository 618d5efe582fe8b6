//! What both bill readers share: lines out of arbitrary chunks, header columns found by
//! name, and the bills' yuan and time fields.
//!
//! The yuan helpers are here, not in `money.rs`, because [`AmountFen`] is a payable
//! amount (1 fen up to WeChat's 32-bit limit) while a bill also has zeros (the other kind
//! of line's columns), negative Alipay refunds and a day's totals above any one payment.
//! Lines still get their amount through [`AmountFen::parse_yuan`].

use super::BillError;
use crate::AmountFen;

/// The longest line accepted (a WeChat line is about 400 bytes).
pub(super) const MAX_LINE: usize = 64 * 1024;

/// Splits a byte stream into lines: `\n` or `\r\n`, UTF-8 checked per line (a `\n` byte is
/// never inside a UTF-8 sequence, so a split anywhere is safe), a BOM on line 1 dropped.
#[derive(Debug, Default)]
pub(super) struct LineReader {
    pending: Vec<u8>,
    line: u64,
    failed: bool,
}

impl LineReader {
    /// The number of the last line handed out.
    pub(super) fn line(&self) -> u64 {
        self.line
    }

    /// Hands every complete line of `chunk` (after what was pending) to `each`.
    pub(super) fn feed(
        &mut self,
        chunk: &[u8],
        mut each: impl FnMut(u64, &str) -> Result<(), BillError>,
    ) -> Result<(), BillError> {
        if self.failed {
            return Err(BillError::Failed);
        }
        let result = self.split(chunk, &mut each);
        self.failed = result.is_err();
        result
    }

    fn split(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(u64, &str) -> Result<(), BillError>,
    ) -> Result<(), BillError> {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let (head, tail) = (&rest[..pos], &rest[pos + 1..]);
            self.line += 1;
            if self.pending.is_empty() {
                each(self.line, decode(self.line, head)?)?;
            } else {
                self.pending.extend_from_slice(head);
                let line = std::mem::take(&mut self.pending);
                each(self.line, decode(self.line, &line)?)?;
            }
            rest = tail;
        }
        if self.pending.len() + rest.len() > MAX_LINE {
            return Err(BillError::Line { line: self.line + 1, reason: format!("longer than {MAX_LINE} bytes") });
        }
        self.pending.extend_from_slice(rest);
        Ok(())
    }

    /// Hands the last line, if the bill does not end with a line break.
    pub(super) fn finish(&mut self, mut each: impl FnMut(u64, &str) -> Result<(), BillError>) -> Result<(), BillError> {
        if self.failed {
            return Err(BillError::Failed);
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        self.line += 1;
        let line = std::mem::take(&mut self.pending);
        let result = decode(self.line, &line).and_then(|text| each(self.line, text));
        self.failed = result.is_err();
        result
    }
}

fn decode(line: u64, bytes: &[u8]) -> Result<&str, BillError> {
    if bytes.len() > MAX_LINE {
        return Err(bad(line, format!("longer than {MAX_LINE} bytes")));
    }
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| BillError::Line { line, reason: "not UTF-8".into() })?;
    Ok(if line == 1 { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text })
}

/// A line error.
pub(super) fn bad(line: u64, reason: impl Into<String>) -> BillError {
    BillError::Line { line, reason: reason.into() }
}

/// Where the `N` columns a reader needs are in a header, and how many columns it has.
#[derive(Debug, Clone)]
pub(super) struct Columns<const N: usize> {
    at: [usize; N],
    count: usize,
}

impl<const N: usize> Columns<N> {
    /// Finds each wanted name among `names` (after `normalise`), each exactly once.
    pub(super) fn find<'a>(
        line: u64,
        names: impl Iterator<Item = &'a str>,
        wanted: &[&str; N],
        normalise: impl Fn(&str) -> String,
    ) -> Result<Self, BillError> {
        let names: Vec<String> = names.map(normalise).collect();
        let mut at = [0; N];
        for (slot, want) in at.iter_mut().zip(wanted) {
            let mut hits = names.iter().enumerate().filter(|(_, n)| n == want).map(|(i, _)| i);
            match (hits.next(), hits.next()) {
                (Some(i), None) => *slot = i,
                (None, _) => return Err(bad(line, format!("the header has no column {want}"))),
                (Some(_), Some(_)) => return Err(bad(line, format!("the header has column {want} twice"))),
            }
        }
        Ok(Self { at, count: names.len() })
    }

    /// The header's number of columns.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// Field `i` (of the wanted ones) of a line with [`Self::count`] fields.
    pub(super) fn get<'a>(&self, fields: &[&'a str], i: usize) -> &'a str {
        fields[self.at[i]]
    }
}

/// A non-negative yuan amount (`0`, `0.5`, `12.34`; at most two decimals, no sign or
/// spaces) in fen, zero allowed, up to 10^15 yuan.
pub(super) fn yuan_fen(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return None;
    }
    if text.contains('.') && frac.is_empty() {
        return None;
    }
    let cents = match frac.as_bytes() {
        [] => 0,
        [a] => u64::from(a - b'0') * 10,
        [a, b] => u64::from(a - b'0') * 10 + u64::from(b - b'0'),
        _ => return None,
    };
    whole.parse::<u64>().ok()?.checked_mul(100)?.checked_add(cents)
}

/// A yuan amount with an optional leading `-`: (negative, fen). `-0.00` is (true, 0).
pub(super) fn signed_yuan_fen(text: &str) -> Option<(bool, u64)> {
    match text.strip_prefix('-') {
        Some(rest) => Some((true, yuan_fen(rest)?)),
        None => Some((false, yuan_fen(text)?)),
    }
}

/// A non-negative yuan column in fen, or a line error naming the column.
pub(super) fn yuan_column(line: u64, column: &str, text: &str) -> Result<u64, BillError> {
    yuan_fen(text).ok_or_else(|| bad(line, format!("{column} `{}` is not a yuan amount", clip(text))))
}

/// A line's amount: a positive yuan amount within what one payment can be.
pub(super) fn amount_column(line: u64, column: &str, text: &str) -> Result<AmountFen, BillError> {
    AmountFen::parse_yuan(text).map_err(|e| bad(line, format!("{column} `{}`: {e}", clip(text))))
}

/// A `yyyy-MM-dd HH:mm:ss` Beijing time in Unix seconds.
pub(super) fn beijing_time(line: u64, column: &str, text: &str) -> Result<i64, BillError> {
    let b = text.as_bytes();
    let shaped = b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19].into_iter().all(|r| b[r].iter().all(u8::is_ascii_digit));
    let err = || bad(line, format!("{column} `{}` is not a yyyy-MM-dd HH:mm:ss time", clip(text)));
    if !shaped {
        return Err(err());
    }
    let compact: String = text.chars().filter(char::is_ascii_digit).collect();
    crate::time::parse_beijing_compact(&compact).map_err(|_| err())
}

/// Fen as yuan text with two decimals, for messages.
pub(super) fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// At most 40 characters of a field, for messages.
pub(super) fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}
