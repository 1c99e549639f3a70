//! The condition keys of one request (`aws:SourceIp`, `kms:ViaService`, ...): names
//! compared without regard to ASCII case, each with one or more string values.

use std::borrow::Cow;
use std::collections::HashMap;

/// Condition key values of a request. Key names are case-insensitive (stored
/// lower-cased); each key present has at least one value. A key with several values is a
/// multivalued key (such as `aws:TagKeys`), for the `ForAnyValue:`/`ForAllValues:`
/// operators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextKeys {
    values: HashMap<String, Vec<String>>,
}

fn lower(key: &str) -> Cow<'_, str> {
    if key.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(key.to_ascii_lowercase())
    } else {
        Cow::Borrowed(key)
    }
}

impl ContextKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to the single value `value`, replacing any values it had.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
    }

    /// Sets `key` to `values`, replacing any values it had. An empty list removes the key:
    /// a key is never present without a value.
    pub fn insert_many(&mut self, key: &str, values: Vec<String>) {
        if values.is_empty() {
            self.values.remove(lower(key).as_ref());
        } else {
            self.values.insert(key.to_ascii_lowercase(), values);
        }
    }

    /// Adds `value` to the values of `key` (creating the key if absent).
    pub fn push(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Removes `key`, returning its values.
    pub fn remove(&mut self, key: &str) -> Option<Vec<String>> {
        self.values.remove(lower(key).as_ref())
    }

    /// The values of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lowercase(lower(key).as_ref())
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// How many keys are present.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no key is present.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The keys (lower-cased) and their values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The values of a key already lower-cased, as the engine holds them.
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(key)
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_values_replace_or_append() {
        let mut keys = ContextKeys::new();
        keys.insert("aws:SourceIp", "203.0.113.5");
        assert_eq!(
            keys.get("AWS:SOURCEIP"),
            Some(&["203.0.113.5".to_owned()][..])
        );
        keys.insert("aws:sourceip", "198.51.100.1");
        assert_eq!(keys.get("aws:SourceIp").map(<[String]>::len), Some(1));
        keys.push("aws:TagKeys", "a");
        keys.push("AWS:TagKeys", "b");
        assert_eq!(keys.get("aws:tagkeys").map(<[String]>::len), Some(2));
        keys.insert_many("aws:TagKeys", Vec::new());
        assert!(!keys.contains_key("aws:TagKeys"));
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.remove("AWS:SourceIP").map(|v| v.len()), Some(1));
        assert!(keys.is_empty());
    }
}
