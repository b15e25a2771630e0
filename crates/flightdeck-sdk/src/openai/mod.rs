//! An instrumented client for OpenAI-compatible HTTP APIs: `chat`, `chat_stream` and
//! `embeddings`, each one call that produces a conventions-exact span and metrics.
//!
//! Streams always ask for usage (`stream_options.include_usage = true`), so streamed calls
//! never miss token counts; the final chunk then has no choices and carries the usage.
//!
//! The client speaks plain HTTP unless TLS is enabled on `reqwest` by the application (add
//! `reqwest` with a TLS feature to your own dependencies, or pass a configured client with
//! [`OpenAiClientBuilder::with_http_client`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use flightdeck_sdk::openai::{ChatRequest, OpenAiClient};
//! let client = OpenAiClient::builder("http://127.0.0.1:8080/v1").build()?;
//! let reply = client.chat(ChatRequest::new("gpt-4o-mini").user("Hello!")).await?;
//! println!("{}", reply.text().unwrap_or_default());
//! # Ok(()) }
//! ```

mod sse;
mod types;

pub use types::{
    ChatChunk, ChatMessage, ChatRequest, ChatResponse, Choice, ChunkChoice, Delta, Embedding,
    EmbeddingVector, EmbeddingsRequest, EmbeddingsResponse, EmbeddingsUsage, FunctionCall,
    FunctionDefinition, FunctionDelta, StreamOptions, Tool, ToolCall, ToolCallDelta,
};

use std::borrow::Cow;
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt as _};
use opentelemetry::KeyValue;
use serde::de::DeserializeOwned;

use crate::content::{Message, ToolDefinition};
use crate::genai::GenAi;
use crate::keys;
use crate::spans::{InferenceBuilder, InferenceSpan};
use crate::stream::{InstrumentedStream, OpenAiChat};
use crate::usage::Usage;
use sse::{SseDecoder, SseEvent};

/// Default cap on a response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// Default cap on one streamed event.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 1024 * 1024;

/// The client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The base URL is not an absolute http(s) URL.
    #[error("base url {url:?} is invalid: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The HTTP client could not be created.
    #[error("http client could not be created: {0}")]
    Http(#[source] reqwest::Error),
}

/// A request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status (or an error event mid-stream).
    #[error("api error {status}: {message}")]
    Api {
        /// HTTP status (200 for an error event inside a stream).
        status: u16,
        /// Provider error code (`rate_limit_exceeded`, `context_length_exceeded`, ...).
        code: Option<String>,
        /// Provider error type (`invalid_request_error`, `server_error`, ...).
        kind: Option<String>,
        /// Message.
        message: String,
        /// `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// No complete response within the timeout.
    #[error("request timed out")]
    Timeout,
    /// Connecting or transferring failed.
    #[error("request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The response was not what the API promises.
    #[error("response is invalid: {0}")]
    InvalidResponse(String),
    /// The response body exceeded the cap.
    #[error("response body exceeds {0} bytes")]
    ResponseTooLarge(usize),
}

impl ClientError {
    /// The `error.type` recorded for this error: the provider's error code, else its error
    /// type, else the HTTP status; `timeout`, `connection_error`, `invalid_response`,
    /// `response_too_large` for the others.
    pub fn error_type(&self) -> Cow<'static, str> {
        match self {
            ClientError::Api {
                code: Some(code), ..
            } => Cow::Owned(code.clone()),
            ClientError::Api {
                kind: Some(kind), ..
            } => Cow::Owned(kind.clone()),
            ClientError::Api { status, .. } => Cow::Owned(status.to_string()),
            ClientError::Timeout => Cow::Borrowed("timeout"),
            ClientError::Transport(_) => Cow::Borrowed("connection_error"),
            ClientError::InvalidResponse(_) => Cow::Borrowed("invalid_response"),
            ClientError::ResponseTooLarge(_) => Cow::Borrowed("response_too_large"),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            ClientError::Api { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            ClientError::Transport(e) => e.is_connect(),
            _ => false,
        }
    }

    fn from_reqwest(e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            ClientError::Timeout
        } else {
            ClientError::Transport(e)
        }
    }
}

/// A streamed chat completion: yields chunks, ends the span when done or dropped.
pub type ChatStream =
    InstrumentedStream<BoxStream<'static, Result<ChatChunk, ClientError>>, OpenAiChat, ClientError>;

/// Builder of [`OpenAiClient`].
#[derive(Debug)]
pub struct OpenAiClientBuilder {
    base_url: String,
    api_key: Option<String>,
    genai: Option<GenAi>,
    http: Option<reqwest::Client>,
    provider: Cow<'static, str>,
    timeout: Duration,
    max_retries: u32,
    max_retry_wait: Duration,
    max_response_bytes: usize,
}

