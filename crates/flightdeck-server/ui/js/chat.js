// Captured content of a span as a chat: system instructions, the input messages, the response
// (with finish reasons), tool calls with their arguments and tool results; tool definitions
// folded away; and the retrieved documents of a retrieval with their scores. Everything comes from
// the `content` of `GET /api/v1/traces/{id}/spans/{span_id}`, already in the current GenAI
// conventions' shapes whatever dialect the span arrived in. Text is set as text, never as HTML.

import { h } from './dom.js';
import { chip, value } from './components.js';

/** Where each content field came from, in words (the API's `sources` values). */
const SOURCES = {
  span_attribute: 'span attributes (current conventions)',
  details_event: 'inference details event',
  indexed_attributes: 'OpenLLMetry indexed attributes',
  openinference_messages: 'OpenInference message attributes',
  vercel_attributes: 'Vercel AI SDK attributes',
  legacy_attribute: 'deprecated gen_ai.prompt / gen_ai.completion',
  legacy_span_events: 'deprecated content span events',
  message_events: 'per-message events',
  logfire_data: 'Logfire request / response data',
  openinference_value: 'OpenInference input / output value',
  traceloop_entity: 'Traceloop entity input / output',
  langfuse: 'Langfuse observation input / output',
  toad_eye: 'toad-eye prompt / completion',
};

const TEXT_LIMIT = 4000;
const JSON_LIMIT = 2000;

/** True when the content has any messages, instructions or tool definitions. */
export function hasMessages(content) {
  return Boolean(content && (content.input_messages?.length || content.output_messages?.length
    || content.system_instructions?.length || content.tool_definitions?.length));
}

function text(content) {
  return h('div', { class: 'msg-text' }, value(String(content ?? ''), { limit: TEXT_LIMIT }));
}

/** Structured values: on one line when short (typical tool arguments), else pretty-printed. */
function json(v) {
  const flat = JSON.stringify(v);
  if (flat !== undefined && flat.length <= 72) return h('pre', { class: 'json' }, flat);
  return h('pre', { class: 'json' }, value(v, { limit: JSON_LIMIT }));
}

/** One message part. */
function part(p) {
  switch (p?.type) {
    case 'text':
      return text(p.content);
    case 'reasoning':
      return h('details', { class: 'msg-reasoning' }, h('summary', null, 'Reasoning'), text(p.content));
    case 'tool_call':
      return h('div', { class: 'msg-tool call' },
        h('div', { class: 'msg-tool-head' }, '→ calls ', h('strong', null, p.name || '(unnamed tool)'),
          p.id ? [' ', h('code', null, p.id)] : null),
        p.arguments !== undefined ? json(p.arguments) : null);
    case 'tool_call_response':
      return h('div', { class: 'msg-tool result' },
        h('div', { class: 'msg-tool-head' }, '← result', p.id ? [' of ', h('code', null, p.id)] : null),
        typeof p.response === 'string' ? text(p.response) : json(p.response));
    case 'uri':
      return h('div', { class: 'msg-media' }, chip(p.modality ?? 'file'), ' ', h('code', null, p.uri ?? ''));
    case 'blob':
    case 'file':
      return h('div', { class: 'msg-media' }, chip(p.modality ?? p.type), ' ',
        p.mime_type ?? '', typeof p.content === 'string' ? ` (${p.content.length.toLocaleString('en-US')} characters, not shown)` : '');
    default:
      return json(p);
  }
}

/** One message: a role label, its parts, and (output messages) the finish reason. */
export function message(m, { output = false } = {}) {
  const role = m?.role ?? (output ? 'assistant' : 'user');
  const parts = Array.isArray(m?.parts) ? m.parts : [];
  const kind = ['system', 'user', 'assistant', 'tool'].includes(role) ? role : 'other';
  return h('div', { class: `msg ${kind}`, dataset: { role } },
    h('div', { class: 'msg-head' },
      h('span', { class: 'msg-role' }, role),
      m?.name ? h('span', { class: 'sub' }, m.name) : null,
      h('span', { class: 'spacer' }),
      m?.finish_reason ? chip(`finish: ${m.finish_reason}`, m.finish_reason === 'stop' ? 'ok' : m.finish_reason === 'error' || m.finish_reason === 'content_filter' ? 'error' : '') : null),
    parts.length ? parts.map(part) : h('div', { class: 'sub' }, '(no content)'));
}

