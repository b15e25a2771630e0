// Helpers over /api/v1/analytics rows: group labels, the trace filters a group maps to, and time
// series with the empty buckets filled in.

import * as f from './format.js';

/** Analytics dimension → the search filter parameter that selects the same spans. */
const FILTER_OF = {
  provider: 'provider',
  model: 'model',
  response_model: 'model',
  operation: 'operation',
  service: 'service',
  service_version: 'service_version',
  agent: 'agent',
  tool: 'tool',
  user: 'user',
  conversation: 'conversation',
  error_type: 'error_type',
};

/** The label of a group: its values joined, `none` (default `(none)`) for missing ones. */
export function groupLabel(group, dims, none = '(none)') {
  const keys = dims ?? Object.keys(group ?? {});
  if (!keys.length) return 'all';
  return keys.map((k) => group?.[k] ?? none).join(' · ');
}

/** Search parameters selecting a group's spans (dimensions without a filter are left out). */
export function groupFilters(group) {
  const out = {};
  const attrs = [];
  for (const [dim, value] of Object.entries(group ?? {})) {
    if (value === null || value === undefined) continue;
    if (dim.startsWith('attr:')) attrs.push(`${dim.slice(5)}=${value}`);
    else if (FILTER_OF[dim]) out[FILTER_OF[dim]] = value;
  }
  if (attrs.length) out.attr = attrs;
  return out;
}

/**
 * Time series per group from time-series rows. `value(row)` picks the metric; missing buckets are
 * 0 when `zero` (counts, sums) and gaps otherwise (percentiles).
 */
export function seriesByGroup(rows, { dims, stepMs, startMs, endMs, value, zero, none }) {
  const buckets = [];
  const first = Math.floor(startMs / stepMs) * stepMs;
  for (let t = first; t < endMs && buckets.length < 10_000; t += stepMs) buckets.push(t);
  const groups = new Map();
  for (const row of rows) {
    const name = groupLabel(row.group, dims, none);
    let byTime = groups.get(name);
    if (!byTime) {
      byTime = new Map();
      groups.set(name, byTime);
    }
    byTime.set(Math.round(row.bucket_start_ns / 1e6), row);
  }
  return [...groups].map(([name, byTime]) => ({
    name,
    points: buckets.map((t) => {
      const row = byTime.get(t);
      if (!row) return [t, zero ? 0 : null];
      const v = value(row);
      return [t, v === undefined ? null : v];
    }),
  }));
}

/** Standard metric columns for a table of analytics rows. */
export function metricColumns({ ttft = false, context = false, detail = false } = {}) {
  const cols = [
    { label: 'Requests', num: true, value: (r) => f.int(r.requests) },
    { label: 'Errors', num: true, value: (r) => (r.errors ? `${f.int(r.errors)} (${f.pct(r.error_rate)})` : '0') },
    { label: 'p50', num: true, title: 'latency p50', value: (r) => f.duration(r.latency_ms.p50) },
    { label: 'p95', num: true, title: 'latency p95', value: (r) => f.duration(r.latency_ms.p95) },
    { label: 'p99', num: true, title: 'latency p99', value: (r) => f.duration(r.latency_ms.p99) },
  ];
  if (ttft) {
    cols.push(
      { label: 'TTFT p50', num: true, title: 'time to first chunk, streaming calls', value: (r) => f.duration(r.ttft_ms.p50) },
      { label: 'TTFT p95', num: true, value: (r) => f.duration(r.ttft_ms.p95) },
    );
  }
  cols.push(
    { label: 'Input tok', num: true, value: (r) => f.compact(r.tokens.input) },
    { label: 'Output tok', num: true, value: (r) => f.compact(r.tokens.output) },
  );
  if (detail) {
    cols.push(
      { label: 'Cache hit', num: true, title: 'cache-read ÷ input tokens', value: (r) => f.pct(r.cache_hit_ratio) },
      { label: 'Out tok/s', num: true, title: 'mean output tokens per second', value: (r) => (r.output_tokens_per_second == null ? null : r.output_tokens_per_second.toFixed(1)) },
    );
  }
  if (context) {
    cols.push({ label: 'Context p95', num: true, title: 'input tokens ÷ context window, p95', value: (r) => f.pct(r.context_window_use.p95, 0) });
  }
  cols.push({
    label: 'Cost',
    num: true,
    title: 'model calls with a known price; see "unpriced"',
    value: (r) => (r.unpriced && !r.cost.total ? 'unpriced' : f.cost(r.cost.total)),
  });
  return cols;
}
