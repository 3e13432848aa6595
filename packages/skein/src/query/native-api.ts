import { normaliseTraceId } from '../model/ids.js';
import { encodeOtlpJsonTraces } from '../model/otlp-json.js';
import { SPAN_KIND_NAMES } from '../model/span.js';
import { type AttributeFilter, type AttributeQuery, type TraceStore } from '../storage/trace-store.js';
import { ApiError, badParameter, readingStorage } from './api-error.js';
import { compactTraceResponse, readTraceSpans } from './compact-trace-route.js';
import type { HttpRouter } from './http-router.js';
import { toNativeSummary, toNativeTrace } from './native-trace-json.js';
import { QueryParams } from './query-params.js';
import { readerFor } from './tenant-of.js';
import { planMetricsQuery } from './tempo/traceql-metrics-plan.js';
import { isTraceQLError, parseTraceQL } from './traceql/index.js';
import { TraceOutlineCache } from './trace-outline-cache.js';
import { outlineResponse } from './trace-outline-route.js';

const HOUR_NANO = 3_600_000_000_000n;
const DEFAULT_SEARCH_LOOKBACK_NANO = HOUR_NANO;
const DEFAULT_DEPENDENCIES_LOOKBACK_NANO = 24n * HOUR_NANO;
const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 10_000;
const DEFAULT_ATTRIBUTE_KEYS_LIMIT = 200;
const DEFAULT_ATTRIBUTE_VALUES_LIMIT = 100;
const MAX_ATTRIBUTE_LIMIT = 1000;
const DEFAULT_INCOMING_LINKS_LIMIT = 100;

function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** `[start, end]` from `start`/`end`/`lookback`: end defaults to now, start to end − lookback. */
export function timeWindow(params: QueryParams, defaultLookbackNano: bigint): { start: bigint; end: bigint } {
  const end = params.timeUnixNano('end') ?? nowUnixNano();
  const lookback = params.durationNano('lookback');
  const explicitStart = params.timeUnixNano('start');
  if (explicitStart !== undefined && lookback !== undefined) throw badParameter('lookback', 'give either start or lookback, not both');
  const start = explicitStart ?? end - (lookback ?? defaultLookbackNano);
  if (start > end) throw badParameter('start', 'is after end');
  return { start: start < 0n ? 0n : start, end };
}

export function attributeFilters(raw: string[]): AttributeFilter[] {
  return raw.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw badParameter('attr', `expected key=value, got ${JSON.stringify(item)}`);
    return { key: item.slice(0, eq), value: item.slice(eq + 1) };
  });
}

/**
 * Skein's native JSON API (`docs/api.md`), used by the web UI and by tests. Every route reads
 * through `readerFor(store, request)`: the request's tenant's reader (tenant-of.ts).
 */
