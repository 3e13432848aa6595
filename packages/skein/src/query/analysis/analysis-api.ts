import { normaliseTraceId } from '../../model/ids.js';
import type { Span } from '../../model/span.js';
import { SpanConditionError } from '../../storage/span-conditions.js';
import { HEATMAP_BUCKETS_PER_DOUBLING, type TraceShape } from '../../storage/span-analysis-types.js';
import type { TenantTraceReader, TraceStore } from '../../storage/trace-store.js';
import { ApiError, badParameter, fromStorage } from '../api-error.js';
import { readTraceSpans } from '../compact-trace-route.js';
import type { HttpRouter } from '../http-router.js';
import { QueryParams } from '../query-params.js';
import { readerFor } from '../tenant-of.js';
import { analysisStep, analysisWindow, groupField, populationFilter, selectionOf, traceQLFilter } from './analysis-params.js';
import { rankAttributes } from './attribute-ranking.js';
import { averageProfile, diffProfiles, traceDurationNano, traceProfile } from './trace-diff.js';

/**
 * The population analyses of the native API (`/api/v1/analysis/…`, docs/api.md "Analysis"): the
 * same JSON the Explore and Compare pages, scripts and the MCP server read. Every route reads
 * through the request's tenant reader; every figure is computed in the engine except the
 * statistics of the ranking and the structural diffs, which work on aggregates or on a bounded
 * number of traces.
 */

/**
 * Spans aggregated at most per analysis (per group for the ranking); beyond it, a hash sample.
 * The ranking unrolls every attribute of every span, so its cost is spans × attributes; 50,000
 * spans per group still resolve a difference of shares of 2 points (standard error ≤ 0.23 points).
 */
export const GROUP_BY_SAMPLE_SPANS = 1_000_000;
export const RANKING_SAMPLE_SPANS = 50_000;
const DEFAULT_GROUPS = 20;
const DEFAULT_TOP_VALUES = 10;
const DEFAULT_ATTRIBUTES = 30;
const DEFAULT_GROUP_TRACES = 50;
const MAX_GROUP_TRACES = 200;

/** Storage and condition errors as API errors: a condition storage cannot express is the caller's 400. */
async function analysing<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof SpanConditionError) throw new ApiError('bad_parameter', error.message);
    throw fromStorage(error);
  }
}

function fraction(params: QueryParams, name: string, fallback: number): number {
  const raw = params.string(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^0?\.\d+$/.test(raw) || !(value > 0 && value < 1))
    throw badParameter(name, `expected a number between 0 and 1, got ${JSON.stringify(raw)}`);
  return value;
}

function shapeJson({ startNano, durationNano, ...shape }: TraceShape): Record<string, unknown> {
  return { ...shape, startTimeUnixNano: startNano.toString(), durationNano: Number(durationNano) };
}

/** The ranking route's answer for its query parameters: the route and the MCP tool `rank_attributes` share it. */
export async function rankingOf(reader: TenantTraceReader, search: URLSearchParams): Promise<Record<string, unknown>> {
  const params = new QueryParams(search);
  const filter = populationFilter(params);
  const selection = selectionOf(params);
  const topValues = params.integer('topValues', 1, 100) ?? DEFAULT_TOP_VALUES;
  const maxAttributes = params.integer('limit', 1, 500) ?? DEFAULT_ATTRIBUTES;
  const window = analysisWindow(params);
  params.rejectUnknown();
  const counts = await analysing(
    reader.countAttributeValues({ filter, ...window, selection, topValues, maxSampleSpans: RANKING_SAMPLE_SPANS }),
  );
  return {
    startTimeUnixNano: window.fromNano.toString(),
    endTimeUnixNano: window.toNano.toString(),
    ...rankAttributes(counts, topValues, maxAttributes),
  };
}

