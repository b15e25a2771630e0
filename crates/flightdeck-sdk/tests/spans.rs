//! One test per span type: names, kinds, attributes set at creation, response attributes,
//! errors, parenting, and what must *not* be set, against the in-memory exporter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use flightdeck_sdk::opentelemetry::trace::{Link, SpanKind, Status, TraceId, TraceState};
use flightdeck_sdk::opentelemetry::{Array, Context, KeyValue, StringValue, Value};
use flightdeck_sdk::testing::{FinishedSpan, TestTelemetry};
use flightdeck_sdk::{GenAi, Usage};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SamplingDecision, SamplingResult, SdkTracerProvider, ShouldSample,
};

fn s(v: &str) -> Option<Value> {
    Some(Value::String(v.to_owned().into()))
}

fn strings(v: &[&str]) -> Option<Value> {
    Some(Value::Array(Array::String(
        v.iter().map(|x| StringValue::from(x.to_string())).collect(),
    )))
}

fn genai(t: &TestTelemetry) -> GenAi {
    t.genai()
        .with_provider("openai")
        .with_server("api.openai.com", 443)
        .build()
}

/// Every attribute of a span is set exactly once.
fn assert_no_duplicates(span: &FinishedSpan) {
    for (k, _) in &span.attributes {
        assert_eq!(span.attribute_count(k), 1, "{k} set twice on {}", span.name);
    }
}

/// Span names and the attributes a sampler saw for them.
type Seen = Arc<Mutex<Vec<(String, Vec<KeyValue>)>>>;

/// A sampler that remembers the attributes it was shown.
#[derive(Debug, Clone, Default)]
struct RecordingSampler(Seen);

impl ShouldSample for RecordingSampler {
    fn should_sample(
        &self,
        _parent: Option<&Context>,
        _trace_id: TraceId,
        name: &str,
        _kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        self.0
            .lock()
            .expect("sampler lock")
            .push((name.to_owned(), attributes.to_vec()));
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state: TraceState::default(),
        }
    }
}

/// A chat span is `chat {model}`, CLIENT, and carries request, response and inclusive usage
/// attributes under their exact names, each once; `choice.count` 1 is omitted.
#[test]
fn chat_span_attributes() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let mut call = genai
        .chat("gpt-4o-mini")
        .with_temperature(0.5)
        .with_max_tokens(100)
        .with_top_p(0.9)
        .with_seed(42)
        .with_stop_sequences(["END"])
        .with_choice_count(1)
        .with_frequency_penalty(0.1)
        .with_presence_penalty(0.2)
        .with_conversation_id("conv-7")
        .start();
    call.set_response_id("chatcmpl-1");
    call.set_response_model("gpt-4o-mini-2024-07-18");
    call.set_finish_reasons(["stop"]);
    call.record_usage(
        Usage::new(1200, 300)
            .with_cache_read(1000)
            .with_reasoning(50),
    );
    call.end();

    let span = t.span("chat gpt-4o-mini").unwrap();
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("chat"));
    assert_eq!(span.attribute("gen_ai.provider.name"), s("openai"));
    assert_eq!(span.attribute("gen_ai.request.model"), s("gpt-4o-mini"));
    assert_eq!(span.attribute("server.address"), s("api.openai.com"));
    assert_eq!(span.attribute("server.port"), Some(Value::I64(443)));
    assert_eq!(
        span.attribute("gen_ai.request.temperature"),
        Some(Value::F64(0.5))
    );
    assert_eq!(
        span.attribute("gen_ai.request.max_tokens"),
        Some(Value::I64(100))
    );
    assert_eq!(
        span.attribute("gen_ai.request.top_p"),
        Some(Value::F64(0.9))
    );
    assert_eq!(span.attribute("gen_ai.request.seed"), Some(Value::I64(42)));
    assert_eq!(
        span.attribute("gen_ai.request.stop_sequences"),
        strings(&["END"])
    );
    assert_eq!(
        span.attribute("gen_ai.request.frequency_penalty"),
        Some(Value::F64(0.1))
    );
    assert_eq!(
        span.attribute("gen_ai.request.presence_penalty"),
        Some(Value::F64(0.2))
    );
    assert_eq!(span.attribute("gen_ai.conversation.id"), s("conv-7"));
    assert_eq!(span.attribute("gen_ai.request.choice.count"), None);
    assert_eq!(span.attribute("gen_ai.request.stream"), None);
    assert_eq!(span.attribute("gen_ai.response.id"), s("chatcmpl-1"));
    assert_eq!(
        span.attribute("gen_ai.response.model"),
        s("gpt-4o-mini-2024-07-18")
    );
    assert_eq!(
        span.attribute("gen_ai.response.finish_reasons"),
        strings(&["stop"])
    );
    assert_eq!(
        span.attribute("gen_ai.usage.input_tokens"),
        Some(Value::I64(1200))
    );
    assert_eq!(
        span.attribute("gen_ai.usage.output_tokens"),
        Some(Value::I64(300))
    );
    assert_eq!(
        span.attribute("gen_ai.usage.cache_read.input_tokens"),
        Some(Value::I64(1000))
    );
    assert_eq!(
        span.attribute("gen_ai.usage.reasoning.output_tokens"),
        Some(Value::I64(50))
    );
    assert_eq!(
        span.attribute("gen_ai.usage.cache_write.input_tokens"),
        None
    );
    assert_eq!(span.attribute("error.type"), None);
    assert_no_duplicates(&span);
}

