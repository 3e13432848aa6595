"""Python OpenTelemetry SDK client for Skein's interop tests.

Modes:
  export  creates a small trace (nesting, every attribute type the SDK supports, an event, a link,
          an error status, non-default kinds) and exports it to Skein over OTLP/HTTP protobuf or
          OTLP/gRPC.
  chain   starts a CLIENT span and calls --downstream over HTTP with a W3C `traceparent` header.
  logs    logs through the standard `logging` module with the SDK's LoggingHandler inside spans
          (an INFO line in a parent span, an ERROR with an exception in its child, a WARNING outside
          any span) and exports the records to Skein over OTLP/HTTP protobuf (--endpoint is then
          the URL of /v1/logs) or OTLP/gRPC; it prints the records as its exporter was given them.

Either way it prints, after a forced flush, the spans it handed to its exporter as the SDK sees them
(one JSON document on stdout), and exits non-zero if any export failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SCOPE_NAME = "skein-interop-python"
SCOPE_VERSION = "1.0.0"


class RecordingExporter(SpanExporter):
    """Passes spans to the real exporter and remembers what it was given and whether it succeeded."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.spans: list[ReadableSpan] = []
        self.failures = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        result = self.inner.export(spans)
        if result is not SpanExportResult.SUCCESS:
            self.failures += 1
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def make_exporter(protocol: str, endpoint: str) -> SpanExporter:
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter(endpoint=endpoint, timeout=10)
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        # An https:// endpoint is TLS; the CA, client certificate and headers then come from the SDK's
        # own environment variables (OTEL_EXPORTER_OTLP_CERTIFICATE, ..._HEADERS), as an application sets them.
        return GrpcExporter(endpoint=endpoint, insecure=not endpoint.startswith("https://"), timeout=10)
    raise SystemExit(f"unknown protocol {protocol!r} (http or grpc)")


def typed(value: Any) -> dict[str, Any]:
    """An attribute value with the type the Python SDK holds it as (ints as strings: int64 exceeds JSON)."""
    if value is None:
        return {"type": "empty"}
    if isinstance(value, bool):
        return {"type": "bool", "value": value}
    if isinstance(value, int):
        return {"type": "int", "value": str(value)}
    if isinstance(value, float):
        return {"type": "double", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, bytes):
        return {"type": "bytes", "value": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Sequence):
        return {"type": "array", "value": [typed(v) for v in value]}
    if isinstance(value, Mapping):
        return {"type": "map", "value": attributes(value)}
    raise TypeError(f"unexpected attribute value {value!r}")


