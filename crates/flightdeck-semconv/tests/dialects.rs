//! Hand-written fixtures for every dialect the normalizer reads, with the edge cases users hit:
//! partial usage, conflicting values, exclusive token counts, messages split across span events
//! and log records, logs that arrive before their span. Expected values are computed by hand in
//! each test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use flightdeck_model::{AttrValue, SpanKind};
use flightdeck_semconv::{
    ContentSource, DeprecatedName, Derivation, Dialect, NormalizeReport, Normalizer, content,
};
use serde_json::json;

fn normalize(span: &mut flightdeck_model::Span) -> NormalizeReport {
    Normalizer::default().normalize_with_report(span)
}

// ---------------------------------------------------------------------------------------------
// OpenTelemetry, current and older

/// Every current attribute fills its typed field; nothing is derived or flagged but throughput.
#[test]
fn otel_current_full() {
    let mut sp = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.response.model", s("gpt-4o-2024-08-06")),
            ("gen_ai.response.id", s("chatcmpl-1")),
            ("gen_ai.response.finish_reasons", strs(&["stop"])),
            ("gen_ai.usage.input_tokens", i(1000)),
            ("gen_ai.usage.output_tokens", i(200)),
            ("gen_ai.usage.cache_read.input_tokens", i(600)),
            ("gen_ai.usage.cache_write.input_tokens", i(100)),
            ("gen_ai.usage.reasoning.output_tokens", i(50)),
            ("gen_ai.request.stream", b(true)),
            ("gen_ai.response.time_to_first_chunk", d(0.02)),
            ("gen_ai.conversation.id", s("conv-1")),
            ("gen_ai.agent.name", s("support")),
            ("user.id", s("u-9")),
        ],
    );
    let report = normalize(&mut sp);
    let g = &sp.genai;
    assert_eq!(g.operation.as_deref(), Some("chat"));
    assert_eq!(g.provider.as_deref(), Some("openai"));
    assert_eq!(g.model_family.as_deref(), Some("gpt-4o"));
    assert_eq!(g.usage.input_tokens, Some(1000));
    assert_eq!(g.usage.output_tokens, Some(200));
    assert_eq!(g.usage.cache_read_input_tokens, Some(600));
    assert_eq!(g.usage.cache_write_input_tokens, Some(100));
    assert_eq!(g.usage.reasoning_output_tokens, Some(50));
    assert_eq!(g.streaming, Some(true));
    assert_eq!(g.time_to_first_chunk, Some(0.02));
    // 200 output tokens over 100 ms − 20 ms = 0.08 s ⇒ 2500 tokens/s
    assert!((g.output_tokens_per_second.unwrap() - 2500.0).abs() < 1e-6);
    assert_eq!(g.conversation_id.as_deref(), Some("conv-1"));
    assert_eq!(g.agent_name.as_deref(), Some("support"));
    assert_eq!(g.user_id.as_deref(), Some("u-9"));
    assert!(!g.usage_missing);
    assert_eq!(
        report.dialects.iter().collect::<Vec<_>>(),
        [Dialect::OtelCurrent]
    );
    assert!(report.deprecated.is_empty());
    assert!(report.conflicts.is_empty());
}

/// semconv ≤ v1.36 names: `gen_ai.system` alias, prompt/completion tokens, `cache_creation`.
#[test]
fn otel_legacy_names() {
    let mut sp = span(
        "chat gpt-4",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.system", s("az.ai.openai")),
            ("gen_ai.request.model", s("gpt-4-0613")),
            ("gen_ai.usage.prompt_tokens", i(120)),
            ("gen_ai.usage.completion_tokens", i(30)),
            ("gen_ai.usage.cache_creation.input_tokens", i(100)),
            ("gen_ai.openai.request.seed", i(7)),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.provider.as_deref(), Some("azure.ai.openai"));
    assert_eq!(sp.genai.model_family.as_deref(), Some("gpt-4"));
    assert_eq!(sp.genai.usage.input_tokens, Some(120));
    assert_eq!(sp.genai.usage.output_tokens, Some(30));
    assert_eq!(sp.genai.usage.cache_write_input_tokens, Some(100));
    assert!(report.dialects.contains(Dialect::OtelLegacy));
    for name in [
        DeprecatedName::GenAiSystem,
        DeprecatedName::UsagePromptTokens,
        DeprecatedName::UsageCompletionTokens,
        DeprecatedName::UsageCacheCreation,
        DeprecatedName::OpenaiRequestSeed,
    ] {
        assert!(report.deprecated.contains(name), "{name:?}");
    }
}

/// Old and new names side by side (`gen_ai/dup` emitters) that disagree: the current name wins
/// and each disagreement is recorded.
#[test]
fn conflicting_values_keep_the_current_one() {
    let mut sp = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.system", s("anthropic")),
            ("gen_ai.usage.input_tokens", i(10)),
            ("gen_ai.usage.prompt_tokens", i(12)),
            ("gen_ai.usage.output_tokens", i(5)),
            ("gen_ai.usage.completion_tokens", i(5)),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.provider.as_deref(), Some("openai"));
    assert_eq!(sp.genai.usage.input_tokens, Some(10));
    assert_eq!(sp.genai.usage.output_tokens, Some(5));
    assert_eq!(report.conflicts.len(), 2);
    let provider = &report.conflicts[0];
    assert_eq!(provider.field, "gen_ai.provider.name");
    assert_eq!(
        (provider.kept_key.as_str(), provider.kept.as_str()),
        ("gen_ai.provider.name", "openai")
    );
    assert_eq!(
        (provider.other_key.as_str(), provider.other.as_str()),
        ("gen_ai.system", "anthropic")
    );
    let input = &report.conflicts[1];
    assert_eq!(input.field, "gen_ai.usage.input_tokens");
    assert_eq!((input.kept.as_str(), input.other.as_str()), ("10", "12"));
}