/// The sampler sees operation, provider, model and server when the span is created.
#[test]
fn start_attributes_are_visible_to_samplers() {
    let sampler = RecordingSampler::default();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler.clone())
        .with_simple_exporter(exporter.clone())
        .build();
    let genai = GenAi::builder()
        .with_tracer_provider(&provider)
        .with_provider("anthropic")
        .with_server("api.anthropic.com", 443)
        .build();
    genai.chat("claude-sonnet-4-5").start().end();
    genai
        .execute_tool("search")
        .with_tool_type("function")
        .with_agent_name("researcher")
        .start()
        .end();

    let seen = sampler.0.lock().unwrap().clone();
    let keys = |i: usize| -> Vec<(String, String)> {
        seen[i]
            .1
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect()
    };
    assert_eq!(seen[0].0, "chat claude-sonnet-4-5");
    let chat = keys(0);
    for (k, v) in [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "anthropic"),
        ("gen_ai.request.model", "claude-sonnet-4-5"),
        ("server.address", "api.anthropic.com"),
        ("server.port", "443"),
    ] {
        assert!(
            chat.contains(&(k.to_owned(), v.to_owned())),
            "{k}={v} missing at creation: {chat:?}"
        );
    }
    assert_eq!(seen[1].0, "execute_tool search");
    let tool = keys(1);
    for (k, v) in [
        ("gen_ai.operation.name", "execute_tool"),
        ("gen_ai.tool.name", "search"),
        ("gen_ai.tool.type", "function"),
        ("gen_ai.agent.name", "researcher"),
    ] {
        assert!(tool.contains(&(k.to_owned(), v.to_owned())), "{k}={v}");
    }
}

/// A failed call records `error.type` and status ERROR with the message; `fail` with an error
/// value uses its type name.
#[test]
fn chat_errors() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let mut call = genai.chat("gpt-4o").start();
    call.set_error("rate_limit_exceeded", "too many requests");
    call.end();
    let span = t.span("chat gpt-4o").unwrap();
    assert_eq!(span.attribute("error.type"), s("rate_limit_exceeded"));
    assert_eq!(
        span.status,
        Status::Error {
            description: "too many requests".into()
        }
    );

    let call = genai.text_completion("davinci-002").start();
    call.fail(&std::io::Error::other("connection reset"));
    let span = t.span("text_completion davinci-002").unwrap();
    assert_eq!(
        span.attribute("gen_ai.operation.name"),
        s("text_completion")
    );
    assert_eq!(span.attribute("error.type"), s("std::io::error::Error"));
    assert_eq!(
        span.status,
        Status::Error {
            description: "connection reset".into()
        }
    );
}

