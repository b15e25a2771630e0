// Charts, drawn by the vendored Apache ECharts (see ../vendor/README.md). Only pages with charts
// import this module, so the trace page never loads the library.

import * as echarts from '../vendor/echarts/echarts.esm.min.mjs';

const dark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches;

/**
 * A chart in `el` that follows the element's size; disposed by `ctx.cleanup`. Returns
 * `{update(option), instance}`; `update` replaces the whole option.
 */
export function chart(el, ctx, { onClick } = {}) {
  let instance = null;
  let observer = null;
  const ensure = () => {
    if (instance) return instance;
    instance = echarts.init(el, dark() ? 'dark' : null, { renderer: 'canvas' });
    if (onClick) instance.on('click', onClick);
    observer = new ResizeObserver(() => instance?.resize());
    observer.observe(el);
    return instance;
  };
  ctx.cleanup(() => {
    observer?.disconnect();
    instance?.dispose();
    instance = null;
  });
  return {
    update(option) {
      ensure().setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true });
    },
    get instance() {
      return instance;
    },
  };
}

/**
 * A time-series option. `series`: [{name, points: [[ms, value|null], ...]}]; `kind`: line or bar;
 * `stack`: stack the series; `fmt`: value formatter for the tooltip (and the axis, unless `axisFmt`).
 */
export function timeSeries({ series, kind = 'line', stack = false, fmt = String, axisFmt = fmt, startMs, endMs }) {
  return {
    animation: false,
    grid: { left: 8, right: 12, top: 34, bottom: 8, containLabel: true },
    legend: { type: 'scroll', top: 0, textStyle: { fontSize: 11 } },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v) => (v === null || v === undefined ? '—' : fmt(v)),
    },
    xAxis: { type: 'time', min: startMs, max: endMs, axisLabel: { hideOverlap: true, fontSize: 11 } },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => axisFmt(v), fontSize: 11 }, splitNumber: 4 },
    series: series.map((s) => ({
      name: s.name,
      type: kind,
      stack: stack ? 'total' : undefined,
      data: s.points,
      showSymbol: false,
      connectNulls: false,
      barMaxWidth: 18,
      emphasis: { focus: 'series' },
      lineStyle: { width: 1.6 },
    })),
  };
}

/** A horizontal bar chart: `categories` (top to bottom), `series` [{name, data}]; `fmt` for values. */
export function bars({ categories, series, fmt = String, stack = false }) {
  return {
    animation: false,
    grid: { left: 8, right: 20, top: 30, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v) => (v === null || v === undefined ? '—' : fmt(v)) },
    xAxis: { type: 'value', axisLabel: { formatter: (v) => fmt(v), fontSize: 11 }, splitNumber: 4 },
    yAxis: { type: 'category', data: categories, inverse: true, axisLabel: { fontSize: 11, width: 160, overflow: 'truncate' } },
    series: series.map((s) => ({ name: s.name, type: 'bar', stack: stack ? 'total' : undefined, data: s.data, barMaxWidth: 14 })),
  };
}

/** A scatter of traces: x start time, y duration; errors in their own series. */
export function traceScatter({ ok, errors, startMs, endMs, fmt }) {
  return {
    animation: false,
    grid: { left: 8, right: 12, top: 30, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    tooltip: {
      trigger: 'item',
      confine: true,
      // Names come from telemetry: escaped, since tooltips are HTML.
      formatter: (p) => `${echarts.format.encodeHTML(String(p.data[2]))}<br>${echarts.format.encodeHTML(fmt(p.data[1]))}`,
    },
    xAxis: { type: 'time', min: startMs, max: endMs, axisLabel: { hideOverlap: true, fontSize: 11 } },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => fmt(v), fontSize: 11 }, splitNumber: 4 },
    series: [
      { name: 'ok', type: 'scatter', data: ok, symbolSize: 7, itemStyle: { color: '#3f7de0' } },
      { name: 'error', type: 'scatter', data: errors, symbolSize: 8, itemStyle: { color: '#d64545' } },
    ],
  };
}

const KIND_COLORS = { workflow: '#6f42c1', agent: '#1f77b4', tool: '#e8590c', model: '#2f9e44', retrieval: '#0b7285' };

/**
 * Columns for a workflow graph: each node one step right of its deepest invoker (cycles are cut
 * where they close), nodes of a column stacked in the order given (kind, then name).
 */
function layered(nodes, edges) {
  const ids = nodes.map((n) => n.id);
  const incoming = new Map(ids.map((id) => [id, []]));
  for (const e of edges) if (incoming.has(e.to) && e.from !== e.to) incoming.get(e.to).push(e.from);
  const layer = new Map();
  const visiting = new Set();
  const depthOf = (id) => {
    if (layer.has(id)) return layer.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const from of incoming.get(id) ?? []) d = Math.max(d, depthOf(from) + 1);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const id of ids) depthOf(id);
  const columns = [];
  for (const n of nodes) {
    const d = layer.get(n.id) ?? 0;
    while (columns.length <= d) columns.push([]);
    columns[d].push(n.id);
  }
  return columns.filter((c) => c.length);
}

