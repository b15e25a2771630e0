// Fixture telemetry for the browser tests, sent over OTLP/HTTP JSON exactly as an exporter would:
// the captured instrumentation samples (moved to the present), two hand-built agent turns of one
// conversation whose every value the tests check, and one trace of 10,000 spans.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const NS_PER_MS = 1_000_000n;
const nowNs = () => BigInt(Date.now()) * NS_PER_MS;

/** POSTs an OTLP/JSON body; fails unless the server accepted all of it. */
export async function post(otlpUrl, signal, body) {
  const response = await fetch(`${otlpUrl}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /v1/${signal}: HTTP ${response.status}: ${text}`);
  const json = JSON.parse(text);
  if (json.partialSuccess && (json.partialSuccess.rejectedSpans || json.partialSuccess.rejectedLogRecords)) {
    throw new Error(`POST /v1/${signal}: partial success ${text}`);
  }
  return json;
}

const str = (key, value) => ({ key, value: { stringValue: value } });
const int = (key, value) => ({ key, value: { intValue: String(value) } });
const dbl = (key, value) => ({ key, value: { doubleValue: value } });
const list = (key, values) => ({ key, value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } } });

function span({ trace, id, parent, name, kind = 1, start, end, attrs = [], events = [], links = [], error }) {
  return {
    traceId: trace,
    spanId: id,
    parentSpanId: parent ?? '',
    name,
    kind,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    attributes: attrs,
    events,
    links,
    status: error ? { code: 2, message: error } : {},
  };
}

function request(service, version, spans) {
  return {
    resourceSpans: [{
      resource: { attributes: [str('service.name', service), str('service.version', version), str('deployment.environment.name', 'test')] },
      scopeSpans: [{ scope: { name: 'flightdeck-ui-fixture', version: '1.0.0' }, spans }],
    }],
  };
}

/** The captured samples, every timestamp moved by one offset so the newest is a minute ago. */
export async function sendSamples(otlpUrl, samplesDir) {
  const files = readdirSync(samplesDir).filter((f) => f.endsWith('.traces.json') || f.endsWith('.logs.json')).sort();
  const docs = files.map((f) => [f, readFileSync(join(samplesDir, f), 'utf8')]);
  let newest = 0n;
  const re = /"(\w*UnixNano)"\s*:\s*"?(\d+)"?/g;
  for (const [, text] of docs) {
    for (const m of text.matchAll(re)) if (m[2] !== '0' && BigInt(m[2]) > newest) newest = BigInt(m[2]);
  }
  const offset = nowNs() - 60_000n * NS_PER_MS - newest;
  for (const [file, text] of docs) {
    const moved = text.replace(re, (all, key, value) => (value === '0' ? all : `"${key}":"${BigInt(value) + offset}"`));
    await post(otlpUrl, file.endsWith('.logs.json') ? 'logs' : 'traces', moved);
  }
  return files.length;
}

/** Ids and values of the hand-built conversation; the tests check the UI shows exactly these. */
export const AGENT = {
  service: 'ui-fixture',
  conversation: 'conv-ui-fixture',
  trace1: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
  trace2: 'a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2',
  trace3: 'a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3',
  unpricedModel: 'ui-fixture-model-without-price',
  rootSpan: 'b000000000000001',
  chatSpan: 'b000000000000004',
  toolSpan: 'b000000000000005',
  linkedTrace: '2591175660774e1db478274acb369e23',
  linkedSpan: 'd8b04c7be1ad04f8',
  trace4: 'a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4',
  trace5: 'a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5',
  retrievalSpan: 'b000000000000003',
  claudeSpan: 'b000000000000006',
  toolCallId: 'call_weather_1',
  systemPrompt: 'You are the support agent of Example Shop. Be brief.',
  answer: 'Your refund was issued on May 3 and arrives within 5 days.',
  followUp: 'Can it go to another card?',
  followUpAnswer: 'No, refunds go back to the card you paid with.',
};

/**
 * Two turns of one conversation (an agent that retrieves two documents, calls two models and a
 * failing tool), one call to a model no price catalog has, an agent that loops on a tool, and turn 1
 * run again with changes (for the trace diff). Captured content arrives in three
 * ways: current-convention attributes and a details log record (the OpenAI call), OpenLLMetry
 * indexed attributes (the Anthropic call), and the tool span's own arguments.
 */