def attributes(attrs: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [{"key": key, "value": typed(value)} for key, value in (attrs or {}).items()]


def hex_id(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def flags(parent: SpanContext | None) -> int:
    # What this SDK's OTLP encoder puts in Span.flags / Link.flags: it knows whether the parent is remote.
    return 0x100 | (0x200 if parent is not None and parent.is_remote else 0)


def describe(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    assert ctx is not None
    return {
        "traceId": hex_id(ctx.trace_id, 32),
        "spanId": hex_id(ctx.span_id, 16),
        "parentSpanId": hex_id(span.parent.span_id, 16) if span.parent else "",
        "traceState": ctx.trace_state.to_header(),
        "flags": flags(span.parent),
        "name": span.name,
        "kind": span.kind.name,
        "startTimeUnixNano": str(span.start_time),
        "endTimeUnixNano": str(span.end_time),
        "attributes": attributes(span.attributes),
        "droppedAttributesCount": span.dropped_attributes,
        "events": [
            {
                "name": event.name,
                "timeUnixNano": str(event.timestamp),
                "attributes": attributes(event.attributes),
                "droppedAttributesCount": getattr(event.attributes, "dropped", 0),
            }
            for event in span.events
        ],
        "droppedEventsCount": span.dropped_events,
        "links": [
            {
                "traceId": hex_id(link.context.trace_id, 32),
                "spanId": hex_id(link.context.span_id, 16),
                # This SDK's OTLP encoder (1.45.2) does not send Link.trace_state: report what goes on the wire.
                "traceState": "",
                "sdkTraceState": link.context.trace_state.to_header(),
                "flags": flags(link.context),
                "attributes": attributes(link.attributes),
                "droppedAttributesCount": link.dropped_attributes,
            }
            for link in span.links
        ],
        "droppedLinksCount": span.dropped_links,
        "status": {"code": span.status.status_code.name, "message": span.status.description or ""},
        "resource": {"attributes": attributes(span.resource.attributes), "schemaUrl": span.resource.schema_url},
        "scope": {
            "name": span.instrumentation_scope.name if span.instrumentation_scope else "",
            "version": (span.instrumentation_scope.version or "") if span.instrumentation_scope else "",
        },
    }


def export_mode(tracer: trace.Tracer) -> None:
    # A span of another trace to link to, with a trace state.
    other = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("congo", "t61rcWkgMzE"), ("rojo", "00f067aa0ba902b7")]),
    )
    root = tracer.start_span(
        "python GET /orders",
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": "GET",
            "str.empty": "",
            "str.unicode": "naïve ☃ 𝄞 \"quoted\" \\ end",
            "int.zero": 0,
            "int.negative": -42,
            "int.max": 2**63 - 1,
            "int.min": -(2**63),
            "double.fraction": 0.1,
            "double.negative_zero": -0.0,
            "double.tiny": 5e-324,
            "double.huge": 1.7976931348623157e308,
            "double.whole": 3.0,
            "bool.true": True,
            "bool.false": False,
            "bytes.binary": b"\x00\x01\xfe\xff skein",
            "array.str": ["a", "", "ü"],
            "array.int": [1, -2, 2**62],
            "array.double": [0.5, -1.25],
            "array.bool": [True, False],
            "array.empty": [],
            "array.mixed": ["x", 1, 2.5, True, None],
            "array.nested": [[1, 2], ["three"]],
            "map.nested": {"inner.str": "v", "inner.int": 7, "inner.list": [1.5], "inner.map": {"deep": True}},
            "none.value": None,
        },
        links=[Link(other, attributes={"link.reason": "batch", "link.index": 0})],
    )
    root_ctx = trace.set_span_in_context(root)
    child = tracer.start_span("python SELECT orders", context=root_ctx, kind=SpanKind.CLIENT)
    child.add_event("rows.fetched", attributes={"db.rows": 3, "db.cached": False, "db.ratio": 0.75})
    child.add_event("no.attributes", timestamp=time.time_ns() - 1_000_000)
    child.set_attribute("db.system", "postgresql")
    grandchild = tracer.start_span("python publish order.fetched", context=trace.set_span_in_context(child), kind=SpanKind.PRODUCER)
    grandchild.end()
    child.end()
    internal = tracer.start_span("python compute", context=root_ctx)
    internal.end()
    try:
        raise ValueError("order 42 not found")
    except ValueError as error:
        root.record_exception(error)
    root.set_status(Status(StatusCode.ERROR, "order lookup failed"))
    root.end()


def chain_mode(tracer: trace.Tracer, downstream: str) -> dict[str, Any]:
    propagator = TraceContextTextMapPropagator()
    span = tracer.start_span("python-client", kind=SpanKind.CLIENT, attributes={"http.request.method": "GET", "url.full": downstream})
    ctx = trace.set_span_in_context(span)
    headers: dict[str, str] = {}
    propagator.inject(headers, context=ctx)
    token = otel_context.attach(ctx)
    try:
        with urllib.request.urlopen(urllib.request.Request(downstream, headers=headers), timeout=20) as response:
            body = json.loads(response.read().decode("utf-8"))
            span.set_attribute("http.response.status_code", response.status)
    finally:
        otel_context.detach(token)
        span.end()
    return {"sentHeaders": headers, "downstreamResponse": body}


