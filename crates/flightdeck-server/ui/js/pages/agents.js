// Agents: what each agent did in the range (from analytics by agent, and by agent and tool). The
// workflow graph — for one trace and aggregated over the range — arrives in round 2.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { empty, errorBox, round2, section, table } from '../components.js';
import { groupFilters, metricColumns } from '../analytics.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Agents';

export function mount(root, ctx) {
  const agents = h('div', { id: 'agents-table' });
  const tools = h('div', { id: 'agent-tools-table' });
  const traceInput = h('input', { type: 'text', placeholder: 'trace id (32 hex characters)', 'aria-label': 'Trace id for the workflow graph', value: ctx.params.get('trace') ?? '', disabled: true });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Agents'), h('span', { class: 'sub' }, rangeLabel(ctx.params))),
    h('div', { class: 'grid two' },
      section('Workflow graph of one trace', {},
        h('div', { class: 'form-actions', style: { marginTop: 0, marginBottom: '8px' } }, traceInput, h('button', { type: 'button', disabled: true }, 'Show graph')),
        round2('Agent workflow graph', 'Agents, model calls and tools of one trace as a graph (who called whom, how often, how long), drawn with the vendored chart library.')),
      section('Workflow graph over the time range', {},
        round2('Aggregated agent graph', 'The same graph merged over every trace in the range, with call counts, error rates and latency on the edges.'))),
    section('Agents', {}, agents),
    section('Tools called by agents', {}, tools));

  async function load() {
    const opts = { signal: ctx.signal };
    const [byAgent, byTool] = await Promise.allSettled([
      api.get('/analytics', { ...ctx.range, group_by: 'agent', order_by: 'requests', limit: 100 }, opts),
      api.get('/analytics', { ...ctx.range, group_by: 'agent,tool', operation: 'execute_tool', order_by: 'requests', limit: 200 }, opts),
    ]);
    if ([byAgent, byTool].some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;
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
