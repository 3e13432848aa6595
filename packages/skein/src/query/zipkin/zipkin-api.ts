import type { ServerResponse } from 'node:http';
import { modelToZipkin, type ZipkinJsonSpan } from '../../model/model-to-zipkin.js';
import type { AttributeFilter, TenantTraceReader, TraceStore } from '../../storage/trace-store.js';
import { ApiError, readingStorage } from '../api-error.js';
import type { HttpRouter } from '../http-router.js';
import { readerFor } from '../tenant-of.js';

/**
 * Zipkin's v2 query API (`zipkin2-api.yaml`, `ZipkinQueryApiV2`) over Skein's store, answered as a
 * Zipkin server answers: JSON arrays, errors as plain text with Zipkin's messages (recorded from
 * Zipkin 3.6.1 in test/e2e/fixtures/zipkin-api). Times are Zipkin's: `endTs`/`lookback` in
 * milliseconds, `minDuration`/`maxDuration` in microseconds. Unknown parameters are ignored, as
 * Zipkin ignores them.
 *
 * Where Skein differs (docs/migrate-from-zipkin.md): the conditions of a search must hold on one
 * span (Zipkin lets them hold on different spans of a trace); names keep their case; dependencies
 * are the parent → child service links Skein stores (no link to an uninstrumented remote service).
 */

export interface ZipkinApiOptions {
  /** Zipkin's `QUERY_LOOKBACK`: the window of /traces and /dependencies without `lookback`. */
  defaultLookbackMillis: number;
  /** Zipkin's `AUTOCOMPLETE_KEYS`: tag keys whose values /autocompleteValues lists. */
  autocompleteKeys: readonly string[];
}

const DEFAULT_LIMIT = 10;
/** The storage contract's search bound. */
const MAX_LIMIT = 10_000;
const NAMES_LIMIT = 1000;

/** Zipkin's 400 for a parameter Java could not parse (`Long.parseLong`'s NumberFormatException). */
function notANumber(raw: string): ApiError {
  return new ApiError('bad_parameter', `For input string: "${raw}"`);
}

function zipkinError(message: string): ApiError {
  return new ApiError('bad_parameter', message);
}

function missing(name: string): ApiError {
  return zipkinError(`Mandatory parameter/header/attribute is missing: ${name}`);
}

/** A Java `long` parameter: absent (or empty) is undefined, anything `parseLong` refuses is Zipkin's 400. */
function longParam(search: URLSearchParams, name: string): number | undefined {
  const raw = search.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^[+-]?\d{1,18}$/.test(raw)) throw notANumber(raw);
  return Number(raw);
}

function required(search: URLSearchParams, name: string): string {
  const value = search.get(name);
  if (value === null) throw missing(name);
  return value;
}

/** Zipkin's trace ID rules (`Span.normalizeTraceId`), then padded to Skein's 32 digits. */
export function zipkinTraceIdParam(raw: string): string {
  if (raw === '') throw zipkinError('traceId is empty');
  if (raw.length > 32) throw zipkinError('traceId.length > 32');
  if (!/^[0-9a-f]+$/.test(raw)) throw zipkinError(`${raw} should be lower-hex encoded with no prefix`);
  return raw.padStart(32, '0');
}

/** Plain text, as Zipkin's server writes its errors. */
export function sendZipkinError(response: ServerResponse, error: ApiError): void {
  const text = error.code === 'not_found' && error.message.startsWith('no API endpoint') ? '404 Not Found' : error.message;
  response.statusCode = error.status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(response.req.method === 'HEAD' ? undefined : text);
}

interface TraceQuery {
  serviceName?: string;
  spanName?: string;
  attributes: AttributeFilter[];
  keysOrEventNames: string[];
  errorsOnly: boolean;
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  limit: number;
}

/** `endTs`/`lookback` as Zipkin checks them (`QueryRequest.Builder.build`), as a nanosecond window. */
function windowOf(search: URLSearchParams, defaultLookbackMillis: number, endTsRequired = false): { start: bigint; end: bigint } {
  if (endTsRequired) required(search, 'endTs');
  const endTs = longParam(search, 'endTs') ?? Date.now();
  const lookback = longParam(search, 'lookback') ?? defaultLookbackMillis;
  if (endTs <= 0) throw zipkinError('endTs <= 0');
  if (lookback <= 0) throw zipkinError('lookback <= 0');
  const end = BigInt(endTs) * 1_000_000n;
  const start = BigInt(Math.max(0, endTs - lookback)) * 1_000_000n;
  return { start, end };
}

/**
 * `annotationQuery`: terms joined by ` and `; `key=value` is a tag with that value, a bare `key`
 * a tag key or an annotation value. `error` (Zipkin's error tag) is Skein's error status, which
 * the Zipkin receiver makes of it.
 */
function annotationTerms(raw: string | null, query: TraceQuery): void {
  if (raw === null || raw.trim() === '') return;
  for (const term of raw.split(/\s+and\s+/i).map((item) => item.trim())) {
    if (term === '') continue;
    const eq = term.indexOf('=');
    if (eq > 0) query.attributes.push({ key: term.slice(0, eq), value: term.slice(eq + 1) });
    else if (term === 'error') query.errorsOnly = true;
    else query.keysOrEventNames.push(term);
  }
}

