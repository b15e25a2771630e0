// Traces: search with every filter of /api/v1/traces, kept in the URL; newest first, paged with
// the API's cursor; a scatter of the page's traces (start time × duration).

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { chip, empty, errorBox, noDataYet, section, table } from '../components.js';
import { chart, traceScatter } from '../charts.js';
import { href, rangeBoundsMs, rangeLabel } from '../state.js';

export const title = () => 'Traces';

/** The search filters, in the order of the form; `list` names a datalist of suggestions. */
export const FILTERS = [
  { key: 'service', label: 'Service', list: 'services' },
  { key: 'name', label: 'Span name', list: 'names' },
  { key: 'status', label: 'Status', options: [['', 'any'], ['error', 'error'], ['ok', 'ok'], ['unset', 'unset']] },
  { key: 'min_duration', label: 'Min duration', placeholder: 'e.g. 250ms' },
  { key: 'max_duration', label: 'Max duration', placeholder: 'e.g. 5s' },
  { key: 'operation', label: 'GenAI operation', list: 'operations' },
  { key: 'provider', label: 'Provider', list: 'providers' },
  { key: 'model', label: 'Model', list: 'models' },
  { key: 'agent', label: 'Agent' },
  { key: 'tool', label: 'Tool' },
  { key: 'conversation', label: 'Conversation id' },
  { key: 'user', label: 'User' },
  { key: 'service_version', label: 'Service version' },
  { key: 'error_type', label: 'Error type' },
];
const LIMITS = ['20', '50', '100', '200'];
const KNOWN_OPERATIONS = ['chat', 'text_completion', 'generate_content', 'embeddings', 'execute_tool', 'invoke_agent', 'create_agent', 'retrieval'];

