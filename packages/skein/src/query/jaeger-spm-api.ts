import type { SeriesPoint } from '../storage/metrics-store.js';
import type { TraceStore } from '../storage/trace-store.js';
import { histogramQuantileNanos } from '../model/latency-histogram.js';
import { badParameter, readingStorage } from './api-error.js';
import type { HttpRouter } from './http-router.js';
import { redOf } from './metrics-api.js';
import { readerFor } from './tenant-of.js';

/**
 * Jaeger's Service Performance Monitoring API, as Jaeger UI's Monitor tab calls it
 * (jaeger `cmd/query/app/http_handler.go` and `query_parser.go`): `GET /api/metrics/latencies`,
 * `/calls`, `/errors` answer a `MetricFamily` in protobuf JSON; `/minstep` answers Jaeger's
 * structured response with the step in milliseconds. Parameters as Jaeger parses them: `service`
 * (repeated, required), `groupByOperation`, `quantile` (latencies, required), `endTs` (Unix ms),
 * `lookback`, `step`, `ratePer` (ms), `spanKind` (repeated; default server). Read from the metrics
 * tap's per-minute tables, so the smallest step is one minute (what /minstep says).
 */

const MINUTE_MILLIS = 60_000;
const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

interface SpmQuery {
  services: string[];
  groupByOperation: boolean;
  spanKinds: number[];
  startMinute: number;
  endMinute: number;
  stepMinutes: number;
}

function integerMillis(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw badParameter(name, `expected an integer number of milliseconds, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function spmQuery(url: URL): SpmQuery {
  const services = url.searchParams.getAll('service').filter((s) => s !== '');
  if (services.length === 0) throw badParameter('service', 'please provide at least one service name');
  const group = url.searchParams.get('groupByOperation') ?? 'false';
  if (!['true', 'false', '1', '0', ''].includes(group))
    throw badParameter('groupByOperation', `expected true or false, got ${JSON.stringify(group)}`);
  const kindNames = url.searchParams.getAll('spanKind');
  const spanKinds = (kindNames.length === 0 ? ['server'] : kindNames).map((name) => {
    const kind = KINDS[name.toLowerCase()];
    if (kind === undefined) throw badParameter('spanKind', `unsupported span kind ${JSON.stringify(name)}`);
    return kind;
  });
  const endMillis = integerMillis(url, 'endTs', Date.now());
  const lookbackMillis = integerMillis(url, 'lookback', 3_600_000);
  const stepMillis = integerMillis(url, 'step', MINUTE_MILLIS);
  integerMillis(url, 'ratePer', 600_000); // validated; rates are per second, as Jaeger's are
  const endMinute = Math.floor(endMillis / MINUTE_MILLIS) + 1;
  const startMinute = Math.max(0, Math.floor((endMillis - lookbackMillis) / MINUTE_MILLIS));
  const stepMinutes = Math.max(1, Math.round(stepMillis / MINUTE_MILLIS));
  if ((endMinute - startMinute) / stepMinutes > 10_000) throw badParameter('step', 'gives more than 10000 points');
  return { services, groupByOperation: group === 'true' || group === '1', spanKinds, startMinute, endMinute, stepMinutes };
}

type Measure = (points: readonly SeriesPoint[], stepSeconds: number) => number | undefined;

async function metricFamily(
  store: TraceStore,
  request: Parameters<typeof readerFor>[1],
  query: SpmQuery,
  what: { name: string; help: string; measure: Measure },
): Promise<unknown> {
  const reader = readerFor(store, request);
  const points = (
    await Promise.all(
      query.services.map((serviceName) =>
        reader.readSeries({
          serviceName,
          startMinute: query.startMinute,
          endMinute: query.endMinute,
          stepMinutes: query.stepMinutes,
          spanKinds: query.spanKinds,
          groupBy: query.groupByOperation ? 'operation' : 'service',
        }),
      ),
    )
  ).flat();
  const groups = new Map<string, SeriesPoint[]>();
  for (const point of points) {
    const key = `${point.serviceName}\u0000${point.spanName}`;
    const group = groups.get(key);
    if (group) group.push(point);
    else groups.set(key, [point]);
  }
  const stepSeconds = query.stepMinutes * 60;
  const prefix = query.groupByOperation ? 'service_operation_' : 'service_';
  return {
    name: `${prefix}${what.name}`,
    type: 'GAUGE',
    help: `${what.help}, grouped by service${query.groupByOperation ? ' & operation' : ''}`,
    metrics: [...groups.values()].map((group) => ({
      labels: [
        { name: 'service_name', value: group[0]!.serviceName },
        ...(query.groupByOperation ? [{ name: 'operation', value: group[0]!.spanName }] : []),
      ],
      metricPoints: group.flatMap((point) => {
        const value = what.measure([point], stepSeconds);
        return value === undefined
          ? []
          : [{ gaugeValue: { doubleValue: value }, timestamp: new Date(point.minute * MINUTE_MILLIS).toISOString().replace('.000Z', 'Z') }];
      }),
    })),
  };
}

export function addJaegerSpmApi(router: HttpRouter, store: TraceStore): void {
  router.get('/api/metrics/latencies', async ({ request, url }) => {
    const raw = url.searchParams.get('quantile');
    const quantile = raw === null ? NaN : Number(raw);
    if (!(quantile > 0 && quantile <= 1)) throw badParameter('quantile', `expected a number in (0, 1], got ${JSON.stringify(raw)}`);
    const query = spmQuery(url);
    return readingStorage(
      metricFamily(store, request, query, {
        name: 'latencies',
        help: `${quantile}th quantile latency`,
        measure: (points) => quantileMillis(points, quantile),
      }),
    );
  });
  router.get('/api/metrics/calls', async ({ request, url }) =>
    readingStorage(
      metricFamily(store, request, spmQuery(url), {
        name: 'call_rate',
        help: 'calls/sec',
        measure: (points, seconds) => redOf(points, seconds).rate,
      }),
    ),
  );
  router.get('/api/metrics/errors', async ({ request, url }) =>
    readingStorage(
      metricFamily(store, request, spmQuery(url), {
        name: 'error_rate',
        help: 'error rate',
        measure: (points, seconds) => redOf(points, seconds).errorRatio,
      }),
    ),
  );
  router.get('/api/metrics/minstep', () => Promise.resolve({ data: MINUTE_MILLIS, total: 0, limit: 0, offset: 0, errors: null }));
}

function quantileMillis(points: readonly SeriesPoint[], quantile: number): number | undefined {
  const merged = new Map<number, number>();
  for (const point of points)
    point.histogramIndexes.forEach((index, i) => merged.set(index, (merged.get(index) ?? 0) + point.histogramCounts[i]!));
  const indexes = [...merged.keys()];
  const nanos = histogramQuantileNanos(
    indexes,
    indexes.map((index) => merged.get(index)!),
    quantile,
  );
  return nanos === undefined ? undefined : Math.round(nanos) / 1e6;
}
