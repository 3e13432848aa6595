import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanMetricsAggregator } from '../../src/collector/metrics/span-metrics-aggregator.js';
import { metricsTapConfigSchema } from '../../src/collector/metrics/metrics-tap-config.js';
import { HISTOGRAM_RELATIVE_ERROR } from '../../src/model/latency-histogram.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, type TenantId } from '../../src/model/tenant.js';
import { runMetricsQuery, type MetricsWindow, type TempoSeries } from '../../src/query/tempo/tempo-metrics.js';
import { planMetricsQuery } from '../../src/query/tempo/traceql-metrics-plan.js';
import { parseTraceQL } from '../../src/query/traceql/parser.js';
import type { TenantTraceReader, TraceStore } from '../../src/storage/trace-store.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

/**
 * TraceQL metrics answered from the metrics tap's per-minute series agree with the same queries
 * over raw spans (issue 12 item 5, issue 11 item 3): one data set, written as spans and, through
 * the tap's own aggregator, as span metrics; every query is run on both paths and compared.
 * Counts and sums are exact, quantiles within the histogram's stated error; queries the series
 * cannot answer are shown to read the spans.
 */

const MS = 1_000_000n;
const MINUTE = 60_000_000_000n;
const HOUR = 60n * MINUTE;
/**
 * The data set's first minute: the start of the hour before last (recent, so no retention touches
 * it; on an hour boundary, so every step below slots the same spans together whatever the time).
 */
const T0 = ((BigInt(Date.now()) * MS) / HOUR - 2n) * HOUR;
const MINUTES = 30;
/** Durations away from every power of two of nanoseconds by more than the histogram's error. */
const DURATIONS_MS = [3, 6, 12, 25, 50, 100, 200];

function dataset(): Span[] {
  const spans: Span[] = [];
  // One trace two hours earlier: the tap's first minute, so the windows below are covered.
  spans.push(makeSpan({ resource: makeResource('frontend'), name: 'GET /', startTimeUnixNano: T0 - 120n * MINUTE, attributes: [] }));
  for (let i = 0; i < MINUTES * 12; i++) {
    // 12 traces a minute, never on a minute boundary (a span counts in its start minute).
    const start = T0 + BigInt(i) * 5000n * MS + 1234n * MS;
    const traceId = randomTraceId();
    const root = randomSpanId();
    const call = randomSpanId();
    const ms = (k: number): bigint => BigInt(DURATIONS_MS[(i + k) % DURATIONS_MS.length]!) * MS;
    const failed = i % 7 === 0;
    spans.push(
      makeSpan({
        traceId,
        spanId: root,
        name: i % 3 === 0 ? 'GET /cart' : 'GET /',
        kind: SpanKind.SERVER,
        resource: makeResource('frontend'),
        attributes: [{ key: 'http.method', value: 'GET' }],
        startTimeUnixNano: start,
        endTimeUnixNano: start + ms(0),
      }),
      makeSpan({
        traceId,
        spanId: call,
        parentSpanId: root,
        name: 'POST /pay',
        kind: SpanKind.CLIENT,
        resource: makeResource('frontend'),
        attributes: [],
        startTimeUnixNano: start + MS,
        endTimeUnixNano: start + MS + ms(2),
      }),
      makeSpan({
        traceId,
        parentSpanId: call,
        name: i % 2 === 0 ? 'charge' : 'refund',
        kind: SpanKind.SERVER,
        resource: makeResource('checkout'),
        attributes: [],
        startTimeUnixNano: start + 2n * MS,
        endTimeUnixNano: start + 2n * MS + ms(4),
        status: { code: failed ? StatusCode.ERROR : i % 5 === 0 ? StatusCode.OK : StatusCode.UNSET, message: '' },
      }),
    );
  }
  return spans;
}

const OTHER_TENANT = 'other-tenant' as TenantId;

const range = (startMinute: number, endMinute: number, stepSeconds: number): MetricsWindow => ({
  startNano: T0 + BigInt(startMinute) * MINUTE,
  endNano: T0 + BigInt(endMinute) * MINUTE,
  stepNano: BigInt(stepSeconds) * 1_000_000_000n,
  instant: false,
  exemplars: 0,
});