/** The tool definitions the model was offered, folded. */
function toolDefinitions(defs) {
  return h('details', { class: 'msg-tools', id: 'tool-definitions' },
    h('summary', null, `Tools offered to the model (${defs.length})`),
    defs.map((d) => h('div', { class: 'msg-tooldef' },
      h('strong', null, d.name ?? '(unnamed)'), d.type && d.type !== 'function' ? [' ', chip(d.type)] : null,
      d.description ? h('div', { class: 'sub' }, d.description) : null,
      d.parameters !== undefined ? json(d.parameters) : null)));
}

/**
 * The chat of a span: `content` from the span endpoint; `toolCall` is `{arguments, result}` from a
 * tool span's own attributes (`gen_ai.tool.call.arguments` / `.result`), when it has them.
 */
export function chatView(content, { toolCall } = {}) {
  const c = content ?? {};
  const items = [];
  if (c.tool_definitions?.length) items.push(toolDefinitions(c.tool_definitions));
  if (c.system_instructions?.length) {
    items.push(message({ role: 'system', parts: c.system_instructions }));
  }
  for (const m of c.input_messages ?? []) items.push(message(m));
  if (c.output_messages?.length) {
    items.push(h('div', { class: 'msg-divider' }, 'response'));
    for (const m of c.output_messages) items.push(message(m, { output: true }));
  }
  if (toolCall && (toolCall.arguments !== undefined || toolCall.result !== undefined)) {
    if (toolCall.arguments !== undefined) {
      items.push(message({ role: 'assistant', parts: [{ type: 'tool_call', name: toolCall.name, id: toolCall.id, arguments: parseMaybe(toolCall.arguments) }] }));
    }
    if (toolCall.result !== undefined) {
      items.push(message({ role: 'tool', parts: [{ type: 'tool_call_response', id: toolCall.id, response: parseMaybe(toolCall.result) }] }));
    }
  }
  const sources = Object.entries(c.sources ?? {})
    .map(([field, source]) => `${field.replace(/_/g, ' ')}: ${SOURCES[source] ?? source}`);
  return h('div', { class: 'chat', id: 'span-chat' },
    items,
    sources.length ? h('div', { class: 'sub chat-sources' }, `From ${sources.join(' · ')}`) : null);
}

/** A JSON object or array sent as text is shown structured; anything else as sent. */
function parseMaybe(v) {
  if (typeof v !== 'string') return v;
  const t = v.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

/** The documents of a retrieval, in rank order, with a bar per relevance score. */
export function documentsView(retrieval, { id } = {}) {
  const r = retrieval ?? {};
  const docs = r.documents ?? [];
  const scores = docs.map((d) => d.score).filter((s) => typeof s === 'number' && Number.isFinite(s));
  const max = scores.length ? Math.max(...scores.map(Math.abs), 1e-12) : 1;
  return h('div', { id, class: 'retrieved-documents' },
    h('dl', { class: 'kv' },
      r.data_source ? [h('dt', null, 'Data source'), h('dd', null, r.data_source)] : null,
      r.query ? [h('dt', null, 'Query'), h('dd', null, r.query)] : null,
      r.top_k != null ? [h('dt', null, 'Top k'), h('dd', null, String(r.top_k))] : null,
      [h('dt', null, 'Documents'), h('dd', null, String(docs.length))]),
    h('ol', { class: 'docs' }, docs.map((d) => h('li', { class: 'doc' },
      h('div', { class: 'doc-head' },
        h('strong', { class: 'doc-id' }, d.id ?? '(no id)'),
        h('span', { class: 'spacer' }),
        typeof d.score === 'number'
          ? h('span', { class: 'doc-score', title: `relevance score ${d.score}` },
            h('span', { class: 'doc-bar' }, h('span', { style: { width: `${Math.max(0, (100 * Math.abs(d.score)) / max)}%` } })),
            d.score.toFixed(3))
          : h('span', { class: 'sub' }, 'no score')),
      d.content ? h('div', { class: 'msg-text' }, value(d.content, { limit: 600 })) : null))));
}
