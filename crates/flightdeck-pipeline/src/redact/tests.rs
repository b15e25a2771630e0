use flightdeck_model::*;

use super::*;
use crate::test_util::{log, span};

fn redactor(config: RedactConfig) -> Redactor {
    Redactor::new(&config).unwrap()
}

fn default_redactor() -> Redactor {
    redactor(RedactConfig::default())
}

fn one(redactor: &Redactor, attributes: Vec<KeyValue>) -> Span {
    let mut spans = vec![span(1, 1, attributes)];
    redactor.process_spans(&mut spans);
    spans.pop().unwrap()
}

fn text(r: &Redactor, input: &str) -> String {
    r.redact_text(input).unwrap_or_else(|| input.to_owned())
}

/// Each built-in detector finds its kind of secret or personal data in free text and masks only
/// the match.
#[test]
fn builtin_detectors_mask_their_matches() {
    let r = default_redactor();
    let cases = [
        (
            "key sk-proj-abcdefghijklmnopqrstuvwxyz0123 here",
            "key [REDACTED:secret] here",
        ),
        (
            "aws AKIAIOSFODNN7EXAMPLE done",
            "aws [REDACTED:secret] done",
        ),
        (
            "gh ghp_0123456789abcdefghijklmnopqrstuvwxyzAB.",
            "gh [REDACTED:secret].",
        ),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.SflKxwRJSMeKKF2QT4fwpMeJf36",
            "jwt [REDACTED:secret]",
        ),
        (
            "postgres://app:hunter2pass@db.internal:5432/x",
            "postgres://app:[REDACTED:secret]@db.internal:5432/x",
        ),
        ("password=correcthorse", "password=[REDACTED:secret]"),
        (
            "Authorization: Bearer abc.def-123_456~789xyz",
            "Authorization: Bearer [REDACTED:bearer_token]",
        ),
        (
            "Authorization: Basic dXNlcjpwYXNz",
            "Authorization: Basic [REDACTED:bearer_token]",
        ),
        (
            "mail alice.smith+tag@example.co.uk now",
            "mail [REDACTED:email] now",
        ),
        ("card 4111 1111 1111 1111 exp", "card [REDACTED:card] exp"),
        ("amex 378282246310005.", "amex [REDACTED:card]."),
        ("call +44 20 7946 0958 today", "call [REDACTED:phone] today"),
        ("us (415) 555-0100 or", "us [REDACTED:phone] or"),
        ("from 203.0.113.77 via", "from [REDACTED:ip] via"),
        ("v6 2001:db8::8a2e:370:7334 end", "v6 [REDACTED:ip] end"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY----- tail",
            "[REDACTED:private_key] tail",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(text(&r, input), expected, "input: {input}");
    }
}

/// Look-alikes stay untouched: versions, timestamps, tool-call ids, model names, prose about
/// bearers, loopback addresses, Rust paths.
#[test]
fn look_alikes_are_not_redacted() {
    let r = default_redactor();
    for input in [
        "version 1.45.2 of the sdk",
        "build 1.2.3.4.5",
        "at 1795301215798752527 ns",
        "call_045ac750658541a4",
        "gpt-4o-2024-07-18",
        "the bearer of bad news",
        "http://127.0.0.1:8011/v1/",
        "use std::io::Read",
        "12:30:45",
        "chatcmpl-03d7e12f6b7641cda87cee2f",
        "sk-short",
    ] {
        assert_eq!(r.redact_text(input), None, "input: {input}");
    }
}

/// In a GenAI message structure held as a JSON string, text parts, tool-call arguments (including
/// a credential-named field) and tool results are redacted, ids and roles are kept, and the result
/// is still valid JSON with the same shape.
#[test]
fn message_structure_is_walked() {
    let r = default_redactor();
    let input = r#"[{"role":"user","parts":[{"type":"text","content":"I am bob@corp.example"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"login","arguments":{"user":"bob","password":"p4ss-w0rd!"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"{\"token_for\":\"bob\",\"ip\":\"198.51.100.4\"}"}]}]"#;
    let s = one(&r, vec![KeyValue::new("gen_ai.input.messages", input)]);
    let out = s.attributes.get_str("gen_ai.input.messages").unwrap();
    let expected = r#"[{"role":"user","parts":[{"type":"text","content":"I am [REDACTED:email]"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"login","arguments":{"user":"bob","password":"[REDACTED:credential_field]"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"{\"token_for\":\"bob\",\"ip\":\"[REDACTED:ip]\"}"}]}]"#;
    assert_eq!(out, expected);
    assert_eq!(s.attributes.get_i64(REDACTION_COUNT_KEY), Some(3));
    assert_eq!(
        s.attributes.get(REDACTION_RULES_KEY),
        Some(&AttrValue::Array(vec![
            "credential_field".into(),
            "email".into(),
            "ip".into()
        ]))
    );
}

