"""Checks Flightdeck's MCP server with the official Python MCP SDK (`mcp` from PyPI).

Two steps, run by crates/flightdeck/tests/mcp_python.rs against a real `flightdeck serve`:

  mcp_client.py load OTLP_HTTP_URL
      sends a small fixture over OTLP/HTTP JSON (three traces, one log record and one invalid
      span, timed a few minutes ago) and prints the ids as JSON;

  mcp_client.py check stdio BINARY API_URL MODE
  mcp_client.py check http MCP_URL MODE
      connects (MODE: auto or legacy protocol negotiation), lists the tools, calls each one and
      checks the answers against values worked out by hand from the fixture, checks that bad
      arguments give MCP errors with clear messages, and prints a JSON summary.

Every expected value below is computed from the fixture by hand in the comments; none is copied
from the server's output.
"""

import asyncio
import json
import sys
import time
import urllib.request

from mcp import Client, MCPError, StdioServerParameters

TRACE_A = "aa" * 16  # conversation conv-1, turn 1: a healthy chat call and a tool call
TRACE_B = "bb" * 16  # conversation conv-1, turn 2: an agent whose model call was rate limited
TRACE_C = "cc" * 16  # batch-worker: a call to an unpriced model and a call with no model name
A1, A2, A3 = "a000000000000001", "a000000000000002", "a000000000000003"
B1, B2, B3, B4 = "b000000000000001", "b000000000000002", "b000000000000003", "b000000000000004"
C1, C2 = "c000000000000001", "c000000000000002"
LONG_NOTE = "n" * 1000

TOOLS = {
    "overview",
    "search_traces",
    "get_trace",
    "get_span",
    "genai_stats",
    "cost_report",
    "top_operations",
    "list_conversations",
    "get_conversation",
    "ingest_status",
    "compare_cohorts",
    "diff_traces",
    "agent_graph",
}

MS = 1_000_000


def attr(key, value):
    if isinstance(value, bool):
        v = {"boolValue": value}
    elif isinstance(value, int):
        v = {"intValue": str(value)}
    elif isinstance(value, float):
        v = {"doubleValue": value}
    elif isinstance(value, list):
        v = {"arrayValue": {"values": [{"stringValue": x} for x in value]}}
    else:
        v = {"stringValue": value}
    return {"key": key, "value": v}


def span(trace, span_id, parent, name, kind, start_ms, dur_ms, base, attrs, status=None, events=None):
    s = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(base + start_ms * MS),
        "endTimeUnixNano": str(base + (start_ms + dur_ms) * MS),
        "attributes": [attr(k, v) for k, v in attrs.items()],
    }
    if parent:
        s["parentSpanId"] = parent
    if status:
        s["status"] = status
    if events:
        s["events"] = events
    return s


def chat(model, tokens_in, tokens_out, **extra):
    a = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
    }
    if tokens_in is not None:
        a["gen_ai.usage.input_tokens"] = tokens_in
        a["gen_ai.usage.output_tokens"] = tokens_out
    a.update(extra)
    return a


