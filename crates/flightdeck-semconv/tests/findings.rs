//! Conformance findings: spans that follow the current conventions get none; each departure gets
//! its code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use flightdeck_model::SpanKind;
use flightdeck_semconv::{Finding, Severity, findings};
use serde_json::json;

fn codes(found: &[Finding]) -> Vec<(&str, Option<&str>)> {
    found
        .iter()
        .map(|f| (f.code.as_str(), f.attribute.as_deref()))
        .collect()
}

/// Conforming spans of every common operation, as a correct SDK emits them: no findings.
#[test]
fn conforming_spans_have_no_findings() {
    let chat = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.request.temperature", d(0.2)),
            ("gen_ai.request.max_tokens", i(256)),
            ("gen_ai.request.stop_sequences", strs(&["\n"])),
            ("gen_ai.request.stream", b(true)),
            ("gen_ai.response.model", s("gpt-4o-2024-08-06")),
            ("gen_ai.response.id", s("chatcmpl-1")),
            ("gen_ai.response.finish_reasons", strs(&["stop"])),
            ("gen_ai.response.time_to_first_chunk", d(0.12)),
            ("gen_ai.usage.input_tokens", i(100)),
            ("gen_ai.usage.output_tokens", i(20)),
            ("gen_ai.usage.cache_read.input_tokens", i(64)),
            ("server.address", s("api.openai.com")),
            ("server.port", i(443)),
            (
                "gen_ai.input.messages",
                s(r#"[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]"#),
            ),
            (
                "gen_ai.output.messages",
                json(json!([{"role": "assistant", "parts": [
                    {"type": "tool_call", "id": "c", "name": "f", "arguments": {"a": 1}}]}])),
            ),
            (
                "gen_ai.tool.definitions",
                json(json!([{"type": "function", "name": "f", "parameters": {"type": "object"}}])),
            ),
        ],
    );
    let embeddings = span(
        "embeddings text-embedding-3-small",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("embeddings")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("text-embedding-3-small")),
            ("gen_ai.usage.input_tokens", i(8)),
        ],
    );
    let tool = span(
        "execute_tool get_weather",
        SpanKind::Internal,
        &[
            ("gen_ai.operation.name", s("execute_tool")),
            ("gen_ai.tool.name", s("get_weather")),
            ("gen_ai.tool.type", s("function")),
            ("gen_ai.tool.call.id", s("c")),
            ("gen_ai.tool.call.arguments", json(json!({"city": "Paris"}))),
            ("gen_ai.tool.call.result", s(r#"{"temp":21}"#)),
        ],
    );
    let agent = span(
        "invoke_agent support",
        SpanKind::Internal,
        &[
            ("gen_ai.operation.name", s("invoke_agent")),
            ("gen_ai.agent.name", s("support")),
            ("gen_ai.conversation.id", s("conv-1")),
        ],
    );
    let workflow = span(
        "invoke_workflow checkout",
        SpanKind::Internal,
        &[
            ("gen_ai.operation.name", s("invoke_workflow")),
            ("gen_ai.workflow.name", s("checkout")),
        ],
    );
    let retrieval = span(
        "retrieval kb-support",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("retrieval")),
            ("gen_ai.data_source.id", s("kb-support")),
            ("gen_ai.retrieval.top_k", i(4)),
            (
                "gen_ai.retrieval.documents",
                s(r#"[{"id":"a","score":0.9},{"id":"b","score":0.5}]"#),
            ),
        ],
    );
    let error = failed(span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("error.type", s("rate_limited")),
        ],
    ));
    for sp in [chat, embeddings, tool, agent, workflow, retrieval, error] {
        let found = findings(&sp);
        assert!(found.is_empty(), "{}: {found:#?}", sp.name);
    }
}

/// A plain HTTP span gets no findings at all.
#[test]
fn non_genai_span_has_no_findings() {
    let sp = span(
        "GET /",
        SpanKind::Server,
        &[("http.request.method", s("GET")), ("error.type", s("500"))],
    );
    assert!(findings(&sp).is_empty());
}

