import type { AttributeFilter, TraceSummary, TraceStore } from '../../storage/trace-store.js';
import { readingStorage } from '../api-error.js';
import { anyValueToOtlpJson } from '../../model/otlp-json.js';
import { readerFor } from '../tenant-of.js';
import { isTraceQLError } from '../traceql/errors.js';
import { executeTraceQLSearch, type TraceQLAttribute, type TraceQLSpanset, type TraceQLTraceResult } from '../traceql/search.js';
import { badRequest, json, type TempoRouter } from './tempo-http.js';
import { durationParam, nowNano, param, positiveIntegerParam, secondsParam } from './tempo-params.js';
import { parseLogfmt } from './logfmt.js';

/**
 * `/api/search`: TraceQL (`q`, run by the TraceQL engine, query/traceql/search.ts) or tag-based (`tags`, logfmt) search, with `minDuration`,
 * `maxDuration`, `limit` (default 20), `spss` (default 3), `start`/`end` (Unix seconds). The answer
 * is Tempo's `SearchResponse` in its JSON form: trace IDs without leading zeros, start times as
 * strings (uint64), zero fields left out, `rootServiceName` `<root span not yet received>` when
 * the root is missing.
 *
 * Tag search maps onto storage's search: `service.name` (the resource's service), `name` (span
 * name), `status.code=error` / `error=true`, anything else an attribute of the span or its
 * resource. Values match exactly (Tempo matches some well-known columns as substrings), and the
 * duration bounds are the trace's, as Tempo's are.
 */

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 10_000;
const DEFAULT_LOOKBACK_NANO = 3_600_000_000_000n;
const ROOT_SPAN_NOT_YET_RECEIVED = '<root span not yet received>';

export function addTempoSearchRoute(router: TempoRouter, store: TraceStore): void {
  router.get('/api/search', async ({ request, url }) => {
    const q = param(url, 'q');
    const tags = param(url, 'tags');
    if (q !== undefined && tags !== undefined) throw badRequest("invalid request: can't specify tags and q in the same query");
    const minDurationNano = durationParam(url, 'minDuration');
    const maxDurationNano = durationParam(url, 'maxDuration');
    if (minDurationNano !== undefined && maxDurationNano !== undefined && minDurationNano > maxDurationNano) {
      throw badRequest('invalid maxDuration: must be greater than minDuration');
    }
    const limit = positiveIntegerParam(url, 'limit') ?? DEFAULT_LIMIT;
    if (limit === 0) throw badRequest('invalid limit: must be a positive number');
    const spss = positiveIntegerParam(url, 'spss') ?? 3;
    const startParam = secondsParam(url, 'start');
    const endParam = secondsParam(url, 'end');
    if ((startParam ?? 0n) !== 0n || (endParam ?? 0n) !== 0n) {
      if ((endParam ?? 0n) <= (startParam ?? 0n)) {
        throw badRequest(
          `http parameter start must be before end. received start=${(startParam ?? 0n) / 1_000_000_000n} end=${(endParam ?? 0n) / 1_000_000_000n}`,
        );
      }
    }
    const end = endParam !== undefined && endParam !== 0n ? endParam : nowNano();
    const start = startParam !== undefined && startParam !== 0n ? startParam : end - DEFAULT_LOOKBACK_NANO;
    const reader = readerFor(store, request);

    if (q !== undefined && q.trim() !== '') {
      let result;
      try {
        result = await readingStorage(
          executeTraceQLSearch(reader, q, { startNano: start, endNano: end, limit: Math.min(limit, MAX_LIMIT), spss }),
        );
      } catch (error) {
        if (isTraceQLError(error)) throw badRequest(`invalid TraceQL query: ${error.message}`);
        throw error;
      }
      return json({
        traces: result.traces.map(traceqlTraceJson),
        metrics: { inspectedTraces: result.metrics.inspectedTraces, completedJobs: 1, totalJobs: 1 },
      });
    }

    const filters = tags === undefined ? [] : [...parseLogfmt(tags, (message) => badRequest(`invalid tags: ${message}`))];
    let serviceName: string | undefined;
    let spanName: string | undefined;
    let errorsOnly = false;
    const attributes: AttributeFilter[] = [];
    for (const [key, value] of filters) {
      if (key === 'service.name') serviceName = value;
      else if (key === 'name') spanName = value;
      else if ((key === 'status.code' && value === 'error') || (key === 'error' && value === 'true')) errorsOnly = true;
      else attributes.push({ key, value });
    }
    const summaries = await readingStorage(
      reader.searchTraces({
        ...(serviceName !== undefined && { serviceName }),
        ...(spanName !== undefined && { spanName }),
        attributes,
        errorsOnly,
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        limit: Math.min(limit, MAX_LIMIT),
      }),
    );
    const traces = summaries
      .filter(
        (trace) =>
          (minDurationNano === undefined || trace.durationNano >= minDurationNano) &&
          (maxDurationNano === undefined || trace.durationNano <= maxDurationNano),
      )
      .map(traceSearchMetadata);
    return json({ traces, metrics: { inspectedTraces: summaries.length, completedJobs: 1, totalJobs: 1 } });
  });
}