/// Equal values under old and new names are not a conflict (aliases are resolved first).
#[test]
fn agreeing_aliases_are_no_conflict() {
    let mut sp = span(
        "chat x",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("gcp.vertex_ai")),
            ("gen_ai.system", s("vertex_ai")),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.provider.as_deref(), Some("gcp.vertex_ai"));
    assert!(report.conflicts.is_empty());
}

/// `gen_ai.prompt` / `gen_ai.completion` as JSON attributes (v1.27 era) become canonical
/// messages.
#[test]
fn legacy_prompt_and_completion_attributes() {
    let sp = span(
        "chat gpt-4",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.system", s("openai")),
            (
                "gen_ai.prompt",
                s(r#"[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]"#),
            ),
            (
                "gen_ai.completion",
                s(r#"[{"role":"assistant","content":"Hello!"}]"#),
            ),
        ],
    );
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Hi"}]}
        ])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello!"}]}])
    );
    assert_eq!(
        c.sources.input_messages,
        Some(ContentSource::LegacyAttribute)
    );
}

/// v1.26 content span events `gen_ai.content.prompt` / `gen_ai.content.completion`.
#[test]
fn legacy_content_span_events() {
    let mut sp = span(
        "chat gpt-4",
        SpanKind::Client,
        &[
            ("gen_ai.system", s("openai")),
            ("gen_ai.request.model", s("gpt-4")),
        ],
    );
    sp.events = vec![
        event(
            "gen_ai.content.prompt",
            T0 + MS,
            &[("gen_ai.prompt", s(r#"[{"role":"user","content":"2+2?"}]"#))],
        ),
        event(
            "gen_ai.content.completion",
            T0 + 50 * MS,
            &[("gen_ai.completion", s("4"))],
        ),
    ];
    let report = normalize(&mut sp);
    // no operation attribute: classified from the span name
    assert_eq!(sp.genai.operation.as_deref(), Some("chat"));
    assert!(
        report
            .deprecated
            .contains(DeprecatedName::ContentPromptEvent)
    );
    assert!(report.content);
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "2+2?"}]}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "4"}]}])
    );
    assert_eq!(
        c.sources.output_messages,
        Some(ContentSource::LegacySpanEvents)
    );
}

/// Per-message events split between span events and log records, with the log records dated
/// before the span started (clock skew, or logs exported first): all are joined, in time order.
#[test]
fn messages_split_across_span_events_and_logs() {
    let mut sp = span(
        "chat gpt-4o-mini",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.system", s("openai")),
        ],
    );
    // the system message arrived as a span event, at T0 + 1 ms
    sp.events = vec![event(
        "gen_ai.system.message",
        T0 + MS,
        &[("content", s("You are terse."))],
    )];
    let before = T0 - 5 * MS;
    let logs = vec![
        // the choice is listed first but happened last
        log(
            "gen_ai.choice",
            T0 + 90 * MS,
            json(json!({"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": "Paris."}})),
            &[("gen_ai.system", s("openai"))],
        ),
        // the user message is dated before the span start
        log(
            "gen_ai.user.message",
            before,
            json(json!({"content": "Capital of France?"})),
            &[],
        ),
        // an assistant turn with a tool call and the tool's answer, then
        log(
            "gen_ai.assistant.message",
            T0 + 2 * MS,
            json(json!({"tool_calls": [{"id": "c1", "type": "function",
                        "function": {"name": "lookup", "arguments": "{\"q\":\"France\"}"}}]})),
            &[],
        ),
        log(
            "gen_ai.tool.message",
            T0 + 3 * MS,
            json(json!({"content": "Paris", "id": "c1"})),
            &[],
        ),
    ];
    Normalizer::default().normalize(&mut sp);
    let c = content(&sp, &logs);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([
            {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]},
            {"role": "system", "parts": [{"type": "text", "content": "You are terse."}]},
            {"role": "assistant", "parts": [
                {"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {"q": "France"}}]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "c1", "response": "Paris"}]}
        ])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Paris."}],
                "finish_reason": "stop"}])
    );
    assert_eq!(c.sources.input_messages, Some(ContentSource::MessageEvents));
}

/// Log records of another span or trace are not joined.
#[test]
fn logs_of_other_spans_are_ignored() {
    let sp = span(
        "chat m",
        SpanKind::Client,
        &[("gen_ai.operation.name", s("chat"))],
    );
    let mut other = log(
        "gen_ai.user.message",
        T0,
        json(json!({"content": "x"})),
        &[],
    );
    other.span_id = Some(flightdeck_model::SpanId::from_hex("2222222222222222").unwrap());
    let mut untied = log(
        "gen_ai.user.message",
        T0,
        json(json!({"content": "y"})),
        &[],
    );
    untied.trace_id = None;
    assert!(content(&sp, &[other, untied]).input_messages.is_none());
}

