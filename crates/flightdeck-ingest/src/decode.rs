//! Wire bytes → OTLP messages → the Flightdeck model.
//!
//! Decoding a body is all-or-nothing (malformed bytes reject the request); converting messages to
//! the model is per item: an item with invalid ids is rejected and counted, its neighbours are kept.

use std::sync::Arc;

use flightdeck_model::{
    AttrValue, Attributes, Event, KeyValue, Link, LogRecord, Resource, Scope, Span, SpanId,
    SpanKind, Status, StatusCode, TraceId,
};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as pb_common;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use prost::Message;
use serde::de::DeserializeOwned;

use crate::limits::{Limits, Truncations, truncate_utf8};

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`
    Protobuf,
    /// `application/json` (OTLP/JSON: hex ids, integer enums, int64 as strings or numbers)
    Json,
}

/// Why a body could not be decoded at all.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Malformed protobuf.
    #[error("invalid protobuf {message}: {source}")]
    Protobuf {
        /// The message type that was expected.
        message: &'static str,
        /// What prost reported (names the field).
        source: prost::DecodeError,
    },
    /// Malformed or mistyped OTLP/JSON.
    #[error("invalid OTLP/JSON {message} at `{path}`: {detail}")]
    Json {
        /// The message type that was expected.
        message: &'static str,
        /// JSON path of the offending value.
        path: String,
        /// What was wrong there.
        detail: String,
    },
}

fn decode_message<M: Message + Default + DeserializeOwned>(
    body: &[u8],
    encoding: Encoding,
    name: &'static str,
) -> Result<M, DecodeError> {
    match encoding {
        Encoding::Protobuf => M::decode(body).map_err(|source| DecodeError::Protobuf {
            message: name,
            source,
        }),
        Encoding::Json => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let message: M =
                serde_path_to_error::deserialize(&mut de).map_err(|err| DecodeError::Json {
                    message: name,
                    path: err.path().to_string(),
                    detail: err.inner().to_string(),
                })?;
            de.end().map_err(|err| DecodeError::Json {
                message: name,
                path: ".".into(),
                detail: err.to_string(),
            })?;
            Ok(message)
        }
    }
}

/// Decodes an `ExportTraceServiceRequest`.
pub fn decode_traces(
    body: &[u8],
    encoding: Encoding,
) -> Result<ExportTraceServiceRequest, DecodeError> {
    decode_message(body, encoding, "ExportTraceServiceRequest")
}

/// Decodes an `ExportLogsServiceRequest`.
pub fn decode_logs(
    body: &[u8],
    encoding: Encoding,
) -> Result<ExportLogsServiceRequest, DecodeError> {
    decode_message(body, encoding, "ExportLogsServiceRequest")
}

/// Decodes an `ExportMetricsServiceRequest`.
pub fn decode_metrics(
    body: &[u8],
    encoding: Encoding,
) -> Result<ExportMetricsServiceRequest, DecodeError> {
    decode_message(body, encoding, "ExportMetricsServiceRequest")
}

/// The result of converting one request's items: what was kept, what was rejected and why.
#[derive(Debug)]
pub struct Converted<T> {
    /// The valid items.
    pub items: Vec<T>,
    /// Number of items rejected.
    pub rejected: u64,
    /// A readable reason for the rejections (the first few, with their positions).
    pub reject_message: Option<String>,
    /// What the caps cut from the kept items.
    pub truncations: Truncations,
}

impl<T> Default for Converted<T> {
    fn default() -> Self {
        Converted {
            items: Vec::new(),
            rejected: 0,
            reject_message: None,
            truncations: Truncations::default(),
        }
    }
}

impl<T> Converted<T> {
    fn reject(&mut self, message: String) {
        const MAX_LISTED: u64 = 3;
        self.rejected += 1;
        if self.rejected <= MAX_LISTED {
            let text = self.reject_message.get_or_insert_with(String::new);
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&message);
        } else if self.rejected == MAX_LISTED + 1
            && let Some(text) = self.reject_message.as_mut()
        {
            text.push_str("; ...");
        }
    }
}

/// Converts a trace export request to model spans, applying `limits`.
pub fn convert_traces(request: ExportTraceServiceRequest, limits: &Limits) -> Converted<Span> {
    let mut out = Converted::default();
    let capacity = request
        .resource_spans
        .iter()
        .flat_map(|rs| rs.scope_spans.iter())
        .map(|ss| ss.spans.len())
        .sum();
    out.items.reserve(capacity);
    let mut cx = Cx {
        limits,
        truncations: Truncations::default(),
    };
    for (ri, rs) in request.resource_spans.into_iter().enumerate() {
        let resource = Arc::new(cx.resource(rs.resource, rs.schema_url));
        for (si, ss) in rs.scope_spans.into_iter().enumerate() {
            let scope = Arc::new(cx.scope(ss.scope, ss.schema_url));
            for (pi, span) in ss.spans.into_iter().enumerate() {
                match cx.span(span, &resource, &scope) {
                    Ok(span) => out.items.push(span),
                    Err(why) => out.reject(format!(
                        "resource_spans[{ri}].scope_spans[{si}].spans[{pi}]: {why}"
                    )),
                }
            }
        }
    }
    out.truncations = cx.truncations;
    out
}

/// Converts a logs export request to model log records, applying `limits`.
pub fn convert_logs(request: ExportLogsServiceRequest, limits: &Limits) -> Converted<LogRecord> {
    let mut out = Converted::default();
    let mut cx = Cx {
        limits,
        truncations: Truncations::default(),
    };
    for (ri, rl) in request.resource_logs.into_iter().enumerate() {
        let resource = Arc::new(cx.resource(rl.resource, rl.schema_url));
        for (si, sl) in rl.scope_logs.into_iter().enumerate() {
            let scope = Arc::new(cx.scope(sl.scope, sl.schema_url));
            for (li, record) in sl.log_records.into_iter().enumerate() {
                match cx.log(record, &resource, &scope) {
                    Ok(record) => out.items.push(record),
                    Err(why) => out.reject(format!(
                        "resource_logs[{ri}].scope_logs[{si}].log_records[{li}]: {why}"
                    )),
                }
            }
        }
    }
    out.truncations = cx.truncations;
    out
}

/// Counts the data points of a metrics export request (metrics are accepted and counted; storing
/// them comes later).
pub fn count_metric_points(request: &ExportMetricsServiceRequest) -> u64 {
    request
        .resource_metrics
        .iter()
        .flat_map(|rm| rm.scope_metrics.iter())
        .flat_map(|sm| sm.metrics.iter())
        .map(|m| match &m.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        } as u64)
        .sum()
}

/// Conversion context: the limits and a running count of what they cut.
struct Cx<'a> {
    limits: &'a Limits,
    truncations: Truncations,
}

impl Cx<'_> {
    fn resource(
        &mut self,
        resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
        schema_url: String,
    ) -> Resource {
        let resource = resource.unwrap_or_default();
        let mut dropped = resource.dropped_attributes_count;
        Resource {
            attributes: self.attributes(resource.attributes, &mut dropped),
            dropped_attributes_count: dropped,
            schema_url,
        }
    }

    fn scope(
        &mut self,
        scope: Option<pb_common::InstrumentationScope>,
        schema_url: String,
    ) -> Scope {
        let scope = scope.unwrap_or_default();
        let mut dropped = scope.dropped_attributes_count;
        Scope {
            name: scope.name,
            version: scope.version,
            attributes: self.attributes(scope.attributes, &mut dropped),
            schema_url,
        }
    }

    fn span(
        &mut self,
        span: opentelemetry_proto::tonic::trace::v1::Span,
        resource: &Arc<Resource>,
        scope: &Arc<Scope>,
    ) -> Result<Span, String> {
        let trace_id = TraceId::from_bytes(&span.trace_id).map_err(|e| e.to_string())?;
        let span_id = SpanId::from_bytes(&span.span_id).map_err(|e| e.to_string())?;
        let parent_span_id = match span.parent_span_id.len() {
            0 => None,
            // An all-zero parent is how some clients write "no parent".
            _ if span.parent_span_id.iter().all(|b| *b == 0) => None,
            _ => Some(SpanId::from_bytes(&span.parent_span_id).map_err(|e| format!("parent_{e}"))?),
        };

        let mut dropped_attributes = span.dropped_attributes_count;
        let attributes = self.attributes(span.attributes, &mut dropped_attributes);

        let mut dropped_events = span.dropped_events_count;
        let mut events = span.events;
        if events.len() > self.limits.max_events_per_span {
            let cut = events.len() - self.limits.max_events_per_span;
            events.truncate(self.limits.max_events_per_span);
            dropped_events = dropped_events.saturating_add(cut as u32);
            self.truncations.events_dropped += cut as u64;
        }
        let events = events
            .into_iter()
            .map(|e| {
                let mut dropped = e.dropped_attributes_count;
                Event {
                    time_unix_nano: e.time_unix_nano,
                    name: e.name,
                    attributes: self.attributes(e.attributes, &mut dropped),
                    dropped_attributes_count: dropped,
                }
            })
            .collect();

        let mut dropped_links = span.dropped_links_count;
        let mut links = Vec::with_capacity(span.links.len().min(self.limits.max_links_per_span));
        for (i, link) in span.links.into_iter().enumerate() {
            if i >= self.limits.max_links_per_span {
                dropped_links = dropped_links.saturating_add(1);
                self.truncations.links_dropped += 1;
                continue;
            }
            let trace_id =
                TraceId::from_bytes(&link.trace_id).map_err(|e| format!("links[{i}].{e}"))?;
            let span_id =
                SpanId::from_bytes(&link.span_id).map_err(|e| format!("links[{i}].{e}"))?;
            let mut dropped = link.dropped_attributes_count;
            links.push(Link {
                trace_id,
                span_id,
                trace_state: link.trace_state,
                attributes: self.attributes(link.attributes, &mut dropped),
                dropped_attributes_count: dropped,
                flags: link.flags,
            });
        }

        let status = span.status.unwrap_or_default();
        Ok(Span {
            trace_id,
            span_id,
            parent_span_id,
            trace_state: span.trace_state,
            flags: span.flags,
            name: span.name,
            kind: SpanKind::from_otlp(span.kind),
            start_time_unix_nano: span.start_time_unix_nano,
            end_time_unix_nano: span.end_time_unix_nano,
            attributes,
            dropped_attributes_count: dropped_attributes,
            events,
            dropped_events_count: dropped_events,
            links,
            dropped_links_count: dropped_links,
            status: Status {
                code: StatusCode::from_otlp(status.code),
                message: status.message,
            },
            resource: Arc::clone(resource),
            scope: Arc::clone(scope),
            genai: Default::default(),
        })
    }

    fn log(
        &mut self,
        record: opentelemetry_proto::tonic::logs::v1::LogRecord,
        resource: &Arc<Resource>,
        scope: &Arc<Scope>,
    ) -> Result<LogRecord, String> {
        let trace_id = optional_id(&record.trace_id, TraceId::from_bytes)?;
        let span_id = optional_id(&record.span_id, SpanId::from_bytes)?;
        let mut dropped = record.dropped_attributes_count;
        let attributes = self.attributes(record.attributes, &mut dropped);
        let event_name = if record.event_name.is_empty() {
            attributes
                .get_str("event.name")
                .unwrap_or_default()
                .to_owned()
        } else {
            record.event_name
        };
        Ok(LogRecord {
            time_unix_nano: record.time_unix_nano,
            observed_time_unix_nano: record.observed_time_unix_nano,
            severity_number: record.severity_number,
            severity_text: record.severity_text,
            event_name,
            body: record.body.map(|b| self.value(b, 0)).unwrap_or_default(),
            attributes,
            dropped_attributes_count: dropped,
            flags: record.flags,
            trace_id,
            span_id,
            resource: Arc::clone(resource),
            scope: Arc::clone(scope),
        })
    }

    fn attributes(&mut self, list: Vec<pb_common::KeyValue>, dropped: &mut u32) -> Attributes {
        let max = self.limits.max_attributes;
        if list.len() > max {
            let cut = list.len() - max;
            *dropped = dropped.saturating_add(cut as u32);
            self.truncations.attributes_dropped += cut as u64;
        }
        let mut out = Vec::with_capacity(list.len().min(max));
        for kv in list.into_iter().take(max) {
            let value = kv.value.map(|v| self.value(v, 0)).unwrap_or_default();
            out.push(KeyValue { key: kv.key, value });
        }
        Attributes(out)
    }

    fn value(&mut self, value: pb_common::AnyValue, depth: usize) -> AttrValue {
        use pb_common::any_value::Value;
        // Nesting deeper than this is almost certainly hostile; keep the structure bounded.
        const MAX_DEPTH: usize = 32;
        let max_len = self.limits.max_attribute_value_bytes;
        match value.value {
            None | Some(Value::StringValueStrindex(_)) => AttrValue::Empty,
            Some(Value::StringValue(mut s)) => {
                if truncate_utf8(&mut s, max_len) {
                    self.truncations.values_truncated += 1;
                }
                AttrValue::Str(s)
            }
            Some(Value::BoolValue(b)) => AttrValue::Bool(b),
            Some(Value::IntValue(i)) => AttrValue::Int(i),
            Some(Value::DoubleValue(d)) => AttrValue::Double(d),
            Some(Value::BytesValue(mut b)) => {
                if b.len() > max_len {
                    b.truncate(max_len);
                    self.truncations.values_truncated += 1;
                }
                AttrValue::Bytes(b)
            }
            Some(_) if depth >= MAX_DEPTH => {
                self.truncations.values_truncated += 1;
                AttrValue::Empty
            }
            Some(Value::ArrayValue(array)) => {
                let max = self.limits.max_attributes;
                if array.values.len() > max {
                    self.truncations.values_truncated += 1;
                }
                AttrValue::Array(
                    array
                        .values
                        .into_iter()
                        .take(max)
                        .map(|v| self.value(v, depth + 1))
                        .collect(),
                )
            }
            Some(Value::KvlistValue(list)) => {
                let max = self.limits.max_attributes;
                if list.values.len() > max {
                    self.truncations.values_truncated += 1;
                }
                AttrValue::Map(
                    list.values
                        .into_iter()
                        .take(max)
                        .map(|kv| KeyValue {
                            key: kv.key,
                            value: kv
                                .value
                                .map(|v| self.value(v, depth + 1))
                                .unwrap_or_default(),
                        })
                        .collect(),
                )
            }
        }
    }
}

/// Reads an optional id field of a log record: empty or all-zero means absent.
fn optional_id<T, E: std::fmt::Display>(
    bytes: &[u8],
    parse: impl Fn(&[u8]) -> Result<T, E>,
) -> Result<Option<T>, String> {
    if bytes.is_empty() || bytes.iter().all(|b| *b == 0) {
        return Ok(None);
    }
    parse(bytes).map(Some).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::resource::v1::Resource as PbResource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span as PbSpan};

    fn pb_kv(key: &str, value: &str) -> pb_common::KeyValue {
        pb_common::KeyValue {
            key: key.into(),
            value: Some(pb_common::AnyValue {
                value: Some(pb_common::any_value::Value::StringValue(value.into())),
            }),
            ..Default::default()
        }
    }

    fn pb_span(trace_id: Vec<u8>, span_id: Vec<u8>) -> PbSpan {
        PbSpan {
            trace_id,
            span_id,
            name: "chat gpt-4o".into(),
            kind: 3,
            start_time_unix_nano: 1_000,
            end_time_unix_nano: 2_000,
            attributes: vec![pb_kv("gen_ai.request.model", "gpt-4o")],
            ..Default::default()
        }
    }

    fn request(spans: Vec<PbSpan>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(PbResource {
                    attributes: vec![pb_kv("service.name", "svc")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    /// Spans with bad ids are rejected one by one with their position; good neighbours are kept.
    #[test]
    fn rejects_bad_ids_keeps_the_rest() {
        let req = request(vec![
            pb_span(vec![1; 16], vec![2; 8]),
            pb_span(vec![1; 12], vec![2; 8]),
            pb_span(vec![0; 16], vec![2; 8]),
            pb_span(vec![3; 16], vec![4; 8]),
        ]);
        let out = convert_traces(req, &Limits::default());
        assert_eq!(out.items.len(), 2);
        assert_eq!(out.rejected, 2);
        let msg = out.reject_message.unwrap();
        assert!(
            msg.contains("spans[1]: trace_id must be 16 bytes, got 12"),
            "{msg}"
        );
        assert!(
            msg.contains("spans[2]: trace_id must not be all zeros"),
            "{msg}"
        );
        assert_eq!(out.items[0].resource.service_name(), "svc");
        assert_eq!(out.items[0].kind, SpanKind::Client);
    }

    /// Over-long values are cut and counted; attributes over the cap are dropped and counted.
    #[test]
    fn applies_caps() {
        let mut span = pb_span(vec![1; 16], vec![2; 8]);
        span.attributes.push(pb_kv("big", &"x".repeat(100)));
        let limits = Limits {
            max_attributes: 1,
            max_attribute_value_bytes: 10,
            ..Limits::default()
        };
        let mut req = request(vec![span.clone()]);
        let out = convert_traces(req.clone(), &limits);
        assert_eq!(out.items[0].attributes.len(), 1);
        assert_eq!(out.items[0].dropped_attributes_count, 1);
        assert_eq!(out.truncations.attributes_dropped, 1);
        req.resource_spans[0].scope_spans[0].spans[0]
            .attributes
            .reverse();
        let out = convert_traces(
            req,
            &Limits {
                max_attributes: 5,
                ..limits
            },
        );
        assert_eq!(
            out.items[0].attributes.get_str("big").map(str::len),
            Some(10)
        );
        assert_eq!(out.truncations.values_truncated, 1);
    }

    /// Malformed protobuf and JSON produce errors that name the message and the place.
    #[test]
    fn decode_errors_name_the_problem() {
        let err = decode_traces(&[0xff, 0xff, 0xff], Encoding::Protobuf).unwrap_err();
        assert!(
            err.to_string().contains("ExportTraceServiceRequest"),
            "{err}"
        );
        let err = decode_traces(
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}"#,
            Encoding::Json,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("resourceSpans[0].scopeSpans[0].spans[0].traceId"),
            "{text}"
        );
    }
}
