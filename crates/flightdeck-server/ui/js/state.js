// State kept in the URL: the time range (`since`, or `start` + `end`), auto-refresh (`refresh`) and
// each page's own parameters (filters, cursor, selected span, ...). A copied link reopens the same
// view.

/** Parameters every page keeps when the user moves between pages. */
export const GLOBAL_KEYS = ['since', 'start', 'end', 'refresh'];

/** The time range when the URL names none. */
export const DEFAULT_SINCE = '1h';

/** Presets of the time-range picker: [value, label]. */
export const RANGE_PRESETS = [
  ['5m', 'Last 5 minutes'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['6h', 'Last 6 hours'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

/** Auto-refresh choices: [value, label, milliseconds]. */
export const REFRESH_CHOICES = [
  ['', 'Off', 0],
  ['10s', '10 s', 10_000],
  ['30s', '30 s', 30_000],
  ['1m', '1 min', 60_000],
];

const UNITS = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration like `15m`, `1h30m`, `250ms`, `7d` into milliseconds; null if malformed. */
export function parseDurationMs(text) {
  if (!text) return null;
  const s = text.replace(/\s+/g, '');
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|sec|min|s|m|h|d|w)/y;
  let pos = 0;
  let total = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return null;
    total += parseFloat(m[1]) * UNITS[m[2]];
    pos = re.lastIndex;
  }
  return pos > 0 ? total : null;
}

/** Parses a time as the API does (RFC 3339, or epoch s / ms / µs / ns by magnitude) into ms. */
export function parseTimeMs(text) {
  if (!text) return null;
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    const abs = Math.abs(n);
    if (abs < 1e11) return n * 1000;
    if (abs < 1e14) return n;
    if (abs < 1e17) return n / 1000;
    return n / 1e6;
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** The API's time-range parameters for the page URL's range. */
export function rangeQuery(params) {
  const start = params.get('start');
  if (start) {
    const end = params.get('end');
    return end ? { start, end } : { start };
  }
  return { since: params.get('since') || DEFAULT_SINCE };
}

/** The range as epoch milliseconds (for chart axes and bucket sizes). */
export function rangeBoundsMs(params, now = Date.now()) {
  const start = parseTimeMs(params.get('start'));
  if (start !== null) {
    const end = parseTimeMs(params.get('end')) ?? now;
    return { startMs: start, endMs: end };
  }
  const since = parseDurationMs(params.get('since') || DEFAULT_SINCE) ?? 3_600_000;
  return { startMs: now - since, endMs: now };
}

/** A short description of the URL's range. */
export function rangeLabel(params) {
  if (params.get('start')) {
    const { startMs, endMs } = rangeBoundsMs(params);
    const f = (ms) => new Date(ms).toLocaleString();
    return `${f(startMs)} → ${params.get('end') ? f(endMs) : 'now'}`;
  }
  const since = params.get('since') || DEFAULT_SINCE;
  const preset = RANGE_PRESETS.find(([v]) => v === since);
  return preset ? preset[1].toLowerCase() : `last ${since}`;
}

/** The current URL's parameters. */
export function currentParams() {
  return new URLSearchParams(window.location.search);
}

/** An in-app href: `path` with `params`, keeping the global parameters of the current URL. */
export function href(path, params = {}, { keepGlobal = true } = {}) {
  const out = new URLSearchParams();
  if (keepGlobal) {
    const current = currentParams();
    for (const key of GLOBAL_KEYS) {
      const v = current.get(key);
      if (v && !(key in params)) out.set(key, v);
    }
  }
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [key, value] of entries) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null || v === '') continue;
      out.append(key, String(v));
    }
  }
  const qs = out.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Picks a bucket width giving about `target` buckets over the range: [API step, ms]. */
export function pickStep(rangeMs, target = 60) {
  const steps = [
    ['10s', 10_000], ['30s', 30_000], ['1m', 60_000], ['2m', 120_000], ['5m', 300_000],
    ['10m', 600_000], ['15m', 900_000], ['30m', 1_800_000], ['1h', 3_600_000], ['2h', 7_200_000],
    ['3h', 10_800_000], ['6h', 21_600_000], ['12h', 43_200_000], ['1d', 86_400_000], ['7d', 604_800_000],
  ];
  for (const step of steps) {
    if (rangeMs / step[1] <= target) return step;
  }
  return steps[steps.length - 1];
}
