//! Ingest diagnostics: what arrived, what was rejected and why, and what is wrong with each
//! instrumentation (missing model / usage / provider / TTFT, deprecated names, dialects, content,
//! conformance findings).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_model::Span;
use serde::Serialize;
use serde_json::{Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// `GET /api/v1/diagnostics`: ingest counters with the recent rejection reasons, per-instrumentation
/// GenAI diagnostics since the server started, and models without a price (last 7 days).
pub async fn diagnostics(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(7 * 24 * 3600))?;
    params.finish()?;
    let instrumentations = match state.diagnostics.lock() {
        Ok(d) => d.snapshot(),
        Err(poisoned) => poisoned.into_inner().snapshot(),
    };
    let unpriced = state.query(move |s| s.unpriced_models(range)).await?;
    Ok(Json(json!({
        "ingest": state.ingest.snapshot(),
        "writer": state.writer.snapshot(),
        "instrumentations": instrumentations,
        "unpriced_models": unpriced,
    })))
}

/// One finding code within one instrumentation.
#[derive(Serialize)]
struct CodeSummary {
    code: String,
    severity: flightdeck_semconv::findings::Severity,
    spans: u64,
    attribute: Option<String>,
    example_message: String,
    example_trace_id: String,
    example_span_id: String,
}

/// Findings of one instrumentation (service + scope).
#[derive(Serialize)]
struct ScopeFindings {
    service: String,
    scope_name: String,
    scope_version: String,
    spans_checked: u64,
    spans_with_findings: u64,
    findings: Vec<CodeSummary>,
}

fn summarize(spans: &[Span]) -> Vec<ScopeFindings> {
    let mut groups: BTreeMap<(String, String, String), ScopeFindings> = BTreeMap::new();
    let mut codes: BTreeMap<(String, String, String), BTreeMap<String, CodeSummary>> =
        BTreeMap::new();
    for span in spans {
        let key = (
            span.resource.service_name().to_owned(),
            span.scope.name.clone(),
            span.scope.version.clone(),
        );
        let group = groups.entry(key.clone()).or_insert_with(|| ScopeFindings {
            service: key.0.clone(),
            scope_name: key.1.clone(),
            scope_version: key.2.clone(),
            spans_checked: 0,
            spans_with_findings: 0,
            findings: Vec::new(),
        });
        group.spans_checked += 1;
        let findings = flightdeck_semconv::findings(span);
        if !findings.is_empty() {
            group.spans_with_findings += 1;
        }
        let by_code = codes.entry(key).or_default();
        for finding in findings {
            let entry = by_code
                .entry(finding.code.clone())
                .or_insert_with(|| CodeSummary {
                    code: finding.code.clone(),
                    severity: finding.severity,
                    spans: 0,
                    attribute: finding.attribute.clone(),
                    example_message: finding.message.clone(),
                    example_trace_id: span.trace_id.to_hex(),
                    example_span_id: span.span_id.to_hex(),
                });
            entry.spans += 1;
        }
    }
    groups
        .into_iter()
        .map(|(key, mut group)| {
            let mut list: Vec<CodeSummary> = codes
                .remove(&key)
                .unwrap_or_default()
                .into_values()
                .collect();
            list.sort_by(|a, b| b.spans.cmp(&a.spans).then_with(|| a.code.cmp(&b.code)));
            group.findings = list;
            group
        })
        .collect()
}

/// `GET /api/v1/diagnostics/findings`: conformance findings of each instrumentation, checked on
/// its most recent GenAI spans (`per_scope`, default 200) in the range (default: last hour).
pub async fn findings(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let range = params.range(Duration::from_secs(3600))?;
    let per_scope = params.usize("per_scope", 200, 5000)?;
    params.finish()?;
    let spans = state
        .query(move |s| s.recent_genai_spans_per_scope(range, per_scope))
        .await?;
    let scopes = tokio::task::spawn_blocking(move || summarize(&spans))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!({
        "start_ns": range.start_ns,
        "end_ns": range.end_ns,
        "scopes": scopes,
    })))
}