/// The details event (log record) with structured content, arriving without content on the span.
#[test]
fn details_event_log() {
    let sp = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
        ],
    );
    let details = log(
        "gen_ai.client.inference.operation.details",
        T0 + 100 * MS,
        AttrValue::Empty,
        &[
            (
                "gen_ai.system_instructions",
                json(json!([{"type": "text", "content": "Be kind."}])),
            ),
            (
                "gen_ai.input.messages",
                json(json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])),
            ),
            (
                "gen_ai.output.messages",
                json(json!([{"role": "assistant", "parts": [
                    {"type": "tool_call", "id": "t", "name": "f", "arguments": "{\"a\":1}"}]}])),
            ),
            (
                "gen_ai.tool.definitions",
                json(json!([{"type": "function", "name": "f"}])),
            ),
        ],
    );
    let c = content(&sp, &[details]);
    assert_eq!(
        c.system_instructions.unwrap(),
        json!([{"type": "text", "content": "Be kind."}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "t", "name": "f", "arguments": {"a": 1}}]}])
    );
    assert_eq!(
        c.tool_definitions.unwrap(),
        json!([{"type": "function", "name": "f"}])
    );
    assert_eq!(c.sources.input_messages, Some(ContentSource::DetailsEvent));
}

/// JSON-string and structured content attributes give the same canonical value; older
/// `tool_call_response.result` becomes `response`.
#[test]
fn content_string_or_structured() {
    let messages = json!([{"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "c", "result": {"temp": 21}}]}]);
    let as_string = span(
        "chat m",
        SpanKind::Client,
        &[("gen_ai.input.messages", s(&messages.to_string()))],
    );
    let structured = span(
        "chat m",
        SpanKind::Client,
        &[("gen_ai.input.messages", json(messages))],
    );
    let want = json!([{"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "c", "response": {"temp": 21}}]}]);
    assert_eq!(content(&as_string, &[]).input_messages.unwrap(), want);
    assert_eq!(content(&structured, &[]).input_messages.unwrap(), want);
}

// ---------------------------------------------------------------------------------------------
// OpenLLMetry / Traceloop

/// Indexed prompts and completions with tool calls, `llm.request.type`, OpenLLMetry's usage keys
/// and function definitions.
#[test]
fn openllmetry_indexed() {
    let mut sp = span(
        "anthropic.chat",
        SpanKind::Client,
        &[
            ("llm.request.type", s("chat")),
            ("gen_ai.system", s("Anthropic")),
            ("gen_ai.request.model", s("claude-3-5-sonnet-20241022")),
            ("gen_ai.prompt.0.role", s("user")),
            ("gen_ai.prompt.0.content", s("Weather in Paris?")),
            ("gen_ai.completion.0.role", s("assistant")),
            ("gen_ai.completion.0.finish_reason", s("tool_use")),
            ("gen_ai.completion.0.tool_calls.0.id", s("toolu_1")),
            ("gen_ai.completion.0.tool_calls.0.name", s("get_weather")),
            (
                "gen_ai.completion.0.tool_calls.0.arguments",
                s(r#"{"city":"Paris"}"#),
            ),
            ("gen_ai.usage.prompt_tokens", i(1167)),
            ("gen_ai.usage.completion_tokens", i(202)),
            ("gen_ai.usage.cache_read_input_tokens", i(1163)),
            ("gen_ai.usage.cache_creation_input_tokens", i(0)),
            ("llm.usage.total_tokens", i(1369)),
            ("llm.request.functions.0.name", s("get_weather")),
            (
                "llm.request.functions.0.description",
                s("Weather for a city"),
            ),
            (
                "llm.request.functions.0.input_schema",
                s(r#"{"type":"object","properties":{"city":{"type":"string"}}}"#),
            ),
        ],
    );
    let report = normalize(&mut sp);
    let g = &sp.genai;
    assert_eq!(g.operation.as_deref(), Some("chat"));
    assert_eq!(g.provider.as_deref(), Some("anthropic"));
    assert_eq!(g.model_family.as_deref(), Some("claude-3-5-sonnet"));
    assert_eq!(g.finish_reasons, vec!["tool_call"]);
    // 1167 + 202 = 1369 = total: the input already includes the 1163 cached tokens
    assert_eq!(g.usage.input_tokens, Some(1167));
    assert_eq!(g.usage.cache_read_input_tokens, Some(1163));
    assert!(
        !report
            .derived
            .contains(Derivation::InputTokensMadeInclusive)
    );
    assert!(report.dialects.contains(Dialect::Openllmetry));
    assert!(report.deprecated.contains(DeprecatedName::IndexedPrompt));
    assert!(
        report
            .deprecated
            .contains(DeprecatedName::IndexedCompletion)
    );
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "finish_reason": "tool_call", "parts": [
            {"type": "tool_call", "id": "toolu_1", "name": "get_weather",
             "arguments": {"city": "Paris"}}]}])
    );
    assert_eq!(
        c.tool_definitions.unwrap(),
        json!([{"type": "function", "name": "get_weather", "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    );
    assert_eq!(
        c.sources.tool_definitions,
        Some(ContentSource::IndexedAttributes)
    );
}

/// Anthropic-style exclusive input under OpenLLMetry's keys (as third-party emitters send it):
/// 4 uncached + 1163 written to the cache; the cache write exceeds the input, so the input was
/// exclusive ⇒ 4 + 1163 = 1167.
#[test]
fn openllmetry_exclusive_anthropic_usage() {
    let mut sp = span(
        "anthropic.chat",
        SpanKind::Client,
        &[
            ("llm.request.type", s("chat")),
            ("gen_ai.system", s("anthropic")),
            ("gen_ai.usage.input_tokens", i(4)),
            ("gen_ai.usage.output_tokens", i(187)),
            ("gen_ai.usage.cache_creation_input_tokens", i(1163)),
            ("gen_ai.usage.cache_read_input_tokens", i(0)),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.usage.input_tokens, Some(1167));
    assert_eq!(sp.genai.usage.cache_write_input_tokens, Some(1163));
    assert!(
        report
            .derived
            .contains(Derivation::InputTokensMadeInclusive)
    );
}

/// Strands-style exclusive input proven by the total:
/// 4299 + 631 + 35574 + 17787 = 58291 ⇒ input = 4299 + 35574 + 17787 = 57660.
#[test]
fn exclusive_usage_proven_by_total() {
    let mut sp = span(
        "chat claude",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.usage.input_tokens", i(4299)),
            ("gen_ai.usage.output_tokens", i(631)),
            ("gen_ai.usage.cache_read_input_tokens", i(35574)),
            ("gen_ai.usage.cache_write_input_tokens", i(17787)),
            ("gen_ai.usage.total_tokens", i(58291)),
        ],
    );
    normalize(&mut sp);
    assert_eq!(sp.genai.usage.input_tokens, Some(57660));
    assert_eq!(sp.genai.usage.output_tokens, Some(631));
}

/// Traceloop workflow, task, agent and tool spans, with entity input / output as content.
#[test]
fn traceloop_entities() {
    let mut workflow = span(
        "checkout.workflow",
        SpanKind::Internal,
        &[
            ("traceloop.span.kind", s("workflow")),
            ("traceloop.workflow.name", s("checkout")),
            (
                "traceloop.entity.input",
                s(r#"{"args":["hi"],"kwargs":{}}"#),
            ),
        ],
    );
    normalize(&mut workflow);
    assert_eq!(workflow.genai.operation.as_deref(), Some("invoke_workflow"));
    let c = content(&workflow, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text",
                "content": r#"{"args":["hi"],"kwargs":{}}"#}]}])
    );
    assert_eq!(
        c.sources.input_messages,
        Some(ContentSource::TraceloopEntity)
    );

    let mut tool = child(span(
        "lookup.tool",
        SpanKind::Internal,
        &[
            ("traceloop.span.kind", s("tool")),
            ("traceloop.entity.name", s("lookup")),
        ],
    ));
    normalize(&mut tool);
    assert_eq!(tool.genai.operation.as_deref(), Some("execute_tool"));
    assert_eq!(tool.genai.tool_name.as_deref(), Some("lookup"));

    let mut agent = child(span(
        "planner.agent",
        SpanKind::Internal,
        &[
            ("traceloop.span.kind", s("agent")),
            ("traceloop.entity.name", s("planner")),
        ],
    ));
    normalize(&mut agent);
    assert_eq!(agent.genai.operation.as_deref(), Some("invoke_agent"));
    assert_eq!(agent.genai.agent_name.as_deref(), Some("planner"));

    let mut task = child(span(
        "step.task",
        SpanKind::Internal,
        &[("traceloop.span.kind", s("task"))],
    ));
    normalize(&mut task);
    assert_eq!(task.genai.operation.as_deref(), Some("task"));
}

/// An OpenLLMetry vector-store query with result events is a retrieval with its documents.
#[test]
fn openllmetry_vector_query() {
    let mut sp = span(
        "pinecone.query",
        SpanKind::Client,
        &[
            ("db.system", s("pinecone")),
            ("db.operation", s("query")),
            ("db.vector.query.top_k", i(2)),
        ],
    );
    sp.events = vec![
        event(
            "db.query.result",
            T0 + 10 * MS,
            &[
                ("db.query.result.id", s("doc-7")),
                ("db.query.result.score", d(0.91)),
            ],
        ),
        event(
            "db.query.result",
            T0 + 10 * MS,
            &[
                ("db.query.result.id", s("doc-3")),
                ("db.query.result.score", d(0.72)),
                ("db.query.result.document", s("refund policy")),
            ],
        ),
    ];
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.operation.as_deref(), Some("retrieval"));
    let r = sp.genai.retrieval.unwrap();
    assert_eq!(r.data_source.as_deref(), Some("pinecone"));
    assert_eq!(r.top_k, Some(2));
    assert_eq!(r.documents.len(), 2);
    assert_eq!(r.documents[0].id.as_deref(), Some("doc-7"));
    assert_eq!(r.documents[0].score, Some(0.91));
    assert_eq!(r.documents[1].content.as_deref(), Some("refund policy"));
    assert!(report.deprecated.contains(DeprecatedName::DbSystem));
}

// ---------------------------------------------------------------------------------------------
// OpenInference

/// An LLM span with message indices that have gaps, Azure as provider (OpenInference's
/// `llm.provider` wins over its `llm.system`, which names the API family, without a conflict),
/// and the model from the invocation parameters.
#[test]
fn openinference_llm() {
    let mut sp = span(
        "AzureChatOpenAI",
        SpanKind::Internal,
        &[
            ("openinference.span.kind", s("LLM")),
            ("llm.provider", s("azure")),
            ("llm.system", s("openai")),
            ("llm.model_name", s("gpt-4o-2024-11-20")),
            (
                "llm.invocation_parameters",
                s(r#"{"model":"gpt-4o","stream":true}"#),
            ),
            ("llm.input_messages.0.message.role", s("system")),
            ("llm.input_messages.0.message.content", s("Be brief.")),
            ("llm.input_messages.2.message.role", s("user")),
            (
                "llm.input_messages.2.message.contents.0.message_content.type",
                s("text"),
            ),
            (
                "llm.input_messages.2.message.contents.0.message_content.text",
                s("What is this?"),
            ),
            (
                "llm.input_messages.2.message.contents.1.message_content.type",
                s("image"),
            ),
            (
                "llm.input_messages.2.message.contents.1.message_content.image.image.url",
                s("https://example.com/cat.png"),
            ),
            ("llm.output_messages.0.message.role", s("assistant")),
            ("llm.output_messages.0.message.content", s("A cat.")),
            ("llm.token_count.prompt", i(50)),
            ("llm.token_count.completion", i(3)),
            ("llm.token_count.total", i(53)),
            ("session.id", s("sess-1")),
            ("user.id", s("alice")),
        ],
    );
    sp.events = vec![event("First Token Stream Event", T0 + 40 * MS, &[])];
    let report = normalize(&mut sp);
    let g = &sp.genai;
    assert_eq!(g.operation.as_deref(), Some("chat"));
    assert_eq!(g.provider.as_deref(), Some("azure.ai.openai"));
    assert_eq!(g.request_model.as_deref(), Some("gpt-4o"));
    assert_eq!(g.response_model.as_deref(), Some("gpt-4o-2024-11-20"));
    assert_eq!(g.model_family.as_deref(), Some("gpt-4o"));
    assert_eq!(g.streaming, Some(true));
    assert_eq!(g.time_to_first_chunk, Some(0.04));
    // 3 tokens over 100 ms − 40 ms = 0.06 s ⇒ 50 tokens/s
    assert!((g.output_tokens_per_second.unwrap() - 50.0).abs() < 1e-9);
    assert_eq!(g.conversation_id.as_deref(), Some("sess-1"));
    assert_eq!(g.user_id.as_deref(), Some("alice"));
    assert!(report.conflicts.is_empty());
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
            {"role": "user", "parts": [
                {"type": "text", "content": "What is this?"},
                {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"}]}
        ])
    );
}

/// A retriever span: query from `input.value`, documents from the indexed attributes.
#[test]
fn openinference_retriever() {
    let mut sp = child(span(
        "VectorStoreRetriever",
        SpanKind::Internal,
        &[
            ("openinference.span.kind", s("RETRIEVER")),
            ("input.value", s("refund policy")),
            ("retrieval.documents.0.document.id", s("kb-1")),
            ("retrieval.documents.0.document.score", d(0.8)),
            (
                "retrieval.documents.0.document.content",
                s("Refunds within 30 days."),
            ),
            ("retrieval.documents.1.document.id", s("kb-9")),
            ("retrieval.documents.1.document.score", d(0.4)),
        ],
    ));
    normalize(&mut sp);
    assert_eq!(sp.genai.operation.as_deref(), Some("retrieval"));
    let r = sp.genai.retrieval.unwrap();
    assert_eq!(r.query.as_deref(), Some("refund policy"));
    assert_eq!(r.documents.len(), 2);
    assert_eq!(r.documents[0].id.as_deref(), Some("kb-1"));
    assert_eq!(
        r.documents[0].content.as_deref(),
        Some("Refunds within 30 days.")
    );
    assert_eq!(r.documents[1].score, Some(0.4));
}

/// OpenInference span kinds map to operations; a root CHAIN is the workflow, nested ones are
/// tasks.
#[test]
fn openinference_kinds() {
    let cases = [
        ("CHAIN", true, "invoke_workflow"),
        ("CHAIN", false, "task"),
        ("TOOL", false, "execute_tool"),
        ("AGENT", false, "invoke_agent"),
        ("EMBEDDING", false, "embeddings"),
        ("RERANKER", false, "rerank"),
    ];
    for (kind, root, want) in cases {
        let mut sp = span(
            "x",
            SpanKind::Internal,
            &[
                ("openinference.span.kind", s(kind)),
                ("tool.name", s("search")),
                ("agent.name", s("helper")),
            ],
        );
        if !root {
            sp = child(sp);
        }
        normalize(&mut sp);
        assert_eq!(
            sp.genai.operation.as_deref(),
            Some(want),
            "{kind} root={root}"
        );
    }
    let mut tool = child(span(
        "search",
        SpanKind::Internal,
        &[
            ("openinference.span.kind", s("TOOL")),
            ("tool.name", s("search")),
        ],
    ));
    normalize(&mut tool);
    assert_eq!(tool.genai.tool_name.as_deref(), Some("search"));
}

/// Without message lists, content comes from `input.value` / `output.value` payloads.
#[test]
fn openinference_values() {
    let sp = span(
        "ChatCompletion",
        SpanKind::Internal,
        &[
            ("openinference.span.kind", s("LLM")),
            (
                "input.value",
                s(
                    r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}"#,
                ),
            ),
            (
                "output.value",
                s(
                    r#"{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hello"}}]}"#,
                ),
            ),
        ],
    );
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}],
                "finish_reason": "stop"}])
    );
    assert_eq!(
        c.tool_definitions.unwrap(),
        json!([{"type": "function", "name": "f", "parameters": {"type": "object"}}])
    );
    assert_eq!(
        c.sources.output_messages,
        Some(ContentSource::OpeninferenceValue)
    );
}

// ---------------------------------------------------------------------------------------------
// OpenLIT

/// OpenLIT: legacy names, its own usage details and cost, content as v1.26 span events.
#[test]
fn openlit_chat() {
    let mut sp = with_scope(
        span(
            "chat gpt-4o",
            SpanKind::Client,
            &[
                ("gen_ai.operation.name", s("chat")),
                ("gen_ai.system", s("openai")),
                ("gen_ai.request.model", s("gpt-4o")),
                ("gen_ai.usage.input_tokens", i(300)),
                ("gen_ai.usage.output_tokens", i(20)),
                ("gen_ai.usage.prompt_tokens_details.cached_tokens", i(256)),
                ("gen_ai.usage.completion_tokens_details.reasoning", i(0)),
                ("gen_ai.usage.cost", d(0.0012)),
                ("gen_ai.application_name", s("shop")),
                ("gen_ai.request.is_stream", b(false)),
            ],
        ),
        "openlit.otel.tracing",
        "1.30.0",
    );
    sp.events = vec![event(
        "gen_ai.content.prompt",
        T0,
        &[("gen_ai.prompt", s("user: hello"))],
    )];
    let report = normalize(&mut sp);
    assert!(report.dialects.contains(Dialect::Openlit));
    assert_eq!(sp.genai.usage.cache_read_input_tokens, Some(256));
    assert_eq!(sp.genai.usage.input_tokens, Some(300));
    assert_eq!(sp.genai.streaming, Some(false));
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "user: hello"}]}])
    );
}

