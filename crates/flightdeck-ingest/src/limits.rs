//! Caps on what one request may carry, and counters of what the caps cut.

use serde::{Deserialize, Serialize};

/// Caps applied while decoding. Over-size bodies are refused; over-size attributes are truncated
/// and counted, never fatal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted, in bytes, both as received and after decompression
    /// (OTLP recommends 64 MiB).
    pub max_body_bytes: usize,
    /// Most attributes kept per span, event, link, resource, scope or log record; the rest are
    /// dropped and counted in the item's `dropped_attributes_count`.
    pub max_attributes: usize,
    /// Longest string or byte value kept, in bytes; longer values are cut (on a UTF-8 boundary).
    pub max_attribute_value_bytes: usize,
    /// Most events kept per span (streaming chunk events can be numerous).
    pub max_events_per_span: usize,
    /// Most links kept per span.
    pub max_links_per_span: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024 * 1024,
            max_attributes: 1024,
            max_attribute_value_bytes: 1024 * 1024,
            max_events_per_span: 10_000,
            max_links_per_span: 1024,
        }
    }
}

/// What the caps cut from one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Truncations {
    /// Attribute values shortened to `max_attribute_value_bytes`.
    pub values_truncated: u64,
    /// Attributes dropped over `max_attributes`.
    pub attributes_dropped: u64,
    /// Events dropped over `max_events_per_span`.
    pub events_dropped: u64,
    /// Links dropped over `max_links_per_span`.
    pub links_dropped: u64,
}

impl Truncations {
    /// True when nothing was cut.
    pub fn is_empty(&self) -> bool {
        *self == Truncations::default()
    }
}

/// Cuts `text` to at most `max` bytes without splitting a UTF-8 character.
pub(crate) fn truncate_utf8(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut cut = max;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Truncation never splits a multi-byte character.
    #[test]
    fn truncates_on_char_boundary() {
        let mut s = "aé€".to_owned(); // 1 + 2 + 3 bytes
        assert!(truncate_utf8(&mut s, 4));
        assert_eq!(s, "aé");
        let mut short = "ok".to_owned();
        assert!(!truncate_utf8(&mut short, 4));
    }
}
