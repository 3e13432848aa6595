import { normaliseTraceId } from '../../model/ids.js';
import type { Span } from '../../model/span.js';
import type { TraceStore } from '../../storage/trace-store.js';
import { ApiError, readingStorage } from '../api-error.js';
import { readTraceSpans } from '../compact-trace-route.js';
import { readerFor } from '../tenant-of.js';
import { addTempoSearchRoute } from './tempo-search.js';
import { addTempoMetricsRoutes } from './tempo-metrics-routes.js';
import { addTempoTagRoutes } from './tempo-tags.js';
import { badRequest, json, text, TempoHttpError, type TempoRouter } from './tempo-http.js';
import { secondsParam } from './tempo-params.js';
import { tempoTraceByIdResponseProto, tempoTraceJson, tempoTraceProto } from './tempo-trace-encoding.js';

/** What `/api/status/buildinfo` reports: Skein's own version, in Tempo's field names. */
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildDate: string;
  buildUser: string;
  goVersion: string;
}

/**
 * The Tempo HTTP API (ARCHITECTURE decision 7): what Grafana's Tempo data source calls, with the
 * request and response shapes of Tempo's docs and protos. Every read goes through
 * `readerFor(store, request)`, the request's tenant (Tempo's `X-Scope-OrgID` is mapped there).
 */
export function addTempoApi(router: TempoRouter, store: TraceStore, buildInfo: BuildInfo): void {
  router.get('/api/echo', async () => text('echo'));
  router.get('/ready', async () => {
    await readingStorage(store.ping());
    return text('ready');
  });
  router.get('/api/status/buildinfo', async () => json(buildInfo));

  router.get('/api/traces/:traceId', async ({ request, url, params }) => {
    const spans = await traceOf(store, request, url, params['traceId']!);
    return wantsProtobuf(request.headers.accept)
      ? { kind: 'raw', contentType: 'application/protobuf', body: tempoTraceProto(spans) }
      : json({ batches: tempoTraceJson(spans).resourceSpans });
  });

  router.get('/api/v2/traces/:traceId', async ({ request, url, params }) => {
    const spans = await traceOf(store, request, url, params['traceId']!);
    return wantsProtobuf(request.headers.accept)
      ? { kind: 'raw', contentType: 'application/protobuf', body: tempoTraceByIdResponseProto(spans) }
      : json({ trace: tempoTraceJson(spans) });
  });

  addTempoSearchRoute(router, store);
  addTempoTagRoutes(router, store);
  addTempoMetricsRoutes(router, store);
}

/** As Tempo decides the format: protobuf when the Accept header names it, else JSON. */
function wantsProtobuf(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/protobuf');
}

/**
 * A trace's spans; 404 when unknown. `start`/`end` (Unix seconds) are validated as Tempo does;
 * they only narrow where Tempo looks, and Skein's trace index finds a trace wherever it is, so
 * the whole trace is returned.
 */
async function traceOf(store: TraceStore, request: Parameters<typeof readerFor>[1], url: URL, rawId: string): Promise<Span[]> {
  const start = secondsParam(url, 'start');
  const end = secondsParam(url, 'end');
  if (start !== undefined && end !== undefined && start !== 0n && end !== 0n && end <= start) {
    throw badRequest(`http parameter start must be before end. received start=${start / 1_000_000_000n} end=${end / 1_000_000_000n}`);
  }
  // Tempo parses an all-zero ID and finds nothing: 404, not 400 (Grafana probes with "0").
  if (/^0{1,32}$/.test(rawId)) throw new TempoHttpError(404, `trace not found: ${rawId}`);
  const traceId = normaliseTraceId(rawId);
  if (traceId === undefined) throw badRequest(`invalid trace ID ${JSON.stringify(rawId)}: expected 1 to 32 hex digits, not all zero`);
  try {
    return await readTraceSpans(readerFor(store, request), traceId);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') throw new TempoHttpError(404, `trace not found: ${traceId}`);
    throw error;
  }
}