/// A blob part's base64 content and a data URL are never scanned (a `+` followed by digits in
/// base64 is not a phone number), while text next to them is.
#[test]
fn binary_payloads_are_left_alone() {
    let r = default_redactor();
    let blob = "QUJD+441234567890+12345678901234";
    let parts = AttrValue::Array(vec![AttrValue::Map(vec![
        KeyValue::new("role", "user"),
        KeyValue::new(
            "parts",
            AttrValue::Array(vec![
                AttrValue::Map(vec![
                    KeyValue::new("type", "blob"),
                    KeyValue::new("modality", "image"),
                    KeyValue::new("content", blob),
                ]),
                AttrValue::Map(vec![
                    KeyValue::new("type", "uri"),
                    KeyValue::new("uri", format!("data:image/png;base64,{blob}")),
                ]),
                AttrValue::Map(vec![
                    KeyValue::new("type", "text"),
                    KeyValue::new("content", "ring +44 20 7946 0958"),
                ]),
            ]),
        ),
    ])]);
    let s = one(&r, vec![KeyValue::new("gen_ai.input.messages", parts)]);
    let json = s.attributes.get("gen_ai.input.messages").unwrap().to_json();
    assert_eq!(json[0]["parts"][0]["content"], blob);
    assert_eq!(
        json[0]["parts"][1]["uri"],
        format!("data:image/png;base64,{blob}")
    );
    assert_eq!(json[0]["parts"][2]["content"], "ring [REDACTED:phone]");
}

/// Mode `hash`: equal values give equal replacements, different values or keys give different
/// ones; the replacement carries the rule name and 16 hex digits.
#[test]
fn hash_mode_is_keyed_and_stable() {
    let config = |key: &str| RedactConfig {
        detectors: Detectors {
            email: Some(DetectorSetting::Hash),
            ..Detectors::default()
        },
        hash_key: Some(key.into()),
        ..RedactConfig::default()
    };
    let a = redactor(config("k1"));
    let b = redactor(config("k2"));
    let x1 = text(&a, "alice@example.com");
    let x2 = text(&a, "to alice@example.com");
    let y = text(&a, "carol@example.com");
    let z = text(&b, "alice@example.com");
    assert!(x1.starts_with("[email:") && x1.ends_with(']'), "{x1}");
    assert_eq!(x1.len(), "[email:]".len() + 16);
    assert_eq!(x2, format!("to {x1}"));
    assert_ne!(x1, y);
    assert_ne!(x1, z);
    // Other detectors keep the section's mode.
    assert_eq!(text(&a, "1.2.3.9"), "[REDACTED:ip]");
}

/// Mode `drop` removes the attribute holding the match; other attributes stay, the removal is
/// counted, and a span name (which cannot be removed) is masked instead.
#[test]
fn drop_mode_removes_the_attribute() {
    let r = redactor(RedactConfig {
        detectors: Detectors {
            email: Some(DetectorSetting::Drop),
            ..Detectors::default()
        },
        ..RedactConfig::default()
    });
    let mut spans = vec![span(
        1,
        1,
        vec![
            KeyValue::new("user.email", "dan@example.org"),
            KeyValue::new(
                "gen_ai.input.messages",
                r#"[{"role":"user","parts":[{"type":"text","content":"mail dan@example.org"}]}]"#,
            ),
            KeyValue::new("http.route", "/v1/chat"),
        ],
    )];
    spans[0].name = "notify dan@example.org".into();
    r.process_spans(&mut spans);
    let s = &spans[0];
    assert!(!s.attributes.contains("user.email"));
    assert!(!s.attributes.contains("gen_ai.input.messages"));
    assert_eq!(s.attributes.get_str("http.route"), Some("/v1/chat"));
    assert_eq!(s.name, "notify [REDACTED:email]");
    let snap = r.stats().snapshot();
    assert_eq!(snap.attributes_removed, 2);
    assert_eq!(r.stats().count("email"), 3);
}