/// OpenLIT's `vectordb` operation on a query is a retrieval.
#[test]
fn openlit_vectordb() {
    let mut sp = span(
        "chroma.query",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("vectordb")),
            ("db.system.name", s("chroma")),
            ("db.operation.name", s("QUERY")),
            ("db.collection.name", s("faq")),
        ],
    );
    normalize(&mut sp);
    assert_eq!(sp.genai.operation.as_deref(), Some("retrieval"));
    assert_eq!(
        sp.genai.retrieval.unwrap().data_source.as_deref(),
        Some("faq")
    );
}

// ---------------------------------------------------------------------------------------------
// Vercel AI SDK

/// A legacy `ai.streamText.doStream` span: provider from `ai.model.provider` (and the same value
/// as `gen_ai.system`, not a conflict), TTFT in milliseconds, content from `ai.*`.
#[test]
fn vercel_do_stream() {
    let mut sp = child(span(
        "ai.streamText.doStream",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.streamText.doStream")),
            ("operation.name", s("ai.streamText.doStream checkout-bot")),
            ("ai.model.id", s("gpt-4o-mini")),
            ("ai.model.provider", s("openai.chat")),
            ("gen_ai.system", s("openai.chat")),
            ("ai.response.model", s("gpt-4o-mini-2024-07-18")),
            ("ai.usage.inputTokens", i(40)),
            ("ai.usage.outputTokens", i(10)),
            ("ai.response.msToFirstChunk", d(250.0)),
            ("ai.response.finishReason", s("tool-calls")),
            ("ai.telemetry.metadata.sessionId", s("s-7")),
            ("ai.telemetry.metadata.userId", s("bob")),
            (
                "ai.prompt.messages",
                s(
                    r#"[{"role":"system","content":"Help."},{"role":"user","content":[{"type":"text","text":"Order 5?"}]}]"#,
                ),
            ),
            ("ai.response.text", s("Checking.")),
            (
                "ai.response.toolCalls",
                s(
                    r#"[{"toolCallType":"function","toolCallId":"call_9","toolName":"order","args":"{\"id\":5}"}]"#,
                ),
            ),
            (
                "ai.prompt.tools",
                strs(&[
                    r#"{"type":"function","name":"order","description":"Find an order","inputSchema":{"type":"object"}}"#,
                ]),
            ),
        ],
    ));
    let report = normalize(&mut sp);
    let g = &sp.genai;
    assert_eq!(g.operation.as_deref(), Some("chat"));
    assert_eq!(g.provider.as_deref(), Some("openai"));
    assert_eq!(g.request_model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(g.usage.input_tokens, Some(40));
    assert_eq!(g.time_to_first_chunk, Some(0.25));
    assert_eq!(g.streaming, Some(true));
    assert_eq!(g.finish_reasons, vec!["tool_call"]);
    assert_eq!(g.conversation_id.as_deref(), Some("s-7"));
    assert_eq!(g.user_id.as_deref(), Some("bob"));
    assert!(report.conflicts.is_empty(), "{:?}", report.conflicts);
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Help."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Order 5?"}]}
        ])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "finish_reason": "tool_call", "parts": [
            {"type": "text", "content": "Checking."},
            {"type": "tool_call", "id": "call_9", "name": "order", "arguments": {"id": 5}}]}])
    );
    assert_eq!(
        c.tool_definitions.unwrap(),
        json!([{"type": "function", "name": "order", "description": "Find an order",
                "parameters": {"type": "object"}}])
    );
}

