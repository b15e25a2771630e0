// Models: per provider and model — volume, latency, TTFT, tokens, cost, errors, cache hits,
// throughput and context-window use — from /api/v1/analytics and /api/v1/models.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { empty, errorBox, noDataYet, section, table } from '../components.js';
import { bars, chart } from '../charts.js';
import { groupFilters } from '../analytics.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Models';

const SORTS = [
  ['requests', 'requests'],
  ['cost', 'cost'],
  ['latency', 'latency p95'],
  ['errors', 'errors'],
  ['tokens', 'tokens'],
];

export function mount(root, ctx) {
  const sort = SORTS.some(([v]) => v === ctx.params.get('sort')) ? ctx.params.get('sort') : 'requests';
  const sortSelect = h('select', {
    'aria-label': 'Order models by',
    onchange: (e) => {
      const next = new URLSearchParams(ctx.params);
      next.set('sort', e.target.value);
      ctx.navigate(`/models?${next}`);
    },
  }, SORTS.map(([v, label]) => h('option', { value: v, selected: v === sort }, label)));
  const tableSlot = h('div', { id: 'models-table' });
  const charts = {
    latency: h('div', { class: 'chart tall' }),
    ttft: h('div', { class: 'chart tall' }),
    tokens: h('div', { class: 'chart tall' }),
    cost: h('div', { class: 'chart tall' }),
  };
  const costNote = h('div');
  const chartGrid = h('div', { class: 'grid two' },
    section('Latency by model', {}, charts.latency),
    section('Time to first chunk by model (streaming calls)', {}, charts.ttft),
    section('Tokens by model', {}, charts.tokens),
    section('Cost by model', {}, costNote, charts.cost));
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Models'), h('span', { class: 'sub' }, rangeLabel(ctx.params)),
      h('span', { class: 'spacer' }), h('span', { class: 'sub' }, 'order by'), sortSelect),
    section('Models and providers', {}, tableSlot),
    chartGrid);
  const drawn = Object.fromEntries(Object.entries(charts).map(([k, el]) => [k, chart(el, ctx)]));

  async function load() {
    const opts = { signal: ctx.signal };
    const [analytics, catalog] = await Promise.allSettled([
      api.get('/analytics', { ...ctx.range, group_by: 'provider,model', order_by: sort, limit: 100 }, opts),
      api.get('/models', ctx.range, opts),
    ]);
    if ([analytics, catalog].some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;
    if (analytics.status === 'rejected') {
      replace(tableSlot, errorBox('model analytics', analytics.reason));
      chartGrid.hidden = true;
      return;
    }
    // GenAI spans without a model (tools, agents, retrieval) are not model calls.
    const rows = analytics.value.rows.filter((r) => r.group.model !== null);
    const info = new Map();
    if (catalog.status === 'fulfilled') {
      for (const m of catalog.value.models) info.set(`${m.provider ?? ''}/${m.model}`, m);
    }
    if (!rows.length) {
      chartGrid.hidden = true;
      let stats = null;
      try {
        stats = await api.get('/stats', null, opts);
      } catch (e) {
        if (api.isAbort(e)) return;
      }
      replace(tableSlot, stats && !stats.store?.spans ? noDataYet() : empty('No model calls in this time range', 'Pick a longer range in the top right.'));
      return;
    }
    chartGrid.hidden = false;
    const label = (r) => `${r.group.model ?? '(no model)'}`;
    const about = (r) => {
      const m = info.get(`${r.group.provider ?? ''}/${r.group.model}`);
      const served = (m?.response_models ?? []).filter((x) => x !== r.group.model);
      return [r.group.provider ?? '(no provider)', m?.operations?.join(', '), served.length ? `served as ${served.join(', ')}` : null].filter(Boolean).join(' · ');
    };
    const trio = (p) => [p.p50, p.p95, p.p99].map((v) => f.duration(v)).join(' · ');
    replace(tableSlot,
      catalog.status === 'rejected' ? errorBox('the model list', catalog.reason) : null,
      table([
        { label: 'Model', value: (r) => [label(r), h('div', { class: 'sub' }, about(r))], wrap: true },
        { label: 'Requests', num: true, value: (r) => f.int(r.requests) },
        { label: 'Errors', num: true, value: (r) => (r.errors ? `${f.int(r.errors)} (${f.pct(r.error_rate)})` : '0') },
        { label: 'Latency p50 · p95 · p99', num: true, value: (r) => trio(r.latency_ms) },
        { label: 'TTFT p50 · p95', num: true, title: 'time to first chunk of streaming calls', value: (r) => (r.ttft_ms.p50 == null ? null : `${f.duration(r.ttft_ms.p50)} · ${f.duration(r.ttft_ms.p95)}`) },
        { label: 'Tokens in / out', num: true, value: (r) => `${f.compact(r.tokens.input)} / ${f.compact(r.tokens.output)}` },
        { label: 'Cache hit', num: true, title: 'cache-read ÷ input tokens', value: (r) => f.pct(r.cache_hit_ratio) },
        { label: 'Out tok/s', num: true, title: 'mean output tokens per second', value: (r) => (r.output_tokens_per_second == null ? null : r.output_tokens_per_second.toFixed(1)) },
        { label: 'Context p95', num: true, title: 'input tokens ÷ context window, p95', value: (r) => f.pct(r.context_window_use.p95, 0) },
        { label: 'Cost', num: true, value: (r) => (r.unpriced && !r.cost.total ? 'unpriced' : f.cost(r.cost.total)) },
        { label: 'No usage', num: true, title: 'model calls that reported no token usage', value: (r) => (r.usage_missing ? f.int(r.usage_missing) : null) },
      ], rows, { href: (r) => href('/traces', groupFilters(r.group)) }));

    const top = rows.slice(0, 15);
    // A model reported by two providers (or by one without a provider) gets the provider added.
    const seen = new Map();
    for (const r of top) seen.set(label(r), (seen.get(label(r)) ?? 0) + 1);
    const categories = top.map((r) => (seen.get(label(r)) > 1 ? `${label(r)} · ${r.group.provider ?? 'no provider'}` : label(r)));
    drawn.latency.update(bars({
      categories,
      fmt: f.duration,
      series: ['p50', 'p95', 'p99'].map((p) => ({ name: p, data: top.map((r) => r.latency_ms[p]) })),
    }));
    drawn.ttft.update(bars({
      categories,
      fmt: f.duration,
      series: ['p50', 'p95'].map((p) => ({ name: p, data: top.map((r) => r.ttft_ms[p]) })),
    }));
    drawn.tokens.update(bars({
      categories,
      fmt: f.compact,
      stack: true,
      series: [
        { name: 'input (uncached)', data: top.map((r) => r.tokens.input - r.tokens.cache_read) },
        { name: 'cache read', data: top.map((r) => r.tokens.cache_read) },
        { name: 'output', data: top.map((r) => r.tokens.output) },
      ],
    }));
    const priced = top.some((r) => r.cost.total > 0);
    charts.cost.hidden = !priced;
    replace(costNote, priced ? null : empty('No priced calls', 'None of these calls has a price yet. Models missing from the price catalog are listed on the Diagnostics page.'));
    if (priced) drawn.cost.update(bars({
      categories,
      fmt: f.cost,
      stack: true,
      series: [
        { name: 'input', data: top.map((r) => r.cost.input) },
        { name: 'cache', data: top.map((r) => r.cost.cache_read + r.cost.cache_write) },
        { name: 'output', data: top.map((r) => r.cost.output + r.cost.reasoning) },
      ],
    }));
  }

  return { load };
}
