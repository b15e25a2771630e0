//! What the normalizer noticed about one span besides the typed view: dialects, deprecated names,
//! conflicts between sources, and which values it derived.

use serde::{Deserialize, Serialize};

use crate::deprecated::DeprecatedSet;
use crate::dialect::DialectSet;

/// Two sources of one canonical field disagreed; the first (higher-priority) one was kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The canonical field, named by its current attribute (`gen_ai.provider.name`).
    pub field: String,
    /// The attribute whose value was kept.
    pub kept_key: String,
    /// The kept value (after normalization, e.g. provider aliases resolved).
    pub kept: String,
    /// The attribute that disagreed.
    pub other_key: String,
    /// Its value (after the same normalization).
    pub other: String,
}

macro_rules! derivations {
    ($($id:ident => $name:literal, $doc:literal;)*) => {
        /// A value the normalizer computed instead of reading it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Derivation {
            $(#[doc = $doc] $id,)*
        }

        impl Derivation {
            /// Every derivation, in a fixed order.
            pub const ALL: &'static [Derivation] = &[$(Derivation::$id),*];

            /// Stable string id.
            pub fn as_str(self) -> &'static str {
                match self { $(Derivation::$id => $name),* }
            }
        }
    };
}

derivations! {
    InputTokensMadeInclusive => "input_tokens_made_inclusive",
        "Input tokens were reported without cache tokens; cache reads and writes were added.";
    OutputTokensMadeInclusive => "output_tokens_made_inclusive",
        "Output tokens were reported without reasoning tokens; reasoning tokens were added.";
    InputTokensFromTotal => "input_tokens_from_total",
        "Input tokens were missing and computed as total minus output.";
    OutputTokensFromTotal => "output_tokens_from_total",
        "Output tokens were missing and computed as total minus input.";
    TimeToFirstChunkFromEvents => "time_to_first_chunk_from_events",
        "Time to first chunk came from the first streaming chunk event.";
    OutputTokensPerSecond => "output_tokens_per_second",
        "Output tokens per second were computed from usage and timing.";
    MaxChunkGapFromEvents => "max_chunk_gap_from_events",
        "The longest gap between chunks came from streaming chunk events.";
}

impl Serialize for Derivation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Derivation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Derivation::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown derivation `{name}`")))
    }
}

/// A set of derivations (a bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DerivationSet(u16);

impl DerivationSet {
    /// Adds one.
    pub fn insert(&mut self, derivation: Derivation) {
        self.0 |= 1 << (derivation as u8);
    }

    /// True when `derivation` is in the set.
    pub fn contains(self, derivation: Derivation) -> bool {
        self.0 & (1 << (derivation as u8)) != 0
    }

    /// True when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in [`Derivation::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Derivation> {
        Derivation::ALL
            .iter()
            .copied()
            .filter(move |d| self.contains(*d))
    }
}

impl Serialize for DerivationSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for DerivationSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut set = DerivationSet::default();
        for d in Vec::<Derivation>::deserialize(deserializer)? {
            set.insert(d);
        }
        Ok(set)
    }
}

/// What the normalizer noticed about one span. Cheap to build: no allocation unless sources
/// conflict.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NormalizeReport {
    /// The dialects whose attributes (or events) the span carries.
    pub dialects: DialectSet,
    /// Deprecated attribute and event names the span uses.
    pub deprecated: DeprecatedSet,
    /// Disagreements between sources of the same canonical field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// Values computed rather than read.
    pub derived: DerivationSet,
    /// True when the span's attributes or events carry message content (prompts, completions,
    /// tool arguments, retrieved document text).
    pub content: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report serializes its sets as lists of stable ids and reads them back.
    #[test]
    fn report_round_trips() {
        let mut report = NormalizeReport::default();
        report.derived.insert(Derivation::InputTokensFromTotal);
        report.dialects.insert(crate::Dialect::Openinference);
        report.deprecated.insert(crate::DeprecatedName::GenAiSystem);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["derived"],
            serde_json::json!(["input_tokens_from_total"])
        );
        assert_eq!(json["dialects"], serde_json::json!(["openinference"]));
        assert_eq!(json["deprecated"], serde_json::json!(["gen_ai.system"]));
        let back: NormalizeReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }
}