def logs_mode(args: argparse.Namespace) -> int:
    """The `logging` handler of the SDK, inside spans: what Python applications do (issue 17)."""
    import logging

    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import LogRecordExportResult, SimpleLogRecordProcessor

    if args.protocol == "http":
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    else:
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter  # type: ignore[no-redef]

    inner = OTLPLogExporter(endpoint=args.endpoint, **({"insecure": True} if args.protocol == "grpc" else {}))
    real_export = inner.export
    sent: list[Any] = []
    failures = 0

    def export(batch: Sequence[Any]) -> Any:
        nonlocal failures
        sent.extend(batch)
        result = real_export(batch)
        if result is not LogRecordExportResult.SUCCESS:
            failures += 1
        return result

    resource = Resource.create({"service.name": args.service, "interop.sdk": "python"})
    log_provider = LoggerProvider(resource=resource)
    exporter = inner
    exporter.export = export  # type: ignore[method-assign]
    log_provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    handler = LoggingHandler(level=logging.DEBUG, logger_provider=log_provider)
    app_log = logging.getLogger("skein.interop.checkout")
    app_log.setLevel(logging.DEBUG)
    app_log.propagate = False
    app_log.addHandler(handler)

    tracer = TracerProvider(resource=resource).get_tracer(SCOPE_NAME, SCOPE_VERSION)
    with tracer.start_as_current_span("POST /checkout", kind=SpanKind.SERVER):
        app_log.info("checkout started for order %s", "o-9", extra={"order.id": "o-9", "items": 3})
        with tracer.start_as_current_span("charge card", kind=SpanKind.CLIENT):
            try:
                raise TimeoutError("acme-pay did not answer within 30 ms")
            except TimeoutError:
                app_log.exception("payment for order o-9 failed", extra={"order.id": "o-9", "payment.amount": 12.5})
    app_log.warning("outside any span")
    log_provider.force_flush(20_000)
    log_provider.shutdown()

    def describe_log(item: Any) -> dict[str, Any]:
        record = item.log_record
        return {
            "traceId": hex_id(record.trace_id or 0, 32) if record.trace_id else "",
            "spanId": hex_id(record.span_id or 0, 16) if record.span_id else "",
            "flags": int(record.trace_flags or 0),
            "timeUnixNano": str(record.timestamp or 0),
            "observedTimeUnixNano": str(record.observed_timestamp or 0),
            "severityNumber": record.severity_number.value if record.severity_number is not None else 0,
            "severityText": record.severity_text or "",
            "body": typed(record.body),
            "attributes": attributes(record.attributes),
        }

    print(json.dumps({"sdk": "python", "protocol": args.protocol, "spans": [], "logs": [describe_log(item) for item in sent]}))
    if failures:
        print(f"log export failed {failures} times", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["export", "chain", "logs"])
    parser.add_argument("--endpoint", required=True, help="http: full URL of /v1/traces; grpc: http://host:port")
    parser.add_argument("--protocol", choices=["http", "grpc"], default="http")
    parser.add_argument("--service", default="python-interop")
    parser.add_argument("--downstream", help="chain mode: URL to call with a traceparent header")
    args = parser.parse_args()
    if args.mode == "logs":
        return logs_mode(args)

    recorder = RecordingExporter(make_exporter(args.protocol, args.endpoint))
    resource = Resource.create({"service.name": args.service, "service.version": "2.0.0", "host.cores": 4, "interop.sdk": "python"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(recorder))
    tracer = provider.get_tracer(SCOPE_NAME, SCOPE_VERSION)

    extra: dict[str, Any] = {}
    if args.mode == "export":
        export_mode(tracer)
    else:
        if not args.downstream:
            parser.error("chain mode needs --downstream")
        extra = chain_mode(tracer, args.downstream)

    flushed = provider.force_flush(20_000)
    provider.shutdown()
    print(json.dumps({"sdk": "python", "protocol": args.protocol, "spans": [describe(s) for s in recorder.spans], **extra}))
    if not flushed or recorder.failures:
        print(f"export failed: flushed={flushed} failures={recorder.failures}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
