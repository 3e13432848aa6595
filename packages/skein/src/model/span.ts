import type { TenantId } from './tenant.js';

/**
 * Skein's span model: everything OTLP carries, nothing lost.
 *
 * Design notes (why it looks like this):
 * - IDs are lowercase hex strings: they are what every API, SQL filter and UI uses, and a
 *   fixed-length hex string is trivially validated (`isValidTraceId`).
 * - Nanosecond timestamps are `bigint`: they exceed 2^53 and must never pass through a JS number.
 * - Attribute values use the JS type as the discriminator (see {@link AnyValue}) so that decoding
 *   allocates one object per attribute, not two, on the hot path.
 * - Spans point at shared {@link Resource} and {@link InstrumentationScope} objects; encoders group
 *   spans back by those objects (by identity, then by content) to rebuild OTLP's nesting.
 */

/** OTLP `Span.SpanKind`, numeric values as on the wire. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP `Status.StatusCode`, numeric values as on the wire. */
export const StatusCode = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Names used in the native JSON API, indexed by the numeric value. */
export const SPAN_KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export const STATUS_CODE_NAMES = ['UNSET', 'OK', 'ERROR'] as const;

/** OTLP `KeyValueList`, wrapped so it can be told apart from an array value. */
export interface KeyValueList {
  readonly kvlist: KeyValue[];
}

/**
 * OTLP `AnyValue`. The JS type says which OTLP variant it is:
 * string → `string_value`, boolean → `bool_value`, bigint → `int_value` (int64),
 * number → `double_value`, Uint8Array → `bytes_value`, array → `array_value`,
 * {@link KeyValueList} → `kvlist_value`, null → an AnyValue with no value set.
 */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | KeyValueList | null;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface Resource {
  /**
   * Who sent the spans (ARCHITECTURE decision 10). It lives on the Resource, not on each Span:
   * a receiver builds one Resource per `ResourceSpans` of one request, so setting the tenant costs
   * one store per request instead of one per span (and no memory per span in buffers and queues),
   * and every batch, merge or fan-out that moves spans keeps each span's tenant through its
   * resource pointer, so merging requests of two tenants cannot mix them up. Required, so that any
   * code building a Resource (a processor's copy-on-write, a decoder) must say whose it is. Not part
   * of OTLP: encoders never send it.
   */
  readonly tenant: TenantId;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  /** `ResourceSpans.schema_url` */
  schemaUrl: string;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  /** `ScopeSpans.schema_url` */
  schemaUrl: string;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  /** W3C trace flags and OTLP's `SPAN_FLAGS_CONTEXT_*` bits (fixed32). */
  flags: number;
}

export interface SpanStatus {
  code: StatusCode;
  message: string;
}

export interface Span {
  /** 32 lowercase hex characters, never all zero. */
  traceId: string;
  /** 16 lowercase hex characters, never all zero. */
  spanId: string;
  /** 16 lowercase hex characters, or '' for a root span. */
  parentSpanId: string;
  traceState: string;
  /** W3C trace flags and OTLP's `SPAN_FLAGS_CONTEXT_*` bits (fixed32). */
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus;
  resource: Resource;
  scope: InstrumentationScope;
}

/** The `service.name` resource attribute, or OTel's default for a missing one. */
export function serviceNameOf(resource: Resource): string {
  for (const attribute of resource.attributes) {
    if (attribute.key === 'service.name' && typeof attribute.value === 'string') return attribute.value;
  }
  return 'unknown_service';
}

export function emptyResource(tenant: TenantId): Resource {
  return { tenant, attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}
