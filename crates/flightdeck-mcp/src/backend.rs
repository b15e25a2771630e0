//! Where the tools read from: the Flightdeck HTTP API, either over the network
//! ([`HttpBackend`], for `flightdeck mcp` on stdio) or by calling the API's router in the same
//! process ([`RouterBackend`], for `/mcp` on the `flightdeck serve` port). Both go through the
//! exact same endpoints, so the tools see the same data, validation and errors either way.

use std::time::Duration;

use axum::body::Body;
use futures::future::BoxFuture;
use http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt as _;

/// Largest API response a tool reads, in bytes; bigger answers are refused, not buffered.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// How long one API call may take over the network.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads JSON from the Flightdeck HTTP API.
pub trait Backend: Send + Sync + 'static {
    /// GETs `path_and_query` (e.g. `/api/v1/traces?since=1h`, already percent-encoded) and
    /// returns the response body as JSON, or the API's error.
    fn get<'a>(&'a self, path_and_query: &'a str) -> BoxFuture<'a, Result<Value, BackendError>>;
}

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The API refused the request (4xx); the message is the API's, naming what was wrong.
    #[error("{message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The API's error message.
        message: String,
    },
    /// The API failed (5xx).
    #[error("the Flightdeck API failed on {path}: {message}")]
    Failed {
        /// The path called.
        path: String,
        /// The API's error message.
        message: String,
    },
    /// The API could not be reached.
    #[error("cannot reach the Flightdeck API at {url} (is `flightdeck serve` running?): {reason}")]
    Unreachable {
        /// The base URL.
        url: String,
        /// What the connection attempt reported.
        reason: String,
    },
    /// The response exceeded [`MAX_RESPONSE_BYTES`].
    #[error("the Flightdeck API answer to {path} is larger than {limit} bytes; narrow the query")]
    TooLarge {
        /// The path called.
        path: String,
        /// The cap.
        limit: usize,
    },
    /// The response was not the JSON the API promises.
    #[error("the Flightdeck API answer to {path} is not valid JSON: {reason}")]
    InvalidResponse {
        /// The path called.
        path: String,
        /// The parse error.
        reason: String,
    },
}

impl BackendError {
    /// True when the API said the thing asked for does not exist (404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, BackendError::Rejected { status: 404, .. })
    }
}

/// Turns an API response (status and body) into JSON or the matching error.
fn decode(path: &str, status: StatusCode, body: &[u8]) -> Result<Value, BackendError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    if status.is_success() {
        return parsed.map_err(|e| BackendError::InvalidResponse {
            path: path.to_owned(),
            reason: e.to_string(),
        });
    }
    let message = parsed
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status.is_client_error() {
        Err(BackendError::Rejected {
            status: status.as_u16(),
            message,
        })
    } else {
        Err(BackendError::Failed {
            path: path.to_owned(),
            message,
        })
    }
}

/// The path without its query string, for messages.
fn path_only(path_and_query: &str) -> &str {
    path_and_query
        .split_once('?')
        .map_or(path_and_query, |(p, _)| p)
}

/// Calls a running Flightdeck's HTTP API over the network.
#[derive(Debug, Clone)]
pub struct HttpBackend {
    base_url: String,
    client: reqwest::Client,
}

impl HttpBackend {
    /// A backend for the API at `base_url` (e.g. `http://127.0.0.1:4320`).
    pub fn new(base_url: &str) -> Result<HttpBackend, BackendError> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let client = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| BackendError::Unreachable {
                url: base_url.clone(),
                reason: e.to_string(),
            })?;
        Ok(HttpBackend { base_url, client })
    }

    async fn fetch(&self, path_and_query: &str) -> Result<Value, BackendError> {
        let path = path_only(path_and_query);
        let unreachable = |e: reqwest::Error| BackendError::Unreachable {
            url: self.base_url.clone(),
            reason: error_chain(&e),
        };
        let mut response = self
            .client
            .get(format!("{}{}", self.base_url, path_and_query))
            .send()
            .await
            .map_err(unreachable)?;
        let too_large = || BackendError::TooLarge {
            path: path.to_owned(),
            limit: MAX_RESPONSE_BYTES,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(too_large());
        }
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        decode(path, status, &body)
    }
}

