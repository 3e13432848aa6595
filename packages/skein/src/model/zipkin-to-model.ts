import { createHash } from 'node:crypto';
import { emptyScope, SpanKind, StatusCode, type InstrumentationScope, type KeyValue, type Resource, type Span } from './span.js';
import type { ZipkinEndpoint, ZipkinSpan } from './zipkin-span.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';

/**
 * Zipkin v2 spans → Skein's model, following OpenTelemetry's Zipkin mapping (the exporter spec read
 * backwards, as the OpenTelemetry Collector's Zipkin receiver does):
 *
 * - `localEndpoint.serviceName` → resource `service.name` (one shared Resource per service;
 *   `unknown_service` without one); local `ipv4`/`ipv6`/`port` → `net.host.ip`/`net.host.port`.
 * - `kind` → span kind; absent → INTERNAL (a Zipkin span without kind is a local span).
 * - µs → ns as bigint; a missing `timestamp` falls back to the earliest annotation (what Zipkin's
 *   UI does), else the span is dropped; a missing `duration` means end = start.
 * - 64-bit trace IDs are left-padded to 128 bits, short span IDs to 64 bits; upper case accepted.
 * - `tags` → string attributes, except the status tags: `otel.status_code` (OK/ERROR) and
 *   `otel.status_description` set the status and are removed; `error` sets status ERROR with its
 *   value as message (unless `otel.status_code` says otherwise) and is removed.
 *   `otel.scope.name`/`otel.scope.version` (or the older `otel.library.*`) become the scope.
 * - `annotations` → events named by the annotation's value.
 * - `remoteEndpoint.serviceName` → `peer.service` and `net.peer.name` (+ `server.address` on CLIENT
 *   and PRODUCER spans, where the remote side is the server); `ipv4`/`ipv6` → `net.peer.ip`;
 *   `port` → `net.peer.port` (int).
 * - `debug: true` → attribute `zipkin.debug: true`.
 * - `shared: true` (B3 "join": the server reuses the client's span ID): Skein stores spans keyed
 *   by (trace ID, span ID), so keeping the ID as-is (what the OTel Collector does) would make the
 *   server span replace the client span. The shared span gets a new span ID derived from trace ID
 *   + span ID (deterministic: a retried request yields the same ID), its parent becomes the client
 *   span, and it carries `zipkin.shared: true`. Spans of the same service in the same request
 *   whose parent is the shared ID are re-parented onto the new ID; children reported in another
 *   request stay under the client span (as in Jaeger's span-ID deduplication).
 */
export interface ZipkinConversion {
  spans: Span[];
  /** Why each dropped span was dropped, naming the span. */
  rejected: string[];
}

const UNKNOWN_SERVICE = 'unknown_service';
const KIND: Record<string, SpanKind> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

export function zipkinToModel(input: readonly ZipkinSpan[], tenant: TenantId = DEFAULT_TENANT): ZipkinConversion {
  const resources = new Map<string, Resource>();
  const scopes = new Map<string, InstrumentationScope>();
  const noScope = emptyScope();
  const spans: Span[] = [];
  const rejected: string[] = [];
  /** `traceId/sharedSpanId/service` → the new ID of that shared span. */
  const sharedIds = new Map<string, string>();
  const services: string[] = [];

  for (const zipkin of input) {
    const converted = convertSpan(zipkin);
    if (typeof converted === 'string') {
      rejected.push(converted);
      continue;
    }
    const { span, serviceName, scopeName, scopeVersion } = converted;
    let resource = resources.get(serviceName);
    if (resource === undefined) {
      resource = { tenant, attributes: [{ key: 'service.name', value: serviceName }], droppedAttributesCount: 0, schemaUrl: '' };
      resources.set(serviceName, resource);
    }
    span.resource = resource;
    if (scopeName !== undefined) {
      const key = `${scopeName}\u0000${scopeVersion ?? ''}`;
      let scope = scopes.get(key);
      if (scope === undefined) {
        scope = { ...emptyScope(), name: scopeName, version: scopeVersion ?? '' };
        scopes.set(key, scope);
      }
      span.scope = scope;
    } else {
      span.scope = noScope;
    }
    if (zipkin.shared) {
      const originalId = span.spanId;
      span.spanId = sharedSpanId(span.traceId, originalId);
      span.parentSpanId = originalId;
      span.attributes.push({ key: 'zipkin.shared', value: true });
      sharedIds.set(`${span.traceId}/${originalId}/${serviceName}`, span.spanId);
    }
    spans.push(span);
    services.push(serviceName);
  }

  if (sharedIds.size > 0) {
    spans.forEach((span, index) => {
      if (span.parentSpanId === '') return;
      const newParent = sharedIds.get(`${span.traceId}/${span.parentSpanId}/${services[index]!}`);
      if (newParent !== undefined && newParent !== span.spanId) span.parentSpanId = newParent;
    });
  }
  return { spans, rejected };
}

/** A stable, non-zero 64-bit ID for the server half of a shared span. */
export function sharedSpanId(traceId: string, spanId: string): string {
  const id = createHash('sha256').update(`zipkin-shared:${traceId}:${spanId}`).digest('hex').slice(0, 16);
  return id === '0'.repeat(16) ? '0000000000000001' : id;
}

interface Converted {
  span: Span;
  serviceName: string;
  scopeName?: string;
  scopeVersion?: string;
}

