//! Property tests: on arbitrary spans (keys drawn from every dialect plus random ones, values of
//! every type including JSON-looking strings and non-finite numbers, arbitrary events and log
//! records) the normalizer never panics and is idempotent; content and findings never panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use flightdeck_model::{AttrValue, Event, KeyValue, SpanKind};
use flightdeck_semconv::{Diagnostics, Normalizer, content, findings};
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.system",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.response.finish_reasons",
    "gen_ai.response.time_to_first_chunk",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.total_tokens",
    "gen_ai.request.stream",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.retrieval.documents",
    "gen_ai.prompt",
    "gen_ai.completion",
    "gen_ai.prompt.0.content",
    "gen_ai.prompt.1.role",
    "gen_ai.completion.0.finish_reason",
    "gen_ai.completion.0.tool_calls.0.arguments",
    "llm.request.type",
    "llm.request.functions.0.parameters",
    "llm.usage.total_tokens",
    "openinference.span.kind",
    "llm.model_name",
    "llm.invocation_parameters",
    "llm.token_count.prompt",
    "llm.token_count.total",
    "llm.input_messages.0.message.content",
    "llm.input_messages.7.message.role",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
    "llm.tools.0.tool.json_schema",
    "input.value",
    "output.value",
    "retrieval.documents.0.document.score",
    "retrieval.documents.3.document.id",
    "embedding.embeddings.0.embedding.text",
    "traceloop.span.kind",
    "traceloop.entity.name",
    "traceloop.entity.input",
    "ai.operationId",
    "ai.model.provider",
    "ai.usage.inputTokens",
    "ai.usage.inputTokenDetails.noCacheTokens",
    "ai.usage.cachedInputTokens",
    "ai.response.providerMetadata",
    "ai.response.msToFirstChunk",
    "ai.prompt",
    "ai.prompt.messages",
    "ai.prompt.tools",
    "ai.response.toolCalls",
    "langfuse.observation.type",
    "langfuse.observation.usage_details",
    "langfuse.observation.completion_start_time",
    "langfuse.observation.input",
    "logfire.span_type",
    "request_data",
    "response_data",
    "gen_ai.toad_eye.prompt",
    "db.system",
    "db.operation",
    "session.id",
    "error.type",
    "operation.name",
];

const EVENTS: &[&str] = &[
    "gen_ai.content.completion.chunk",
    "First Token Stream Event",
    "ai.stream.firstChunk",
    "exception",
    "db.query.result",
    "gen_ai.content.prompt",
    "gen_ai.user.message",
    "gen_ai.choice",
    "gen_ai.client.inference.operation.details",
    "other",
];

fn json_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"[{"role":"user","content":"hi"}]"#.to_owned()),
        Just(r#"[{"role":"assistant","parts":[{"type":"tool_call","name":"f","arguments":"{\"a\":1}"}]}]"#.to_owned()),
        Just(r#"{"messages":[{"role":"tool","content":null}],"tools":[{"function":{"name":"f"}}]}"#.to_owned()),
        Just(r#"{"choices":[{"message":{"role":"assistant","tool_calls":[{"function":{}}]}}]}"#.to_owned()),
        Just(r#"[{"id":1,"score":"high"},{"content":5}]"#.to_owned()),
        Just(r#"{"input":-5,"output":1e400,"total":"x"}"#.to_owned()),
        Just("[".to_owned()),
        Just("{\"a\":".to_owned()),
        Just("2026-01-01T00:00:00Z".to_owned()),
        Just("<class 'X'>".to_owned()),
        "[a-zA-Z0-9 ._:@-]{0,40}",
        any::<String>(),
    ]
}

fn leaf() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        Just(AttrValue::Empty),
        json_text().prop_map(AttrValue::Str),
        any::<i64>().prop_map(AttrValue::Int),
        (-5i64..5000).prop_map(AttrValue::Int),
        any::<f64>().prop_map(AttrValue::Double),
        Just(AttrValue::Double(f64::NAN)),
        Just(AttrValue::Double(f64::INFINITY)),
        any::<bool>().prop_map(AttrValue::Bool),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(AttrValue::Bytes),
    ]
}

fn value() -> impl Strategy<Value = AttrValue> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttrValue::Array),
            proptest::collection::vec(("[a-z_]{1,8}", inner), 0..4).prop_map(|kvs| {
                AttrValue::Map(kvs.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect())
            }),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => "(gen_ai|llm|ai|retrieval|langfuse)\\.[a-z0-9_.]{0,20}",
        1 => any::<String>(),
    ]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(
        (
            proptest::sample::select(EVENTS),
            any::<u64>(),
            proptest::collection::vec((key(), value()), 0..3),
        )
            .prop_map(|(name, at, kvs)| Event {
                time_unix_nano: at,
                name: name.to_owned(),
                attributes: kvs.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect(),
                dropped_attributes_count: 0,
            }),
        0..6,
    )
}

fn arbitrary_span() -> impl Strategy<Value = flightdeck_model::Span> {
    (
        proptest::collection::vec((key(), value()), 0..24),
        events(),
        any::<u64>(),
        any::<u64>(),
        "[a-z_. ]{0,20}",
        any::<bool>(),
    )
        .prop_map(|(kvs, events, start, end, name, root)| {
            let mut sp = span(&name, SpanKind::Internal, &[]);
            sp.attributes = kvs.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect();
            sp.events = events;
            sp.start_time_unix_nano = start;
            sp.end_time_unix_nano = end;
            if !root {
                sp = child(sp);
            }
            sp
        })
}

mod erased {
    /// JSON text of a serializable value (NaN-safe equality).
    pub trait Json {
        fn json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The normalizer never panics and a second pass changes nothing; content, findings and
    /// diagnostics never panic on what it produced.
    #[test]
    fn normalize_is_total_and_idempotent(sp in arbitrary_span(), body in value()) {
        let normalizer = Normalizer::default();
        let mut once = sp.clone();
        let report = normalizer.normalize_with_report(&mut once);
        let mut twice = once.clone();
        let again = normalizer.normalize_with_report(&mut twice);
        // Attributes may hold NaN (never equal to itself), so spans compare through JSON.
        let json = |s: &dyn erased::Json| s.json();
        prop_assert_eq!(&once.genai, &twice.genai);
        prop_assert_eq!(json(&once), json(&twice));
        prop_assert_eq!(report, again.clone());
        prop_assert_eq!(json(&once.attributes), json(&sp.attributes));

        let logs = vec![
            log("gen_ai.choice", 1, body.clone(), &[]),
            log("gen_ai.user.message", 0, body.clone(), &[]),
            log("gen_ai.client.inference.operation.details", 2, body, &[]),
        ];
        let _ = content(&once, &logs);
        let _ = findings(&once);
        let mut diagnostics = Diagnostics::default();
        diagnostics.observe(&once, &again);
        for l in &logs {
            diagnostics.observe_log(l);
        }
        let _ = serde_json::to_string(&diagnostics.snapshot()).unwrap();
    }
}
