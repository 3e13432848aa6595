import { isValidSpanId, normaliseTraceId } from '../model/ids.js';
import { severityOfName } from '../model/log-record.js';
import { encodeOtlpJsonLogs } from '../model/otlp-logs-json.js';
import { MAX_LOGS_LIMIT, type StoredLog } from '../storage/logs-store.js';
import type { TraceStore } from '../storage/trace-store.js';
import { ApiError, badParameter, readingStorage } from './api-error.js';
import type { HttpRouter } from './http-router.js';
import { attributeFilters, timeWindow } from './native-api.js';
import { toNativeLogs } from './native-logs-json.js';
import { QueryParams } from './query-params.js';
import { readerFor } from './tenant-of.js';

const HOUR_NANO = 3_600_000_000_000n;
const DEFAULT_TRACE_LOGS_LIMIT = 1_000;
const DEFAULT_SEARCH_LIMIT = 100;

/**
 * The logs routes of the native API (issue 17, docs/api.md "Logs"): the logs of a trace or of one
 * of its spans, and log search. `format=otlp` answers OTLP JSON `LogsData` instead of the native
 * shape. Reads go through the request's tenant's reader, as every route does.
 */
export function addLogsApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/v1/traces/:traceId/logs', async ({ request, url, params: path }) => {
    const params = new QueryParams(url.searchParams);
    const format = formatOf(params);
    const spanId = params.string('spanId')?.toLowerCase();
    const limit = params.integer('limit', 1, MAX_LOGS_LIMIT) ?? DEFAULT_TRACE_LOGS_LIMIT;
    params.rejectUnknown();
    const traceId = normaliseTraceId(path['traceId']!);
    if (traceId === undefined)
      throw new ApiError('bad_parameter', `invalid trace ID ${JSON.stringify(path['traceId'])}: expected 1 to 32 hex digits, not all zero`);
    if (spanId !== undefined && !isValidSpanId(spanId))
      throw badParameter('spanId', `expected 16 hex digits, not all zero, got ${JSON.stringify(spanId)}`);
    const logs = await readingStorage(readerFor(store, request).getTraceLogs(traceId, { limit, ...(spanId !== undefined && { spanId }) }));
    return respond(logs, format, { traceId, ...(spanId !== undefined && { spanId }), limit });
  });

  // How many records each span has: the trace view's counts, one aggregate however many records.
  router.get('/api/v1/traces/:traceId/logs/counts', async ({ request, url, params: path }) => {
    new QueryParams(url.searchParams).rejectUnknown();
    const traceId = normaliseTraceId(path['traceId']!);
    if (traceId === undefined)
      throw new ApiError('bad_parameter', `invalid trace ID ${JSON.stringify(path['traceId'])}: expected 1 to 32 hex digits, not all zero`);
    const spans = await readingStorage(readerFor(store, request).getTraceLogCounts(traceId));
    return { traceId, total: spans.reduce((sum, span) => sum + span.count, 0), spans };
  });

  router.get('/api/v1/logs', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const format = formatOf(params);
    const serviceName = params.string('service');
    const severity = params.string('severity');
    const bodyContains = params.string('q');
    const rawTraceId = params.string('traceId');
    const attributes = attributeFilters(params.all('attr'));
    const { start, end } = timeWindow(params, HOUR_NANO);
    const limit = params.integer('limit', 1, MAX_LOGS_LIMIT) ?? DEFAULT_SEARCH_LIMIT;
    params.rejectUnknown();
    const minSeverityNumber = severity === undefined ? undefined : severityParameter(severity);
    const traceId = rawTraceId === undefined ? undefined : normaliseTraceId(rawTraceId);
    if (rawTraceId !== undefined && traceId === undefined) throw badParameter('traceId', `expected 1 to 32 hex digits, not all zero`);
    const logs = await readingStorage(
      readerFor(store, request).searchLogs({
        ...(serviceName !== undefined && { serviceName }),
        ...(minSeverityNumber !== undefined && { minSeverityNumber }),
        ...(bodyContains !== undefined && { bodyContains }),
        ...(traceId !== undefined && { traceId }),
        attributes,
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        limit,
      }),
    );
    return respond(logs, format, { limit, startTimeUnixNano: start.toString(), endTimeUnixNano: end.toString() });
  });
}

function formatOf(params: QueryParams): 'native' | 'otlp' {
  const format = params.string('format') ?? 'native';
  if (format !== 'native' && format !== 'otlp') throw badParameter('format', `expected native or otlp, got ${JSON.stringify(format)}`);
  return format;
}

/** `error` or `17`: the lowest severity number to return. */
function severityParameter(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const value = Number(raw);
    if (value >= 1 && value <= 24) return value;
  }
  const named = severityOfName(raw);
  if (named === undefined) {
    throw badParameter(
      'severity',
      `expected a SeverityNumber 1-24 or one of trace, debug, info, warn, error, fatal, got ${JSON.stringify(raw)}`,
    );
  }
  return named;
}

function respond(logs: readonly StoredLog[], format: 'native' | 'otlp', extra: Record<string, unknown>): object {
  return format === 'otlp' ? encodeOtlpJsonLogs(logs) : { ...toNativeLogs(logs), ...extra };
}