/// AI SDK 6 splits the input: 300 uncached + 1000 read + 200 written = 1500 (equal to the
/// reported inclusive input, so nothing is changed).
#[test]
fn vercel_sdk6_input_details() {
    let mut sp = span(
        "ai.generateText.doGenerate",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.generateText.doGenerate")),
            ("ai.model.provider", s("anthropic.messages")),
            ("ai.usage.inputTokens", i(1500)),
            ("ai.usage.outputTokens", i(80)),
            ("ai.usage.inputTokenDetails.noCacheTokens", i(300)),
            ("ai.usage.inputTokenDetails.cacheReadTokens", i(1000)),
            ("ai.usage.inputTokenDetails.cacheWriteTokens", i(200)),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.usage.input_tokens, Some(1500));
    assert_eq!(sp.genai.usage.cache_read_input_tokens, Some(1000));
    assert_eq!(sp.genai.usage.cache_write_input_tokens, Some(200));
    assert!(
        !report
            .derived
            .contains(Derivation::InputTokensMadeInclusive)
    );
}

/// AI SDK ≤ 5 with Anthropic passes the exclusive count through: 50 uncached + 2000 cached
/// (`cachedInputTokens`) + 300 written (provider metadata) = 2350.
#[test]
fn vercel_sdk5_anthropic_exclusive() {
    let mut sp = span(
        "ai.generateText.doGenerate",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.generateText.doGenerate")),
            ("ai.model.provider", s("anthropic.messages")),
            ("ai.model.id", s("claude-sonnet-4-5-20250929")),
            ("ai.usage.inputTokens", i(50)),
            ("ai.usage.outputTokens", i(80)),
            ("ai.usage.cachedInputTokens", i(2000)),
            (
                "ai.response.providerMetadata",
                s(r#"{"anthropic":{"cacheCreationInputTokens":300}}"#),
            ),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.provider.as_deref(), Some("anthropic"));
    assert_eq!(sp.genai.model_family.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(sp.genai.usage.input_tokens, Some(2350));
    assert_eq!(sp.genai.usage.cache_read_input_tokens, Some(2000));
    assert_eq!(sp.genai.usage.cache_write_input_tokens, Some(300));
    assert!(
        report
            .derived
            .contains(Derivation::InputTokensMadeInclusive)
    );
}

/// The outer `ai.generateText` span is the agent loop, named by the telemetry function id; tool
/// calls are `execute_tool`; the outer embed span is not counted as an embeddings call.
#[test]
fn vercel_outer_spans() {
    let mut outer = span(
        "ai.generateText",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.generateText")),
            ("ai.telemetry.functionId", s("checkout-bot")),
            ("ai.model.id", s("gpt-4o")),
        ],
    );
    normalize(&mut outer);
    assert_eq!(outer.genai.operation.as_deref(), Some("invoke_agent"));
    assert_eq!(outer.genai.agent_name.as_deref(), Some("checkout-bot"));
    assert!(!outer.genai.usage_missing);

    let mut tool = child(span(
        "ai.toolCall",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.toolCall")),
            ("ai.toolCall.name", s("order")),
            ("ai.toolCall.id", s("call_9")),
            ("ai.toolCall.args", s(r#"{"id":5}"#)),
        ],
    ));
    let report = normalize(&mut tool);
    assert_eq!(tool.genai.operation.as_deref(), Some("execute_tool"));
    assert_eq!(tool.genai.tool_name.as_deref(), Some("order"));
    assert_eq!(tool.genai.tool_call_id.as_deref(), Some("call_9"));
    assert!(report.content);

    let mut embed = span(
        "ai.embedMany",
        SpanKind::Internal,
        &[
            ("ai.operationId", s("ai.embedMany")),
            ("ai.usage.tokens", i(12)),
        ],
    );
    normalize(&mut embed);
    assert_eq!(embed.genai.operation.as_deref(), Some("embed"));
    assert_eq!(embed.genai.usage.input_tokens, Some(12));
    assert_eq!(embed.genai.usage.output_tokens, None);
}

// ---------------------------------------------------------------------------------------------
// Langfuse

/// A Langfuse generation: model, Langfuse's exclusive usage details, completion start time,
/// session and user, input / output.
#[test]
fn langfuse_generation() {
    let mut sp = span(
        "generation",
        SpanKind::Internal,
        &[
            ("langfuse.observation.type", s("generation")),
            ("langfuse.observation.model.name", s("gpt-4o-2024-08-06")),
            (
                "langfuse.observation.usage_details",
                s(
                    r#"{"input":100,"output":40,"input_cached_tokens":900,"output_reasoning_tokens":10}"#,
                ),
            ),
            (
                "langfuse.observation.completion_start_time",
                s("\"2026-01-01T00:00:00.030000+00:00\""),
            ),
            ("langfuse.session.id", s("lf-sess")),
            ("langfuse.user.id", s("carol")),
            (
                "langfuse.observation.input",
                s(r#"[{"role":"user","content":"Hi"}]"#),
            ),
            ("langfuse.observation.output", s("Hello")),
        ],
    );
    let report = normalize(&mut sp);
    let g = &sp.genai;
    assert_eq!(g.operation.as_deref(), Some("chat"));
    assert_eq!(g.request_model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(g.model_family.as_deref(), Some("gpt-4o"));
    // input 100 + cached 900 = 1000; output 40 + reasoning 10 = 50
    assert_eq!(g.usage.input_tokens, Some(1000));
    assert_eq!(g.usage.output_tokens, Some(50));
    // T0 is 2026-01-01T00:00:00Z, the first chunk 30 ms later
    assert!((g.time_to_first_chunk.unwrap() - 0.03).abs() < 1e-9);
    assert_eq!(g.conversation_id.as_deref(), Some("lf-sess"));
    assert_eq!(g.user_id.as_deref(), Some("carol"));
    assert!(report.dialects.contains(Dialect::Langfuse));
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}])
    );
    assert_eq!(c.sources.output_messages, Some(ContentSource::Langfuse));
}

