// Browser tests of the web UI: Debian's Chromium driven by playwright-core against a real
// `flightdeck serve`. Started by crates/flightdeck/tests/ui_browser.rs, which passes:
//   FLIGHTDECK_UI_URL        the server's HTTP address (API and UI), with loadgen traffic in it
//   FLIGHTDECK_UI_OTLP_HTTP  its OTLP/HTTP receiver, for the fixtures sent here
//   FLIGHTDECK_UI_EMPTY_URL  a second server with no data (empty states)
//   FLIGHTDECK_UI_CHROMIUM   the Chromium binary
// Every test fails on a console error, an uncaught exception, or a request to another origin.
// Screenshots of every page go to tests/ui/screenshots/; the 10,000-span trace timings to
// tests/ui/screenshots/timings.json.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AGENT, BIG, sendAgentTraces, sendBigTrace, sendInvalidSpan, sendSamples } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.FLIGHTDECK_UI_URL;
const OTLP = process.env.FLIGHTDECK_UI_OTLP_HTTP;
const EMPTY = process.env.FLIGHTDECK_UI_EMPTY_URL;
const CHROMIUM = process.env.FLIGHTDECK_UI_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(here, 'screenshots');
const VIEWPORT = { width: 1440, height: 900 };

assert.ok(BASE && OTLP && EMPTY, 'run through `cargo test` (crates/flightdeck/tests/ui_browser.rs), which starts the servers');

let context;
let userDataDir;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await sendSamples(OTLP, join(here, '..', 'samples'));
  await sendAgentTraces(OTLP);
  await sendBigTrace(OTLP);
  await sendInvalidSpan(OTLP);
  userDataDir = mkdtempSync(join(tmpdir(), 'flightdeck-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORT,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/**
 * A fresh page that records problems: console errors, uncaught exceptions, failed requests and
 * requests that leave the server. `allow` lists console messages a test expects (regexps).
 */
async function openPage({ allow = [], origin = BASE } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`request to another origin: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '';
    if (!error.includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${error}`);
  });
  page.check = () => assert.deepEqual(problems, [], 'the page reported problems');
  return page;
}

/** Goes to a path and waits until the page has loaded its data. */
async function visit(page, path, origin = BASE) {
  await page.goto(origin + path);
  await ready(page);
}

