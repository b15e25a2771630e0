//! `search_traces`: traces matching filters, newest first, one line each.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::{Api, Query};
use crate::args::{FilterArgs, RangeArgs, Unknown, bounded};
use crate::error::ToolError;
use crate::format::Output;

/// What the agent reads in the tool list.
pub const DESCRIPTION: &str = "Find traces (requests) by time range and span filters, newest \
first: e.g. errors of one service, slow calls to a model, one user's or conversation's requests, \
spans with an attribute value. A trace matches when one of its spans matches all filters. Each \
line: trace_id, start, root span, duration, span and error counts, GenAI span count, tokens, \
cost. Drill down with get_trace(trace_id). Page with `cursor` from the previous answer.";

/// Arguments of `search_traces`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Args {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub range: RangeArgs,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    /// Traces per page, 1-100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Continue after the previous page: the `cursor` value it printed.
    pub cursor: Option<String>,
    #[serde(flatten)]
    #[schemars(skip)]
    #[allow(missing_docs)]
    pub unknown: Unknown,
}

/// Runs the search.
pub async fn run(api: &Api, args: Args) -> Result<String, ToolError> {
    args.unknown.check()?;
    let limit = bounded("limit", args.limit, 20, 100)?;
    let mut q = Query::new();
    args.range.push(&mut q, "1h");
    args.filter.push(&mut q)?;
    q.set("limit", limit.to_string());
    q.opt("cursor", args.cursor.as_deref());
    let body = api.get("/api/v1/traces", &q).await?;
    let traces = body["traces"].as_array().map(Vec::as_slice).unwrap_or(&[]);

    let mut out = Output::default();
    out.line(super::scope_line(
        &format!("{} trace(s), newest first", traces.len()),
        &body,
        &q,
    ));
    if traces.is_empty() {
        out.line(
            "no trace matches: widen the range (`since`, e.g. 24h or 7d) or drop filters; \
             overview lists the services and models that have data",
        );
        return Ok(out.finish(""));
    }
    out.line(super::TRACE_HEADER);
    for t in traces {
        out.line(super::trace_row(t));
    }
    if let Some(cursor) = body["next_cursor"].as_str() {
        out.line(format!(
            "more: call search_traces with the same arguments and cursor=\"{cursor}\""
        ));
    }
    out.line("next: get_trace(trace_id) for the span tree and errors of one trace");
    Ok(out.finish("lower `limit` or add filters"))
}