// ---------------------------------------------------------------------------------------------
// Logfire

/// A Logfire OpenAI span: legacy `gen_ai.*` plus `request_data` / `response_data` payloads.
#[test]
fn logfire_openai() {
    let mut sp = span(
        "Chat Completion with 'gpt-4o'",
        SpanKind::Internal,
        &[
            ("logfire.span_type", s("span")),
            (
                "logfire.msg_template",
                s("Chat Completion with {request_data[model]!r}"),
            ),
            ("gen_ai.system", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.usage.input_tokens", i(12)),
            ("gen_ai.usage.output_tokens", i(3)),
            (
                "request_data",
                s(r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#),
            ),
            (
                "response_data",
                s(
                    r#"{"message":{"role":"assistant","content":"Hey"},"usage":{"prompt_tokens":12}}"#,
                ),
            ),
        ],
    );
    let report = normalize(&mut sp);
    assert!(report.dialects.contains(Dialect::Logfire));
    assert!(report.dialects.contains(Dialect::OtelLegacy));
    assert_eq!(sp.genai.operation.as_deref(), Some("chat"));
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hey"}]}])
    );
    assert_eq!(c.sources.input_messages, Some(ContentSource::LogfireData));
}

/// A Logfire span whose content is its `events` list of old-style message events.
#[test]
fn logfire_events_attribute() {
    let sp = span(
        "Message with 'claude'",
        SpanKind::Internal,
        &[
            ("logfire.span_type", s("span")),
            ("gen_ai.system", s("anthropic")),
            (
                "events",
                s(
                    r#"[{"event.name":"gen_ai.system.message","content":"Be brief.","role":"system"},{"event.name":"gen_ai.user.message","content":"Hi","role":"user"},{"event.name":"gen_ai.choice","index":0,"message":{"role":"assistant","content":"Hello"}}]"#,
                ),
            ),
        ],
    );
    let c = content(&sp, &[]);
    assert_eq!(
        c.input_messages.unwrap(),
        json!([
            {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Hi"}]}
        ])
    );
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}])
    );
    assert_eq!(c.sources.output_messages, Some(ContentSource::LogfireData));
}