export function mount(root, ctx) {
  const params = ctx.params;
  const attrs = params.getAll('attr').filter(Boolean);
  const limit = LIMITS.includes(params.get('limit')) ? params.get('limit') : '20';
  const cursor = params.get('cursor');
  const active = FILTERS.filter((x) => params.get(x.key)).length + attrs.length;

  const inputs = {};
  const lists = {};
  const field = (spec) => {
    let input;
    if (spec.options) {
      input = h('select', { name: spec.key }, spec.options.map(([v, label]) => h('option', { value: v, selected: v === (params.get(spec.key) ?? '') }, label)));
    } else {
      input = h('input', { type: 'text', name: spec.key, value: params.get(spec.key) ?? '', placeholder: spec.placeholder ?? '', list: spec.list ? `dl-${spec.list}` : null, autocomplete: 'off' });
      if (spec.list) lists[spec.list] = h('datalist', { id: `dl-${spec.list}` });
    }
    inputs[spec.key] = input;
    return h('label', null, spec.label, input);
  };

  const attrChips = h('div', { class: 'attr-list' });
  const attrInput = h('input', { type: 'text', placeholder: 'key=value', 'aria-label': 'Attribute filter', autocomplete: 'off' });
  const attrValues = [...attrs];
  const drawAttrs = () => replace(attrChips, attrValues.map((a, i) => h('span', { class: 'chip' }, a,
    h('button', { type: 'button', 'aria-label': `remove ${a}`, onclick: () => { attrValues.splice(i, 1); drawAttrs(); } }, '×'))));
  drawAttrs();
  const addAttr = () => {
    const v = attrInput.value.trim();
    if (!v) return true;
    if (!/^[^=]+=/.test(v)) {
      attrInput.setCustomValidity('use key=value');
      attrInput.reportValidity();
      return false;
    }
    attrInput.setCustomValidity('');
    attrValues.push(v);
    attrInput.value = '';
    drawAttrs();
    return true;
  };
  attrInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addAttr();
    }
  });
  attrInput.addEventListener('input', () => attrInput.setCustomValidity(''));

  const limitSelect = h('select', { name: 'limit' }, LIMITS.map((l) => h('option', { value: l, selected: l === limit }, l)));
  const form = h('form', {
    id: 'trace-filters',
    onsubmit: (e) => {
      e.preventDefault();
      if (!addAttr()) return;
      const next = {};
      for (const spec of FILTERS) next[spec.key] = inputs[spec.key].value.trim();
      next.attr = attrValues;
      if (limitSelect.value !== '20') next.limit = limitSelect.value;
      ctx.navigate(href('/traces', next));
    },
  },
  h('div', { class: 'filters' },
    FILTERS.map(field),
    h('label', { class: 'wide' }, 'Attributes (span or resource, key=value, Enter to add)', h('div', { class: 'attr-list' }, attrInput, attrChips)),
    h('label', null, 'Per page', limitSelect)),
  Object.values(lists),
  h('div', { class: 'form-actions' },
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
    h('a', { href: href('/traces', {}) }, 'Clear filters'),
    h('span', { class: 'sub' }, 'A trace matches when one of its spans matches every filter.')));

  const suggestError = h('div');
  const scatterEl = h('div', { class: 'chart', id: 'traces-scatter' });
  const results = h('div', { id: 'trace-results' });
  const summary = h('span', { class: 'sub' });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Traces'), summary),
    section(`Filters${active ? ` (${active} active)` : ''}`, {}, form, suggestError),
    section('Duration over time', {}, scatterEl),
    section('Traces', {}, results));

  const scatter = chart(scatterEl, ctx, {
    onClick: (p) => {
      const id = p.data?.[3];
      if (id) ctx.navigate(href(`/traces/${id}`, {}));
    },
  });

  let suggestionsLoaded = false;
  async function loadSuggestions() {
    const opts = { signal: ctx.signal };
    const [services, operations, models] = await Promise.allSettled([
      api.get('/services', ctx.range, opts),
      api.get('/operations', ctx.range, opts),
      api.get('/models', ctx.range, opts),
    ]);
    const fill = (key, values) => replace(lists[key], [...new Set(values)].filter(Boolean).sort().map((v) => h('option', { value: v })));
    const failed = [services, operations, models].find((r) => r.status === 'rejected' && !api.isAbort(r.reason));
    if (failed) replace(suggestError, errorBox('filter suggestions', failed.reason));
    if (services.status === 'fulfilled') fill('services', services.value.services.map((s) => s.service));
    if (operations.status === 'fulfilled') {
      fill('names', operations.value.operations.map((o) => o.name));
      fill('operations', [...KNOWN_OPERATIONS, ...operations.value.operations.map((o) => o.genai_operation)]);
    } else {
      fill('operations', KNOWN_OPERATIONS);
    }
    if (models.status === 'fulfilled') {
      fill('models', models.value.models.flatMap((m) => [m.model, ...m.response_models]));
      fill('providers', models.value.models.map((m) => m.provider));
    }
  }

  async function load() {
    const query = { ...ctx.range, limit };
    for (const spec of FILTERS) query[spec.key] = params.get(spec.key);
    query.attr = attrs;
    query.cursor = cursor;
    const suggestions = suggestionsLoaded ? null : loadSuggestions().then(() => { suggestionsLoaded = true; });
    let page;
    try {
      page = await api.get('/traces', query, { signal: ctx.signal });
    } catch (e) {
      if (api.isAbort(e)) return;
      replace(results, errorBox('traces', e));
      replace(summary);
      await suggestions;
      return;
    }
    replace(summary, `${page.traces.length} trace${page.traces.length === 1 ? '' : 's'}${cursor ? ' (older page)' : ''}, newest first, ${rangeLabel(params)}`);
    if (!page.traces.length) {
      replace(results, await emptyResults());
    } else {
      const maxDur = Math.max(...page.traces.map((t) => t.duration_ns), 1);
      replace(results,
        table([
          { label: 'Start', value: (t) => [f.time(t.start_ns, { ms: false }), h('div', { class: 'sub' }, f.ago(t.start_ns))] },
          { label: 'Root span', value: (t) => [t.root_name ?? '(root not received)', h('div', { class: 'sub' }, t.root_service ?? '')], wrap: true },
          { label: 'Duration', num: true, value: (t) => [h('span', { class: 'durbar', style: { width: `${Math.max(2, (60 * t.duration_ns) / maxDur)}px` } }), f.durationNs(t.duration_ns)] },
          { label: 'Spans', num: true, value: (t) => f.int(t.span_count) },
          { label: 'Errors', num: true, value: (t) => (t.error_count ? chip(f.int(t.error_count), 'error') : '0') },
          { label: 'GenAI', num: true, title: 'GenAI spans', value: (t) => f.int(t.genai_count) },
          { label: 'Tokens in / out', num: true, value: (t) => (t.input_tokens || t.output_tokens ? `${f.compact(t.input_tokens)} / ${f.compact(t.output_tokens)}` : null) },
          { label: 'Cost', num: true, value: (t) => (t.cost_usd ? f.cost(t.cost_usd) : null) },
          { label: 'Services', value: (t) => t.services.join(', '), wrap: true },
          { label: 'Trace id', value: (t) => h('code', null, t.trace_id) },
        ], page.traces, { href: (t) => href(`/traces/${t.trace_id}`, {}), cls: 'trace-list' }),
        h('div', { class: 'pager' },
          cursor ? h('a', { href: pageHref(null) }, '← Newest') : null,
          page.next_cursor ? h('a', { href: pageHref(page.next_cursor), id: 'next-page' }, 'Older →') : h('span', null, 'No older traces'),
        ));
    }
    const { startMs, endMs } = rangeBoundsMs(params);
    const point = (t) => [t.start_ns / 1e6, t.duration_ns / 1e6, t.root_name ?? t.trace_id, t.trace_id];
    scatter.update(traceScatter({
      ok: page.traces.filter((t) => !t.error_count).map(point),
      errors: page.traces.filter((t) => t.error_count).map(point),
      startMs,
      endMs,
      fmt: f.duration,
    }));
    await suggestions;
  }

  function pageHref(next) {
    const p = new URLSearchParams(params);
    if (next) p.set('cursor', next);
    else p.delete('cursor');
    return `/traces?${p}`;
  }

  async function emptyResults() {
    if (active || cursor) return empty('No traces match', 'Loosen the filters or pick a longer time range.');
    try {
      const stats = await api.get('/stats', null, { signal: ctx.signal });
      if (!stats.store?.spans) return noDataYet();
    } catch (e) {
      if (!api.isAbort(e)) return errorBox('the server statistics', e);
    }
    return empty('No traces in this time range', 'Pick a longer range in the top right.');
  }

  return { load };
}
