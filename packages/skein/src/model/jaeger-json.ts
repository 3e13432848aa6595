import { SpanKind, StatusCode, type AnyValue, type KeyValue, type Resource, type Span } from './span.js';

/**
 * Skein spans as the JSON of Jaeger's internal HTTP API (`/api/traces`, the one Jaeger UI and
 * Grafana read): the shapes of Jaeger's `uimodel` after the OpenTelemetry Collector's
 * OTLP → Jaeger translator and Jaeger v2's adjusters, checked field by field against what Jaeger
 * v1.75.0 answers (test/jaeger-golden/). A pure transform: no I/O, no clock.
 *
 * What Jaeger does and this repeats:
 * - trace IDs print as 16 hex digits when their upper 64 bits are zero, else 32 (`TraceID.String`);
 * - OTLP-only facts become tags: `span.kind`, `otel.status_code`, `error=true`,
 *   `otel.status_description`, `otel.scope.name` / `otel.scope.version`, `w3c.tracestate`;
 * - links become FOLLOWS_FROM references (CHILD_OF when the link says `opentracing.ref_type`
 *   `child_of`) after the parent's CHILD_OF; link attributes have no place and are dropped;
 * - events become logs whose first field is `event` (the event name);
 * - tags, process tags and log fields (after `event`) are sorted by key, as the adjusters sort
 *   (unless `adjusted: false`);
 * - resources become processes `p1`, `p2`, … in order of first use, identical ones shared;
 * - arrays and maps are `string` tags holding their JSON, bytes are `binary` tags in base64.
 * Integer tag values are bigints: int64 exceeds 2^53, so they are written by
 * {@link stringifyJaegerJson}, never by `JSON.stringify`.
 */

