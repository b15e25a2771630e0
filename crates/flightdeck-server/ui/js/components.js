// Building blocks shared by the pages: sections, cards, tables, empty states, error boxes.

import { h } from './dom.js';
import { NONE } from './format.js';

/** A titled panel. `tools` go to the right of the title. */
export function section(title, { tools = [], id, cls = '' } = {}, ...children) {
  return h('section', { class: `section ${cls}`.trim(), id },
    h('div', { class: 'section-head' }, h('h2', null, title), h('span', { class: 'spacer' }), tools),
    children);
}

/** A metric card. */
export function card(label, value, sub, { bad = false } = {}) {
  return h('div', { class: `card${bad ? ' bad' : ''}` },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value', title: typeof value === 'string' ? value : null }, value ?? NONE),
    sub ? h('div', { class: 'sub' }, sub) : null);
}

/** An API error, shown where the data would have been. */
export function errorBox(what, error) {
  const status = error?.status ? ` (HTTP ${error.status})` : '';
  return h('div', { class: 'error-box', role: 'alert' },
    h('strong', null, `Could not load ${what}${status}`),
    error?.message ?? String(error));
}

/** An empty state: what is missing and what to do about it. */
export function empty(title, ...body) {
  return h('div', { class: 'empty' }, h('h2', null, title), body.map((b) => (typeof b === 'string' ? h('p', null, b) : b)));
}

/** The empty state when the server has stored nothing at all. */
export function noDataYet() {
  const host = window.location.hostname || '127.0.0.1';
  return empty('No data yet',
    h('p', null, 'Point an OpenTelemetry exporter at this server (default ports shown; see ', h('code', null, 'flightdeck serve --help'), '):'),
    h('pre', null,
      `export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4318   # OTLP/HTTP\n`,
      `# or gRPC:  http://${host}:4317`),
    h('p', null, 'or send sample traffic: ', h('code', null, `flightdeck loadgen --spans 2000 --content`)));
}

/** The empty state when data exists but not in the chosen range or filters. */
export function noneInRange(what = 'data') {
  return empty(`No ${what} in this time range`, 'Pick a longer range in the top right, or loosen the filters.');
}

/** A small pill. */
export function chip(text, kind = '') {
  return h('span', { class: `chip ${kind}`.trim() }, text);
}

/** A loading line. */
export function loading(what = 'Loading…') {
  return h('div', { class: 'loading' }, what);
}

/**
 * A table. `columns`: [{label, value(row) → node|string, num?: true, title?}]. `href(row)` makes
 * rows clickable (the first cell also gets a real link, so they open in a new tab too).
 */
export function table(columns, rows, { href, empty: emptyNode, cls = '' } = {}) {
  if (!rows.length && emptyNode) return emptyNode;
  const head = h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, title: c.title }, c.label)));
  const body = rows.map((row) => {
    const target = href ? href(row) : null;
    const cells = columns.map((c, i) => {
      let content = c.value(row);
      if (content === null || content === undefined || content === '') content = NONE;
      if (i === 0 && target) content = h('a', { href: target }, content);
      return h('td', { class: [c.num ? 'num' : '', c.wrap ? 'wrap' : ''].join(' ').trim() || null }, content);
    });
    return h('tr', { class: target ? 'clickable' : null, dataset: target ? { href: target } : undefined }, cells);
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: `data ${cls}`.trim() }, h('thead', null, head), h('tbody', null, body)));
}

/** A definition list from [label, value] pairs; pairs with an empty value are skipped. */
export function kv(pairs) {
  const items = [];
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) continue;
    items.push(h('dt', null, label), h('dd', null, value));
  }
  return items.length ? h('dl', { class: 'kv' }, items) : null;
}

/** A segmented control: [value, label] choices; `onchange(value)`. */
export function segmented(choices, selected, onchange) {
  return h('div', { class: 'seg', role: 'group' }, choices.map(([value, label]) =>
    h('button', { type: 'button', class: value === selected ? 'on' : null, 'aria-pressed': String(value === selected), onclick: () => onchange(value) }, label)));
}

/** Renders any attribute value: strings as text (JSON-looking strings pretty-printed), others as JSON. */
export function value(v, { limit = 2000 } = {}) {
  let text;
  if (typeof v === 'string') {
    text = v;
    const t = v.trimStart();
    if ((t.startsWith('{') || t.startsWith('[')) && v.length < 200_000) {
      try {
        text = JSON.stringify(JSON.parse(v), null, 2);
      } catch {
        text = v;
      }
    }
  } else {
    text = JSON.stringify(v, null, 2) ?? 'null';
  }
  if (text.length <= limit) return h('span', null, text);
  const shown = h('span', null, `${text.slice(0, limit)}…`);
  const button = h('button', { type: 'button', class: 'link more', onclick: () => { shown.textContent = text; button.remove(); } },
    `show all ${text.length.toLocaleString('en-US')} characters`);
  return h('span', null, shown, h('br'), button);
}

/** A key → value table of attributes (`{key: value}` as the API returns them), sorted by key. */
export function attributes(attrs) {
  const keys = Object.keys(attrs ?? {}).sort();
  if (!keys.length) return h('div', { class: 'loading' }, 'none');
  return h('table', { class: 'attrs' }, h('tbody', null, keys.map((k) =>
    h('tr', null, h('td', { class: 'key' }, k), h('td', { class: 'val' }, value(attrs[k]))))));
}
