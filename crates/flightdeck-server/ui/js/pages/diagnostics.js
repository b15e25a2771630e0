// Diagnostics: ingest health — received / accepted / rejected / refused per signal, with the most
// recent rejection reasons; the writer and the store; models missing from the price catalog.

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { card, empty, errorBox, round2, section, table } from '../components.js';

export const title = () => 'Diagnostics';
export const usesRange = false;

const SIGNALS = [['spans', 'Spans'], ['logs', 'Log records'], ['metric_points', 'Metric points']];

export function mount(root, ctx) {
  const health = h('div', { class: 'cards', id: 'ingest-cards' });
  const signals = h('div', { id: 'ingest-signals' });
  const rejections = h('div', { id: 'recent-rejections' });
  const server = h('div', { id: 'server-stats' });
  const unpriced = h('div', { id: 'unpriced-models' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Diagnostics'), h('span', { class: 'sub' }, 'Is everything sent arriving, and is it complete?')),
    health,
    section('Ingest by signal (since the server started)', {}, signals),
    section('Recent rejections', {}, rejections),
    h('div', { class: 'grid two' },
      section('Writer and store', {}, server),
      section('Models without a price (last 7 days)', {}, unpriced)),
    section('Conformance per instrumentation', {},
      round2('Conformance findings', 'For each instrumentation library (scope): spans missing usage, TTFT, model names or other attributes the GenAI conventions expect, with examples.')));

  async function load() {
    const opts = { signal: ctx.signal };
    const [stats, models] = await Promise.allSettled([
      api.get('/stats', null, opts),
      api.get('/models/unpriced', null, opts),
    ]);
    if ([stats, models].some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;

    if (stats.status === 'rejected') {
      replace(health, errorBox('the server statistics', stats.reason));
      replace(signals);
      replace(rejections);
      replace(server);
    } else {
      renderStats(stats.value);
    }

    if (models.status === 'rejected') {
      replace(unpriced, errorBox('unpriced models', models.reason));
    } else {
      replace(unpriced, table([
        { label: 'Model', value: (m) => [m.model, h('div', { class: 'sub' }, m.provider ?? '(no provider)')] },
        { label: 'Calls', num: true, value: (m) => f.int(m.calls) },
        { label: 'Input tok', num: true, value: (m) => f.compact(m.input_tokens) },
        { label: 'Output tok', num: true, value: (m) => f.compact(m.output_tokens) },
        { label: 'Last seen', value: (m) => f.ago(m.last_seen_ns) },
      ], models.value.models, {
        empty: empty('Every model is priced', 'No model call in the last 7 days lacks a price.'),
      }), models.value.models.length ? h('p', { class: 'sub' }, 'Add these models to the pricing overrides file so their cost is counted.') : null);
    }
  }

  function renderStats(s) {
    const i = s.ingest;
    const sp = i.spans;
    replace(health,
      card('Spans received', f.int(sp.received), `${f.int(sp.accepted)} accepted`),
      card('Spans rejected', f.int(sp.rejected_invalid), 'invalid (reported to the exporter)', { bad: sp.rejected_invalid > 0 }),
      card('Spans refused', f.int(sp.refused_busy), 'queue full: exporter told to retry', { bad: sp.refused_busy > 0 }),
      card('Write failures', f.int(sp.failed + (s.writer?.write_errors ?? 0)), 'exporter told to retry', { bad: sp.failed + (s.writer?.write_errors ?? 0) > 0 }),
      card('Bad requests', f.int(i.bad_requests), `${f.int(i.too_large)} too large`, { bad: i.bad_requests + i.too_large > 0 }),
      card('Requests', f.int(i.requests), `${f.bytes(i.bytes_received)} received`),
      card('Uptime', f.duration((s.uptime_seconds ?? 0) * 1000), `version ${s.version ?? '?'}`));

    replace(signals,
      table([
        { label: 'Signal', value: (r) => r.label },
        { label: 'Received', num: true, value: (r) => f.int(r.c.received) },
        { label: 'Accepted', num: true, value: (r) => f.int(r.c.accepted) },
        { label: 'Rejected (invalid)', num: true, value: (r) => f.int(r.c.rejected_invalid) },
        { label: 'Refused (busy)', num: true, value: (r) => f.int(r.c.refused_busy) },
        { label: 'Failed', num: true, value: (r) => f.int(r.c.failed) },
      ], SIGNALS.map(([key, label]) => ({ label, c: i[key] ?? {} }))),
      h('p', { class: 'sub' },
        `Truncated on ingest: ${f.int(i.values_truncated)} attribute values cut, ${f.int(i.attributes_dropped)} attributes, `,
        `${f.int(i.events_dropped)} events and ${f.int(i.links_dropped)} links dropped over the limits. `,
        'Metric points are validated and counted, not stored yet.'));

    const recent = [...(i.recent_rejections ?? [])].reverse();
    replace(rejections, table([
      { label: 'When', value: (r) => [f.ago(r.time_unix_nano), h('div', { class: 'sub' }, f.time(r.time_unix_nano, { ms: false }))] },
      { label: 'Signal', value: (r) => r.signal.replace('_', ' ') },
      { label: 'Transport', value: (r) => r.transport },
      { label: 'Reason', value: (r) => r.message, wrap: true },
    ], recent, { empty: empty('No rejections', 'Nothing sent to this server was rejected since it started.') }));

    const w = s.writer ?? {};
    const st = s.store ?? {};
    const p = s.process ?? {};
    replace(server, table([
      { label: 'What', value: (r) => r[0] },
      { label: 'Value', num: true, value: (r) => r[1] },
    ], [
      ['Spans stored', f.int(st.spans)],
      ['Log records stored', f.int(st.logs)],
      ['Database size', f.bytes(st.bytes_on_disk)],
      ['Spans written (this run)', f.int(w.spans_written)],
      ['Log records written (this run)', f.int(w.logs_written)],
      ['Commits', f.int(w.commits)],
      ['Write errors', f.int(w.write_errors)],
      ['Writer queue', `${f.int(w.queued_items)} items`],
      ['Memory (RSS)', f.bytes(p.rss_bytes)],
      ['CPU time', p.cpu_seconds == null ? null : f.duration(p.cpu_seconds * 1000)],
    ]));
  }

  return { load };
}
