//! Model and provider name patterns, in the catalog's (and genai-prices') match language.
//!
//! A pattern is one of `{ equals = "..." }`, `{ starts_with = "..." }`, `{ ends_with = "..." }`,
//! `{ contains = "..." }`, `{ regex = "..." }`, `{ or = [...] }`, `{ and = [...] }`. Literal
//! patterns compare case-insensitively; a regex is searched (not anchored unless it says so) in
//! the lowercased name. Patterns are compiled once, when the catalog is built.

use serde::{Deserialize, Serialize};

/// A name pattern as written in the catalog or an override file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MatchSpec {
    /// The whole name.
    Equals(String),
    /// A prefix.
    StartsWith(String),
    /// A suffix.
    EndsWith(String),
    /// A substring.
    Contains(String),
    /// A regular expression searched in the lowercased name (look-around is supported).
    Regex(String),
    /// Any of the patterns.
    Or(Vec<MatchSpec>),
    /// All of the patterns.
    And(Vec<MatchSpec>),
}

/// A pattern that cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// The regular expression is invalid.
    #[error("invalid regex {pattern:?}: {source}")]
    Regex {
        /// The pattern as written.
        pattern: String,
        /// Why it is invalid.
        #[source]
        source: Box<fancy_regex::Error>,
    },
    /// `or` / `and` with nothing inside.
    #[error("`or` and `and` need at least one pattern")]
    Empty,
}

/// A compiled pattern; matching allocates nothing.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Equals(Box<str>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    Contains(Box<str>),
    Regex(Box<fancy_regex::Regex>),
    Or(Box<[Matcher]>),
    And(Box<[Matcher]>),
}

impl Matcher {
    /// Compiles a pattern.
    pub(crate) fn compile(spec: &MatchSpec) -> Result<Matcher, MatchError> {
        Ok(match spec {
            MatchSpec::Equals(s) => Matcher::Equals(s.to_lowercase().into()),
            MatchSpec::StartsWith(s) => Matcher::StartsWith(s.to_lowercase().into()),
            MatchSpec::EndsWith(s) => Matcher::EndsWith(s.to_lowercase().into()),
            MatchSpec::Contains(s) => Matcher::Contains(s.to_lowercase().into()),
            MatchSpec::Regex(pattern) => {
                let regex =
                    fancy_regex::Regex::new(pattern).map_err(|source| MatchError::Regex {
                        pattern: pattern.clone(),
                        source: Box::new(source),
                    })?;
                Matcher::Regex(Box::new(regex))
            }
            MatchSpec::Or(specs) | MatchSpec::And(specs) => {
                if specs.is_empty() {
                    return Err(MatchError::Empty);
                }
                let parts = specs
                    .iter()
                    .map(Matcher::compile)
                    .collect::<Result<Box<[_]>, _>>()?;
                if matches!(spec, MatchSpec::Or(_)) {
                    Matcher::Or(parts)
                } else {
                    Matcher::And(parts)
                }
            }
        })
    }

    /// True when the (already lowercased) name matches.
    pub(crate) fn is_match(&self, name: &str) -> bool {
        match self {
            Matcher::Equals(s) => name == &**s,
            Matcher::StartsWith(s) => name.starts_with(&**s),
            Matcher::EndsWith(s) => name.ends_with(&**s),
            Matcher::Contains(s) => name.contains(&**s),
            // A regex that fails at match time (backtrack limit) does not match.
            Matcher::Regex(r) => r.is_match(name).unwrap_or(false),
            Matcher::Or(parts) => parts.iter().any(|m| m.is_match(name)),
            Matcher::And(parts) => parts.iter().all(|m| m.is_match(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(json: &str) -> Matcher {
        Matcher::compile(&serde_json::from_str(json).unwrap()).unwrap()
    }

    /// Literal patterns compare case-insensitively against the lowercased name.
    #[test]
    fn literal_patterns() {
        assert!(compile(r#"{"equals": "GPT-4o"}"#).is_match("gpt-4o"));
        assert!(!compile(r#"{"equals": "gpt-4o"}"#).is_match("gpt-4o-mini"));
        assert!(
            compile(r#"{"starts_with": "claude-sonnet-4-5"}"#)
                .is_match("claude-sonnet-4-5-20250929")
        );
        assert!(compile(r#"{"ends_with": "-v1:0"}"#).is_match("anthropic.claude-x-v1:0"));
        assert!(compile(r#"{"contains": "claude"}"#).is_match("us.anthropic.claude-x"));
        assert!(!compile(r#"{"contains": "claude"}"#).is_match("gpt-4o"));
    }

    /// The dataset's look-ahead regexes work (the `regex` crate alone would reject them).
    #[test]
    fn look_around_regex_and_combinators() {
        let m = compile(
            r#"{"and": [{"starts_with": "gemini-2.5-pro"}, {"regex": "^(?!.*-[tT][tT][sS](?:$|-))"}]}"#,
        );
        assert!(m.is_match("gemini-2.5-pro"));
        assert!(m.is_match("gemini-2.5-pro-preview-06-05"));
        assert!(!m.is_match("gemini-2.5-pro-preview-tts"));
        let m = compile(r#"{"or": [{"equals": "a"}, {"regex": "^o[134]"}]}"#);
        assert!(m.is_match("a"));
        assert!(m.is_match("o3-mini"));
        assert!(!m.is_match("o2"));
    }

    /// Bad patterns are errors, not panics, and unknown pattern kinds are rejected.
    #[test]
    fn bad_patterns() {
        let err = Matcher::compile(&MatchSpec::Regex("(".into())).unwrap_err();
        assert!(err.to_string().starts_with("invalid regex \"(\""), "{err}");
        assert!(matches!(
            Matcher::compile(&MatchSpec::Or(vec![])),
            Err(MatchError::Empty)
        ));
        let err = serde_json::from_str::<MatchSpec>(r#"{"glob": "x*"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown variant `glob`"), "{err}");
    }
}
