//! The `[pipeline.redact]` section.

use serde::{Deserialize, Serialize};

/// What happens to text a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Replace the match with the mask text (`[REDACTED:<rule>]` by default).
    #[default]
    Mask,
    /// Replace the match with a keyed hash (HMAC-SHA256, first 16 hex digits) so equal values stay
    /// correlatable: `[<rule>:<hash>]`. Needs `hash_key` or `hash_key_env`.
    Hash,
    /// Remove the whole attribute that contains the match (a log body becomes empty; a span name
    /// or status message, which cannot be removed, is masked).
    Drop,
}

/// The setting of one built-in detector: a mode, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorSetting {
    /// The detector does not run.
    Off,
    /// Mask matches.
    Mask,
    /// Replace matches with a keyed hash.
    Hash,
    /// Remove the attribute containing a match.
    Drop,
}

impl DetectorSetting {
    /// The mode, or `None` when off.
    pub fn mode(self) -> Option<Mode> {
        match self {
            DetectorSetting::Off => None,
            DetectorSetting::Mask => Some(Mode::Mask),
            DetectorSetting::Hash => Some(Mode::Hash),
            DetectorSetting::Drop => Some(Mode::Drop),
        }
    }
}

/// Per built-in detector: a mode (`mask`, `hash`, `drop`) or `off`. A detector left out uses the
/// section's `mode`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Detectors {
    /// API keys and tokens of common providers (OpenAI, Anthropic, AWS, GitHub, GitLab, Google,
    /// Slack, Stripe, Hugging Face, Groq, xAI, ...), JWTs, passwords in URLs and `password=...`
    /// style assignments.
    pub secret: Option<DetectorSetting>,
    /// `Bearer <token>` and `Authorization: Basic <credentials>`.
    pub bearer_token: Option<DetectorSetting>,
    /// PEM private keys (`-----BEGIN ... PRIVATE KEY-----` to the matching END line).
    pub private_key: Option<DetectorSetting>,
    /// Email addresses.
    pub email: Option<DetectorSetting>,
    /// Payment card numbers: 12–19 digits (spaces or dashes allowed) with a known issuer prefix
    /// and a valid Luhn checksum.
    pub card: Option<DetectorSetting>,
    /// Phone numbers: international (`+` and 8–15 digits) and North American formats with
    /// separators.
    pub phone: Option<DetectorSetting>,
    /// IPv4 and IPv6 addresses.
    pub ip: Option<DetectorSetting>,
    /// The whole value of an attribute or JSON field whose name says it holds a credential
    /// (`password`, `api_key`, `client_secret`, `authorization`, `cookie`, `*_token`, ...).
    pub credential_field: Option<DetectorSetting>,
}

/// A user-supplied rule: a regular expression and what to do with its matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The rule's name, used in counters and masks (letters, digits, `_`, `-`).
    pub name: String,
    /// The regular expression (Rust `regex` syntax). When it has a capture group named `redact`,
    /// only that group is replaced.
    pub pattern: String,
    /// What to do with a match; the section's `mode` when left out.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// Settings of the redaction processor: which detectors run, extra rules, attribute allow and deny
/// lists, and the key for hashed replacements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactConfig {
    /// The mode of detectors and rules that do not set their own.
    pub mode: Mode,
    /// Built-in detectors: each one's mode, or `off`. All are on by default.
    pub detectors: Detectors,
    /// Extra rules, applied next to the built-in detectors.
    pub rules: Vec<RuleConfig>,
    /// Attribute keys whose values are never scanned: exact keys, or prefixes ending in `*`
    /// (`telemetry.sdk.*`). Setting it replaces the default list.
    pub allow: Vec<String>,
    /// Attribute keys that are always redacted, whatever their value (exact or `prefix*`).
    pub deny: Vec<String>,
    /// What happens to a denied attribute.
    pub deny_mode: Mode,
    /// The HMAC key for mode `hash`, as text. Prefer `hash_key_env`.
    pub hash_key: Option<String>,
    /// The environment variable holding the HMAC key for mode `hash`.
    pub hash_key_env: Option<String>,
    /// The replacement text of mode `mask`; `{rule}` becomes the rule name.
    pub mask: String,
}

/// Attribute keys that hold identifiers, versions and infrastructure addresses rather than user
/// data: scanning them finds nothing but false positives (a four-part version looks like an IPv4
/// address).
pub const DEFAULT_ALLOW: &[&str] = &[
    "service.name",
    "service.version",
    "service.instance.id",
    "telemetry.sdk.*",
    "telemetry.distro.*",
    "process.runtime.*",
    "os.version",
    "host.arch",
    "server.address",
    "server.port",
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.system",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.response.id",
    "gen_ai.tool.call.id",
    "gen_ai.response.finish_reasons",
];

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig {
            mode: Mode::Mask,
            detectors: Detectors::default(),
            rules: Vec::new(),
            allow: DEFAULT_ALLOW.iter().map(|s| (*s).to_owned()).collect(),
            deny: Vec::new(),
            deny_mode: Mode::Drop,
            hash_key: None,
            hash_key_env: None,
            mask: "[REDACTED:{rule}]".to_owned(),
        }
    }
}