/// Required and conditionally required attributes per operation.
#[test]
fn requirements() {
    let chat = failed(span(
        "chat",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.response.model", s("gpt-4o-2024-08-06")),
            ("server.address", s("api.openai.com")),
            ("gen_ai.usage.input_tokens", i(1)),
            ("gen_ai.usage.output_tokens", i(1)),
        ],
    ));
    let found = findings(&chat);
    let c = codes(&found);
    assert!(c.contains(&("attribute.required_missing", Some("gen_ai.provider.name"))));
    assert!(c.contains(&(
        "attribute.conditionally_required_missing",
        Some("error.type")
    )));
    assert!(c.contains(&(
        "attribute.conditionally_required_missing",
        Some("server.port")
    )));
    assert!(c.contains(&(
        "attribute.conditionally_required_missing",
        Some("gen_ai.request.model")
    )));
    let severity = |code: &str| found.iter().find(|f| f.code == code).unwrap().severity;
    assert_eq!(severity("attribute.required_missing"), Severity::Error);
    assert_eq!(
        severity("attribute.conditionally_required_missing"),
        Severity::Warning
    );

    let tool = span(
        "execute_tool",
        SpanKind::Internal,
        &[("gen_ai.operation.name", s("execute_tool"))],
    );
    assert_eq!(
        codes(&findings(&tool)),
        [("attribute.required_missing", Some("gen_ai.tool.name"))]
    );

    // invoke_agent needs a provider only as a CLIENT span
    let remote = span(
        "invoke_agent",
        SpanKind::Client,
        &[("gen_ai.operation.name", s("invoke_agent"))],
    );
    assert_eq!(
        codes(&findings(&remote)),
        [("attribute.required_missing", Some("gen_ai.provider.name"))]
    );
    let local = span(
        "invoke_agent",
        SpanKind::Internal,
        &[("gen_ai.operation.name", s("invoke_agent"))],
    );
    assert!(findings(&local).is_empty());
}

/// Wrong value types of current attributes, by the registry's types.
#[test]
fn wrong_types() {
    let sp = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.usage.input_tokens", s("8")),
            ("gen_ai.usage.output_tokens", i(2)),
            ("gen_ai.request.temperature", i(1)),
            ("gen_ai.request.top_k", d(40.0)),
            ("gen_ai.request.stop_sequences", s("\n")),
            ("gen_ai.request.stream", s("true")),
        ],
    );
    let found = findings(&sp);
    let wrong: Vec<&str> = found
        .iter()
        .filter(|f| f.code == "attribute.wrong_type")
        .map(|f| f.attribute.as_deref().unwrap())
        .collect();
    assert_eq!(
        wrong,
        [
            "gen_ai.usage.input_tokens",
            "gen_ai.request.temperature",
            "gen_ai.request.top_k",
            "gen_ai.request.stop_sequences",
            "gen_ai.request.stream",
        ]
    );
    let top_k = found
        .iter()
        .find(|f| f.attribute.as_deref() == Some("gen_ai.request.top_k"))
        .unwrap();
    assert_eq!(
        top_k.message,
        "gen_ai.request.top_k must be int, got double"
    );
}

/// Content attributes that are not JSON, or not in the schema's shape; deprecated fields in them.
#[test]
fn content_shapes() {
    let sp = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.usage.input_tokens", i(1)),
            ("gen_ai.usage.output_tokens", i(1)),
            ("gen_ai.input.messages", s("[{\"role\": \"user\", ")),
            (
                "gen_ai.output.messages",
                json(
                    json!([{"role": "assistant", "parts": [{"type": "text", "content": "x"}],
                             "finish_reason": "stop"}]),
                ),
            ),
            (
                "gen_ai.system_instructions",
                json(json!([{"type": "text"}])),
            ),
            (
                "gen_ai.tool.definitions",
                json(json!([{"type": "function"}])),
            ),
            ("gen_ai.tool.call.arguments", s("[1,2]")),
        ],
    );
    let found = findings(&sp);
    let c = codes(&found);
    assert!(c.contains(&("attribute.invalid_json", Some("gen_ai.input.messages"))));
    assert!(c.contains(&("content.deprecated_field", Some("gen_ai.output.messages"))));
    assert!(c.contains(&(
        "attribute.invalid_shape",
        Some("gen_ai.system_instructions")
    )));
    assert!(c.contains(&("attribute.invalid_shape", Some("gen_ai.tool.definitions"))));
    assert!(c.contains(&(
        "attribute.invalid_shape",
        Some("gen_ai.tool.call.arguments")
    )));
    let shape = found
        .iter()
        .find(|f| f.attribute.as_deref() == Some("gen_ai.system_instructions"))
        .unwrap();
    assert_eq!(
        shape.message,
        "gen_ai.system_instructions [0] (text) lacks `content`"
    );

    let old = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            (
                "gen_ai.input.messages",
                json(json!([{"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "c", "result": "ok"}]}])),
            ),
        ],
    );
    assert!(codes(&findings(&old)).contains(&("content.deprecated_field", None)));
}

/// Span names `{operation} {target}` and span kinds per operation.
#[test]
fn names_and_kinds() {
    let sp = span(
        "openai.chat",
        SpanKind::Server,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.usage.input_tokens", i(1)),
            ("gen_ai.usage.output_tokens", i(1)),
        ],
    );
    let found = findings(&sp);
    let name = found
        .iter()
        .find(|f| f.code == "span_name.mismatch")
        .unwrap();
    assert_eq!(
        name.message,
        "span name `openai.chat` should be `chat gpt-4o`"
    );
    let kind = found
        .iter()
        .find(|f| f.code == "span_kind.unexpected")
        .unwrap();
    assert_eq!(
        kind.message,
        "span kind `server` for `chat`; expected client or internal"
    );
    // tool refinements may append the skill to the name
    let skill = span(
        "execute_tool load_skill pdf",
        SpanKind::Internal,
        &[
            ("gen_ai.operation.name", s("execute_tool")),
            ("gen_ai.tool.name", s("load_skill")),
        ],
    );
    assert!(findings(&skill).is_empty());
}

