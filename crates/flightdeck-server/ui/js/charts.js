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
