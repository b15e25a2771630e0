//! Redaction end to end, on by default: secrets and personal data seeded everywhere a client can
//! put them (flat attributes, GenAI message JSON, tool-call arguments and results, span events,
//! status messages, resource attributes, log bodies and attributes) never appear in the bytes of
//! the data directory of a real `flightdeck serve` (the DuckDB files and the decompressed records
//! of the write-ahead log), while the surrounding text does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ServerProcess;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, KeyValueList, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message as _;

/// The seeded secrets, each unique enough that finding it by accident is impossible.
const SECRETS: &[&str] = &[
    "sk-proj-SEEDq8w7e6r5t4y3u2i1o0pAZ",
    "seed.person@example.org",
    "4012 8888 8888 1881",
    "4012888888881881",
    "+44 20 7946 0123",
    "203.0.113.99",
    "abcDEF123456.ghiJKL789_seedtoken",
    "Hunter2-Seed-Pass",
    "MIIEowIBAAKCAQEAseedkeymaterial",
    "AKIAIOSFODNN7SEED000",
    "owner-seed@corp.example",
    "bob.seed@example.net",
];

/// Text next to the secrets that must be stored (proves the data reached the file at all).
const VISIBLE: &[&str] = &[
    "VISIBLE-user-question-7f3a",
    "VISIBLE-tool-result-91bc",
    "VISIBLE-log-body-55de",
    "VISIBLE-event-message-0a1b",
];

fn s(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn map(entries: Vec<KeyValue>) -> AnyValue {
    AnyValue {
        value: Some(Value::KvlistValue(KeyValueList { values: entries })),
    }
}

fn resource() -> Resource {
    Resource {
        attributes: vec![
            s("service.name", "seeded-service"),
            s("owner.contact", "owner-seed@corp.example"),
        ],
        ..Default::default()
    }
}

fn traces() -> ExportTraceServiceRequest {
    let input = serde_json::json!([
        {"role": "user", "parts": [{"type": "text", "content": "VISIBLE-user-question-7f3a: I am seed.person@example.org, card 4012 8888 8888 1881, call me at +44 20 7946 0123"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_seed_1", "name": "login",
            "arguments": {"user": "bob", "password": "Hunter2-Seed-Pass", "api_key": "sk-proj-SEEDq8w7e6r5t4y3u2i1o0pAZ"}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_seed_1",
            "response": "{\"status\":\"VISIBLE-tool-result-91bc\",\"client_ip\":\"203.0.113.99\"}"}]}
    ])
    .to_string();
    let chat = Span {
        trace_id: vec![0x5e; 16],
        span_id: vec![1; 8],
        name: "chat gpt-4o".into(),
        kind: span::SpanKind::Client as i32,
        start_time_unix_nano: 1_800_000_000_000_000_000,
        end_time_unix_nano: 1_800_000_000_500_000_000,
        attributes: vec![
            s("gen_ai.operation.name", "chat"),
            s("gen_ai.request.model", "gpt-4o"),
            s("gen_ai.input.messages", &input),
            s(
                "debug.request",
                "GET /v1/models with Authorization: Bearer abcDEF123456.ghiJKL789_seedtoken",
            ),
            s(
                "gen_ai.prompt.0.content",
                "legacy prompt from bob.seed@example.net",
            ),
            s("aws.config", "key AKIAIOSFODNN7SEED000 in use"),
        ],
        events: vec![span::Event {
            time_unix_nano: 1_800_000_000_100_000_000,
            name: "exception".into(),
            attributes: vec![s(
                "exception.message",
                "VISIBLE-event-message-0a1b: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAseedkeymaterial\n-----END RSA PRIVATE KEY-----",
            )],
            ..Default::default()
        }],
        status: Some(Status {
            code: 2,
            message: "auth failed for seed.person@example.org".into(),
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(resource()),
            scope_spans: vec![ScopeSpans {
                spans: vec![chat],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn logs() -> ExportLogsServiceRequest {
    let body = map(vec![
        KeyValue {
            key: "content".into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(
                    "VISIBLE-log-body-55de reach me at seed.person@example.org".into(),
                )),
            }),
            ..Default::default()
        },
        KeyValue {
            key: "tool_calls".into(),
            value: Some(AnyValue {
                value: Some(Value::ArrayValue(
                    opentelemetry_proto::tonic::common::v1::ArrayValue {
                        values: vec![map(vec![
                            s("id", "call_seed_2"),
                            KeyValue {
                                key: "function".into(),
                                value: Some(map(vec![
                                    s("name", "pay"),
                                    s("arguments", "{\"card\": \"4012888888881881\"}"),
                                ])),
                                ..Default::default()
                            },
                        ])],
                    },
                )),
            }),
            ..Default::default()
        },
    ]);
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource()),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: 1_800_000_000_200_000_000,
                    trace_id: vec![0x5e; 16],
                    span_id: vec![1; 8],
                    event_name: "gen_ai.user.message".into(),
                    body: Some(body),
                    attributes: vec![s("enduser.id", "seed.person@example.org")],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn post(server: &ServerProcess, signal: &str, body: Vec<u8>) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/{signal}", server.otlp_http))
        .header("content-type", "application/x-protobuf")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Seeded secrets are absent from every byte under the data directory, both while the server
/// runs (Flightdeck's and DuckDB's write-ahead logs) and after a clean stop (checkpointed
/// database); the visible text and the
/// redaction markers are present, and the API reports the redactions per rule.
#[test]
fn seeded_secrets_never_reach_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &[]);
    post(&server, "traces", traces().encode_to_vec());
    post(&server, "logs", logs().encode_to_vec());

    let running = all_bytes(dir.path());
    for secret in SECRETS {
        assert!(!contains(&running, secret), "{secret} found while running");
    }
    // The write-ahead log is compressed: check its records decompressed too.
    let log: Vec<u8> = flightdeck_store::wal::read_payloads(dir.path())
        .unwrap()
        .into_iter()
        .flat_map(|(_, payload)| payload)
        .collect();
    for secret in SECRETS {
        assert!(
            !contains(&log, secret),
            "{secret} found in the write-ahead log"
        );
    }
    for visible in VISIBLE {
        assert!(
            contains(&log, visible),
            "{visible} missing from the write-ahead log"
        );
    }

    let pipeline = server.get("/api/v1/pipeline");
    let redact = pipeline["processors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "redact")
        .expect("the redact stage runs by default");
    let count = |rule: &str| {
        redact["stats"]["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    for rule in [
        "email",
        "card",
        "phone",
        "ip",
        "secret",
        "bearer_token",
        "private_key",
        "credential_field",
    ] {
        assert!(count(rule) >= 1, "rule {rule}: {pipeline}");
    }
    let trace = server.get(&format!("/api/v1/traces/{}", "5e".repeat(16)));
    let attrs = &trace["spans"][0]["attributes"];
    assert!(
        attrs["flightdeck.redaction.count"].as_i64().unwrap() >= 10,
        "{attrs}"
    );

    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    let stored = all_bytes(dir.path());
    for secret in SECRETS {
        assert!(
            !contains(&stored, secret),
            "{secret} found in the database files"
        );
    }
    for visible in VISIBLE {
        assert!(
            contains(&stored, visible),
            "{visible} missing: nothing was stored?"
        );
    }
    assert!(contains(&stored, "[REDACTED:email]"));
    assert!(contains(&stored, "[REDACTED:credential_field]"));
}
