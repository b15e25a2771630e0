// Agents: the workflow graph of one trace (agents, workflows, tools, model calls and retrievals,
// who invoked whom, following span links into linked traces) and the same graph merged over the
// traces of the time range, each with what looks wrong (repeated invocations, agent cycles,
// stalls); then what each agent did in the range (analytics by agent, and by agent and tool) and
// how retrieval went per data source (latency, documents, relevance scores).

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { chip, empty, errorBox, section, table } from '../components.js';
import { groupFilters, metricColumns } from '../analytics.js';
import { chart, workflowGraph } from '../charts.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Agents';

const TRACE_ID = /^[0-9a-f]{32}$/;

export function mount(root, ctx) {
  const agents = h('div', { id: 'agents-table' });
  const tools = h('div', { id: 'agent-tools-table' });
  const retrieval = h('div', { id: 'retrieval-table' });
  const traceGraphEl = h('div', { class: 'chart graph', id: 'trace-graph' });
  const traceInfo = h('div', { id: 'trace-graph-info' });
  const rangeGraphEl = h('div', { class: 'chart graph', id: 'range-graph' });
  const rangeInfo = h('div', { id: 'range-graph-info' });
  const traceInput = h('input', {
    type: 'text',
    name: 'trace',
    placeholder: 'trace id (32 hex characters)',
    'aria-label': 'Trace id for the workflow graph',
    value: ctx.params.get('trace') ?? '',
    size: 36,
    autocomplete: 'off',
  });
  const traceForm = h('form', {
    class: 'form-actions',
    id: 'agent-trace-form',
    style: { marginTop: 0, marginBottom: '8px' },
    onsubmit: (e) => {
      e.preventDefault();
      ctx.navigate(href('/agents', { trace: traceInput.value.trim().toLowerCase() }));
    },
  }, traceInput, h('button', { type: 'submit' }, 'Show graph'));
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Agents'), h('span', { class: 'sub' }, rangeLabel(ctx.params))),
    section('Workflow graph of one trace', {}, traceForm, traceInfo, traceGraphEl),
    section('Workflow graph over the time range', {}, rangeInfo, rangeGraphEl),
    section('Agents', {}, agents),
    section('Tools called by agents', {}, tools),
    section('Retrieval by data source', {}, retrieval));

  // Clicking a node of the trace graph opens its first span; of the range graph, its traces.
  const traceChart = chart(traceGraphEl, ctx, {
    onClick: (p) => {
      const ex = p.data?.raw?.examples?.[0];
      if (ex) ctx.navigate(href(`/traces/${ex.trace_id}`, { span: ex.span_id }, { keepGlobal: false }));
    },
  });
  const rangeChart = chart(rangeGraphEl, ctx, {
    onClick: (p) => {
      const n = p.data?.raw;
      if (p.dataType !== 'node' || !n) return;
      const filter = { agent: { agent: n.name }, workflow: { agent: n.name }, tool: { tool: n.name }, model: { model: n.name } }[n.kind];
      if (filter) ctx.navigate(href('/traces', filter));
    },
  });

  async function loadTraceGraph(opts) {
    let id = (ctx.params.get('trace') ?? '').trim().toLowerCase();
    let picked = false;
    if (!id) {
      // No trace asked for: the newest trace in the range with an agent.
      const recent = await api.get('/traces', { ...ctx.range, operation: 'invoke_agent', limit: 1 }, opts);
      id = recent.traces[0]?.trace_id ?? '';
      picked = Boolean(id);
    }
    if (!id) {
      traceGraphEl.hidden = true;
      replace(traceInfo, empty('No agent trace in this time range', 'Enter a trace id above, or pick a longer range.'));
      return;
    }
    if (!TRACE_ID.test(id)) {
      traceGraphEl.hidden = true;
      replace(traceInfo, errorBox('the workflow graph', { message: `${JSON.stringify(id)} is not a trace id (32 hex characters)` }));
      return;
    }
    if (picked) traceInput.value = id;
    let g;
    try {
      g = await api.get(`/traces/${id}/agents`, null, opts);
    } catch (e) {
      if (api.isAbort(e)) throw e;
      traceGraphEl.hidden = true;
      replace(traceInfo, errorBox('the workflow graph', e));
      return;
    }
    replace(traceInfo,
      h('p', { class: 'sub', style: { margin: '0 0 6px' } },
        picked ? 'The newest trace with an agent in the range: ' : 'Trace ',
        h('a', { href: href(`/traces/${id}`, {}, { keepGlobal: false }) }, f.shortId(id)),
        g.traces.length > 1 ? ` and ${g.traces.length - 1} trace${g.traces.length === 2 ? '' : 's'} linked to it` : '',
        g.missing_traces.length ? ` (${g.missing_traces.length} linked trace${g.missing_traces.length === 1 ? '' : 's'} not stored)` : '',
        g.truncated ? ' (more linked traces left out)' : '',
        `: ${f.int(g.graph.nodes.length)} nodes, ${f.int(g.graph.edges.length)} edges. Click a node to open its span.`),
      findings(g.findings, g.omitted_findings));
    drawGraph(traceGraphEl, traceInfo, traceChart, g.graph, 'No agents, tools or model calls in this trace.');
  }

  async function loadRangeGraph(opts) {
    let g;
    try {
      g = await api.get('/agents', { ...ctx.range, limit: 100 }, opts);
    } catch (e) {
      if (api.isAbort(e)) throw e;
      rangeGraphEl.hidden = true;
      replace(rangeInfo, errorBox('the workflow graph of the range', e));
      return;
    }
    if (!g.traces_merged) {
      rangeGraphEl.hidden = true;
      replace(rangeInfo, empty('No trace in this range', 'Pick a longer range in the top right.'));
      return;
    }
    replace(rangeInfo,
      h('p', { class: 'sub', style: { margin: '0 0 6px' } },
        `The ${f.int(g.traces_merged)} newest trace${g.traces_merged === 1 ? '' : 's'} of the range merged${g.truncated ? ' (more matched)' : ''}. Click a node to see its traces.`),
      findings(g.findings, g.omitted_findings));
    drawGraph(rangeGraphEl, rangeInfo, rangeChart, g.graph, 'No agents, tools or model calls in this time range.');
  }

  function drawGraph(el, info, c, graph, none) {
    if (!graph.nodes.length) {
      el.hidden = true;
      info.append(empty('Nothing to draw', none));
      return;
    }
    el.hidden = false;
    el.dataset.nodes = String(graph.nodes.length);
    el.dataset.edges = String(graph.edges.length);
    const { option, height } = workflowGraph({ nodes: graph.nodes, edges: graph.edges, fmt: f.durationNs, width: el.clientWidth });
    el.style.height = `${height}px`;
    c.update(option);
  }

  async function load() {
    const opts = { signal: ctx.signal };
    const [byAgent, byTool, traceGraph, rangeGraph, stats] = await Promise.allSettled([
      api.get('/analytics', { ...ctx.range, group_by: 'agent', order_by: 'requests', limit: 100 }, opts),
      api.get('/analytics', { ...ctx.range, group_by: 'agent,tool', operation: 'execute_tool', order_by: 'requests', limit: 200 }, opts),
      loadTraceGraph(opts),
      loadRangeGraph(opts),
      api.get('/retrieval', { ...ctx.range }, opts),
    ]);
    if ([byAgent, byTool, traceGraph, rangeGraph, stats].some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;
    if (stats.status === 'rejected') replace(retrieval, errorBox('the retrieval statistics', stats.reason));
    else replace(retrieval, retrievalTable(stats.value));
    if (traceGraph.status === 'rejected') replace(traceInfo, errorBox('the workflow graph', traceGraph.reason));
    if (rangeGraph.status === 'rejected') replace(rangeInfo, errorBox('the workflow graph of the range', rangeGraph.reason));
    if (byAgent.status === 'rejected') {
      replace(agents, errorBox('agents', byAgent.reason));
    } else {
      const rows = byAgent.value.rows.filter((r) => r.group.agent !== null);
      replace(agents, table([
        { label: 'Agent', value: (r) => r.group.agent },
        ...metricColumns(),
      ], rows, {
        href: (r) => href('/traces', groupFilters(r.group)),
        empty: empty('No agents in this time range', 'Agent spans carry gen_ai.agent.name (or gen_ai.agent.id); none arrived in this range.'),
      }));
    }
    if (byTool.status === 'rejected') {
      replace(tools, errorBox('tool calls', byTool.reason));
    } else {
      replace(tools, table([
        { label: 'Agent', value: (r) => r.group.agent ?? '(no agent)' },
        { label: 'Tool', value: (r) => r.group.tool ?? '(no tool name)' },
        { label: 'Calls', num: true, value: (r) => f.int(r.requests) },
        { label: 'Errors', num: true, value: (r) => (r.errors ? `${f.int(r.errors)} (${f.pct(r.error_rate)})` : '0') },
        { label: 'p50', num: true, value: (r) => f.duration(r.latency_ms.p50) },
        { label: 'p95', num: true, value: (r) => f.duration(r.latency_ms.p95) },
      ], byTool.value.rows, {
        href: (r) => href('/traces', { ...groupFilters(r.group), operation: 'execute_tool' }),
        empty: empty('No tool calls in this time range', 'Tool spans have gen_ai.operation.name = execute_tool.'),
      }));
    }
  }

  return { load };
}

