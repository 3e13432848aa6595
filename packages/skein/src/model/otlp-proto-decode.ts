import { MessageSchema, ProtoReader, WireType } from './protobuf-reader.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';
import type {
  AnyValue,
  InstrumentationScope,
  KeyValue,
  Resource,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanStatus,
  StatusCode,
} from './span.js';

/**
 * OTLP/protobuf `ExportTraceServiceRequest` (wire-identical to `TracesData`) → Skein spans, in one
 * pass with no intermediate message objects: the receiver's hot path.
 *
 * proto3 semantics: absent fields take their defaults; a repeated occurrence of a singular field
 * wins (for message fields too: replaced, not merged, as protobufjs and the OTel SDKs do); unknown
 * fields are skipped. Spans of one ResourceSpans/ScopeSpans share one Resource/InstrumentationScope
 * object, created before the message is read because `resource`/`scope`/`schema_url` may follow
 * the spans on the wire.
 *
 * Dispatch is on the whole tag (field << 3 | wire type), so a known field with the wrong wire type
 * falls to `skipUnknown`, which rejects it.
 */

const { VARINT, I64, LEN, I32 } = WireType;

/** Deep attribute values from a client are capped so that a hostile body cannot exhaust the stack. */
const MAX_VALUE_DEPTH = 64;

const REQUEST = new MessageSchema('ExportTraceServiceRequest', [[1, 'resource_spans', LEN]]);
const RESOURCE_SPANS = new MessageSchema('ResourceSpans', [
  [1, 'resource', LEN],
  [2, 'scope_spans', LEN],
  [3, 'schema_url', LEN],
]);
const SCOPE_SPANS = new MessageSchema('ScopeSpans', [
  [1, 'scope', LEN],
  [2, 'spans', LEN],
  [3, 'schema_url', LEN],
]);
const RESOURCE = new MessageSchema('Resource', [
  [1, 'attributes', LEN],
  [2, 'dropped_attributes_count', VARINT],
  [3, 'entity_refs', LEN],
]);
const SCOPE = new MessageSchema('InstrumentationScope', [
  [1, 'name', LEN],
  [2, 'version', LEN],
  [3, 'attributes', LEN],
  [4, 'dropped_attributes_count', VARINT],
]);
const SPAN = new MessageSchema('Span', [
  [1, 'trace_id', LEN],
  [2, 'span_id', LEN],
  [3, 'trace_state', LEN],
  [4, 'parent_span_id', LEN],
  [5, 'name', LEN],
  [6, 'kind', VARINT],
  [7, 'start_time_unix_nano', I64],
  [8, 'end_time_unix_nano', I64],
  [9, 'attributes', LEN],
  [10, 'dropped_attributes_count', VARINT],
  [11, 'events', LEN],
  [12, 'dropped_events_count', VARINT],
  [13, 'links', LEN],
  [14, 'dropped_links_count', VARINT],
  [15, 'status', LEN],
  [16, 'flags', I32],
]);
const EVENT = new MessageSchema('Span.Event', [
  [1, 'time_unix_nano', I64],
  [2, 'name', LEN],
  [3, 'attributes', LEN],
  [4, 'dropped_attributes_count', VARINT],
]);
const LINK = new MessageSchema('Span.Link', [
  [1, 'trace_id', LEN],
  [2, 'span_id', LEN],
  [3, 'trace_state', LEN],
  [4, 'attributes', LEN],
  [5, 'dropped_attributes_count', VARINT],
  [6, 'flags', I32],
]);
const STATUS = new MessageSchema('Status', [
  [2, 'message', LEN],
  [3, 'code', VARINT],
]);
const KEY_VALUE = new MessageSchema('KeyValue', [
  [1, 'key', LEN],
  [2, 'value', LEN],
]);
const ANY_VALUE = new MessageSchema('AnyValue', [
  [1, 'string_value', LEN],
  [2, 'bool_value', VARINT],
  [3, 'int_value', VARINT],
  [4, 'double_value', I64],
  [5, 'array_value', LEN],
  [6, 'kvlist_value', LEN],
  [7, 'bytes_value', LEN],
]);
const ARRAY_VALUE = new MessageSchema('ArrayValue', [[1, 'values', LEN]]);
const KEY_VALUE_LIST = new MessageSchema('KeyValueList', [[1, 'values', LEN]]);

/**
 * One OTLP signal's envelope (its request, `Resource*` and `Scope*` messages: the same field
 * numbers for every signal) and the decoder of one of its items (a span, a log record).
 */
export interface OtlpProtoEnvelope<T> {
  readonly request: MessageSchema;
  readonly resourceItems: MessageSchema;
  readonly scopeItems: MessageSchema;
  readonly decodeItem: (r: ProtoReader, end: number, resource: Resource, scope: InstrumentationScope) => T;
}

const TRACES: OtlpProtoEnvelope<Span> = {
  request: REQUEST,
  resourceItems: RESOURCE_SPANS,
  scopeItems: SCOPE_SPANS,
  decodeItem: decodeSpan,
};