def fixture(now_ns):
    a = now_ns - 10 * 60 * 1000 * MS  # trace A: ten minutes ago
    b = a + 60 * 1000 * MS  # trace B: a minute later
    c = a + 120 * 1000 * MS  # trace C: two minutes later
    error = lambda message: {"code": 2, "message": message}  # noqa: E731 (STATUS_CODE_ERROR)
    support = [
        span(TRACE_A, A1, None, "POST /chat", 2, 0, 1200, a, {"http.route": "/chat"}),
        span(TRACE_A, A2, A1, "chat gpt-4o", 3, 100, 1000, a, chat(
            "gpt-4o", 1000, 200,
            **{
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.cache_read.input_tokens": 400,
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.conversation.id": "conv-1",
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "You are a weather assistant."}]),
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]),
                "gen_ai.output.messages": json.dumps([{
                    "role": "assistant", "finish_reason": "tool_call",
                    "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather",
                               "arguments": {"city": "Paris"}}],
                }]),
                "app.note": LONG_NOTE,
            },
        )),
        span(TRACE_A, A3, A1, "execute_tool get_weather", 1, 1100, 50, a, {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_weather",
            "gen_ai.conversation.id": "conv-1",
        }),
        span(TRACE_B, B1, None, "POST /chat", 2, 0, 3000, b, {"http.route": "/chat"},
             status=error("upstream failed")),
        span(TRACE_B, B2, B1, "invoke_agent planner", 1, 10, 2980, b, {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "planner",
            "gen_ai.conversation.id": "conv-1",
        }, status=error("model call failed")),
        span(TRACE_B, B3, B2, "chat gpt-4o-mini", 3, 20, 2000, b, chat(
            "gpt-4o-mini", 500, 0,
            **{"error.type": "RateLimitError", "gen_ai.conversation.id": "conv-1"},
        ), status=error("429 Too Many Requests"), events=[{
            "timeUnixNano": str(b + 2010 * MS),
            "name": "exception",
            "attributes": [
                attr("exception.type", "openai.RateLimitError"),
                attr("exception.message", "Rate limit reached"),
            ],
        }]),
        span(TRACE_B, B4, B2, "chat gpt-4o-mini", 3, 2100, 800, b, chat(
            "gpt-4o-mini", 300, 50, **{"gen_ai.conversation.id": "conv-1"},
        )),
        # Invalid: a 12-byte trace id. Rejected and counted, the rest of the batch is kept.
        span("0102030405060708090a0b0c", "d000000000000001", None, "broken", 1, 0, 1, a, {}),
    ]
    batch = [
        span(TRACE_C, C1, None, "chat acme-llm-custom", 3, 0, 200, c, {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "acme",
            "gen_ai.request.model": "acme-llm-custom",
            "gen_ai.usage.input_tokens": 80,
            "gen_ai.usage.output_tokens": 20,
        }),
        span(TRACE_C, C2, C1, "chat", 3, 50, 100, c, {"gen_ai.operation.name": "chat"}),
    ]

    def resource(service):
        return {"attributes": [attr("service.name", service), attr("service.version", "2.0.0")]}

    traces = {"resourceSpans": [
        {"resource": resource("support-api"),
         "scopeSpans": [{"scope": {"name": "fixture"}, "spans": support}]},
        {"resource": resource("batch-worker"),
         "scopeSpans": [{"scope": {"name": "fixture"}, "spans": batch}]},
    ]}
    logs = {"resourceLogs": [{
        "resource": resource("support-api"),
        "scopeLogs": [{"scope": {"name": "fixture"}, "logRecords": [{
            "timeUnixNano": str(b + 2015 * MS),
            "severityText": "WARN",
            "severityNumber": 13,
            "body": {"stringValue": "rate limited, retrying"},
            "traceId": TRACE_B,
            "spanId": B3,
        }]}],
    }]}
    return traces, logs


def post(url, body):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def load(otlp_url):
    traces, logs = fixture(time.time_ns())
    traces_answer = post(otlp_url + "/v1/traces", traces)
    logs_answer = post(otlp_url + "/v1/logs", logs)
    print(json.dumps({"traces": traces_answer, "logs": logs_answer}))


class Checks:
    def __init__(self, client):
        self.client = client
        self.called = set()
        self.failures = []

    async def call(self, name, args):
        self.called.add(name)
        result = await self.client.call_tool(name, args)
        text = "\n".join(c.text for c in result.content if c.type == "text")
        return result.is_error, text

    async def ok(self, name, args):
        is_error, text = await self.call(name, args)
        if is_error:
            self.fail(f"{name}({args}) failed: {text}")
        return text

    async def error(self, name, args, expected):
        is_error, text = await self.call(name, args)
        if not is_error:
            self.fail(f"{name}({args}) should fail; answered: {text[:300]}")
        elif expected not in text:
            self.fail(f"{name}({args}) error should contain {expected!r}; got {text!r}")

    def expect(self, what, text, *needles, absent=()):
        for n in needles:
            if n not in text:
                self.fail(f"{what}: missing {n!r} in:\n{text}")
        for n in absent:
            if n in text:
                self.fail(f"{what}: unexpected {n!r} in:\n{text}")

    def fail(self, message):
        self.failures.append(message)