/// The error and its sources on one line ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

impl Backend for HttpBackend {
    fn get<'a>(&'a self, path_and_query: &'a str) -> BoxFuture<'a, Result<Value, BackendError>> {
        Box::pin(self.fetch(path_and_query))
    }
}

/// Calls the API's router in this process (`tower::ServiceExt::oneshot`), without a socket.
#[derive(Debug, Clone)]
pub struct RouterBackend {
    router: axum::Router,
}

impl RouterBackend {
    /// A backend over the API router (the one `flightdeck serve` serves, without `/mcp`).
    pub fn new(router: axum::Router) -> RouterBackend {
        RouterBackend { router }
    }

    async fn fetch(&self, path_and_query: &str) -> Result<Value, BackendError> {
        let path = path_only(path_and_query);
        let request = Request::get(path_and_query)
            .body(Body::empty())
            .map_err(|e| BackendError::Rejected {
                status: 400,
                message: format!("invalid API path {path_and_query:?}: {e}"),
            })?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(infallible) => match infallible {},
        };
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
            .await
            .map_err(|_| BackendError::TooLarge {
                path: path.to_owned(),
                limit: MAX_RESPONSE_BYTES,
            })?;
        decode(path, status, &body)
    }
}

impl Backend for RouterBackend {
    fn get<'a>(&'a self, path_and_query: &'a str) -> BoxFuture<'a, Result<Value, BackendError>> {
        Box::pin(self.fetch(path_and_query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Json;
    use axum::routing::get;
    use serde_json::json;

    fn router() -> axum::Router {
        axum::Router::new()
            .route("/ok", get(|| async { Json(json!({"a": 1})) }))
            .route(
                "/bad",
                get(|| async {
                    (
                        StatusCode::BAD_REQUEST,
                        Json(json!({"error": {"code": "bad_request", "message": "`since` must be a duration"}})),
                    )
                }),
            )
            .route(
                "/boom",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "not json") }),
            )
            .route(
                "/big",
                get(|| async { "x".repeat(MAX_RESPONSE_BYTES + 1) }),
            )
    }

    /// The in-process backend returns the router's JSON and maps 4xx, 5xx and 404 to errors
    /// carrying the API's message.
    #[tokio::test]
    async fn router_backend_maps_statuses() {
        let backend = RouterBackend::new(router());
        assert_eq!(backend.get("/ok?x=1").await.unwrap(), json!({"a": 1}));
        let bad = backend.get("/bad").await.unwrap_err();
        assert_eq!(bad.to_string(), "`since` must be a duration");
        let boom = backend.get("/boom").await.unwrap_err();
        assert!(matches!(boom, BackendError::Failed { .. }), "{boom:?}");
        assert!(boom.to_string().contains("/boom"), "{boom}");
        let missing = backend.get("/nowhere").await.unwrap_err();
        assert!(missing.is_not_found(), "{missing:?}");
    }

    /// An answer above the cap is refused with a message naming the path.
    #[tokio::test]
    async fn router_backend_caps_response_size() {
        let backend = RouterBackend::new(router());
        let err = backend.get("/big").await.unwrap_err();
        assert!(matches!(err, BackendError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("/big"));
    }

    /// The network backend reads the same answers from a real socket, and names the URL when
    /// nothing listens there.
    #[tokio::test]
    async fn http_backend_over_a_socket() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router()).await });
        let backend = HttpBackend::new(&format!("http://{addr}/")).unwrap();
        assert_eq!(backend.get("/ok").await.unwrap(), json!({"a": 1}));
        let bad = backend.get("/bad").await.unwrap_err();
        assert_eq!(bad.to_string(), "`since` must be a duration");
        let big = backend.get("/big").await.unwrap_err();
        assert!(matches!(big, BackendError::TooLarge { .. }), "{big:?}");

        // A port that was just free: nothing listens there.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        let backend = HttpBackend::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let err = backend.get("/ok").await.unwrap_err();
        assert!(matches!(err, BackendError::Unreachable { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
    }
}
