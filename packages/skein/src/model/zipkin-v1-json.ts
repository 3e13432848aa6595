import {
  asObject,
  decodeEachSpan,
  describe,
  optionalBoolean,
  optionalMicros,
  optionalString,
  readEndpoint,
  requiredString,
  ZipkinFieldError,
} from './zipkin-json.js';
import type { ZipkinDecoded, ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './zipkin-span.js';

/**
 * Zipkin v1 JSON (`POST /api/v1/spans`) → Zipkin v2 spans, after Zipkin's own V1SpanConverter:
 *
 * - Core annotations give the kind and the times: `cs`/`cr` CLIENT, `sr`/`ss` SERVER, `ms`/`ws`
 *   PRODUCER, `wr`/`mr` CONSUMER; the annotation's endpoint is the span's local endpoint.
 * - A v1 span holding both client and server annotations (one span ID for both sides, as B3
 *   clients report it) becomes two v2 spans: the client one, and a `shared` server one. A server
 *   span without `timestamp` is shared too (the client, which made the ID, owns the timestamp).
 * - The span's own `timestamp`/`duration` belong to the first side (the one that started it).
 * - Binary annotations `ca`/`sa`/`ma` (value true) are remote endpoints; the others are tags.
 * - Other annotations and tags go to the side whose service logged them (else the first side).
 */
export function decodeZipkinV1Json(text: string): ZipkinDecoded {
  return decodeEachSpan(text, 'Zipkin v1 JSON', convertV1Span);
}

interface V1Annotation {
  timestamp: bigint;
  value: string;
  endpoint?: ZipkinEndpoint;
}

interface V1BinaryAnnotation {
  key: string;
  value: string | boolean;
  endpoint?: ZipkinEndpoint;
}

/** Begin and end core annotation of each kind. */
const SIDES: ReadonlyArray<[ZipkinKind, string, string]> = [
  ['CLIENT', 'cs', 'cr'],
  ['SERVER', 'sr', 'ss'],
  ['PRODUCER', 'ms', 'ws'],
  ['CONSUMER', 'wr', 'mr'],
];
const CORE = new Set(SIDES.flatMap(([, begin, end]) => [begin, end]));
const ADDRESS_SIDE: Record<string, ZipkinKind[]> = { sa: ['CLIENT'], ca: ['SERVER'], ma: ['PRODUCER', 'CONSUMER'] };

function convertV1Span(item: unknown, path: string): ZipkinSpan[] {
  const raw = asObject(item, path);
  const high = optionalString(raw, 'traceIdHigh', path) ?? '';
  const traceId = high + requiredString(raw, 'traceId', path);
  const id = requiredString(raw, 'id', path);
  const parentId = optionalString(raw, 'parentId', path) ?? '';
  const name = optionalString(raw, 'name', path) ?? '';
  const timestamp = optionalMicros(raw, 'timestamp', path);
  const duration = optionalMicros(raw, 'duration', path);
  const debug = optionalBoolean(raw, 'debug', path) ?? false;
  const annotations = readV1Annotations(raw['annotations'], `${path}.annotations`);
  const binary = readV1BinaryAnnotations(raw['binaryAnnotations'], `${path}.binaryAnnotations`);

  const core = new Map<string, V1Annotation>();
  for (const annotation of annotations)
    if (CORE.has(annotation.value) && !core.has(annotation.value)) core.set(annotation.value, annotation);

  const spans: ZipkinSpan[] = [];
  const make = (kind: ZipkinKind | undefined, endpoint: ZipkinEndpoint | undefined): ZipkinSpan => {
    const span: ZipkinSpan = { traceId, id, parentId, name, annotations: [], tags: [], debug, shared: false };
    if (kind !== undefined) span.kind = kind;
    if (endpoint !== undefined) span.localEndpoint = endpoint;
    spans.push(span);
    return span;
  };
  for (const [kind, beginValue, endValue] of SIDES) {
    const begin = core.get(beginValue);
    const end = core.get(endValue);
    if (begin === undefined && end === undefined) continue;
    const span = make(kind, begin?.endpoint ?? end?.endpoint);
    if (begin !== undefined) span.timestamp = begin.timestamp;
    if (begin !== undefined && end !== undefined && end.timestamp >= begin.timestamp) span.duration = end.timestamp - begin.timestamp;
    // A consumer logging only `mr` started its span there.
    if (kind === 'CONSUMER' && begin === undefined && end !== undefined) span.timestamp = end.timestamp;
  }
  if (spans.length === 0) {
    const lc = binary.find((b) => b.key === 'lc');
    make(undefined, lc?.endpoint ?? annotations.find((a) => a.endpoint)?.endpoint ?? binary.find((b) => b.endpoint)?.endpoint);
  }
  const first = spans[0]!;
  if (timestamp !== undefined) first.timestamp = timestamp;
  if (duration !== undefined) first.duration = duration;
  // The server half is shared (B3 "join") when the client half is in the same v1 span, or when
  // the span has no `timestamp`: v1 reporters leave it to the side that created the span ID.
  const server = spans.find((s) => s.kind === 'SERVER');
  if (server !== undefined && (spans.some((s) => s.kind === 'CLIENT') || timestamp === undefined)) server.shared = true;

  const sideOf = (endpoint: ZipkinEndpoint | undefined): ZipkinSpan =>
    (endpoint?.serviceName !== undefined && spans.find((s) => s.localEndpoint?.serviceName === endpoint.serviceName)) || first;
  for (const annotation of annotations) {
    if (CORE.has(annotation.value)) continue;
    sideOf(annotation.endpoint).annotations.push({ timestamp: annotation.timestamp, value: annotation.value });
  }
  for (const entry of binary) {
    const sides = ADDRESS_SIDE[entry.key];
    if (sides !== undefined && entry.value === true) {
      const target = spans.find((s) => s.kind !== undefined && sides.includes(s.kind)) ?? first;
      if (entry.endpoint !== undefined) target.remoteEndpoint = entry.endpoint;
      continue;
    }
    sideOf(entry.endpoint).tags.push([entry.key, String(entry.value)]);
  }
  return spans;
}

function readV1Annotations(value: unknown, path: string): V1Annotation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ZipkinFieldError(`${path}: expected an array, got ${describe(value)}`);
  return value.map((item, index) => {
    const at = `${path}[${index}]`;
    const raw = asObject(item, at);
    const timestamp = optionalMicros(raw, 'timestamp', at);
    if (timestamp === undefined) throw new ZipkinFieldError(`${at}.timestamp: is missing`);
    const annotation: V1Annotation = { timestamp, value: requiredString(raw, 'value', at) };
    const endpoint = readEndpoint(raw['endpoint'], `${at}.endpoint`);
    if (endpoint !== undefined) annotation.endpoint = endpoint;
    return annotation;
  });
}

function readV1BinaryAnnotations(value: unknown, path: string): V1BinaryAnnotation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ZipkinFieldError(`${path}: expected an array, got ${describe(value)}`);
  return value.map((item, index) => {
    const at = `${path}[${index}]`;
    const raw = asObject(item, at);
    const key = requiredString(raw, 'key', at);
    const tag = raw['value'];
    let converted: string | boolean;
    // v1 values are typed (STRING, BOOL, I16..I64, DOUBLE, BYTES as base64): v2 tags are their text.
    if (typeof tag === 'string' || typeof tag === 'boolean') converted = tag;
    else if (typeof tag === 'number') converted = String(tag);
    else throw new ZipkinFieldError(`${at}.value: expected a string, number or boolean, got ${describe(tag)}`);
    const annotation: V1BinaryAnnotation = { key, value: converted };
    const endpoint = readEndpoint(raw['endpoint'], `${at}.endpoint`);
    if (endpoint !== undefined) annotation.endpoint = endpoint;
    return annotation;
  });
}
