//! Spans and log records flattened into rows, ready for any backend to append.
//!
//! Building rows (JSON encoding of attributes, per-trace summaries) is the expensive part of a
//! write; it runs on the ingest threads, so the single store writer only appends.

use std::collections::HashMap;
use std::sync::Arc;

use flightdeck_model::{AttrValue, Attributes, LogRecord, Resource, Scope, Span};
use xxhash_rust::xxh3::xxh3_64;

/// One span as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRow {
    /// Trace id as a big-endian integer.
    pub trace_id: u128,
    /// Span id as a big-endian integer.
    pub span_id: u64,
    /// Parent span id, `None` for roots.
    pub parent_span_id: Option<u64>,
    /// Start, ns since the epoch.
    pub start_ns: i64,
    /// End, ns since the epoch.
    pub end_ns: i64,
    /// Span name.
    pub name: String,
    /// OTLP span kind number.
    pub kind: u8,
    /// OTLP status code number.
    pub status_code: u8,
    /// Status message, if any.
    pub status_message: Option<String>,
    /// `service.name` of the resource.
    pub service_name: Arc<str>,
    /// `service.version` of the resource.
    pub service_version: Option<Arc<str>>,
    /// Id of the row in the resources table.
    pub resource_id: u64,
    /// Scope name.
    pub scope_name: Arc<str>,
    /// Scope version.
    pub scope_version: Option<Arc<str>>,
    /// Scope attributes and schema URL as JSON, when there are any.
    pub scope_extra: Option<Arc<str>>,
    /// W3C trace state.
    pub trace_state: Option<String>,
    /// Trace flags.
    pub flags: u32,
    /// Attributes as a JSON object.
    pub attributes: String,
    /// Events as a JSON array, when there are any.
    pub events: Option<String>,
    /// Links as a JSON array, when there are any.
    pub links: Option<String>,
    /// Client-side dropped counts: attributes, events, links.
    pub dropped: [u32; 3],
    /// The typed GenAI view.
    pub genai: flightdeck_model::GenAi,
    /// The typed GenAI view as JSON, when the span has one.
    pub genai_json: Option<String>,
    /// Values of the batch's [`WriteBatch::indexed_keys`], in that order: the span's attribute,
    /// else its resource's, rendered as [`AttrValue::to_display_string`] does.
    pub indexed: Vec<Option<String>>,
}

/// One log record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    /// Event time (or observed time), ns since the epoch.
    pub time_ns: i64,
    /// Observed time, ns since the epoch.
    pub observed_ns: i64,
    /// Trace id, if any.
    pub trace_id: Option<u128>,
    /// Span id, if any.
    pub span_id: Option<u64>,
    /// Severity number.
    pub severity_number: i32,
    /// Severity text.
    pub severity_text: Option<String>,
    /// Event name.
    pub event_name: Option<String>,
    /// Body as JSON.
    pub body: String,
    /// Attributes as a JSON object.
    pub attributes: String,
    /// `service.name`.
    pub service_name: Arc<str>,
    /// Id of the row in the resources table.
    pub resource_id: u64,
    /// Scope name.
    pub scope_name: Arc<str>,
    /// Scope version.
    pub scope_version: Option<Arc<str>>,
    /// Flags.
    pub flags: u32,
    /// Attributes the client dropped.
    pub dropped_attributes: u32,
}

/// A resource, stored once and referenced by id.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    /// Content hash of the resource.
    pub resource_id: u64,
    /// Attributes as a JSON object.
    pub attributes: String,
    /// Schema URL.
    pub schema_url: Option<String>,
    /// Client-side dropped attribute count.
    pub dropped_attributes: u32,
}

/// What one write batch contributes to one trace's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePart {
    /// The trace.
    pub trace_id: u128,
    /// Earliest span start in this batch.
    pub start_ns: i64,
    /// Latest span end in this batch.
    pub end_ns: i64,
    /// Spans in this batch.
    pub span_count: u32,
    /// Error spans in this batch.
    pub error_count: u32,
    /// GenAI spans in this batch.
    pub genai_count: u32,
    /// Input tokens of GenAI spans in this batch.
    pub input_tokens: i64,
    /// Output tokens of GenAI spans in this batch.
    pub output_tokens: i64,
    /// Cost of GenAI spans in this batch, USD.
    pub cost_total: f64,
    /// Service of the root span, if the root is in this batch.
    pub root_service: Option<Arc<str>>,
    /// Name of the root span, if the root is in this batch.
    pub root_name: Option<String>,
    /// Distinct services in this batch.
    pub services: Vec<Arc<str>>,
}