const FINDING_LABELS = {
  repeated_invocation: (x) => `${x.invoker} called ${x.target} ${f.int(x.count)} times in one invocation`,
  agent_cycle: (x) => `cycle ${x.cycle.join(' → ')}${x.occurrences > 1 ? ` (${f.int(x.occurrences)} times)` : ''}`,
  stall: (x) => `${x.node} stalled ${f.durationNs(x.gap_ns)} (${f.pct(x.share, 0)} of its time) with nothing running`,
};

/** What looks wrong in a workflow graph, each with a link to the span concerned. */
function findings(list, omitted) {
  if (!list?.length) return h('div', { class: 'sub agent-findings', style: { marginBottom: '6px' } }, chip('no loops, cycles or stalls', 'ok'));
  return h('ul', { class: 'agent-findings' },
    list.map((x) => {
      const span = x.invoker_span_id ?? x.span_id ?? x.span_ids?.[0];
      const label = FINDING_LABELS[x.kind]?.(x) ?? x.kind;
      return h('li', null, chip(x.kind.replace(/_/g, ' '), 'warn'), ' ', label, ' ',
        span ? h('a', { href: href(`/traces/${x.trace_id}`, { span }, { keepGlobal: false }) }, 'open') : null);
    }),
    omitted ? h('li', { class: 'sub' }, `${f.int(omitted)} more not shown`) : null);
}

