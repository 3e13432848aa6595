import { MessageSchema, ProtoReader, WireType } from './protobuf-reader.js';
import { ProtoWriter } from './protobuf-writer.js';
import { groupByResourceAndScope } from './resource-scope-groups.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span, SpanEvent, SpanLink } from './span.js';

/**
 * Skein spans → OTLP/protobuf `ExportTraceServiceRequest` (for the OTLP exporter and tests), plus
 * the `ExportTraceServiceResponse` the receivers send back.
 *
 * Fields are written in field-number order and proto3 defaults are omitted (zero numbers, empty
 * strings/bytes/lists), as the reference encoders do. AnyValue members are the exception: a oneof
 * member is written even when it holds its default ('' / false / 0), since its presence is what
 * tells a string from a bool; null is an AnyValue with no member set.
 */

/** Reused between calls (encoding is synchronous); dropped when a huge request has grown it. */
let scratch: ProtoWriter | undefined;
const MAX_RETAINED_CAPACITY = 4 * 1024 * 1024;

export function withWriter(write: (w: ProtoWriter) => void): Uint8Array {
  const w = scratch ?? new ProtoWriter();
  scratch = undefined; // not shared with a re-entrant call should `write` ever throw midway
  w.reset();
  write(w);
  const out = w.finish();
  if (w.capacity <= MAX_RETAINED_CAPACITY) scratch = w;
  return out;
}

export function encodeOtlpProtoTraces(spans: readonly Span[]): Uint8Array {
  return withWriter((w) => writeResourceScopeGroups(w, spans, writeSpan));
}

/**
 * The resource → scope → items nesting every OTLP signal shares, field for field:
 * `Export*ServiceRequest { resource_* = 1 }`, `Resource* { resource = 1; scope_* = 2; schema_url = 3 }`,
 * `Scope* { scope = 1; <items> = 2; schema_url = 3 }`; `writeItem` writes one span or log record.
 */
export function writeResourceScopeGroups<T extends { readonly resource: Resource; readonly scope: InstrumentationScope }>(
  w: ProtoWriter,
  items: readonly T[],
  writeItem: (w: ProtoWriter, item: T) => void,
): void {
  for (const group of groupByResourceAndScope(items)) {
    w.uint32(0x0a); // Export*ServiceRequest.resource_spans / resource_logs
    const resourceItems = w.fork();
    w.uint32(0x0a); // Resource*.resource: always present (the SDKs always send one)
    const resource = w.fork();
    writeResource(w, group.resource);
    w.join(resource);
    for (const scopeGroup of group.scopes) {
      w.uint32(0x12); // Resource*.scope_spans / scope_logs
      const scopeItems = w.fork();
      w.uint32(0x0a); // Scope*.scope
      const scope = w.fork();
      writeScope(w, scopeGroup.scope);
      w.join(scope);
      for (const item of scopeGroup.spans) {
        w.uint32(0x12); // ScopeSpans.spans / ScopeLogs.log_records
        const at = w.fork();
        writeItem(w, item);
        w.join(at);
      }
      stringField(w, 0x1a, scopeGroup.scope.schemaUrl);
      w.join(scopeItems);
    }
    stringField(w, 0x1a, group.resource.schemaUrl);
    w.join(resourceItems);
  }
}

function writeResource(w: ProtoWriter, resource: Resource): void {
  keyValuesField(w, 0x0a, resource.attributes);
  uint32Field(w, 0x10, resource.droppedAttributesCount);
}

function writeScope(w: ProtoWriter, scope: InstrumentationScope): void {
  stringField(w, 0x0a, scope.name);
  stringField(w, 0x12, scope.version);
  keyValuesField(w, 0x1a, scope.attributes);
  uint32Field(w, 0x20, scope.droppedAttributesCount);
}

function writeSpan(w: ProtoWriter, span: Span): void {
  hexField(w, 0x0a, span.traceId);
  hexField(w, 0x12, span.spanId);
  stringField(w, 0x1a, span.traceState);
  hexField(w, 0x22, span.parentSpanId);
  stringField(w, 0x2a, span.name);
  uint32Field(w, 0x30, span.kind);
  fixed64Field(w, 0x39, span.startTimeUnixNano);
  fixed64Field(w, 0x41, span.endTimeUnixNano);
  keyValuesField(w, 0x4a, span.attributes);
  uint32Field(w, 0x50, span.droppedAttributesCount);
  for (const event of span.events) {
    w.uint32(0x5a);
    const at = w.fork();
    writeEvent(w, event);
    w.join(at);
  }
  uint32Field(w, 0x60, span.droppedEventsCount);
  for (const link of span.links) {
    w.uint32(0x6a);
    const at = w.fork();
    writeLink(w, link);
    w.join(at);
  }
  uint32Field(w, 0x70, span.droppedLinksCount);
  if (span.status.code !== 0 || span.status.message !== '') {
    w.uint32(0x7a);
    const at = w.fork();
    stringField(w, 0x12, span.status.message);
    uint32Field(w, 0x18, span.status.code);
    w.join(at);
  }
  if (span.flags !== 0) {
    w.uint32(0x85); // field 16, fixed32
    w.fixed32(span.flags);
  }
}

