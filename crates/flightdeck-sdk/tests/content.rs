//! Content capture: off by default, on via config or
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, config over environment, exact JSON
//! shapes, truncation, and the stable prompt hash.

use flightdeck_sdk::content::{CAPTURE_CONTENT_ENV, prompt_hash};
use flightdeck_sdk::opentelemetry::Value;
use flightdeck_sdk::testing::{FinishedSpan, TestTelemetry};
use flightdeck_sdk::{ContentCapture, GenAi, Message, Part, RetrievedDocument, ToolDefinition};
use serde_json::{Value as Json, json};

fn json_attr(span: &FinishedSpan, key: &str) -> Option<Json> {
    match span.attribute(key)? {
        Value::String(v) => serde_json::from_str(v.as_str()).ok(),
        _ => None,
    }
}

fn emit_all(genai: &GenAi) {
    let mut call = genai
        .chat("gpt-4o")
        .with_system_instructions(vec![Part::Text {
            content: "Be brief.".into(),
        }])
        .with_input_messages(vec![Message::user("Weather in Paris?")])
        .with_tool_definitions(vec![ToolDefinition::function("get_weather")])
        .start();
    call.set_output_messages(&[Message::assistant("Rainy.")]);
    call.end();
    let mut tool = genai
        .execute_tool("get_weather")
        .with_arguments(json!({"city": "Paris"}))
        .start();
    tool.record_result(&json!({"forecast": "rain"}));
    tool.end();
    let mut r = genai
        .retrieval("kb")
        .with_query_text("refund policy")
        .start();
    r.record_documents(&[RetrievedDocument::new("doc-1", 0.93)]);
    r.end();
    let mut a = genai
        .invoke_agent("a")
        .with_input_messages(vec![Message::user("go")])
        .start();
    a.set_output_messages(&[Message::assistant("done")]);
    a.end();
}

const CONTENT_KEYS: [&str; 11] = [
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "gen_ai.retrieval.query.text",
    "gen_ai.retrieval.documents",
    "flightdeck.prompt.hash",
    "gen_ai.prompt",
    "gen_ai.completion",
];

fn assert_no_content(t: &TestTelemetry) {
    for span in t.spans() {
        for key in CONTENT_KEYS {
            assert_eq!(span.attribute(key), None, "{key} on {}", span.name);
        }
    }
}

/// With nothing configured (and the variable unset), no content of any kind is recorded.
#[test]
fn content_is_off_by_default() {
    if std::env::var_os(CAPTURE_CONTENT_ENV).is_some() {
        return; // the environment decides; covered by the subprocess test below
    }
    let t = TestTelemetry::new();
    let genai = t.genai().build();
    assert!(!genai.captures_content());
    emit_all(&genai);
    assert_eq!(t.spans().len(), 4);
    assert_no_content(&t);
}

/// Turned on in code, every content attribute is recorded in the conventions' JSON shapes.
#[test]
fn content_on_via_config() {
    let t = TestTelemetry::new();
    let genai = t
        .genai()
        .with_content_capture(ContentCapture::SpanAttributes)
        .build();
    emit_all(&genai);
    let chat = t.span("chat gpt-4o").unwrap();
    assert_eq!(
        json_attr(&chat, "gen_ai.system_instructions"),
        Some(json!([{"type": "text", "content": "Be brief."}]))
    );
    assert_eq!(
        json_attr(&chat, "gen_ai.input.messages"),
        Some(
            json!([{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}])
        )
    );
    assert_eq!(
        json_attr(&chat, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}]}]))
    );
    assert_eq!(
        json_attr(&chat, "gen_ai.tool.definitions"),
        Some(json!([{"type": "function", "name": "get_weather"}]))
    );
    assert_eq!(chat.attribute("flightdeck.prompt.hash"), None);
    let tool = t.span("execute_tool get_weather").unwrap();
    assert_eq!(
        json_attr(&tool, "gen_ai.tool.call.arguments"),
        Some(json!({"city": "Paris"}))
    );
    assert_eq!(
        json_attr(&tool, "gen_ai.tool.call.result"),
        Some(json!({"forecast": "rain"}))
    );
    let r = t.span("retrieval kb").unwrap();
    assert_eq!(
        r.attribute("gen_ai.retrieval.query.text"),
        Some(Value::String("refund policy".into()))
    );
    assert_eq!(
        json_attr(&r, "gen_ai.retrieval.documents"),
        Some(json!([{"id": "doc-1", "score": 0.93}]))
    );
    let a = t.span("invoke_agent a").unwrap();
    assert_eq!(
        json_attr(&a, "gen_ai.input.messages"),
        Some(json!([{"role": "user", "parts": [{"type": "text", "content": "go"}]}]))
    );
}

