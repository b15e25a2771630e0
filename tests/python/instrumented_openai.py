"""Calls an OpenAI-compatible API through the official `openai` client, instrumented by one of the
common GenAI instrumentation libraries, and exports the telemetry to Flightdeck over OTLP/HTTP.

Usage: instrumented_openai.py <instrumentation>
  instrumentation: openai-v2 (OpenTelemetry's own), traceloop (OpenLLMetry),
                   openinference (Arize Phoenix)

Environment: OTEL_EXPORTER_OTLP_ENDPOINT (Flightdeck's OTLP/HTTP base URL), OPENAI_BASE_URL (the
mock provider's /v1 URL). Content capture is switched on the way each library expects.

Prints one JSON object: per call (plain chat, streamed chat), the trace id and the usage the
provider reported to the client, so the test can compare it with what Flightdeck stored.
"""

import json
import os
import sys

from opentelemetry import _logs, trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

library = sys.argv[1]

# Content capture, each library's own switch. OpenTelemetry's own instrumentation is put on the
# latest conventions with content as log events (joined to the span by Flightdeck).
if library == "openai-v2":
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "EVENT_ONLY"
else:
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true"
    os.environ["TRACELOOP_TRACE_CONTENT"] = "true"
os.environ.setdefault("OPENAI_API_KEY", "sk-test")

resource = Resource.create({"service.name": f"py-{library}", "service.version": "1.0.0"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
_logs.set_logger_provider(logger_provider)

if library == "openai-v2":
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(
        tracer_provider=tracer_provider, logger_provider=logger_provider
    )
elif library == "traceloop":
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
elif library == "openinference":
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
else:
    sys.exit(f"unknown instrumentation {library!r}")

import openai  # noqa: E402  (imported after instrumenting, as the libraries document)

client = openai.OpenAI()
tracer = trace.get_tracer("instrumented-openai-test")
messages = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]
result = {}

with tracer.start_as_current_span("plain") as root:
    response = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, max_tokens=40, temperature=0.2
    )
    result["plain"] = {
        "trace_id": format(root.get_span_context().trace_id, "032x"),
        "input_tokens": response.usage.prompt_tokens,
        "output_tokens": response.usage.completion_tokens,
        "response_model": response.model,
        "answer": response.choices[0].message.content,
        "finish_reason": response.choices[0].finish_reason,
    }

with tracer.start_as_current_span("streamed") as root:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        max_tokens=40,
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = None
    finish_reason = None
    text = []
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish_reason = choice.finish_reason
    result["streamed"] = {
        "trace_id": format(root.get_span_context().trace_id, "032x"),
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "answer": "".join(text),
        "finish_reason": finish_reason,
    }

result["flushed"] = tracer_provider.force_flush(10_000) and logger_provider.force_flush(10_000)
tracer_provider.shutdown()
logger_provider.shutdown()
print(json.dumps(result))
