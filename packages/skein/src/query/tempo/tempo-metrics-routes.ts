import { SpanConditionError } from '../../storage/span-conditions.js';
import type { TraceStore } from '../../storage/trace-store.js';
import { readingStorage } from '../api-error.js';
import { readerFor } from '../tenant-of.js';
import { isTraceQLError } from '../traceql/errors.js';
import { parseTraceQL } from '../traceql/parser.js';
import { badRequest, json, type TempoRouter } from './tempo-http.js';
import { runMetricsQuery, type MetricsQuery, type MetricsWindow, type TempoSeries } from './tempo-metrics.js';
import { planMetricsQuery } from './traceql-metrics-plan.js';
import { defaultStepNano, metricsTimeParam, nowNano, param, positiveIntegerParam, secondsOrDurationParam } from './tempo-params.js';

/**
 * `/api/metrics/query_range` (`q` or `query`, `start`, `end`, `since`, `step`, `exemplars`) and
 * `/api/metrics/query` (instant: one value per series over the whole range). Answers are Tempo's
 * `QueryRangeResponse` / `QueryInstantResponse` as gogo jsonpb writes them: `timestampMs` as a
 * string (int64), zero values left out, no field Tempo's proto lacks: Grafana decodes the instant
 * answer with a strict jsonpb unmarshaler that rejects unknown fields.
 */

const DEFAULT_SINCE_NANO = 3_600_000_000_000n;
/** Most slots one range query may ask for (Tempo caps data points too). */
const MAX_SLOTS = 11_000;

function queryOf(url: URL): MetricsQuery {
  const text = param(url, 'q') ?? param(url, 'query');
  if (text === undefined) throw badRequest('query is required: give q (a TraceQL metrics query)');
  try {
    return planMetricsQuery(parseTraceQL(text));
  } catch (error) {
    if (isTraceQLError(error)) throw badRequest(`invalid TraceQL query: ${error.message}`);
    throw error;
  }
}

function windowOf(url: URL, instant: boolean): MetricsWindow {
  const since = secondsOrDurationParam(url, 'since') ?? DEFAULT_SINCE_NANO;
  const now = nowNano();
  const end = metricsTimeParam(url, 'end') ?? now;
  const start = metricsTimeParam(url, 'start') ?? (end > now ? now : end) - since;
  if (end <= start) throw badRequest(`end (${end}) must be after start (${start})`);
  let step = instant ? end - start : (secondsOrDurationParam(url, 'step') ?? defaultStepNano(start, end));
  if (step <= 0n) step = defaultStepNano(start, end);
  if (!instant && (end - start) / step > BigInt(MAX_SLOTS)) {
    throw badRequest(`step ${Number(step) / 1e9}s is too small for this range: at most ${MAX_SLOTS} points per series`);
  }
  return {
    startNano: start,
    endNano: end,
    stepNano: step,
    instant,
    exemplars: Math.min(positiveIntegerParam(url, 'exemplars') ?? 0, 1000),
  };
}

async function run(
  store: TraceStore,
  request: Parameters<typeof readerFor>[1],
  query: MetricsQuery,
  window: MetricsWindow,
): ReturnType<typeof runMetricsQuery> {
  try {
    return await readingStorage(runMetricsQuery(readerFor(store, request), query, window));
  } catch (error) {
    if (error instanceof SpanConditionError) throw badRequest(`invalid TraceQL query: ${error.message}`);
    throw error;
  }
}

export function addTempoMetricsRoutes(router: TempoRouter, store: TraceStore): void {
  router.get('/api/metrics/query_range', async ({ request, url }) => {
    const query = queryOf(url);
    const { series, slotEndsMs } = await run(store, request, query, windowOf(url, false));
    return json({ series: series.map((s) => rangeSeriesJson(s, slotEndsMs)), metrics: { completedJobs: 1, totalJobs: 1 } });
  });

  router.get('/api/metrics/query', async ({ request, url }) => {
    const query = queryOf(url);
    const { series } = await run(store, request, query, windowOf(url, true));
    return json({
      series: series.flatMap((s) => (s.values[0] === undefined ? [] : [withValue({ labels: s.labels }, s.values[0])])),
      metrics: { completedJobs: 1, totalJobs: 1 },
    });
  });
}

/** jsonpb leaves a zero double out. */
function withValue<T extends Record<string, unknown>>(out: T, value: number): T & { value?: number } {
  return value === 0 ? out : { ...out, value };
}

function rangeSeriesJson(series: TempoSeries, slotEndsMs: bigint[]): Record<string, unknown> {
  const samples = series.values.flatMap((value, slot) =>
    value === undefined ? [] : [withValue({ timestampMs: slotEndsMs[slot]!.toString() }, value)],
  );
  const out: Record<string, unknown> = { labels: series.labels, samples };
  if (series.exemplars.length > 0) {
    out['exemplars'] = series.exemplars.map((exemplar) =>
      withValue({ labels: exemplar.labels, timestampMs: exemplar.timestampMs.toString() }, exemplar.value),
    );
  }
  return out;
}
