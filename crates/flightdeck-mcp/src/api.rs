//! The API calls the tools make: a query-string builder and path encoding over a [`Backend`].

use std::sync::Arc;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::backend::{Backend, BackendError};

/// The Flightdeck HTTP API as the tools see it. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    backend: Arc<dyn Backend>,
}

impl Api {
    /// Tools over `backend`.
    pub fn new(backend: Arc<dyn Backend>) -> Api {
        Api { backend }
    }

    /// GETs `path` with `query` and returns the JSON answer.
    pub async fn get(&self, path: &str, query: &Query) -> Result<Value, BackendError> {
        let path_and_query = match query.encode() {
            q if q.is_empty() => path.to_owned(),
            q => format!("{path}?{q}"),
        };
        self.backend.get(&path_and_query).await
    }
}

/// One path segment, percent-encoded (ids may contain `/`, `?`, spaces, ...).
pub fn segment(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// Query parameters in order; repeated keys are allowed (`attr`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// An empty query.
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds `key=value`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Query {
        self.pairs.push((key.to_owned(), value.into()));
        self
    }

    /// Adds `key=value` when a value is given.
    pub fn opt(&mut self, key: &str, value: Option<&str>) -> &mut Query {
        if let Some(v) = value {
            self.set(key, v);
        }
        self
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// `a=1&b=2`, form-encoded.
    pub fn encode(&self) -> String {
        // Encoding a list of string pairs cannot fail (only non-string keys can).
        serde_urlencoded::to_string(&self.pairs).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reserved characters in values and path segments are escaped, so an id with `/` or `&`
    /// stays one segment / one value.
    #[test]
    fn encodes_values_and_segments() {
        let mut q = Query::new();
        q.set("attr", "tenant.id=a&b").set("since", "1h");
        q.opt("model", None);
        assert_eq!(q.encode(), "attr=tenant.id%3Da%26b&since=1h");
        assert_eq!(segment("conv/1 a?"), "conv%2F1%20a%3F");
        assert_eq!(q.get("since"), Some("1h"));
    }
}
