//! Deprecated attribute and event names, with their replacements in the current conventions.

use serde::{Deserialize, Serialize};

/// What kind of name a deprecated entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// A span attribute key.
    Attribute,
    /// A family of span attribute keys (`gen_ai.prompt.{i}.*`).
    AttributePattern,
    /// A span event name.
    SpanEvent,
    /// A log event name (`LogRecord::event_name`).
    LogEvent,
}

macro_rules! deprecated_names {
    ($($id:ident => $name:literal, $kind:ident, $replacement:literal;)*) => {
        /// A deprecated name a span or log record used. The set is closed (it only grows with new
        /// releases), so it fits in a bit set.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum DeprecatedName {
            $(
                #[doc = concat!("`", $name, "` (use `", $replacement, "`)")]
                $id,
            )*
        }

        impl DeprecatedName {
            /// Every deprecated name, in a fixed order.
            pub const ALL: &'static [DeprecatedName] = &[$(DeprecatedName::$id),*];

            /// The deprecated name as it appears on the wire (patterns use `{i}` and `*`).
            pub fn name(self) -> &'static str {
                match self { $(DeprecatedName::$id => $name),* }
            }

            /// What replaces it in the current conventions.
            pub fn replacement(self) -> &'static str {
                match self { $(DeprecatedName::$id => $replacement),* }
            }

            /// Whether it is an attribute, an attribute family or an event name.
            pub fn kind(self) -> NameKind {
                match self { $(DeprecatedName::$id => NameKind::$kind),* }
            }
        }
    };
}

deprecated_names! {
    GenAiSystem => "gen_ai.system", Attribute, "gen_ai.provider.name";
    UsagePromptTokens => "gen_ai.usage.prompt_tokens", Attribute, "gen_ai.usage.input_tokens";
    UsageCompletionTokens => "gen_ai.usage.completion_tokens", Attribute, "gen_ai.usage.output_tokens";
    UsageCacheCreation => "gen_ai.usage.cache_creation.input_tokens", Attribute, "gen_ai.usage.cache_write.input_tokens";
    Prompt => "gen_ai.prompt", Attribute, "gen_ai.input.messages";
    Completion => "gen_ai.completion", Attribute, "gen_ai.output.messages";
    IndexedPrompt => "gen_ai.prompt.{i}.*", AttributePattern, "gen_ai.input.messages";
    IndexedCompletion => "gen_ai.completion.{i}.*", AttributePattern, "gen_ai.output.messages";
    OpenaiRequestSeed => "gen_ai.openai.request.seed", Attribute, "gen_ai.request.seed";
    OpenaiResponseFormat => "gen_ai.openai.request.response_format", Attribute, "gen_ai.output.type";
    OpenaiRequestServiceTier => "gen_ai.openai.request.service_tier", Attribute, "openai.request.service_tier";
    OpenaiResponseServiceTier => "gen_ai.openai.response.service_tier", Attribute, "openai.response.service_tier";
    OpenaiSystemFingerprint => "gen_ai.openai.response.system_fingerprint", Attribute, "openai.response.system_fingerprint";
    ContentPromptEvent => "gen_ai.content.prompt", SpanEvent, "gen_ai.input.messages";
    ContentCompletionEvent => "gen_ai.content.completion", SpanEvent, "gen_ai.output.messages";
    SystemMessageEvent => "gen_ai.system.message", LogEvent, "gen_ai.input.messages";
    UserMessageEvent => "gen_ai.user.message", LogEvent, "gen_ai.input.messages";
    AssistantMessageEvent => "gen_ai.assistant.message", LogEvent, "gen_ai.input.messages";
    ToolMessageEvent => "gen_ai.tool.message", LogEvent, "gen_ai.input.messages";
    ChoiceEvent => "gen_ai.choice", LogEvent, "gen_ai.output.messages";
    EnduserId => "enduser.id", Attribute, "user.id";
    DbSystem => "db.system", Attribute, "db.system.name";
    DbOperation => "db.operation", Attribute, "db.operation.name";
    ToadEyeAgentStep => "gen_ai.agent.step.*", AttributePattern, "gen_ai.toad_eye.agent.step.*";
    ToadEyeAgentHandoff => "gen_ai.agent.handoff.*", AttributePattern, "gen_ai.toad_eye.agent.handoff.*";
    ToadEyeAgentLoopCount => "gen_ai.agent.loop_count", Attribute, "gen_ai.toad_eye.agent.loop_count";
    ToadEyeAgentToolName => "gen_ai.agent.tool.name", Attribute, "gen_ai.tool.name";
}

impl DeprecatedName {
    /// The deprecated per-message or content event with this name, if it is one.
    pub fn from_event_name(name: &str) -> Option<DeprecatedName> {
        Some(match name {
            "gen_ai.content.prompt" => DeprecatedName::ContentPromptEvent,
            "gen_ai.content.completion" => DeprecatedName::ContentCompletionEvent,
            "gen_ai.system.message" => DeprecatedName::SystemMessageEvent,
            "gen_ai.user.message" => DeprecatedName::UserMessageEvent,
            "gen_ai.assistant.message" => DeprecatedName::AssistantMessageEvent,
            "gen_ai.tool.message" => DeprecatedName::ToolMessageEvent,
            "gen_ai.choice" => DeprecatedName::ChoiceEvent,
            _ => return None,
        })
    }
}

impl Serialize for DeprecatedName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for DeprecatedName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        DeprecatedName::ALL
            .iter()
            .copied()
            .find(|d| d.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown deprecated name `{name}`")))
    }
}

/// A set of deprecated names (a bit set; copying it is free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DeprecatedSet(u64);

impl DeprecatedSet {
    /// Adds a name.
    pub fn insert(&mut self, name: DeprecatedName) {
        self.0 |= 1 << (name as u8);
    }

    /// True when `name` is in the set.
    pub fn contains(self, name: DeprecatedName) -> bool {
        self.0 & (1 << (name as u8)) != 0
    }

    /// Adds every member of `other`.
    pub fn extend(&mut self, other: DeprecatedSet) {
        self.0 |= other.0;
    }

    /// True when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names in the set, in [`DeprecatedName::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = DeprecatedName> {
        DeprecatedName::ALL
            .iter()
            .copied()
            .filter(move |d| self.contains(*d))
    }
}

impl Serialize for DeprecatedSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for DeprecatedSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut set = DeprecatedSet::default();
        for name in Vec::<DeprecatedName>::deserialize(deserializer)? {
            set.insert(name);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bit set has room for every name, and names serialize as their wire spelling.
    #[test]
    fn set_holds_every_name() {
        assert!(DeprecatedName::ALL.len() <= 64);
        let mut set = DeprecatedSet::default();
        for name in DeprecatedName::ALL {
            set.insert(*name);
        }
        assert_eq!(set.iter().count(), DeprecatedName::ALL.len());
        let json = serde_json::to_string(&DeprecatedName::GenAiSystem).unwrap();
        assert_eq!(json, "\"gen_ai.system\"");
        let back: DeprecatedSet = serde_json::from_str(r#"["gen_ai.choice"]"#).unwrap();
        assert!(back.contains(DeprecatedName::ChoiceEvent));
    }

    /// Event names map to their deprecated entry; current event names do not.
    #[test]
    fn event_names() {
        assert_eq!(
            DeprecatedName::from_event_name("gen_ai.user.message"),
            Some(DeprecatedName::UserMessageEvent)
        );
        assert_eq!(
            DeprecatedName::from_event_name("gen_ai.client.inference.operation.details"),
            None
        );
    }
}
