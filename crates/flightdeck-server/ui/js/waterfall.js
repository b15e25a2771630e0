// The trace waterfall: one row per span in tree order, bars on a shared time axis. Rows are
// virtualized (only the rows in view exist in the DOM), so a trace of 10,000+ spans scrolls as fast
// as one of ten. Subtrees collapse; arrow keys move the selection. The critical path can be
// highlighted: its spans' rows are marked (from the tree) and the stretches each one contributes
// are underlined on its bar (from the full path, when the page fetched it; else the whole bar).

import { h, replace } from './dom.js';
import * as f from './format.js';

const ROW = 24;
const OVERSCAN = 12;
const MAX_INDENT_DEPTH = 24;
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];

/**
 * The trace as flat arrays, index = position in the API's depth-first order: offsets and
 * durations in ms, depth, parent index (-1 for roots), `end[i]` = the index after i's subtree.
 */
export function buildModel(trace) {
  const spans = trace.spans;
  const n = spans.length;
  const t0 = trace.start_ns;
  const start = new Float64Array(n);
  const dur = new Float64Array(n);
  const depth = new Int32Array(n);
  const parent = new Int32Array(n);
  const end = new Int32Array(n);
  const error = new Uint8Array(n);
  const color = new Array(n);
  const services = new Map();
  const byId = new Map();
  const stack = [];
  for (let i = 0; i < n; i += 1) {
    const s = spans[i];
    start[i] = (s.start_ns - t0) / 1e6;
    dur[i] = Math.max(0, (s.end_ns - s.start_ns) / 1e6);
    depth[i] = s.depth;
    error[i] = s.status?.code === 'error' ? 1 : 0;
    while (stack.length && depth[stack[stack.length - 1]] >= s.depth) end[stack.pop()] = i;
    parent[i] = stack.length ? stack[stack.length - 1] : -1;
    stack.push(i);
    let c = services.get(s.service);
    if (c === undefined) {
      c = PALETTE[services.size % PALETTE.length];
      services.set(s.service, c);
    }
    color[i] = c;
    byId.set(s.span_id, i);
  }
  while (stack.length) end[stack.pop()] = n;
  const total = Math.max((trace.end_ns - t0) / 1e6, 1e-6);
  // The critical path: which spans are on it (the tree gives each its `critical_ns`); the
  // stretches each contributes arrive later, if at all (`setPathSegments`).
  const onPath = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) if (spans[i].critical_ns != null) onPath[i] = 1;
  return { spans, n, start, dur, depth, parent, end, error, color, services, byId, total, onPath, pathSegments: null };
}

/**
 * Adds the stretches (ms from the trace start) each span contributes to the critical path, from
 * `GET /api/v1/traces/{id}/critical_path`'s `segments`.
 */
export function setPathSegments(model, segments, traceStartNs) {
  const map = new Map();
  for (const seg of segments ?? []) {
    const i = seg.span_id ? model.byId.get(seg.span_id) : undefined;
    if (i === undefined) continue;
    let list = map.get(i);
    if (!list) map.set(i, (list = []));
    list.push([(seg.start_ns - traceStartNs) / 1e6, (seg.end_ns - traceStartNs) / 1e6]);
  }
  model.pathSegments = map;
}

/** Nice tick positions (ms) for an axis of `total` ms. */
function ticks(total) {
  const raw = total / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const stepUnit = [1, 2, 2.5, 5, 10].find((m) => m * pow >= raw) * pow;
  const out = [];
  for (let t = 0; t <= total * 1.0001 && out.length < 12; t += stepUnit) out.push(t);
  return out;
}

