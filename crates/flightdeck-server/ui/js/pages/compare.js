// Compare: two cohorts side by side (e.g. model A vs model B, version 1.4 vs 1.5), and two traces
// side by side. The cohorts and traces are kept in the URL; the comparison itself arrives in
// round 2 (it needs the cohort-comparison and trace-diff endpoints), so nothing is computed here.

import { h, replace } from '../dom.js';
import { round2, section } from '../components.js';
import { href, rangeLabel } from '../state.js';

export const title = () => 'Compare';

const COHORT_FIELDS = [
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['service_version', 'Service version'],
  ['agent', 'Agent'],
  ['operation', 'GenAI operation'],
  ['user', 'User'],
];

export function mount(root, ctx) {
  const inputs = { a: {}, b: {} };
  const cohort = (side) => h('div', null,
    h('h3', null, `Cohort ${side.toUpperCase()}`),
    h('div', { class: 'filters' }, COHORT_FIELDS.map(([key, label]) => {
      inputs[side][key] = h('input', { type: 'text', name: `${side}.${key}`, value: ctx.params.get(`${side}.${key}`) ?? '', autocomplete: 'off' });
      return h('label', null, label, inputs[side][key]);
    })));
  const form = h('form', {
    id: 'compare-cohorts',
    onsubmit: (e) => {
      e.preventDefault();
      const next = {};
      for (const side of ['a', 'b']) for (const [key] of COHORT_FIELDS) next[`${side}.${key}`] = inputs[side][key].value.trim();
      next.trace_a = traceA.value.trim();
      next.trace_b = traceB.value.trim();
      ctx.navigate(href('/compare', next));
    },
  },
  h('div', { class: 'grid two' }, cohort('a'), cohort('b')),
  h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Keep in URL')));

  const traceA = h('input', { type: 'text', name: 'trace_a', placeholder: 'trace id A', value: ctx.params.get('trace_a') ?? '', form: 'compare-cohorts', autocomplete: 'off', size: 36 });
  const traceB = h('input', { type: 'text', name: 'trace_b', placeholder: 'trace id B', value: ctx.params.get('trace_b') ?? '', form: 'compare-cohorts', autocomplete: 'off', size: 36 });
  const open = (id) => (id ? h('a', { href: href(`/traces/${encodeURIComponent(id)}`, {}) }, `open ${id.slice(0, 8)}…`) : null);

  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Compare'), h('span', { class: 'sub' }, rangeLabel(ctx.params))),
    section('Two cohorts', {},
      form,
      round2('Cohort comparison', 'Requests, errors, latency and TTFT percentiles, tokens and cost of cohort A next to cohort B over the time range, with the differences and whether they are significant — for questions like "did the rollout of 1.5 make answers slower or more expensive?"')),
    section('Two traces', {},
      h('div', { class: 'form-actions', style: { marginTop: 0 } }, traceA, open(ctx.params.get('trace_a')), traceB, open(ctx.params.get('trace_b')),
        h('button', { type: 'submit', form: 'compare-cohorts' }, 'Keep in URL')),
      round2('Trace diff', 'Both span trees aligned side by side, with the spans that were added, missing, slower or more expensive in trace B marked.')));

  return { load: async () => {} };
}