const GRAPH_MARGIN = { left: 70, right: 110, top: 44, bottom: 30 };

/**
 * An agent workflow graph (nodes and edges as the agents endpoints return them): nodes sized by
 * invocations and coloured by kind (red outline when any failed), edges labelled with call counts.
 * `fmt` formats nanoseconds for the tooltip; `width` is the chart's width in pixels. Returns the
 * chart option and the height (px) that keeps the tallest column readable. Positions are laid out
 * in pixels of the drawing area, so the chart is drawn at scale 1 and nothing is stretched.
 */
export function workflowGraph({ nodes, edges, fmt, width }) {
  const esc = (v) => echarts.format.encodeHTML(String(v));
  const columns = layered(nodes, edges);
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const height = Math.max(300, GRAPH_MARGIN.top + GRAPH_MARGIN.bottom + 46 * tallest);
  const vw = Math.max(200, (width || 800) - GRAPH_MARGIN.left - GRAPH_MARGIN.right);
  const vh = height - GRAPH_MARGIN.top - GRAPH_MARGIN.bottom;
  const pos = new Map();
  columns.forEach((list, d) => {
    const x = columns.length > 1 ? (d * vw) / (columns.length - 1) : vw / 2;
    list.forEach((id, k) => pos.set(id, [x, list.length > 1 ? (k * vh) / (list.length - 1) : vh / 2]));
  });
  const busy = edges.length > 30;
  // Two invisible corners make the data extent exactly the drawing area.
  const anchors = [[0, 0], [vw, vh]].map(([x, y], k) => ({
    id: `__corner${k}`, name: '', x, y, symbolSize: 0, silent: true, label: { show: false }, tooltip: { show: false }, raw: null,
  }));
  const maxCalls = Math.max(1, ...nodes.map((n) => n.invocations));
  const maxEdge = Math.max(1, ...edges.map((e) => e.count));
  const option = {
    animation: false,
    tooltip: {
      confine: true,
      formatter: (p) => {
        const d = p.data.raw;
        if (!d) return '';
        if (p.dataType === 'edge') {
          return `${esc(d.from)} → ${esc(d.to)}<br>${d.count} call${d.count === 1 ? '' : 's'}, ${d.errors} failed`
            + `<br>total ${esc(fmt(d.total_duration_ns))}, longest ${esc(fmt(d.max_duration_ns))}${d.via_link ? `<br>${d.via_link} across a span link` : ''}`;
        }
        return `<strong>${esc(d.name)}</strong> (${esc(d.kind)})<br>${d.invocations} invocation${d.invocations === 1 ? '' : 's'}, ${d.errors} failed`
          + `<br>total ${esc(fmt(d.total_duration_ns))}, longest ${esc(fmt(d.max_duration_ns))}`;
      },
    },
    legend: { top: 0, data: Object.keys(KIND_COLORS), textStyle: { fontSize: 11 } },
    series: [{
      type: 'graph',
      layout: 'none',
      roam: true,
      ...GRAPH_MARGIN,
      width: vw,
      height: vh,
      categories: Object.entries(KIND_COLORS).map(([name, color]) => ({ name, itemStyle: { color } })),
      edgeSymbol: ['none', 'arrow'],
      edgeSymbolSize: 8,
      label: { show: true, position: 'bottom', fontSize: 11, formatter: (p) => p.data.raw?.name ?? '' },
      edgeLabel: { show: !busy, fontSize: 10, formatter: (p) => `${p.data.raw.count}×` },
      emphasis: { focus: 'adjacency', edgeLabel: { show: true } },
      // Symbols keep their pixel size whatever the zoom (the view scales x and y separately).
      nodeScaleRatio: 0,
      data: [...anchors, ...nodes.map((n) => ({
        id: n.id,
        name: n.id,
        raw: n,
        x: pos.get(n.id)[0],
        y: pos.get(n.id)[1],
        category: Object.keys(KIND_COLORS).indexOf(n.kind),
        symbolSize: 12 + 18 * Math.sqrt(n.invocations / maxCalls),
        itemStyle: n.errors ? { borderColor: '#d64545', borderWidth: 3 } : undefined,
      }))],
      links: edges.map((e) => ({
        source: e.from,
        target: e.to,
        raw: e,
        lineStyle: { width: 1 + 4 * Math.sqrt(e.count / maxEdge), color: e.errors ? '#d64545' : '#8a93a0', curveness: e.from === e.to ? 0.6 : 0.05, opacity: busy ? 0.45 : 0.9 },
      })),
    }],
  };
  return { option, height };
}
