import type { SeriesPoint, StoredExemplar } from '../../storage/metrics-store.js';
import type { TenantTraceReader, TraceStore } from '../../storage/trace-store.js';
import { badParameter, readingStorage } from '../api-error.js';
import type { HttpRouter } from '../http-router.js';
import { metricsWindow, spanKindsOf } from '../metrics-api.js';
import { QueryParams } from '../query-params.js';
import { readerFor } from '../tenant-of.js';
import { DEFAULT_MIN_RATIO, DEFAULT_QUANTILES, detectLatencyChange, type LatencyChange, type LatencySegment } from './latency-change.js';

/**
 * `GET /api/v1/analysis/latency-changes` (docs/api.md): per operation, the sustained p99 (or p95)
 * step in the window found by latency-change.ts on the metrics tap's per-minute histograms (never
 * raw spans, so a day costs what an hour does), with the slowest stored exemplar traces after it.
 * The Services pages draw it; scripts and the MCP server read the same JSON. Cost in JS: the
 * detector takes 8–13 ms per operation over 720 slots (a day), measured at load average 35 on this
 * 2-core machine (scratch loop over latency-datasets.ts series); the read is the engine's sumMap.
 */

/** Slots per window at most: a day is read in 2-minute slots, an hour per minute. */
const MAX_SLOTS = 720;
export const DEFAULT_EXEMPLARS = 5;
/** Exemplars read per change before the slowest are kept (per series, minute and kind there are a few). */
const EXEMPLARS_READ = 500;

function minRatioOf(params: QueryParams): number {
  const raw = params.string('minRatio');
  if (raw === undefined) return DEFAULT_MIN_RATIO;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(value > 1 && value <= 100))
    throw badParameter('minRatio', `expected a number above 1 (at most 100), got ${JSON.stringify(raw)}`);
  return value;
}

/** What to look at: a window in whole minutes, slots of `slotMinutes`, optionally one service or operation. */
export interface LatencyChangeQuery {
  readonly startMinute: number;
  readonly endMinute: number;
  readonly slotMinutes: number;
  readonly serviceName?: string;
  readonly spanName?: string;
  /** OTLP span kinds (empty: all). */
  readonly spanKinds: readonly number[];
  readonly minRatio: number;
  /** Slowest stored exemplar traces after each change. */
  readonly exemplars: number;
}

/** The slot length for a window: per minute up to 12 h, then as many minutes as keep 720 slots. */
export function slotMinutesFor(startMinute: number, endMinute: number): number {
  return Math.max(1, Math.ceil((endMinute - startMinute) / MAX_SLOTS));
}

/** The changes of every operation in the query, largest first, as the API's JSON (also the MCP tool's answer). */
export async function findLatencyChanges(reader: TenantTraceReader, query: LatencyChangeQuery): Promise<Record<string, unknown>[]> {
  const points = await reader.readSeries({
    startMinute: query.startMinute,
    endMinute: query.endMinute,
    stepMinutes: query.slotMinutes,
    groupBy: 'operation',
    spanKinds: query.spanKinds,
    ...(query.serviceName !== undefined && { serviceName: query.serviceName }),
    ...(query.spanName !== undefined && { spanName: query.spanName }),
  });
  const firstSlot = Math.floor(query.startMinute / query.slotMinutes) * query.slotMinutes;
  const found: Array<{ serviceName: string; spanName: string; change: LatencyChange }> = [];
  // One operation at a time: the detector's prefix histograms are dropped before the next is built.
  for (const series of seriesOf(points)) {
    const slots = fillSlots(series.points, firstSlot, query.endMinute, query.slotMinutes);
    const change = detectLatencyChange(slots, query.slotMinutes, { minRatio: query.minRatio, quantiles: DEFAULT_QUANTILES });
    if (change !== undefined) found.push({ serviceName: series.serviceName, spanName: series.spanName, change });
  }
  found.sort((a, b) => Math.abs(Math.log(b.change.ratio)) - Math.abs(Math.log(a.change.ratio)));
  return Promise.all(
    found.map(async ({ serviceName, spanName, change }) => {
      const exemplars =
        query.exemplars === 0
          ? []
          : await reader.readExemplars({
              startMinute: change.changeMinute,
              endMinute: query.endMinute,
              serviceName,
              spanName,
              limit: EXEMPLARS_READ,
            });
      return changeJson(serviceName, spanName, change, slowestTraces(exemplars, query.exemplars));
    }),
  );
}