const p3 = (d, fmt) => (d?.count ? `${fmt(d.p50)} · ${fmt(d.p90)} · ${fmt(d.p99)}` : null);

/** Retrieval latency, documents per retrieval and relevance scores, overall and per data source. */
function retrievalTable(r) {
  const rows = r.overall?.retrievals ? [{ ...r.overall, data_source: null }, ...(r.by_source ?? [])] : [];
  return [table([
    { label: 'Data source', value: (x) => (x.data_source === null ? h('strong', null, 'all sources') : x.data_source) },
    { label: 'Retrievals', num: true, value: (x) => f.int(x.retrievals) },
    { label: 'Errors', num: true, value: (x) => f.int(x.errors) },
    { label: 'Empty results', num: true, value: (x) => (x.empty_results ? h('span', { class: 'bad-text' }, f.int(x.empty_results)) : '0') },
    { label: 'Latency p50 · p90 · p99', num: true, value: (x) => p3(x.latency_ms, f.duration) },
    { label: 'Documents (mean)', num: true, value: (x) => (x.documents_per_retrieval?.count ? x.documents_per_retrieval.mean.toFixed(1) : null) },
    { label: 'Score p50 · p90 · p99', num: true, value: (x) => p3(x.scores, (v) => v.toFixed(2)) },
  ], rows, {
    href: (x) => (x.data_source === null ? href('/traces', { operation: 'retrieval' }) : href('/traces', { operation: 'retrieval', attr: `gen_ai.data_source.id=${x.data_source}` })),
    empty: empty('No retrievals in this time range', 'Retrieval spans have gen_ai.operation.name = retrieval (or a vector-store query of another dialect).'),
  }),
  r.truncated ? h('p', { class: 'sub' }, `The newest ${f.int(r.limit)} retrievals of the range.`) : null,
  r.folded_retrievals ? h('p', { class: 'sub' }, `${f.int(r.folded_retrievals)} retrievals of further sources under (other).`) : null];
}