/// Deprecated names, aliases of provider and operation values, conflicts and dialects.
#[test]
fn deprecated_aliases_conflicts_dialects() {
    let sp = span(
        "chat gpt-4o",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("az.ai.openai")),
            ("gen_ai.system", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("gen_ai.usage.prompt_tokens", i(5)),
            ("gen_ai.usage.output_tokens", i(1)),
            ("llm.token_count.prompt", i(5)),
        ],
    );
    let found = findings(&sp);
    let c = codes(&found);
    assert!(c.contains(&("provider.non_canonical", Some("gen_ai.provider.name"))));
    assert!(c.contains(&("attribute.deprecated", Some("gen_ai.system"))));
    assert!(c.contains(&("attribute.deprecated", Some("gen_ai.usage.prompt_tokens"))));
    assert!(c.contains(&("value.conflict", Some("gen_ai.provider.name"))));
    assert!(c.contains(&("dialect.non_otel", None)));
    let conflict = found.iter().find(|f| f.code == "value.conflict").unwrap();
    assert_eq!(
        conflict.message,
        "gen_ai.provider.name says `azure.ai.openai` but gen_ai.system says `openai`; kept `azure.ai.openai`"
    );

    let embedding = span(
        "embedding m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("embedding")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.usage.input_tokens", i(3)),
        ],
    );
    assert!(
        codes(&findings(&embedding))
            .contains(&("operation.non_canonical", Some("gen_ai.operation.name")))
    );
}

/// Usage problems: missing on a stream (with the hint), partial, exclusive counts, TTFT.
#[test]
fn usage_findings() {
    let stream = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.request.stream", b(true)),
        ],
    );
    let found = findings(&stream);
    let missing = found.iter().find(|f| f.code == "usage.missing").unwrap();
    assert!(missing.message.contains("include_usage"));
    assert!(codes(&found).contains(&(
        "time_to_first_chunk.missing",
        Some("gen_ai.response.time_to_first_chunk")
    )));

    // The same stream failing before its first chunk (a 429): neither usage nor TTFT is due.
    let failed = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.request.stream", b(true)),
            ("error.type", s("rate_limit_exceeded")),
        ],
    );
    assert_eq!(codes(&findings(&failed)), []);

    let exclusive = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("anthropic")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.usage.input_tokens", i(4)),
            ("gen_ai.usage.output_tokens", i(10)),
            ("gen_ai.usage.cache_read.input_tokens", i(1000)),
        ],
    );
    let found = findings(&exclusive);
    let inconsistent = found
        .iter()
        .find(|f| f.code == "usage.inconsistent")
        .unwrap();
    assert_eq!(
        inconsistent.message,
        "gen_ai.usage.input_tokens (4) is below its cache tokens (1000); input tokens must include cached ones"
    );

    let partial = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.usage.output_tokens", i(10)),
        ],
    );
    assert_eq!(codes(&findings(&partial)), [("usage.partial", None)]);
}

/// Stream evidence without the request flag: the flag is conditionally required.
#[test]
fn stream_flag_required_on_streams() {
    let mut sp = span(
        "chat m",
        SpanKind::Client,
        &[
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("m")),
            ("gen_ai.usage.input_tokens", i(1)),
            ("gen_ai.usage.output_tokens", i(1)),
            ("gen_ai.response.time_to_first_chunk", d(0.01)),
        ],
    );
    sp.events = vec![
        event("gen_ai.content.completion.chunk", T0 + 10 * MS, &[]),
        event("gen_ai.content.completion.chunk", T0 + 20 * MS, &[]),
    ];
    let c = findings(&sp);
    assert!(codes(&c).contains(&(
        "attribute.conditionally_required_missing",
        Some("gen_ai.request.stream")
    )));
}
