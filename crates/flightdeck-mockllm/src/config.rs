//! Configuration of the mock provider: a serde struct (TOML/JSON, unknown keys rejected) that
//! [`MockLlmConfig::validate`] checks before the server uses it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the mock behaves for one model (or all models, as the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behavior {
    /// Fixed delay before anything is sent (network and queueing).
    #[serde(with = "humantime_serde")]
    pub base_latency: Duration,
    /// Further delay until the first token (prefill).
    #[serde(with = "humantime_serde")]
    pub time_to_first_token: Duration,
    /// Output speed after the first token; 0 means no delay between tokens.
    pub tokens_per_second: f64,
    /// Each delay is multiplied by a factor drawn uniformly from `[1 - jitter, 1 + jitter]`
    /// (0 to 1).
    pub jitter: f64,
    /// Share of requests (0 to 1) answered with HTTP 500.
    pub error_rate: f64,
    /// Share of requests (0 to 1) answered with HTTP 429 and a `Retry-After` header.
    pub rate_limit_rate: f64,
    /// The `Retry-After` value of 429 answers (whole seconds are sent, at least 1).
    #[serde(with = "humantime_serde")]
    pub retry_after: Duration,
    /// Share of requests (0 to 1) that hang for `timeout_hang` and then get HTTP 504.
    pub timeout_rate: f64,
    /// How long a timed-out request hangs before the 504.
    #[serde(with = "humantime_serde")]
    pub timeout_hang: Duration,
    /// Share of streamed responses (0 to 1) that fail midway with an error event.
    pub stream_error_rate: f64,
    /// Context window in tokens: requests whose input plus requested output tokens exceed it
    /// fail the way each provider fails (OpenAI `context_length_exceeded`, Anthropic
    /// `prompt is too long`).
    pub context_window: u64,
    /// Fewest output tokens of a generated answer.
    pub min_output_tokens: u32,
    /// Most output tokens of a generated answer (the request's `max_tokens` caps it further,
    /// with finish reason `length` / `max_tokens`).
    pub max_output_tokens: u32,
    /// Dimensions of embeddings when the request does not ask for a number.
    pub embedding_dimensions: u32,
    /// Smallest cacheable prompt prefix, in tokens. Prefixes at least this long are written to
    /// the mock's prompt cache on first use and read from it afterwards (OpenAI: every prefix
    /// before the last message; Anthropic: up to the last `cache_control` block).
    pub cache_min_tokens: u64,
}

impl Default for Behavior {
    fn default() -> Self {
        Behavior {
            base_latency: Duration::from_millis(20),
            time_to_first_token: Duration::from_millis(150),
            tokens_per_second: 80.0,
            jitter: 0.0,
            error_rate: 0.0,
            rate_limit_rate: 0.0,
            retry_after: Duration::from_secs(1),
            timeout_rate: 0.0,
            timeout_hang: Duration::from_secs(120),
            stream_error_rate: 0.0,
            context_window: 128_000,
            min_output_tokens: 16,
            max_output_tokens: 96,
            embedding_dimensions: 1536,
            cache_min_tokens: 1024,
        }
    }
}

impl Behavior {
    /// No delays at all (for tests).
    pub fn instant() -> Behavior {
        Behavior {
            base_latency: Duration::ZERO,
            time_to_first_token: Duration::ZERO,
            tokens_per_second: 0.0,
            ..Behavior::default()
        }
    }
}

