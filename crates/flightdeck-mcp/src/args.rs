//! Arguments several tools share: the time range and the span filters, mapped one-to-one onto
//! the API's query parameters (the API validates them and names what is wrong).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::api::Query;
use crate::error::ToolError;

/// The time range of a query (span start times).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct RangeArgs {
    /// Look back this far from now: `15m`, `1h`, `24h`, `7d`, `1h30m`. Not together with
    /// `start`.
    pub since: Option<String>,
    /// Range start: RFC 3339 (`2026-11-21T10:00:00Z`) or an epoch timestamp (s, ms, µs or ns).
    pub start: Option<String>,
    /// Range end, same formats (default: now).
    pub end: Option<String>,
}

impl RangeArgs {
    /// Adds the range to `q`; `default_since` applies when neither `since` nor `start` is given.
    pub fn push(&self, q: &mut Query, default_since: &str) {
        match (&self.since, &self.start) {
            (None, None) => {
                q.set("since", default_since);
            }
            (since, start) => {
                q.opt("since", since.as_deref());
                q.opt("start", start.as_deref());
            }
        }
        q.opt("end", self.end.as_deref());
    }
}

// Variants carry no doc comments on purpose: the JSON schema is then a short `enum` list.
/// Span status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum StatusArg {
    Error,
    Ok,
    Unset,
}

impl StatusArg {
    fn as_str(self) -> &'static str {
        match self {
            StatusArg::Error => "error",
            StatusArg::Ok => "ok",
            StatusArg::Unset => "unset",
        }
    }
}

/// Span filters: a trace (or aggregate) includes spans matching all of them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct FilterArgs {
    /// Service name (`service.name`).
    pub service: Option<String>,
    /// Exact span name, e.g. `POST /v1/chat` or `chat gpt-4o`.
    pub name: Option<String>,
    /// Span status: `error`, `ok` or `unset`.
    pub status: Option<StatusArg>,
    /// Minimum span duration: `250ms`, `2s`.
    pub min_duration: Option<String>,
    /// Maximum span duration.
    pub max_duration: Option<String>,
    /// GenAI operation: `chat`, `text_completion`, `embeddings`, `execute_tool`,
    /// `invoke_agent`, ...
    pub operation: Option<String>,
    /// GenAI provider, e.g. `openai`, `anthropic`.
    pub provider: Option<String>,
    /// Requested or responding model, e.g. `gpt-4o`.
    pub model: Option<String>,
    /// Agent name or id.
    pub agent: Option<String>,
    /// Tool name.
    pub tool: Option<String>,
    /// Conversation (session) id.
    pub conversation: Option<String>,
    /// End user id.
    pub user: Option<String>,
    /// Service version (`service.version`), e.g. to compare releases.
    pub service_version: Option<String>,
    /// Error type (`error.type`), e.g. `RateLimitError`.
    pub error_type: Option<String>,
    /// Equality on any span or resource attribute, compared as text, e.g.
    /// `{"tenant.id": "acme"}`.
    pub attributes: Option<BTreeMap<String, String>>,
}

impl FilterArgs {
    /// Adds the filters to `q`.
    pub fn push(&self, q: &mut Query) -> Result<(), ToolError> {
        q.opt("service", self.service.as_deref())
            .opt("name", self.name.as_deref())
            .opt("status", self.status.map(StatusArg::as_str))
            .opt("min_duration", self.min_duration.as_deref())
            .opt("max_duration", self.max_duration.as_deref())
            .opt("operation", self.operation.as_deref())
            .opt("provider", self.provider.as_deref())
            .opt("model", self.model.as_deref())
            .opt("agent", self.agent.as_deref())
            .opt("tool", self.tool.as_deref())
            .opt("conversation", self.conversation.as_deref())
            .opt("user", self.user.as_deref())
            .opt("service_version", self.service_version.as_deref())
            .opt("error_type", self.error_type.as_deref());
        for (key, value) in self.attributes.iter().flatten() {
            if key.is_empty() {
                return Err(ToolError::InvalidArgument(
                    "`attributes` keys must not be empty".into(),
                ));
            }
            q.set("attr", format!("{key}={value}"));
        }
        Ok(())
    }
}