def line_with(text, needle):
    return next((line for line in text.splitlines() if needle in line), "")


async def check_tools(client, checks):
    tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    if names != TOOLS:
        checks.fail(f"tools: expected {sorted(TOOLS)}, got {sorted(names)}")
    for t in tools:
        if len(t.description or "") < 100:
            checks.fail(f"{t.name}: description too short to act on: {t.description!r}")
        schema = t.input_schema
        if schema.get("type") != "object":
            checks.fail(f"{t.name}: input schema is not an object: {schema}")
        for prop, spec in schema.get("properties", {}).items():
            if not spec.get("description"):
                checks.fail(f"{t.name}.{prop}: argument has no description")
        if t.annotations is None or t.annotations.read_only_hint is not True:
            checks.fail(f"{t.name}: not annotated read-only")
    required = {t.name: set(t.input_schema.get("required", [])) for t in tools}
    if required.get("get_trace") != {"trace_id"}:
        checks.fail(f"get_trace must require trace_id: {required.get('get_trace')}")
    if required.get("get_span") != {"trace_id", "span_id"}:
        checks.fail(f"get_span must require trace_id and span_id: {required.get('get_span')}")


async def check_answers(checks):
    c = checks

    text = await c.ok("overview", {})
    # support-api: A1-A3 and B1-B4 = 7 spans; batch-worker: C1, C2 = 2 (the invalid span is
    # rejected). GenAI spans: A2, A3, B2, B3, B4, C1, C2 = 7, of which B2 and B3 failed (2/7 =
    # 28.6%). Tokens of model calls: in 1000 + 500 + 300 + 80 = 1880, out 200 + 0 + 50 + 20 = 270.
    c.expect("overview", text, "support-api (7 spans)", "batch-worker (2 spans)",
             "GenAI: 7 spans, 2 errors (28.6%)", "tokens in/out 1880/270",
             "openai/gpt-4o-mini", "acme/acme-llm-custom", "chat gpt-4o")

    text = await c.ok("search_traces", {"status": "error"})
    # Only trace B has failed spans: B1, B2, B3 (3); 4 spans, 3 GenAI (B2, B3, B4), model-call
    # tokens 500 + 300 in, 0 + 50 out, 3000 ms long.
    c.expect("search_traces status=error", text, "1 trace(s)",
             f"{TRACE_B} | ", "| support-api: POST /chat | 3.00s | 4 | 3 | 3 | 800/50 |",
             absent=(TRACE_A, TRACE_C))
    text = await c.ok("search_traces", {"model": "gpt-4o", "since": "1h"})
    c.expect("search_traces model=gpt-4o", text, TRACE_A, absent=(TRACE_B, TRACE_C))
    text = await c.ok("search_traces", {"attributes": {"http.route": "/chat"}, "limit": 1})
    # Newest first: B (a minute after A) before A; C has no http.route. One per page.
    c.expect("search_traces page 1", text, TRACE_B, "cursor=\"", absent=(TRACE_A, TRACE_C))
    cursor = line_with(text, "cursor=\"").split("cursor=\"")[1].split("\"")[0]
    text = await c.ok("search_traces", {"attributes": {"http.route": "/chat"}, "limit": 1,
                                        "cursor": cursor})
    c.expect("search_traces page 2", text, TRACE_A, absent=(TRACE_B, TRACE_C))

    text = await c.ok("get_trace", {"trace_id": TRACE_B})
    # B3 failed with no failed child: the origin, 20 ms into the trace, 2000 ms long. B2 and B1
    # only propagated it. Model calls B3, B4: 800 tokens in, 50 out. gpt-4o-mini costs $0.15 / M
    # input and $0.60 / M output: B4 = 300 × 0.15 + 50 × 0.60 = 75 µ$.
    c.expect("get_trace B", text,
             f"trace {TRACE_B} | ", "| duration 3.00s | 4 spans (3 failed, 3 GenAI) | services: support-api | 1 log records",
             "model calls: 2 | tokens in 800 (cache read 0) out 50 (reasoning 0) | cost ",
             "errors (3 failed spans; 1 where the failure originated):",
             f"ORIGIN {B3} \"chat gpt-4o-mini\" (support-api) at +20.0ms took 2.00s: RateLimitError: "
             "429 Too Many Requests: exception openai.RateLimitError: Rate limit reached",
             f"propagated {B2} \"invoke_agent planner\" (support-api): model call failed (child {B3} failed)",
             f"propagated {B1} \"POST /chat\" (support-api): upstream failed (child {B2} failed)",
             "span tree (4 of 4 spans;", f"{B4} chat gpt-4o-mini +2.10s 800.0ms [chat gpt-4o-mini in=300 out=50 $0.000075]",
             "rate limited, retrying")
    # Critical path of B: B1 [0, 3000] ms, B2 [10, 2990], B3 [20, 2020], B4 [2100, 2900]. Walking
    # back from 3000: B1 10 ms, B2 90 ms, B4 800 ms, B2 80 ms, B3 2000 ms, B2 10 ms, B1 10 ms. So
    # B3 2000 ms (66.7%), B4 800 ms (26.7%), B2 180 ms (6.0%), B1 20 ms (0.7%) of 3000 ms.
    c.expect("get_trace B critical path", text,
             f"critical path (4 spans; self time and share of 3.00s): {B3} \"chat gpt-4o-mini\" 2.00s 66.7% "
             f"| {B4} \"chat gpt-4o-mini\" 800.0ms 26.7% | {B2} \"invoke_agent planner\" 180.0ms 6.0% "
             f"| {B1} \"POST /chat\" 20.0ms 0.7%")
    if text.find("ORIGIN") > text.find("propagated"):
        c.fail(f"get_trace B: the origin must come before propagated errors:\n{text}")
    text = await c.ok("get_trace", {"trace_id": TRACE_B, "max_spans": 2})
    # Budget 2, but the origin B3 is kept with its ancestors B2 and B1: 3 lines, B4 left out.
    c.expect("get_trace B max_spans=2", text, "span tree (3 of 4 spans;", B3,
             "… 1 span(s) not shown")
    text = await c.ok("get_trace", {"trace_id": TRACE_B, "span_ids": [B3]})
    c.expect("get_trace B detail", text, f"span {B3} \"chat gpt-4o-mini\" | trace {TRACE_B}",
             "events (1):", "exception exception.type=openai.RateLimitError",
             "log records (1):", "WARN body=rate limited, retrying")

    text = await c.ok("get_span", {"trace_id": TRACE_A, "span_id": A2})
    c.expect("get_span A2", text, f"parent: {A1} \"POST /chat\"", "kind=client service=support-api",
             "genai: operation=chat provider=openai request_model=gpt-4o response_model=gpt-4o-2024-08-06",
             "usage.input_tokens=1000", "usage.cache_read_input_tokens=400",
             "app.note = " + "n" * 500 + "…(+500 chars)", "service.version=2.0.0",
             "messages:\n  system: You are a weather assistant.\n  user: Weather in Paris?\n"
             "  assistant: call get_weather({\"city\":\"Paris\"}) id=call_1\n"
             "  (assistant finished: tool_call)\n")
    text = await c.ok("get_span", {"trace_id": TRACE_A, "span_id": A2, "max_value_chars": 2000})
    c.expect("get_span A2 full", text, "app.note = " + LONG_NOTE + "\n", absent=("…(+",))

    text = await c.ok("genai_stats", {"group_by": ["model"]})
    # gpt-4o-mini: B3 (2000 ms, failed) and B4 (800 ms). p50 = 800 + 0.5 * 1200 = 1400 ms,
    # p95 = 800 + 0.95 * 1200 = 1940 ms; 800 tokens in, 50 out; 1 of 2 failed.
    row = line_with(text, "gpt-4o-mini |")
    c.expect("genai_stats gpt-4o-mini row", row,
             "gpt-4o-mini | 2 | 1 (50.0%) | 1.40s/1.94s | - | 800/50 |", "RateLimitError×1")
    text = await c.ok("genai_stats", {"group_by": ["service"], "step": "10m"})
    c.expect("genai_stats series", text, "every 10m00s", "service=support-api:",
             "service=batch-worker:")

    text = await c.ok("cost_report", {})
    # Cache reads: A2's 400. The acme model has usage and no price.
    c.expect("cost_report", text,
             "tokens: input 1880 (cache read 400, cache write 0) | output 270 (reasoning 0) | GenAI spans 7",
             "by model (top 3 by cost):", "acme/acme-llm-custom | 1 | 80/20 |")

    text = await c.ok("top_operations", {"by": "most_failing"})
    c.expect("top_operations most_failing", text, "chat/gpt-4o-mini |", "invoke_agent/- |",
             "examples (matching operation=invoke_agent only): " + TRACE_B)
    row = line_with(text, "chat/gpt-4o-mini |")
    examples = text.split(row, 1)[1].splitlines()[1] if row else ""
    c.expect("top_operations most_failing examples", examples, TRACE_B, absent=(TRACE_A,))
    text = await c.ok("top_operations", {"by": "slowest", "limit": 2})
    # p95 latency: invoke_agent (2980 ms) > chat/gpt-4o-mini (1940 ms) > chat/gpt-4o (1000 ms).
    c.expect("top_operations slowest", text, "1. invoke_agent/- |", "2. chat/gpt-4o-mini |")
    text = await c.ok("top_operations", {"by": "most_expensive", "limit": 3})
    # gpt-4o: 1000 in / 200 out, more than gpt-4o-mini's 800 / 50 by tokens or by any price.
    c.expect("top_operations most_expensive", text, "1. chat/gpt-4o |", TRACE_A)

    text = await c.ok("list_conversations", {})
    # conv-1: traces A and B; model calls A2, B3, B4; tokens 1000 + 500 + 300 in, 200 + 0 + 50 out.
    c.expect("list_conversations", text, "1 conversation(s)", "conv-1 | ", "| 2 | 3 | 1800/250 |")
    text = await c.ok("get_conversation", {"conversation_id": "conv-1"})
    c.expect("get_conversation", text, f"1 | {TRACE_A} |", f"2 | {TRACE_B} |")

    text = await c.ok("compare_cohorts", {"a": {"model": "gpt-4o"}, "b": {"model": "gpt-4o-mini"}})
    # A: A2 (1000 ms). B: B3 (2000 ms, failed) and B4 (800 ms): p50 1400 ms, p95 1940 ms; the
    # median is 40% higher, the mean 400 ms higher. One and two calls are too few for a verdict
    # (20 needed); error rates 0/1 and 1/2.
    c.expect("compare_cohorts", text, "A: model=gpt-4o | ", "| 1 calls\n", "B: model=gpt-4o-mini | ",
             "| 2 calls\n", "beyond noise: nothing",
             "latency_ms | not_enough_data | 1.00s/1.00s | 1.40s/1.94s | +40.0% | +400",
             "error_rate | not_enough_data | 0.0% (0/1) | 50.0% (1/2) |",
             "ttft_ms | not_enough_data | -/- | -/- |")
    text = await c.ok("compare_cohorts", {"service": "support-api", "a": {"since": "1h", "end": str(time.time_ns() - 30 * 60 * 1000 * MS)}, "b": {"since": "30m"}})
    # A: the half hour that ended 30 minutes ago holds none of the fixture (sent minutes ago);
    # B: the last 30 minutes hold the three support-api model calls A2, B3 and B4.
    c.expect("compare_cohorts windows", text, "| 0 calls\n", "| 3 calls\n", "service=support-api")

    text = await c.ok("diff_traces", {"a": TRACE_A, "b": TRACE_B})
    # Roots match (POST /chat); A's chat call and tool call have no counterpart under B's root
    # (missing, 1 span each); B's agent subtree (B2, B3, B4) is new. The root went from 1200 ms
    # to 3000 ms (+1800 ms, ×2.5) and from unset to error status. Tokens: A2 1000/200; B3 + B4
    # 800/50. Failed spans: none in A, B1 B2 B3 in B.
    c.expect("diff_traces", text,
             f"A {TRACE_A}: 3 spans, 1.20s, 0 errors, tokens 1000/200,",
             f"B {TRACE_B}: 4 spans, 3.00s, 3 errors, tokens 800/50,",
             "matched 1 spans | added in B 3 | missing from B 2 | slower 1 | faster 0",
             f"  {B2} POST /chat > invoke_agent planner (3 span(s), 2.98s)",
             f"  {A2} POST /chat > chat (1 span(s), 1.00s)",
             f"  {A3} POST /chat > execute_tool get_weather (1 span(s), 50.0ms)",
             f"  {A1} → {B1} POST /chat: slower 1.20s → 3.00s (+1.80s, ×2.50); status unset → error")

    text = await c.ok("agent_graph", {"trace_id": TRACE_B})
    # B2 (planner, failed, 2980 ms) invoked B3 (2000 ms, failed) and B4 (800 ms): avg 1400 ms.
    c.expect("agent_graph B", text,
             f"agent graph of trace {TRACE_B} | 1 trace(s) joined by span links: {TRACE_B}",
             f"  model:gpt-4o-mini: ×2, 1 errors, avg 1.40s max 2.00s e.g. {TRACE_B}/{B3}",
             f"  agent:planner: ×1, 1 errors, avg 2.98s max 2.98s e.g. {TRACE_B}/{B2}",
             "  agent:planner → model:gpt-4o-mini: ×2, 1 errors, avg 1.40s max 2.00s",
             "findings: none")
    text = await c.ok("agent_graph", {})
    # All three traces: nodes planner, gpt-4o-mini, gpt-4o (A2), get_weather (A3), acme (C1) and
    # C2 (a chat call with no model name); one edge.
    c.expect("agent_graph range", text, "agent graph over 3 trace(s)", "  model:gpt-4o: ×1",
             "  tool:get_weather: ×1", "  model:acme-llm-custom: ×1", "  model:(unnamed): ×1",
             "agent:planner → model:gpt-4o-mini")
    text = await c.ok("agent_graph", {"focus": "agent:planner", "service": "support-api"})
    # Traces A and B are support-api; only the planner and what it invoked remain.
    c.expect("agent_graph focus", text, "agent graph over 2 trace(s)", "focus agent:planner",
             "  agent:planner: ×1", "  model:gpt-4o-mini: ×2",
             absent=("tool:get_weather", "model:gpt-4o:"))

    text = await c.ok("ingest_status", {})
    # 9 valid spans + 1 invalid in one request; 1 log record.
    c.expect("ingest_status", text,
             "spans: received 10, accepted 9, rejected as invalid 1",
             "logs: received 1, accepted 1", "trace_id must be 16 bytes, got 12",
             "acme/acme-llm-custom (1 calls)",
             "1 model calls carry no model name (service=batch-worker operation=chat model=-)")


