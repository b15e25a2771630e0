//! Synthetic GenAI telemetry that looks like production: agent requests with retrieval, model
//! calls (some streamed, some failing) and tool calls, trace trees of 5–30 spans carrying 20–30
//! attributes each, optionally with message content.
//!
//! Deterministic for a given seed. Used by `flightdeck loadgen`, the benchmarks and tests; it
//! produces OTLP protobuf messages and knows nothing about Flightdeck's internals.
//!
//! ```
//! use flightdeck_loadgen::{Generator, TrafficConfig};
//! let mut generator = Generator::new(TrafficConfig::default());
//! let request = generator.request(20);
//! let spans: usize = request.resource_spans.iter()
//!     .flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
//! assert!(spans >= 20);
//! ```

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Which attribute names the generated spans use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The current OpenTelemetry GenAI conventions only.
    Current,
    /// A mix: current conventions, older OpenTelemetry names, OpenLLMetry and OpenInference.
    Mixed,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct TrafficConfig {
    /// Include prompt and completion content (about 2 KB per model call).
    pub content: bool,
    /// Attribute dialect.
    pub dialect: Dialect,
    /// Fewest spans in a trace.
    pub min_spans: usize,
    /// Most spans in a trace.
    pub max_spans: usize,
    /// Random seed.
    pub seed: u64,
    /// Timestamps are generated around this time (ns since the epoch); 0 means now.
    pub base_time_ns: u64,
    /// Mean gap between the starts of consecutive traces, ns (0: 0.1–2 ms, real-time-like).
    /// Loads that should cover hours of data set it to spread traces over the period.
    pub trace_interval_ns: u64,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            content: false,
            dialect: Dialect::Current,
            min_spans: 5,
            max_spans: 30,
            seed: 1,
            base_time_ns: 0,
            trace_interval_ns: 0,
        }
    }
}

const MODELS: &[(&str, &str, &str, u32)] = &[
    ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 300),
    ("openai", "gpt-4o", "gpt-4o-2024-08-06", 900),
    (
        "anthropic",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        1200,
    ),
    ("openai", "o4-mini", "o4-mini-2025-04-16", 2500),
];
const TOOLS: &[&str] = &[
    "search_docs",
    "get_weather",
    "run_sql",
    "create_ticket",
    "send_email",
];
const AGENTS: &[&str] = &["planner", "coder", "reviewer", "support"];
const SERVICES: &[(&str, &str)] = &[
    ("chat-api", "1.4.2"),
    ("chat-api", "1.5.0"),
    ("rag-worker", "2.0.1"),
];
const USERS: usize = 50;
const WORDS: &[&str] = &[
    "the",
    "model",
    "returns",
    "a",
    "summary",
    "of",
    "customer",
    "ticket",
    "about",
    "billing",
    "error",
    "retrieved",
    "documents",
    "show",
    "that",
    "invoice",
    "was",
    "paid",
    "twice",
    "please",
    "refund",
    "agent",
    "tool",
    "result",
    "context",
    "window",
    "answer",
    "question",
    "latency",
];

/// Generates requests. Not thread-safe; give each sender its own generator (different seeds).
pub struct Generator {
    rng: SmallRng,
    config: TrafficConfig,
    clock_ns: u64,
}

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
fn s(key: &str, value: impl Into<String>) -> KeyValue {
    kv(key, Value::StringValue(value.into()))
}
fn i(key: &str, value: i64) -> KeyValue {
    kv(key, Value::IntValue(value))
}
fn d(key: &str, value: f64) -> KeyValue {
    kv(key, Value::DoubleValue(value))
}
fn list(key: &str, values: &[&str]) -> KeyValue {
    kv(
        key,
        Value::ArrayValue(ArrayValue {
            values: values
                .iter()
                .map(|v| AnyValue {
                    value: Some(Value::StringValue((*v).to_owned())),
                })
                .collect(),
        }),
    )
}

impl Generator {
    /// A generator with the given settings.
    pub fn new(config: TrafficConfig) -> Self {
        let clock_ns = if config.base_time_ns == 0 {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        } else {
            config.base_time_ns
        };
        Generator {
            rng: SmallRng::seed_from_u64(config.seed),
            config,
            clock_ns,
        }
    }

