// Diagnostics: ingest health — received / accepted / rejected / refused per signal, with the most
// recent rejection reasons; the writer and the store; models missing from the price catalog; what
// each instrumentation sends (dialects, missing fields, content) and where it departs from the
// GenAI conventions (conformance findings with an example span); and the pipeline's counters
// (redactions per rule, tail-sampling decisions per policy, forwarding destinations).

import { h, replace } from '../dom.js';
import * as api from '../api.js';
import * as f from '../format.js';
import { card, chip, empty, errorBox, section, table } from '../components.js';
import { href } from '../state.js';

export const title = () => 'Diagnostics';
export const usesRange = false;

const SIGNALS = [['spans', 'Spans'], ['logs', 'Log records'], ['metric_points', 'Metric points']];

export function mount(root, ctx) {
  const health = h('div', { class: 'cards', id: 'ingest-cards' });
  const signals = h('div', { id: 'ingest-signals' });
  const rejections = h('div', { id: 'recent-rejections' });
  const server = h('div', { id: 'server-stats' });
  const unpriced = h('div', { id: 'unpriced-models' });
  const instrumentations = h('div', { id: 'instrumentations' });
  const conformance = h('div', { id: 'conformance-findings' });
  const pipeline = h('div', { id: 'pipeline' });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', null, 'Diagnostics'), h('span', { class: 'sub' }, 'Is everything sent arriving, and is it complete?')),
    health,
    section('Ingest by signal (since the server started)', {}, signals),
    section('Recent rejections', {}, rejections),
    h('div', { class: 'grid two' },
      section('Writer and store', {}, server),
      section('Models without a price (last 7 days)', {}, unpriced)),
    section('Instrumentations (since the server started)', {}, instrumentations),
    section(`Conformance per instrumentation (GenAI spans of the last ${FINDINGS_SINCE})`, {}, conformance),
    section('Pipeline', {}, pipeline));

  async function load() {
    const opts = { signal: ctx.signal };
    const results = await Promise.allSettled([
      api.get('/stats', null, opts),
      api.get('/models/unpriced', null, opts),
      api.get('/diagnostics', null, opts),
      api.get('/diagnostics/findings', { since: FINDINGS_SINCE }, opts),
      api.get('/pipeline', null, opts),
    ]);
    if (results.some((r) => r.status === 'rejected' && api.isAbort(r.reason))) return;
    const [stats, models, diag, findings, pipe] = results;
    show(instrumentations, diag, 'the instrumentation diagnostics', (d) => renderInstrumentations(d.instrumentations?.groups ?? []));
    show(conformance, findings, 'the conformance findings', (d) => renderFindings(d.scopes ?? []));
    show(pipeline, pipe, 'the pipeline counters', renderPipeline);

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

/** How far back conformance findings are checked. */
const FINDINGS_SINCE = '24h';

function show(el, result, what, render) {
  if (result.status === 'rejected') replace(el, errorBox(what, result.reason));
  else replace(el, render(result.value));
}

const instrumentation = (g) => [
  h('strong', null, g.scope_name || '(no scope name)'), g.scope_version ? ` ${g.scope_version}` : '',
  h('div', { class: 'sub' }, g.service)];

/** A share of spans, marked when any are affected. */
function share(s) {
  if (!s?.of) return null;
  return s.count ? h('span', { class: 'bad-text' }, `${f.int(s.count)} of ${f.int(s.of)} (${f.pct(s.share, 0)})`) : `0 of ${f.int(s.of)}`;
}

function renderInstrumentations(groups) {
  const rows = [...groups].sort((a, b) => b.genai_spans - a.genai_spans || b.spans - a.spans);
  return table([
    { label: 'Instrumentation', value: instrumentation },
    { label: 'Spans', num: true, value: (g) => f.int(g.spans) },
    { label: 'GenAI', num: true, value: (g) => f.int(g.genai_spans) },
    { label: 'Model calls', num: true, value: (g) => f.int(g.model_calls) },
    { label: 'Dialects', value: (g) => Object.entries(g.dialects ?? {}).map(([d, n]) => chip(`${d} ${f.compact(n)}`)), wrap: true },
    { label: 'No model', num: true, value: (g) => share(g.missing_model) },
    { label: 'No usage', num: true, value: (g) => share(g.missing_usage) },
    { label: 'No TTFT (streams)', num: true, value: (g) => share(g.missing_time_to_first_chunk) },
    { label: 'Deprecated names', value: (g) => Object.entries(g.deprecated ?? {}).map(([n, c]) => chip(`${n} ${f.compact(c)}`)), wrap: true },
    { label: 'Content', value: (g) => (g.content?.present
      ? `${f.int(g.content.spans_with_content)} spans${g.content.logs_with_content ? `, ${f.int(g.content.logs_with_content)} log events` : ''}`
      : 'none') },
  ], rows, { empty: empty('No spans yet', 'Nothing has arrived since the server started.') });
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

function renderFindings(scopes) {
  if (!scopes.length) return empty('No GenAI spans checked', `No GenAI span arrived in the last ${FINDINGS_SINCE}.`);
  const sorted = [...scopes].sort((a, b) => b.spans_with_findings - a.spans_with_findings || a.scope_name.localeCompare(b.scope_name));
  return sorted.map((scope) => {
    const findings = [...scope.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.spans - a.spans);
    const counts = { error: 0, warning: 0, info: 0 };
    for (const x of findings) counts[x.severity] = (counts[x.severity] ?? 0) + 1;
    return h('div', { class: 'finding-scope', dataset: { scope: scope.scope_name, service: scope.service } },
      h('div', { class: 'finding-head' },
        instrumentation(scope),
        h('span', { class: 'spacer' }),
        h('span', { class: 'sub' }, `${f.int(scope.spans_with_findings)} of ${f.int(scope.spans_checked)} spans checked have findings`),
        counts.error ? chip(`${counts.error} error${counts.error === 1 ? '' : 's'}`, 'error') : null,
        counts.warning ? chip(`${counts.warning} warning${counts.warning === 1 ? '' : 's'}`, 'warn') : null,
        !findings.length ? chip('conforms', 'ok') : null),
      findings.length ? table([
        { label: 'Severity', value: (x) => chip(x.severity, x.severity === 'error' ? 'error' : x.severity === 'warning' ? 'warn' : '') },
        { label: 'Finding', value: (x) => [h('code', null, x.code), x.attribute ? h('div', { class: 'sub' }, x.attribute) : null] },
        { label: 'Spans', num: true, value: (x) => f.int(x.spans) },
        { label: 'Example', wrap: true, value: (x) => [x.example_message, ' ',
          h('a', { href: href(`/traces/${x.example_trace_id}`, { span: x.example_span_id }) }, 'example span')] },
      ], findings) : null);
  });
}

function renderPipeline(p) {
  const parts = [];
  const processors = p.processors ?? [];
  const stages = [...processors.map((x) => x.name), p.sampler ? 'sample' : null, p.store === false ? null : 'store']
    .filter(Boolean).join(' → ');
  const forwards = (p.forwarders ?? []).map((d) => d.name);
  parts.push(h('p', { class: 'sub', id: 'pipeline-stages' },
    `Pipeline: ${stages}${forwards.length ? ` + forward to ${forwards.join(', ')}` : ''}`,
    p.store === false ? ' (the store is off: forwarding only)' : ''));
  const redact = processors.find((x) => x.name === 'redact')?.stats;
  parts.push(h('div', { class: 'grid two' },
    h('div', { id: 'pipeline-redaction' }, h('h3', null, 'Redaction'),
      redact
        ? [table([
          { label: 'Rule', value: (r) => h('code', null, r.rule) },
          { label: 'Redactions', num: true, value: (r) => f.int(r.count) },
        ], redact.redactions ?? []),
        h('p', { class: 'sub' }, `${f.int(redact.spans_redacted)} spans and ${f.int(redact.logs_redacted)} log records redacted; `
          + `${f.int(redact.attributes_removed)} attributes removed.`)]
        : h('p', { class: 'sub' }, 'Redaction is off.')),
    h('div', { id: 'pipeline-sampler' }, h('h3', null, 'Tail sampling'), sampler(p.sampler))));
  parts.push(h('div', { id: 'pipeline-forwarders' }, h('h3', null, 'Forwarding'),
    table([
      { label: 'Destination', value: (d) => [h('strong', null, d.name), h('div', { class: 'sub' }, `${d.endpoint} (${d.protocol})`)] },
      { label: 'Queued', num: true, value: (d) => f.int(d.queued_items) },
      { label: 'Spans sent', num: true, value: (d) => f.int(d.spans_sent) },
      { label: 'Logs sent', num: true, value: (d) => f.int(d.logs_sent) },
      { label: 'Requests', num: true, value: (d) => f.int(d.requests) },
      { label: 'Retries', num: true, value: (d) => f.int(d.retries) },
      { label: 'Rejected', num: true, value: (d) => f.int(d.rejected) },
      { label: 'Dropped (queue full · failed · shutdown)', num: true, value: (d) => `${f.int(d.dropped?.queue_full)} · ${f.int(d.dropped?.failed)} · ${f.int(d.dropped?.shutdown)}` },
      { label: 'Last error', value: (d) => d.last_error ?? null, wrap: true },
    ], p.forwarders ?? [], { empty: h('p', { class: 'sub' }, 'No forwarding destination is configured.') })));
  return parts;
}

function sampler(s) {
  if (!s) return h('p', { class: 'sub' }, 'Sampling is off: every trace is kept.');
  const t = (x) => `${f.int(x?.traces)} traces · ${f.int(x?.spans)} spans`;
  return [
    h('dl', { class: 'kv' },
      h('dt', null, 'Kept'), h('dd', null, t(s.kept)),
      h('dt', null, 'Dropped'), h('dd', null, t(s.dropped)),
      h('dt', null, 'Buffered now'), h('dd', null, `${t(s.buffered)} · ${f.bytes(s.buffered?.bytes)} of ${f.bytes(s.max_buffered_bytes)}`),
      h('dt', null, 'Decisions'), h('dd', null, `${f.int(s.decisions)} (${f.int(s.early_decisions)} early because the buffer was full); window ${f.duration(s.decision_wait_ms)}`),
      h('dt', null, 'Late spans'), h('dd', null, `${f.int(s.late?.spans_kept)} kept · ${f.int(s.late?.spans_dropped)} dropped`),
      s.spans_lost ? [h('dt', null, 'Lost'), h('dd', null, chip(`${f.int(s.spans_lost)} spans`, 'error'))] : null),
    table([
      { label: 'Policy', value: (x) => [h('strong', null, x.name), h('div', { class: 'sub' }, x.type)] },
      { label: 'Kept traces', num: true, value: (x) => f.int(x.kept?.traces) },
      { label: 'Dropped traces', num: true, value: (x) => f.int(x.dropped?.traces) },
    ], s.policies ?? []),
  ];
}
