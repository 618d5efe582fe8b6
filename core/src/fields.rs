//! [`Fields`]: the ordered name → value map that WeChat Pay v2 and Alipay MAPI sign over.
//!
//! Keys are kept in byte order, which is both providers' sort order (ASCII / PHP `ksort`).
//! A signature is always verified over this map as received, unknown fields included,
//! and only then is the map read into typed values (verify first, deserialize after).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An ordered map of wire fields, names sorted byte-wise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fields(BTreeMap<String, String>);

/// A field that a reply or notify must carry was absent or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{0}` is missing")]
pub struct MissingField(pub String);

impl Fields {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing any earlier value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// Inserts only when the field is new; returns false for a duplicate name.
    pub fn insert_new(&mut self, name: String, value: String) -> bool {
        match self.0.entry(name) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value);
                true
            }
        }
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name`, treating an empty value as absent.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The non-empty value of `name`, or [`MissingField`].
    pub fn required(&self, name: &str) -> Result<&str, MissingField> {
        self.non_empty(name).ok_or_else(|| MissingField(name.to_owned()))
    }

    /// Removes a field and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// All fields in signing order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}
