//! Builders for spans and log records in unit tests.

use std::sync::Arc;

use flightdeck_model::*;

/// A resource with `service.name`.
pub(crate) fn resource(service: &str) -> Arc<Resource> {
    Arc::new(Resource {
        attributes: vec![KeyValue::new("service.name", service)]
            .into_iter()
            .collect(),
        ..Resource::default()
    })
}

/// A span of trace `trace` (all bytes equal), id `id`, 1 ms long, with `attributes`.
pub(crate) fn span(trace: u8, id: u8, attributes: Vec<KeyValue>) -> Span {
    Span {
        trace_id: TraceId::from_array([trace; 16]).unwrap(),
        span_id: SpanId::from_array([id; 8]).unwrap(),
        parent_span_id: None,
        trace_state: String::new(),
        flags: 0,
        name: "op".into(),
        kind: SpanKind::Internal,
        start_time_unix_nano: 1_000_000,
        end_time_unix_nano: 2_000_000,
        attributes: attributes.into_iter().collect(),
        dropped_attributes_count: 0,
        events: vec![],
        dropped_events_count: 0,
        links: vec![],
        dropped_links_count: 0,
        status: Status::default(),
        resource: resource("svc"),
        scope: Arc::default(),
        genai: GenAi::default(),
    }
}

/// A log record with a string body.
pub(crate) fn log(trace: Option<u8>, body: AttrValue) -> LogRecord {
    LogRecord {
        time_unix_nano: 1_500_000,
        observed_time_unix_nano: 1_500_000,
        severity_number: 9,
        severity_text: "INFO".into(),
        event_name: String::new(),
        body,
        attributes: Attributes::new(),
        dropped_attributes_count: 0,
        flags: 0,
        trace_id: trace.map(|t| TraceId::from_array([t; 16]).unwrap()),
        span_id: None,
        resource: resource("svc"),
        scope: Arc::default(),
    }
}
