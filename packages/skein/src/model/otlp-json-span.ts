import { OtlpDecodeError } from './decode-error.js';
import { bytesToHex } from './ids.js';
import {
  asObject,
  describe,
  keyValuesFromOtlpJson,
  keyValuesToOtlpJson,
  parseInt64,
  stringField,
  uint32Field,
  type OtlpJsonKeyValue,
} from './otlp-json-values.js';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from './span.js';

/** OTLP JSON `Span`, as encoded by Skein (proto3 JSON mapping: default values omitted). */
export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  events?: OtlpJsonEvent[];
  droppedEventsCount?: number;
  links?: OtlpJsonLink[];
  droppedLinksCount?: number;
  status?: { code?: number; message?: string };
}

export interface OtlpJsonEvent {
  timeUnixNano: string;
  name: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpJsonLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export function spanToOtlpJson(span: Span): OtlpJsonSpan {
  const out: OtlpJsonSpan = {
    traceId: span.traceId,
    spanId: span.spanId,
    name: span.name,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
  };
  if (span.traceState !== '') out.traceState = span.traceState;
  if (span.parentSpanId !== '') out.parentSpanId = span.parentSpanId;
  if (span.flags !== 0) out.flags = span.flags;
  if (span.kind !== 0) out.kind = span.kind;
  if (span.attributes.length > 0) out.attributes = keyValuesToOtlpJson(span.attributes);
  if (span.droppedAttributesCount !== 0) out.droppedAttributesCount = span.droppedAttributesCount;
  if (span.events.length > 0) out.events = span.events.map(eventToOtlpJson);
  if (span.droppedEventsCount !== 0) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links.length > 0) out.links = span.links.map(linkToOtlpJson);
  if (span.droppedLinksCount !== 0) out.droppedLinksCount = span.droppedLinksCount;
  if (span.status.code !== 0 || span.status.message !== '') {
    out.status = {};
    if (span.status.code !== 0) out.status.code = span.status.code;
    if (span.status.message !== '') out.status.message = span.status.message;
  }
  return out;
}

function eventToOtlpJson(event: SpanEvent): OtlpJsonEvent {
  const out: OtlpJsonEvent = { timeUnixNano: event.timeUnixNano.toString(), name: event.name };
  if (event.attributes.length > 0) out.attributes = keyValuesToOtlpJson(event.attributes);
  if (event.droppedAttributesCount !== 0) out.droppedAttributesCount = event.droppedAttributesCount;
  return out;
}

function linkToOtlpJson(link: SpanLink): OtlpJsonLink {
  const out: OtlpJsonLink = { traceId: link.traceId, spanId: link.spanId };
  if (link.traceState !== '') out.traceState = link.traceState;
  if (link.attributes.length > 0) out.attributes = keyValuesToOtlpJson(link.attributes);
  if (link.droppedAttributesCount !== 0) out.droppedAttributesCount = link.droppedAttributesCount;
  if (link.flags !== 0) out.flags = link.flags;
  return out;
}

/**
 * IDs in OTLP JSON are hex (the one OTLP exception to the proto3 JSON mapping's base64). They are
 * lower-cased here and validated later by the receiver, so a bad ID rejects only its own span.
 * A client that followed the plain proto3 mapping and sent base64 is recognised when the text is
 * valid base64 of exactly 16 / 8 bytes and not hex.
 */
export function idField(raw: unknown, path: string, byteLength: number): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') throw new OtlpDecodeError(`${path}: expected a hex string, got ${describe(raw)}`);
  if (/^[0-9a-fA-F]*$/.test(raw)) return raw.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length === byteLength) return bytesToHex(bytes);
  }
  return raw;
}

function enumField<T extends number>(raw: unknown, path: string, names: readonly string[], max: number): T {
  if (raw === undefined || raw === null) return 0 as T;
  if (typeof raw === 'number' && Number.isInteger(raw)) return (raw >= 0 && raw <= max ? raw : 0) as T;
  if (typeof raw === 'string') {
    const index = names.indexOf(raw);
    if (index >= 0) return index as T;
  }
  throw new OtlpDecodeError(`${path}: expected an enum number or one of ${names.join(', ')}, got ${describe(raw)}`);
}

const KIND_ENUM_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_ENUM_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

export function timeField(raw: unknown, path: string): bigint {
  if (raw === undefined || raw === null) return 0n;
  const value = parseInt64(raw, path);
  if (value < 0n) throw new OtlpDecodeError(`${path}: a fixed64 time cannot be negative (${value})`);
  return value;
}

function arrayField(raw: unknown, path: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an array, got ${describe(raw)}`);
  return raw;
}

export function spanFromOtlpJson(raw: unknown, resource: Resource, scope: InstrumentationScope, path = 'span'): Span {
  const o = asObject(raw, path);
  const status = asObject(o['status'], `${path}.status`);
  return {
    traceId: idField(o['traceId'] ?? o['trace_id'], `${path}.traceId`, 16),
    spanId: idField(o['spanId'] ?? o['span_id'], `${path}.spanId`, 8),
    parentSpanId: idField(o['parentSpanId'] ?? o['parent_span_id'], `${path}.parentSpanId`, 8),
    traceState: stringField(o['traceState'] ?? o['trace_state'], `${path}.traceState`),
    flags: uint32Field(o['flags'], `${path}.flags`),
    name: stringField(o['name'], `${path}.name`),
    kind: enumField<SpanKind>(o['kind'], `${path}.kind`, KIND_ENUM_NAMES, 5),
    startTimeUnixNano: timeField(o['startTimeUnixNano'] ?? o['start_time_unix_nano'], `${path}.startTimeUnixNano`),
    endTimeUnixNano: timeField(o['endTimeUnixNano'] ?? o['end_time_unix_nano'], `${path}.endTimeUnixNano`),
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
    events: arrayField(o['events'], `${path}.events`).map((e, i) => eventFromOtlpJson(e, `${path}.events[${i}]`)),
    droppedEventsCount: uint32Field(o['droppedEventsCount'] ?? o['dropped_events_count'], `${path}.droppedEventsCount`),
    links: arrayField(o['links'], `${path}.links`).map((l, i) => linkFromOtlpJson(l, `${path}.links[${i}]`)),
    droppedLinksCount: uint32Field(o['droppedLinksCount'] ?? o['dropped_links_count'], `${path}.droppedLinksCount`),
    status: {
      code: enumField<StatusCode>(status['code'], `${path}.status.code`, STATUS_ENUM_NAMES, 2),
      message: stringField(status['message'], `${path}.status.message`),
    },
    resource,
    scope,
  };
}

function eventFromOtlpJson(raw: unknown, path: string): SpanEvent {
  const o = asObject(raw, path);
  return {
    timeUnixNano: timeField(o['timeUnixNano'] ?? o['time_unix_nano'], `${path}.timeUnixNano`),
    name: stringField(o['name'], `${path}.name`),
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
  };
}

function linkFromOtlpJson(raw: unknown, path: string): SpanLink {
  const o = asObject(raw, path);
  return {
    traceId: idField(o['traceId'] ?? o['trace_id'], `${path}.traceId`, 16),
    spanId: idField(o['spanId'] ?? o['span_id'], `${path}.spanId`, 8),
    traceState: stringField(o['traceState'] ?? o['trace_state'], `${path}.traceState`),
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
    flags: uint32Field(o['flags'], `${path}.flags`),
  };
}