function writeEvent(w: ProtoWriter, event: SpanEvent): void {
  fixed64Field(w, 0x09, event.timeUnixNano);
  stringField(w, 0x12, event.name);
  keyValuesField(w, 0x1a, event.attributes);
  uint32Field(w, 0x20, event.droppedAttributesCount);
}

function writeLink(w: ProtoWriter, link: SpanLink): void {
  hexField(w, 0x0a, link.traceId);
  hexField(w, 0x12, link.spanId);
  stringField(w, 0x1a, link.traceState);
  keyValuesField(w, 0x22, link.attributes);
  uint32Field(w, 0x28, link.droppedAttributesCount);
  if (link.flags !== 0) {
    w.uint32(0x35);
    w.fixed32(link.flags);
  }
}

export function keyValuesField(w: ProtoWriter, tag: number, kvs: readonly KeyValue[]): void {
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i]!;
    w.uint32(tag);
    const at = w.fork();
    stringField(w, 0x0a, kv.key);
    w.uint32(0x12); // KeyValue.value
    const value = w.fork();
    writeAnyValue(w, kv.value);
    w.join(value);
    w.join(at);
  }
}

/** The content of an AnyValue message (its one set member, if any). */
export function writeAnyValue(w: ProtoWriter, value: AnyValue): void {
  switch (typeof value) {
    case 'string':
      w.uint32(0x0a);
      w.string(value);
      return;
    case 'boolean':
      w.uint32(0x10);
      w.uint32(value ? 1 : 0);
      return;
    case 'bigint':
      w.uint32(0x18);
      w.int64(value);
      return;
    case 'number':
      w.uint32(0x21);
      w.double(value);
      return;
    default:
      break;
  }
  if (value === null) return;
  if (value instanceof Uint8Array) {
    w.uint32(0x3a);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.uint32(0x2a);
    const at = w.fork();
    for (const element of value) {
      w.uint32(0x0a); // ArrayValue.values
      const elementAt = w.fork();
      writeAnyValue(w, element);
      w.join(elementAt);
    }
    w.join(at);
  } else {
    w.uint32(0x32);
    const at = w.fork();
    keyValuesField(w, 0x0a, value.kvlist); // KeyValueList.values
    w.join(at);
  }
}

export function stringField(w: ProtoWriter, tag: number, value: string): void {
  if (value === '') return;
  w.uint32(tag);
  w.string(value);
}

export function hexField(w: ProtoWriter, tag: number, value: string): void {
  if (value === '') return;
  w.uint32(tag);
  w.hexBytes(value);
}

export function uint32Field(w: ProtoWriter, tag: number, value: number): void {
  if (value === 0) return;
  w.uint32(tag);
  w.uint32(value);
}

export function fixed64Field(w: ProtoWriter, tag: number, value: bigint): void {
  if (value === 0n) return;
  w.uint32(tag);
  w.fixed64(value);
}

export interface PartialSuccess {
  rejectedSpans: bigint;
  errorMessage: string;
}

/** `ExportTraceServiceResponse`; without `partialSuccess` it is the empty message (full success). */
export function encodeExportTraceServiceResponse(partialSuccess?: PartialSuccess): Uint8Array {
  if (partialSuccess === undefined) return new Uint8Array(0);
  return withWriter((w) => {
    w.uint32(0x0a);
    const at = w.fork();
    if (partialSuccess.rejectedSpans !== 0n) {
      w.uint32(0x08);
      w.int64(partialSuccess.rejectedSpans);
    }
    stringField(w, 0x12, partialSuccess.errorMessage);
    w.join(at);
  });
}

const RESPONSE = new MessageSchema('ExportTraceServiceResponse', [[1, 'partial_success', WireType.LEN]]);
const PARTIAL_SUCCESS = new MessageSchema('ExportTracePartialSuccess', [
  [1, 'rejected_spans', WireType.VARINT],
  [2, 'error_message', WireType.LEN],
]);

/** Decodes an `ExportTraceServiceResponse`: undefined when `partial_success` is absent. */
export function decodeExportTraceServiceResponse(bytes: Uint8Array): PartialSuccess | undefined {
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  let result: PartialSuccess | undefined;
  while (r.pos < end) {
    const tag = r.tag(end, RESPONSE);
    if (tag !== 0x0a) {
      r.skipUnknown(tag, end, RESPONSE);
      continue;
    }
    const stop = r.lengthEnd(end, 'ExportTraceServiceResponse.partial_success');
    result = { rejectedSpans: 0n, errorMessage: '' };
    while (r.pos < stop) {
      const innerTag = r.tag(stop, PARTIAL_SUCCESS);
      if (innerTag === 0x08) result.rejectedSpans = r.int64(stop, 'ExportTracePartialSuccess.rejected_spans');
      else if (innerTag === 0x12) result.errorMessage = r.string(stop, 'ExportTracePartialSuccess.error_message');
      else r.skipUnknown(innerTag, stop, PARTIAL_SUCCESS);
    }
  }
  return result;
}