/// Dropping a handle without ending it still ends the span, with status unset.
#[test]
fn dropped_handle_ends_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    {
        let _call = genai
            .generate_content("gemini-2.5-flash")
            .in_process()
            .start();
    }
    let span = t.span("generate_content gemini-2.5-flash").unwrap();
    assert_eq!(span.kind, SpanKind::Internal);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(t.spans().len(), 1);
}

/// An embeddings span is `embeddings {model}`, CLIENT, with encoding formats, dimension count
/// and input tokens.
#[test]
fn embeddings_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let mut e = genai
        .embeddings("text-embedding-3-small")
        .with_encoding_formats(["float"])
        .start();
    e.set_response_model("text-embedding-3-small");
    e.set_dimension_count(1536);
    e.record_input_tokens(42);
    e.end();
    let span = t.span("embeddings text-embedding-3-small").unwrap();
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("embeddings"));
    assert_eq!(span.attribute("gen_ai.provider.name"), s("openai"));
    assert_eq!(
        span.attribute("gen_ai.request.encoding_formats"),
        strings(&["float"])
    );
    assert_eq!(
        span.attribute("gen_ai.embeddings.dimension.count"),
        Some(Value::I64(1536))
    );
    assert_eq!(
        span.attribute("gen_ai.usage.input_tokens"),
        Some(Value::I64(42))
    );
    assert_eq!(span.attribute("gen_ai.usage.output_tokens"), None);
    assert_no_duplicates(&span);
}

/// A retrieval span is `retrieval {data_source}`, CLIENT, with `gen_ai.retrieval.top_k`; the
/// instrumentation's default provider and server are not applied to the store.
#[test]
fn retrieval_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    genai
        .retrieval("kb-main")
        .with_top_k(5)
        .with_model("text-embedding-3-small")
        .with_query_text("what is our refund policy?")
        .start()
        .end();
    let span = t.span("retrieval kb-main").unwrap();
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("retrieval"));
    assert_eq!(span.attribute("gen_ai.data_source.id"), s("kb-main"));
    assert_eq!(
        span.attribute("gen_ai.retrieval.top_k"),
        Some(Value::I64(5))
    );
    assert_eq!(
        span.attribute("gen_ai.request.model"),
        s("text-embedding-3-small")
    );
    assert_eq!(span.attribute("gen_ai.provider.name"), None);
    assert_eq!(span.attribute("server.address"), None);
    // Content capture is off: no query text.
    assert_eq!(span.attribute("gen_ai.retrieval.query.text"), None);
}

/// An in-process agent is `invoke_agent {name}`, INTERNAL, with no provider, server, agent id
/// or version; a child chat span is parented to it through `context()`.
#[test]
fn invoke_agent_internal_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let mut agent = genai
        .invoke_agent("planner")
        .with_description("plans trips")
        .with_agent_id("asst_1")
        .with_version("3")
        .with_model("gpt-4o")
        .start();
    genai
        .chat("gpt-4o")
        .with_parent(&agent.context())
        .start()
        .end();
    agent.record_usage(100, 20);
    agent.end();

    let span = t.span("invoke_agent planner").unwrap();
    assert_eq!(span.kind, SpanKind::Internal);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("invoke_agent"));
    assert_eq!(span.attribute("gen_ai.agent.name"), s("planner"));
    assert_eq!(span.attribute("gen_ai.agent.description"), s("plans trips"));
    assert_eq!(span.attribute("gen_ai.request.model"), s("gpt-4o"));
    assert_eq!(
        span.attribute("gen_ai.usage.input_tokens"),
        Some(Value::I64(100))
    );
    for absent in [
        "gen_ai.provider.name",
        "gen_ai.agent.id",
        "gen_ai.agent.version",
        "server.address",
        "server.port",
    ] {
        assert_eq!(span.attribute(absent), None, "{absent}");
    }
    let chat = t.span("chat gpt-4o").unwrap();
    assert_eq!(chat.parent_span_id, span.span_id);
    assert_eq!(chat.trace_id, span.trace_id);
}

