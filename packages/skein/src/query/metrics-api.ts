import { histogramQuantileNanos } from '../model/latency-histogram.js';
import type { EdgeTotal, SeriesPoint } from '../storage/metrics-store.js';
import type { TenantTraceReader, TraceStore } from '../storage/trace-store.js';
import { badParameter, readingStorage } from './api-error.js';
import type { HttpRouter } from './http-router.js';
import { QueryParams } from './query-params.js';
import { readerFor } from './tenant-of.js';

/**
 * The native metrics API (docs/api.md, "Metrics"): RED per service and per operation over time,
 * with the previous window of the same length for comparison, exemplars that open stored traces,
 * and the service map — all read from the tap's per-minute tables (schema v4), never from spans.
 * Quantiles come from the merged exponential histograms: within 4.4 % (model/latency-histogram.ts).
 */

const MINUTE_NANO = 60_000_000_000n;
const MAX_POINTS = 1440;
/** Span kinds whose spans are a service's own requests (SERVER, CONSUMER). */
export const ENTRY_KINDS = [2, 5];

export interface MetricsWindow {
  startMinute: number;
  endMinute: number;
  stepMinutes: number;
}

/** `[start, end)` in whole minutes from start/end/lookback (default: the last hour) and step. */
export function metricsWindow(params: QueryParams): MetricsWindow {
  const nowNano = BigInt(Date.now()) * 1_000_000n;
  const end = params.timeUnixNano('end') ?? nowNano;
  const lookback = params.durationNano('lookback');
  const explicitStart = params.timeUnixNano('start');
  if (explicitStart !== undefined && lookback !== undefined) throw badParameter('lookback', 'give either start or lookback, not both');
  const start = explicitStart ?? end - (lookback ?? 60n * MINUTE_NANO);
  if (start > end) throw badParameter('start', 'is after end');
  const startMinute = Number((start < 0n ? 0n : start) / MINUTE_NANO);
  const endMinute = Number(end / MINUTE_NANO) + 1;
  const step = params.durationNano('step');
  if (step !== undefined && step < MINUTE_NANO) throw badParameter('step', 'must be at least 1m (metrics are stored per minute)');
  const minutes = endMinute - startMinute;
  const stepMinutes = step !== undefined ? Number(step / MINUTE_NANO) : Math.max(1, Math.ceil(minutes / 60));
  if (minutes / stepMinutes > MAX_POINTS)
    throw badParameter('step', `gives more than ${MAX_POINTS} points for the window; use a longer step`);
  return { startMinute, endMinute, stepMinutes };
}

/** Rate, errors and latency of a set of minutes. */
export interface RedSummary {
  calls: number;
  /** Calls per second over the window. */
  rate: number;
  errors: number;
  /** errors / calls, 0 when there were no calls. */
  errorRatio: number;
  p50Millis: number | null;
  p95Millis: number | null;
  p99Millis: number | null;
}

