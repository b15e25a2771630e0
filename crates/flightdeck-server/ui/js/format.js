// Number, duration, time and money formatting. Every formatter accepts null/undefined and returns
// an em dash for "no value", so a missing metric never shows as 0.

export const NONE = '—';

const missing = (v) => v === null || v === undefined || Number.isNaN(v);

/** A duration given in milliseconds: 850 µs, 12.3 ms, 1.24 s, 2m 05s, 1h 02m. */
export function duration(value) {
  if (missing(value)) return NONE;
  // Three to four significant digits: 99.9997 (nanosecond rounding) shows as 100 ms.
  const ms = Number(value.toPrecision(4));
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (abs < 1) return `${(ms * 1000).toFixed(abs < 0.01 ? 1 : 0)} µs`;
  if (abs < 10) return `${ms.toFixed(2)} ms`;
  if (abs < 1000) return `${ms.toFixed(abs < 100 ? 1 : 0)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const s = Math.round(abs / 1000);
  const sign = ms < 0 ? '-' : '';
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${sign}${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
  return `${sign}${Math.floor(s / 86400)}d ${String(Math.floor(s / 3600) % 24).padStart(2, '0')}h`;
}

/** A duration given in nanoseconds. */
export function durationNs(ns) {
  return missing(ns) ? NONE : duration(ns / 1e6);
}

/** An integer with thousands separators. */
export function int(n) {
  return missing(n) ? NONE : Math.round(n).toLocaleString('en-US');
}

/** A count in short form: 950, 12.3k, 4.5M. */
export function compact(n) {
  if (missing(n)) return NONE;
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n * 100) / 100);
  if (abs < 1e6) return `${(n / 1e3).toFixed(abs < 1e4 ? 2 : 1)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(abs < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}B`;
}

/** US dollars: $0, $0.00042, $0.0123, $12.34, $1,234. */
export function cost(usd) {
  if (missing(usd)) return NONE;
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  if (abs < 0.01) return `$${usd.toPrecision(2)}`;
  if (abs < 1) return `$${usd.toFixed(4)}`;
  if (abs < 1000) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** A ratio (0..1) as a percentage. */
export function pct(ratio, digits = 1) {
  if (missing(ratio)) return NONE;
  return `${(ratio * 100).toFixed(ratio !== 0 && Math.abs(ratio) < 0.001 ? 2 : digits)}%`;
}

/** Bytes: 512 B, 1.2 MB. */
export function bytes(n) {
  if (missing(n)) return NONE;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** A local date and time from nanoseconds since the epoch: 2026-11-22 00:48:12.345. */
export function time(ns, { ms = true } = {}) {
  if (missing(ns) || ns === 0) return NONE;
  const d = new Date(ns / 1e6);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return ms ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** How long ago, from nanoseconds since the epoch: 12 s ago, 5 min ago, 3 h ago, 2 d ago. */
export function ago(ns, now = Date.now()) {
  if (missing(ns) || ns === 0) return NONE;
  const s = (now - ns / 1e6) / 1000;
  if (s < 0) return 'just now';
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Seconds (as the GenAI conventions report TTFT) as a duration. */
export function seconds(s) {
  return missing(s) ? NONE : duration(s * 1000);
}

/** A short form of a 32- or 16-character hex id. */
export function shortId(id) {
  return id && id.length > 12 ? `${id.slice(0, 8)}…` : id ?? NONE;
}
