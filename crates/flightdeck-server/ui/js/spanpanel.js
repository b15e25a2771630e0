// The detail panel of the trace page: one span (GenAI fields, tokens, cost, its messages as a chat,
// retrieved documents, events, links, log records, attributes, resource) or, with no span
// selected, the trace's totals. The header comes from the span tree at once; the rest from the
// span's own request.

import { h, replace } from './dom.js';
import * as f from './format.js';
import { attributes, chip, kv, table, value } from './components.js';
import { chatView, documentsView, hasMessages } from './chat.js';
import { href } from './state.js';

const MODEL_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

function block(title, ...children) {
  return h('div', { class: 'block' }, h('h3', null, title), children);
}

function offset(ns, fromNs) {
  return `+${f.duration((ns - fromNs) / 1e6)}`;
}

function logRecord(log, fromNs) {
  const t = log.time_unix_nano || log.observed_time_unix_nano;
  return h('div', { class: 'logrec' },
    h('div', { class: 'when' }, t ? offset(t, fromNs) : '', ' ', log.severity_text || (log.severity_number ? `severity ${log.severity_number}` : ''), ' ',
      log.event_name ? h('strong', null, log.event_name) : null),
    log.body !== null && log.body !== undefined && log.body !== '' ? h('pre', { class: 'json' }, value(log.body)) : null,
    Object.keys(log.attributes ?? {}).length ? attributes(log.attributes) : null);
}

/**
 * The top of the panel for span `i`, from the span tree alone (shown at once, while the span's
 * details load).
 */
export function spanHeader(trace, model, i) {
  const s = trace.spans[i];
  const op = s.genai?.operation;
  const parentIndex = model.parent[i];
  const status = s.status?.code ?? 'unset';
  return h('div', null,
    h('h2', { id: 'span-title' }, s.name),
    h('div', { class: 'attr-list', style: { marginBottom: '6px' } },
      chip(status, status === 'error' ? 'error' : status === 'ok' ? 'ok' : ''),
      chip(s.kind),
      chip(s.service),
      op ? chip(op, 'op') : null),
    s.status?.message ? h('div', { class: 'error-box' }, s.status.message) : null,
    kv([
      ['Duration', f.duration((s.end_ns - s.start_ns) / 1e6)],
      ['Starts at', `${offset(s.start_ns, trace.start_ns)} into the trace · ${f.time(s.start_ns)}`],
      ['Span id', h('code', null, s.span_id)],
      ['Parent', parentIndex >= 0
        ? h('a', { href: '#', dataset: { selectSpan: trace.spans[parentIndex].span_id } }, trace.spans[parentIndex].name)
        : (s.parent_span_id ? [h('code', null, s.parent_span_id), ' (not received)'] : 'none (root)')],
      ['Children', model.end[i] > i + 1 ? f.int(countChildren(model, i)) : null],
    ]));
}

function countChildren(model, i) {
  let n = 0;
  for (let c = i + 1; c < model.end[i]; c = model.end[c]) n += 1;
  return n;
}

/** Operations that generate from retrieved context (what `/traces/{id}/rag` pairs). */
export const GENERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

/**
 * The rest of the panel, from `GET /api/v1/traces/{id}/spans/{span_id}`: `{span, resource, logs,
 * content}`. `ragSlot`, when given, is placed after the messages (the page fills it with the
 * retrievals that fed this generation).
 */