/** A reader that says the tap never wrote anything: the raw path, for the same query. */
function rawOnly(reader: TenantTraceReader): TenantTraceReader {
  return new Proxy(reader, {
    get(target, property) {
      if (property === 'spanMetricsCoverage')
        return () => Promise.resolve({ firstMinute: undefined, overflowRows: 0, sanitisedNameRows: 0 });
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function byLabels(series: TempoSeries[]): Map<string, Array<number | undefined>> {
  return new Map(series.map((s) => [JSON.stringify(s.labels), s.values]));
}

/** Queries the series answer; `tolerance`: how far a value may be from the raw one (relative). */
const AGREEING: Array<{ q: string; window: MetricsWindow; tolerance: number }> = [
  { q: '{ } | rate() by (resource.service.name)', window: range(0, 30, 60), tolerance: 0 },
  { q: '{ resource.service.name = "checkout" && status = error } | count_over_time() by (name)', window: range(0, 30, 300), tolerance: 0 },
  { q: '{ status != unset || kind = client } | count_over_time() by (status, kind)', window: range(5, 25, 120), tolerance: 0 },
  { q: '{ !(name = "GET /") } | rate()', window: range(0, 30, 600), tolerance: 0 },
  // The tap takes a span's duration as a difference of doubles (within 256 ns at today's epoch): < 1e-4 of a 3 ms span.
  { q: '{ kind = server } | sum_over_time(duration) by (resource.service.name)', window: range(0, 30, 300), tolerance: 1e-4 },
  { q: '{ resource.service.name = "frontend" } | avg_over_time(duration) by (kind)', window: range(0, 30, 300), tolerance: 1e-4 },
  {
    q: '{ kind = server } | quantile_over_time(duration, .5, .9, .99) by (resource.service.name)',
    window: range(0, 30, 600),
    tolerance: HISTOGRAM_RELATIVE_ERROR + 1e-9,
  },
  { q: '{ } | histogram_over_time(duration) by (status)', window: range(0, 30, 900), tolerance: 0 },
  { q: '{ } | rate() by (resource.service.name)', window: { ...range(0, 30, 60), instant: true }, tolerance: 0 },
];

/** Queries that must read the spans, and why. */
const RAW: Array<{ q: string; window: MetricsWindow; why: string }> = [
  { q: '{ span.http.method = "GET" } | rate()', window: range(0, 30, 60), why: 'a span attribute' },
  { q: '{ } | max_over_time(duration)', window: range(0, 30, 60), why: 'max needs the spans' },
  { q: '{ name =~ "GET.*" } | rate()', window: range(0, 30, 60), why: 'a regular expression' },
  { q: '{ } | rate()', window: range(0, 30, 30), why: 'slots shorter than a minute' },
  { q: '{ } | rate()', window: range(-180, 30, 60), why: 'the window starts before the tap wrote' },
];

export function runPreaggregatedMetricsContract(engineName: string, openStore: () => Promise<TraceStore>): void {
  let store: TraceStore | undefined;
  const reader = (): TenantTraceReader => {
    if (store === undefined) throw new Error('store not open');
    return store.forTenant(DEFAULT_TENANT);
  };

  before(async () => {
    store = await openStore();
    const spans = dataset();
    await store.writeSpans(spans);
    const aggregator = new SpanMetricsAggregator(metricsTapConfigSchema.parse({}).spanmetrics);
    for (const span of spans) aggregator.record(span, 1);
    const { rows, exemplars } = aggregator.takeFlush();
    await store.writeMetrics({ spanMetrics: rows, edges: [], exemplars });
    // Another tenant's series in the same minutes must never show (every statement starts with the tenant).
    await store.writeMetrics({ spanMetrics: rows.map((row) => ({ ...row, tenant: OTHER_TENANT })), edges: [], exemplars: [] });
  });
  after(async () => {
    await store?.close();
  });

  test(`${engineName}: TraceQL metrics from the span metrics agree with raw spans`, async () => {
    for (const { q, window, tolerance } of AGREEING) {
      const query = planMetricsQuery(parseTraceQL(q));
      const fromSeries = await runMetricsQuery(reader(), query, window);
      const fromSpans = await runMetricsQuery(rawOnly(reader()), query, window);
      assert.equal(fromSeries.source, 'span_metrics', q);
      assert.equal(fromSpans.source, 'spans', q);
      assert.deepEqual(fromSeries.slotEndsMs, fromSpans.slotEndsMs, q);
      const expected = byLabels(fromSpans.series);
      const actual = byLabels(fromSeries.series);
      assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${q}: series`);
      assert.ok(expected.size > 0, `${q}: the data set answers it`);
      for (const [labels, values] of expected) {
        const got = actual.get(labels)!;
        values.forEach((value, slot) => {
          const other = got[slot];
          if (value === undefined || other === undefined) return assert.equal(other, value, `${q} ${labels} slot ${slot}`);
          assert.ok(Math.abs(other - value) <= tolerance * Math.abs(value), `${q} ${labels} slot ${slot}: ${other} vs raw ${value}`);
        });
      }
    }
  });

  test(`${engineName}: queries the span metrics cannot answer read the spans`, async () => {
    for (const { q, window, why } of RAW) {
      const result = await runMetricsQuery(reader(), planMetricsQuery(parseTraceQL(q)), window);
      assert.equal(result.source, 'spans', `${q}: ${why}`);
    }
  });

  test(`${engineName}: exemplars of the span metrics path are stored traces`, async () => {
    const query = planMetricsQuery(parseTraceQL('{ resource.service.name = "checkout" } | rate() by (name)'));
    const result = await runMetricsQuery(reader(), query, { ...range(0, 30, 300), exemplars: 20 });
    assert.equal(result.source, 'span_metrics');
    const exemplars = result.series.flatMap((s) => s.exemplars);
    assert.ok(exemplars.length > 0 && exemplars.length <= 20, `${exemplars.length} exemplars`);
    for (const exemplar of exemplars) {
      const traceId = exemplar.labels.find((l) => l.key === 'trace:id')!.value['stringValue'] as string;
      assert.ok((await reader().getTrace(traceId)).length > 0, traceId);
    }
  });

  test(`${engineName}: sanitised span names send name queries to the spans, not others`, async () => {
    const start = T0 + 20n * MINUTE + 777n * MS;
    const span = makeSpan({ resource: makeResource('checkout'), name: 'GET /users/4711', startTimeUnixNano: start, attributes: [] });
    await store!.writeSpans([span]);
    const aggregator = new SpanMetricsAggregator(metricsTapConfigSchema.parse({}).spanmetrics);
    aggregator.record(span, 1);
    await store!.writeMetrics({ spanMetrics: aggregator.takeFlush().rows, edges: [], exemplars: [] });
    const byName = await runMetricsQuery(reader(), planMetricsQuery(parseTraceQL('{ } | count_over_time() by (name)')), range(0, 30, 600));
    assert.equal(byName.source, 'spans');
    assert.ok(byName.series.some((s) => s.labels.some((l) => l.value['stringValue'] === 'GET /users/4711')));
    const byService = await runMetricsQuery(
      reader(),
      planMetricsQuery(parseTraceQL('{ } | count_over_time() by (resource.service.name)')),
      range(0, 30, 600),
    );
    assert.equal(byService.source, 'span_metrics');
  });
}