/// Per-model overrides of [`Behavior`]; unset fields fall back to the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviorOverride {
    /// See [`Behavior::base_latency`].
    #[serde(
        with = "humantime_serde::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub base_latency: Option<Duration>,
    /// See [`Behavior::time_to_first_token`].
    #[serde(
        with = "humantime_serde::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_to_first_token: Option<Duration>,
    /// See [`Behavior::tokens_per_second`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<f64>,
    /// See [`Behavior::jitter`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
    /// See [`Behavior::error_rate`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// See [`Behavior::rate_limit_rate`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_rate: Option<f64>,
    /// See [`Behavior::retry_after`].
    #[serde(
        with = "humantime_serde::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_after: Option<Duration>,
    /// See [`Behavior::timeout_rate`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_rate: Option<f64>,
    /// See [`Behavior::timeout_hang`].
    #[serde(
        with = "humantime_serde::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_hang: Option<Duration>,
    /// See [`Behavior::stream_error_rate`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_error_rate: Option<f64>,
    /// See [`Behavior::context_window`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// See [`Behavior::min_output_tokens`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_output_tokens: Option<u32>,
    /// See [`Behavior::max_output_tokens`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// See [`Behavior::embedding_dimensions`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_dimensions: Option<u32>,
    /// See [`Behavior::cache_min_tokens`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_min_tokens: Option<u64>,
}

impl BehaviorOverride {
    /// `base` with the fields set here replaced.
    pub fn apply(&self, base: &Behavior) -> Behavior {
        Behavior {
            base_latency: self.base_latency.unwrap_or(base.base_latency),
            time_to_first_token: self.time_to_first_token.unwrap_or(base.time_to_first_token),
            tokens_per_second: self.tokens_per_second.unwrap_or(base.tokens_per_second),
            jitter: self.jitter.unwrap_or(base.jitter),
            error_rate: self.error_rate.unwrap_or(base.error_rate),
            rate_limit_rate: self.rate_limit_rate.unwrap_or(base.rate_limit_rate),
            retry_after: self.retry_after.unwrap_or(base.retry_after),
            timeout_rate: self.timeout_rate.unwrap_or(base.timeout_rate),
            timeout_hang: self.timeout_hang.unwrap_or(base.timeout_hang),
            stream_error_rate: self.stream_error_rate.unwrap_or(base.stream_error_rate),
            context_window: self.context_window.unwrap_or(base.context_window),
            min_output_tokens: self.min_output_tokens.unwrap_or(base.min_output_tokens),
            max_output_tokens: self.max_output_tokens.unwrap_or(base.max_output_tokens),
            embedding_dimensions: self
                .embedding_dimensions
                .unwrap_or(base.embedding_dimensions),
            cache_min_tokens: self.cache_min_tokens.unwrap_or(base.cache_min_tokens),
        }
    }
}

/// The whole configuration.
///
/// ```toml
/// seed = 7
/// [defaults]
/// time_to_first_token = "200ms"
/// tokens_per_second = 50.0
/// rate_limit_rate = 0.05
/// [models."gpt-4o-mini"]
/// context_window = 8192
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MockLlmConfig {
    /// Seed of every random decision and generated text: the same seed and the same sequence
    /// of requests give the same answers, failures and token counts.
    pub seed: u64,
    /// Behaviour of models without an entry in `models`.
    pub defaults: Behavior,
    /// Per-model overrides, by model name. These models are also the ones `/v1/models` lists
    /// (any model name is accepted in requests).
    pub models: BTreeMap<String, BehaviorOverride>,
    /// Largest request body accepted, in bytes.
    pub max_request_bytes: usize,
}

