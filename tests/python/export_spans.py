"""Exports a small GenAI trace and a correlated log record with the OpenTelemetry Python SDK.

The exporters are configured only through the standard OTEL_* environment variables, exactly as
an application would be. Prints {"trace_id": ..., "spans": N, "log_span_id": ...} as JSON.
"""

import json
import logging
import sys

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

protocol = sys.argv[1]  # grpc | http
service = sys.argv[2]

if protocol == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

resource = Resource.create({"service.name": service, "service.version": "1.2.3"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)

logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
set_logger_provider(logger_provider)
log = logging.getLogger("e2e")
log.addHandler(LoggingHandler(logger_provider=logger_provider))
log.setLevel(logging.INFO)

tracer = trace.get_tracer("flightdeck.e2e", "0.1")
with tracer.start_as_current_span("POST /ask", kind=SpanKind.SERVER) as root:
    root.set_attribute("http.request.method", "POST")
    with tracer.start_as_current_span(
        "chat gpt-4o-mini",
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
        },
    ) as chat:
        chat.set_attribute("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
        chat.set_attribute("gen_ai.usage.input_tokens", 21)
        chat.set_attribute("gen_ai.usage.output_tokens", 8)
        chat.set_attribute("gen_ai.response.finish_reasons", ["stop"])
        chat.set_attribute("gen_ai.conversation.id", "conv-" + service)
        log.info("model answered")
        log_span_id = format(chat.get_span_context().span_id, "016x")
    with tracer.start_as_current_span(
        "execute_tool get_weather",
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
    ) as tool:
        tool.set_status(Status(StatusCode.ERROR, "tool failed"))
        tool.set_attribute("error.type", "TimeoutError")
    trace_id = format(root.get_span_context().trace_id, "032x")

ok = tracer_provider.force_flush(30_000) and logger_provider.force_flush(30_000)
tracer_provider.shutdown()
logger_provider.shutdown()
print(json.dumps({"trace_id": trace_id, "spans": 3, "log_span_id": log_span_id, "flushed": ok}))