export function addNativeApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/v1/traces/:traceId', async ({ request, url, params: path }) => {
    const params = new QueryParams(url.searchParams);
    const format = params.string('format') ?? 'native';
    params.rejectUnknown();
    if (format !== 'native' && format !== 'otlp' && format !== 'compact')
      throw badParameter('format', `expected native, otlp or compact, got ${JSON.stringify(format)}`);
    const traceId = normaliseTraceId(path['traceId']!);
    if (traceId === undefined)
      throw new ApiError('bad_parameter', `invalid trace ID ${JSON.stringify(path['traceId'])}: expected 1 to 32 hex digits, not all zero`);
    const reader = readerFor(store, request);
    if (format === 'compact') return compactTraceResponse(reader, traceId);
    const spans = await readTraceSpans(reader, traceId);
    return format === 'otlp' ? encodeOtlpJsonTraces(spans) : toNativeTrace(traceId, spans);
  });

  const outlines = new TraceOutlineCache();
  router.get('/api/v1/traces/:traceId/outline', ({ request, url, params: path }) => {
    const traceId = normaliseTraceId(path['traceId']!);
    if (traceId === undefined)
      throw new ApiError('bad_parameter', `invalid trace ID ${JSON.stringify(path['traceId'])}: expected 1 to 32 hex digits, not all zero`);
    return outlineResponse(readerFor(store, request), outlines, traceId, url);
  });

  router.get('/api/v1/traces/:traceId/incoming-links', async ({ request, url, params: path }) => {
    const params = new QueryParams(url.searchParams);
    const { start, end } = timeWindow(params, DEFAULT_DEPENDENCIES_LOOKBACK_NANO);
    const limit = params.integer('limit', 1, MAX_ATTRIBUTE_LIMIT) ?? DEFAULT_INCOMING_LINKS_LIMIT;
    params.rejectUnknown();
    const traceId = normaliseTraceId(path['traceId']!);
    if (traceId === undefined)
      throw new ApiError('bad_parameter', `invalid trace ID ${JSON.stringify(path['traceId'])}: expected 1 to 32 hex digits, not all zero`);
    const links = await readingStorage(readerFor(store, request).findIncomingLinks(traceId, start, end, limit));
    return { links, limit, startTimeUnixNano: start.toString(), endTimeUnixNano: end.toString() };
  });

  router.get('/api/v1/search', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const serviceName = params.string('service');
    const spanName = params.string('spanName');
    const attributes = attributeFilters(params.all('attr'));
    const minDurationNano = params.durationNano('minDuration');
    const maxDurationNano = params.durationNano('maxDuration');
    const status = params.string('status');
    if (status !== undefined && status !== 'error' && status !== 'any')
      throw badParameter('status', `expected error or any, got ${JSON.stringify(status)}`);
    const limit = params.integer('limit', 1, MAX_SEARCH_LIMIT) ?? DEFAULT_SEARCH_LIMIT;
    const { start, end } = timeWindow(params, DEFAULT_SEARCH_LOOKBACK_NANO);
    params.rejectUnknown();
    if (minDurationNano !== undefined && maxDurationNano !== undefined && minDurationNano > maxDurationNano) {
      throw badParameter('minDuration', 'is greater than maxDuration');
    }
    const traces = await readingStorage(
      readerFor(store, request).searchTraces({
        ...(serviceName !== undefined && { serviceName }),
        ...(spanName !== undefined && { spanName }),
        attributes,
        ...(minDurationNano !== undefined && { minDurationNano }),
        ...(maxDurationNano !== undefined && { maxDurationNano }),
        errorsOnly: status === 'error',
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        limit,
      }),
    );
    return { traces: traces.map(toNativeSummary), limit, startTimeUnixNano: start.toString(), endTimeUnixNano: end.toString() };
  });

  // Autocompletion for the search form: the same service/window parameters and 400 rules as search.
  const attributeQuery = (params: QueryParams, defaultLimit: number): AttributeQuery => {
    const serviceName = params.string('service');
    const limit = params.integer('limit', 1, MAX_ATTRIBUTE_LIMIT) ?? defaultLimit;
    const { start, end } = timeWindow(params, DEFAULT_SEARCH_LOOKBACK_NANO);
    params.rejectUnknown();
    return { ...(serviceName !== undefined && { serviceName }), startTimeUnixNano: start, endTimeUnixNano: end, limit };
  };

  router.get('/api/v1/attributes', async ({ request, url }) => {
    const query = attributeQuery(new QueryParams(url.searchParams), DEFAULT_ATTRIBUTE_KEYS_LIMIT);
    return { attributes: await readingStorage(readerFor(store, request).listAttributeKeys(query)) };
  });

  router.get('/api/v1/attributes/:key/values', async ({ request, url, params: path }) => {
    const query = attributeQuery(new QueryParams(url.searchParams), DEFAULT_ATTRIBUTE_VALUES_LIMIT);
    return { values: await readingStorage(readerFor(store, request).listAttributeValues(path['key']!, query)) };
  });

  router.get('/api/v1/services', async ({ request, url }) => {
    new QueryParams(url.searchParams).rejectUnknown();
    return { services: await readingStorage(readerFor(store, request).listServices()) };
  });

  router.get('/api/v1/services/:service/operations', async ({ request, url, params: path }) => {
    new QueryParams(url.searchParams).rejectUnknown();
    const operations = await readingStorage(readerFor(store, request).listOperations(path['service']!));
    return { operations: operations.map((operation) => ({ name: operation.name, spanKind: SPAN_KIND_NAMES[operation.spanKind] })) };
  });

  // The UI's TraceQL box checks a query as it is typed: where the parser stopped (to underline it)
  // and whether it is a metrics query (drawn as a chart) or a search (listed as traces).
  router.get('/api/v1/traceql/parse', async ({ url }) => {
    const params = new QueryParams(url.searchParams);
    const q = params.string('q') ?? '';
    params.rejectUnknown();
    try {
      const query = parseTraceQL(q);
      if (query.metrics !== undefined) planMetricsQuery(query);
      return { valid: true, kind: query.metrics === undefined ? 'search' : 'metrics' };
    } catch (error) {
      if (!isTraceQLError(error)) throw error;
      const { line, column, offset } = error.position;
      return { valid: false, error: { message: error.message, line, column, offset } };
    }
  });

  router.get('/api/v1/dependencies', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const { start, end } = timeWindow(params, DEFAULT_DEPENDENCIES_LOOKBACK_NANO);
    params.rejectUnknown();
    const edges = await readingStorage(readerFor(store, request).getDependencies(start, end));
    return { dependencies: edges, startTimeUnixNano: start.toString(), endTimeUnixNano: end.toString() };
  });
}