export function redOf(
  points: readonly Pick<SeriesPoint, 'calls' | 'errors' | 'histogramIndexes' | 'histogramCounts'>[],
  seconds: number,
): RedSummary {
  let calls = 0;
  let errors = 0;
  const histogram = new Map<number, number>();
  for (const point of points) {
    calls += point.calls;
    errors += point.errors;
    point.histogramIndexes.forEach((index, position) =>
      histogram.set(index, (histogram.get(index) ?? 0) + point.histogramCounts[position]!),
    );
  }
  const indexes = [...histogram.keys()];
  const counts = indexes.map((index) => histogram.get(index)!);
  const quantile = (q: number): number | null => {
    const nanos = histogramQuantileNanos(indexes, counts, q);
    return nanos === undefined ? null : round(nanos / 1e6);
  };
  return {
    calls: round(calls),
    rate: seconds > 0 ? round(calls / seconds) : 0,
    errors: round(errors),
    errorRatio: calls > 0 ? round(errors / calls) : 0,
    p50Millis: quantile(0.5),
    p95Millis: quantile(0.95),
    p99Millis: quantile(0.99),
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Change of each figure against the previous window, as a ratio (0.5 = +50 %); null when undefined. */
function changeOf(current: RedSummary, previous: RedSummary): Record<string, number | null> {
  const ratio = (now: number | null, before: number | null): number | null =>
    now === null || before === null || before === 0 ? null : round((now - before) / before);
  return {
    rate: ratio(current.rate, previous.rate),
    errorRatio: ratio(current.errorRatio, previous.errorRatio),
    p50Millis: ratio(current.p50Millis, previous.p50Millis),
    p95Millis: ratio(current.p95Millis, previous.p95Millis),
    p99Millis: ratio(current.p99Millis, previous.p99Millis),
  };
}

async function groupsOf(
  reader: TenantTraceReader,
  window: MetricsWindow,
  groupBy: 'service' | 'operation',
  serviceName: string | undefined,
  spanKinds: readonly number[],
): Promise<unknown[]> {
  const base = { groupBy, spanKinds, ...(serviceName !== undefined && { serviceName }) };
  const length = window.endMinute - window.startMinute;
  const [points, previous] = await Promise.all([
    reader.readSeries({ ...base, startMinute: window.startMinute, endMinute: window.endMinute, stepMinutes: window.stepMinutes }),
    reader.readSeries({
      ...base,
      startMinute: Math.max(0, window.startMinute - length),
      endMinute: window.startMinute,
      stepMinutes: length,
    }),
  ]);
  const groups = new Map<string, SeriesPoint[]>();
  for (const point of points) {
    const key = `${point.serviceName}\u0000${point.spanName}`;
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  const stepSeconds = window.stepMinutes * 60;
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const summary = redOf(group, length * 60);
    const before = redOf(
      previous.filter((p) => p.serviceName === first.serviceName && p.spanName === first.spanName),
      length * 60,
    );
    return {
      serviceName: first.serviceName,
      ...(groupBy === 'operation' && { operation: first.spanName }),
      ...summary,
      previous: before,
      change: changeOf(summary, before),
      points: group.map((point) => ({ timeUnixMillis: point.minute * 60_000, ...redOf([point], stepSeconds) })),
    };
  });
}

export function spanKindsOf(params: QueryParams): number[] {
  const raw = params.string('spanKind') ?? 'entry';
  if (raw === 'all') return [];
  if (raw === 'entry') return ENTRY_KINDS;
  const kinds: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
  const kind = kinds[raw.toLowerCase()];
  if (kind === undefined)
    throw badParameter('spanKind', `expected entry, all, server, client, producer, consumer or internal, got ${JSON.stringify(raw)}`);
  return [kind];
}

export function addMetricsApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/v1/metrics/services', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const window = metricsWindow(params);
    const spanKinds = spanKindsOf(params);
    params.rejectUnknown();
    const services = await readingStorage(groupsOf(readerFor(store, request), window, 'service', undefined, spanKinds));
    return { ...windowJson(window), services };
  });

  router.get('/api/v1/metrics/services/:service/operations', async ({ request, url, params: path }) => {
    const params = new QueryParams(url.searchParams);
    const window = metricsWindow(params);
    const spanKinds = spanKindsOf(params);
    params.rejectUnknown();
    const operations = await readingStorage(groupsOf(readerFor(store, request), window, 'operation', path['service']!, spanKinds));
    return { ...windowJson(window), serviceName: path['service'], operations };
  });

  router.get('/api/v1/metrics/exemplars', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const window = metricsWindow(params);
    const serviceName = params.string('service');
    const spanName = params.string('operation');
    const limit = params.integer('limit', 1, 10_000) ?? 500;
    params.rejectUnknown();
    const exemplars = await readingStorage(
      readerFor(store, request).readExemplars({
        startMinute: window.startMinute,
        endMinute: window.endMinute,
        limit,
        ...(serviceName !== undefined && { serviceName }),
        ...(spanName !== undefined && { spanName }),
      }),
    );
    return {
      ...windowJson(window),
      exemplars: exemplars.map((e) => ({
        serviceName: e.serviceName,
        operation: e.spanName,
        timeUnixMillis: e.minute * 60_000,
        kind: e.kind,
        traceId: e.traceId,
        spanId: e.spanId,
        durationMillis: e.durationNanos / 1e6,
        error: e.statusCode === 2,
      })),
    };
  });

  router.get('/api/v1/metrics/service-map', async ({ request, url }) => {
    const params = new QueryParams(url.searchParams);
    const window = metricsWindow(params);
    params.rejectUnknown();
    const reader = readerFor(store, request);
    const [edges, services] = await readingStorage(
      Promise.all([
        reader.readEdges(window.startMinute, window.endMinute),
        reader.readSeries({
          startMinute: window.startMinute,
          endMinute: window.endMinute,
          stepMinutes: window.endMinute - window.startMinute,
          groupBy: 'service',
          spanKinds: ENTRY_KINDS,
        }),
      ]),
    );
    return { ...windowJson(window), ...serviceMapOf(edges, services, (window.endMinute - window.startMinute) * 60) };
  });
}