/// A remote agent is CLIENT and carries provider, server, agent id and version; an unnamed
/// agent's span is just `invoke_agent`.
#[test]
fn invoke_agent_remote_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    genai
        .invoke_agent("support")
        .remote()
        .with_agent_id("asst_abc")
        .with_version("7")
        .start()
        .end();
    genai.invoke_agent("").start().end();
    let span = t.span("invoke_agent support").unwrap();
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.attribute("gen_ai.provider.name"), s("openai"));
    assert_eq!(span.attribute("gen_ai.agent.id"), s("asst_abc"));
    assert_eq!(span.attribute("gen_ai.agent.version"), s("7"));
    assert_eq!(span.attribute("server.address"), s("api.openai.com"));
    let unnamed = t.span("invoke_agent").unwrap();
    assert_eq!(unnamed.attribute("gen_ai.agent.name"), None);
}

/// A tool span is `execute_tool {tool}`, INTERNAL, with type, call id, description and agent.
#[test]
fn execute_tool_span() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let tool = genai
        .execute_tool("get_weather")
        .with_tool_type("function")
        .with_call_id("call_1")
        .with_description("current weather")
        .with_agent_name("planner")
        .with_arguments(serde_json::json!({"city": "Paris"}))
        .start();
    tool.end();
    let span = t.span("execute_tool get_weather").unwrap();
    assert_eq!(span.kind, SpanKind::Internal);
    assert_eq!(span.attribute("gen_ai.operation.name"), s("execute_tool"));
    assert_eq!(span.attribute("gen_ai.tool.name"), s("get_weather"));
    assert_eq!(span.attribute("gen_ai.tool.type"), s("function"));
    assert_eq!(span.attribute("gen_ai.tool.call.id"), s("call_1"));
    assert_eq!(
        span.attribute("gen_ai.tool.description"),
        s("current weather")
    );
    assert_eq!(span.attribute("gen_ai.agent.name"), s("planner"));
    assert_eq!(span.attribute("gen_ai.provider.name"), None);
    // Arguments are content: not captured by default.
    assert_eq!(span.attribute("gen_ai.tool.call.arguments"), None);
}

/// A workflow span is `invoke_workflow {name}`, INTERNAL, with the workflow name; links given
/// to the builder are on the span.
#[test]
fn invoke_workflow_span_with_links() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let mut headers = std::collections::HashMap::new();
    headers.insert(
        "traceparent".to_owned(),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
    );
    let links = flightdeck_sdk::propagation::links_from_maps([&headers]);
    genai
        .invoke_workflow("trip-planner")
        .with_conversation_id("c1")
        .with_links(links)
        .start()
        .end();
    let span = t.span("invoke_workflow trip-planner").unwrap();
    assert_eq!(span.kind, SpanKind::Internal);
    assert_eq!(
        span.attribute("gen_ai.operation.name"),
        s("invoke_workflow")
    );
    assert_eq!(span.attribute("gen_ai.workflow.name"), s("trip-planner"));
    assert_eq!(span.attribute("gen_ai.conversation.id"), s("c1"));
    assert_eq!(span.links.len(), 1);
    assert_eq!(
        span.links[0].trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
}

/// Without an explicit parent, spans are children of the current context.
#[test]
fn current_context_is_the_default_parent() {
    let t = TestTelemetry::new();
    let genai = genai(&t);
    let workflow = genai.invoke_workflow("w").start();
    {
        let _guard = workflow.context().attach();
        genai.chat("m").start().end();
    }
    genai.chat("after").start().end();
    let parent_id = workflow.span_context().span_id().to_string();
    workflow.end();
    let chat = t.span("chat m").unwrap();
    assert_eq!(chat.parent_span_id, parent_id);
    let after = t.span("chat after").unwrap();
    assert_eq!(after.parent_span_id, "0000000000000000");
}
