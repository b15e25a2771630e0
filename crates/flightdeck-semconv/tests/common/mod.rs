//! Builders for hand-written spans and log records.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use flightdeck_model::{
    AttrValue, Attributes, Event, GenAi, KeyValue, LogRecord, Resource, Scope, Span, SpanId,
    SpanKind, Status, StatusCode, TraceId,
};

/// 2026-01-01T00:00:00Z in nanoseconds.
pub const T0: u64 = 1_767_225_600_000_000_000;
/// One millisecond in nanoseconds.
pub const MS: u64 = 1_000_000;

pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
pub const SPAN: &str = "00f067aa0ba902b7";

pub fn attrs(pairs: &[(&str, AttrValue)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| KeyValue::new(*k, v.clone()))
        .collect()
}

pub fn s(v: &str) -> AttrValue {
    AttrValue::Str(v.to_owned())
}

pub fn i(v: i64) -> AttrValue {
    AttrValue::Int(v)
}

pub fn d(v: f64) -> AttrValue {
    AttrValue::Double(v)
}

pub fn b(v: bool) -> AttrValue {
    AttrValue::Bool(v)
}

pub fn strs(v: &[&str]) -> AttrValue {
    AttrValue::Array(v.iter().map(|x| s(x)).collect())
}

/// A structured value from JSON (maps and arrays as OTLP kvlist / array values).
pub fn json(v: serde_json::Value) -> AttrValue {
    AttrValue::from_json(v)
}

/// A root span of 100 ms starting at T0.
pub fn span(name: &str, kind: SpanKind, pairs: &[(&str, AttrValue)]) -> Span {
    Span {
        trace_id: TraceId::from_hex(TRACE).unwrap(),
        span_id: SpanId::from_hex(SPAN).unwrap(),
        parent_span_id: None,
        trace_state: String::new(),
        flags: 0,
        name: name.to_owned(),
        kind,
        start_time_unix_nano: T0,
        end_time_unix_nano: T0 + 100 * MS,
        attributes: attrs(pairs),
        dropped_attributes_count: 0,
        events: Vec::new(),
        dropped_events_count: 0,
        links: Vec::new(),
        dropped_links_count: 0,
        status: Status::default(),
        resource: Arc::new(Resource {
            attributes: attrs(&[("service.name", s("checkout"))]),
            ..Resource::default()
        }),
        scope: Arc::new(Scope {
            name: "test.instrumentation".to_owned(),
            version: "1.0".to_owned(),
            ..Scope::default()
        }),
        genai: GenAi::default(),
    }
}

pub fn child(mut span: Span) -> Span {
    span.parent_span_id = Some(SpanId::from_hex("1111111111111111").unwrap());
    span
}

pub fn failed(mut span: Span) -> Span {
    span.status = Status {
        code: StatusCode::Error,
        message: "boom".to_owned(),
    };
    span
}

pub fn event(name: &str, at: u64, pairs: &[(&str, AttrValue)]) -> Event {
    Event {
        time_unix_nano: at,
        name: name.to_owned(),
        attributes: attrs(pairs),
        dropped_attributes_count: 0,
    }
}

/// A log record of the span built by [`span`].
pub fn log(event_name: &str, at: u64, body: AttrValue, pairs: &[(&str, AttrValue)]) -> LogRecord {
    LogRecord {
        time_unix_nano: at,
        observed_time_unix_nano: at,
        severity_number: 9,
        severity_text: String::new(),
        event_name: event_name.to_owned(),
        body,
        attributes: attrs(pairs),
        dropped_attributes_count: 0,
        flags: 1,
        trace_id: Some(TraceId::from_hex(TRACE).unwrap()),
        span_id: Some(SpanId::from_hex(SPAN).unwrap()),
        resource: Arc::default(),
        scope: Arc::default(),
    }
}

pub fn with_scope(mut span: Span, name: &str, version: &str) -> Span {
    span.scope = Arc::new(Scope {
        name: name.to_owned(),
        version: version.to_owned(),
        ..Scope::default()
    });
    span
}