/** Decodes an OTLP/protobuf trace export request; throws only {@link OtlpDecodeError}. */
export function decodeOtlpProtoTraces(bytes: Uint8Array, tenant: TenantId = DEFAULT_TENANT): Span[] {
  return decodeOtlpProtoEnvelope(bytes, tenant, TRACES);
}

/** Decodes a signal's export request into its items; throws only {@link OtlpDecodeError}. */
export function decodeOtlpProtoEnvelope<T>(bytes: Uint8Array, tenant: TenantId, envelope: OtlpProtoEnvelope<T>): T[] {
  const r = new ProtoReader(bytes);
  const items: T[] = [];
  const end = bytes.length;
  const { request } = envelope;
  while (r.pos < end) {
    const tag = r.tag(end, request);
    if (tag === 0x0a) decodeResourceItems(r, r.lengthEnd(end, request.fieldNames[1]!), tenant, envelope, items);
    else r.skipUnknown(tag, end, request);
  }
  return items;
}

function decodeResourceItems<T>(r: ProtoReader, end: number, tenant: TenantId, envelope: OtlpProtoEnvelope<T>, out: T[]): void {
  const resource: Resource = { tenant, attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const schema = envelope.resourceItems;
  while (r.pos < end) {
    const tag = r.tag(end, schema);
    if (tag === 0x0a) decodeResource(r, r.lengthEnd(end, schema.fieldNames[1]!), resource);
    else if (tag === 0x12) decodeScopeItems(r, r.lengthEnd(end, schema.fieldNames[2]!), resource, envelope, out);
    else if (tag === 0x1a) resource.schemaUrl = r.string(end, schema.fieldNames[3]!);
    else r.skipUnknown(tag, end, schema);
  }
}

/** Fills the shared object in place (its identity is already held by decoded spans or log records). */
function decodeResource(r: ProtoReader, end: number, resource: Resource): void {
  resource.attributes = [];
  resource.droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag(end, RESOURCE);
    if (tag === 0x0a) resource.attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'Resource.attributes'), 0));
    else if (tag === 0x10) resource.droppedAttributesCount = r.uint32(end, 'Resource.dropped_attributes_count');
    else r.skipUnknown(tag, end, RESOURCE); // entity_refs (3): not stored
  }
}

function decodeScopeItems<T>(r: ProtoReader, end: number, resource: Resource, envelope: OtlpProtoEnvelope<T>, out: T[]): void {
  const scope: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const schema = envelope.scopeItems;
  while (r.pos < end) {
    const tag = r.tag(end, schema);
    if (tag === 0x0a) decodeScope(r, r.lengthEnd(end, schema.fieldNames[1]!), scope);
    else if (tag === 0x12) out.push(envelope.decodeItem(r, r.lengthEnd(end, schema.fieldNames[2]!), resource, scope));
    else if (tag === 0x1a) scope.schemaUrl = r.string(end, schema.fieldNames[3]!);
    else r.skipUnknown(tag, end, schema);
  }
}

function decodeScope(r: ProtoReader, end: number, scope: InstrumentationScope): void {
  scope.name = '';
  scope.version = '';
  scope.attributes = [];
  scope.droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag(end, SCOPE);
    if (tag === 0x0a) scope.name = r.string(end, 'InstrumentationScope.name');
    else if (tag === 0x12) scope.version = r.string(end, 'InstrumentationScope.version');
    else if (tag === 0x1a) scope.attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'InstrumentationScope.attributes'), 0));
    else if (tag === 0x20) scope.droppedAttributesCount = r.uint32(end, 'InstrumentationScope.dropped_attributes_count');
    else r.skipUnknown(tag, end, SCOPE);
  }
}

function decodeSpan(r: ProtoReader, end: number, resource: Resource, scope: InstrumentationScope): Span {
  // Locals, then one object literal: every span gets the same hidden class.
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  let status: SpanStatus = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = r.tag(end, SPAN);
    if (tag === 0x0a) traceId = r.hex(end, 'Span.trace_id');
    else if (tag === 0x12) spanId = r.hex(end, 'Span.span_id');
    else if (tag === 0x1a) traceState = r.string(end, 'Span.trace_state');
    else if (tag === 0x22) parentSpanId = r.hex(end, 'Span.parent_span_id');
    else if (tag === 0x2a) name = r.string(end, 'Span.name');
    else if (tag === 0x30) kind = r.uint32(end, 'Span.kind');
    else if (tag === 0x39) startTimeUnixNano = r.fixed64(end, 'Span.start_time_unix_nano');
    else if (tag === 0x41) endTimeUnixNano = r.fixed64(end, 'Span.end_time_unix_nano');
    else if (tag === 0x4a) attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'Span.attributes'), 0));
    else if (tag === 0x50) droppedAttributesCount = r.uint32(end, 'Span.dropped_attributes_count');
    else if (tag === 0x5a) events.push(decodeEvent(r, r.lengthEnd(end, 'Span.events')));
    else if (tag === 0x60) droppedEventsCount = r.uint32(end, 'Span.dropped_events_count');
    else if (tag === 0x6a) links.push(decodeLink(r, r.lengthEnd(end, 'Span.links')));
    else if (tag === 0x70) droppedLinksCount = r.uint32(end, 'Span.dropped_links_count');
    else if (tag === 0x7a) status = decodeStatus(r, r.lengthEnd(end, 'Span.status'));
    else if (tag === 0x85)
      flags = r.fixed32(end, 'Span.flags'); // field 16, fixed32: a two-byte tag
    else r.skipUnknown(tag, end, SPAN);
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind: toSpanKind(kind),
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status,
    resource,
    scope,
  };
}

