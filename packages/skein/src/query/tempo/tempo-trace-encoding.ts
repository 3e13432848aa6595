import { keyValuesToOtlpJson, type OtlpJsonKeyValue } from '../../model/otlp-json.js';
import { encodeOtlpProtoTraces } from '../../model/otlp-proto-encode.js';
import { ProtoWriter } from '../../model/protobuf-writer.js';
import { groupByResourceAndScope } from '../../model/resource-scope-groups.js';
import type { InstrumentationScope, KeyValue, Span, SpanEvent, SpanLink } from '../../model/span.js';

/**
 * A trace as Tempo's trace-by-ID routes send it (facts from Tempo's pkg/tempopb/tempo.proto and
 * its gogo `jsonpb` output; no code of Tempo's is used).
 *
 * Protobuf: `tempopb.Trace` is `repeated ResourceSpans resourceSpans = 1`, the very layout of
 * OTLP's `ExportTraceServiceRequest`, so the OTLP encoder's bytes are a `Trace` as they are;
 * `TraceByIDResponse` is `{ Trace trace = 1; TraceByIDMetrics metrics = 2; PartialStatus status = 3;
 * string message = 4 }`, so v2 wraps those bytes as field 1 (status COMPLETE is proto3's default
 * and is not written). Grafana's Tempo data source reads v2 first and v1 on a 404.
 *
 * JSON: the proto3 JSON mapping as gogo jsonpb writes it, which differs from OTLP/JSON: IDs are
 * base64 (bytes fields), `kind` and `status.code` are enum names, zero values are left out, and
 * `resource`, `scope` and `status` are always present (non-nullable messages in Tempo's protos).
 * v1 names the list `batches` (Tempo's historical field name), v2 nests it under `trace`.
 */

const KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** `tempopb.Trace` bytes. */
export function tempoTraceProto(spans: readonly Span[]): Uint8Array {
  return encodeOtlpProtoTraces(spans);
}

/** `tempopb.TraceByIDResponse` bytes: the trace as field 1, always present (Grafana dereferences it). */
export function tempoTraceByIdResponseProto(spans: readonly Span[]): Uint8Array {
  const trace = encodeOtlpProtoTraces(spans);
  const w = new ProtoWriter(trace.length + 16);
  w.uint32(0x0a);
  w.bytes(trace);
  return w.finish();
}

export interface TempoJsonTrace {
  resourceSpans: unknown[];
}

/** The trace in Tempo's JSON (the `Trace` message). */
export function tempoTraceJson(spans: readonly Span[]): TempoJsonTrace {
  return {
    resourceSpans: groupByResourceAndScope(spans).map((group) => {
      const resource: Record<string, unknown> = {};
      if (group.resource.attributes.length > 0) resource['attributes'] = keyValuesToOtlpJson(group.resource.attributes);
      if (group.resource.droppedAttributesCount !== 0) resource['droppedAttributesCount'] = group.resource.droppedAttributesCount;
      const out: Record<string, unknown> = {
        resource,
        scopeSpans: group.scopes.map(({ scope, spans: scopeSpans }) => {
          const scopeOut: Record<string, unknown> = { scope: scopeJson(scope), spans: scopeSpans.map(spanJson) };
          if (scope.schemaUrl !== '') scopeOut['schemaUrl'] = scope.schemaUrl;
          return scopeOut;
        }),
      };
      if (group.resource.schemaUrl !== '') out['schemaUrl'] = group.resource.schemaUrl;
      return out;
    }),
  };
}

function scopeJson(scope: InstrumentationScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (scope.name !== '') out['name'] = scope.name;
  if (scope.version !== '') out['version'] = scope.version;
  putAttributes(out, scope.attributes, scope.droppedAttributesCount);
  return out;
}

function spanJson(span: Span): Record<string, unknown> {
  const out: Record<string, unknown> = { traceId: base64OfHex(span.traceId), spanId: base64OfHex(span.spanId) };
  if (span.traceState !== '') out['traceState'] = span.traceState;
  if (span.parentSpanId !== '') out['parentSpanId'] = base64OfHex(span.parentSpanId);
  if (span.flags !== 0) out['flags'] = span.flags;
  if (span.name !== '') out['name'] = span.name;
  if (span.kind !== 0) out['kind'] = KIND_NAMES[span.kind] ?? span.kind;
  if (span.startTimeUnixNano !== 0n) out['startTimeUnixNano'] = span.startTimeUnixNano.toString();
  if (span.endTimeUnixNano !== 0n) out['endTimeUnixNano'] = span.endTimeUnixNano.toString();
  putAttributes(out, span.attributes, span.droppedAttributesCount);
  if (span.events.length > 0) out['events'] = span.events.map(eventJson);
  if (span.droppedEventsCount !== 0) out['droppedEventsCount'] = span.droppedEventsCount;
  if (span.links.length > 0) out['links'] = span.links.map(linkJson);
  if (span.droppedLinksCount !== 0) out['droppedLinksCount'] = span.droppedLinksCount;
  const status: Record<string, unknown> = {};
  if (span.status.message !== '') status['message'] = span.status.message;
  if (span.status.code !== 0) status['code'] = STATUS_NAMES[span.status.code] ?? span.status.code;
  out['status'] = status;
  return out;
}

function eventJson(event: SpanEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (event.timeUnixNano !== 0n) out['timeUnixNano'] = event.timeUnixNano.toString();
  if (event.name !== '') out['name'] = event.name;
  putAttributes(out, event.attributes, event.droppedAttributesCount);
  return out;
}

function linkJson(link: SpanLink): Record<string, unknown> {
  const out: Record<string, unknown> = { traceId: base64OfHex(link.traceId), spanId: base64OfHex(link.spanId) };
  if (link.traceState !== '') out['traceState'] = link.traceState;
  putAttributes(out, link.attributes, link.droppedAttributesCount);
  if (link.flags !== 0) out['flags'] = link.flags;
  return out;
}

function putAttributes(out: Record<string, unknown>, attributes: readonly KeyValue[], dropped: number): void {
  if (attributes.length > 0) out['attributes'] = keyValuesToOtlpJson(attributes) satisfies OtlpJsonKeyValue[];
  if (dropped !== 0) out['droppedAttributesCount'] = dropped;
}

/** Standard base64 of the ID's bytes, as proto3 JSON writes `bytes`. */
export function base64OfHex(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
