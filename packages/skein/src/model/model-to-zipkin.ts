import { attributeSearchValue } from './otlp-json-values.js';
import { SpanKind, StatusCode, serviceNameOf, type AnyValue, type KeyValue, type Span } from './span.js';

/**
 * Skein's model → Zipkin v2 JSON spans, as a Zipkin server returns them from its query API:
 * OpenTelemetry's Zipkin exporter mapping (the Collector's `zipkinv2` from-translator), made the
 * exact inverse of {@link zipkinToModel} so that spans sent as Zipkin read back as they were sent.
 *
 * - `service.name` → `localEndpoint.serviceName`; other resource attributes and the span's become
 *   `tags` (string values: ints in decimal, booleans `true`/`false`, arrays of plain values as a
 *   JSON array, as the exporter writes them); the scope → `otel.scope.name` / `otel.scope.version`.
 * - Status OK → tag `otel.status_code: OK`; ERROR → `otel.status_code: ERROR` and `error: <message>`.
 * - Kind SERVER/CLIENT/PRODUCER/CONSUMER as named; INTERNAL and UNSPECIFIED have no kind.
 * - Times in µs (a positive duration under 1 µs is 1, a zero duration is left out, as Zipkin does).
 * - Events → annotations: the name, or `name|{attributes as JSON}|dropped count` when it has
 *   attributes (the exporter's `SpanEventDataFormat`). Links have no Zipkin form and are left out.
 * - What the receiver made of Zipkin's own fields is turned back: `net.host.ip`/`net.host.port` →
 *   `localEndpoint`, `peer.service` (else, on CLIENT/PRODUCER spans, `server.address` or
 *   `net.peer.name`) and `net.peer.ip`/`net.peer.port` → `remoteEndpoint` (the name attributes that
 *   only repeat it are dropped), `zipkin.debug` → `debug`, and a span marked `zipkin.shared` (whose
 *   ID the receiver derived, model/zipkin-to-model.ts) takes back the shared ID, under its client
 *   span's parent when the client span is among the converted spans.
 * - A trace ID whose upper 64 bits are zero is written as 16 hex digits, as the client sent it.
 */

export interface ZipkinJsonEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

/** Field order is Zipkin's own JSON writer's (`V2SpanWriter`). */
export interface ZipkinJsonSpan {
  traceId: string;
  parentId?: string;
  id: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: ZipkinJsonEndpoint;
  remoteEndpoint?: ZipkinJsonEndpoint;
  annotations?: Array<{ timestamp: number; value: string }>;
  tags?: Record<string, string>;
  debug?: true;
  shared?: true;
}