impl OpenAiClientBuilder {
    /// API key, sent as `Authorization: Bearer`.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The instrumentation to use (default: one built from the global providers).
    pub fn with_genai(mut self, genai: GenAi) -> Self {
        self.genai = Some(genai);
        self
    }

    /// A preconfigured `reqwest` client (proxies, TLS, ...). Its own timeouts apply in addition
    /// to [`Self::with_timeout`].
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// `gen_ai.provider.name` of the spans (default `openai`; e.g. `groq`, `mistral_ai` for
    /// other OpenAI-compatible services).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Timeout of a non-streaming request, and of the wait for response headers and for each
    /// chunk of a stream (default 60 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries of 429, 500, 502, 503, 504 and connection failures, honouring `Retry-After`
    /// (default 0). Retries stay inside the operation's one span.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Longest wait before a retry (default 30 s).
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Cap on a response body (default 32 MiB).
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OpenAiClient, ClientBuildError> {
        let invalid = |reason: &str| ClientBuildError::InvalidBaseUrl {
            url: self.base_url.clone(),
            reason: reason.to_owned(),
        };
        let url = reqwest::Url::parse(&self.base_url).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("scheme must be http or https"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| invalid("it has no host"))?
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.timeout)
                .read_timeout(self.timeout)
                .build()
                .map_err(ClientBuildError::Http)?,
        };
        let genai = self.genai.unwrap_or_else(|| {
            GenAi::builder()
                .with_provider(self.provider.clone())
                .build()
        });
        Ok(OpenAiClient {
            base: self.base_url.trim_end_matches('/').to_owned(),
            host,
            port,
            api_key: self.api_key,
            genai,
            http,
            provider: self.provider,
            timeout: self.timeout,
            max_retries: self.max_retries,
            max_retry_wait: self.max_retry_wait,
            max_response_bytes: self.max_response_bytes,
        })
    }
}

/// An instrumented OpenAI-compatible client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OpenAiClient {
    base: String,
    host: String,
    port: u16,
    api_key: Option<String>,
    genai: GenAi,
    http: reqwest::Client,
    provider: Cow<'static, str>,
    timeout: Duration,
    max_retries: u32,
    max_retry_wait: Duration,
    max_response_bytes: usize,
}

fn output_type(format: Option<&serde_json::Value>) -> Option<&'static str> {
    match format?.get("type")?.as_str()? {
        "json_object" | "json_schema" => Some("json"),
        "text" => Some("text"),
        _ => None,
    }
}

