// The HTTP API client: every call goes to /api/v1 on the server that served the UI. Failures
// become ApiError with the server's message (it names the parameter that was wrong), so pages can
// show it instead of swallowing it.

/** A failed API call: HTTP status (0 when the server could not be reached), code and message. */
export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

/** Builds a query string from an object (arrays repeat the key) or URLSearchParams; drops empties. */
export function query(params) {
  const out = new URLSearchParams();
  if (!params) return out;
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [key, value] of entries) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null || v === '') continue;
      out.append(key, String(v));
    }
  }
  return out;
}

/** GET /api/v1{path}?{params} as JSON. `timing`, when given, receives fetch and parse times. */
export async function get(path, params, { signal, timing } = {}) {
  const qs = query(params).toString();
  const url = `/api/v1${path}${qs ? `?${qs}` : ''}`;
  const t0 = performance.now();
  let response;
  let text;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `cannot reach the Flightdeck server (${e.message})`, url);
  }
  const t1 = performance.now();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const t2 = performance.now();
  if (timing) Object.assign(timing, { fetch_ms: t1 - t0, parse_ms: t2 - t1, bytes: text.length });
  if (!response.ok) {
    const message = body?.error?.message ?? (text.slice(0, 300) || response.statusText);
    throw new ApiError(response.status, body?.error?.code ?? 'http', message, url);
  }
  if (body === null) throw new ApiError(response.status, 'parse', `${url} did not answer with JSON`, url);
  return body;
}

/** True for the error a fetch throws when its page went away (not worth showing). */
export function isAbort(e) {
  return e?.name === 'AbortError';
}
