//! The model back to OTLP protobuf messages, for forwarding.
//!
//! Items are grouped by resource and scope (each group in first-seen order), so a request the
//! client sent comes out with the same shape. The typed GenAI view is not sent: it is derived from
//! the attributes, which are sent exactly as kept (after redaction).

use std::collections::HashMap;
use std::sync::Arc;

use flightdeck_model::{AttrValue, Attributes, LogRecord, Resource, Scope, Span};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as pb;
use opentelemetry_proto::tonic::logs::v1 as pb_logs;
use opentelemetry_proto::tonic::resource::v1 as pb_resource;
use opentelemetry_proto::tonic::trace::v1 as pb_trace;

/// Converts an attribute value.
pub fn any_value(value: &AttrValue) -> pb::AnyValue {
    use pb::any_value::Value;
    let value = match value {
        AttrValue::Empty => None,
        AttrValue::Str(s) => Some(Value::StringValue(s.clone())),
        AttrValue::Bool(b) => Some(Value::BoolValue(*b)),
        AttrValue::Int(i) => Some(Value::IntValue(*i)),
        AttrValue::Double(d) => Some(Value::DoubleValue(*d)),
        AttrValue::Bytes(b) => Some(Value::BytesValue(b.clone())),
        AttrValue::Array(items) => Some(Value::ArrayValue(pb::ArrayValue {
            values: items.iter().map(any_value).collect(),
        })),
        AttrValue::Map(entries) => Some(Value::KvlistValue(pb::KeyValueList {
            values: entries.iter().map(key_value).collect(),
        })),
    };
    pb::AnyValue { value }
}

fn key_value(kv: &flightdeck_model::KeyValue) -> pb::KeyValue {
    pb::KeyValue {
        key: kv.key.clone(),
        value: Some(any_value(&kv.value)),
        ..Default::default()
    }
}

/// Converts an attribute list.
pub fn attributes(a: &Attributes) -> Vec<pb::KeyValue> {
    a.iter().map(key_value).collect()
}

fn resource(r: &Resource) -> pb_resource::Resource {
    pb_resource::Resource {
        attributes: attributes(&r.attributes),
        dropped_attributes_count: r.dropped_attributes_count,
        ..Default::default()
    }
}

fn scope(s: &Scope) -> pb::InstrumentationScope {
    pb::InstrumentationScope {
        name: s.name.clone(),
        version: s.version.clone(),
        attributes: attributes(&s.attributes),
        dropped_attributes_count: 0,
    }
}

/// Item indices of one scope.
type ScopeGroup<'a> = (&'a Arc<Scope>, Vec<usize>);
/// Scope groups of one resource.
type ResourceGroup<'a> = (&'a Arc<Resource>, Vec<ScopeGroup<'a>>);

/// Groups items by resource, then scope, both in first-seen order.
fn group<'a, T>(
    items: &'a [T],
    parts: impl Fn(&'a T) -> (&'a Arc<Resource>, &'a Arc<Scope>),
) -> Vec<ResourceGroup<'a>> {
    let mut out: Vec<ResourceGroup<'a>> = Vec::new();
    let mut by_resource: HashMap<*const Resource, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let (r, s) = parts(item);
        let ri = *by_resource.entry(Arc::as_ptr(r)).or_insert_with(|| {
            out.push((r, Vec::new()));
            out.len() - 1
        });
        let scopes = &mut out[ri].1;
        match scopes
            .iter_mut()
            .find(|(sc, _)| Arc::ptr_eq(sc, s) || ***sc == **s)
        {
            Some((_, list)) => list.push(i),
            None => scopes.push((s, vec![i])),
        }
    }
    out
}

fn span(s: &Span) -> pb_trace::Span {
    pb_trace::Span {
        trace_id: s.trace_id.as_bytes().to_vec(),
        span_id: s.span_id.as_bytes().to_vec(),
        trace_state: s.trace_state.clone(),
        parent_span_id: s
            .parent_span_id
            .map(|p| p.as_bytes().to_vec())
            .unwrap_or_default(),
        flags: s.flags,
        name: s.name.clone(),
        kind: s.kind.to_otlp(),
        start_time_unix_nano: s.start_time_unix_nano,
        end_time_unix_nano: s.end_time_unix_nano,
        attributes: attributes(&s.attributes),
        dropped_attributes_count: s.dropped_attributes_count,
        events: s
            .events
            .iter()
            .map(|e| pb_trace::span::Event {
                time_unix_nano: e.time_unix_nano,
                name: e.name.clone(),
                attributes: attributes(&e.attributes),
                dropped_attributes_count: e.dropped_attributes_count,
            })
            .collect(),
        dropped_events_count: s.dropped_events_count,
        links: s
            .links
            .iter()
            .map(|l| pb_trace::span::Link {
                trace_id: l.trace_id.as_bytes().to_vec(),
                span_id: l.span_id.as_bytes().to_vec(),
                trace_state: l.trace_state.clone(),
                attributes: attributes(&l.attributes),
                dropped_attributes_count: l.dropped_attributes_count,
                flags: l.flags,
            })
            .collect(),
        dropped_links_count: s.dropped_links_count,
        status: Some(pb_trace::Status {
            message: s.status.message.clone(),
            code: s.status.code.to_otlp(),
        }),
    }
}