async def check_errors(client, checks):
    c = checks
    await c.error("search_traces", {"limit": 0}, "`limit` must be from 1 to 100, got 0")
    await c.error("search_traces", {"modle": "gpt-4o"}, "unknown argument `modle`")
    await c.error("search_traces", {"since": "yesterday"}, "`since` must be a duration")
    await c.error("search_traces", {"limit": "many"}, "invalid type")
    await c.error("search_traces", {"status": "failed"}, "unknown variant `failed`")
    await c.error("get_trace", {"trace_id": "xyz"}, "`trace_id` must be 32 hex characters")
    await c.error("get_trace", {}, "missing field `trace_id`")
    await c.error("get_trace", {"trace_id": "0" * 31 + "1"}, "not found")
    await c.error("get_trace", {"trace_id": TRACE_A, "span_ids": [B1]}, f"span {B1} (in `span_ids`) is not in trace")
    await c.error("get_span", {"trace_id": TRACE_A, "span_id": B1}, "is not in trace")
    await c.error("genai_stats", {"group_by": ["colour"]}, "unknown `group_by` dimension")
    await c.error("top_operations", {"by": "fastest"}, "unknown variant `fastest`")
    await c.error("get_conversation", {"conversation_id": "no/such conversation"}, "not found")
    await c.error("compare_cohorts", {"a": {}, "b": {}}, "`a` and `b` are both empty")
    await c.error("compare_cohorts", {"a": {"modle": "x"}, "b": {}}, "in cohort `a`: unknown argument `modle`")
    await c.error("compare_cohorts", {"b": {"model": "x"}}, "missing field `a`")
    await c.error("compare_cohorts", {"a": {"status": "broken"}, "b": {}}, "unknown variant `broken`")
    await c.error("compare_cohorts", {"a": {"since": "forever"}, "b": {}}, "`since` must be a duration")
    await c.error("diff_traces", {"a": "xyz", "b": TRACE_A}, "`a` must be 32 hex characters")
    await c.error("diff_traces", {"a": TRACE_A, "b": "0" * 31 + "1"}, "not found")
    await c.error("agent_graph", {"trace_id": TRACE_B, "focus": "agent:planner"}, "with `trace_id`")
    await c.error("agent_graph", {"trace_id": TRACE_B, "link_depth": 9}, "`link_depth` must be from 0 to 5")
    await c.error("agent_graph", {"focus": "robot:x"}, "`focus` must be a node id")
    await c.error("agent_graph", {"limit": 5000}, "`limit` must be from 1 to 1000")
    try:
        await client.call_tool("no_such_tool", {})
        c.fail("an unknown tool should be an MCP error")
    except MCPError as e:
        if "no_such_tool" not in str(e) and "not found" not in str(e):
            c.fail(f"unknown tool error is unclear: {e}")
    # The session survives all of that.
    await c.ok("overview", {"since": "1h"})


async def check(transport, target, extra, mode):
    if transport == "stdio":
        server = StdioServerParameters(command=target, args=["mcp"], env={"FLIGHTDECK_API": extra})
    else:
        server = target
    async with Client(server, mode=mode, read_timeout_seconds=60) as client:
        checks = Checks(client)
        instructions = client.instructions or ""
        if "search_traces" not in instructions:
            checks.fail(f"server instructions do not guide the agent: {instructions!r}")
        await check_tools(client, checks)
        await check_answers(checks)
        await check_errors(client, checks)
    uncalled = TOOLS - checks.called
    if uncalled:
        checks.fail(f"tools never called: {sorted(uncalled)}")
    print(json.dumps({
        "transport": transport,
        "mode": mode,
        "tools_called": sorted(checks.called),
        "failures": checks.failures,
    }))
    return not checks.failures


def main():
    if sys.argv[1] == "load":
        load(sys.argv[2])
        return
    _, _, transport, target, *rest = sys.argv
    if transport == "stdio":
        api, mode = rest
    else:
        api, mode = None, rest[0]
    ok = asyncio.run(check(transport, target, api, mode))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