/// The deny list removes attributes whatever their value; the allow list skips scanning; a
/// credential-named attribute is masked whole; markers of an upstream redactor are merged.
#[test]
fn allow_deny_and_credential_keys() {
    let r = redactor(RedactConfig {
        allow: vec!["internal.*".into()],
        deny: vec!["user.full_name".into(), "session.*".into()],
        ..RedactConfig::default()
    });
    let s = one(
        &r,
        vec![
            KeyValue::new("user.full_name", "Erin Example"),
            KeyValue::new("session.cookie_jar", "x"),
            KeyValue::new("internal.contact", "ops@example.com"),
            KeyValue::new("http.request.header.x-api-key", "plain-looking-value"),
            KeyValue::new("gen_ai.usage.input_tokens", 12i64),
            KeyValue::new("llm.usage.token_type", "input"),
            KeyValue::new(REDACTION_COUNT_KEY, 2i64),
            KeyValue::new(REDACTION_RULES_KEY, AttrValue::Array(vec!["email".into()])),
        ],
    );
    assert!(!s.attributes.contains("user.full_name"));
    assert!(!s.attributes.contains("session.cookie_jar"));
    assert_eq!(
        s.attributes.get_str("internal.contact"),
        Some("ops@example.com")
    );
    assert_eq!(
        s.attributes.get_str("http.request.header.x-api-key"),
        Some("[REDACTED:credential_field]")
    );
    assert_eq!(s.attributes.get_i64("gen_ai.usage.input_tokens"), Some(12));
    assert_eq!(s.attributes.get_str("llm.usage.token_type"), Some("input"));
    // 2 from upstream + 2 deny-list removals + 1 credential field.
    assert_eq!(s.attributes.get_i64(REDACTION_COUNT_KEY), Some(5));
    assert_eq!(
        s.attributes.get(REDACTION_RULES_KEY),
        Some(&AttrValue::Array(vec![
            "email".into(),
            "credential_field".into(),
            "deny_list".into()
        ]))
    );
}

