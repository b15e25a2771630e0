//! Attribute values and attribute lists, as OTLP defines them.
//!
//! Values serialize to plain JSON (`{"key": value}`) so the API and the store show attributes the way
//! users read them. The mapping is lossless: integers stay integers, doubles always carry a decimal
//! point or exponent, byte strings become `{"$bytes": "<base64>"}`, and non-finite doubles become
//! the strings `"NaN"`, `"Infinity"`, `"-Infinity"` tagged as `{"$double": ...}`.

use std::fmt;

use base64::Engine as _;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One attribute value: the OTLP `AnyValue`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AttrValue {
    /// No value was set.
    #[default]
    Empty,
    /// A UTF-8 string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Double(f64),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A list of values.
    Array(Vec<AttrValue>),
    /// A list of key-value pairs (OTLP `kvlist_value`).
    Map(Vec<KeyValue>),
}

impl AttrValue {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer: integers as they are, doubles with no fraction, and strings that
    /// parse as integers (some instrumentations send token counts as strings).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            AttrValue::Double(d) if d.fract() == 0.0 && d.is_finite() => Some(*d as i64),
            AttrValue::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a float: doubles, integers, and numeric strings.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Double(d) => Some(*d),
            AttrValue::Int(i) => Some(*i as f64),
            AttrValue::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as a boolean: booleans, and the strings `true` / `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttrValue::Bool(b) => Some(*b),
            AttrValue::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            AttrValue::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The array elements, if this is an array.
    pub fn as_array(&self) -> Option<&[AttrValue]> {
        match self {
            AttrValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// A rendering for equality search and display: strings as they are, everything else as JSON.
    pub fn to_display_string(&self) -> String {
        match self {
            AttrValue::Str(s) => s.clone(),
            other => other.to_json().to_string(),
        }
    }

    /// Converts to a `serde_json::Value` (the same form `Serialize` writes).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Converts from a `serde_json::Value`, reading the tagged forms written by `Serialize`.
    pub fn from_json(value: serde_json::Value) -> AttrValue {
        use serde_json::Value;
        match value {
            Value::Null => AttrValue::Empty,
            Value::Bool(b) => AttrValue::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => AttrValue::Int(i),
                None => AttrValue::Double(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => AttrValue::Str(s),
            Value::Array(items) => {
                AttrValue::Array(items.into_iter().map(Self::from_json).collect())
            }
            Value::Object(map) => {
                if map.len() == 1 {
                    if let Some(Value::String(b64)) = map.get("$bytes")
                        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64)
                    {
                        return AttrValue::Bytes(bytes);
                    }
                    if let Some(Value::String(special)) = map.get("$double") {
                        let d = match special.as_str() {
                            "Infinity" => f64::INFINITY,
                            "-Infinity" => f64::NEG_INFINITY,
                            _ => f64::NAN,
                        };
                        return AttrValue::Double(d);
                    }
                }
                AttrValue::Map(
                    map.into_iter()
                        .map(|(key, value)| KeyValue {
                            key,
                            value: Self::from_json(value),
                        })
                        .collect(),
                )
            }
        }
    }

    /// Approximate heap size in bytes, used for caps and buffer accounting.
    pub fn heap_size(&self) -> usize {
        match self {
            AttrValue::Str(s) => s.len(),
            AttrValue::Bytes(b) => b.len(),
            AttrValue::Array(a) => a.iter().map(|v| v.heap_size() + 16).sum(),
            AttrValue::Map(m) => m
                .iter()
                .map(|kv| kv.key.len() + kv.value.heap_size() + 16)
                .sum(),
            _ => 0,
        }
    }
}

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}
impl From<i64> for AttrValue {
    fn from(i: i64) -> Self {
        AttrValue::Int(i)
    }
}
impl From<f64> for AttrValue {
    fn from(d: f64) -> Self {
        AttrValue::Double(d)
    }
}
impl From<bool> for AttrValue {
    fn from(b: bool) -> Self {
        AttrValue::Bool(b)
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_display_string())
    }
}

impl Serialize for AttrValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AttrValue::Empty => serializer.serialize_none(),
            AttrValue::Str(s) => serializer.serialize_str(s),
            AttrValue::Bool(b) => serializer.serialize_bool(*b),
            AttrValue::Int(i) => serializer.serialize_i64(*i),
            AttrValue::Double(d) if d.is_finite() => serializer.serialize_f64(*d),
            AttrValue::Double(d) => {
                let text = if d.is_nan() {
                    "NaN"
                } else if *d > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("$double", text)?;
                map.end()
            }
            AttrValue::Bytes(b) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(
                    "$bytes",
                    &base64::engine::general_purpose::STANDARD.encode(b),
                )?;
                map.end()
            }
            AttrValue::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            AttrValue::Map(entries) => serialize_entries(entries, serializer),
        }
    }
}

impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(AttrValue::from_json)
    }
}

fn serialize_entries<S: Serializer>(
    entries: &[KeyValue],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for kv in entries {
        map.serialize_entry(&kv.key, &kv.value)?;
    }
    map.end()
}

/// One attribute: a key and its value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyValue {
    /// The attribute key, e.g. `gen_ai.request.model`.
    pub key: String,
    /// The value.
    pub value: AttrValue,
}

impl KeyValue {
    /// Builds a key-value pair.
    pub fn new(key: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// An ordered attribute list. Lookups are linear: attribute lists are short and a linear scan over
/// a contiguous vector beats hashing at these sizes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attributes(pub Vec<KeyValue>);

impl Attributes {
    /// An empty list.
    pub fn new() -> Self {
        Attributes(Vec::new())
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `key` (the first one, if a client sent duplicates).
    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.0.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
    }

    /// The string value of `key`, if it is a non-empty string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(AttrValue::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The integer value of `key` (see [`AttrValue::as_i64`]).
    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(AttrValue::as_i64)
    }

    /// The float value of `key` (see [`AttrValue::as_f64`]).
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(AttrValue::as_f64)
    }

    /// True when `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|kv| kv.key == key)
    }

    /// Sets `key`, replacing an existing value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<AttrValue>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = value,
            None => self.0.push(KeyValue { key, value }),
        }
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<AttrValue> {
        let index = self.0.iter().position(|kv| kv.key == key)?;
        Some(self.0.remove(index).value)
    }

    /// Iterates over the pairs in order.
    pub fn iter(&self) -> std::slice::Iter<'_, KeyValue> {
        self.0.iter()
    }

    /// Approximate heap size in bytes.
    pub fn heap_size(&self) -> usize {
        self.0
            .iter()
            .map(|kv| kv.key.len() + kv.value.heap_size() + std::mem::size_of::<KeyValue>())
            .sum()
    }

    /// Serializes to a compact JSON object string.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Parses the JSON object form written by [`Attributes::to_json_string`].
    pub fn from_json_str(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl FromIterator<KeyValue> for Attributes {
    fn from_iter<I: IntoIterator<Item = KeyValue>>(iter: I) -> Self {
        Attributes(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = &'a KeyValue;
    type IntoIter = std::slice::Iter<'a, KeyValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_entries(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match AttrValue::deserialize(deserializer)? {
            AttrValue::Map(entries) => Ok(Attributes(entries)),
            AttrValue::Empty => Ok(Attributes::new()),
            _ => Err(serde::de::Error::custom("attributes must be a JSON object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every value kind survives a JSON round trip with its type intact.
    #[test]
    fn json_round_trip_keeps_types() {
        let attrs: Attributes = vec![
            KeyValue::new("s", "text"),
            KeyValue::new("i", 42i64),
            KeyValue::new("d", 2.0f64),
            KeyValue::new("b", true),
            KeyValue::new("bytes", AttrValue::Bytes(vec![0, 1, 255])),
            KeyValue::new("nan", f64::NAN),
            KeyValue::new("inf", f64::NEG_INFINITY),
            KeyValue::new(
                "arr",
                AttrValue::Array(vec![AttrValue::Int(1), AttrValue::Str("x".into())]),
            ),
            KeyValue::new("map", AttrValue::Map(vec![KeyValue::new("k", 1.5f64)])),
        ]
        .into_iter()
        .collect();
        let text = attrs.to_json_string();
        assert!(text.contains(r#""d":2.0"#), "{text}");
        let back = Attributes::from_json_str(&text).unwrap();
        assert_eq!(back.get("i"), Some(&AttrValue::Int(42)));
        assert_eq!(back.get("d"), Some(&AttrValue::Double(2.0)));
        assert_eq!(back.get("bytes"), Some(&AttrValue::Bytes(vec![0, 1, 255])));
        assert!(matches!(back.get("nan"), Some(AttrValue::Double(d)) if d.is_nan()));
        assert_eq!(back.get("inf"), Some(&AttrValue::Double(f64::NEG_INFINITY)));
        assert_eq!(back.get("arr"), attrs.get("arr"));
        assert_eq!(back.get("map"), attrs.get("map"));
    }

    /// Lenient numeric accessors read strings and whole doubles, not fractions.
    #[test]
    fn lenient_accessors() {
        assert_eq!(AttrValue::Str(" 12 ".into()).as_i64(), Some(12));
        assert_eq!(AttrValue::Double(3.0).as_i64(), Some(3));
        assert_eq!(AttrValue::Double(3.5).as_i64(), None);
        assert_eq!(AttrValue::Str("TRUE".into()).as_bool(), Some(true));
    }

    fn value_strategy() -> impl Strategy<Value = AttrValue> {
        let leaf = prop_oneof![
            any::<String>().prop_map(AttrValue::Str),
            any::<i64>().prop_map(AttrValue::Int),
            any::<bool>().prop_map(AttrValue::Bool),
            (-1e12f64..1e12).prop_map(AttrValue::Double),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(AttrValue::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4).prop_map(|kvs| {
                    AttrValue::Map(kvs.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect())
                }),
            ]
        })
    }

    proptest! {
        /// Any value tree survives a JSON round trip unchanged.
        #[test]
        fn any_value_round_trips(value in value_strategy()) {
            let text = serde_json::to_string(&value).unwrap();
            let back: AttrValue = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, value);
        }
    }
}