export async function sendAgentTraces(otlpUrl) {
  const t = nowNs() - 120_000n * NS_PER_MS;
  const ms = (n) => t + BigInt(n) * NS_PER_MS;
  const A = AGENT;
  const turn1 = [
    span({ trace: A.trace1, id: A.rootSpan, name: 'POST /v1/answer', kind: 2, start: ms(0), end: ms(2500),
      attrs: [str('http.request.method', 'POST'), str('http.route', '/v1/answer'), int('http.response.status_code', 200), str('user.id', 'user-fixture')] }),
    span({ trace: A.trace1, id: 'b000000000000002', parent: A.rootSpan, name: 'invoke_agent support', start: ms(10), end: ms(2490),
      attrs: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'support'), str('gen_ai.conversation.id', A.conversation)] }),
    span({ trace: A.trace1, id: 'b000000000000003', parent: 'b000000000000002', name: 'retrieval kb-support', kind: 3, start: ms(20), end: ms(120),
      attrs: [str('gen_ai.operation.name', 'retrieval'), str('gen_ai.data_source.id', 'kb-support'), str('gen_ai.retrieval.documents', '[{"id":"doc-7","score":0.91,"content":"Refunds are issued within 3 days."},{"id":"doc-2","score":0.42}]')] }),
    span({ trace: A.trace1, id: A.chatSpan, parent: 'b000000000000002', name: 'chat gpt-4o-mini', kind: 3, start: ms(130), end: ms(1330),
      attrs: [
        str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'openai'),
        str('gen_ai.request.model', 'gpt-4o-mini'), str('gen_ai.response.model', 'gpt-4o-mini-2024-07-18'),
        int('gen_ai.usage.input_tokens', 1200), int('gen_ai.usage.output_tokens', 345), int('gen_ai.usage.cache_read.input_tokens', 400),
        list('gen_ai.response.finish_reasons', ['stop']), str('gen_ai.response.id', 'chatcmpl-fixture-1'),
        dbl('gen_ai.response.time_to_first_chunk', 0.42), str('gen_ai.conversation.id', A.conversation), str('gen_ai.agent.name', 'support'),
        str('user.id', 'user-fixture'),
        str('gen_ai.input.messages', '[{"role":"user","parts":[{"type":"text","content":"Where is my refund?"}]}]'),
        str('gen_ai.system_instructions', JSON.stringify([{ type: 'text', content: A.systemPrompt }])),
        str('gen_ai.tool.definitions', JSON.stringify([{ type: 'function', name: 'get_weather', description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } } }])),
      ],
      events: [{ timeUnixNano: String(ms(630)), name: 'gen_ai.first_chunk', attributes: [int('chunk.index', 0)] }],
      links: [{ traceId: A.linkedTrace, spanId: A.linkedSpan, attributes: [str('link.reason', 'previous answer')] }] }),
    span({ trace: A.trace1, id: A.toolSpan, parent: 'b000000000000002', name: 'execute_tool get_weather', start: ms(1340), end: ms(1600),
      attrs: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'get_weather'), str('gen_ai.tool.type', 'function'), str('gen_ai.agent.name', 'support'), str('error.type', 'TimeoutError'),
        str('gen_ai.tool.call.id', A.toolCallId), str('gen_ai.tool.call.arguments', '{"city":"Paris"}')],
      events: [{ timeUnixNano: String(ms(1599)), name: 'exception', attributes: [str('exception.type', 'TimeoutError'), str('exception.message', 'weather API timed out')] }],
      error: 'upstream timeout' }),
    span({ trace: A.trace1, id: 'b000000000000006', parent: 'b000000000000002', name: 'chat claude-sonnet-4-5', kind: 3, start: ms(1610), end: ms(2400),
      attrs: [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'anthropic'), str('gen_ai.request.model', 'claude-sonnet-4-5'),
        int('gen_ai.usage.input_tokens', 900), int('gen_ai.usage.output_tokens', 120), list('gen_ai.response.finish_reasons', ['end_turn']),
        str('gen_ai.conversation.id', A.conversation), str('gen_ai.agent.name', 'support'),
        // Messages of the Anthropic call in OpenLLMetry's indexed attributes: the tool result, then the answer.
        str('gen_ai.prompt.0.role', 'user'), str('gen_ai.prompt.0.content', 'Where is my refund?'),
        str('gen_ai.prompt.1.role', 'tool'), str('gen_ai.prompt.1.content', 'weather API timed out'), str('gen_ai.prompt.1.tool_call_id', A.toolCallId),
        str('gen_ai.completion.0.role', 'assistant'), str('gen_ai.completion.0.content', A.answer), str('gen_ai.completion.0.finish_reason', 'end_turn')] }),
  ];
  const turn2 = [
    span({ trace: A.trace2, id: 'c000000000000001', name: 'POST /v1/answer', kind: 2, start: ms(60_000), end: ms(60_900),
      attrs: [str('http.request.method', 'POST'), str('user.id', 'user-fixture')] }),
    span({ trace: A.trace2, id: 'c000000000000002', parent: 'c000000000000001', name: 'chat gpt-4o-mini', kind: 3, start: ms(60_050), end: ms(60_850),
      attrs: [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'openai'), str('gen_ai.request.model', 'gpt-4o-mini'),
        int('gen_ai.usage.input_tokens', 1500), int('gen_ai.usage.output_tokens', 80), str('gen_ai.conversation.id', A.conversation),
        str('user.id', 'user-fixture'),
        // A deprecated attribute next to its replacement: a conformance finding of this scope.
        str('gen_ai.system', 'openai'),
        str('gen_ai.input.messages', JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: 'Where is my refund?' }] },
          { role: 'assistant', parts: [{ type: 'text', content: A.answer }] },
          { role: 'user', parts: [{ type: 'text', content: A.followUp }] }])),
        str('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: A.followUpAnswer }], finish_reason: 'stop' }]))] }),
  ];
  // A model no price catalog knows, in a trace of its own.
  const unpriced = [
    span({ trace: A.trace3, id: 'd000000000000001', name: `chat ${A.unpricedModel}`, kind: 3, start: ms(30_000), end: ms(30_400),
      attrs: [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'in-house'), str('gen_ai.request.model', A.unpricedModel),
        int('gen_ai.usage.input_tokens', 50), int('gen_ai.usage.output_tokens', 5)] }),
  ];
  // An agent that calls one tool 12 times in one invocation: a repeated-invocation finding.
  const planner = [
    span({ trace: A.trace4, id: 'd400000000000001', name: 'invoke_agent planner', start: ms(40_000), end: ms(40_700),
      attrs: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'planner')] }),
    ...Array.from({ length: 12 }, (_, k) => span({ trace: A.trace4, id: `d4000000000001${String(k).padStart(2, '0')}`, parent: 'd400000000000001',
      name: 'execute_tool search', start: ms(40_010 + k * 50), end: ms(40_050 + k * 50),
      attrs: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'search'), str('gen_ai.agent.name', 'planner')] })),
  ];
  // Turn 1 run again, changed: the first model call 600 ms slower, no tool call, a rerank step
  // added. Compared with trace 1 on the Compare page.
  const t5 = (n) => ms(90_000 + n);
  const rerun = [
    span({ trace: A.trace5, id: 'e500000000000001', name: 'POST /v1/answer', kind: 2, start: t5(0), end: t5(3100) }),
    span({ trace: A.trace5, id: 'e500000000000002', parent: 'e500000000000001', name: 'invoke_agent support', start: t5(10), end: t5(3090),
      attrs: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'support')] }),
    span({ trace: A.trace5, id: 'e500000000000003', parent: 'e500000000000002', name: 'retrieval kb-support', kind: 3, start: t5(20), end: t5(120),
      attrs: [str('gen_ai.operation.name', 'retrieval'), str('gen_ai.data_source.id', 'kb-support')] }),
    span({ trace: A.trace5, id: 'e500000000000004', parent: 'e500000000000002', name: 'chat gpt-4o-mini', kind: 3, start: t5(130), end: t5(1930),
      attrs: [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'openai'), str('gen_ai.request.model', 'gpt-4o-mini'),
        int('gen_ai.usage.input_tokens', 1200), int('gen_ai.usage.output_tokens', 345), int('gen_ai.usage.cache_read.input_tokens', 400),
        str('gen_ai.agent.name', 'support')] }),
    span({ trace: A.trace5, id: 'e500000000000005', parent: 'e500000000000002', name: 'rerank', start: t5(1940), end: t5(1990) }),
    span({ trace: A.trace5, id: 'e500000000000006', parent: 'e500000000000002', name: 'chat claude-sonnet-4-5', kind: 3, start: t5(2000), end: t5(2790),
      attrs: [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'anthropic'), str('gen_ai.request.model', 'claude-sonnet-4-5'),
        int('gen_ai.usage.input_tokens', 900), int('gen_ai.usage.output_tokens', 120), str('gen_ai.agent.name', 'support')] }),
  ];
  await post(otlpUrl, 'traces', request(A.service, '2.0.0', [...turn1, ...turn2, ...unpriced, ...planner, ...rerun]));
  await post(otlpUrl, 'logs', {
    resourceLogs: [{
      resource: { attributes: [str('service.name', A.service)] },
      scopeLogs: [{
        scope: { name: 'flightdeck-ui-fixture' },
        logRecords: [{
          timeUnixNano: String(ms(1330)),
          severityNumber: 9,
          severityText: 'INFO',
          eventName: 'gen_ai.client.inference.operation.details',
          body: { stringValue: 'answer sent to the user' },
          traceId: A.trace1,
          spanId: A.chatSpan,
          // The model's answer arrives in this log record, not on the span: a tool call.
          attributes: [str('gen_ai.output.type', 'text'), str('gen_ai.output.messages', JSON.stringify([{ role: 'assistant',
            parts: [{ type: 'tool_call', id: A.toolCallId, name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' }]))],
        }],
      }],
    }],
  });
}

/** The id of the 10,000-span trace and how it is built: a root, 99 steps of 100 calls each. */
export const BIG = {
  trace: 'b16b16b16b16b16b16b16b16b16b16b1',
  service: 'ui-bigtrace',
  spans: 10_000,
  lastSpanName: 'execute_tool step-99-call-99',
};

const hex16 = (n) => n.toString(16).padStart(16, '0');

/** One trace of exactly 10,000 spans: root → 99 agent steps → 100 model and tool calls each. */
export async function sendBigTrace(otlpUrl) {
  const t = nowNs() - 300_000n * NS_PER_MS;
  const us = (n) => t + BigInt(n) * 1000n;
  const spans = [];
  let next = 1;
  const root = hex16(next++);
  spans.push(span({ trace: BIG.trace, id: root, name: 'POST /v1/batch', kind: 2, start: us(0), end: us(9_950_000),
    attrs: [str('http.request.method', 'POST'), str('http.route', '/v1/batch')] }));
  for (let step = 1; step <= 99; step += 1) {
    const stepId = hex16(next++);
    const stepStart = step * 100_000;
    spans.push(span({ trace: BIG.trace, id: stepId, parent: root, name: `invoke_agent step-${step}`, start: us(stepStart), end: us(stepStart + 99_000),
      attrs: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', `agent-${step % 4}`)] }));
    for (let call = 0; call < 100; call += 1) {
      const start = stepStart + 500 + call * 980;
      const chat = call % 2 === 0;
      spans.push(span({
        trace: BIG.trace,
        id: hex16(next++),
        parent: stepId,
        name: chat ? `chat step-${step}-call-${call}` : `execute_tool step-${step}-call-${call}`,
        kind: chat ? 3 : 1,
        start: us(start),
        end: us(start + 900),
        attrs: chat
          ? [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'openai'), str('gen_ai.request.model', 'gpt-4o-mini'),
            int('gen_ai.usage.input_tokens', 100 + call), int('gen_ai.usage.output_tokens', 10 + step), str('server.address', 'api.openai.com')]
          : [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', `tool-${call % 5}`), str('gen_ai.tool.call.id', `call-${step}-${call}`)],
        error: step === 50 && call === 51 ? 'tool crashed' : undefined,
      }));
    }
  }
  if (spans.length !== BIG.spans) throw new Error(`built ${spans.length} spans, meant ${BIG.spans}`);
  await post(otlpUrl, 'traces', request(BIG.service, '1.0.0', spans));
}

/** A request with one invalid span (a trace id of the wrong length), so Diagnostics has a reason. */
export async function sendInvalidSpan(otlpUrl) {
  const t = nowNs();
  const body = request('ui-invalid', '1.0.0', [span({ trace: 'abcd', id: 'e000000000000001', name: 'bad', start: t, end: t + 1000n })]);
  const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}
