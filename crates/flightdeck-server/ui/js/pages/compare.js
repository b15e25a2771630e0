// Compare: two cohorts of model calls side by side (e.g. model A vs model B, version 1.4 vs 1.5)
// with the differences and whether they are larger than noise (`/api/v1/compare`), and two traces
// side by side: what was added, went missing, got slower or more expensive (`/api/v1/diff`). The
// cohorts and traces are kept in the URL.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { chip, errorBox, section, table } from '../components.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Compare';

const COHORT_FIELDS = [
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['service_version', 'Service version'],
  ['agent', 'Agent'],
  ['operation', 'GenAI operation'],
  ['user', 'User'],
];

const TRACE_ID = /^[0-9a-f]{32}$/;

export function mount(root, ctx) {
  const inputs = { a: {}, b: {} };
  const cohort = (side) => h('div', null,
    h('h3', null, `Cohort ${side.toUpperCase()}${side === 'a' ? ' (baseline)' : ''}`),
    h('div', { class: 'filters' }, COHORT_FIELDS.map(([key, label]) => {
      inputs[side][key] = h('input', { type: 'text', name: `${side}.${key}`, value: ctx.params.get(`${side}.${key}`) ?? '', autocomplete: 'off' });
      return h('label', null, label, inputs[side][key]);
    })));
  const form = h('form', {
    id: 'compare-cohorts',
    onsubmit: (e) => {
      e.preventDefault();
      const next = {};
      for (const side of ['a', 'b']) for (const [key] of COHORT_FIELDS) next[`${side}.${key}`] = inputs[side][key].value.trim();
      next.trace_a = traceA.value.trim().toLowerCase();
      next.trace_b = traceB.value.trim().toLowerCase();
      ctx.navigate(href('/compare', next));
    },
  },
  h('div', { class: 'grid two' }, cohort('a'), cohort('b')),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Compare')));

  const traceA = h('input', { type: 'text', name: 'trace_a', placeholder: 'trace id A (baseline)', value: ctx.params.get('trace_a') ?? '', form: 'compare-cohorts', autocomplete: 'off', size: 36 });
  const traceB = h('input', { type: 'text', name: 'trace_b', placeholder: 'trace id B', value: ctx.params.get('trace_b') ?? '', form: 'compare-cohorts', autocomplete: 'off', size: 36 });
  const cohorts = h('div', { id: 'cohort-comparison' });
  const diff = h('div', { id: 'trace-diff' });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Compare'), h('span', { class: 'sub' }, rangeLabel(ctx.params))),
    section('Two cohorts', {}, form, cohorts),
    section('Two traces', {},
      h('div', { class: 'form-actions', style: { marginTop: 0 } }, traceA, traceB,
        h('button', { type: 'submit', form: 'compare-cohorts' }, 'Compare traces')),
      diff));

  async function loadCohorts(opts) {
    const params = { ...ctx.range };
    let any = false;
    for (const side of ['a', 'b']) {
      for (const [key] of COHORT_FIELDS) {
        const v = ctx.params.get(`${side}.${key}`);
        if (v) {
          params[`${side}.${key}`] = v;
          any = true;
        }
      }
    }
    if (!any) {
      replace(cohorts, h('p', { class: 'sub' }, 'Give each cohort a filter (say model gpt-4o against gpt-4o-mini, or service version 1.4 against 1.5) to compare their model calls over the time range: latency, time to first token, tokens, cost and errors, with whether each difference is larger than noise.'));
      return;
    }
    try {
      replace(cohorts, renderCohorts(await api.get('/compare', params, opts)));
    } catch (e) {
      if (api.isAbort(e)) throw e;
      replace(cohorts, errorBox('the cohort comparison', e));
    }
  }

  async function loadDiff(opts) {
    const a = (ctx.params.get('trace_a') ?? '').trim().toLowerCase();
    const b = (ctx.params.get('trace_b') ?? '').trim().toLowerCase();
    if (!a && !b) {
      replace(diff, h('p', { class: 'sub' }, 'Give two trace ids (the baseline first) to see what was added, what went missing and what got slower or more expensive from one run to the other.'));
      return;
    }
    for (const [name, id] of [['A', a], ['B', b]]) {
      if (!TRACE_ID.test(id)) {
        replace(diff, errorBox('the trace diff', { message: `trace ${name}: ${JSON.stringify(id)} is not a trace id (32 hex characters)` }));
        return;
      }
    }
    try {
      replace(diff, renderDiff(await api.get('/diff', { a, b }, opts)));
    } catch (e) {
      if (api.isAbort(e)) throw e;
      replace(diff, errorBox('the trace diff', e));
    }
  }

  async function load() {
    const opts = { signal: ctx.signal };
    const results = await Promise.allSettled([loadCohorts(opts), loadDiff(opts)]);
    if (results.some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;
  }

  return { load };
}

const METRICS = {
  latency_ms: ['Latency', (v) => f.duration(v)],
  ttft_ms: ['Time to first token', (v) => f.duration(v)],
  input_tokens: ['Input tokens / call', (v) => f.compact(v)],
  output_tokens: ['Output tokens / call', (v) => f.compact(v)],
  cost_usd: ['Cost / call', (v) => f.cost(v)],
};

const VERDICTS = {
  better: ['better', 'ok'],
  worse: ['worse', 'error'],
  no_significant_change: ['no significant change', ''],
  not_enough_data: ['not enough data', 'warn'],
};

function verdict(v) {
  const [label, kind] = VERDICTS[v] ?? [v ?? '—', ''];
  return chip(label, kind);
}

function relative(r, v) {
  if (r === null || r === undefined || !Number.isFinite(r)) return null;
  return h('span', { class: `delta ${v === 'worse' || v === 'better' ? v : ''}`.trim() }, `${r > 0 ? '+' : ''}${(100 * r).toFixed(1)}%`);
}

/** One cohort's summary of a metric: mean, p50 and p95, formatted. */
function stats(s, fmt) {
  if (!s || !s.count) return 'no values';
  return [fmt(s.mean), h('div', { class: 'sub' }, `p50 ${fmt(s.p50)} · p95 ${fmt(s.p95)} · n ${f.int(s.count)}`)];
}

function filtersText(cohort) {
  const entries = Object.entries(cohort?.filters ?? {}).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  return entries.length ? entries.map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : v}`).join(' · ') : 'every model call';
}

function renderCohorts(res) {
  const c = res.comparison;
  const metricName = (m) => METRICS[m]?.[0] ?? m;
  const changes = c.changes ?? [];
  const worse = changes.filter((x) => x.verdict === 'worse');
  const better = changes.filter((x) => x.verdict === 'better');
  const summary = h('div', { class: 'verdict-summary', id: 'compare-verdict' },
    !changes.length
      ? (c.a_requests && c.b_requests
        ? [chip('no significant change', ''), ` between A (${f.int(c.a_requests)} calls) and B (${f.int(c.b_requests)} calls) at α = ${c.alpha}.`]
        : [chip('not enough data', 'warn'), ` A has ${f.int(c.a_requests)} calls, B ${f.int(c.b_requests)}.`])
      : [
        worse.length ? [chip(`B is worse on ${[...new Set(worse.map((x) => metricName(x.metric)))].join(', ')}`, 'error'), ' '] : null,
        better.length ? chip(`B is better on ${[...new Set(better.map((x) => metricName(x.metric)))].join(', ')}`, 'ok') : null,
      ]);
  const rows = (c.metrics ?? []).map((m) => ({ ...m, label: metricName(m.metric), fmt: METRICS[m.metric]?.[1] ?? String }));
  const er = c.error_rate;
  return h('div', null,
    h('div', { class: 'grid two', style: { marginBottom: '8px' } },
      h('div', { id: 'cohort-a' }, h('strong', null, 'A '), filtersText(res.a), h('div', { class: 'sub' }, `${f.int(c.a_requests)} model calls${res.a?.sampled ? ` (a uniform sample of ${f.int(res.limit)})` : ''}`)),
      h('div', { id: 'cohort-b' }, h('strong', null, 'B '), filtersText(res.b), h('div', { class: 'sub' }, `${f.int(c.b_requests)} model calls${res.b?.sampled ? ` (a uniform sample of ${f.int(res.limit)})` : ''}`))),
    summary,
    table([
      { label: 'Metric', value: (m) => m.label },
      { label: 'A: mean', num: true, value: (m) => stats(m.a, m.fmt) },
      { label: 'B: mean', num: true, value: (m) => stats(m.b, m.fmt) },
      { label: 'Δ mean', num: true, value: (m) => (m.mean ? [relative(m.mean.relative, m.mean.verdict), h('div', { class: 'sub' }, m.mean.absolute == null ? '' : `${m.mean.absolute > 0 ? '+' : ''}${m.fmt(m.mean.absolute)}`)] : null) },
      { label: 'Δ p95', num: true, value: (m) => (m.p95 ? relative(m.p95.relative, m.p95.verdict) : null) },
      { label: 'Verdict', value: (m) => verdict(m.verdict), title: 'Mann–Whitney test of the distributions; better or worse only when significant and at least 2 %' },
      { label: 'p-value', num: true, value: (m) => (m.distribution?.p_value == null ? null : m.distribution.p_value.toExponential(1)) },
    ], rows, { cls: 'compare-metrics' }),
    er ? h('p', { id: 'compare-errors' },
      'Error rate: A ', h('strong', null, f.pct(er.a_rate)), ` (${f.int(er.a_errors)} of ${f.int(er.a_requests)}), B `,
      h('strong', null, f.pct(er.b_rate)), ` (${f.int(er.b_errors)} of ${f.int(er.b_requests)}) `, verdict(er.delta?.verdict)) : null);
}

const traceLink = (id, span, text) => h('a', { href: href(`/traces/${id}`, span ? { span } : {}, { keepGlobal: false }) }, text);

function renderDiff(d) {
  const a = d.a;
  const b = d.b;
  const line = (label, va, vb, fmt) => ({ label, a: va, b: vb, fmt });
  const totals = [
    line('Spans', a.spans, b.spans, f.int),
    line('Duration', a.duration_ns, b.duration_ns, f.durationNs),
    line('Errors', a.errors, b.errors, f.int),
    line('Input tokens', a.input_tokens, b.input_tokens, f.int),
    line('Output tokens', a.output_tokens, b.output_tokens, f.int),
    line('Cost', a.cost_usd, b.cost_usd, f.cost),
  ];
  const change = (c, key, fmt) => (c[key] ? `${fmt(c[key].a)} → ${fmt(c[key].b)}` : null);
  return h('div', null,
    table([
      { label: '', value: (r) => r.label },
      { label: 'A', num: true, value: (r) => r.fmt(r.a) },
      { label: 'B', num: true, value: (r) => r.fmt(r.b) },
      { label: 'Δ', num: true, value: (r) => (r.a === r.b || r.a == null || r.b == null ? '' : relative(r.a ? (r.b - r.a) / r.a : null, r.b > r.a ? 'worse' : 'better') ?? `${r.b > r.a ? '+' : ''}${r.fmt(r.b - r.a)}`) },
    ], totals, { cls: 'diff-totals' }),
    h('p', { class: 'sub', id: 'diff-counts' },
      traceLink(a.trace_id, null, `A ${f.shortId(a.trace_id)}`), ' → ', traceLink(b.trace_id, null, `B ${f.shortId(b.trace_id)}`), ': ',
      `${f.int(d.matched)} spans matched, ${f.int(d.added_spans)} added, ${f.int(d.missing_spans)} missing, ${f.int(d.slower)} slower, ${f.int(d.faster)} faster`,
      d.omitted ? ` (${f.int(d.omitted)} entries left out)` : ''),
    h('h3', null, `Changed (${f.int(d.changed.length)})`),
    table([
      { label: 'Span', wrap: true, value: (c) => [c.name, h('div', { class: 'sub' }, c.path)] },
      { label: 'Duration A → B', num: true, value: (c) => (c.duration ? [`${f.durationNs(c.duration.a_ns)} → ${f.durationNs(c.duration.b_ns)}`,
        h('div', { class: `delta ${c.duration.direction === 'slower' ? 'worse' : 'better'}` }, `${c.duration.delta_ns > 0 ? '+' : ''}${f.durationNs(c.duration.delta_ns)} (${c.duration.direction})`)] : null) },
      { label: 'Other changes', wrap: true, value: (c) => [change(c, 'model', String), change(c, 'status', String), change(c, 'input_tokens', f.int), change(c, 'output_tokens', f.int), change(c, 'cost_usd', f.cost)]
        .filter(Boolean).map((t) => h('div', null, t)) },
      { label: 'Open', value: (c) => [traceLink(a.trace_id, c.a_span_id, 'in A'), ' · ', traceLink(b.trace_id, c.b_span_id, 'in B')] },
    ], d.changed, { empty: h('p', { class: 'sub' }, 'No matched span changed beyond the thresholds.'), cls: 'diff-changed' }),
    h('div', { class: 'diff-cols' },
      h('div', { id: 'diff-missing' }, h('h3', null, `Only in A: missing from B (${f.int(d.missing_spans)} spans)`),
        subtrees(d.missing, a.trace_id)),
      h('div', { id: 'diff-added' }, h('h3', null, `Only in B: added (${f.int(d.added_spans)} spans)`),
        subtrees(d.added, b.trace_id))));
}

function subtrees(list, traceId) {
  return table([
    { label: 'Span', wrap: true, value: (s) => [traceLink(traceId, s.span_id, s.name), h('div', { class: 'sub' }, s.path)] },
    { label: 'Spans', num: true, value: (s) => f.int(s.spans) },
    { label: 'Duration', num: true, value: (s) => f.durationNs(s.duration_ns) },
  ], list, { empty: h('p', { class: 'sub' }, 'none') });
}