impl OpenAiClient {
    /// A builder for the API at `base_url` (e.g. `https://api.openai.com/v1`).
    pub fn builder(base_url: impl Into<String>) -> OpenAiClientBuilder {
        OpenAiClientBuilder {
            base_url: base_url.into(),
            api_key: None,
            genai: None,
            http: None,
            provider: Cow::Borrowed(keys::provider::OPENAI),
            timeout: Duration::from_secs(60),
            max_retries: 0,
            max_retry_wait: Duration::from_secs(30),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The instrumentation in use.
    pub fn genai(&self) -> &GenAi {
        &self.genai
    }

    fn inference_span(&self, request: &ChatRequest, streaming: bool) -> InferenceSpan {
        let mut b: InferenceBuilder = self
            .genai
            .chat(request.model.clone())
            .with_provider(self.provider.clone())
            .with_server(self.host.clone(), self.port)
            .with_attribute(KeyValue::new(keys::OPENAI_API_TYPE, "chat_completions"));
        if streaming {
            b = b.streaming();
        }
        if let Some(v) = request.temperature {
            b = b.with_temperature(v);
        }
        if let Some(v) = request.top_p {
            b = b.with_top_p(v);
        }
        if let Some(v) = request.max_completion_tokens.or(request.max_tokens) {
            b = b.with_max_tokens(i64::from(v));
        }
        if let Some(v) = request.n {
            b = b.with_choice_count(i64::from(v));
        }
        if let Some(v) = request.seed {
            b = b.with_seed(v);
        }
        if !request.stop.is_empty() {
            b = b.with_stop_sequences(request.stop.clone());
        }
        if let Some(v) = request.frequency_penalty {
            b = b.with_frequency_penalty(v);
        }
        if let Some(v) = request.presence_penalty {
            b = b.with_presence_penalty(v);
        }
        if let Some(t) = output_type(request.response_format.as_ref()) {
            b = b.with_output_type(t);
        }
        if let Some(effort) = &request.reasoning_effort {
            b = b.with_reasoning_level(effort.clone());
        }
        if let Some(tier) = request.service_tier.as_deref().filter(|t| *t != "auto") {
            b = b.with_attribute(KeyValue::new(
                keys::OPENAI_REQUEST_SERVICE_TIER,
                tier.to_owned(),
            ));
        }
        if self.genai.captures_content() || self.genai.hashes_prompts() {
            let messages: Vec<Message> = request
                .messages
                .iter()
                .map(ChatMessage::to_semconv)
                .collect();
            b = b.with_input_messages(messages);
            if !request.tools.is_empty() {
                b = b.with_tool_definitions(
                    request
                        .tools
                        .iter()
                        .map(|t| ToolDefinition {
                            kind: t.kind.clone(),
                            name: t.function.name.clone(),
                            description: t.function.description.clone(),
                            parameters: t.function.parameters.clone(),
                        })
                        .collect(),
                );
            }
        }
        b.start()
    }

    /// A chat completion.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ClientError> {
        let mut span = self.inference_span(&request, false);
        let cx = span.context();
        let result = async {
            let response = self
                .send("chat/completions", &request, Some(self.timeout), &cx)
                .await?;
            self.read_json::<ChatResponse>(response).await
        }
        .await;
        match result {
            Ok(response) => {
                record_chat_response(&mut span, &response);
                span.end();
                Ok(response)
            }
            Err(e) => {
                span.set_error(e.error_type(), e.to_string());
                span.end();
                Err(e)
            }
        }
    }

    /// A streamed chat completion. The span covers the request and the whole stream; it ends
    /// when the stream ends, fails or is dropped.
    pub async fn chat_stream(&self, request: ChatRequest) -> Result<ChatStream, ClientError> {
        let mut request = request;
        request.stream = Some(true);
        request.stream_options = Some(StreamOptions {
            include_usage: true,
        });
        let mut span = self.inference_span(&request, true);
        let response = match self
            .send("chat/completions", &request, None, &span.context())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                span.set_error(e.error_type(), e.to_string());
                span.end();
                return Err(e);
            }
        };
        let chunks = chunk_stream(response, self.timeout);
        Ok(span
            .stream(chunks, OpenAiChat)
            .with_error_type(ClientError::error_type))
    }

    /// Embeddings.
    pub async fn embeddings(
        &self,
        request: EmbeddingsRequest,
    ) -> Result<EmbeddingsResponse, ClientError> {
        let mut b = self
            .genai
            .embeddings(request.model.clone())
            .with_provider(self.provider.clone())
            .with_server(self.host.clone(), self.port);
        if let Some(format) = &request.encoding_format {
            b = b.with_encoding_formats([format.clone()]);
        }
        if let Some(d) = request.dimensions {
            b = b.with_dimension_count(i64::from(d));
        }
        let mut span = b.start();
        let cx = span.context();
        let result = async {
            let response = self
                .send("embeddings", &request, Some(self.timeout), &cx)
                .await?;
            self.read_json::<EmbeddingsResponse>(response).await
        }
        .await;
        match result {
            Ok(response) => {
                if !response.model.is_empty() {
                    span.set_response_model(response.model.clone());
                }
                if let Some(usage) = response.usage {
                    span.record_input_tokens(usage.prompt_tokens);
                }
                if let (None, Some(first)) = (request.dimensions, response.data.first()) {
                    span.set_dimension_count(
                        i64::try_from(first.embedding.dimensions()).unwrap_or(i64::MAX),
                    );
                }
                span.end();
                Ok(response)
            }
            Err(e) => {
                span.set_error(e.error_type(), e.to_string());
                span.end();
                Err(e)
            }
        }
    }

    /// Sends a POST with retries, carrying the trace context of `cx` (`traceparent`,
    /// `tracestate`, `baggage`); returns the successful response (headers received).
    async fn send<B: serde::Serialize>(
        &self,
        path: &str,
        body: &B,
        total_timeout: Option<Duration>,
        cx: &opentelemetry::Context,
    ) -> Result<reqwest::Response, ClientError> {
        let url = format!("{}/{}", self.base, path);
        let mut trace_headers = reqwest::header::HeaderMap::new();
        crate::propagation::inject_http(cx, &mut trace_headers);
        let mut attempt = 0u32;
        loop {
            let mut req = self
                .http
                .post(&url)
                .headers(trace_headers.clone())
                .json(body);
            if let Some(key) = &self.api_key {
                req = req.bearer_auth(key);
            }
            let req = match total_timeout {
                Some(t) => req.timeout(t),
                None => req,
            };
            let sent = tokio::time::timeout(self.timeout, req.send()).await;
            let error = match sent {
                Err(_) => ClientError::Timeout,
                Ok(Err(e)) => ClientError::from_reqwest(e),
                Ok(Ok(response)) if response.status().is_success() => return Ok(response),
                Ok(Ok(response)) => self.api_error(response).await,
            };
            if attempt >= self.max_retries || !error.retryable() {
                return Err(error);
            }
            let backoff = Duration::from_millis(500u64.saturating_mul(1 << attempt.min(10)));
            let wait = match &error {
                ClientError::Api {
                    retry_after: Some(d),
                    ..
                } => *d,
                _ => backoff,
            };
            tokio::time::sleep(wait.min(self.max_retry_wait)).await;
            attempt += 1;
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(ClientError::from_reqwest)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(ClientError::ResponseTooLarge(self.max_response_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn read_json<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        let body = self.read_body(response).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::InvalidResponse(e.to_string()))
    }

    async fn api_error(&self, response: reqwest::Response) -> ClientError {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
        let body = match self.read_body(response).await {
            Ok(b) => b,
            Err(e) => return e,
        };
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        error_from_json(status, &value, retry_after)
    }
}

fn error_from_json(
    status: u16,
    value: &serde_json::Value,
    retry_after: Option<Duration>,
) -> ClientError {
    let error = value.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    ClientError::Api {
        status,
        code: field("code"),
        kind: field("type"),
        message: field("message").unwrap_or_else(|| format!("http status {status}")),
        retry_after,
    }
}

/// Records a non-streaming response on the span.
fn record_chat_response(span: &mut InferenceSpan, response: &ChatResponse) {
    if !response.id.is_empty() {
        span.set_response_id(response.id.clone());
    }
    if !response.model.is_empty() {
        span.set_response_model(response.model.clone());
    }
    let mut choices: Vec<&Choice> = response.choices.iter().collect();
    choices.sort_by_key(|c| c.index);
    span.set_finish_reasons(choices.iter().map(|c| {
        c.finish_reason
            .clone()
            .unwrap_or_else(|| "error".to_owned())
    }));
    if let Some(usage) = &response.usage {
        span.record_usage(Usage::from(usage.clone()));
    }
    if let Some(fp) = &response.system_fingerprint {
        span.set_attribute(KeyValue::new(
            keys::OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
            fp.clone(),
        ));
    }
    if let Some(tier) = &response.service_tier {
        span.set_attribute(KeyValue::new(
            keys::OPENAI_RESPONSE_SERVICE_TIER,
            tier.clone(),
        ));
    }
    if span.captures_content() {
        let messages: Vec<Message> = choices.iter().map(|c| c.message.to_semconv()).collect();
        span.set_output_messages(&messages);
    }
}

struct ChunkState {
    body: BoxStream<'static, Result<bytes::Bytes, reqwest::Error>>,
    decoder: SseDecoder,
    pending: std::collections::VecDeque<SseEvent>,
    done: bool,
    body_ended: bool,
    idle_timeout: Duration,
}

/// Turns an SSE response into typed chunks; `[DONE]` ends it, an `{"error":…}` event is an
/// `Err` item.
fn chunk_stream(
    response: reqwest::Response,
    idle_timeout: Duration,
) -> BoxStream<'static, Result<ChatChunk, ClientError>> {
    let state = ChunkState {
        body: response.bytes_stream().boxed(),
        decoder: SseDecoder::new(DEFAULT_MAX_EVENT_BYTES),
        pending: std::collections::VecDeque::new(),
        done: false,
        body_ended: false,
        idle_timeout,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            if let Some(event) = st.pending.pop_front() {
                if event.data == "[DONE]" {
                    return None;
                }
                let value: serde_json::Value = match serde_json::from_str(&event.data) {
                    Ok(v) => v,
                    Err(e) => {
                        st.done = true;
                        return Some((Err(ClientError::InvalidResponse(e.to_string())), st));
                    }
                };
                if value.get("error").is_some() {
                    st.done = true;
                    return Some((Err(error_from_json(200, &value, None)), st));
                }
                let item = serde_json::from_value::<ChatChunk>(value)
                    .map_err(|e| ClientError::InvalidResponse(e.to_string()));
                if item.is_err() {
                    st.done = true;
                }
                return Some((item, st));
            }
            if st.body_ended {
                return None;
            }
            let mut out = Vec::new();
            match tokio::time::timeout(st.idle_timeout, st.body.next()).await {
                Err(_) => {
                    st.done = true;
                    return Some((Err(ClientError::Timeout), st));
                }
                Ok(Some(Ok(bytes))) => {
                    if let Err(e) = st.decoder.push(&bytes, &mut out) {
                        st.done = true;
                        return Some((Err(ClientError::InvalidResponse(e.to_string())), st));
                    }
                }
                Ok(Some(Err(e))) => {
                    st.done = true;
                    return Some((Err(ClientError::from_reqwest(e)), st));
                }
                Ok(None) => {
                    st.body_ended = true;
                    if let Err(e) = st.decoder.finish(&mut out) {
                        st.done = true;
                        return Some((Err(ClientError::InvalidResponse(e.to_string())), st));
                    }
                }
            }
            st.pending.extend(out);
        }
    })
    .boxed()
}