/// Logfire marks every span; one without GenAI attributes is not a GenAI span.
#[test]
fn logfire_plain_span() {
    let mut sp = span(
        "GET /",
        SpanKind::Server,
        &[
            ("logfire.span_type", s("span")),
            ("logfire.msg", s("GET /")),
            ("http.route", s("/")),
        ],
    );
    let report = normalize(&mut sp);
    assert!(sp.genai.is_empty());
    assert!(report.dialects.is_empty());
}

// ---------------------------------------------------------------------------------------------
// toad-eye

/// toad-eye: standard names plus its own namespace, a deprecated alias, its user and throughput.
#[test]
fn toad_eye() {
    let mut sp = span(
        "chat claude",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("anthropic")),
            ("gen_ai.request.model", s("claude-3-5-haiku-latest")),
            ("gen_ai.usage.input_tokens", i(10)),
            ("gen_ai.usage.output_tokens", i(20)),
            ("gen_ai.toad_eye.cost", d(0.001)),
            ("gen_ai.toad_eye.prompt", s("Hello?")),
            ("gen_ai.toad_eye.completion", s("Hi!")),
            ("gen_ai.toad_eye.throughput.tokens_per_second", d(42.0)),
            ("gen_ai.agent.step.type", s("think")),
            ("toad_eye.user_id", s("dave")),
        ],
    );
    let report = normalize(&mut sp);
    assert!(report.dialects.contains(Dialect::ToadEye));
    assert!(report.deprecated.contains(DeprecatedName::ToadEyeAgentStep));
    assert_eq!(sp.genai.model_family.as_deref(), Some("claude-3-5-haiku"));
    assert_eq!(sp.genai.user_id.as_deref(), Some("dave"));
    assert_eq!(sp.genai.output_tokens_per_second, Some(42.0));
    let c = content(&sp, &[]);
    assert_eq!(
        c.output_messages.unwrap(),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hi!"}]}])
    );
}

