//! A deterministic mock LLM provider: OpenAI-compatible (`/v1/chat/completions` with SSE
//! streaming and usage chunks, `/v1/embeddings`, `/v1/models`) and Anthropic-compatible
//! (`/v1/messages`, plain and streamed events) HTTP APIs, with configurable latency, time to
//! first token, tokens per second, errors, 429s with `Retry-After`, timeouts and
//! context-length errors.
//!
//! For a given seed and sequence of requests, answers, failures and token counts are always
//! the same. Token counts are estimated from text length (one token per four characters; one
//! token per generated word). It is a test double and demo backend, not a model: the text is
//! random words.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use flightdeck_mockllm::{Behavior, MockLlm};
//! let mock = MockLlm::builder().with_seed(7).with_defaults(Behavior::instant()).build()
//!     .map_err(std::io::Error::other)?;
//! let running = mock.spawn("127.0.0.1:0").await?;
//! println!("OpenAI base URL: {}", running.openai_base_url());
//! # Ok(()) }
//! ```

mod anthropic;
mod config;
mod engine;
mod openai;

pub use config::{Behavior, BehaviorOverride, ConfigError, MockLlmConfig};
pub use engine::estimate_tokens;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use engine::{Engine, Plan};

/// Builder of [`MockLlm`].
#[derive(Debug, Clone, Default)]
pub struct MockLlmBuilder {
    config: MockLlmConfig,
}

impl MockLlmBuilder {
    /// Starts from a whole configuration (e.g. read from a file).
    pub fn with_config(mut self, config: MockLlmConfig) -> Self {
        self.config = config;
        self
    }

    /// The seed of all random decisions.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// The behaviour of models without overrides.
    pub fn with_defaults(mut self, behavior: Behavior) -> Self {
        self.config.defaults = behavior;
        self
    }

    /// Overrides for one model (also listed by `/v1/models`).
    pub fn with_model(mut self, name: impl Into<String>, overrides: BehaviorOverride) -> Self {
        self.config.models.insert(name.into(), overrides);
        self
    }

    /// Validates the configuration and builds the mock.
    pub fn build(self) -> Result<MockLlm, ConfigError> {
        self.config.validate()?;
        Ok(MockLlm {
            engine: Arc::new(Engine::new(self.config)),
        })
    }
}

/// The mock provider. Cheap to clone; clones share state (request counter, prompt cache).
#[derive(Debug, Clone)]
pub struct MockLlm {
    engine: Arc<Engine>,
}

impl MockLlm {
    /// A builder with the default configuration (seed 0, realistic delays, no failures).
    pub fn builder() -> MockLlmBuilder {
        MockLlmBuilder::default()
    }

    /// The configuration in use.
    pub fn config(&self) -> &MockLlmConfig {
        &self.engine.config
    }

    /// Requests received so far (all endpoints except `/v1/models` and `/health`).
    pub fn requests(&self) -> u64 {
        self.engine.requests()
    }

    /// The HTTP routes, for embedding in another server or testing without a socket.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/chat/completions", post(openai::chat))
            .route("/v1/embeddings", post(openai::embeddings))
            .route("/v1/models", get(openai::models))
            .route("/v1/messages", post(anthropic::messages))
            .route("/health", get(|| async { "ok" }))
            .layer(DefaultBodyLimit::max(self.engine.config.max_request_bytes))
            .with_state(self.engine.clone())
    }

    /// Serves on `listener` until the process ends.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve_with_shutdown<F>(
        self,
        listener: TcpListener,
        shutdown: F,
    ) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Binds `addr` (e.g. `127.0.0.1:0`) and serves in a background task until the returned
    /// handle is dropped.
    pub async fn spawn(self, addr: &str) -> std::io::Result<RunningMockLlm> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.clone().serve_with_shutdown(listener, async {
            let _ = rx.await;
        }));
        Ok(RunningMockLlm {
            addr: local,
            mock: self,
            shutdown: Some(tx),
            task,
        })
    }
}

/// A mock serving in the background; stops when dropped.
#[derive(Debug)]
pub struct RunningMockLlm {
    addr: SocketAddr,
    mock: MockLlm,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningMockLlm {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{addr}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://{addr}/v1`, the base URL OpenAI and Anthropic clients expect.
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The mock (e.g. for [`MockLlm::requests`]).
    pub fn mock(&self) -> &MockLlm {
        &self.mock
    }
}

impl Drop for RunningMockLlm {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // In-flight requests (e.g. a hanging timeout) must not keep the port open.
        self.task.abort();
    }
}

/// Seconds since the epoch (0 if the clock is before it).
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An SSE response that sends each event after its delay.
pub(crate) fn sse_response(events: Vec<(Duration, Event)>) -> Response {
    let stream = futures::stream::iter(events).then(|(delay, event)| async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok::<_, Infallible>(event)
    });
    Sse::new(stream).into_response()
}

/// Arguments for a tool call, generated from its JSON Schema: every required property (or
/// every property when none is required) gets a value of its type.
pub(crate) fn tool_arguments(plan: &mut Plan, schema: Option<&Value>) -> Value {
    let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    else {
        return json!({});
    };
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = serde_json::Map::new();
    for (name, p) in props {
        if !required.is_empty() && !required.contains(&name.as_str()) {
            continue;
        }
        let value = match p.get("type").and_then(Value::as_str) {
            Some("integer") => json!(plan.int(1, 100)),
            Some("number") => json!(plan.int(1, 1000) as f64 / 10.0),
            Some("boolean") => json!(plan.int(0, 1) == 1),
            Some("array") => json!([]),
            Some("object") => json!({}),
            _ => match p
                .get("enum")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
            {
                Some(first) => first.clone(),
                None => json!(plan.words(1).concat()),
            },
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}
