// One conversation: its traces (turns) in order, with totals.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { card, chip, empty, errorBox, round2, section, table } from '../components.js';
import { href } from '../state.js';

export const title = (ctx) => `Conversation ${ctx.id ?? ''}`;
export const usesRange = false;

export function mount(root, ctx) {
  const id = ctx.id ?? '';
  const cards = h('div', { class: 'cards' });
  const turns = h('div', { id: 'conversation-turns' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Conversation ', h('code', null, id)),
      h('span', { class: 'spacer' }), h('a', { href: href('/conversations', {}) }, '← conversations')),
    cards,
    section('Turns, oldest first', {}, turns),
    section('Chat', {}, round2('The conversation as a chat', 'The messages of every turn, rendered as one conversation, arrive in round 2. Until then open a turn and look at its model calls.')));

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
  }

  return { load };
}
