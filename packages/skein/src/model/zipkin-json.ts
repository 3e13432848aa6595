import { OtlpDecodeError } from './decode-error.js';
import {
  ZIPKIN_KINDS,
  type ZipkinAnnotation,
  type ZipkinDecoded,
  type ZipkinEndpoint,
  type ZipkinKind,
  type ZipkinSpan,
} from './zipkin-span.js';

/**
 * Zipkin v2 JSON (`POST /api/v2/spans`, a JSON array of spans, per zipkin2-api.yaml) → Zipkin
 * spans. A body that is not a JSON array is refused whole ({@link OtlpDecodeError} → 400); a span
 * of the wrong shape (a number for a tag, a string for a timestamp...) is dropped alone, with its
 * position and field in the reason, and the other spans of the request are kept.
 */
export function decodeZipkinV2Json(text: string): ZipkinDecoded {
  return decodeEachSpan(text, 'Zipkin v2 JSON', (item, path) => [readV2Span(item, path)]);
}

/**
 * Parses a JSON array of spans and converts each one alone: a span of the wrong shape is rejected
 * with its reason, the others are kept (shared by the v1 and v2 decoders).
 */
export function decodeEachSpan(text: string, format: string, convert: (item: unknown, path: string) => ZipkinSpan[]): ZipkinDecoded {
  const items = parseJsonArray(text, format);
  const decoded: ZipkinDecoded = { spans: [], rejected: [] };
  items.forEach((item, index) => {
    try {
      decoded.spans.push(...convert(item, `spans[${index}]`));
    } catch (error) {
      if (!(error instanceof ZipkinFieldError)) throw error;
      decoded.rejected.push(error.message);
    }
  });
  return decoded;
}

/** A field of one span has the wrong shape: that span is dropped. */
export class ZipkinFieldError extends Error {
  override readonly name = 'ZipkinFieldError';
}

export function parseJsonArray(text: string, format: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid ${format} body: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new OtlpDecodeError(`invalid ${format} body: expected a JSON array of spans, got ${describe(parsed)}`);
  }
  return parsed;
}

function readV2Span(item: unknown, path: string): ZipkinSpan {
  const raw = asObject(item, path);
  const kind = optionalString(raw, 'kind', path);
  if (kind !== undefined && !ZIPKIN_KINDS.includes(kind as ZipkinKind)) {
    throw new ZipkinFieldError(`${path}.kind: expected one of ${ZIPKIN_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const span: ZipkinSpan = {
    traceId: requiredString(raw, 'traceId', path),
    id: requiredString(raw, 'id', path),
    parentId: optionalString(raw, 'parentId', path) ?? '',
    name: optionalString(raw, 'name', path) ?? '',
    annotations: readAnnotations(raw['annotations'], `${path}.annotations`),
    tags: readTags(raw['tags'], `${path}.tags`),
    debug: optionalBoolean(raw, 'debug', path) ?? false,
    shared: optionalBoolean(raw, 'shared', path) ?? false,
  };
  if (kind !== undefined) span.kind = kind as ZipkinKind;
  const timestamp = optionalMicros(raw, 'timestamp', path);
  if (timestamp !== undefined) span.timestamp = timestamp;
  const duration = optionalMicros(raw, 'duration', path);
  if (duration !== undefined) span.duration = duration;
  const local = readEndpoint(raw['localEndpoint'], `${path}.localEndpoint`);
  if (local !== undefined) span.localEndpoint = local;
  const remote = readEndpoint(raw['remoteEndpoint'], `${path}.remoteEndpoint`);
  if (remote !== undefined) span.remoteEndpoint = remote;
  return span;
}

function readAnnotations(value: unknown, path: string): ZipkinAnnotation[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ZipkinFieldError(`${path}: expected an array, got ${describe(value)}`);
  return value.map((item, index) => {
    const at = `${path}[${index}]`;
    const raw = asObject(item, at);
    const timestamp = optionalMicros(raw, 'timestamp', at);
    if (timestamp === undefined) throw new ZipkinFieldError(`${at}.timestamp: is missing`);
    return { timestamp, value: requiredString(raw, 'value', at) };
  });
}

function readTags(value: unknown, path: string): Array<[string, string]> {
  if (value === undefined || value === null) return [];
  const raw = asObject(value, path);
  return Object.entries(raw).map(([key, tag]) => {
    // Zipkin tags are strings; some clients send numbers or booleans: keep their text.
    if (typeof tag === 'string') return [key, tag];
    if (typeof tag === 'number' || typeof tag === 'boolean') return [key, String(tag)];
    throw new ZipkinFieldError(`${path}.${key}: expected a string, got ${describe(tag)}`);
  });
}

export function readEndpoint(value: unknown, path: string): ZipkinEndpoint | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = asObject(value, path);
  const endpoint: ZipkinEndpoint = {};
  const serviceName = optionalString(raw, 'serviceName', path);
  // Zipkin lower-cases service names on ingest; OpenTelemetry keeps them as sent, and so do we.
  if (serviceName !== undefined && serviceName !== '') endpoint.serviceName = serviceName;
  const ipv4 = optionalString(raw, 'ipv4', path);
  if (ipv4 !== undefined && ipv4 !== '') endpoint.ipv4 = ipv4;
  const ipv6 = optionalString(raw, 'ipv6', path);
  if (ipv6 !== undefined && ipv6 !== '') endpoint.ipv6 = ipv6;
  const port = raw['port'];
  if (port !== undefined && port !== null) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ZipkinFieldError(`${path}.port: expected a port number 0..65535, got ${JSON.stringify(port)}`);
    }
    if (port !== 0) endpoint.port = port;
  }
  return Object.keys(endpoint).length > 0 ? endpoint : undefined;
}

export function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ZipkinFieldError(`${path}: expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function requiredString(raw: Record<string, unknown>, key: string, path: string): string {
  const value = optionalString(raw, key, path);
  if (value === undefined) throw new ZipkinFieldError(`${path}.${key}: is missing`);
  return value;
}

export function optionalString(raw: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ZipkinFieldError(`${path}.${key}: expected a string, got ${describe(value)}`);
  return value;
}

export function optionalBoolean(raw: Record<string, unknown>, key: string, path: string): boolean | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ZipkinFieldError(`${path}.${key}: expected true or false, got ${describe(value)}`);
  return value;
}

/**
 * Microseconds: a non-negative JSON integer (safe up to 2^53 µs, the year 2255). 0 means absent,
 * as in Zipkin. A fraction is truncated: some clients compute `ms * 1000` in floating point.
 */
export function optionalMicros(raw: Record<string, unknown>, key: string, path: string): bigint | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new ZipkinFieldError(`${path}.${key}: expected a non-negative integer of microseconds, got ${JSON.stringify(value)}`);
  }
  const micros = BigInt(Math.trunc(value));
  return micros === 0n ? undefined : micros;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`;
}
