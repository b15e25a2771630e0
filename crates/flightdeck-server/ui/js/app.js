// The app shell: path routing, the time-range picker and auto-refresh in the top bar, and the page
// lifecycle. Pages live in ./pages/*.js and are loaded on first visit.
//
// A page module exports `title(ctx)` and `mount(root, ctx)`, which builds the page's skeleton and
// returns `{load, unmount?}`; `load()` fetches and renders the data, and runs again on every
// auto-refresh. `usesRange = false` hides the time-range picker (a page about one trace, say).
// While a load runs, #page has data-state="loading"; afterwards "ready" (tests wait for it).

import { h, replace } from './dom.js';
import { isAbort } from './api.js';
import {
  DEFAULT_SINCE, RANGE_PRESETS, REFRESH_CHOICES, currentParams, href, parseTimeMs, rangeQuery,
} from './state.js';

const PAGES = {
  overview: () => import('./pages/overview.js'),
  traces: () => import('./pages/traces.js'),
  trace: () => import('./pages/trace.js'),
  agents: () => import('./pages/agents.js'),
  models: () => import('./pages/models.js'),
  conversations: () => import('./pages/conversations.js'),
  conversation: () => import('./pages/conversation.js'),
  compare: () => import('./pages/compare.js'),
  diagnostics: () => import('./pages/diagnostics.js'),
  notfound: () => import('./pages/notfound.js'),
};

/** [path pattern, page, nav entry]; the first capture group is the page's `ctx.id`. */
const ROUTES = [
  [/^\/$/, 'overview', 'overview'],
  [/^\/traces\/?$/, 'traces', 'traces'],
  [/^\/traces\/([^/]+)\/?$/, 'trace', 'traces'],
  [/^\/agents\/?$/, 'agents', 'agents'],
  [/^\/models\/?$/, 'models', 'models'],
  [/^\/conversations\/?$/, 'conversations', 'conversations'],
  [/^\/conversations\/([^/]+)\/?$/, 'conversation', 'conversations'],
  [/^\/compare\/?$/, 'compare', 'compare'],
  [/^\/diagnostics\/?$/, 'diagnostics', 'diagnostics'],
];

const NAV_PATHS = {
  overview: '/', traces: '/traces', agents: '/agents', models: '/models',
  conversations: '/conversations', compare: '/compare', diagnostics: '/diagnostics',
};

const root = document.getElementById('page');
let generation = 0;
let current = null;
let refreshTimer = null;
let lastUpdated = null;

/** Goes to an in-app URL (pushes a history entry unless `replace`). */
export function navigate(to, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  route();
}

function match(path) {
  for (const [re, page, nav] of ROUTES) {
    const m = re.exec(path);
    if (m) return { page, nav, id: m[1] === undefined ? null : safeDecode(m[1]) };
  }
  return { page: 'notfound', nav: null, id: null };
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function teardown() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (!current) return;
  current.controller.abort();
  for (const fn of current.cleanups.splice(0)) {
    try {
      fn();
    } catch (e) {
      showBanner(`cleanup failed: ${e.message}`);
    }
  }
  current.page?.unmount?.();
  current = null;
}

async function route() {
  const gen = ++generation;
  teardown();
  hideBanner();
  const params = currentParams();
  const target = match(window.location.pathname);
  updateNav(target.nav);
  const controller = new AbortController();
  const state = { controller, cleanups: [], page: null, gen };
  current = state;
  const ctx = {
    params,
    id: target.id,
    range: rangeQuery(params),
    signal: controller.signal,
    cleanup: (fn) => state.cleanups.push(fn),
    navigate,
    /** Changes parameters of the current URL without reloading the page (replaces the entry). */
    setParams(updates) {
      const next = currentParams();
      for (const [key, value] of Object.entries(updates)) {
        if (value === null || value === undefined || value === '') next.delete(key);
        else next.set(key, value);
      }
      const qs = next.toString();
      window.history.replaceState(null, '', `${window.location.pathname}${qs ? `?${qs}` : ''}`);
      ctx.params = next;
      updateNav(target.nav);
    },
    isCurrent: () => gen === generation,
  };
  root.dataset.state = 'loading';
  root.dataset.page = target.page;
  replace(root);
  let mod;
  try {
    mod = await PAGES[target.page]();
  } catch (e) {
    if (gen !== generation) return;
    showBanner(`The ${target.page} page failed to load: ${e.message}`);
    root.dataset.state = 'error';
    return;
  }
  if (gen !== generation) return;
  renderControls(params, mod.usesRange !== false);
  document.title = `${mod.title(ctx)} · Flightdeck`;
  state.page = mod.mount(root, ctx);
  await runLoad(state);
}

async function runLoad(state) {
  if (!state.page || state !== current) return;
  clearTimeout(refreshTimer);
  root.dataset.state = 'loading';
  try {
    await state.page.load();
  } catch (e) {
    if (!isAbort(e) && state === current) showBanner(`Loading the page failed: ${e.message}`);
  }
  if (state !== current) return;
  root.dataset.state = 'ready';
  lastUpdated = new Date();
  const label = document.getElementById('updated');
  if (label) label.textContent = `updated ${lastUpdated.toLocaleTimeString()}`;
  scheduleRefresh();
}

