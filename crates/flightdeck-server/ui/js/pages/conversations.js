// Conversations: spans sharing gen_ai.conversation.id, newest activity first, with totals.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { chip, empty, errorBox, noDataYet, section, table } from '../components.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Conversations';

const FILTERS = [
  { key: 'user', label: 'User' },
  { key: 'model', label: 'Model' },
  { key: 'agent', label: 'Agent' },
  { key: 'service', label: 'Service' },
];

export function mount(root, ctx) {
  const inputs = {};
  const form = h('form', {
    onsubmit: (e) => {
      e.preventDefault();
      const next = {};
      for (const spec of FILTERS) next[spec.key] = inputs[spec.key].value.trim();
      ctx.navigate(href('/conversations', next));
    },
  },
  h('div', { class: 'filters' }, FILTERS.map((spec) => {
    inputs[spec.key] = h('input', { type: 'text', name: spec.key, value: ctx.params.get(spec.key) ?? '', autocomplete: 'off' });
    return h('label', null, spec.label, inputs[spec.key]);
  })),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter'), h('a', { href: href('/conversations', {}) }, 'Clear')));
  const list = h('div', { id: 'conversation-list' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Conversations'), h('span', { class: 'sub' }, `active in the ${rangeLabel(ctx.params)}, newest activity first`)),
    section('Filters', {}, form),
    section('Conversations', {}, list));

  async function load() {
    const query = { ...ctx.range, limit: 100 };
    for (const spec of FILTERS) query[spec.key] = ctx.params.get(spec.key);
    let result;
    try {
      result = await api.get('/conversations', query, { signal: ctx.signal });
    } catch (e) {
      if (!api.isAbort(e)) replace(list, errorBox('conversations', e));
      return;
    }
    if (!result.conversations.length) {
      let stats = null;
      try {
        stats = await api.get('/stats', null, { signal: ctx.signal });
      } catch (e) {
        if (api.isAbort(e)) return;
      }
      replace(list, stats && !stats.store?.spans
        ? noDataYet()
        : empty('No conversations in this time range', 'Conversations are spans that carry gen_ai.conversation.id. Pick a longer range, or set the attribute in your instrumentation.'));
      return;
    }
    replace(list, table([
      { label: 'Conversation', value: (c) => h('code', null, c.conversation_id), wrap: true },
      { label: 'Last activity', value: (c) => [f.ago(c.end_ns), h('div', { class: 'sub' }, f.time(c.end_ns, { ms: false }))] },
      { label: 'Turns', num: true, title: 'traces', value: (c) => f.int(c.traces) },
      { label: 'Span', num: true, title: 'first to last activity', value: (c) => f.durationNs(c.end_ns - c.start_ns) },
      { label: 'Model calls', num: true, value: (c) => f.int(c.model_calls) },
      { label: 'Tokens in / out', num: true, value: (c) => `${f.compact(c.input_tokens)} / ${f.compact(c.output_tokens)}` },
      { label: 'Cost', num: true, value: (c) => (c.cost_usd ? f.cost(c.cost_usd) : null) },
      { label: 'Errors', num: true, value: (c) => (c.errors ? chip(f.int(c.errors), 'error') : '0') },
      { label: 'Models', value: (c) => c.models.join(', '), wrap: true },
      { label: 'Users', value: (c) => c.users.join(', '), wrap: true },
    ], result.conversations, { href: (c) => href(`/conversations/${encodeURIComponent(c.conversation_id)}`, {}) }));
  }

  return { load };
}