// ---------------------------------------------------------------------------------------------
// Edge cases

/// Partial usage (input only): not "missing", the missing side stays unknown.
#[test]
fn partial_usage() {
    let mut sp = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.usage.input_tokens", i(30)),
        ],
    );
    normalize(&mut sp);
    assert_eq!(sp.genai.usage.input_tokens, Some(30));
    assert_eq!(sp.genai.usage.output_tokens, None);
    assert!(!sp.genai.usage_missing);
}

/// A stream without usage is flagged; a failed call without usage is not.
#[test]
fn usage_missing_flags() {
    let mut stream = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.request.stream", b(true)),
        ],
    );
    normalize(&mut stream);
    assert!(stream.genai.usage_missing);
    let mut error = failed(span(
        "chat m",
        SpanKind::Client,
        &[("gen_ai.operation.name", s("chat"))],
    ));
    normalize(&mut error);
    assert!(!error.genai.usage_missing);
    let mut tool = span(
        "execute_tool f",
        SpanKind::Internal,
        &[
            ("gen_ai.operation.name", s("execute_tool")),
            ("gen_ai.tool.name", s("f")),
        ],
    );
    normalize(&mut tool);
    assert!(!tool.genai.usage_missing);
}

/// Two TTFT sources more than a millisecond apart: the current attribute wins, the other is
/// recorded; 200 ms and 200.4 ms agree.
#[test]
fn ttft_conflict() {
    let mut sp = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.response.time_to_first_chunk", d(0.2)),
            ("ai.response.msToFirstChunk", d(500.0)),
        ],
    );
    let report = normalize(&mut sp);
    assert_eq!(sp.genai.time_to_first_chunk, Some(0.2));
    assert_eq!(report.conflicts.len(), 1);
    assert_eq!(report.conflicts[0].other_key, "ai.response.msToFirstChunk");
    let mut close = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.response.time_to_first_chunk", d(0.2)),
            ("ai.response.msToFirstChunk", d(200.4)),
        ],
    );
    assert!(normalize(&mut close).conflicts.is_empty());
}

/// `cost` and `context_window_use` (filled by pricing) survive a second normalization, and the
/// second pass changes nothing else.
#[test]
fn renormalizing_keeps_pricing() {
    let mut sp = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.request.model", s("gpt-4o")),
        ],
    );
    normalize(&mut sp);
    sp.genai.cost = Some(flightdeck_model::Cost {
        total: 1.0,
        ..Default::default()
    });
    sp.genai.context_window_use = Some(0.5);
    let before = sp.clone();
    normalize(&mut sp);
    assert_eq!(sp, before);
}