    fn words(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n * 7);
        for k in 0..n {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[self.rng.random_range(0..WORDS.len())]);
        }
        out
    }

    fn id<const N: usize>(&mut self) -> Vec<u8> {
        let mut bytes = [0u8; N];
        self.rng.fill(&mut bytes[..]);
        bytes[0] |= 1; // never all zero
        bytes.to_vec()
    }

    /// One request holding whole traces with at least `min_spans` spans in total.
    pub fn request(&mut self, min_spans: usize) -> ExportTraceServiceRequest {
        let mut by_service: Vec<Vec<Span>> = vec![Vec::new(); SERVICES.len()];
        let mut total = 0;
        while total < min_spans.max(1) {
            let service = self.rng.random_range(0..SERVICES.len());
            let trace = self.trace();
            total += trace.len();
            by_service[service].extend(trace);
        }
        let resource_spans = by_service
            .into_iter()
            .enumerate()
            .filter(|(_, spans)| !spans.is_empty())
            .map(|(k, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![
                        s("service.name", SERVICES[k].0),
                        s("service.version", SERVICES[k].1),
                        s("deployment.environment.name", "production"),
                        s("telemetry.sdk.language", "python"),
                        s("telemetry.sdk.name", "opentelemetry"),
                        s("telemetry.sdk.version", "1.45.2"),
                        s("host.name", format!("node-{}", k + 1)),
                        s("cloud.region", "eu-west-1"),
                    ],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: "opentelemetry.instrumentation.openai_v2".into(),
                        version: "2.4b0".into(),
                        ..Default::default()
                    }),
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            })
            .collect();
        ExportTraceServiceRequest { resource_spans }
    }

    /// One trace: an HTTP request into an agent that retrieves, calls models and tools.
    pub fn trace(&mut self) -> Vec<Span> {
        let target = self
            .rng
            .random_range(self.config.min_spans.max(2)..=self.config.max_spans.max(2));
        let trace_id = self.id::<16>();
        self.clock_ns += match self.config.trace_interval_ns {
            0 => self.rng.random_range(100_000..2_000_000),
            gap => self.rng.random_range(gap / 2..=gap + gap / 2),
        };
        let start = self.clock_ns;
        let user = format!("user-{}", self.rng.random_range(0..USERS));
        let conversation = format!("conv-{:x}", self.rng.random::<u32>());
        let agent = AGENTS[self.rng.random_range(0..AGENTS.len())];

        let root_id = self.id::<8>();
        let agent_id = self.id::<8>();
        let mut spans = Vec::with_capacity(target);
        let mut t = start + 200_000;
        // Retrieval: embeddings + vector search.
        if target >= 5 {
            let (embed, end) = self.embeddings(&trace_id, &agent_id, t);
            spans.push(embed);
            let (retrieve, end) = self.retrieval(&trace_id, &agent_id, end);
            spans.push(retrieve);
            t = end;
        }
        // Agent loop: a model call, then maybe a tool call, until the span budget is used.
        let mut error = false;
        while spans.len() + 3 <= target {
            let (chat, end, failed) = self.chat(&trace_id, &agent_id, t, &conversation, agent);
            spans.push(chat);
            t = end;
            error |= failed;
            if spans.len() + 3 <= target && self.rng.random_bool(0.7) {
                let (tool, end) = self.tool(&trace_id, &agent_id, t, agent);
                spans.push(tool);
                t = end;
            }
        }
        let end = t + 100_000;
        let mut attrs = vec![
            s("gen_ai.operation.name", "invoke_agent"),
            s("gen_ai.agent.name", agent),
            s("gen_ai.conversation.id", conversation.clone()),
            s("user.id", user.clone()),
        ];
        if error {
            attrs.push(s("error.type", "RateLimitError"));
        }
        spans.push(self.span(
            &trace_id,
            agent_id.clone(),
            Some(root_id.clone()),
            format!("invoke_agent {agent}"),
            span::SpanKind::Internal,
            start + 100_000,
            end - 50_000,
            attrs,
            error,
        ));
        let tenant = format!("tenant-{}", self.rng.random_range(0..5));
        spans.push(self.span(
            &trace_id,
            root_id,
            None,
            "POST /v1/chat".into(),
            span::SpanKind::Server,
            start,
            end,
            vec![
                s("http.request.method", "POST"),
                s("http.route", "/v1/chat"),
                i("http.response.status_code", if error { 500 } else { 200 }),
                s("url.scheme", "https"),
                s("user.id", user),
            ],
            error,
        ));
        // The tenant on every span, as a baggage span processor copies it.
        for span in &mut spans {
            span.attributes.push(s("tenant.id", tenant.clone()));
        }
        self.clock_ns = self.clock_ns.max(start);
        spans
    }

    #[allow(clippy::too_many_arguments)]
    fn span(
        &mut self,
        trace_id: &[u8],
        span_id: Vec<u8>,
        parent: Option<Vec<u8>>,
        name: String,
        kind: span::SpanKind,
        start: u64,
        end: u64,
        attributes: Vec<KeyValue>,
        error: bool,
    ) -> Span {
        Span {
            trace_id: trace_id.to_vec(),
            span_id,
            parent_span_id: parent.unwrap_or_default(),
            name,
            kind: kind as i32,
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes,
            status: Some(Status {
                code: if error { 2 } else { 0 },
                message: if error {
                    "rate limited".into()
                } else {
                    String::new()
                },
            }),
            flags: 0x101,
            ..Default::default()
        }
    }

    fn common(&self, provider: &str) -> Vec<KeyValue> {
        vec![
            s(
                "server.address",
                if provider == "openai" {
                    "api.openai.com"
                } else {
                    "api.anthropic.com"
                },
            ),
            i("server.port", 443),
        ]
    }

    fn embeddings(&mut self, trace_id: &[u8], parent: &[u8], t: u64) -> (Span, u64) {
        let dur = self.rng.random_range(20_000_000..90_000_000);
        let mut attrs = self.common("openai");
        attrs.extend([
            s("gen_ai.operation.name", "embeddings"),
            s("gen_ai.provider.name", "openai"),
            s("gen_ai.request.model", "text-embedding-3-small"),
            s("gen_ai.response.model", "text-embedding-3-small"),
            i("gen_ai.usage.input_tokens", self.rng.random_range(8..200)),
            i("gen_ai.embeddings.dimension.count", 1536),
            list("gen_ai.request.encoding_formats", &["float"]),
        ]);
        let id = self.id::<8>();
        let span = self.span(
            trace_id,
            id,
            Some(parent.to_vec()),
            "embeddings text-embedding-3-small".into(),
            span::SpanKind::Client,
            t,
            t + dur,
            attrs,
            false,
        );
        (span, t + dur)
    }

    fn retrieval(&mut self, trace_id: &[u8], parent: &[u8], t: u64) -> (Span, u64) {
        let dur = self.rng.random_range(5_000_000..40_000_000);
        let mut attrs = vec![
            s("gen_ai.operation.name", "retrieval"),
            s("gen_ai.data_source.id", "kb-support"),
            i("gen_ai.retrieval.top_k", 4),
            s("db.system.name", "qdrant"),
            s("db.collection.name", "support-articles"),
        ];
        let docs: Vec<serde_json::Value> = (0..4)
            .map(|k| serde_json::json!({"id": format!("doc-{}", self.rng.random_range(0..500)), "score": 0.9 - 0.1 * k as f64}))
            .collect();
        attrs.push(s(
            "gen_ai.retrieval.documents",
            serde_json::Value::Array(docs).to_string(),
        ));
        if self.config.content {
            let q = self.words(12);
            attrs.push(s("gen_ai.retrieval.query.text", q));
        }
        let id = self.id::<8>();
        let span = self.span(
            trace_id,
            id,
            Some(parent.to_vec()),
            "retrieval kb-support".into(),
            span::SpanKind::Client,
            t,
            t + dur,
            attrs,
            false,
        );
        (span, t + dur)
    }

    fn chat(
        &mut self,
        trace_id: &[u8],
        parent: &[u8],
        t: u64,
        conversation: &str,
        agent: &str,
    ) -> (Span, u64, bool) {
        let (provider, model, response_model, base_ms) =
            MODELS[self.rng.random_range(0..MODELS.len())];
        let input = self.rng.random_range(200..6000i64);
        let output = self.rng.random_range(20..800i64);
        let cached = if self.rng.random_bool(0.4) {
            input / 2
        } else {
            0
        };
        let stream = self.rng.random_bool(0.5);
        let failed = self.rng.random_bool(0.02);
        let dur_ms = base_ms as u64 + output as u64 * self.rng.random_range(5..25);
        let dur = dur_ms * 1_000_000;
        let mut attrs = self.common(provider);
        let mixed = self.config.dialect == Dialect::Mixed;
        let style = if mixed {
            self.rng.random_range(0..4)
        } else {
            0
        };
        match style {
            // Current conventions.
            0 => attrs.extend([
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.provider.name", provider),
                s("gen_ai.request.model", model),
                s("gen_ai.response.model", response_model),
                i("gen_ai.usage.input_tokens", input),
                i("gen_ai.usage.output_tokens", output),
                i("gen_ai.usage.cache_read.input_tokens", cached),
            ]),
            // OpenTelemetry ≤ 1.36.
            1 => attrs.extend([
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.system", provider),
                s("gen_ai.request.model", model),
                s("gen_ai.response.model", response_model),
                i("gen_ai.usage.prompt_tokens", input),
                i("gen_ai.usage.completion_tokens", output),
            ]),
            // OpenLLMetry.
            2 => attrs.extend([
                s("llm.request.type", "chat"),
                s("gen_ai.system", provider),
                s("gen_ai.request.model", model),
                s("gen_ai.response.model", response_model),
                i("gen_ai.usage.prompt_tokens", input),
                i("gen_ai.usage.completion_tokens", output),
                i("llm.usage.total_tokens", input + output),
                i("gen_ai.usage.cache_read_input_tokens", cached),
            ]),
            // OpenInference.
            _ => attrs.extend([
                s("openinference.span.kind", "LLM"),
                s("llm.provider", provider),
                s("llm.model_name", response_model),
                i("llm.token_count.prompt", input),
                i("llm.token_count.completion", output),
                i("llm.token_count.total", input + output),
                i("llm.token_count.prompt_details.cache_read", cached),
            ]),
        }
        attrs.extend([
            d("gen_ai.request.temperature", 0.2),
            d("gen_ai.request.frequency_penalty", 0.0),
            i("gen_ai.request.seed", 42),
            s("gen_ai.output.type", "text"),
            s("openai.api.type", "chat_completions"),
            d("gen_ai.request.top_p", 0.9),
            i("gen_ai.request.max_tokens", 1024),
            list(
                "gen_ai.response.finish_reasons",
                &[if failed { "error" } else { "stop" }],
            ),
            s(
                "gen_ai.response.id",
                format!("chatcmpl-{:016x}", self.rng.random::<u64>()),
            ),
            s("gen_ai.conversation.id", conversation),
            s("gen_ai.agent.name", agent),
            s("openai.response.service_tier", "default"),
            s("openai.response.system_fingerprint", "fp_7f2a8c"),
        ]);
        if stream {
            attrs.push(kv("gen_ai.request.stream", Value::BoolValue(true)));
            attrs.push(d(
                "gen_ai.response.time_to_first_chunk",
                self.rng.random_range(0.15..1.2),
            ));
        }
        if failed {
            attrs.push(s("error.type", "RateLimitError"));
        }
        if self.config.content {
            let question = self.words(140);
            let system = self.words(70);
            let answer = self.words(100);
            attrs.push(s(
                "gen_ai.input.messages",
                serde_json::json!([
                    {"role": "system", "parts": [{"type": "text", "content": system}]},
                    {"role": "user", "parts": [{"type": "text", "content": question}]}
                ])
                .to_string(),
            ));
            attrs.push(s(
                "gen_ai.output.messages",
                serde_json::json!([{"role": "assistant", "parts": [{"type": "text", "content": answer}], "finish_reason": "stop"}]).to_string(),
            ));
        }
        let id = self.id::<8>();
        let span = self.span(
            trace_id,
            id,
            Some(parent.to_vec()),
            format!("chat {model}"),
            span::SpanKind::Client,
            t,
            t + dur,
            attrs,
            failed,
        );
        (span, t + dur, failed)
    }

    fn tool(&mut self, trace_id: &[u8], parent: &[u8], t: u64, agent: &str) -> (Span, u64) {
        let tool = TOOLS[self.rng.random_range(0..TOOLS.len())];
        let dur = self.rng.random_range(1_000_000..300_000_000);
        let mut attrs = vec![
            s("gen_ai.operation.name", "execute_tool"),
            s("gen_ai.tool.name", tool),
            s("gen_ai.tool.type", "function"),
            s(
                "gen_ai.tool.call.id",
                format!("call_{:012x}", self.rng.random::<u64>() >> 16),
            ),
            s("gen_ai.agent.name", agent),
        ];
        if self.config.content {
            attrs.push(s(
                "gen_ai.tool.call.arguments",
                serde_json::json!({"query": self.words(6)}).to_string(),
            ));
            attrs.push(s(
                "gen_ai.tool.call.result",
                serde_json::json!({"result": self.words(40)}).to_string(),
            ));
        }
        let id = self.id::<8>();
        let span = self.span(
            trace_id,
            id,
            Some(parent.to_vec()),
            format!("execute_tool {tool}"),
            span::SpanKind::Internal,
            t,
            t + dur,
            attrs,
            false,
        );
        (span, t + dur)
    }
}

/// Number of spans in a request.
pub fn span_count(request: &ExportTraceServiceRequest) -> usize {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Traces have 5–30 spans, one root, GenAI spans with 20+ attributes, and are deterministic.
    #[test]
    fn traces_have_the_promised_shape() {
        let mut g = Generator::new(TrafficConfig {
            base_time_ns: 1,
            ..TrafficConfig::default()
        });
        for _ in 0..200 {
            let trace = g.trace();
            assert!((5..=30).contains(&trace.len()), "{}", trace.len());
            assert_eq!(
                trace.iter().filter(|s| s.parent_span_id.is_empty()).count(),
                1
            );
            let chat = trace.iter().find(|s| s.name.starts_with("chat ")).unwrap();
            assert!(chat.attributes.len() >= 20, "{}", chat.attributes.len());
        }
        let a = Generator::new(TrafficConfig {
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20);
        let b = Generator::new(TrafficConfig {
            base_time_ns: 1,
            ..TrafficConfig::default()
        })
        .request(20);
        assert_eq!(a, b);
        assert!(span_count(&a) >= 20);
    }
}