/// Span events, links, the status message, the shared resource, the typed GenAI view and log
/// records (body and attributes) are all redacted; the resource is rewritten once per batch and
/// both spans sharing it are marked.
#[test]
fn every_place_is_covered() {
    let r = default_redactor();
    let resource = std::sync::Arc::new(Resource {
        attributes: vec![
            KeyValue::new("service.name", "svc"),
            KeyValue::new("owner.email", "team@example.com"),
        ]
        .into_iter()
        .collect(),
        ..Resource::default()
    });
    let mut a = span(1, 1, vec![]);
    a.resource = std::sync::Arc::clone(&resource);
    a.events.push(Event {
        time_unix_nano: 1,
        name: "exception".into(),
        attributes: vec![KeyValue::new(
            "exception.message",
            "Incorrect API key provided: sk-abcdefghijklmnopqrstuvwx1234",
        )]
        .into_iter()
        .collect(),
        dropped_attributes_count: 0,
    });
    a.links.push(Link {
        trace_id: TraceId::from_array([9; 16]).unwrap(),
        span_id: SpanId::from_array([9; 8]).unwrap(),
        trace_state: String::new(),
        attributes: vec![KeyValue::new("peer", "10.1.2.3")]
            .into_iter()
            .collect(),
        dropped_attributes_count: 0,
        flags: 0,
    });
    a.status.message = "failed for carol@example.com".into();
    a.genai.user_id = Some("carol@example.com".into());
    a.genai.retrieval = Some(Retrieval {
        query: Some("card 5500-0000-0000-0004".into()),
        ..Retrieval::default()
    });
    let mut b = span(1, 2, vec![]);
    b.resource = std::sync::Arc::clone(&resource);
    let mut spans = vec![a, b];
    r.process_spans(&mut spans);
    let [a, b] = &spans[..] else { panic!() };
    assert_eq!(
        a.events[0].attributes.get_str("exception.message"),
        Some("Incorrect API key provided: [REDACTED:secret]")
    );
    assert_eq!(a.links[0].attributes.get_str("peer"), Some("[REDACTED:ip]"));
    assert_eq!(a.status.message, "failed for [REDACTED:email]");
    assert_eq!(a.genai.user_id.as_deref(), Some("[REDACTED:email]"));
    assert_eq!(
        a.genai.retrieval.as_ref().unwrap().query.as_deref(),
        Some("card [REDACTED:card]")
    );
    assert_eq!(
        a.resource.attributes.get_str("owner.email"),
        Some("[REDACTED:email]")
    );
    assert!(std::sync::Arc::ptr_eq(&a.resource, &b.resource));
    // The original resource object is untouched (it may be shared elsewhere).
    assert_eq!(
        resource.attributes.get_str("owner.email"),
        Some("team@example.com")
    );
    assert_eq!(a.attributes.get_i64(REDACTION_COUNT_KEY), Some(6));
    assert_eq!(b.attributes.get_i64(REDACTION_COUNT_KEY), Some(1));
    // The resource counts once in the per-rule totals: 1 (resource) + 2 (status, user id).
    assert_eq!(r.stats().count("email"), 3);
    assert_eq!(r.stats().snapshot().spans_redacted, 2);

    let mut logs = vec![log(
        Some(1),
        AttrValue::Map(vec![KeyValue::new(
            "message",
            AttrValue::Map(vec![
                KeyValue::new("role", "assistant"),
                KeyValue::new(
                    "tool_calls",
                    AttrValue::Array(vec![AttrValue::Map(vec![
                        KeyValue::new("id", "call_b48b337fcca247ac"),
                        KeyValue::new(
                            "function",
                            AttrValue::Map(vec![
                                KeyValue::new("name", "lookup"),
                                KeyValue::new("arguments", r#"{"phone": "+1 415 555 0100"}"#),
                            ]),
                        ),
                    ])]),
                ),
            ]),
        )]),
    )];
    logs[0].attributes.set("enduser.id", "frank@example.com");
    r.process_logs(&mut logs);
    let body = logs[0].body.to_json();
    assert_eq!(
        body["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"phone":"[REDACTED:phone]"}"#
    );
    assert_eq!(
        body["message"]["tool_calls"][0]["id"],
        "call_b48b337fcca247ac"
    );
    assert_eq!(
        logs[0].attributes.get_str("enduser.id"),
        Some("[REDACTED:email]")
    );
    assert_eq!(logs[0].attributes.get_i64(REDACTION_COUNT_KEY), Some(2));
    assert_eq!(r.stats().snapshot().logs_redacted, 1);
}

/// User rules: a pattern with a `redact` group replaces only the group; a rule's own mode wins
/// over the section's; disabled detectors do not run; redacting twice changes nothing more.
#[test]
fn user_rules_and_idempotence() {
    let r = redactor(RedactConfig {
        detectors: Detectors {
            ip: Some(DetectorSetting::Off),
            ..Detectors::default()
        },
        rules: vec![RuleConfig {
            name: "employee_id".into(),
            pattern: r"EMP-(?P<redact>[0-9]{6})".into(),
            mode: None,
        }],
        ..RedactConfig::default()
    });
    assert_eq!(
        text(&r, "badge EMP-123456 at 10.0.0.9 for x@y.example"),
        "badge EMP-[REDACTED:employee_id] at 10.0.0.9 for [REDACTED:email]"
    );
    let once = text(&r, "EMP-654321 password: hunter2hunter2 mail a@b.example");
    assert_eq!(r.redact_text(&once), None, "{once}");
}

/// Configuration errors name the problem: a bad regex names the rule, `hash` without a key names
/// the rule, an unset key variable is named, and unknown detector names are rejected by serde.
#[test]
fn configuration_errors_are_named() {
    let bad = Redactor::new(&RedactConfig {
        rules: vec![RuleConfig {
            name: "broken".into(),
            pattern: "(unclosed".into(),
            mode: None,
        }],
        ..RedactConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(bad.contains("rules[0] (broken): invalid pattern"), "{bad}");

    let no_key = Redactor::new(&RedactConfig {
        mode: Mode::Hash,
        ..RedactConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        no_key.contains("rule `private_key` uses mode \"hash\""),
        "{no_key}"
    );

    let env = Redactor::new(&RedactConfig {
        mode: Mode::Hash,
        hash_key_env: Some("FLIGHTDECK_TEST_SURELY_UNSET_KEY".into()),
        ..RedactConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(env.contains("FLIGHTDECK_TEST_SURELY_UNSET_KEY"), "{env}");

    let dup = Redactor::new(&RedactConfig {
        rules: vec![RuleConfig {
            name: "email".into(),
            pattern: "x".into(),
            mode: None,
        }],
        ..RedactConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(dup.contains("already used"), "{dup}");
}
