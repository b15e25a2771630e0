//! The attribute dialects GenAI instrumentations speak, and small sets of them.

use serde::{Deserialize, Serialize};

/// One attribute dialect. The string ids ([`Dialect::as_str`]) are stable: they appear in the API,
/// in diagnostics snapshots and in finding messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// The current OpenTelemetry GenAI semantic conventions (`gen_ai.provider.name`, ...).
    OtelCurrent,
    /// Older OpenTelemetry GenAI conventions (`gen_ai.system`, `gen_ai.usage.prompt_tokens`,
    /// `gen_ai.prompt`, per-message events, `cache_creation`, `gen_ai.openai.*`).
    OtelLegacy,
    /// OpenLLMetry / Traceloop (`gen_ai.prompt.N.*`, `llm.request.type`, `llm.usage.*`,
    /// `traceloop.*`).
    Openllmetry,
    /// OpenInference / Arize Phoenix (`openinference.span.kind`, `llm.token_count.*`,
    /// `input.value`, `retrieval.documents.N.*`).
    Openinference,
    /// OpenLIT (`gen_ai.application_name`, `gen_ai.usage.cost`, `*_tokens_details.*`).
    Openlit,
    /// Vercel AI SDK telemetry (`ai.*`).
    VercelAi,
    /// Langfuse SDK attributes (`langfuse.*`).
    Langfuse,
    /// Pydantic Logfire (`logfire.*`, `request_data` / `response_data`).
    Logfire,
    /// toad-eye (`gen_ai.toad_eye.*`, `toad_eye.*`).
    ToadEye,
}

impl Dialect {
    /// Every dialect, in a fixed order (the order of [`DialectSet::iter`]).
    pub const ALL: [Dialect; 9] = [
        Dialect::OtelCurrent,
        Dialect::OtelLegacy,
        Dialect::Openllmetry,
        Dialect::Openinference,
        Dialect::Openlit,
        Dialect::VercelAi,
        Dialect::Langfuse,
        Dialect::Logfire,
        Dialect::ToadEye,
    ];

    /// The stable string id.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::OtelCurrent => "otel_current",
            Dialect::OtelLegacy => "otel_legacy",
            Dialect::Openllmetry => "openllmetry",
            Dialect::Openinference => "openinference",
            Dialect::Openlit => "openlit",
            Dialect::VercelAi => "vercel_ai",
            Dialect::Langfuse => "langfuse",
            Dialect::Logfire => "logfire",
            Dialect::ToadEye => "toad_eye",
        }
    }

    /// Position in [`Dialect::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of dialects (a bit set; copying it is free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DialectSet(u16);

impl DialectSet {
    /// The empty set.
    pub const EMPTY: DialectSet = DialectSet(0);

    /// Adds a dialect.
    pub fn insert(&mut self, dialect: Dialect) {
        self.0 |= dialect.bit();
    }

    /// True when `dialect` is in the set.
    pub fn contains(self, dialect: Dialect) -> bool {
        self.0 & dialect.bit() != 0
    }

    /// The bits (one per dialect, in [`Dialect::ALL`] order).
    pub(crate) fn bits(self) -> u16 {
        self.0
    }

    /// Adds the dialects of a bit pattern from [`DialectSet::bits`].
    pub(crate) fn insert_bits(&mut self, bits: u16) {
        self.0 |= bits;
    }

    /// Adds every member of `other`.
    pub fn extend(&mut self, other: DialectSet) {
        self.0 |= other.0;
    }

    /// True when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of dialects in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The dialects in the set, in [`Dialect::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Dialect> {
        Dialect::ALL.into_iter().filter(move |d| self.contains(*d))
    }
}

impl Serialize for DialectSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for DialectSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = Vec::<Dialect>::deserialize(deserializer)?;
        let mut set = DialectSet::EMPTY;
        for dialect in list {
            set.insert(dialect);
        }
        Ok(set)
    }
}

impl FromIterator<Dialect> for DialectSet {
    fn from_iter<I: IntoIterator<Item = Dialect>>(iter: I) -> Self {
        let mut set = DialectSet::EMPTY;
        for dialect in iter {
            set.insert(dialect);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set keeps what was inserted, iterates in the fixed order and serializes as a list of ids.
    #[test]
    fn set_round_trips() {
        let set: DialectSet = [Dialect::VercelAi, Dialect::OtelCurrent]
            .into_iter()
            .collect();
        assert!(set.contains(Dialect::OtelCurrent));
        assert!(!set.contains(Dialect::Langfuse));
        assert_eq!(set.len(), 2);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["otel_current","vercel_ai"]"#);
        let back: DialectSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
    }

    /// Every dialect's index is its position in `ALL`, so per-dialect counters line up.
    #[test]
    fn indices_match_all() {
        for (i, d) in Dialect::ALL.iter().enumerate() {
            assert_eq!(d.index(), i);
        }
    }
}