/** Nodes (instrumented services with their own RED, virtual peers with their callers') and edges. */
export function serviceMapOf(
  edges: readonly EdgeTotal[],
  services: readonly SeriesPoint[],
  seconds: number,
): { nodes: unknown[]; edges: unknown[] } {
  const instrumented = new Map(services.map((point) => [point.serviceName, point]));
  const virtual = new Map<string, { type: string; edges: EdgeTotal[] }>();
  for (const edge of edges) {
    if (edge.client === 'user' && !instrumented.has('user')) virtual.set('user', { type: 'user', edges: [] });
    // A server with spans of its own is a service, whatever the connection (a queue's consumer is
    // one); an uninstrumented one is a virtual node of its connection's type: a database, a queue
    // (a producer's destination that no consumer was seen for) or an external peer.
    if (instrumented.has(edge.server) || edge.connectionType === '') continue;
    const node = virtual.get(edge.server) ?? { type: edge.connectionType, edges: [] };
    node.edges.push(edge);
    virtual.set(edge.server, node);
  }
  const nodes = [
    ...[...instrumented.values()].map((point) => ({
      name: point.serviceName,
      virtual: false,
      type: 'service',
      ...redOf([point], seconds),
    })),
    ...[...virtual].map(([name, node]) => ({
      name,
      virtual: true,
      type: node.type,
      ...redOf(
        node.edges.map((e) => ({
          calls: e.calls,
          errors: e.failed,
          histogramIndexes: e.histogramIndexes,
          histogramCounts: e.histogramCounts,
        })),
        seconds,
      ),
    })),
  ];
  for (const edge of edges) {
    for (const name of [edge.client, edge.server]) {
      if (!nodes.some((node) => node.name === name)) nodes.push({ name, virtual: false, type: 'service', ...redOf([], seconds) });
    }
  }
  return {
    nodes: nodes.sort((a, b) => a.name.localeCompare(b.name)),
    edges: edges.map((edge) => ({
      client: edge.client,
      server: edge.server,
      connectionType: edge.connectionType,
      ...redOf(
        [{ calls: edge.calls, errors: edge.failed, histogramIndexes: edge.histogramIndexes, histogramCounts: edge.histogramCounts }],
        seconds,
      ),
    })),
  };
}

function windowJson(window: MetricsWindow): Record<string, number> {
  return {
    startTimeUnixMillis: window.startMinute * 60_000,
    endTimeUnixMillis: window.endMinute * 60_000,
    stepMillis: window.stepMinutes * 60_000,
  };
}