impl Default for MockLlmConfig {
    fn default() -> Self {
        MockLlmConfig {
            seed: 0,
            defaults: Behavior::default(),
            models: BTreeMap::new(),
            max_request_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A configuration value is out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A rate or jitter is not within 0 to 1.
    #[error("{scope}.{field} must be between 0 and 1, got {value}")]
    NotAFraction {
        /// `defaults` or `models.<name>`.
        scope: String,
        /// Field name.
        field: &'static str,
        /// Value given.
        value: f64,
    },
    /// A field must be positive.
    #[error("{scope}.{field} must be greater than 0")]
    NotPositive {
        /// `defaults` or `models.<name>`.
        scope: String,
        /// Field name.
        field: &'static str,
    },
    /// `tokens_per_second` is negative or not a number.
    #[error("{scope}.tokens_per_second must be 0 (no delay) or positive, got {value}")]
    BadSpeed {
        /// `defaults` or `models.<name>`.
        scope: String,
        /// Value given.
        value: f64,
    },
    /// `min_output_tokens` exceeds `max_output_tokens`.
    #[error("{scope}.min_output_tokens ({min}) exceeds max_output_tokens ({max})")]
    OutputRange {
        /// `defaults` or `models.<name>`.
        scope: String,
        /// Minimum.
        min: u32,
        /// Maximum.
        max: u32,
    },
    /// `embedding_dimensions` is over the limit.
    #[error("{scope}.embedding_dimensions must be at most 65536, got {value}")]
    TooManyDimensions {
        /// `defaults` or `models.<name>`.
        scope: String,
        /// Value given.
        value: u32,
    },
}

fn check(scope: &str, b: &Behavior) -> Result<(), ConfigError> {
    for (field, value) in [
        ("jitter", b.jitter),
        ("error_rate", b.error_rate),
        ("rate_limit_rate", b.rate_limit_rate),
        ("timeout_rate", b.timeout_rate),
        ("stream_error_rate", b.stream_error_rate),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(ConfigError::NotAFraction {
                scope: scope.to_owned(),
                field,
                value,
            });
        }
    }
    if !(b.tokens_per_second >= 0.0 && b.tokens_per_second.is_finite()) {
        return Err(ConfigError::BadSpeed {
            scope: scope.to_owned(),
            value: b.tokens_per_second,
        });
    }
    if b.context_window == 0 {
        return Err(ConfigError::NotPositive {
            scope: scope.to_owned(),
            field: "context_window",
        });
    }
    if b.max_output_tokens == 0 {
        return Err(ConfigError::NotPositive {
            scope: scope.to_owned(),
            field: "max_output_tokens",
        });
    }
    if b.embedding_dimensions == 0 {
        return Err(ConfigError::NotPositive {
            scope: scope.to_owned(),
            field: "embedding_dimensions",
        });
    }
    if b.embedding_dimensions > 65_536 {
        return Err(ConfigError::TooManyDimensions {
            scope: scope.to_owned(),
            value: b.embedding_dimensions,
        });
    }
    if b.min_output_tokens > b.max_output_tokens {
        return Err(ConfigError::OutputRange {
            scope: scope.to_owned(),
            min: b.min_output_tokens,
            max: b.max_output_tokens,
        });
    }
    Ok(())
}

impl MockLlmConfig {
    /// Checks every value (defaults and each model after applying its overrides).
    pub fn validate(&self) -> Result<(), ConfigError> {
        check("defaults", &self.defaults)?;
        for (name, o) in &self.models {
            check(&format!("models.{name}"), &o.apply(&self.defaults))?;
        }
        Ok(())
    }

    /// The behaviour of `model`.
    pub fn behavior(&self, model: &str) -> Behavior {
        match self.models.get(model) {
            Some(o) => o.apply(&self.defaults),
            None => self.defaults.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Overrides replace only the fields they set.
    #[test]
    fn overrides_apply_per_model() {
        let mut c = MockLlmConfig::default();
        c.models.insert(
            "small".into(),
            BehaviorOverride {
                context_window: Some(100),
                ..BehaviorOverride::default()
            },
        );
        assert_eq!(c.behavior("small").context_window, 100);
        assert_eq!(
            c.behavior("small").tokens_per_second,
            Behavior::default().tokens_per_second
        );
        assert_eq!(c.behavior("other").context_window, 128_000);
    }

    /// Out-of-range values are rejected with a message naming the field.
    #[test]
    fn validation_names_the_field() {
        let mut c = MockLlmConfig::default();
        c.models.insert(
            "m".into(),
            BehaviorOverride {
                error_rate: Some(1.5),
                ..BehaviorOverride::default()
            },
        );
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "models.m.error_rate must be between 0 and 1, got 1.5"
        );
        let mut c = MockLlmConfig::default();
        c.defaults.min_output_tokens = 10;
        c.defaults.max_output_tokens = 5;
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "defaults.min_output_tokens (10) exceeds max_output_tokens (5)"
        );
    }
}
