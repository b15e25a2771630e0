// Overview: GenAI traffic over the time range — totals, per-model time series (requests, errors,
// latency, TTFT, tokens, cost), the top groups by cost / latency / errors, recent failing traces.

import { append, h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { card, chip, empty, errorBox, noDataYet, noneInRange, section, segmented, table } from '../components.js';
import { chart, timeSeries } from '../charts.js';
import { groupFilters, groupLabel, seriesByGroup } from '../analytics.js';
import { href, pickStep, rangeBoundsMs, rangeLabel } from '../state.js';

export const title = () => 'Overview';

const TOP_BY = [
  ['operation,model', 'operation + model'],
  ['model', 'model'],
  ['service', 'service'],
  ['agent', 'agent'],
  ['tool', 'tool'],
  ['user', 'user'],
  ['service_version', 'service version'],
];
const PERCENTILES = [['p50', 'p50'], ['p95', 'p95'], ['p99', 'p99']];
const MAX_MODELS = 8;
/** The series of GenAI spans that name no model: tool calls, agent steps, retrieval. */
const NO_MODEL = 'no model (tools, agents)';
const costAxis = (v) => `$${Number(v.toPrecision(3))}`;

export function mount(root, ctx) {
  const pct = PERCENTILES.some(([p]) => p === ctx.params.get('pct')) ? ctx.params.get('pct') : 'p95';
  // Besides the fixed choices, any attribute (`attr:<key>`); the indexed ones are offered.
  const asked = ctx.params.get('top');
  const top = TOP_BY.some(([v]) => v === asked) || /^attr:./.test(asked ?? '') ? asked : 'operation,model';
  const withParam = (key, value) => {
    const next = new URLSearchParams(ctx.params);
    next.set(key, value);
    return `${window.location.pathname}?${next}`;
  };

  const notice = h('div');
  const cards = h('div', { class: 'cards', id: 'overview-cards' });
  const chartEls = {};
  const chartErrors = {};
  const chartSection = (key, label) => {
    chartEls[key] = h('div', { class: 'chart', id: `chart-${key}` });
    chartErrors[key] = h('div');
    return section(label, { cls: 'chart-section' }, chartErrors[key], chartEls[key]);
  };
  const topSlots = { cost: h('div'), latency: h('div'), errors: h('div') };
  const failing = h('div');
  const topSelect = h('select', { 'aria-label': 'Group top lists by', onchange: (e) => ctx.navigate(withParam('top', e.target.value)) },
    TOP_BY.map(([v, label]) => h('option', { value: v, selected: v === top }, label)),
    top.startsWith('attr:') ? h('option', { value: top, selected: true }, top.slice(5)) : null);
  /** Offers the server's indexed attributes (fast to group by) in the top-list choice. */
  const offerIndexed = (stats) => {
    for (const key of stats?.indexed_attributes ?? []) {
      const value = `attr:${key}`;
      if (value !== top) append(topSelect, [h('option', { value }, key)]);
    }
  };

  const content = h('div', { id: 'overview-content' });
  replace(root,
    h('div', { class: 'page-head' },
      h('h1', null, 'Overview'),
      h('span', { class: 'sub' }, `GenAI traffic, ${rangeLabel(ctx.params)}`),
      h('span', { class: 'spacer' }),
      h('span', { class: 'sub' }, 'latency and TTFT percentile'),
      segmented(PERCENTILES, pct, (p) => ctx.navigate(withParam('pct', p)))),
    notice,
    content);
  append(content, [
    cards,
    h('div', { class: 'grid three' },
      chartSection('requests', 'Requests by model'),
      chartSection('errors', 'Errors by model'),
      chartSection('latency', `Latency ${pct} by model`),
      chartSection('ttft', `Time to first chunk ${pct} by model`),
      chartSection('tokens', 'Tokens (input + output) by model'),
      chartSection('cost', 'Cost by model')),
    h('div', { class: 'page-head', style: { marginTop: '18px' } },
      h('h2', { style: { margin: 0 } }, 'Top'), h('span', { class: 'sub' }, 'grouped by'), topSelect),
    h('div', { class: 'grid three' },
      section('By cost', {}, topSlots.cost),
      section('By latency (p95)', {}, topSlots.latency),
      section('By errors', {}, topSlots.errors)),
    section('Recent failing traces', { tools: [h('a', { href: href('/traces', { status: 'error' }) }, 'all failing traces →')] }, failing)]);

  const charts = {};
  for (const key of Object.keys(chartEls)) {
    charts[key] = chart(chartEls[key], ctx, { onClick: (p) => drill(key, p) });
  }
  let step = null;

  function drill(key, p) {
    if (!step || !Array.isArray(p.value)) return;
    const t = p.value[0];
    const params = {
      start: new Date(t).toISOString(),
      end: new Date(t + step[1]).toISOString(),
      since: null,
    };
    if (p.seriesName && p.seriesName !== NO_MODEL) params.model = p.seriesName;
    if (key === 'errors') params.status = 'error';
    ctx.navigate(href('/traces', params));
  }

  async function load() {
    const { startMs, endMs } = rangeBoundsMs(ctx.params);
    step = pickStep(endMs - startMs);
    const q = ctx.range;
    const opts = { signal: ctx.signal };
    const topQuery = (order) => api.get('/analytics', { ...q, group_by: top, order_by: order, limit: 10 }, opts);
    const [totals, series, byCost, byLatency, byErrors, failures, stats] = await Promise.allSettled([
      api.get('/analytics', { ...q, group_by: 'none' }, opts),
      api.get('/analytics', { ...q, group_by: 'model', step: step[0], limit: MAX_MODELS, order_by: 'requests' }, opts),
      topQuery('cost'),
      topQuery('latency'),
      topQuery('errors'),
      api.get('/traces', { ...q, status: 'error', limit: 10 }, opts),
      api.get('/stats', null, opts),
    ]);
    for (const r of [totals, series, byCost, byLatency, byErrors, failures, stats]) {
      if (r.status === 'rejected' && api.isAbort(r.reason)) return;
    }
    if (stats.status === 'fulfilled') offerIndexed(stats.value);

    // Totals, and what to say when there is nothing.
    replace(notice);
    content.hidden = false;
    if (totals.status === 'rejected') {
      replace(cards, errorBox('the totals', totals.reason));
    } else {
      const row = totals.value.rows[0];
      if (!row || !row.requests) {
        replace(cards);
        await explainEmpty();
      } else {
        renderCards(row, pct);
      }
    }

    // Time series.
    for (const key of Object.keys(chartEls)) {
      chartEls[key].hidden = series.status === 'rejected';
      if (series.status === 'rejected') replace(chartErrors[key], errorBox('the time series', series.reason));
      else replace(chartErrors[key]);
    }
    if (series.status === 'fulfilled' && !content.hidden) {
      const rows = series.value.rows;
      const opt = { dims: ['model'], stepMs: step[1], startMs, endMs, none: NO_MODEL };
      const draw = (key, spec) => charts[key].update(timeSeries({ ...spec, startMs, endMs }));
      draw('requests', { kind: 'bar', stack: true, fmt: f.compact, series: seriesByGroup(rows, { ...opt, zero: true, value: (r) => r.requests }) });
      draw('errors', { kind: 'bar', stack: true, fmt: f.compact, series: seriesByGroup(rows, { ...opt, zero: true, value: (r) => r.errors }) });
      draw('latency', { fmt: f.duration, series: seriesByGroup(rows, { ...opt, value: (r) => r.latency_ms[pct] }) });
      draw('ttft', { fmt: f.duration, series: seriesByGroup(rows, { ...opt, value: (r) => r.ttft_ms[pct] }) });
      draw('tokens', { kind: 'bar', stack: true, fmt: f.compact, series: seriesByGroup(rows, { ...opt, zero: true, value: (r) => r.tokens.input + r.tokens.output }) });
      const priced = rows.some((r) => r.cost.total > 0);
      chartEls.cost.hidden = !priced;
      replace(chartErrors.cost, priced ? null : empty('No priced calls', 'None of the calls in this range has a price yet; the Diagnostics page lists models missing from the price catalog.'));
      if (priced) draw('cost', { kind: 'bar', stack: true, fmt: f.cost, axisFmt: costAxis, series: seriesByGroup(rows, { ...opt, zero: true, value: (r) => r.cost.total }) });
    }

    // Top lists: the group, the metric the list is ordered by, and the volume.
    const dims = top.split(',');
    const groupColumn = { label: dims.map((d) => d.replace(/^attr:/, '').replace('_', ' ')).join(' · '), value: (r) => groupLabel(r.group, dims), wrap: true };
    const requests = { label: 'Requests', num: true, value: (r) => f.int(r.requests) };
    const renderTop = (slot, result, metric, { keep } = {}) => {
      if (result.status === 'rejected') return replace(slot, errorBox('the top list', result.reason));
      let rows = result.value.rows;
      if (keep) rows = rows.filter(keep);
      return replace(slot, table([groupColumn, metric, requests], rows, {
        href: (r) => href('/traces', groupFilters(r.group)),
        empty: keep ? empty('No errors', 'No GenAI call failed in this range.') : empty('Nothing here', 'No GenAI calls in this range.'),
      }));
    };
    renderTop(topSlots.cost, byCost, { label: 'Cost', num: true, value: (r) => (r.unpriced && !r.cost.total ? 'unpriced' : f.cost(r.cost.total)) });
    renderTop(topSlots.latency, byLatency, { label: 'Latency p95', num: true, value: (r) => f.duration(r.latency_ms.p95) });
    renderTop(topSlots.errors, byErrors, { label: 'Errors', num: true, value: (r) => `${f.int(r.errors)} (${f.pct(r.error_rate)})` }, { keep: (r) => r.errors > 0 });

    // Failing traces.
    if (failures.status === 'rejected') {
      replace(failing, errorBox('the failing traces', failures.reason));
    } else {
      replace(failing, table([
        { label: 'When', value: (t) => h('span', { title: f.time(t.start_ns) }, f.ago(t.start_ns)) },
        { label: 'Root', value: (t) => [t.root_name ?? '(missing root)', h('div', { class: 'sub' }, t.root_service ?? '')], wrap: true },
        { label: 'Duration', num: true, value: (t) => f.durationNs(t.duration_ns) },
        { label: 'Spans', num: true, value: (t) => f.int(t.span_count) },
        { label: 'Errors', num: true, value: (t) => chip(f.int(t.error_count), 'error') },
        { label: 'GenAI calls', num: true, value: (t) => f.int(t.genai_count) },
        { label: 'Trace', value: (t) => h('code', null, f.shortId(t.trace_id)) },
      ], failures.value.traces, {
        href: (t) => href(`/traces/${t.trace_id}`, {}),
        empty: empty('No failing traces', 'Nothing failed in this range.'),
      }));
    }
  }

  function renderCards(row, p) {
    replace(cards,
      card('Requests', f.int(row.requests), 'GenAI spans: model, tool and agent calls'),
      card('Errors', f.int(row.errors), `${f.pct(row.error_rate)} of calls`, { bad: row.errors > 0 }),
      card(`Latency ${p}`, f.duration(row.latency_ms[p]), `p50 ${f.duration(row.latency_ms.p50)} · p99 ${f.duration(row.latency_ms.p99)}`),
      card(`TTFT ${p}`, f.duration(row.ttft_ms[p]), `p50 ${f.duration(row.ttft_ms.p50)} · streaming calls`),
      card('Tokens', f.compact(row.tokens.input + row.tokens.output), `${f.compact(row.tokens.input)} in · ${f.compact(row.tokens.output)} out`),
      card('Cost', f.cost(row.cost.total), row.unpriced ? `${f.int(row.unpriced)} calls unpriced` : 'priced calls'));
  }

  async function explainEmpty() {
    let stats;
    try {
      stats = await api.get('/stats', null, { signal: ctx.signal });
    } catch (e) {
      if (!api.isAbort(e)) replace(notice, errorBox('the server statistics', e));
      return;
    }
    if (!stats.store?.spans) {
      content.hidden = true;
      replace(notice, section('Welcome', {}, noDataYet()));
    } else {
      replace(notice, section('No GenAI calls', {},
        noneInRange('GenAI calls'),
        h('p', { class: 'empty' }, `${f.int(stats.store.spans)} spans are stored in total; `,
          h('a', { href: href('/traces', {}) }, 'browse all traces'), ' for spans without GenAI attributes.')));
    }
  }

  return { load };
}