/// Texts longer than the cap are cut with `…`; the JSON stays valid and roles are intact.
#[test]
fn long_content_is_truncated() {
    let t = TestTelemetry::new();
    let genai = t
        .genai()
        .with_content_capture(ContentCapture::SpanAttributes)
        .with_max_content_bytes(8)
        .build();
    genai
        .chat("m")
        .with_input_messages(vec![Message::user("abcdefghijklmnop")])
        .start()
        .end();
    let span = t.span("chat m").unwrap();
    assert_eq!(
        json_attr(&span, "gen_ai.input.messages"),
        Some(json!([{"role": "user", "parts": [{"type": "text", "content": "abcdefgh…"}]}]))
    );
}

/// The prompt hash is recorded without the text when capture is off, is the same across
/// instrumentations for the same prompt, differs for another prompt, and equals the
/// documented SHA-256.
#[test]
fn prompt_hash_is_stable() {
    let messages = || vec![Message::system("You are terse."), Message::user("Hi")];
    let hash_of = |messages: Vec<Message>| {
        let t = TestTelemetry::new();
        let genai = t
            .genai()
            .with_content_capture(ContentCapture::Off)
            .with_prompt_hash(true)
            .build();
        assert!(genai.hashes_prompts());
        genai.chat("m").with_input_messages(messages).start().end();
        let span = t.span("chat m").unwrap();
        assert_eq!(span.attribute("gen_ai.input.messages"), None);
        match span.attribute("flightdeck.prompt.hash") {
            Some(Value::String(h)) => h.to_string(),
            other => panic!("no hash: {other:?}"),
        }
    };
    let a = hash_of(messages());
    let b = hash_of(messages());
    assert_eq!(a, b);
    assert_ne!(a, hash_of(vec![Message::user("Hi")]));
    // sha256("[]\n" + the compact JSON of the messages), computed with `sha256sum`:
    // printf '[]\n[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},{"role":"user","parts":[{"type":"text","content":"Hi"}]}]' | sha256sum
    assert_eq!(a, prompt_hash(&[], &messages()));
    assert_eq!(
        a,
        "1b163e80c1bc048c9fabc7e64f7fdae51e9511fb566d3f607ebf3a0a7c450d9b"
    );
}

/// The environment variable turns capture on (`SPAN_ONLY`), and code overrides it. Runs the
/// `env_child` test in a child process with the variable set, since the environment of this
/// process must not be changed under other tests.
#[test]
fn content_on_via_env() {
    for value in ["SPAN_ONLY", "span_and_event", "true"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["env_child", "--exact", "--ignored", "--test-threads=1"])
            .env(CAPTURE_CONTENT_ENV, value)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child with {value} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Child of `content_on_via_env` (ignored in normal runs).
#[test]
#[ignore = "run by content_on_via_env with the variable set"]
fn env_child() {
    let t = TestTelemetry::new();
    let genai = t.genai().build();
    assert!(genai.captures_content());
    genai
        .chat("m")
        .with_input_messages(vec![Message::user("hello")])
        .start()
        .end();
    assert_eq!(
        json_attr(&t.span("chat m").unwrap(), "gen_ai.input.messages"),
        Some(json!([{"role": "user", "parts": [{"type": "text", "content": "hello"}]}]))
    );
    let off = TestTelemetry::new();
    let genai = off
        .genai()
        .with_content_capture(ContentCapture::Off)
        .build();
    assert!(!genai.captures_content());
    emit_all(&genai);
    assert_no_content(&off);
}
