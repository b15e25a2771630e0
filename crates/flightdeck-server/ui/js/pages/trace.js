// One trace: a header with its totals, the virtualized waterfall, and the detail panel of the
// selected span (kept in the URL as `span`, so a link opens the same span).
//
// Loading is lazy: the page fetches the span tree without attributes (/traces/{id}/tree) to draw
// the waterfall, and each span's attributes, events, links and log records only when it is
// selected (/traces/{id}/spans/{span_id}), so a trace of 10,000 spans opens about as fast as one
// of ten. Timings are recorded as performance measures (fd:trace:fetch, fd:trace:parse,
// fd:trace:model, fd:trace:render) for the browser tests and for anyone profiling the page.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { chip, empty, errorBox, loading } from '../components.js';
import { Waterfall, buildModel, setPathSegments } from '../waterfall.js';
import { GENERATIONS, ragBlock, spanDetails, spanHeader, tracePanel } from '../spanpanel.js';
import { href } from '../state.js';

export const title = (ctx) => `Trace ${f.shortId(ctx.id)}`;
export const usesRange = false;

/** How long arrow-key browsing must pause on a span before its details are fetched. */
const DETAIL_DELAY_MS = 120;
const MAX_CACHED_DETAILS = 200;
/** Traces up to this size get the critical path's exact segments drawn. */
const PATH_SEGMENTS_MAX_SPANS = 2000;

const SEARCH_KEYS = (s) => [s.name, s.service, s.span_id, s.genai?.request_model, s.genai?.response_model, s.genai?.operation, s.genai?.tool_name, s.genai?.agent_name];

