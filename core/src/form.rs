//! `application/x-www-form-urlencoded`: Alipay notifies, returns and request URLs.
//!
//! Decoding happens exactly once (`+` → space, `%XX` → byte) and the signature is checked
//! over the decoded bytes: a `notify_id` that arrives double-encoded (`%252F`) is signed
//! as `%2F`, and a GBK notify is verified on its bytes before any text conversion.
//! Encoding follows PHP `urlencode`, as the Alipay demo builds its URLs.

use std::collections::BTreeMap;

use crate::Fields;

/// Why a form body was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Larger than [`RawForm::MAX_BYTES`].
    #[error("form body exceeds {} bytes", RawForm::MAX_BYTES)]
    TooLarge,
    /// More than [`RawForm::MAX_FIELDS`] fields.
    #[error("form has more than {} fields", RawForm::MAX_FIELDS)]
    TooManyFields,
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape in form")]
    BadEscape,
    /// The same name appears twice, which would make the signed value ambiguous.
    #[error("field `{0}` appears twice")]
    Duplicate(String),
    /// A field name is empty.
    #[error("empty field name in form")]
    EmptyName,
    /// A field this product reads is not valid UTF-8.
    #[error("field `{0}` is not UTF-8")]
    NotUtf8(String),
}

/// A decoded form: names and values as bytes, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawForm(BTreeMap<Vec<u8>, Vec<u8>>);

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(part: &[u8]) -> Result<Vec<u8>, FormError> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = part.get(i + 1).copied().and_then(hex_val);
                let lo = part.get(i + 2).copied().and_then(hex_val);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err(FormError::BadEscape),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Ok(out)
}

impl RawForm {
    /// Largest body accepted (Alipay notifies are well under 4 KB).
    pub const MAX_BYTES: usize = 32 * 1024;
    /// Most fields accepted.
    pub const MAX_FIELDS: usize = 128;

    /// Parses a body or query string, decoding each name and value once.
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        if body.len() > Self::MAX_BYTES {
            return Err(FormError::TooLarge);
        }
        let mut map = BTreeMap::new();
        for part in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[part.len()..]),
            };
            let name = decode(name)?;
            if name.is_empty() {
                return Err(FormError::EmptyName);
            }
            if map.len() == Self::MAX_FIELDS {
                return Err(FormError::TooManyFields);
            }
            let value = decode(value)?;
            if map.contains_key(&name) {
                return Err(FormError::Duplicate(String::from_utf8_lossy(&name).into_owned()));
            }
            map.insert(name, value);
        }
        Ok(Self(map))
    }

    /// All pairs, for signing.
    pub fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> + Clone {
        self.0.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// A field as UTF-8 text; absent → `Ok(None)`.
    pub fn text(&self, name: &str) -> Result<Option<&str>, FormError> {
        match self.0.get(name.as_bytes()) {
            None => Ok(None),
            Some(v) => std::str::from_utf8(v).map(Some).map_err(|_| FormError::NotUtf8(name.to_owned())),
        }
    }

    /// Every field as text, invalid UTF-8 replaced (for display and the `paysign` tool;
    /// never for signing).
    pub fn to_fields_lossy(&self) -> Fields {
        self.0
            .iter()
            .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the form is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// PHP `urlencode`: `[A-Za-z0-9_.-]` kept, space → `+`, every other byte `%XX` (uppercase).
pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// Encodes `k=v` pairs with [`urlencode`], in the order given, joined with `&`.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&urlencode(k));
        out.push('=');
        out.push_str(&urlencode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_once() {
        let form = RawForm::parse(b"notify_id=abc%252Fdef&subject=a+b%E4%B8%AD&empty=&flag").unwrap();
        assert_eq!(form.text("notify_id").unwrap(), Some("abc%2Fdef"));
        assert_eq!(form.text("subject").unwrap(), Some("a b中"));
        assert_eq!(form.text("empty").unwrap(), Some(""));
        assert_eq!(form.text("flag").unwrap(), Some(""));
        assert_eq!(form.text("missing").unwrap(), None);
    }

    #[test]
    fn gbk_bytes_survive_for_signing() {
        // "中" in GBK is D6 D0: not UTF-8, but signable.
        let form = RawForm::parse(b"subject=%D6%D0&out_trade_no=123456").unwrap();
        assert!(matches!(form.text("subject"), Err(FormError::NotUtf8(_))));
        assert_eq!(form.pairs().find(|(k, _)| *k == b"subject").unwrap().1, &[0xD6, 0xD0]);
        assert_eq!(form.text("out_trade_no").unwrap(), Some("123456"));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(RawForm::parse(b"a=%2"), Err(FormError::BadEscape));
        assert_eq!(RawForm::parse(b"a=%zz"), Err(FormError::BadEscape));
        assert_eq!(RawForm::parse(b"a=1&a=2"), Err(FormError::Duplicate("a".into())));
        assert_eq!(RawForm::parse(b"=1"), Err(FormError::EmptyName));
        assert_eq!(RawForm::parse(&vec![b'a'; RawForm::MAX_BYTES + 1]), Err(FormError::TooLarge));
        let many: Vec<String> = (0..=RawForm::MAX_FIELDS).map(|i| format!("k{i}=v")).collect();
        assert_eq!(RawForm::parse(many.join("&").as_bytes()), Err(FormError::TooManyFields));
    }

    #[test]
    fn php_urlencode() {
        assert_eq!(urlencode("http://127.0.0.1"), "http%3A%2F%2F127.0.0.1");
        assert_eq!(urlencode("souvenir@chinarun.com"), "souvenir%40chinarun.com");
        assert_eq!(urlencode("为-充值0.01元"), "%E4%B8%BA-%E5%85%85%E5%80%BC0.01%E5%85%83");
        assert_eq!(urlencode("a b~*"), "a+b%7E%2A");
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(map in proptest::collection::btree_map("\\PC{1,8}", "\\PC{0,8}", 0..10)) {
            let body = encode_pairs(map.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let form = RawForm::parse(body.as_bytes()).unwrap();
            prop_assert_eq!(form.len(), map.len());
            for (k, v) in &map {
                prop_assert_eq!(form.text(k).unwrap(), Some(v.as_str()));
            }
        }

        #[test]
        fn parse_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = RawForm::parse(&body);
        }
    }
}