export function addLatencyChangeApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/v1/analysis/latency-changes', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const window = metricsWindow(params);
    const slotMinutes = url.searchParams.has('step') ? window.stepMinutes : slotMinutesFor(window.startMinute, window.endMinute);
    const serviceName = params.string('service');
    const spanName = params.string('operation');
    const spanKinds = spanKindsOf(params);
    const minRatio = minRatioOf(params);
    const exemplars = params.integer('exemplars', 0, 50) ?? DEFAULT_EXEMPLARS;
    params.rejectUnknown();
    const changes = await readingStorage(
      findLatencyChanges(readerFor(store, request), {
        startMinute: window.startMinute,
        endMinute: window.endMinute,
        slotMinutes,
        spanKinds,
        minRatio,
        exemplars,
        ...(serviceName !== undefined && { serviceName }),
        ...(spanName !== undefined && { spanName }),
      }),
    );
    return {
      startTimeUnixMillis: window.startMinute * 60_000,
      endTimeUnixMillis: window.endMinute * 60_000,
      stepMillis: slotMinutes * 60_000,
      minRatio,
      changes,
    };
  });
}

function seriesOf(points: readonly SeriesPoint[]): Array<{ serviceName: string; spanName: string; points: SeriesPoint[] }> {
  const series = new Map<string, { serviceName: string; spanName: string; points: SeriesPoint[] }>();
  for (const point of points) {
    const key = `${point.serviceName}\u0000${point.spanName}`;
    const entry = series.get(key) ?? { serviceName: point.serviceName, spanName: point.spanName, points: [] };
    entry.points.push(point);
    series.set(key, entry);
  }
  return [...series.values()];
}

/** Evenly spaced slots over the window: a minute without calls is an empty slot, not a gap. */
function fillSlots(points: readonly SeriesPoint[], firstSlot: number, endMinute: number, slotMinutes: number): SeriesPoint[] {
  const byMinute = new Map(points.map((point) => [point.minute, point]));
  const slots: SeriesPoint[] = [];
  for (let minute = firstSlot; minute < endMinute; minute += slotMinutes) {
    slots.push(
      byMinute.get(minute) ?? {
        serviceName: '',
        spanName: '',
        minute,
        calls: 0,
        errors: 0,
        durationSumNanos: 0,
        histogramIndexes: [],
        histogramCounts: [],
      },
    );
  }
  return slots;
}

/** The slowest exemplars after the change, one per trace. */
function slowestTraces(exemplars: readonly StoredExemplar[], count: number): StoredExemplar[] {
  const byTrace = new Map<string, StoredExemplar>();
  for (const exemplar of [...exemplars].sort((a, b) => b.durationNanos - a.durationNanos))
    if (!byTrace.has(exemplar.traceId)) byTrace.set(exemplar.traceId, exemplar);
  return [...byTrace.values()].slice(0, count);
}

function segmentJson(segment: LatencySegment): Record<string, number> {
  return {
    startTimeUnixMillis: segment.startMinute * 60_000,
    endTimeUnixMillis: segment.endMinute * 60_000,
    calls: Math.round(segment.calls * 1e3) / 1e3,
    quantileMillis: round3(segment.quantileNanos / 1e6),
  };
}

function round3(value: number): number {
  return Math.round(value * 1e3) / 1e3;
}

function changeJson(
  serviceName: string,
  operation: string,
  change: LatencyChange,
  exemplars: readonly StoredExemplar[],
): Record<string, unknown> {
  return {
    serviceName,
    operation,
    quantile: change.quantile,
    direction: change.direction,
    changeTimeUnixMillis: change.changeMinute * 60_000,
    ratio: round3(change.ratio),
    thresholdMillis: round3(change.thresholdNanos / 1e6),
    before: segmentJson(change.before),
    after: segmentJson(change.after),
    exemplars: exemplars.map((e) => ({
      traceId: e.traceId,
      spanId: e.spanId,
      timeUnixMillis: e.minute * 60_000,
      kind: e.kind,
      durationMillis: e.durationNanos / 1e6,
      error: e.statusCode === 2,
    })),
  };
}