/// Catches arguments no field takes, so a misspelt filter is an error instead of silently
/// widening the query (serde's `deny_unknown_fields` does not work with flattened groups).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Unknown(BTreeMap<String, Value>);

impl Unknown {
    /// Fails naming the first unknown argument.
    pub fn check(&self) -> Result<(), ToolError> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(key) => Err(ToolError::InvalidArgument(format!(
                "unknown argument `{key}`; the tool's input schema lists the arguments it takes"
            ))),
        }
    }
}

/// Checks that an optional count is within `1..=max` and returns it or `default`.
pub fn bounded(name: &str, value: Option<u32>, default: u32, max: u32) -> Result<u32, ToolError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ToolError::InvalidArgument(format!(
            "`{name}` must be from 1 to {max}, got {n}"
        ))),
    }
}

/// Checks a hex id of `len` characters and returns it lowercased.
pub fn hex_id(name: &str, value: &str, len: usize) -> Result<String, ToolError> {
    let v = value.trim();
    if v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(ToolError::InvalidArgument(format!(
            "`{name}` must be {len} hex characters, got {value:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Args {
        #[serde(flatten)]
        range: RangeArgs,
        #[serde(flatten)]
        filter: FilterArgs,
        limit: Option<u32>,
        #[serde(flatten)]
        unknown: Unknown,
    }

    /// Flattened groups take their own keys; only keys no group knows reach `Unknown`.
    #[test]
    fn flattened_groups_and_unknown_keys() {
        let args: Args = serde_json::from_value(json!({
            "since": "2h", "model": "gpt-4o", "status": "error", "limit": 5,
            "attributes": {"tenant.id": "acme"}
        }))
        .unwrap();
        assert!(args.unknown.check().is_ok());
        assert_eq!(args.limit, Some(5));
        let mut q = Query::new();
        args.range.push(&mut q, "1h");
        args.filter.push(&mut q).unwrap();
        assert_eq!(
            q.encode(),
            "since=2h&status=error&model=gpt-4o&attr=tenant.id%3Dacme"
        );

        let args: Args =
            serde_json::from_value(json!({"modle": "gpt-4o", "service": "api"})).unwrap();
        assert_eq!(
            args.unknown.check().unwrap_err().to_string(),
            "unknown argument `modle`; the tool's input schema lists the arguments it takes"
        );
        assert_eq!(args.filter.service.as_deref(), Some("api"));
    }

    /// A wrong status value is refused by deserialization, naming the accepted values.
    #[test]
    fn status_values_are_checked() {
        let err = serde_json::from_value::<Args>(json!({"status": "failed"})).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("failed") && text.contains("error"), "{text}");
    }

    /// The default range applies only when neither `since` nor `start` is given.
    #[test]
    fn default_range() {
        let mut q = Query::new();
        RangeArgs::default().push(&mut q, "24h");
        assert_eq!(q.encode(), "since=24h");
        let mut q = Query::new();
        RangeArgs {
            start: Some("2026-11-21T10:00:00Z".into()),
            ..RangeArgs::default()
        }
        .push(&mut q, "24h");
        assert_eq!(q.encode(), "start=2026-11-21T10%3A00%3A00Z");
    }

    /// Counts and ids are checked with the argument named.
    #[test]
    fn bounds_and_ids() {
        assert_eq!(bounded("limit", None, 20, 100).unwrap(), 20);
        assert_eq!(
            bounded("limit", Some(0), 20, 100).unwrap_err().to_string(),
            "`limit` must be from 1 to 100, got 0"
        );
        assert_eq!(
            hex_id("span_id", "ABCDEF0123456789", 16).unwrap(),
            "abcdef0123456789"
        );
        assert!(hex_id("span_id", "xyz", 16).is_err());
    }
}