/** Enum values this version does not know (or negative ones) become UNSPECIFIED/UNSET. */
function toSpanKind(value: number): SpanKind {
  return value <= 5 ? (value as SpanKind) : 0;
}

function toStatusCode(value: number): StatusCode {
  return value <= 2 ? (value as StatusCode) : 0;
}

function decodeEvent(r: ProtoReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag(end, EVENT);
    if (tag === 0x09) timeUnixNano = r.fixed64(end, 'Span.Event.time_unix_nano');
    else if (tag === 0x12) name = r.string(end, 'Span.Event.name');
    else if (tag === 0x1a) attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'Span.Event.attributes'), 0));
    else if (tag === 0x20) droppedAttributesCount = r.uint32(end, 'Span.Event.dropped_attributes_count');
    else r.skipUnknown(tag, end, EVENT);
  }
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(r: ProtoReader, end: number): SpanLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag(end, LINK);
    if (tag === 0x0a) traceId = r.hex(end, 'Span.Link.trace_id');
    else if (tag === 0x12) spanId = r.hex(end, 'Span.Link.span_id');
    else if (tag === 0x1a) traceState = r.string(end, 'Span.Link.trace_state');
    else if (tag === 0x22) attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'Span.Link.attributes'), 0));
    else if (tag === 0x28) droppedAttributesCount = r.uint32(end, 'Span.Link.dropped_attributes_count');
    else if (tag === 0x35) flags = r.fixed32(end, 'Span.Link.flags');
    else r.skipUnknown(tag, end, LINK);
  }
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function decodeStatus(r: ProtoReader, end: number): SpanStatus {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.tag(end, STATUS);
    if (tag === 0x12) message = r.string(end, 'Status.message');
    else if (tag === 0x18) code = r.uint32(end, 'Status.code');
    else r.skipUnknown(tag, end, STATUS); // includes the deprecated field 1
  }
  return { code: toStatusCode(code), message };
}

/** `depth` counts the AnyValue levels above this one (attributes themselves are at 0). */
export function decodeKeyValue(r: ProtoReader, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag(end, KEY_VALUE);
    if (tag === 0x0a) key = r.string(end, 'KeyValue.key');
    else if (tag === 0x12) value = decodeAnyValue(r, r.lengthEnd(end, 'KeyValue.value'), depth);
    else r.skipUnknown(tag, end, KEY_VALUE);
  }
  return { key, value };
}

export function decodeAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) r.fail(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`, r.pos, 'AnyValue');
  // A oneof: the last member on the wire wins; none at all is null.
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag(end, ANY_VALUE);
    if (tag === 0x0a) value = r.string(end, 'AnyValue.string_value');
    else if (tag === 0x10) value = r.bool(end, 'AnyValue.bool_value');
    else if (tag === 0x18) value = r.int64(end, 'AnyValue.int_value');
    else if (tag === 0x21) value = r.double(end, 'AnyValue.double_value');
    else if (tag === 0x2a) value = decodeArrayValue(r, r.lengthEnd(end, 'AnyValue.array_value'), depth + 1);
    else if (tag === 0x32) value = { kvlist: decodeKeyValueList(r, r.lengthEnd(end, 'AnyValue.kvlist_value'), depth + 1) };
    else if (tag === 0x3a) value = r.bytes(end, 'AnyValue.bytes_value');
    else r.skipUnknown(tag, end, ANY_VALUE);
  }
  return value;
}

function decodeArrayValue(r: ProtoReader, end: number, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.tag(end, ARRAY_VALUE);
    if (tag === 0x0a) values.push(decodeAnyValue(r, r.lengthEnd(end, 'ArrayValue.values'), depth));
    else r.skipUnknown(tag, end, ARRAY_VALUE);
  }
  return values;
}

function decodeKeyValueList(r: ProtoReader, end: number, depth: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (r.pos < end) {
    const tag = r.tag(end, KEY_VALUE_LIST);
    if (tag === 0x0a) values.push(decodeKeyValue(r, r.lengthEnd(end, 'KeyValueList.values'), depth));
    else r.skipUnknown(tag, end, KEY_VALUE_LIST);
  }
  return values;
}