const KIND_NAMES: Partial<Record<SpanKind, NonNullable<ZipkinJsonSpan['kind']>>> = {
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

/** Attributes that become endpoint or span fields instead of tags. */
const ENDPOINT_KEYS = new Set(['net.host.ip', 'net.host.port', 'net.peer.ip', 'net.peer.port', 'zipkin.debug', 'zipkin.shared']);

/** Zipkin's ID form of a trace ID: 16 hex digits when the upper half is zero (a 64-bit ID). */
export function zipkinTraceId(traceId: string): string {
  return traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
}

/** Converts spans (of one trace or several); the shared-span rule looks up client spans among them. */
export function modelToZipkin(spans: readonly Span[]): ZipkinJsonSpan[] {
  const parentOf = new Map<string, string>();
  const sharedOriginal = new Map<string, string>();
  for (const span of spans) {
    parentOf.set(`${span.traceId}/${span.spanId}`, span.parentSpanId);
    if (attributeOf(span.attributes, 'zipkin.shared') === true && span.parentSpanId !== '') {
      sharedOriginal.set(`${span.traceId}/${span.spanId}`, span.parentSpanId);
    }
  }
  return spans.map((span) => {
    const zipkin = convertSpan(span);
    const original = sharedOriginal.get(`${span.traceId}/${span.spanId}`);
    if (original !== undefined) {
      zipkin.id = original;
      const clientParent = parentOf.get(`${span.traceId}/${original}`);
      if (clientParent === undefined || clientParent === '') delete zipkin.parentId;
      else zipkin.parentId = clientParent;
      zipkin.shared = true;
    } else if (span.parentSpanId !== '') {
      const parentOriginal = sharedOriginal.get(`${span.traceId}/${span.parentSpanId}`);
      if (parentOriginal !== undefined) zipkin.parentId = parentOriginal;
    }
    return reorder(zipkin);
  });
}

function convertSpan(span: Span): ZipkinJsonSpan {
  const zipkin: ZipkinJsonSpan = { traceId: zipkinTraceId(span.traceId), id: span.spanId };
  if (span.parentSpanId !== '') zipkin.parentId = span.parentSpanId;
  const kind = KIND_NAMES[span.kind];
  if (kind !== undefined) zipkin.kind = kind;
  if (span.name !== '') zipkin.name = span.name;
  zipkin.timestamp = Number(span.startTimeUnixNano / 1000n);
  const durationNano = span.endTimeUnixNano - span.startTimeUnixNano;
  if (durationNano > 0n) zipkin.duration = Math.max(1, Number(durationNano / 1000n));

  const local: ZipkinJsonEndpoint = { serviceName: serviceNameOf(span.resource) };
  setAddress(local, attributeOf(span.attributes, 'net.host.ip'), attributeOf(span.attributes, 'net.host.port'));
  zipkin.localEndpoint = local;

  const remote: ZipkinJsonEndpoint = {};
  const clientSide = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
  const remoteName =
    stringAttribute(span.attributes, 'peer.service') ??
    (clientSide ? (stringAttribute(span.attributes, 'server.address') ?? stringAttribute(span.attributes, 'net.peer.name')) : undefined);
  if (remoteName !== undefined) remote.serviceName = remoteName;
  setAddress(remote, attributeOf(span.attributes, 'net.peer.ip'), attributeOf(span.attributes, 'net.peer.port'));
  if (Object.keys(remote).length > 0) zipkin.remoteEndpoint = remote;

  if (span.events.length > 0) {
    zipkin.annotations = [...span.events]
      .sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0))
      .map((event) => ({
        timestamp: Number(event.timeUnixNano / 1000n),
        value: annotationValue(event.name, event.attributes, event.droppedAttributesCount),
      }));
  }

  const tags: Record<string, string> = {};
  for (const attribute of span.resource.attributes) {
    if (attribute.key !== 'service.name') tags[attribute.key] = tagValue(attribute.value);
  }
  if (span.scope.name !== '') tags['otel.scope.name'] = span.scope.name;
  if (span.scope.version !== '') tags['otel.scope.version'] = span.scope.version;
  for (const attribute of span.attributes) {
    if (ENDPOINT_KEYS.has(attribute.key)) continue;
    // Names the receiver derived from remoteEndpoint.serviceName: that field says it already.
    const repeatsRemote =
      (attribute.key === 'peer.service' || attribute.key === 'net.peer.name' || attribute.key === 'server.address') &&
      attribute.value === remoteName;
    if (!repeatsRemote) tags[attribute.key] = tagValue(attribute.value);
  }
  if (span.status.code === StatusCode.OK) tags['otel.status_code'] = 'OK';
  if (span.status.code === StatusCode.ERROR) {
    tags['otel.status_code'] = 'ERROR';
    tags['error'] = span.status.message;
  }
  const keys = Object.keys(tags).sort();
  if (keys.length > 0) zipkin.tags = Object.fromEntries(keys.map((key) => [key, tags[key]!]));
  if (attributeOf(span.attributes, 'zipkin.debug') === true) zipkin.debug = true;
  return zipkin;
}

function attributeOf(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  return attributes.find((attribute) => attribute.key === key)?.value;
}

function stringAttribute(attributes: readonly KeyValue[], key: string): string | undefined {
  const value = attributeOf(attributes, key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function setAddress(endpoint: ZipkinJsonEndpoint, ip: AnyValue | undefined, port: AnyValue | undefined): void {
  if (typeof ip === 'string' && ip !== '') {
    if (ip.includes(':')) endpoint.ipv6 = ip;
    else endpoint.ipv4 = ip;
  }
  if ((typeof port === 'bigint' || typeof port === 'number') && Number(port) > 0 && Number(port) <= 65535) endpoint.port = Number(port);
}

/** A tag's text: an array of plain values as a JSON array (the exporter's form), else the search form. */
export function tagValue(value: AnyValue): string {
  if (Array.isArray(value) && value.every((item) => item === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof item))) {
    return `[${value.map((item) => (typeof item === 'bigint' ? item.toString() : JSON.stringify(item))).join(',')}]`;
  }
  return attributeSearchValue(value);
}

function annotationValue(name: string, attributes: readonly KeyValue[], dropped: number): string {
  if (attributes.length === 0 && dropped === 0) return name;
  const json = `{${attributes.map((attribute) => `${JSON.stringify(attribute.key)}:${jsonValue(attribute.value)}`).join(',')}}`;
  return `${name}|${json}|${dropped}`;
}

function jsonValue(value: AnyValue): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  return JSON.stringify(tagValue(value));
}

/** Zipkin's field order (objects keep insertion order in JSON.stringify). */
function reorder(span: ZipkinJsonSpan): ZipkinJsonSpan {
  const ordered = { traceId: span.traceId } as ZipkinJsonSpan;
  if (span.parentId !== undefined) ordered.parentId = span.parentId;
  ordered.id = span.id;
  for (const key of [
    'kind',
    'name',
    'timestamp',
    'duration',
    'localEndpoint',
    'remoteEndpoint',
    'annotations',
    'tags',
    'debug',
    'shared',
  ] as const) {
    if (span[key] !== undefined) (ordered as unknown as Record<string, unknown>)[key] = span[key];
  }
  return ordered;
}