export type JaegerTagType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerTag {
  key: string;
  type: JaegerTagType;
  value: string | boolean | bigint | number;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: bigint;
  fields: JaegerTag[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  /** Unix microseconds. */
  startTime: bigint;
  /** Microseconds. */
  duration: bigint;
  tags: JaegerTag[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerTag[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/** Jaeger's spelling of OTLP span kinds (its tag values and operation kinds); '' for UNSPECIFIED. */
export const JAEGER_SPAN_KIND: Record<SpanKind, string> = {
  [SpanKind.UNSPECIFIED]: '',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** What the translator names a process whose resource has no attributes at all. */
const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
const NANOS_PER_MICRO = 1000n;

/** Jaeger's `TraceID.String()`: the low 64 bits alone (16 digits) when the high 64 bits are zero. */
export function jaegerTraceId(traceId: string): string {
  return traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
}

/** pcommon's `Value.AsString()` inside a JSON document: nested values keep their JSON types. */
function anyValueToJsonish(value: AnyValue): unknown {
  if (value === null) return null;
  if (typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(anyValueToJsonish);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const entry of value.kvlist) out[entry.key] = anyValueToJsonish(entry.value);
    return out;
  }
  return value;
}

function tagOf(key: string, value: AnyValue): JaegerTag {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'bigint') return { key, type: 'int64', value };
  if (typeof value === 'number') return { key, type: 'float64', value };
  if (value instanceof Uint8Array) return { key, type: 'binary', value: Buffer.from(value).toString('base64') };
  // Arrays and maps: their JSON, as pcommon's AsString writes it; an empty value is "".
  if (value === null) return { key, type: 'string', value: '' };
  return { key, type: 'string', value: stringifyJaegerJson(anyValueToJsonish(value)) };
}

/** Sorted by key, stably (Go's sort of the adjuster keeps equal keys in order). */
function sortedByKey(tags: JaegerTag[]): JaegerTag[] {
  return tags
    .map((tag, index) => ({ tag, index }))
    .sort((a, b) => (a.tag.key < b.tag.key ? -1 : a.tag.key > b.tag.key ? 1 : a.index - b.index))
    .map((entry) => entry.tag);
}

function tagsOf(attributes: readonly KeyValue[]): JaegerTag[] {
  return attributes.map((attribute) => tagOf(attribute.key, attribute.value));
}

/** Sorted (Jaeger's adjusters ran: stored traces) or as the translator orders them (`/api/transform`). */
function arranged(tags: JaegerTag[], adjusted: boolean): JaegerTag[] {
  return adjusted ? sortedByKey(tags) : tags;
}

/** In the translator's order: scope, attributes, kind, status code, error, status message, trace state. */
function spanTags(span: Span, adjusted: boolean): JaegerTag[] {
  const tags: JaegerTag[] = [];
  if (span.scope.name !== '') tags.push({ key: 'otel.scope.name', type: 'string', value: span.scope.name });
  if (span.scope.version !== '') tags.push({ key: 'otel.scope.version', type: 'string', value: span.scope.version });
  tags.push(...tagsOf(span.attributes));
  const kind = JAEGER_SPAN_KIND[span.kind];
  if (kind !== '') tags.push({ key: 'span.kind', type: 'string', value: kind });
  if (span.status.code === StatusCode.ERROR) {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
    tags.push({ key: 'error', type: 'bool', value: true });
  } else if (span.status.code === StatusCode.OK) {
    tags.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
  }
  if (span.status.message !== '') tags.push({ key: 'otel.status_description', type: 'string', value: span.status.message });
  if (span.traceState !== '') tags.push({ key: 'w3c.tracestate', type: 'string', value: span.traceState });
  return arranged(tags, adjusted);
}

function references(span: Span): JaegerReference[] {
  const traceID = jaegerTraceId(span.traceId);
  const refs: JaegerReference[] = [];
  if (span.parentSpanId !== '') refs.push({ refType: 'CHILD_OF', traceID, spanID: span.parentSpanId });
  for (const link of span.links) {
    const refType = link.attributes.some((a) => a.key === 'opentracing.ref_type' && a.value === 'child_of') ? 'CHILD_OF' : 'FOLLOWS_FROM';
    // A link to the parent itself only retypes the parent's reference, as the translator does.
    if (span.parentSpanId !== '' && link.traceId === span.traceId && link.spanId === span.parentSpanId) {
      refs[0]!.refType = refType;
      continue;
    }
    refs.push({ refType, traceID: jaegerTraceId(link.traceId), spanID: link.spanId });
  }
  return refs;
}

function logs(span: Span, adjusted: boolean): JaegerLog[] {
  return span.events.map((event) => {
    const fields = arranged(tagsOf(event.attributes), adjusted);
    if (event.name !== '' && !event.attributes.some((a) => a.key === 'event'))
      fields.unshift({ key: 'event', type: 'string', value: event.name });
    return { timestamp: event.timeUnixNano / NANOS_PER_MICRO, fields };
  });
}

function processOf(resource: Resource, adjusted: boolean): JaegerProcess {
  if (resource.attributes.length === 0) return { serviceName: NO_SERVICE_NAME, tags: [] };
  const service = resource.attributes.find((a) => a.key === 'service.name');
  return {
    serviceName: typeof service?.value === 'string' ? service.value : '',
    tags: arranged(tagsOf(resource.attributes.filter((a) => a.key !== 'service.name')), adjusted),
  };
}

/**
 * One trace in Jaeger's JSON. `spans` in the order given (the store's: start time, then span ID);
 * the caller makes sure they all belong to `traceId`. `adjusted: false` leaves tags in the
 * translator's order, as Jaeger's `/api/transform` answers (its adjusters do not run there).
 */
export function toJaegerTrace(traceId: string, spans: readonly Span[], options: { adjusted?: boolean } = {}): JaegerTrace {
  const adjusted = options.adjusted ?? true;
  const processes: Record<string, JaegerProcess> = {};
  // Resources are shared objects per stored resource; equal content still shares one process.
  const idByResource = new Map<Resource, string>();
  const idByContent = new Map<string, string>();
  const processIdOf = (resource: Resource): string => {
    const known = idByResource.get(resource);
    if (known !== undefined) return known;
    const process = processOf(resource, adjusted);
    const content = stringifyJaegerJson(process);
    let id = idByContent.get(content);
    if (id === undefined) {
      id = `p${idByContent.size + 1}`;
      idByContent.set(content, id);
      processes[id] = process;
    }
    idByResource.set(resource, id);
    return id;
  };
  return {
    traceID: jaegerTraceId(traceId),
    spans: spans.map((span) => {
      return {
        traceID: jaegerTraceId(span.traceId),
        spanID: span.spanId,
        operationName: span.name,
        references: references(span),
        startTime: span.startTimeUnixNano / NANOS_PER_MICRO,
        // Go's time.Duration of end − start, in whole microseconds (truncated).
        duration: (span.endTimeUnixNano - span.startTimeUnixNano) / NANOS_PER_MICRO,
        tags: spanTags(span, adjusted),
        logs: logs(span, adjusted),
        processID: processIdOf(span.resource),
        warnings: null,
      };
    }),
    processes,
    warnings: null,
  };
}

/**
 * JSON text of a value that may hold bigints (written as bare integers, as Go writes int64) and
 * `undefined` fields (left out, as JSON.stringify does). Everything else as JSON.stringify. With
 * `indent`, laid out as Go's `json.MarshalIndent(v, "", indent)` (Jaeger's `prettyPrint`).
 */
export function stringifyJaegerJson(value: unknown, indent = '', depth = 0): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'object': {
      const inner = indent === '' ? '' : `\n${indent.repeat(depth + 1)}`;
      const outer = indent === '' ? '' : `\n${indent.repeat(depth)}`;
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        const items = value.map((item) => (item === undefined ? 'null' : stringifyJaegerJson(item, indent, depth + 1)));
        return `[${inner}${items.join(`,${inner}`)}${outer}]`;
      }
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value)) {
        if (item !== undefined)
          parts.push(`${JSON.stringify(key)}:${indent === '' ? '' : ' '}${stringifyJaegerJson(item, indent, depth + 1)}`);
      }
      if (parts.length === 0) return '{}';
      return `{${inner}${parts.join(`,${inner}`)}${outer}}`;
    }
    default:
      return 'null';
  }
}