export function mount(root, ctx) {
  const id = ctx.id ?? '';
  const head = h('div', { class: 'trace-head' }, h('h1', null, `Trace ${id}`));
  const body = h('div', { class: 'loading' }, 'Loading trace…');
  replace(root, head, body);

  let trace = null;
  let model = null;
  let waterfall = null;
  let panel = null;
  let findCount = null;
  let matches = [];
  let matchAt = -1;
  const details = new Map();
  const ragViews = new Map();
  let hasRetrieval = false;
  let detailController = null;
  let detailTimer = 0;

  ctx.cleanup(() => {
    waterfall?.destroy();
    detailController?.abort();
    clearTimeout(detailTimer);
  });

  function showPanel(i, { immediate = false } = {}) {
    if (!panel) return;
    clearTimeout(detailTimer);
    detailController?.abort();
    panel.scrollTop = 0;
    if (i < 0) {
      replace(panel, tracePanel(trace));
      return;
    }
    const spanId = trace.spans[i].span_id;
    const header = spanHeader(trace, model, i);
    const cached = details.get(spanId);
    if (cached) {
      replace(panel, h('div', { id: 'span-panel-body' }, header, spanDetails(cached, { ragSlot: ragSlot(i) })));
      return;
    }
    const slot = loading('Loading span details…');
    replace(panel, h('div', { id: 'span-panel-body' }, header, slot));
    const controller = new AbortController();
    detailController = controller;
    const fetchDetail = async () => {
      try {
        const detail = await api.get(`/traces/${encodeURIComponent(trace.trace_id)}/spans/${spanId}`, null, {
          signal: AbortSignal.any([ctx.signal, controller.signal]),
        });
        if (details.size >= MAX_CACHED_DETAILS) details.delete(details.keys().next().value);
        details.set(spanId, detail);
        if (controller.signal.aborted) return;
        slot.replaceWith(spanDetails(detail, { ragSlot: ragSlot(i) }));
      } catch (e) {
        if (!api.isAbort(e)) slot.replaceWith(errorBox('the span details', e));
      }
    };
    if (immediate) fetchDetail();
    else detailTimer = setTimeout(fetchDetail, DETAIL_DELAY_MS);
  }

  /**
   * For a generation span of a trace with retrievals, a block that fills itself with the
   * retrievals that fed it (read separately: the RAG view reads the whole trace).
   */
  function ragSlot(i) {
    if (!hasRetrieval || !GENERATIONS.has(trace.spans[i].genai?.operation)) return null;
    const spanId = trace.spans[i].span_id;
    const slot = h('div', null, loading('Loading the retrieved context…'));
    const fill = (view) => slot.replaceChildren(ragBlock(view));
    const cached = ragViews.get(spanId);
    if (cached) {
      fill(cached);
      return slot;
    }
    api.get(`/traces/${encodeURIComponent(trace.trace_id)}/rag`, { span: spanId }, { signal: ctx.signal })
      .then((view) => {
        if (ragViews.size >= MAX_CACHED_DETAILS) ragViews.delete(ragViews.keys().next().value);
        ragViews.set(spanId, view);
        fill(view);
      })
      .catch((e) => {
        if (!api.isAbort(e)) slot.replaceChildren(errorBox('the retrieved context', e));
      });
    return slot;
  }

  /**
   * The stretches of the critical path, fetched after the waterfall is drawn, for traces small
   * enough that reading the trace a second time is cheap; larger ones underline whole bars.
   */
  async function loadPathSegments() {
    if (!trace.critical_path?.spans || trace.span_count > PATH_SEGMENTS_MAX_SPANS) return;
    const forModel = model;
    try {
      const path = await api.get(`/traces/${encodeURIComponent(trace.trace_id)}/critical_path`, null, { signal: ctx.signal });
      if (forModel !== model) return;
      setPathSegments(model, path.segments, trace.start_ns);
      waterfall?.render();
    } catch (e) {
      if (!api.isAbort(e)) panel?.prepend(h('div', { class: 'notice' }, `The critical path's segments could not be loaded: ${e.message}`));
    }
  }

  /** The critical path is shown unless the URL says `cp=0`. */
  function showCriticalPath() {
    return ctx.params.get('cp') !== '0';
  }

  function selectSpan(i) {
    ctx.setParams({ span: i >= 0 ? trace.spans[i].span_id : null });
    showPanel(i);
  }

  function find(text) {
    const q = text.trim().toLowerCase();
    matches = [];
    matchAt = -1;
    if (q) {
      for (let i = 0; i < model.n; i += 1) {
        if (SEARCH_KEYS(trace.spans[i]).some((v) => v && String(v).toLowerCase().includes(q))) matches.push(i);
      }
    }
    waterfall.setMatches(matches);
    findCount.textContent = q ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : '';
  }

  function nextOf(list, from) {
    if (!list.length) return -1;
    const after = list.find((i) => i > from);
    return after === undefined ? list[0] : after;
  }

  function render() {
    const errors = trace.error_count;
    const rootName = trace.spans.find((s) => s.depth === 0)?.name ?? `Trace ${id}`;
    replace(head,
      h('h1', null, rootName),
      h('div', { class: 'meta' },
        h('span', null, 'trace ', h('code', { id: 'trace-id' }, trace.trace_id)),
        h('span', null, f.time(trace.start_ns)),
        h('span', null, f.duration(trace.duration_ms)),
        h('span', { id: 'trace-span-count' }, `${f.int(trace.span_count)} spans`),
        errors ? chip(`${f.int(errors)} error${errors === 1 ? '' : 's'}`, 'error') : chip('no errors', 'ok'),
        h('span', null, trace.services.join(', ')),
        h('a', { href: href('/agents', { trace: trace.trace_id }), id: 'trace-agent-graph' }, 'agent graph'),
        h('a', { href: href('/compare', { trace_a: trace.trace_id }), id: 'trace-compare' }, 'compare with another trace'),
        h('a', { href: href('/traces', {}) }, '← traces')));

    const waterfallEl = h('div', { style: { display: 'contents' } });
    const findInput = h('input', { type: 'search', placeholder: 'Find span: name, service, model, id', 'aria-label': 'Find span' });
    findCount = h('span', { class: 'count' });
    let debounce = 0;
    findInput.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => find(findInput.value), 150);
    });
    findInput.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      clearTimeout(debounce);
      if (!matches.length) find(findInput.value);
      const next = nextOf(matches, matchAt);
      if (next >= 0) {
        matchAt = next;
        waterfall.select(next);
      }
    });
    const errorIndices = [];
    for (let i = 0; i < model.n; i += 1) if (model.error[i]) errorIndices.push(i);
    const tools = h('div', { class: 'wf-tools' },
      findInput, findCount,
      errorIndices.length ? h('button', { type: 'button', id: 'next-error', onclick: () => waterfall.select(nextOf(errorIndices, waterfall.selected)) }, 'Next error') : null,
      h('button', { type: 'button', onclick: () => waterfall.collapseAll(true) }, 'Collapse all'),
      h('button', { type: 'button', onclick: () => waterfall.collapseAll(false) }, 'Expand all'),
      h('span', { class: 'spacer' }),
      h('label', { class: 'wf-legend', title: 'The chain of spans that determined the trace\'s duration' },
        h('input', {
          type: 'checkbox',
          id: 'critical-path-toggle',
          checked: showCriticalPath(),
          onchange: (e) => {
            ctx.setParams({ cp: e.target.checked ? null : '0' });
            waterfall.setCriticalPath(e.target.checked);
          },
        }),
        h('span', { class: 'wf-cp-key' }), 'Critical path'),
      model.services.size > 1 ? h('span', { class: 'wf-legend' }, [...model.services].slice(0, 6).map(([svc, color]) =>
        h('span', null, h('span', { class: 'wf-dot', style: { background: color, display: 'inline-block', marginRight: '4px' } }), svc))) : null);
    const wf = h('div', { class: 'wf', id: 'waterfall' }, tools, waterfallEl);
    panel = h('aside', { class: 'panel', id: 'span-panel', 'aria-label': 'Span details' });
    panel.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-select-span]');
      if (!a) return;
      e.preventDefault();
      const i = model.byId.get(a.dataset.selectSpan);
      if (i !== undefined) waterfall.select(i);
    });
    replace(body, h('div', { class: 'trace-layout' }, wf, panel));
    body.className = '';
    waterfall?.destroy();
    waterfall = new Waterfall(waterfallEl, model, { onSelect: selectSpan, criticalPath: showCriticalPath() });
  }

  async function load() {
    const timing = {};
    const t0 = performance.now();
    let next;
    try {
      next = await api.get(`/traces/${encodeURIComponent(id)}/tree`, null, { signal: ctx.signal, timing });
    } catch (e) {
      if (api.isAbort(e)) return;
      replace(head, h('h1', null, `Trace ${id}`));
      body.className = '';
      if (e.status === 404) {
        replace(body, empty('Trace not found', `No span of trace ${id} is stored. It may not have arrived yet, or the id may be mistyped.`),
          h('p', { class: 'empty' }, h('a', { href: href('/traces', {}) }, 'Search traces')));
      } else {
        replace(body, errorBox('the trace', e));
      }
      return;
    }
    const t1 = performance.now();
    const keepScroll = waterfall ? waterfall.scroll.scrollTop : 0;
    const keepCollapsed = waterfall ? [...waterfall.collapsed].map((i) => model.spans[i].span_id) : [];
    if (trace && next.span_count !== trace.span_count) details.clear();
    trace = next;
    model = buildModel(trace);
    hasRetrieval = trace.spans.some((s) => s.genai?.operation === 'retrieval');
    ragViews.clear();
    const t2 = performance.now();
    render();
    for (const spanId of keepCollapsed) {
      const i = model.byId.get(spanId);
      if (i !== undefined) waterfall.collapsed.add(i);
    }
    if (keepCollapsed.length) waterfall.recompute();
    waterfall.scroll.scrollTop = keepScroll;
    const selectedId = ctx.params.get('span');
    const selected = selectedId ? model.byId.get(selectedId) : undefined;
    if (selected !== undefined) waterfall.select(selected, { notify: false, scroll: keepScroll === 0 });
    showPanel(selected ?? -1, { immediate: true });
    if (selectedId && selected === undefined) {
      panel.prepend(h('div', { class: 'notice' }, `Span ${selectedId} is not part of this trace.`));
    }
    loadPathSegments();
    const t3 = performance.now();
    performance.measure('fd:trace:fetch', { start: t0, duration: timing.fetch_ms ?? t1 - t0 });
    performance.measure('fd:trace:parse', { start: t0 + (timing.fetch_ms ?? 0), duration: timing.parse_ms ?? 0 });
    performance.measure('fd:trace:model', { start: t1, end: t2 });
    performance.measure('fd:trace:render', { start: t2, end: t3 });
    root.dataset.traceBytes = String(timing.bytes ?? 0);
  }

  return { load, unmount: () => waterfall?.destroy() };
}