function convertSpan(zipkin: ZipkinSpan): Converted | string {
  const label = `span ${JSON.stringify(zipkin.name)} (id ${JSON.stringify(zipkin.id)})`;
  const traceId = normaliseHexId(zipkin.traceId, 32);
  if (traceId === undefined) {
    return `${label}: invalid traceId ${JSON.stringify(zipkin.traceId)} (must be 16 or 32 hex digits, not all zero)`;
  }
  const spanId = normaliseHexId(zipkin.id, 16);
  if (spanId === undefined) return `${label}: invalid id (must be 16 hex digits, not all zero)`;
  let parentSpanId = '';
  if (zipkin.parentId !== '') {
    const parent = normaliseHexId(zipkin.parentId, 16, true);
    if (parent === undefined) return `${label}: invalid parentId ${JSON.stringify(zipkin.parentId)} (must be 16 hex digits)`;
    parentSpanId = /^0+$/.test(parent) ? '' : parent;
  }
  let startMicros = zipkin.timestamp;
  if (startMicros === undefined && zipkin.annotations.length > 0) {
    startMicros = zipkin.annotations.reduce((min, a) => (a.timestamp > 0n && a.timestamp < min ? a.timestamp : min), 2n ** 64n);
    if (startMicros === 2n ** 64n) startMicros = undefined;
  }
  if (startMicros === undefined) return `${label}: timestamp is missing (and no annotation to take it from)`;
  const startTimeUnixNano = startMicros * 1000n;

  const attributes: KeyValue[] = [];
  const status = { code: StatusCode.UNSET as StatusCode, message: '' };
  let statusCode: string | undefined;
  let statusDescription: string | undefined;
  let errorTag: string | undefined;
  let scopeName: string | undefined;
  let scopeVersion: string | undefined;
  for (const [key, value] of zipkin.tags) {
    switch (key) {
      case 'otel.status_code':
        statusCode = value.toUpperCase();
        break;
      case 'otel.status_description':
        statusDescription = value;
        break;
      case 'error':
        errorTag = value;
        break;
      case 'otel.scope.name':
      case 'otel.library.name':
        scopeName = value;
        break;
      case 'otel.scope.version':
      case 'otel.library.version':
        scopeVersion = value;
        break;
      default:
        attributes.push({ key, value });
    }
  }
  if (statusCode === 'OK') {
    status.code = StatusCode.OK;
  } else if (statusCode === 'ERROR' || (statusCode !== 'UNSET' && errorTag !== undefined)) {
    status.code = StatusCode.ERROR;
    status.message = statusDescription ?? errorTag ?? '';
  } else if (statusCode !== undefined && statusCode !== 'UNSET') {
    // An unknown value is kept as data rather than guessed at.
    attributes.push({ key: 'otel.status_code', value: statusCode });
  }
  // An `error` tag that did not become the status (otel.status_code said OK) is kept as data.
  if (errorTag !== undefined && status.code !== StatusCode.ERROR) attributes.push({ key: 'error', value: errorTag });

  if (zipkin.localEndpoint) addEndpoint(attributes, zipkin.localEndpoint, 'net.host.ip', 'net.host.port');
  if (zipkin.remoteEndpoint) {
    const remote = zipkin.remoteEndpoint;
    if (remote.serviceName !== undefined) {
      attributes.push({ key: 'peer.service', value: remote.serviceName }, { key: 'net.peer.name', value: remote.serviceName });
      if (zipkin.kind === 'CLIENT' || zipkin.kind === 'PRODUCER') attributes.push({ key: 'server.address', value: remote.serviceName });
    }
    addEndpoint(attributes, remote, 'net.peer.ip', 'net.peer.port');
  }
  if (zipkin.debug) attributes.push({ key: 'zipkin.debug', value: true });

  const span: Span = {
    traceId,
    spanId,
    parentSpanId,
    traceState: '',
    // Zipkin only reports sampled spans.
    flags: 1,
    name: zipkin.name,
    kind: zipkin.kind === undefined ? SpanKind.INTERNAL : KIND[zipkin.kind]!,
    startTimeUnixNano,
    endTimeUnixNano: startTimeUnixNano + (zipkin.duration ?? 0n) * 1000n,
    attributes,
    droppedAttributesCount: 0,
    events: zipkin.annotations.map((a) => ({
      timeUnixNano: a.timestamp * 1000n,
      name: a.value,
      attributes: [],
      droppedAttributesCount: 0,
    })),
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status,
    resource: undefined as unknown as Resource, // set by the caller (shared per service)
    scope: undefined as unknown as InstrumentationScope,
  };
  const converted: Converted = { span, serviceName: zipkin.localEndpoint?.serviceName ?? UNKNOWN_SERVICE };
  if (scopeName !== undefined) converted.scopeName = scopeName;
  if (scopeVersion !== undefined) converted.scopeVersion = scopeVersion;
  return converted;
}

function addEndpoint(attributes: KeyValue[], endpoint: ZipkinEndpoint, ipKey: string, portKey: string): void {
  const ip = endpoint.ipv4 ?? endpoint.ipv6;
  if (ip !== undefined) attributes.push({ key: ipKey, value: ip });
  if (endpoint.port !== undefined) attributes.push({ key: portKey, value: BigInt(endpoint.port) });
}

/**
 * Lower-case hex left-padded to `digits`, or undefined when not hex, too long or all zero (unless
 * `zeroAllowed`, for parent IDs where zero means "root"). Zipkin sends 16 or 32 digits, but some
 * clients drop leading zeros, and Zipkin's own server accepts that.
 */
function normaliseHexId(id: string, digits: number, zeroAllowed = false): string | undefined {
  const lower = id.toLowerCase();
  if (lower.length === 0 || lower.length > digits || !/^[0-9a-f]+$/.test(lower)) return undefined;
  const padded = lower.padStart(digits, '0');
  return !zeroAllowed && /^0+$/.test(padded) ? undefined : padded;
}