export function addAnalysisApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/v1/analysis/heatmap', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const filter = populationFilter(params);
    const window = analysisWindow(params);
    const stepNano = analysisStep(params, window);
    params.rejectUnknown();
    const result = await analysing(readerFor(store, request).spanHeatmap({ filter, ...window, stepNano }));
    return {
      startTimeUnixNano: window.fromNano.toString(),
      endTimeUnixNano: window.toNano.toString(),
      stepNano: Number(stepNano),
      bucketsPerDoubling: HEATMAP_BUCKETS_PER_DOUBLING,
      slots: result.slots,
      totalSpans: result.totalSpans,
      cells: result.cells,
    };
  });

  router.get('/api/v1/analysis/group-by', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const filter = populationFilter(params);
    const by = params.string('by');
    if (by === undefined) throw badParameter('by', 'is required: name, status, kind, service, resource.<key>, span.<key> or .<key>');
    const field = groupField('by', by);
    const limit = params.integer('limit', 1, 200) ?? DEFAULT_GROUPS;
    const window = analysisWindow(params);
    const stepNano = analysisStep(params, window);
    params.rejectUnknown();
    const result = await analysing(
      readerFor(store, request).groupSpans({ filter, ...window, stepNano, field, limit, maxSampleSpans: GROUP_BY_SAMPLE_SPANS }),
    );
    return {
      by,
      startTimeUnixNano: window.fromNano.toString(),
      endTimeUnixNano: window.toNano.toString(),
      stepNano: Number(stepNano),
      slots: result.slots,
      sample: result.sample,
      groups: result.groups.map((g) => ({ ...g, missing: g.type === '' })),
      other: result.other,
    };
  });

  router.get('/api/v1/analysis/ranking', ({ request, url }) => rankingOf(readerFor(store, request), new URLSearchParams(url.searchParams)));

  router.get('/api/v1/analysis/compare-traces', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const ids = ['a', 'b'].map((name) => {
      const raw = params.string(name);
      if (raw === undefined) throw badParameter(name, 'is required: a trace ID');
      const id = normaliseTraceId(raw);
      if (id === undefined) throw badParameter(name, `invalid trace ID ${JSON.stringify(raw)}: expected 1 to 32 hex digits, not all zero`);
      return id;
    });
    params.rejectUnknown();
    const reader = readerFor(store, request);
    const [a, b] = await Promise.all(ids.map((id) => readTraceSpans(reader, id)));
    if (a!.length === 0) throw new ApiError('not_found', `trace ${ids[0]!} not found`);
    if (b!.length === 0) throw new ApiError('not_found', `trace ${ids[1]!} not found`);
    return {
      a: ids[0],
      b: ids[1],
      ...diffProfiles(traceProfile(a!), traceProfile(b!), { durationNanoA: traceDurationNano(a!), durationNanoB: traceDurationNano(b!) }),
    };
  });

  router.get('/api/v1/analysis/compare-groups', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const serviceName = params.string('service');
    const spanName = params.string('operation');
    if (serviceName === undefined) throw badParameter('service', 'is required');
    if (spanName === undefined) throw badParameter('operation', 'is required');
    const slowQuantile = fraction(params, 'slowQuantile', 0.9);
    const fastQuantile = fraction(params, 'fastQuantile', 0.5);
    if (fastQuantile >= slowQuantile) throw badParameter('fastQuantile', 'must be below slowQuantile');
    const tracesPerGroup = params.integer('traces', 1, MAX_GROUP_TRACES) ?? DEFAULT_GROUP_TRACES;
    const window = analysisWindow(params);
    params.rejectUnknown();
    const reader = readerFor(store, request);
    const groups = await analysing(
      reader.operationTraceGroups({ serviceName, spanName, ...window, slowQuantile, fastQuantile, tracesPerGroup }),
    );
    const traces = await analysing(reader.getTraces([...groups.fastTraceIds, ...groups.slowTraceIds], { eventsAndLinks: false }));
    const spansOf = (ids: readonly string[]): Span[][] => ids.map((id) => traces.get(id) ?? []).filter((s) => s.length > 0);
    const fast = spansOf(groups.fastTraceIds);
    const slow = spansOf(groups.slowTraceIds);
    const meanDuration = (list: readonly Span[][]): number =>
      list.reduce((sum, spans) => sum + traceDurationNano(spans), 0) / Math.max(1, list.length);
    const diff = diffProfiles(
      averageProfile(fast.map((spans) => traceProfile(spans))),
      averageProfile(slow.map((spans) => traceProfile(spans))),
      { durationNanoA: meanDuration(fast), durationNanoB: meanDuration(slow) },
      0.5,
    );
    return {
      service: serviceName,
      operation: spanName,
      startTimeUnixNano: window.fromNano.toString(),
      endTimeUnixNano: window.toNano.toString(),
      operationSpans: groups.operationSpans,
      a: { name: 'fast', quantile: fastQuantile, thresholdNano: groups.fastThresholdNano, traceIds: groups.fastTraceIds },
      b: { name: 'slow', quantile: slowQuantile, thresholdNano: groups.slowThresholdNano, traceIds: groups.slowTraceIds },
      ...diff,
    };
  });

  router.get('/api/v1/analysis/traces', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const minSpans = params.integer('minSpans', 1, 10_000_000);
    const maxSpans = params.integer('maxSpans', 1, 10_000_000);
    const minDepth = params.integer('minDepth', 1, 10_000);
    const maxDepth = params.integer('maxDepth', 1, 10_000);
    const services = params.all('service');
    const hasText = params.string('has');
    const hasNotText = params.string('hasNot');
    const limit = params.integer('limit', 1, 1000) ?? 20;
    const window = analysisWindow(params);
    params.rejectUnknown();
    const shapes = await analysing(
      readerFor(store, request).findTraceShapes({
        ...window,
        services,
        limit,
        ...(minSpans !== undefined && { minSpans }),
        ...(maxSpans !== undefined && { maxSpans }),
        ...(minDepth !== undefined && { minDepth }),
        ...(maxDepth !== undefined && { maxDepth }),
        ...(hasText !== undefined && { has: traceQLFilter('has', hasText) }),
        ...(hasNotText !== undefined && { hasNot: traceQLFilter('hasNot', hasNotText) }),
      }),
    );
    return {
      traces: shapes.map(shapeJson),
      limit,
      startTimeUnixNano: window.fromNano.toString(),
      endTimeUnixNano: window.toNano.toString(),
    };
  });
}