function traceQueryOf(search: URLSearchParams, options: ZipkinApiOptions): TraceQuery {
  const text = (name: string): string | undefined => {
    const value = search.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const limit = longParam(search, 'limit') ?? DEFAULT_LIMIT;
  const { start, end } = windowOf(search, options.defaultLookbackMillis);
  if (limit <= 0) throw zipkinError('limit <= 0');
  const minDuration = longParam(search, 'minDuration');
  const maxDuration = longParam(search, 'maxDuration');
  if (minDuration !== undefined) {
    if (minDuration <= 0) throw zipkinError('minDuration <= 0');
    if (maxDuration !== undefined && maxDuration < minDuration) throw zipkinError('maxDuration < minDuration');
  } else if (maxDuration !== undefined) {
    throw zipkinError('maxDuration is only valid with minDuration');
  }
  const query: TraceQuery = {
    attributes: [],
    keysOrEventNames: [],
    errorsOnly: false,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    limit: Math.min(limit, MAX_LIMIT),
  };
  const serviceName = text('serviceName');
  const spanName = text('spanName');
  const remoteServiceName = text('remoteServiceName');
  if (serviceName !== undefined) query.serviceName = serviceName;
  // Zipkin's UI sends `spanName=all` for "any".
  if (spanName !== undefined && spanName !== 'all') query.spanName = spanName;
  if (remoteServiceName !== undefined) query.attributes.push({ key: 'peer.service', value: remoteServiceName });
  if (minDuration !== undefined) query.minDurationNano = BigInt(minDuration) * 1000n;
  if (maxDuration !== undefined) query.maxDurationNano = BigInt(maxDuration) * 1000n;
  annotationTerms(search.get('annotationQuery'), query);
  return query;
}

async function readTrace(reader: TenantTraceReader, traceId: string): Promise<ZipkinJsonSpan[]> {
  return modelToZipkin(await readingStorage(reader.getTrace(traceId)));
}

/** Everything stored so far, for the listings Zipkin answers from all its data. */
function allTime(): { startTimeUnixNano: bigint; endTimeUnixNano: bigint } {
  return { startTimeUnixNano: 0n, endTimeUnixNano: (BigInt(Date.now()) + 86_400_000n) * 1_000_000n };
}

export function addZipkinApi(router: HttpRouter, store: TraceStore, options: ZipkinApiOptions): void {
  router.get('/api/v2/services', async ({ request }) => readingStorage(readerFor(store, request).listServices()));

  router.get('/api/v2/spans', async ({ request, url }) => {
    const serviceName = required(url.searchParams, 'serviceName');
    if (serviceName === '') return [];
    const operations = await readingStorage(readerFor(store, request).listOperations(serviceName));
    return [...new Set(operations.map((operation) => operation.name))].sort();
  });

  router.get('/api/v2/remoteServices', async ({ request, url }) => {
    const serviceName = required(url.searchParams, 'serviceName');
    if (serviceName === '') return [];
    const values = await readingStorage(
      readerFor(store, request).listAttributeValues('peer.service', { serviceName, ...allTime(), limit: NAMES_LIMIT }),
    );
    return values.map((value) => value.value).sort();
  });

  router.get('/api/v2/traces', async ({ request, url }) => {
    const query = traceQueryOf(url.searchParams, options);
    const reader = readerFor(store, request);
    const summaries = await readingStorage(reader.searchTraces(query));
    return Promise.all(summaries.map((summary) => readTrace(reader, summary.traceId)));
  });

  router.get('/api/v2/trace/:traceId', async ({ request, params }) => {
    const raw = params['traceId']!;
    const spans = await readTrace(readerFor(store, request), zipkinTraceIdParam(raw));
    if (spans.length === 0) throw new ApiError('not_found', `${raw} not found`);
    return spans;
  });

  router.get('/api/v2/traceMany', async ({ request, url }) => {
    const raw = required(url.searchParams, 'traceIds');
    if (raw === '') throw zipkinError('traceIds parameter is empty');
    const ids = raw.split(',').map(zipkinTraceIdParam);
    if (ids.length === 1) throw zipkinError('Use /api/v2/trace/{traceId} endpoint to retrieve a single trace');
    const reader = readerFor(store, request);
    const traces = await Promise.all([...new Set(ids)].map((id) => readTrace(reader, id)));
    return traces.filter((spans) => spans.length > 0);
  });

  router.get('/api/v2/dependencies', async ({ request, url }) => {
    const { start, end } = windowOf(url.searchParams, options.defaultLookbackMillis, true);
    const edges = await readingStorage(readerFor(store, request).getDependencies(start, end));
    return edges.map((edge) => ({
      parent: edge.parentService,
      child: edge.childService,
      callCount: edge.callCount,
      ...(edge.errorCount > 0 && { errorCount: edge.errorCount }),
    }));
  });

  router.get('/api/v2/autocompleteKeys', () => Promise.resolve([...options.autocompleteKeys]));

  router.get('/api/v2/autocompleteValues', async ({ request, url }) => {
    const key = required(url.searchParams, 'key');
    if (!options.autocompleteKeys.includes(key)) return [];
    const values = await readingStorage(readerFor(store, request).listAttributeValues(key, { ...allTime(), limit: NAMES_LIMIT }));
    return values.map((value) => value.value).sort();
  });
}