export function spanDetails(detail, { ragSlot } = {}) {
  const s = detail.span;
  const g = s.genai ?? {};
  const op = g.operation;
  const resource = detail.resource;
  const logs = detail.logs ?? [];
  const parts = [kv([
    ['Scope', s.scope?.name ? `${s.scope.name}${s.scope.version ? ` ${s.scope.version}` : ''}` : null],
    ['Trace state', s.trace_state || null],
    ['Dropped', [s.dropped_attributes_count ? `${s.dropped_attributes_count} attributes` : '', s.dropped_events_count ? `${s.dropped_events_count} events` : '', s.dropped_links_count ? `${s.dropped_links_count} links` : ''].filter(Boolean).join(', ') || null],
  ])];

  // The cost follows the messages: on a model call, what was said matters first.
  let costBlock = null;
  if (Object.keys(g).length) {
    const u = g.usage ?? {};
    const hasUsage = Object.keys(u).length > 0;
    parts.push(block('GenAI',
      g.usage_missing ? h('div', { class: 'notice' }, 'This model call reported no token usage (a stream without include_usage?).') : null,
      kv([
        ['Operation', op],
        ['Provider', g.provider],
        ['Request model', g.request_model],
        ['Response model', g.response_model],
        ['Model family', g.model_family],
        ['Agent', [g.agent_name, g.agent_id ? h('span', { class: 'sub' }, ` (${g.agent_id})`) : null].filter(Boolean)],
        ['Tool', g.tool_name ? `${g.tool_name}${g.tool_type ? ` (${g.tool_type})` : ''}` : null],
        ['Tool call id', g.tool_call_id ? h('code', null, g.tool_call_id) : null],
        ['Conversation', g.conversation_id ? h('a', { href: href(`/conversations/${encodeURIComponent(g.conversation_id)}`, {}) }, g.conversation_id) : null],
        ['User', g.user_id],
        ['Response id', g.response_id ? h('code', null, g.response_id) : null],
        ['Finish reasons', g.finish_reasons?.length ? g.finish_reasons.join(', ') : null],
        ['Time to first chunk', g.time_to_first_chunk != null ? f.seconds(g.time_to_first_chunk) : null],
        ['Output tokens/s', g.output_tokens_per_second != null ? g.output_tokens_per_second.toFixed(1) : null],
        ['Longest stream gap', g.max_chunk_gap != null ? f.seconds(g.max_chunk_gap) : null],
        ['Context window use', g.context_window_use != null ? f.pct(g.context_window_use) : null],
        ['Error type', g.error_type ? chip(g.error_type, 'error') : null],
      ]),
      hasUsage ? h('div', { id: 'span-tokens', style: { marginTop: '6px' } }, kv([
        ['Input tokens', u.input_tokens],
        ['of which cache read', u.cache_read_input_tokens],
        ['of which cache write', u.cache_write_input_tokens],
        ['Output tokens', u.output_tokens],
        ['of which reasoning', u.reasoning_output_tokens],
      ].map(([label, v]) => [label, v === undefined || v === null ? null : f.int(v)]))) : null));

    if (MODEL_CALLS.has(op) || g.cost) {
      costBlock = block('Cost',
        g.cost
          ? kv([['Total', f.cost(g.cost.total)], ['Priced as', g.cost.priced_as],
            ...[['Input', g.cost.input], ['Cache read', g.cost.cache_read], ['Cache write', g.cost.cache_write], ['Output', g.cost.output], ['Reasoning', g.cost.reasoning]]
              .map(([label, v]) => [label, f.cost(v)])])
          : h('div', { class: 'notice', id: 'span-unpriced' },
            Object.keys(g.usage ?? {}).length
              ? [`Not priced: ${g.request_model ?? g.response_model ?? 'this model'} is not in the price catalog. `,
                h('a', { href: href('/diagnostics', {}) }, 'Unpriced models'), ' lists every such model; add it to the pricing overrides file.']
              : 'Not priced: the call reported no token usage.'));
    }
  }

  const content = detail.content ?? {};
  const toolCall = op === 'execute_tool'
    ? { name: g.tool_name, id: g.tool_call_id, arguments: s.attributes?.['gen_ai.tool.call.arguments'], result: s.attributes?.['gen_ai.tool.call.result'] }
    : null;
  const hasToolCall = toolCall && (toolCall.arguments !== undefined || toolCall.result !== undefined);
  if (hasMessages(content) || hasToolCall) {
    parts.push(block('Messages', chatView(content, { toolCall })));
  } else if ((MODEL_CALLS.has(op) && op !== 'embeddings') || op === 'invoke_agent' || op === 'execute_tool') {
    parts.push(block('Messages', h('div', { class: 'sub', id: 'span-no-content' },
      'No content captured. Messages are stored only when the instrumentation sends them (for OpenTelemetry instrumentations: ',
      h('code', null, 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true'), ').')));
  }
  const retrieval = content.retrieval ?? g.retrieval;
  if (retrieval?.documents?.length) {
    parts.push(block(`Retrieved documents (${retrieval.documents.length})`, documentsView(retrieval, { id: 'retrieved-documents' })));
  } else if (op === 'retrieval') {
    parts.push(block('Retrieved documents', h('div', { class: 'sub' },
      'No documents captured: the retrieval reported none (gen_ai.retrieval.documents), or they were not sent.')));
  }
  if (ragSlot) parts.push(ragSlot);
  if (costBlock) parts.push(costBlock);

  parts.push(block(`Events (${s.events?.length ?? 0})`,
    s.events?.length
      ? s.events.map((ev) => {
        const exception = ev.name === 'exception';
        return h('div', { class: `event${exception ? ' exception' : ''}` },
          h('div', { class: 'when' }, offset(ev.time_unix_nano, s.start_ns), ' ', h('strong', null, ev.name)),
          exception && ev.attributes?.['exception.message'] ? h('div', null, `${ev.attributes['exception.type'] ?? ''} ${ev.attributes['exception.message']}`) : null,
          Object.keys(ev.attributes ?? {}).length ? attributes(ev.attributes) : null);
      })
      : h('div', { class: 'loading' }, 'none')));

  parts.push(block(`Links (${s.links?.length ?? 0})`,
    s.links?.length
      ? s.links.map((l) => h('div', { class: 'linkrec' },
        h('a', { href: href(`/traces/${l.trace_id}`, { span: l.span_id }), class: 'span-link' }, `trace ${l.trace_id}`),
        h('div', { class: 'sub' }, 'span ', h('code', null, l.span_id)),
        Object.keys(l.attributes ?? {}).length ? attributes(l.attributes) : null))
      : h('div', { class: 'loading' }, 'none')));

  parts.push(block(`Log records (${logs.length})`,
    logs.length ? logs.map((log) => logRecord(log, s.start_ns)) : h('div', { class: 'loading' }, 'none')));

  parts.push(block(`Attributes (${Object.keys(s.attributes ?? {}).length})`, attributes(s.attributes)));
  parts.push(block('Resource', resource ? attributes(resource.attributes) : h('div', { class: 'loading' }, 'unknown')));

  const raw = h('pre', { class: 'json', hidden: true });
  parts.push(block('Raw span',
    h('button', {
      type: 'button',
      onclick: (e) => {
        if (raw.hidden) raw.textContent = JSON.stringify(s, null, 2);
        raw.hidden = !raw.hidden;
        e.target.textContent = raw.hidden ? 'Show span JSON' : 'Hide span JSON';
      },
    }, 'Show span JSON'),
    raw));
  return h('div', { id: 'span-detail', dataset: { spanId: s.span_id } }, parts);
}

/** The panel with no span selected: what the trace did, in totals, and its unattached logs. */
export function tracePanel(trace) {
  const byModel = new Map();
  let calls = 0;
  let input = 0;
  let output = 0;
  let costTotal = 0;
  const conversations = new Set();
  for (const s of trace.spans) {
    const g = s.genai;
    if (!g) continue;
    if (g.conversation_id) conversations.add(g.conversation_id);
    if (!MODEL_CALLS.has(g.operation)) continue;
    calls += 1;
    input += g.usage?.input_tokens ?? 0;
    output += g.usage?.output_tokens ?? 0;
    costTotal += g.cost_total ?? 0;
    const key = g.request_model ?? g.response_model ?? '(no model)';
    const row = byModel.get(key) ?? { model: key, provider: g.provider, calls: 0, errors: 0, input: 0, output: 0, ms: 0 };
    row.calls += 1;
    row.errors += s.status?.code === 'error' || g.error_type ? 1 : 0;
    row.input += g.usage?.input_tokens ?? 0;
    row.output += g.usage?.output_tokens ?? 0;
    row.ms += (s.end_ns - s.start_ns) / 1e6;
    byModel.set(key, row);
  }
  const loose = trace.loose_logs ?? [];
  const looseCount = trace.loose_log_count ?? loose.length;
  return h('div', { id: 'trace-summary' },
    h('h2', null, 'Trace'),
    h('p', { class: 'sub' }, 'Select a span in the waterfall (or use the arrow keys) to see its details.'),
    kv([
      ['Model calls', f.int(calls)],
      ['Tokens', calls ? `${f.int(input)} in · ${f.int(output)} out` : null],
      ['Cost', costTotal ? f.cost(costTotal) : null],
      ['Conversation', [...conversations].map((c, k) => [k ? ', ' : '', h('a', { href: href(`/conversations/${encodeURIComponent(c)}`, {}) }, c)])],
      ['Services', trace.services.join(', ')],
      ['Log records', f.int(trace.log_count ?? 0)],
    ]),
    byModel.size ? block('Model calls by model', table([
      { label: 'Model', value: (r) => [r.model, h('div', { class: 'sub' }, r.provider ?? '')] },
      { label: 'Calls', num: true, value: (r) => f.int(r.calls) },
      { label: 'Errors', num: true, value: (r) => f.int(r.errors) },
      { label: 'Tokens in / out', num: true, value: (r) => `${f.compact(r.input)} / ${f.compact(r.output)}` },
      { label: 'Time', num: true, value: (r) => f.duration(r.ms) },
    ], [...byModel.values()])) : null,
    block('Critical path', criticalPath(trace)),
    block(`Log records not tied to a span (${looseCount})`,
      loose.length ? loose.map((log) => logRecord(log, trace.start_ns)) : h('div', { class: 'loading' }, 'none'),
      looseCount > loose.length ? h('div', { class: 'sub' }, `${looseCount - loose.length} more not shown`) : null));
}

/** Spans listed in the trace panel's critical path, the largest contributions first. */
const PATH_ROWS = 12;

/**
 * The spans on the critical path with the time each one spent on it (clickable), from the tree:
 * each span on the path carries its `critical_ns`, the top level the totals.
 */
function criticalPath(trace) {
  const cp = trace.critical_path;
  const total = cp?.total_ns ?? 0;
  const rows = trace.spans
    .filter((s) => s.critical_ns != null)
    .map((s) => ({ span_id: s.span_id, name: s.name, service: s.service, operation: s.genai?.operation, self_ns: s.critical_ns, share: total ? s.critical_ns / total : 0 }))
    .sort((a, b) => b.self_ns - a.self_ns);
  if (!rows.length) return h('div', { class: 'loading' }, 'none (the trace has no timing)');
  const shown = rows.slice(0, PATH_ROWS);
  return h('div', { id: 'critical-path' },
    h('p', { class: 'sub', style: { margin: '0 0 6px' } },
      `${f.int(rows.length)} span${rows.length === 1 ? '' : 's'} explain the ${f.durationNs(total)} end to end`,
      cp.unattributed_ns ? `; ${f.durationNs(cp.unattributed_ns)} between roots is covered by no span` : '',
      '. Their own time on the path:'),
    table([
      { label: 'Span', wrap: true, value: (r) => [h('a', { href: '#', dataset: { selectSpan: r.span_id } }, r.name), r.operation && !r.name.startsWith(r.operation) ? [' ', chip(r.operation, 'op')] : null,
        h('div', { class: 'sub' }, r.service)] },
      { label: 'On path', num: true, value: (r) => f.durationNs(r.self_ns) },
      { label: 'Share', num: true, value: (r) => [h('span', { class: 'cp-bar' }, h('span', { style: { width: `${Math.min(100, 100 * r.share)}%` } })), f.pct(r.share, 0)] },
    ], shown),
    rows.length > shown.length ? h('div', { class: 'sub' }, `${f.int(rows.length - shown.length)} more spans with smaller shares`) : null);
}

/**
 * The retrievals that fed a generation (`generations[0]` of `GET /api/v1/traces/{id}/rag?span=`):
 * each retrieval's documents with their scores, and how long before the call it finished.
 */
export function ragBlock(view) {
  const g = view?.generations?.[0];
  const retrievals = g?.retrievals ?? [];
  if (!retrievals.length) {
    return block('Retrieved context', h('div', { class: 'sub', id: 'span-rag' }, 'No retrieval in this trace fed this call.'));
  }
  return block(`Retrieved context (${retrievals.length} retrieval${retrievals.length === 1 ? '' : 's'})`,
    h('div', { id: 'span-rag' },
      retrievals.map((r) => h('div', { class: 'rag-retrieval' },
        h('div', { class: 'sub' },
          h('a', { href: '#', dataset: { selectSpan: r.span_id } }, r.name),
          ` · ${f.durationNs(r.duration_ns)}, finished ${f.durationNs(r.lead_ns)} before this call`,
          r.failed ? [' ', chip('failed', 'error')] : null),
        r.documents?.length ? documentsView(r) : h('div', { class: 'sub' }, 'no documents reported'))),
      g.omitted_retrievals ? h('div', { class: 'sub' }, `${f.int(g.omitted_retrievals)} earlier retrievals not shown`) : null));
}
