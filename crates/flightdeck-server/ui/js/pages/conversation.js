// One conversation: its traces (turns) in order, with totals, and the conversation as a chat: for
// each turn, what the user said (the new user messages of its first model call) and the answer
// (the output of its last model call), from the spans' captured content in any dialect.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { card, chip, empty, errorBox, loading, section, table } from '../components.js';
import { message } from '../chat.js';
import { href } from '../state.js';

export const title = (ctx) => `Conversation ${ctx.id ?? ''}`;
export const usesRange = false;

export function mount(root, ctx) {
  const id = ctx.id ?? '';
  const cards = h('div', { class: 'cards' });
  const turns = h('div', { id: 'conversation-turns' });
  const chat = h('div', { id: 'conversation-chat' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Conversation ', h('code', null, id)),
      h('span', { class: 'spacer' }), h('a', { href: href('/conversations', {}) }, '← conversations')),
    cards,
    section('Turns, oldest first', {}, turns),
    section('Chat', {}, chat));

  async function load() {
    let c;
    try {
      c = await api.get(`/conversations/${encodeURIComponent(id)}`, null, { signal: ctx.signal });
    } catch (e) {
      if (api.isAbort(e)) return;
      replace(cards);
      replace(turns, e.status === 404
        ? empty('Conversation not found', `No span with gen_ai.conversation.id = ${id} is stored.`)
        : errorBox('the conversation', e));
      return;
    }
    const s = c.summary;
    replace(cards,
      card('Turns', f.int(s.traces), 'traces'),
      card('Duration', f.durationNs(s.end_ns - s.start_ns), `${f.time(s.start_ns, { ms: false })} → ${f.time(s.end_ns, { ms: false })}`),
      card('Model calls', f.int(s.model_calls), s.models.join(', ')),
      card('Tokens', f.compact(s.input_tokens + s.output_tokens), `${f.int(s.input_tokens)} in · ${f.int(s.output_tokens)} out`),
      card('Cost', s.cost_usd ? f.cost(s.cost_usd) : f.NONE, s.cost_usd ? null : 'no priced calls'),
      card('Errors', f.int(s.errors), s.users.length ? `users: ${s.users.join(', ')}` : null, { bad: s.errors > 0 }));
    let n = 0;
    const rows = c.traces.map((t) => ({ ...t, turn: (n += 1) }));
    replace(turns, table([
      { label: '#', num: true, value: (t) => String(t.turn) },
      { label: 'Start', value: (t) => [f.time(t.start_ns), h('div', { class: 'sub' }, t.turn > 1 ? `+${f.durationNs(t.start_ns - rows[0].start_ns)}` : 'first turn')] },
      { label: 'Root span', value: (t) => [t.root_name ?? '(root not received)', h('div', { class: 'sub' }, t.root_service ?? '')], wrap: true },
      { label: 'Duration', num: true, value: (t) => f.durationNs(t.duration_ns) },
      { label: 'Spans', num: true, value: (t) => f.int(t.span_count) },
      { label: 'GenAI', num: true, value: (t) => f.int(t.genai_count) },
      { label: 'Tokens in / out', num: true, value: (t) => `${f.compact(t.input_tokens)} / ${f.compact(t.output_tokens)}` },
      { label: 'Cost', num: true, value: (t) => (t.cost_usd ? f.cost(t.cost_usd) : null) },
      { label: 'Errors', num: true, value: (t) => (t.error_count ? chip(f.int(t.error_count), 'error') : '0') },
    ], rows, { href: (t) => href(`/traces/${t.trace_id}`, {}) }));
    await loadChat(rows, id, chat, ctx.signal);
  }

  return { load };
}

/** Turns shown in the chat (the newest), and how many are read at once. */
const MAX_CHAT_TURNS = 20;
const PARALLEL_TURNS = 3;

const GENERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

/** The chat of the conversation, one block per turn, each filled as its spans arrive. */
async function loadChat(rows, conversationId, el, signal) {
  const shown = rows.slice(-MAX_CHAT_TURNS);
  const blocks = shown.map((t) => ({
    t,
    el: h('div', { class: 'conv-turn', dataset: { traceId: t.trace_id } }, loading(`Loading turn ${t.turn}…`)),
  }));
  replace(el,
    rows.length > shown.length ? h('p', { class: 'sub' }, `The ${shown.length} newest turns of ${rows.length}; open the others from the list above.`) : null,
    blocks.map((b) => b.el));
  let next = 0;
  const worker = async () => {
    while (next < blocks.length) {
      const b = blocks[next];
      next += 1;
      try {
        replace(b.el, ...(await turnChat(b.t, conversationId, signal)));
      } catch (e) {
        if (api.isAbort(e)) return;
        replace(b.el, turnHead(b.t), errorBox(`turn ${b.t.turn}`, e));
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_TURNS }, worker));
}

function turnHead(t, note) {
  return h('div', { class: 'conv-turn-head' },
    h('strong', null, `Turn ${t.turn}`), ' ',
    h('a', { href: href(`/traces/${t.trace_id}`, {}) }, f.time(t.start_ns, { ms: false })),
    note ? h('span', { class: 'sub' }, ` · ${note}`) : null);
}

/** The messages a user added in a turn: the trailing user messages of the first model call. */
function newUserMessages(messages) {
  const out = [];
  for (let k = (messages?.length ?? 0) - 1; k >= 0 && messages[k].role === 'user'; k -= 1) out.unshift(messages[k]);
  return out.length || !messages?.length ? out : [messages[messages.length - 1]];
}

async function turnChat(t, conversationId, signal) {
  const tree = await api.get(`/traces/${t.trace_id}/tree`, null, { signal });
  const calls = tree.spans
    .filter((s) => GENERATIONS.has(s.genai?.operation) && (!s.genai.conversation_id || s.genai.conversation_id === conversationId))
    .sort((a, b) => a.start_ns - b.start_ns);
  const tools = tree.spans.filter((s) => s.genai?.operation === 'execute_tool').length;
  const note = `${f.int(calls.length)} model call${calls.length === 1 ? '' : 's'}${tools ? `, ${f.int(tools)} tool call${tools === 1 ? '' : 's'}` : ''}`;
  if (!calls.length) return [turnHead(t, note), h('div', { class: 'sub' }, 'No model call in this turn.')];
  const first = calls[0];
  const last = calls[calls.length - 1];
  const detail = (s) => api.get(`/traces/${t.trace_id}/spans/${s.span_id}`, null, { signal });
  const [a, b] = await Promise.all([detail(first), first === last ? null : detail(last)]);
  const asked = newUserMessages(a.content?.input_messages);
  const answer = (b ?? a).content?.output_messages ?? [];
  if (!asked.length && !answer.length) {
    return [turnHead(t, note), h('div', { class: 'sub' }, 'No messages captured in this turn.')];
  }
  return [turnHead(t, note), h('div', { class: 'chat' },
    asked.map((m) => message(m)),
    answer.map((m) => message(m, { output: true })))];
}
