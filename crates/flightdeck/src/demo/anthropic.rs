//! The reviewer agent's model: the mock provider's Anthropic Messages API, called with `reqwest`
//! and instrumented by hand with the SDK's span builder, the way an application instruments a
//! client the SDK does not wrap. The system prompt is marked for prompt caching, so the spans
//! carry Anthropic's cache writes and reads (reported apart from `input_tokens`; the SDK's
//! [`Usage::from_anthropic_json`] folds them into the conventions' inclusive input count).

use std::time::Duration;

use anyhow::Context as _;
use flightdeck_sdk::openai::ClientError;
use flightdeck_sdk::{GenAi, Message, Part, Usage};
use opentelemetry::Context;
use serde_json::{Value, json};

/// Most output tokens the reviewer asks for.
const MAX_TOKENS: i64 = 512;

/// A Messages API client for one base URL.
#[derive(Debug, Clone)]
pub struct AnthropicClient {
    http: reqwest::Client,
    url: String,
    host: String,
    port: u16,
}

impl AnthropicClient {
    /// A client for the provider at `base_url` (e.g. `http://127.0.0.1:8080`), giving up on a
    /// request after `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<AnthropicClient> {
        let parsed = reqwest::Url::parse(base_url)
            .with_context(|| format!("invalid Anthropic base URL {base_url:?}"))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .context("failed to build the Anthropic HTTP client")?;
        Ok(AnthropicClient {
            http,
            url: format!("{}/v1/messages", base_url.trim_end_matches('/')),
            host: parsed.host_str().unwrap_or("localhost").to_owned(),
            port: parsed.port_or_known_default().unwrap_or(443),
        })
    }

    /// Sends one `system` + `user` turn to `model` under `parent` and returns the answer text.
    /// The call is a `chat` span with provider `anthropic`, usage (cache included), finish
    /// reason, response id and model, and the messages (content capture permitting).
    pub async fn chat(
        &self,
        genai: &GenAi,
        parent: &Context,
        model: &'static str,
        system: &str,
        user: &str,
    ) -> Result<String, ClientError> {
        let mut span = genai
            .chat(model)
            .with_provider("anthropic")
            .with_server(self.host.clone(), self.port)
            .with_max_tokens(MAX_TOKENS)
            .with_temperature(0.0)
            .with_system_instructions(vec![Part::Text {
                content: system.to_owned(),
            }])
            .with_input_messages(vec![Message::user(user)])
            .with_parent(parent)
            .start();
        let body = json!({
            "model": model,
            "max_tokens": MAX_TOKENS,
            "temperature": 0.0,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": user}],
        });
        match self.send(&body).await {
            Ok(answer) => {
                let text: String = answer["content"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|block| block["text"].as_str())
                    .collect();
                if let Some(id) = answer["id"].as_str() {
                    span.set_response_id(id.to_owned());
                }
                if let Some(m) = answer["model"].as_str() {
                    span.set_response_model(m.to_owned());
                }
                if let Some(reason) = answer["stop_reason"].as_str() {
                    span.set_finish_reasons([reason.to_owned()]);
                }
                if let Some(usage) = Usage::from_anthropic_json(&answer["usage"]) {
                    span.record_usage(usage);
                }
                span.set_output_messages(&[Message::assistant(text.clone())]);
                span.end();
                Ok(text)
            }
            Err(e) => {
                span.set_error(e.error_type(), e.to_string());
                span.end();
                Err(e)
            }
        }
    }

    async fn send(&self, body: &Value) -> Result<Value, ClientError> {
        let response = self
            .http
            .post(&self.url)
            .header("anthropic-version", "2023-06-01")
            .json(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(transport)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| ClientError::InvalidResponse(format!("{e}: {text:.200}")))?;
        if status >= 400 {
            // `{"type": "error", "error": {"type": "rate_limit_error", "message": ...}}`
            let error = &value["error"];
            return Err(ClientError::Api {
                status,
                code: None,
                kind: error["type"].as_str().map(str::to_owned),
                message: error["message"].as_str().unwrap_or(&text).to_owned(),
                retry_after,
            });
        }
        Ok(value)
    }
}

fn transport(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        ClientError::Timeout
    } else {
        ClientError::Transport(e)
    }
}
