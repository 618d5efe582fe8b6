//! [`OrderNo`]: the merchant's order number, checked once on construction.
//!
//! The same number is sent to WeChat (`out_trade_no`, String(32), 6–32 characters of
//! `[0-9A-Za-z_-|*]`) and to Alipay (`out_trade_no`, String(64)), so it obeys the
//! stricter of the two rules.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated merchant order number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNo(String);

/// Why an order number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderNoError {
    /// Fewer than 6 or more than 32 characters.
    #[error("order_no must be 6 to 32 characters long")]
    Length,
    /// A character outside `[0-9A-Za-z_-|*]`.
    #[error("order_no may only contain 0-9 A-Z a-z _ - | *")]
    Charset,
}

impl OrderNoError {
    /// The error's message as a static text (no formatting machinery needed, for the SDK).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Length => "order_no must be 6 to 32 characters long",
            Self::Charset => "order_no may only contain 0-9 A-Z a-z _ - | *",
        }
    }
}

impl OrderNo {
    /// Shortest accepted length (WeChat).
    pub const MIN_LEN: usize = 6;
    /// Longest accepted length (WeChat).
    pub const MAX_LEN: usize = 32;

    /// Validates an order number.
    pub fn parse(text: &str) -> Result<Self, OrderNoError> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '|' | '*');
        if !text.chars().all(ok_char) {
            return Err(OrderNoError::Charset);
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&text.len()) {
            return Err(OrderNoError::Length);
        }
        Ok(Self(text.to_owned()))
    }

    /// The order number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderNo {
    type Error = OrderNoError;
    fn try_from(s: String) -> Result<Self, OrderNoError> {
        Self::parse(&s)
    }
}

impl From<OrderNo> for String {
    fn from(o: OrderNo) -> String {
        o.0
    }
}

impl fmt::Display for OrderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_wechat_charset() {
        for ok in ["1510281411335281083827", "abc_DEF-12|*", "123456", &"9".repeat(32)] {
            assert_eq!(OrderNo::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(OrderNo::parse("12345"), Err(OrderNoError::Length));
        assert_eq!(OrderNo::parse(&"9".repeat(33)), Err(OrderNoError::Length));
        assert_eq!(OrderNo::parse(&"9".repeat(100_000)), Err(OrderNoError::Length));
        for bad in ["订单123456", "abc def1", "abc/def1", "abc%2Fdef", "abc&x=1", "order\n12"] {
            assert_eq!(OrderNo::parse(bad), Err(OrderNoError::Charset), "{bad:?}");
        }
        assert!(serde_json::from_str::<OrderNo>("\"ab\"").is_err());
        assert!(serde_json::from_str::<OrderNo>("123456").is_err());
    }
}