/// Rows for one write, built off the writer thread.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WriteBatch {
    /// Span rows.
    pub spans: Vec<SpanRow>,
    /// Log rows.
    pub logs: Vec<LogRow>,
    /// Resources referenced by the rows (the backend skips ones it already has).
    pub resources: Vec<ResourceRow>,
    /// Per-trace summaries of the spans.
    pub trace_parts: Vec<TracePart>,
    /// The attribute keys whose values each span row carries in [`SpanRow::indexed`] (the
    /// store's indexed attributes, see [`crate::Writer::indexed_attributes`]).
    pub indexed_keys: Arc<[String]>,
}

fn to_i64(ns: u64) -> i64 {
    i64::try_from(ns).unwrap_or(i64::MAX)
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Per-batch cache: spans of one request share their resource and scope `Arc`s, so encode each
/// once.
#[derive(Default)]
struct Interner {
    resources: HashMap<*const Resource, ResourceInfo>,
    scopes: HashMap<*const Scope, ScopeInfo>,
}

#[derive(Clone)]
struct ResourceInfo {
    id: u64,
    service_name: Arc<str>,
    service_version: Option<Arc<str>>,
}

#[derive(Clone)]
struct ScopeInfo {
    name: Arc<str>,
    version: Option<Arc<str>>,
    extra: Option<Arc<str>>,
}

impl Interner {
    fn resource(&mut self, resource: &Arc<Resource>, out: &mut Vec<ResourceRow>) -> ResourceInfo {
        self.resources
            .entry(Arc::as_ptr(resource))
            .or_insert_with(|| {
                let attributes = resource.attributes.to_json_string();
                let mut key = attributes.clone();
                key.push('\u{0}');
                key.push_str(&resource.schema_url);
                let id = xxh3_64(key.as_bytes());
                out.push(ResourceRow {
                    resource_id: id,
                    attributes,
                    schema_url: non_empty(&resource.schema_url),
                    dropped_attributes: resource.dropped_attributes_count,
                });
                ResourceInfo {
                    id,
                    service_name: Arc::from(resource.service_name()),
                    service_version: resource.service_version().map(Arc::from),
                }
            })
            .clone()
    }

    fn scope(&mut self, scope: &Arc<Scope>) -> ScopeInfo {
        self.scopes
            .entry(Arc::as_ptr(scope))
            .or_insert_with(|| ScopeInfo {
                name: Arc::from(scope.name.as_str()),
                version: (!scope.version.is_empty()).then(|| Arc::from(scope.version.as_str())),
                extra: (!scope.attributes.is_empty() || !scope.schema_url.is_empty()).then(|| {
                    Arc::from(
                        serde_json::json!({
                            "attributes": scope.attributes,
                            "schema_url": scope.schema_url,
                        })
                        .to_string(),
                    )
                }),
            })
            .clone()
    }
}

/// The value an indexed attribute takes: the span's attribute `key`, else the resource's.
fn indexed_value(span: &Attributes, resource: &Attributes, key: &str) -> Option<String> {
    span.get(key)
        .or_else(|| resource.get(key))
        .filter(|v| !matches!(v, AttrValue::Empty))
        .map(AttrValue::to_display_string)
}

impl WriteBatch {
    /// Builds rows for spans.
    pub fn from_spans(spans: &[Span]) -> WriteBatch {
        Self::from_spans_indexing(spans, &Arc::from([]))
    }

    /// Builds rows for spans, with the values of the attributes `indexed_keys` (see
    /// [`SpanRow::indexed`]).
    pub fn from_spans_indexing(spans: &[Span], indexed_keys: &Arc<[String]>) -> WriteBatch {
        let mut batch = WriteBatch {
            indexed_keys: Arc::clone(indexed_keys),
            ..WriteBatch::default()
        };
        batch.add_spans(spans);
        batch
    }

    /// Rebuilds [`SpanRow::indexed`] of every span for `keys`, from the rows' attribute JSON
    /// (slower than building the rows with the keys, see [`WriteBatch::from_spans_indexing`]).
    /// Every span's resource must be in [`WriteBatch::resources`]; a missing one counts as
    /// having no attributes.
    pub fn reindex(&mut self, keys: &Arc<[String]>) {
        let resources: HashMap<u64, Attributes> = self
            .resources
            .iter()
            .map(|r| {
                let attributes = Attributes::from_json_str(&r.attributes).unwrap_or_default();
                (r.resource_id, attributes)
            })
            .collect();
        let none = Attributes::new();
        for row in &mut self.spans {
            let attributes = Attributes::from_json_str(&row.attributes).unwrap_or_default();
            let resource = resources.get(&row.resource_id).unwrap_or(&none);
            row.indexed = keys
                .iter()
                .map(|key| indexed_value(&attributes, resource, key))
                .collect();
        }
        self.indexed_keys = Arc::clone(keys);
    }

    /// Builds rows for log records.
    pub fn from_logs(logs: &[LogRecord]) -> WriteBatch {
        let mut batch = WriteBatch::default();
        batch.add_logs(logs);
        batch
    }

    /// Number of span and log rows.
    pub fn len(&self) -> usize {
        self.spans.len() + self.logs.len()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds span rows and their trace summaries.
    pub fn add_spans(&mut self, spans: &[Span]) {
        let mut interner = Interner::default();
        let mut parts: HashMap<u128, TracePart> = HashMap::new();
        self.spans.reserve(spans.len());
        for span in spans {
            let resource = interner.resource(&span.resource, &mut self.resources);
            let scope = interner.scope(&span.scope);
            let trace_id = span.trace_id.to_int();
            let start_ns = to_i64(span.start_time_unix_nano);
            let end_ns = to_i64(span.end_time_unix_nano.max(span.start_time_unix_nano));
            let is_genai = span.genai.operation.is_some();
            let is_model_call = crate::is_model_call(span.genai.operation.as_deref());

            let part = parts.entry(trace_id).or_insert_with(|| TracePart {
                trace_id,
                start_ns,
                end_ns,
                span_count: 0,
                error_count: 0,
                genai_count: 0,
                input_tokens: 0,
                output_tokens: 0,
                cost_total: 0.0,
                root_service: None,
                root_name: None,
                services: Vec::new(),
            });
            part.start_ns = part.start_ns.min(start_ns);
            part.end_ns = part.end_ns.max(end_ns);
            part.span_count += 1;
            part.error_count += u32::from(span.is_error());
            part.genai_count += u32::from(is_genai);
            // Only model calls: agent spans may carry roll-ups of their children's usage.
            if is_model_call {
                part.input_tokens += span.genai.usage.input_tokens.unwrap_or(0);
                part.output_tokens += span.genai.usage.output_tokens.unwrap_or(0);
                part.cost_total += span.genai.cost.as_ref().map_or(0.0, |c| c.total);
            }
            if span.parent_span_id.is_none() {
                part.root_service = Some(Arc::clone(&resource.service_name));
                part.root_name = Some(span.name.clone());
            }
            if !part.services.contains(&resource.service_name) {
                part.services.push(Arc::clone(&resource.service_name));
            }

            self.spans.push(SpanRow {
                trace_id,
                span_id: span.span_id.to_int(),
                parent_span_id: span.parent_span_id.map(|p| p.to_int()),
                start_ns,
                end_ns,
                name: span.name.clone(),
                kind: span.kind.to_otlp() as u8,
                status_code: span.status.code.to_otlp() as u8,
                status_message: non_empty(&span.status.message),
                service_name: resource.service_name,
                service_version: resource.service_version,
                resource_id: resource.id,
                scope_name: scope.name,
                scope_version: scope.version,
                scope_extra: scope.extra,
                trace_state: non_empty(&span.trace_state),
                flags: span.flags,
                attributes: span.attributes.to_json_string(),
                events: (!span.events.is_empty())
                    .then(|| serde_json::to_string(&span.events).unwrap_or_default()),
                links: (!span.links.is_empty())
                    .then(|| serde_json::to_string(&span.links).unwrap_or_default()),
                dropped: [
                    span.dropped_attributes_count,
                    span.dropped_events_count,
                    span.dropped_links_count,
                ],
                genai_json: (!span.genai.is_empty())
                    .then(|| serde_json::to_string(&span.genai).unwrap_or_default()),
                genai: span.genai.clone(),
                indexed: self
                    .indexed_keys
                    .iter()
                    .map(|key| indexed_value(&span.attributes, &span.resource.attributes, key))
                    .collect(),
            });
        }
        self.trace_parts.extend(parts.into_values());
    }

    /// Adds log rows.
    pub fn add_logs(&mut self, logs: &[LogRecord]) {
        let mut interner = Interner::default();
        self.logs.reserve(logs.len());
        for log in logs {
            let resource = interner.resource(&log.resource, &mut self.resources);
            let scope = interner.scope(&log.scope);
            self.logs.push(LogRow {
                time_ns: to_i64(log.effective_time()),
                observed_ns: to_i64(log.observed_time_unix_nano),
                trace_id: log.trace_id.map(|t| t.to_int()),
                span_id: log.span_id.map(|s| s.to_int()),
                severity_number: log.severity_number,
                severity_text: non_empty(&log.severity_text),
                event_name: non_empty(&log.event_name),
                body: serde_json::to_string(&log.body).unwrap_or_else(|_| "null".into()),
                attributes: log.attributes.to_json_string(),
                service_name: resource.service_name,
                resource_id: resource.id,
                scope_name: scope.name,
                scope_version: scope.version,
                flags: log.flags,
                dropped_attributes: log.dropped_attributes_count,
            });
        }
    }
}