/// Spans as one export request.
pub fn traces_request(spans: &[Span]) -> ExportTraceServiceRequest {
    let resource_spans = group(spans, |s| (&s.resource, &s.scope))
        .into_iter()
        .map(|(r, scopes)| pb_trace::ResourceSpans {
            resource: Some(resource(r)),
            schema_url: r.schema_url.clone(),
            scope_spans: scopes
                .into_iter()
                .map(|(sc, idx)| pb_trace::ScopeSpans {
                    scope: Some(scope(sc)),
                    schema_url: sc.schema_url.clone(),
                    spans: idx.into_iter().map(|i| span(&spans[i])).collect(),
                })
                .collect(),
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

fn log(l: &LogRecord) -> pb_logs::LogRecord {
    pb_logs::LogRecord {
        time_unix_nano: l.time_unix_nano,
        observed_time_unix_nano: l.observed_time_unix_nano,
        severity_number: l.severity_number,
        severity_text: l.severity_text.clone(),
        body: (l.body != AttrValue::Empty).then(|| any_value(&l.body)),
        attributes: attributes(&l.attributes),
        dropped_attributes_count: l.dropped_attributes_count,
        flags: l.flags,
        trace_id: l
            .trace_id
            .map(|t| t.as_bytes().to_vec())
            .unwrap_or_default(),
        span_id: l.span_id.map(|s| s.as_bytes().to_vec()).unwrap_or_default(),
        event_name: l.event_name.clone(),
    }
}

/// Log records as one export request.
pub fn logs_request(logs: &[LogRecord]) -> ExportLogsServiceRequest {
    let resource_logs = group(logs, |l| (&l.resource, &l.scope))
        .into_iter()
        .map(|(r, scopes)| pb_logs::ResourceLogs {
            resource: Some(resource(r)),
            schema_url: r.schema_url.clone(),
            scope_logs: scopes
                .into_iter()
                .map(|(sc, idx)| pb_logs::ScopeLogs {
                    scope: Some(scope(sc)),
                    schema_url: sc.schema_url.clone(),
                    log_records: idx.into_iter().map(|i| log(&logs[i])).collect(),
                })
                .collect(),
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flightdeck_ingest::{Limits, decode};
    use flightdeck_model::{Event, KeyValue, StatusCode};

    /// Spans converted to OTLP and decoded again by the ingest path are equal to the originals,
    /// with resources and scopes grouped as sent.
    #[test]
    fn spans_survive_the_round_trip() {
        let shared = crate::test_util::resource("a");
        let mut one = crate::test_util::span(
            1,
            1,
            vec![
                KeyValue::new("s", "x"),
                KeyValue::new(
                    "m",
                    AttrValue::Map(vec![KeyValue::new(
                        "k",
                        AttrValue::Array(vec![AttrValue::Int(1), AttrValue::Bytes(vec![7])]),
                    )]),
                ),
            ],
        );
        one.resource = Arc::clone(&shared);
        one.events.push(Event {
            time_unix_nano: 5,
            name: "e".into(),
            attributes: Attributes::new(),
            dropped_attributes_count: 1,
        });
        one.status.code = StatusCode::Error;
        one.parent_span_id = Some(flightdeck_model::SpanId::from_array([4; 8]).unwrap());
        let mut two = crate::test_util::span(1, 2, vec![]);
        two.resource = Arc::clone(&shared);
        let three = crate::test_util::span(2, 1, vec![]);
        let spans = vec![one, two, three];
        let request = traces_request(&spans);
        assert_eq!(request.resource_spans.len(), 2);
        assert_eq!(request.resource_spans[0].scope_spans[0].spans.len(), 2);
        let back = decode::convert_traces(request, &Limits::default());
        assert_eq!(back.rejected, 0);
        assert_eq!(back.items, spans);
    }

    /// Log records survive the round trip too, including an empty body and a missing trace.
    #[test]
    fn logs_survive_the_round_trip() {
        let logs = vec![
            crate::test_util::log(Some(3), AttrValue::Str("hello".into())),
            crate::test_util::log(None, AttrValue::Empty),
        ];
        let back = decode::convert_logs(logs_request(&logs), &Limits::default());
        assert_eq!(back.items, logs);
    }
}