function refreshInterval() {
  const value = currentParams().get('refresh') || '';
  return REFRESH_CHOICES.find(([v]) => v === value)?.[2] ?? 0;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const ms = refreshInterval();
  if (!ms || !current) return;
  const state = current;
  refreshTimer = setTimeout(() => {
    if (document.hidden) {
      // Paused while the tab is hidden; resumes on visibilitychange.
      return;
    }
    runLoad(state);
  }, ms);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && current && refreshInterval() && root.dataset.state === 'ready') {
    const due = lastUpdated ? Date.now() - lastUpdated.getTime() >= refreshInterval() : true;
    if (due) runLoad(current);
    else scheduleRefresh();
  }
});

function updateNav(active) {
  for (const a of document.querySelectorAll('a[data-nav]')) {
    a.setAttribute('href', href(NAV_PATHS[a.dataset.nav], {}));
    const on = a.dataset.nav === active && a.closest('.nav');
    a.classList.toggle('active', Boolean(on));
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** The URL of the current page with new range parameters (and no pagination cursor). */
function withRange(range) {
  const next = currentParams();
  for (const key of ['since', 'start', 'end', 'cursor']) next.delete(key);
  for (const [key, value] of Object.entries(range)) if (value) next.set(key, value);
  const qs = next.toString();
  return `${window.location.pathname}${qs ? `?${qs}` : ''}`;
}

const toLocalInput = (ms) => {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value) => {
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? null : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
};

function renderControls(params, usesRange) {
  const el = document.getElementById('controls');
  const start = params.get('start');
  const since = params.get('since') || DEFAULT_SINCE;
  const options = RANGE_PRESETS.map(([v, label]) => [v, label]);
  if (!start && !options.some(([v]) => v === since)) options.push([since, `Last ${since}`]);
  options.push(['custom', 'Custom range…']);
  const selected = start ? 'custom' : since;

  const now = Date.now();
  const fromInput = h('input', { type: 'datetime-local', 'aria-label': 'Range start', value: toLocalInput(parseTimeMs(start) ?? now - 3_600_000) });
  const toInput = h('input', { type: 'datetime-local', 'aria-label': 'Range end', value: toLocalInput(parseTimeMs(params.get('end')) ?? now) });
  const custom = h('form', {
    class: 'custom-range',
    hidden: selected !== 'custom',
    onsubmit: (e) => {
      e.preventDefault();
      const from = fromLocalInput(fromInput.value);
      const to = fromLocalInput(toInput.value);
      if (!from || !to) {
        showBanner('Pick both a start and an end for the custom range.');
        return;
      }
      navigate(withRange({ start: from, end: to }));
    },
  }, fromInput, '→', toInput, h('button', { type: 'submit' }, 'Apply'));

  const rangeSelect = h('select', {
    id: 'range',
    'aria-label': 'Time range',
    onchange: (e) => {
      if (e.target.value === 'custom') {
        custom.hidden = false;
        fromInput.focus();
      } else {
        navigate(withRange({ since: e.target.value }));
      }
    },
  }, options.map(([v, label]) => h('option', { value: v, selected: v === selected }, label)));

  const refreshSelect = h('select', {
    id: 'refresh',
    'aria-label': 'Auto-refresh',
    onchange: (e) => {
      const next = currentParams();
      if (e.target.value) next.set('refresh', e.target.value);
      else next.delete('refresh');
      const qs = next.toString();
      window.history.replaceState(null, '', `${window.location.pathname}${qs ? `?${qs}` : ''}`);
      updateNav(match(window.location.pathname).nav);
      scheduleRefresh();
    },
  }, REFRESH_CHOICES.map(([v, label]) => h('option', { value: v, selected: v === (params.get('refresh') || '') }, label)));

  replace(el,
    usesRange ? [rangeSelect, custom] : null,
    h('label', { for: 'refresh' }, 'Auto-refresh'), refreshSelect,
    h('button', { type: 'button', title: 'Refresh now', 'aria-label': 'Refresh now', onclick: () => current && runLoad(current) }, '⟳'),
    h('span', { class: 'updated', id: 'updated' }, lastUpdated ? `updated ${lastUpdated.toLocaleTimeString()}` : ''));
}

function showBanner(message) {
  const banner = document.getElementById('banner');
  replace(banner, message, ' ', h('button', { type: 'button', class: 'link', onclick: hideBanner }, 'dismiss'));
  banner.hidden = false;
}

function hideBanner() {
  const banner = document.getElementById('banner');
  banner.hidden = true;
  banner.replaceChildren();
}

// In-app links and clickable table rows go through the router; everything else is left alone.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (a) {
    if (a.target || a.hasAttribute('download') || a.hasAttribute('data-external')) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
    return;
  }
  const row = e.target.closest('tr[data-href]');
  if (row && !e.target.closest('button, input, select, label')) {
    e.preventDefault();
    navigate(row.dataset.href);
  }
});

window.addEventListener('popstate', () => route());
window.addEventListener('error', (e) => showBanner(`Unexpected error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => {
  if (!isAbort(e.reason)) showBanner(`Unexpected error: ${e.reason?.message ?? e.reason}`);
});

route();