export class Waterfall {
  /** `onSelect(i)` runs when the user selects a span (click or keys). */
  constructor(container, model, { onSelect, criticalPath = false }) {
    this.m = model;
    this.onSelect = onSelect;
    this.criticalPath = criticalPath;
    this.collapsed = new Set();
    this.selected = -1;
    this.matches = new Set();
    this.frame = 0;
    this.visible = null;

    this.axis = h('div', { class: 'wf-axis' });
    this.rows = h('div', { class: 'wf-rows' });
    this.spacer = h('div', { class: 'wf-spacer' }, this.rows);
    this.scroll = h('div', { class: 'wf-scroll', tabIndex: 0, role: 'tree', 'aria-label': 'Spans of the trace' }, this.spacer);
    replace(container,
      h('div', { class: 'wf-head' }, h('div', null, 'Span'), this.axis),
      this.scroll);
    for (const t of ticks(model.total)) {
      this.axis.appendChild(h('span', { style: { left: `${(100 * t) / model.total}%` } }, f.duration(t)));
    }

    this.scroll.addEventListener('scroll', () => this.schedule());
    this.scroll.addEventListener('click', (e) => {
      const row = e.target.closest('.wf-row');
      if (!row) return;
      const i = Number(row.dataset.i);
      if (e.target.closest('.wf-caret') && this.hasChildren(i)) this.toggle(i);
      else this.select(i);
    });
    this.scroll.addEventListener('keydown', (e) => this.key(e));
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroll);
    this.recompute();
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
  }

  hasChildren(i) {
    return this.m.end[i] > i + 1;
  }

  /** Recomputes the visible rows after collapsing or expanding. */
  recompute() {
    const { n, end } = this.m;
    const out = new Int32Array(n);
    let count = 0;
    let i = 0;
    while (i < n) {
      out[count] = i;
      count += 1;
      i = this.collapsed.has(i) ? end[i] : i + 1;
    }
    this.visible = out.subarray(0, count);
    this.spacer.style.height = `${count * ROW}px`;
    this.render();
  }

  /** The visible row of span i, or -1 when it is inside a collapsed subtree. */
  rowOf(i) {
    const v = this.visible;
    let lo = 0;
    let hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid] === i) return mid;
      if (v[mid] < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    const top = this.scroll.scrollTop;
    const height = this.scroll.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW}px)`;
    const frag = document.createDocumentFragment();
    for (let r = first; r < last; r += 1) frag.appendChild(this.row(this.visible[r]));
    this.rows.replaceChildren(frag);
    this.firstRow = first;
    this.lastRow = last;
  }

  row(i) {
    const { m } = this;
    const s = m.spans[i];
    const d = m.depth[i];
    const indent = Math.min(d, MAX_INDENT_DEPTH) * 12;
    const startPct = (100 * m.start[i]) / m.total;
    const widthPct = (100 * m.dur[i]) / m.total;
    const endPct = startPct + widthPct;
    const caret = this.hasChildren(i) ? (this.collapsed.has(i) ? '▶' : '▼') : '';
    const op = s.genai?.operation;
    const cls = ['wf-row'];
    if (i === this.selected) cls.push('selected');
    if (this.matches.has(i)) cls.push('match');
    const onPath = this.criticalPath && m.onPath[i] === 1;
    if (onPath) cls.push('on-path');
    // The duration goes inside a wide bar, else after it, or before it near the right edge.
    let labelStyle;
    if (widthPct >= 14) labelStyle = { left: `calc(${startPct}% + 4px)`, color: '#fff' };
    else if (endPct > 80) labelStyle = { right: `calc(${100 - startPct}% + 4px)` };
    else labelStyle = { left: `calc(${endPct}% + 4px)` };
    const label = h('span', { class: 'wf-dur', style: labelStyle }, f.duration(m.dur[i]));
    return h('div', {
      class: cls.join(' '),
      dataset: { i: String(i), spanId: s.span_id },
      role: 'treeitem',
      'aria-level': String(d + 1),
      'aria-selected': String(i === this.selected),
      'aria-expanded': caret ? String(!this.collapsed.has(i)) : null,
    },
    h('div', { class: 'wf-name', style: { paddingLeft: `${indent + 4}px` }, title: `${s.name} (${s.service})` },
      h('span', { class: 'wf-caret' }, caret),
      d > MAX_INDENT_DEPTH ? h('span', { class: 'wf-svc' }, `L${d}`) : null,
      h('span', { class: 'wf-dot', style: { background: m.color[i] } }),
      m.error[i] ? h('span', { class: 'wf-err', title: 'error' }, '!') : null,
      h('span', { class: 'wf-label' }, s.name),
      op && !s.name.startsWith(op) ? h('span', { class: 'chip op' }, op) : null,
      m.services.size > 1 ? h('span', { class: 'wf-svc' }, s.service) : null),
    h('div', { class: 'wf-track' },
      h('div', { class: `wf-bar${m.error[i] ? ' error' : ''}`, style: { left: `${startPct}%`, width: `${widthPct}%`, background: m.color[i] } }),
      onPath ? (m.pathSegments?.get(i) ?? [[m.start[i], m.start[i] + m.dur[i]]]).map(([a, b]) => h('div', {
        class: 'wf-cp',
        title: `on the critical path: ${f.duration(b - a)}`,
        style: { left: `${(100 * a) / m.total}%`, width: `${(100 * (b - a)) / m.total}%` },
      })) : null,
      label));
  }

  /** Shows or hides the critical path. */
  setCriticalPath(on) {
    this.criticalPath = on;
    this.render();
  }

  /** Selects span i (and tells the page), scrolling it into view. */
  select(i, { notify = true, scroll = true } = {}) {
    if (i < 0 || i >= this.m.n) return;
    this.reveal(i);
    this.selected = i;
    if (scroll) this.scrollTo(i);
    this.render();
    if (notify) this.onSelect(i);
  }

  /** Expands every collapsed ancestor of i. */
  reveal(i) {
    let changed = false;
    for (let p = this.m.parent[i]; p >= 0; p = this.m.parent[p]) {
      if (this.collapsed.delete(p)) changed = true;
    }
    if (changed) this.recompute();
  }

  scrollTo(i) {
    const r = this.rowOf(i);
    if (r < 0) return;
    const top = r * ROW;
    const view = this.scroll.clientHeight;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW > this.scroll.scrollTop + view) this.scroll.scrollTop = top - view + ROW * 3;
  }

  toggle(i) {
    if (this.collapsed.has(i)) this.collapsed.delete(i);
    else this.collapsed.add(i);
    if (this.selected > i && this.selected < this.m.end[i] && this.collapsed.has(i)) this.selected = i;
    this.recompute();
  }

  /** Collapses every span with children below the roots, or expands everything. */
  collapseAll(collapse) {
    this.collapsed.clear();
    if (collapse) {
      for (let i = 0; i < this.m.n; i += 1) if (this.m.depth[i] >= 1 && this.hasChildren(i)) this.collapsed.add(i);
    }
    this.recompute();
  }

  setMatches(indices) {
    this.matches = new Set(indices);
    this.render();
  }

  key(e) {
    const r = this.rowOf(this.selected);
    let next = -1;
    switch (e.key) {
      case 'ArrowDown':
        next = this.visible[Math.min(this.visible.length - 1, r + 1)];
        break;
      case 'ArrowUp':
        next = this.visible[Math.max(0, r - 1)];
        break;
      case 'ArrowLeft':
        if (this.selected >= 0 && this.hasChildren(this.selected) && !this.collapsed.has(this.selected)) this.toggle(this.selected);
        else if (this.selected >= 0) next = this.m.parent[this.selected];
        break;
      case 'ArrowRight':
        if (this.selected >= 0 && this.collapsed.has(this.selected)) this.toggle(this.selected);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next !== undefined && next >= 0) this.select(next);
  }
}
