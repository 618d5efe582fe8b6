//! Money as an integer number of fen (分, 0.01 CNY). No floats anywhere.
//!
//! WeChat Pay v2 sends `total_fee` as an integer of fen; Alipay MAPI sends yuan with at
//! most two decimals. Both directions are converted by integer arithmetic only, so
//! `"19.90"` is 1990 fen and `"0.03"` is 3 fen, exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A positive amount of money in fen, within what both providers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct AmountFen(u64);

/// Why an amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Zero is not a payable amount.
    #[error("amount must be at least 1 fen")]
    Zero,
    /// Above [`AmountFen::MAX`], WeChat's 32-bit `total_fee` limit.
    #[error("amount exceeds {} fen", AmountFen::MAX.0)]
    TooLarge,
    /// The text is not a plain decimal in the expected form.
    #[error("`{0}` is not a valid amount")]
    Malformed(String),
}

impl AmountFen {
    /// The smallest amount: 1 fen (0.01 yuan).
    pub const MIN: AmountFen = AmountFen(1);
    /// The largest amount: WeChat's `total_fee` is a signed 32-bit Int of fen
    /// (21 474 836.47 yuan), below Alipay's 100 000 000.00 yuan limit.
    pub const MAX: AmountFen = AmountFen(i32::MAX as u64);

    /// Checks the bounds of an amount in fen.
    pub fn new(fen: u64) -> Result<Self, MoneyError> {
        match fen {
            0 => Err(MoneyError::Zero),
            f if f > Self::MAX.0 => Err(MoneyError::TooLarge),
            f => Ok(Self(f)),
        }
    }

    /// The amount in fen.
    pub fn fen(self) -> u64 {
        self.0
    }

    /// Parses WeChat's `total_fee`: ASCII digits only, no sign, no decimals.
    pub fn parse_fen(text: &str) -> Result<Self, MoneyError> {
        let malformed = || MoneyError::Malformed(truncate(text));
        if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let fen = text.parse::<u64>().map_err(|_| malformed())?;
        Self::new(fen)
    }

    /// Parses an Alipay yuan amount such as `0.01`, `19.9` or `100`:
    /// digits, then optionally `.` and one or two digits. No sign, exponent or spaces.
    pub fn parse_yuan(text: &str) -> Result<Self, MoneyError> {
        let malformed = || MoneyError::Malformed(truncate(text));
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 10 || !digits(whole) {
            return Err(malformed());
        }
        if text.contains('.') && (frac.is_empty() || frac.len() > 2 || !digits(frac)) {
            return Err(malformed());
        }
        let yuan: u64 = whole.parse().map_err(|_| malformed())?;
        let mut cents: u64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let d = u64::from(b - b'0');
            cents += if i == 0 { d * 10 } else { d };
        }
        let fen = yuan.checked_mul(100).and_then(|f| f.checked_add(cents)).ok_or(MoneyError::TooLarge)?;
        Self::new(fen)
    }

    /// The amount as Alipay yuan with exactly two decimals, e.g. 1 fen → `0.01`.
    pub fn to_yuan(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(24).collect()
}

impl TryFrom<u64> for AmountFen {
    type Error = MoneyError;
    fn try_from(fen: u64) -> Result<Self, MoneyError> {
        Self::new(fen)
    }
}

impl From<AmountFen> for u64 {
    fn from(a: AmountFen) -> u64 {
        a.0
    }
}

impl fmt::Display for AmountFen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_to_fen_exact_where_floats_fail() {
        // Each of these is a float bug seen in the wild (what-users-ask.md).
        assert_eq!(AmountFen::parse_yuan("19.9").unwrap().fen(), 1990);
        assert_eq!(AmountFen::parse_yuan("9.8").unwrap().fen(), 980);
        assert_eq!(AmountFen::parse_yuan("0.03").unwrap().fen(), 3);
        assert_eq!(AmountFen::parse_yuan("0.01").unwrap().fen(), 1);
        assert_eq!(AmountFen::parse_yuan("100").unwrap().fen(), 10000);
        assert_eq!(AmountFen::parse_yuan("21474836.47").unwrap(), AmountFen::MAX);
    }

    #[test]
    fn fen_to_yuan_has_two_decimals() {
        assert_eq!(AmountFen::new(1).unwrap().to_yuan(), "0.01");
        assert_eq!(AmountFen::new(10).unwrap().to_yuan(), "0.10");
        assert_eq!(AmountFen::new(1990).unwrap().to_yuan(), "19.90");
        assert_eq!(AmountFen::new(100000).unwrap().to_yuan(), "1000.00");
    }

    #[test]
    fn rejects_malformed_and_out_of_range() {
        for bad in
            ["", ".5", "1.", "1.234", "-1", "+1", "1e2", " 1", "1 ", "0x10", "1,00", "１", "NaN", "1..2", "99999999999"]
        {
            assert!(AmountFen::parse_yuan(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(AmountFen::parse_yuan("0.00"), Err(MoneyError::Zero));
        assert_eq!(AmountFen::parse_yuan("21474836.48"), Err(MoneyError::TooLarge));
        assert_eq!(AmountFen::new(0), Err(MoneyError::Zero));
        for bad in ["", "1.0", "-1", "+1", " 1", "abc", "1234567890123"] {
            assert!(AmountFen::parse_fen(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(AmountFen::parse_fen("888").unwrap().fen(), 888);
        assert_eq!(AmountFen::parse_fen("2147483648"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn serde_is_integer_fen_and_checks_bounds() {
        let a: AmountFen = serde_json::from_str("1990").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "1990");
        assert!(serde_json::from_str::<AmountFen>("0").is_err());
        assert!(serde_json::from_str::<AmountFen>("19.9").is_err());
        assert!(serde_json::from_str::<AmountFen>("-5").is_err());
        assert!(serde_json::from_str::<AmountFen>("\"100\"").is_err());
    }

    proptest! {
        #[test]
        fn yuan_round_trips(fen in 1u64..=AmountFen::MAX.fen()) {
            let a = AmountFen::new(fen).unwrap();
            prop_assert_eq!(AmountFen::parse_yuan(&a.to_yuan()).unwrap(), a);
            prop_assert_eq!(AmountFen::parse_fen(&a.to_string()).unwrap(), a);
        }

        #[test]
        fn one_decimal_means_tens_of_fen(yuan in 0u64..1_000_000, dime in 1u64..10) {
            let text = format!("{yuan}.{dime}");
            prop_assert_eq!(AmountFen::parse_yuan(&text).unwrap().fen(), yuan * 100 + dime * 10);
        }

        #[test]
        fn never_panics(text in "\\PC{0,16}") {
            let _ = AmountFen::parse_yuan(&text);
            let _ = AmountFen::parse_fen(&text);
        }
    }
}