/** Tempo's `TraceSearchMetadata` in JSON (zero values left out, as jsonpb does). */
export function traceSearchMetadata(trace: TraceSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {
    traceID: trace.traceId.replace(/^0+/, ''),
    rootServiceName: trace.rootSpanMissing ? ROOT_SPAN_NOT_YET_RECEIVED : trace.rootServiceName,
  };
  if (!trace.rootSpanMissing && trace.rootSpanName !== '') out['rootTraceName'] = trace.rootSpanName;
  out['startTimeUnixNano'] = trace.startTimeUnixNano.toString();
  const durationMs = Number(trace.durationNano / 1_000_000n);
  if (durationMs !== 0) out['durationMs'] = durationMs;
  const serviceStats: Record<string, Record<string, number>> = {};
  for (const service of trace.services) {
    serviceStats[service.serviceName] = { spanCount: service.spanCount };
  }
  if (trace.services.length > 0) out['serviceStats'] = serviceStats;
  return out;
}

/** A TraceQL result in Tempo's JSON: `spanSets`, and `spanSet` (deprecated, the first) as Tempo still sends it. */
function traceqlTraceJson(trace: TraceQLTraceResult): Record<string, unknown> {
  const out: Record<string, unknown> = { traceID: trace.traceID.replace(/^0+/, ''), rootServiceName: trace.rootServiceName };
  if (trace.rootTraceName !== '') out['rootTraceName'] = trace.rootTraceName;
  out['startTimeUnixNano'] = trace.startTimeUnixNano.toString();
  if (trace.durationMs !== 0) out['durationMs'] = trace.durationMs;
  const spanSets = trace.spanSets.map(spansetJson);
  if (spanSets.length > 0) {
    out['spanSet'] = spanSets[0];
    out['spanSets'] = spanSets;
  }
  const stats = Object.entries(trace.serviceStats);
  if (stats.length > 0) {
    out['serviceStats'] = Object.fromEntries(
      stats.map(([service, { spanCount, errorCount }]) => [service, errorCount === 0 ? { spanCount } : { spanCount, errorCount }]),
    );
  }
  return out;
}

function spansetJson(spanset: TraceQLSpanset): Record<string, unknown> {
  const out: Record<string, unknown> = {
    spans: spanset.spans.map((span) => {
      const json: Record<string, unknown> = { spanID: span.spanID };
      if (span.name !== '') json['name'] = span.name;
      json['startTimeUnixNano'] = span.startTimeUnixNano.toString();
      json['durationNanos'] = span.durationNanos.toString();
      if (span.attributes.length > 0) json['attributes'] = attributesJson(span.attributes);
      return json;
    }),
    matched: spanset.matched,
  };
  if (spanset.attributes.length > 0) out['attributes'] = attributesJson(spanset.attributes);
  return out;
}

function attributesJson(attributes: readonly TraceQLAttribute[]): Array<{ key: string; value: unknown }> {
  return attributes.map((attribute) => ({ key: attribute.key, value: anyValueToOtlpJson(attribute.value) }));
}
