//! Comparisons: two cohorts of model calls (model vs model, version vs version, window vs
//! window) on latency, TTFT, tokens, cost and errors with a noise verdict per statistic; and
//! the structural diff of two traces.

use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State};
use flightdeck_analysis::cohort::{self, CompareConfig};
use flightdeck_analysis::diff::{DiffConfig, diff_traces};
use flightdeck_model::TraceId;
use flightdeck_store::{SpanFilter, TimeRange};
use serde_json::{Map, Value, json};

use crate::params::Params;
use crate::{ApiError, AppState};

/// Largest `limit` (model calls sampled per cohort).
const MAX_SAMPLES: usize = 200_000;
/// Largest `limit` (entries per list) of a trace diff.
const MAX_DIFF_ENTRIES: usize = 5_000;

/// One cohort as parsed from the parameters.
struct Cohort {
    range: TimeRange,
    filter: SpanFilter,
}

impl Cohort {
    /// Parses the time range and span filters of `params`, naming the cohort in errors.
    fn parse(name: &str, mut params: Params) -> Result<Cohort, ApiError> {
        let named = |e: ApiError| match e {
            ApiError::BadRequest(m) => {
                ApiError::BadRequest(format!("cohort {name} ({name}.* parameters): {m}"))
            }
            other => other,
        };
        let range = params.range(Duration::from_secs(3600)).map_err(named)?;
        let filter = params.span_filter().map_err(named)?;
        params.finish().map_err(named)?;
        Ok(Cohort { range, filter })
    }
}

/// `GET /api/v1/compare`: cohort B against cohort A. Parameters prefixed `a.` / `b.` (any span
/// filter and `since` / `start` / `end`) define each cohort on top of unprefixed ones shared by
/// both; `limit` caps the model calls sampled per cohort (default 20,000), `alpha` is the
/// significance level (default 0.01).
pub async fn compare(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let a_params = params.split_prefix("a.");
    let b_params = params.split_prefix("b.");
    if a_params.is_empty() && b_params.is_empty() {
        return Err(ApiError::BadRequest(
            "give the cohorts with `a.<filter>` and `b.<filter>` parameters (e.g. \
             a.model=gpt-4o&b.model=gpt-4o-mini, or a.start=...&b.start=... for two windows)"
                .into(),
        ));
    }
    let limit = params.usize("limit", 20_000, MAX_SAMPLES)?;
    let config = CompareConfig {
        alpha: params.f64_in("alpha", CompareConfig::default().alpha, 0.0001, 0.25)?,
        ..CompareConfig::default()
    };
    // The shared parameters must stand on their own (so their errors name them unprefixed).
    let shared = params.duplicate();
    params.range(Duration::from_secs(3600))?;
    params.span_filter()?;
    params.finish()?;
    let a = Cohort::parse("a", a_params.over(&shared))?;
    let b = Cohort::parse("b", b_params.over(&shared))?;

    let (a_filter, b_filter) = (a.filter.clone(), b.filter.clone());
    let (a_range, b_range) = (a.range, b.range);
    let (a_samples, b_samples) = state
        .query(move |s| {
            // One more than the limit tells whether the cohort was sampled.
            Ok((
                s.samples(a_range, &a_filter, limit + 1)?,
                s.samples(b_range, &b_filter, limit + 1)?,
            ))
        })
        .await?;
    let convert = |samples: &[flightdeck_store::RequestSample]| -> Vec<cohort::RequestSample> {
        let count = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        samples
            .iter()
            .take(limit)
            .map(|s| cohort::RequestSample {
                latency_ms: s.latency_ms,
                ttft_ms: s.ttft_ms,
                input_tokens: count(s.input_tokens),
                output_tokens: count(s.output_tokens),
                cost_usd: s.cost_usd,
                error: s.error,
            })
            .collect()
    };
    let (a_requests, b_requests) = (convert(&a_samples), convert(&b_samples));
    let comparison = tokio::task::spawn_blocking(move || {
        cohort::compare_cohorts(&a_requests, &b_requests, &config)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let side = |c: &Cohort, samples: usize| {
        json!({
            "start_ns": c.range.start_ns,
            "end_ns": c.range.end_ns,
            "filters": filters_json(&c.filter),
            "sampled": samples > limit,
        })
    };
    Ok(Json(json!({
        "limit": limit,
        "a": side(&a, a_samples.len()),
        "b": side(&b, b_samples.len()),
        "comparison": comparison,
    })))
}

/// The filters that are set, as an object (`{"model": "gpt-4o", "attributes": [["k", "v"]]}`).
fn filters_json(filter: &SpanFilter) -> Value {
    let mut out = Map::new();
    if let Ok(Value::Object(all)) = serde_json::to_value(filter) {
        for (key, value) in all {
            let unset = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if !unset {
                out.insert(key, value);
            }
        }
    }
    Value::Object(out)
}

/// `GET /api/v1/diff?a=<trace>&b=<trace>`: what changed from trace A (the baseline) to trace
/// B: spans added and missing, slower and faster, token, cost, status and model changes.
pub async fn diff(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(raw.as_deref())?;
    let trace = |params: &mut Params, key: &str| -> Result<TraceId, ApiError> {
        let text = params.take(key).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{key}` (a trace id, 32 hex characters) is required"
            ))
        })?;
        text.parse()
            .map_err(|e| ApiError::BadRequest(format!("invalid `{key}` trace id {text:?}: {e}")))
    };
    let a = trace(&mut params, "a")?;
    let b = trace(&mut params, "b")?;
    let defaults = DiffConfig::default();
    let config = DiffConfig {
        min_duration_change: params
            .duration("min_duration_change")?
            .unwrap_or(defaults.min_duration_change),
        min_duration_ratio: params.f64_in(
            "min_duration_ratio",
            defaults.min_duration_ratio,
            0.0,
            1000.0,
        )?,
        max_entries: params.usize("limit", defaults.max_entries, MAX_DIFF_ENTRIES)?,
    };
    params.finish()?;
    let (spans_a, spans_b) = state.query(move |s| Ok((s.trace(a)?, s.trace(b)?))).await?;
    for (key, id, spans) in [("a", a, &spans_a), ("b", b, &spans_b)] {
        if spans.is_empty() {
            return Err(ApiError::NotFound(format!("trace {key} ({id}) not found")));
        }
    }
    let diff = tokio::task::spawn_blocking(move || diff_traces(&spans_a, &spans_b, &config))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!(diff)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the filters that are set are listed.
    #[test]
    fn lists_set_filters() {
        let filter = SpanFilter {
            model: Some("gpt-4o".into()),
            attributes: vec![("k".into(), "v".into())],
            ..SpanFilter::default()
        };
        assert_eq!(
            filters_json(&filter),
            json!({"model": "gpt-4o", "attributes": [["k", "v"]]})
        );
        assert_eq!(filters_json(&SpanFilter::default()), json!({}));
    }
}