async function ready(page) {
  await page.waitForSelector('#page[data-state="ready"]', { timeout: 60_000 });
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const text = (page, selector) => page.locator(selector).innerText();

describe('web UI', () => {
  test('the shell and every asset come from this server, with a strict CSP', async () => {
    const page = await openPage();
    const response = await page.goto(BASE + '/');
    await ready(page);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(await page.title(), 'Overview · Flightdeck');
    const nav = await page.locator('nav.nav a').allInnerTexts();
    assert.deepEqual(nav, ['Overview', 'Traces', 'Agents', 'Models', 'Conversations', 'Compare', 'Diagnostics']);
    page.check();
    await page.close();
  });

  test('overview: totals, per-model charts, top lists and failing traces', async () => {
    const page = await openPage();
    await visit(page, '/');
    const cards = await text(page, '#overview-cards');
    for (const label of ['Requests', 'Errors', 'Latency p95', 'TTFT p95', 'Tokens', 'Cost']) assert.match(cards, new RegExp(label));
    // Six charts drawn by ECharts (a canvas each); the cost chart may instead say nothing is priced.
    for (const key of ['requests', 'errors', 'latency', 'ttft', 'tokens']) {
      assert.equal(await page.locator(`#chart-${key} canvas`).count(), 1, `chart ${key}`);
    }
    const top = await text(page, '#overview-content');
    assert.match(top, /By cost/);
    assert.match(top, /By latency/);
    assert.match(top, /chat · gpt-4o/, 'model calls appear in the top lists');
    // loadgen makes ~2% of model calls fail and the fixture tool call fails: failing traces exist.
    assert.ok(await page.locator('section:has(h2:text("Recent failing traces")) tbody tr').count() > 0);
    await shot(page, 'overview');
    // The percentile switch is kept in the URL.
    await page.locator('.seg button', { hasText: 'p99' }).click();
    await ready(page);
    assert.match(page.url(), /pct=p99/);
    assert.match(await text(page, '#overview-cards'), /Latency p99/);
    // The server indexes tenant.id: it is offered as a grouping, and a group leads to its traces.
    await page.selectOption('select[aria-label="Group top lists by"]', 'attr:tenant.id');
    await ready(page);
    assert.equal(new URL(page.url()).searchParams.get('top'), 'attr:tenant.id');
    const byTenant = page.locator('section:has(h2:text("By cost")) tbody tr');
    assert.ok(await byTenant.count() >= 2, 'loadgen spreads traffic over several tenants');
    const tenant = (await byTenant.first().innerText()).match(/tenant-\d+/)?.[0];
    assert.ok(tenant, 'the top list names tenants');
    await byTenant.first().click();
    await ready(page);
    assert.deepEqual(new URL(page.url()).searchParams.getAll('attr'), [`tenant.id=${tenant}`]);
    assert.ok(await page.locator('table.trace-list tbody tr').count() > 0, `traces of ${tenant}`);
    page.check();
    await page.close();
  });

  test('time-range picker and auto-refresh are kept in the URL', async () => {
    const page = await openPage();
    await visit(page, '/models');
    await page.selectOption('#range', '15m');
    await ready(page);
    assert.match(page.url(), /since=15m/);
    // Custom absolute range: the last two hours, typed into the inputs.
    await page.selectOption('#range', 'custom');
    const pad = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const now = new Date();
    await page.fill('input[aria-label="Range start"]', local(new Date(now.getTime() - 2 * 3600_000)));
    await page.fill('input[aria-label="Range end"]', local(new Date(now.getTime() + 60_000)));
    await page.click('form.custom-range button[type=submit]');
    await ready(page);
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('start') && url.searchParams.get('end'), page.url());
    assert.equal(url.searchParams.get('since'), null);
    assert.match(await text(page, '#models-table'), /gpt-4o-mini/);
    // The range survives navigation.
    await page.click('nav.nav a:text("Traces")');
    await ready(page);
    assert.equal(new URL(page.url()).searchParams.get('start'), url.searchParams.get('start'));
    page.check();
    await page.close();
  });

  test('auto-refresh reloads the data on its own', async () => {
    const page = await openPage();
    await visit(page, '/diagnostics');
    const received = async () => Number((await text(page, '#ingest-cards .card:first-child .value')).replace(/,/g, ''));
    const before = await received();
    await page.selectOption('#refresh', '10s');
    assert.match(page.url(), /refresh=10s/);
    await sendAgentTracesAgain();
    // The next refresh (within 10 s) shows the 8 spans just sent.
    await page.waitForFunction(
      (n) => Number(document.querySelector('#ingest-cards .card .value').textContent.replace(/,/g, '')) >= n,
      before + 8,
      { timeout: 20_000 },
    );
    assert.equal(await received(), before + 8);
    page.check();
    await page.close();
  });

  test('traces: every filter is in the URL; list → trace → span; links open the linked trace', async () => {
    const page = await openPage();
    await visit(page, `/traces?service=${AGENT.service}&conversation=${AGENT.conversation}`);
    assert.equal(await page.inputValue('input[name=service]'), AGENT.service);
    assert.equal(await page.inputValue('input[name=conversation]'), AGENT.conversation);
    const rows = page.locator('table.trace-list tbody tr');
    assert.equal(await rows.count(), 2, 'the two turns of the fixture conversation');
    // Change the filters in the form: only the turn with the failing tool is left.
    await page.fill('input[name=conversation]', '');
    await page.fill('input[name=tool]', 'get_weather');
    await page.selectOption('select[name=status]', 'error');
    await page.click('#trace-filters button[type=submit]');
    await ready(page);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('tool'), 'get_weather');
    assert.equal(url.searchParams.get('status'), 'error');
    assert.equal(url.searchParams.get('service'), AGENT.service);
    assert.equal(url.searchParams.get('conversation'), null);
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /POST \/v1\/answer/);
    await shot(page, 'traces');

    // Into the trace.
    await rows.first().click();
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/traces/${AGENT.trace1}`);
    assert.equal(await text(page, '#trace-span-count'), '6 spans');
    assert.match(await text(page, '.trace-head'), /1 error/);
    assert.match(await text(page, '#trace-summary'), /Model calls\s+2/);
    assert.match(await text(page, '#trace-summary'), /2,100 in · 465 out/);
    // The model call ran from 130 ms to 1,330 ms into the trace.
    assert.match(await page.locator(`.wf-row[data-span-id="${AGENT.chatSpan}"]`).innerText(), /1\.20 s/);

    // The critical path: the agent's steps ran one after the other, so all six spans are on it.
    // Walking back from the root's end (2,500 ms): root 2,490–2,500 and 0–10, agent 2,400–2,490,
    // 1,600–1,610, 1,330–1,340, 120–130 and 10–20 (130 ms), claude 1,610–2,400 (790 ms), tool
    // 1,340–1,600 (260 ms), chat 130–1,330 (1,200 ms), retrieval 20–120 (100 ms).
    assert.equal(await page.locator('.wf-row.on-path').count(), 6);
    const path = await page.locator('#critical-path tbody tr').allInnerTexts();
    assert.deepEqual(path.map((r) => r.replace(/\s+/g, ' ').trim()), [
      'chat gpt-4o-mini ui-fixture 1.20 s 48%',
      'chat claude-sonnet-4-5 ui-fixture 790 ms 32%',
      'execute_tool get_weather ui-fixture 260 ms 10%',
      'invoke_agent support ui-fixture 130 ms 5%',
      'retrieval kb-support ui-fixture 100 ms 4%',
      'POST /v1/answer ui-fixture 20.0 ms 1%',
    ]);
    assert.match(await text(page, '#critical-path'), /6 spans explain the 2\.50 s end to end/);
    // Each span's stretches on the path are underlined: the agent's five gaps between its steps,
    // the root's two ends, one stretch for each step.
    await page.waitForFunction(() => document.querySelectorAll('.wf-row[data-span-id="b000000000000002"] .wf-cp').length === 5);
    assert.equal(await page.locator('.wf-row[data-span-id="b000000000000001"] .wf-cp').count(), 2);
    assert.equal(await page.locator(`.wf-row[data-span-id="${AGENT.chatSpan}"] .wf-cp`).count(), 1);
    await shot(page, 'trace-critical-path');
    // Switched off, it is kept in the URL; clicking a span on the path selects it.
    await page.click('#critical-path-toggle');
    assert.equal(await page.isChecked('#critical-path-toggle'), false);
    assert.equal(await page.locator('.wf-row.on-path').count(), 0);
    assert.equal(new URL(page.url()).searchParams.get('cp'), '0');
    await page.click('#critical-path-toggle');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row.on-path').length === 6);
    assert.equal(new URL(page.url()).searchParams.get('cp'), null);
    await page.click('#critical-path a:text("retrieval kb-support")');
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.retrievalSpan}"]`);

    // Into the model call: the GenAI fields, tokens, events, links and log record.
    await page.click(`.wf-row[data-span-id="${AGENT.chatSpan}"]`);
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.chatSpan}"]`);
    assert.match(page.url(), new RegExp(`span=${AGENT.chatSpan}`));
    const panel = (await text(page, '#span-panel')).replace(/\s+/g, ' ');
    for (const expected of [
      'chat gpt-4o-mini', 'Request model\tgpt-4o-mini', 'Response model\tgpt-4o-mini-2024-07-18', 'Provider\topenai',
      'Finish reasons\tstop', 'Time to first chunk\t420 ms', 'Agent\tsupport', `Conversation\t${AGENT.conversation}`,
      'Input tokens\t1,200', 'of which cache read\t400', 'Output tokens\t345',
      'gen_ai.first_chunk', '+500 ms', 'link.reason', 'previous answer',
      'Log records (1)', 'gen_ai.client.inference.operation.details', 'answer sent to the user',
      'Attributes (16)', 'gen_ai.input.messages', 'deployment.environment.name',
    ]) {
      assert.ok(panel.includes(expected.replace(/\t/g, ' ')), `span panel lacks ${JSON.stringify(expected)}:\n${panel}`);
    }
    // Priced at ingest. gpt-4o-mini: $0.15 / M input, $0.075 / M cached input, $0.60 / M output:
    // 800 × 0.15 = 120 µ$, 400 × 0.075 = 30 µ$, 345 × 0.60 = 207 µ$; total 357 µ$.
    for (const expected of ['Cost Total $0.00036', 'Priced as openai/gpt-4o-mini', 'Input $0.00012',
      'Cache read $0.000030', 'Output $0.00021']) {
      assert.ok(panel.includes(expected), `span panel lacks ${JSON.stringify(expected)}:\n${panel}`);
    }
    // The messages as a chat: system instructions and the user's question from the span's
    // attributes, the answer (a tool call) from the details log record, the offered tools folded.
    const chat = page.locator('#span-chat');
    assert.deepEqual(await chat.locator('.msg').evaluateAll((els) => els.map((e) => e.dataset.role)), ['system', 'user', 'assistant']);
    assert.equal(await chat.locator('.msg.system .msg-text').innerText(), AGENT.systemPrompt);
    assert.equal(await chat.locator('.msg.user .msg-text').innerText(), 'Where is my refund?');
    const call = (await chat.locator('.msg.assistant').innerText()).replace(/\s+/g, ' ');
    assert.match(call, /finish: tool_call/);
    assert.match(call, new RegExp(`→ calls get_weather ${AGENT.toolCallId} \\{"city":"Paris"\\}`));
    assert.match(await chat.locator('#tool-definitions summary').innerText(), /Tools offered to the model \(1\)/);
    assert.match(await chat.locator('.chat-sources').innerText(), /output messages: inference details event/);
    // The retrieval that ran just before it (20–120 ms, the call started at 130 ms) fed it.
    await page.waitForSelector('#span-rag .retrieved-documents');
    const rag = (await text(page, '#span-rag')).replace(/\s+/g, ' ');
    assert.match(rag, /retrieval kb-support · 100 ms, finished 10\.0 ms before this call/);
    assert.match(rag, /doc-7 0\.910 Refunds are issued within 3 days\. doc-2 0\.420/);
    await page.locator('#span-chat').scrollIntoViewIfNeeded();
    await shot(page, 'trace-span');

    // The Anthropic call's messages arrived as OpenLLMetry indexed attributes: the tool result,
    // then the answer, whose finish reason end_turn reads as stop.
    await page.click(`.wf-row[data-span-id="${AGENT.claudeSpan}"]`);
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.claudeSpan}"] #span-chat`);
    assert.deepEqual(await chat.locator('.msg').evaluateAll((els) => els.map((e) => e.dataset.role)), ['user', 'tool', 'assistant']);
    assert.match(await chat.locator('.msg.tool').innerText(), new RegExp(`← result of ${AGENT.toolCallId}\\s+weather API timed out`));
    assert.equal(await chat.locator('.msg.assistant .msg-text').innerText(), AGENT.answer);
    assert.match(await chat.locator('.msg.assistant .msg-head').innerText(), /finish: stop/);
    assert.match(await chat.locator('.chat-sources').innerText(), /OpenLLMetry indexed attributes/);
    await page.locator('#span-chat').scrollIntoViewIfNeeded();
    await shot(page, 'trace-span-chat');

    // The retrieval's documents, in rank order with their scores.
    await page.click(`.wf-row[data-span-id="${AGENT.retrievalSpan}"]`);
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.retrievalSpan}"] #retrieved-documents`);
    const docs = await page.locator('#retrieved-documents li.doc').allInnerTexts();
    assert.equal(docs.length, 2);
    assert.match(docs[0], /doc-7\s+0\.910\s+Refunds are issued within 3 days\./);
    assert.match(docs[1], /doc-2\s+0\.420/);
    assert.match(await text(page, '#retrieved-documents'), /Data source\s+kb-support/);
    await page.locator('#retrieved-documents').scrollIntoViewIfNeeded();
    await shot(page, 'trace-span-retrieval');

    // The failing tool call shows its status and exception.
    await page.click(`.wf-row[data-span-id="${AGENT.toolSpan}"]`);
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.toolSpan}"]`);
    const tool = await text(page, '#span-panel');
    assert.match(tool, /upstream timeout/);
    assert.match(tool, /TimeoutError weather API timed out/);
    // Its arguments, from its own gen_ai.tool.call.arguments, as the call in the chat.
    assert.match((await text(page, '#span-chat')).replace(/\s+/g, ' '), /→ calls get_weather call_weather_1 \{"city":"Paris"\}/);

    // Keyboard: up from the tool call selects the model call before it.
    await page.keyboard.press('ArrowUp');
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.chatSpan}"]`);

    // The link opens the linked trace (the captured sample) at the linked span.
    await page.click('a.span-link');
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/traces/${AGENT.linkedTrace}`);
    assert.equal(new URL(page.url()).searchParams.get('span'), AGENT.linkedSpan);
    await page.waitForSelector(`#span-detail[data-span-id="${AGENT.linkedSpan}"]`);
    assert.match(await text(page, '#span-panel'), /Request model\s+gpt-4o-mini/);
    await page.goBack();
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/traces/${AGENT.trace1}`);
    page.check();
    await page.close();
  });

  test('traces: pagination with the cursor', async () => {
    const page = await openPage();
    await visit(page, '/traces?limit=20');
    const first = await page.locator('table.trace-list tbody tr').allInnerTexts();
    assert.equal(first.length, 20);
    await page.click('#next-page');
    await ready(page);
    assert.ok(new URL(page.url()).searchParams.get('cursor'));
    const second = await page.locator('table.trace-list tbody tr').allInnerTexts();
    assert.equal(second.length, 20);
    assert.equal(second.filter((row) => first.includes(row)).length, 0, 'pages do not overlap');
    page.check();
    await page.close();
  });

  test('API errors are shown where the data would be', async () => {
    const page = await openPage({ allow: [/status of 400/] });
    await visit(page, '/traces?min_duration=soon');
    const box = await text(page, '#trace-results .error-box');
    assert.match(box, /Could not load traces \(HTTP 400\)/);
    assert.match(box, /`min_duration` must be a duration/);
    page.check();
    await page.close();
  });

  test('models: per provider and model, with charts', async () => {
    const page = await openPage();
    await visit(page, '/models');
    const table = await text(page, '#models-table');
    for (const model of ['gpt-4o-mini', 'claude-sonnet-4-5', 'gpt-4o', 'text-embedding-3-small']) assert.match(table, new RegExp(model));
    for (const column of ['Requests', 'Errors', 'Latency p50 · p95 · p99', 'TTFT p50 · p95', 'Tokens in \/ out', 'Cache hit', 'Context p95', 'Cost']) assert.match(table, new RegExp(column));
    assert.doesNotMatch(table, /\(no model\)/, 'spans without a model are not model calls');
    // The fixture's single call to its unpriced model took 400 ms, used 50 + 5 tokens.
    const row = await page.locator('#models-table tr', { hasText: AGENT.unpricedModel }).innerText();
    assert.match(row, /400 ms · 400 ms · 400 ms/);
    assert.match(row, /50 \/ 5/);
    assert.match(row, /unpriced/);
    assert.ok(await page.locator('.chart canvas').count() >= 3);
    await shot(page, 'models');
    page.check();
    await page.close();
  });

  test('conversations: the list and one conversation in order with totals', async () => {
    const page = await openPage();
    await visit(page, `/conversations?service=${AGENT.service}`);
    const list = await text(page, '#conversation-list');
    assert.match(list, new RegExp(AGENT.conversation));
    await shot(page, 'conversations');
    await page.getByRole('link', { name: AGENT.conversation, exact: true }).click();
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/conversations/${AGENT.conversation}`);
    const rows = await page.locator('#conversation-turns tbody tr').allInnerTexts();
    assert.ok(rows.length >= 2, 'both turns');
    assert.match(rows[0], /^1\t/);
    assert.match(rows[0], /first turn/);
    assert.match(rows[1], /^2\t/);
    const cards = await text(page, '.cards');
    assert.match(cards, /Model calls\s+3/);
    assert.match(cards, /3,600 in · 545 out/);
    // The conversation as a chat: per turn, what the user added and the final answer. Turn 1's
    // question comes from its first model call, the answer from the last (indexed attributes);
    // turn 2's first call carries the whole history, of which only the new question is shown.
    await page.waitForFunction(() => document.querySelectorAll('#conversation-chat .conv-turn .chat').length === 2);
    const chatTurns = page.locator('#conversation-chat .conv-turn');
    const turn = async (k) => chatTurns.nth(k).locator('.msg').evaluateAll((els) => els.map((e) => `${e.dataset.role}: ${e.querySelector('.msg-text')?.innerText}`));
    assert.deepEqual(await turn(0), ['user: Where is my refund?', `assistant: ${AGENT.answer}`]);
    assert.deepEqual(await turn(1), [`user: ${AGENT.followUp}`, `assistant: ${AGENT.followUpAnswer}`]);
    assert.match(await chatTurns.nth(0).locator('.conv-turn-head').innerText(), /Turn 1 .* 2 model calls, 1 tool call/);
    await shot(page, 'conversation');
    page.check();
    await page.close();
  });

  test('agents: workflow graph of a trace and of the range, with findings; the tables', async () => {
    const page = await openPage();
    await visit(page, '/agents');
    assert.match(await text(page, '#agents-table'), /support/);
    assert.match(await text(page, '#agent-tools-table'), /get_weather/);
    // Retrieval per data source: the rerun of turn 1 retrieved nothing from kb-support, so that
    // source has at least one empty result; its row lists its retrieval traces.
    const kb = page.locator('#retrieval-table tbody tr', { hasText: 'kb-support' });
    const cells = (await kb.innerText()).split('\t');
    assert.ok(Number(cells[1].replace(/,/g, '')) >= 2, cells.join(' | '));
    assert.ok(Number(cells[3].replace(/,/g, '')) >= 1, cells.join(' | '));
    assert.match(await kb.locator('a').getAttribute('href'), /operation=retrieval&attr=gen_ai\.data_source\.id%3Dkb-support/);
    // The range graph merges the newest traces (loadgen's agents and the fixtures).
    await page.waitForSelector('#range-graph canvas');
    assert.ok(Number(await page.getAttribute('#range-graph', 'data-nodes')) >= 5);
    assert.match(await text(page, '#range-graph-info'), /The 100 newest traces of the range merged/);
    // With no trace given, the newest agent trace of the range is drawn.
    await page.waitForSelector('#trace-graph canvas');
    assert.match(await page.inputValue('input[name=trace]'), /^[0-9a-f]{32}$/);
    await shot(page, 'agents');

    // The fixture's first turn: agent support → retrieval kb-support, two models and a tool.
    await page.fill('input[name=trace]', AGENT.trace1);
    await page.click('#agent-trace-form button[type=submit]');
    await ready(page);
    assert.equal(new URL(page.url()).searchParams.get('trace'), AGENT.trace1);
    await page.waitForSelector('#trace-graph canvas');
    assert.equal(await page.getAttribute('#trace-graph', 'data-nodes'), '5');
    assert.equal(await page.getAttribute('#trace-graph', 'data-edges'), '4');
    assert.match(await text(page, '#trace-graph-info'), /5 nodes, 4 edges/);
    assert.match(await text(page, '#trace-graph-info'), /no loops, cycles or stalls/);

    // The planner that calls search 12 times in one invocation is flagged, with a link to it.
    await visit(page, `/agents?trace=${AGENT.trace4}`);
    await page.waitForSelector('#trace-graph canvas');
    assert.equal(await page.getAttribute('#trace-graph', 'data-nodes'), '2');
    const finding = await text(page, '#trace-graph-info .agent-findings');
    assert.match(finding, /repeated invocation/);
    assert.match(finding, /agent:planner called tool:search 12 times in one invocation/);
    await shot(page, 'agents-finding');
    await page.click('#trace-graph-info .agent-findings a');
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/traces/${AGENT.trace4}`);
    await page.waitForSelector('#span-detail[data-span-id="d400000000000001"]');

    // A trace id that is not one says so.
    await visit(page, '/agents?trace=nope');
    assert.match(await text(page, '#trace-graph-info'), /"nope" is not a trace id/);
    page.check();
    await page.close();
  });

  test('compare: two cohorts with deltas and verdicts; two traces diffed', async () => {
    const page = await openPage();
    await visit(page, '/compare');
    // Cohorts typed into the form are compared over the range (loadgen calls both models).
    await page.fill('input[name="a.model"]', 'gpt-4o');
    await page.fill('input[name="b.model"]', 'gpt-4o-mini');
    await page.fill('input[name=trace_a]', AGENT.trace1);
    await page.fill('input[name=trace_b]', AGENT.trace5);
    await page.click('#compare-cohorts button[type=submit]');
    await ready(page);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('a.model'), 'gpt-4o');
    assert.equal(url.searchParams.get('b.model'), 'gpt-4o-mini');
    assert.equal(url.searchParams.get('trace_a'), AGENT.trace1);
    assert.match(await text(page, '#cohort-a'), /model = gpt-4o\s+[1-9][\d,]* model calls/);
    assert.match(await text(page, '#cohort-b'), /model = gpt-4o-mini\s+[1-9][\d,]* model calls/);
    const metrics = await page.locator('#cohort-comparison table.compare-metrics tbody tr').allInnerTexts();
    assert.deepEqual(metrics.map((r) => r.split('\t')[0]), ['Latency', 'Time to first token', 'Input tokens / call', 'Output tokens / call', 'Cost / call']);
    for (const row of metrics) assert.match(row, /better|worse|no significant change|not enough data/);
    assert.match(await text(page, '#compare-verdict'), /B is|no significant change|not enough data/);
    assert.match(await text(page, '#compare-errors'), /Error rate: A [\d.]+% .* B [\d.]+%/);

    // Turn 1 against its rerun: the first model call 600 ms slower (so its agent and the root
    // too), the tool call missing, a rerank step added.
    const totals = await page.locator('#trace-diff table.diff-totals tbody tr').allInnerTexts();
    assert.match(totals[1], /Duration\s+2\.50 s\s+3\.10 s\s+\+24\.0%/);
    assert.match(totals[2], /Errors\s+1\s+0/);
    assert.match(await text(page, '#diff-counts'), /5 spans matched, 1 added, 1 missing, 3 slower, 0 faster/);
    const changed = await page.locator('#trace-diff table.diff-changed tbody tr').allInnerTexts();
    assert.equal(changed.length, 3);
    assert.match(changed[2], /chat gpt-4o-mini[\s\S]*1\.20 s → 1\.80 s\s+\+600 ms \(slower\)/);
    assert.match(await text(page, '#diff-missing'), /execute_tool get_weather/);
    assert.match(await text(page, '#diff-added'), /rerank/);
    await shot(page, 'compare');
    // Each changed span opens in its trace.
    await page.locator('#trace-diff table.diff-changed tbody tr').nth(2).locator('a:text("in B")').click();
    await ready(page);
    assert.equal(new URL(page.url()).pathname, `/traces/${AGENT.trace5}`);
    await page.waitForSelector('#span-detail[data-span-id="e500000000000004"]');
    // The trace page links back to the diff with this trace as the baseline.
    assert.match(await page.getAttribute('#trace-compare', 'href'), new RegExp(`trace_a=${AGENT.trace5}`));
    page.check();
    await page.close();
  });

  test('diagnostics: ingest counters, rejection reasons, unpriced models, findings, pipeline', async () => {
    const page = await openPage();
    await visit(page, '/diagnostics');
    assert.match(await text(page, '#ingest-cards'), /Spans rejected\s+1\b/);
    assert.match(await text(page, '#recent-rejections'), /trace_id must be 16 bytes, got 2/);
    assert.match(await text(page, '#server-stats'), /Spans stored/);
    assert.match(await text(page, '#unpriced-models'), new RegExp(AGENT.unpricedModel));
    // What each instrumentation sends: the fixture's scope, with its spans and captured content.
    const fixtureRow = await page.locator('#instrumentations tr', { hasText: 'flightdeck-ui-fixture 1.0.0' })
      .filter({ has: page.locator('td:first-child .sub', { hasText: /^ui-fixture$/ }) }).innerText();
    assert.match(fixtureRow, /openllmetry/, 'the indexed attributes of the Anthropic call are a dialect');
    // Conformance: the fixture's deprecated names (gen_ai.system, gen_ai.prompt.{i}.*) are
    // warnings, with an example span that opens in its trace.
    const scope = page.locator(`#conformance-findings .finding-scope[data-scope="flightdeck-ui-fixture"][data-service="${AGENT.service}"]`);
    const row = scope.locator('tr', { hasText: 'attribute.deprecated' });
    assert.match(await row.innerText(), /warning/);
    const example = await row.locator('a').getAttribute('href');
    assert.match(example, new RegExp(`^/traces/(${AGENT.trace1}|${AGENT.trace2})\\?(.*&)?span=[0-9a-f]{16}`));
    // Loadgen's instrumentations are checked too, and every one is listed with a verdict.
    assert.ok(await page.locator('#conformance-findings .finding-scope').count() >= 3);
    // Pipeline: redaction is on by default (every rule listed), sampling and forwarding are off.
    assert.equal(await text(page, '#pipeline-stages'), 'Pipeline: normalize → enrich → redact → store');
    const redaction = await text(page, '#pipeline-redaction');
    for (const rule of ['email', 'secret', 'card']) assert.match(redaction, new RegExp(rule));
    assert.match(await text(page, '#pipeline-sampler'), /Sampling is off/);
    assert.match(await text(page, '#pipeline-forwarders'), /No forwarding destination/);
    await shot(page, 'diagnostics');
    await row.locator('a').click();
    await ready(page);
    const opened = new URL(page.url());
    await page.waitForSelector(`#span-detail[data-span-id="${opened.searchParams.get('span')}"]`);
    page.check();
    await page.close();
  });

  test('empty server: every page says what to do, nothing breaks', async () => {
    const page = await openPage({ origin: EMPTY });
    await visit(page, '/', EMPTY);
    assert.match(await text(page, '#page'), /No data yet/);
    assert.match(await text(page, '#page'), /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318/);
    await shot(page, 'empty-overview');
    for (const path of ['/traces', '/models', '/conversations']) {
      await visit(page, path, EMPTY);
      assert.match(await text(page, '#page'), /No data yet/, path);
    }
    await visit(page, '/agents', EMPTY);
    assert.match(await text(page, '#agents-table'), /No agents in this time range/);
    assert.match(await text(page, '#trace-graph-info'), /No agent trace in this time range/);
    assert.match(await text(page, '#range-graph-info'), /No trace in this range/);
    assert.match(await text(page, '#retrieval-table'), /No retrievals in this time range/);
    assert.equal(await page.locator('#trace-graph canvas, #range-graph canvas').count(), 0);
    await visit(page, '/compare', EMPTY);
    assert.match(await text(page, '#cohort-comparison'), /Give each cohort a filter/);
    assert.match(await text(page, '#trace-diff'), /Give two trace ids/);
    await visit(page, '/diagnostics', EMPTY);
    assert.match(await text(page, '#recent-rejections'), /No rejections/);
    assert.match(await text(page, '#conformance-findings'), /No GenAI spans checked/);
    assert.match(await text(page, '#pipeline-sampler'), /Sampling is off/);
    await visit(page, '/no/such/page', EMPTY);
    assert.match(await text(page, '#page'), /Page not found/);
    page.check();
    await page.close();
  });

  test(`a trace of ${BIG.spans.toLocaleString('en-US')} spans opens fast and stays responsive`, async () => {
    const runs = [];
    for (let run = 0; run < 3; run += 1) {
      const page = await openPage();
      const t0 = Date.now();
      await page.goto(`${BASE}/traces/${BIG.trace}`);
      await page.waitForSelector('.wf-row');
      const rendered = Date.now() - t0;
      // Interactive: a click on a span selects it and shows its panel (drawn from the tree).
      const name = await page.locator('.wf-row:nth-child(3) .wf-label').innerText();
      await page.click('.wf-row:nth-child(3)');
      await page.waitForFunction((n) => document.querySelector('#span-title')?.textContent === n, name);
      const interactive = Date.now() - t0;
      // Then its attributes, events and logs arrive from /spans/{id}.
      await page.waitForSelector('#span-detail');
      const details = Date.now() - t0 - interactive;
      const measures = await page.evaluate(() => Object.fromEntries(
        performance.getEntriesByType('measure').filter((m) => m.name.startsWith('fd:trace:')).map((m) => [m.name.slice(9), Math.round(m.duration)])));
      const bytes = Number(await page.getAttribute('#page', 'data-trace-bytes'));
      runs.push({ rendered_ms: rendered, interactive_ms: interactive, span_details_ms: details, ...measures, tree_bytes: bytes });
      if (run === 0) {
        assert.equal(await text(page, '#trace-span-count'), '10,000 spans');
        // Virtualized: only the rows in view exist.
        const rows = await page.locator('.wf-row').count();
        assert.ok(rows > 10 && rows < 150, `${rows} rows in the DOM`);
        // Scrolling to the end renders the last span; selecting it loads its details.
        await page.locator('.wf-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
        const last = page.locator(`.wf-row:has-text("${BIG.lastSpanName}")`);
        await last.waitFor();
        await last.click();
        await page.waitForSelector('#span-detail');
        assert.match(await text(page, '#span-panel'), new RegExp(BIG.lastSpanName));
        // Collapsing a step hides its 100 calls; find jumps to a span deep in the tree.
        await page.click('button:text("Collapse all")');
        assert.ok(await page.locator('.wf-row').count() <= 100);
        await page.fill('input[aria-label="Find span"]', 'step-77-call-42');
        await page.press('input[aria-label="Find span"]', 'Enter');
        await page.waitForSelector('.wf-row.selected:has-text("step-77-call-42")');
        await page.click('#next-error');
        await page.waitForSelector('.wf-row.selected:has-text("step-50-call-51")');
        await shot(page, 'trace-10k');
      }
      page.check();
      await page.close();
    }
    const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[1];
    const summary = {
      spans: BIG.spans,
      runs,
      median_interactive_ms: median('interactive_ms'),
      median_rendered_ms: median('rendered_ms'),
      median_span_details_ms: median('span_details_ms'),
      chromium: context.browser()?.version() ?? 'unknown',
      measured_at: new Date().toISOString(),
    };
    writeFileSync(join(SHOTS, 'timings.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`10,000-span trace page: interactive in ${summary.median_interactive_ms} ms (median of 3; runs ${runs.map((r) => r.interactive_ms).join(', ')} ms; `
      + `first run: tree ${runs[0].tree_bytes} bytes, fetch ${runs[0].fetch} ms, parse ${runs[0].parse} ms, model ${runs[0].model} ms, render ${runs[0].render} ms; `
      + `span details ${runs.map((r) => r.span_details_ms).join(', ')} ms after the click)`);
  });
});

/** Sends 8 more spans (the two fixture turns again, under new ids) for the auto-refresh test. */
async function sendAgentTracesAgain() {
  const { post } = await import('./fixtures.mjs');
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 8 }, (_, k) => ({
    traceId: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
    spanId: `f00000000000000${k + 1}`,
    name: `refresh-${k}`,
    kind: 1,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
  }));
  await post(OTLP, 'traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] });
}
