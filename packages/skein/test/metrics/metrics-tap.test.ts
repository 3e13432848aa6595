import assert from 'node:assert/strict';
import test from 'node:test';
import { MetricsTap } from '../../src/collector/metrics/metrics-tap.js';
import { metricsTapConfigSchema } from '../../src/collector/metrics/metrics-tap-config.js';
import { sanitizeSpanName } from '../../src/collector/metrics/span-name-sanitizer.js';
import { HISTOGRAM_RELATIVE_ERROR, histogramIndexOf, histogramQuantileNanos } from '../../src/model/latency-histogram.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import type { MetricsBatch } from '../../src/storage/metrics-store.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const T0 = 1_700_000_040_000_000_000n; // a minute boundary
const MS = 1_000_000n;

function tapWith(raw: unknown = {}, now = { millis: 0 }): { tap: MetricsTap; written: MetricsBatch[] } {
  const written: MetricsBatch[] = [];
  const writer = { writeMetrics: (batch: MetricsBatch) => (written.push(batch), Promise.resolve()) };
  const tap = new MetricsTap(
    metricsTapConfigSchema.parse(raw),
    () => Promise.resolve(writer),
    () => undefined,
    () => now.millis,
  );
  return { tap, written };
}

function count(tap: MetricsTap, spans: Span[]): void {
  tap.record(spans, tap.weightsOf(spans));
}

test('span names: ids in URL paths become {id}; names without digits are untouched', () => {
  assert.equal(sanitizeSpanName('GET /users/4711/orders'), 'GET /users/{id}/orders');
  assert.equal(sanitizeSpanName('GET /files/3f2a9c1e-0b7d-4c1e-9a55-0c1f2e3d4b5a?x=1'), 'GET /files/{id}');
  assert.equal(sanitizeSpanName('/blobs/a3f29b7c01de45aa'), '/blobs/{id}');
  assert.equal(sanitizeSpanName('GET /api/v2/items'), 'GET /api/v2/items');
  assert.equal(sanitizeSpanName('SELECT orders'), 'SELECT orders');
});

test('histogram: quantiles within the stated relative error', () => {
  const durations = Array.from({ length: 10_000 }, (_, i) => (i + 1) * 137_000); // 0.137 ms … 1.37 s
  const buckets = new Map<number, number>();
  for (const d of durations) buckets.set(histogramIndexOf(d), (buckets.get(histogramIndexOf(d)) ?? 0) + 1);
  for (const q of [0.5, 0.9, 0.95, 0.99]) {
    const exact = durations[Math.ceil(q * durations.length) - 1]!;
    const answer = histogramQuantileNanos([...buckets.keys()], [...buckets.values()], q)!;
    assert.ok(Math.abs(answer - exact) / exact <= HISTOGRAM_RELATIVE_ERROR + 1e-12, `q=${q}: ${answer} vs ${exact}`);
  }
  assert.ok(HISTOGRAM_RELATIVE_ERROR < 0.045);
});

test('span metrics: calls, errors, adjusted counts from ot=th, minutes, exemplars, flush', async () => {
  const { tap, written } = tapWith();
  const spans: Span[] = [];
  for (let i = 0; i < 10; i++) {
    spans.push(
      makeSpan({
        name: `GET /users/${i}`,
        kind: SpanKind.SERVER,
        startTimeUnixNano: T0 + BigInt(i) * MS,
        endTimeUnixNano: T0 + BigInt(i) * MS + BigInt(i + 1) * 10n * MS,
        status: { code: i === 3 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
        resource: makeResource('api'),
      }),
    );
  }
  // Head-sampled at 25 %: th = 0.75 × 2^56 = c; each counts 4.
  spans.push(
    makeSpan({
      name: 'GET /users/99',
      traceState: 'ot=th:c',
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 + MS,
      resource: makeResource('api'),
    }),
  );
  count(tap, spans);
  await tap.flush();
  assert.equal(written.length, 1);
  const rows = written[0]!.spanMetrics;
  const ok = rows.find((r) => r.statusCode === StatusCode.UNSET)!;
  const failed = rows.find((r) => r.statusCode === StatusCode.ERROR)!;
  assert.equal(ok.spanName, 'GET /users/{id}');
  assert.equal(ok.calls, 9 + 4);
  assert.equal(failed.calls, 1);
  assert.equal(failed.errors, 1);
  assert.equal(ok.minute, Number(T0 / 60_000_000_000n));
  const exemplars = written[0]!.exemplars;
  assert.ok(exemplars.some((e) => e.kind === 'slowest' && e.durationNanos === 100_000_000));
  assert.ok(exemplars.some((e) => e.kind === 'error' && e.statusCode === StatusCode.ERROR));
  assert.ok(exemplars.some((e) => e.kind === 'random'));

  const text = tap.render(false);
  assert.match(
    text,
    /traces_span_metrics_calls_total\{service_name="api",span_name="GET \/users\/\{id\}",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET"\} 13/,
  );
  assert.match(text, /traces_span_metrics_duration_seconds_bucket\{.*le="\+Inf"\} 13/);
  const openMetrics = tap.render(true);
  assert.match(openMetrics, /# TYPE traces_span_metrics_calls counter/);
  assert.match(openMetrics, /_bucket\{.*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\} [0-9.]+/);

  await tap.flush();
  assert.equal(written.length, 1, 'nothing new, nothing written');
});

test('adaptive sampling throughput: root spans per raw operation name and SDK sampling, read before downstream rewrites th', async () => {
  const now = { millis: 1_000 };
  const { tap, written } = tapWith({}, now);
  const api = makeResource('api');
  const root = (name: string, extra: Partial<Span> = {}): Span => makeSpan({ name, resource: api, ...extra });
  const spans = [
    root('GET /users/1'),
    root('GET /users/1'),
    root('GET /users/1', { traceState: 'ot=th:c' }),
    // Another vendor's `th` is not OpenTelemetry's; `ot` may carry rv first.
    root('GET /users/1', { traceState: 'vendor=th:ff,ot=rv:abcdef01234567;th:fc' }),
    // Only a probabilistic sampler's param is a probability.
    root('GET /users/1', {
      attributes: [
        { key: 'jaeger.sampler.type', value: 'ratelimiting' },
        { key: 'jaeger.sampler.param', value: 2 },
      ],
    }),
    root('GET /users/1', {
      attributes: [
        { key: 'jaeger.sampler.type', value: 'probabilistic' },
        { key: 'jaeger.sampler.param', value: 0.25 },
      ],
    }),
    // Not roots: a downstream service's spans are not traces of their own.
    makeSpan({ name: 'GET /users/1', parentSpanId: randomSpanId(), resource: api }),
    makeSpan({ name: 'SELECT users', parentSpanId: randomSpanId(), resource: makeResource('db') }),
  ];
  const roots = tap.rootsOf(spans);
  // A probabilistic sampler downstream writes its own threshold into the spans it keeps.
  for (const span of spans) span.traceState = 'ot=th:fd70a4';
  tap.recordRoots(roots);
  now.millis = 16_000;
  await tap.flush();
  assert.deepEqual(
    written[0]!.throughput?.map((r) => [r.serviceName, r.operation, r.threshold, r.samplerParam, r.startMillis, r.endMillis, r.rootSpans]),
    [
      ['api', 'GET /users/1', '', '', 1_000, 16_000, 3],
      ['api', 'GET /users/1', 'c', '', 1_000, 16_000, 1],
      ['api', 'GET /users/1', 'fc', '', 1_000, 16_000, 1],
      ['api', 'GET /users/1', '', '0.25', 1_000, 16_000, 1],
    ],
  );
  // The next window starts where this one ended; a flush without root spans writes none.
  tap.recordRoots(tap.rootsOf([root('GET /')]));
  now.millis = 31_000;
  await tap.flush();
  assert.deepEqual(
    written[1]!.throughput?.map((r) => [r.operation, r.startMillis, r.endMillis, r.rootSpans]),
    [['GET /', 16_000, 31_000, 1]],
  );
  now.millis = 46_000;
  await tap.flush();
  assert.equal(written.length, 2);
});

test('cardinality limit: new series past it go to one overflow series per service', async () => {
  const { tap, written } = tapWith({ spanmetrics: { aggregation_cardinality_limit: 3, sanitize_span_names: false } });
  count(
    tap,
    Array.from({ length: 10 }, (_, i) => makeSpan({ name: `op-${i}`, startTimeUnixNano: T0, endTimeUnixNano: T0 + MS })),
  );
  assert.equal(tap.spanMetrics.series.size, 4);
  await tap.flush();
  const overflow = written[0]!.spanMetrics.find((r) => r.dimensions === 'otel.metric.overflow=true')!;
  assert.equal(overflow.calls, 7);
  assert.match(tap.render(false), /otel_metric_overflow="true"/);
});

test('service graph: client/server pairs, producer/consumer via link, virtual database and peer, unpaired expiry, root user edge', async () => {
  const now = { millis: 0 };
  const { tap, written } = tapWith({}, now);
  const trace = randomTraceId();
  const clientId = randomSpanId();
  const producerId = randomSpanId();
  const span = (service: string, kind: Span['kind'], extra: Partial<Span>): Span =>
    makeSpan({ traceId: trace, kind, resource: makeResource(service), startTimeUnixNano: T0, endTimeUnixNano: T0 + 5n * MS, ...extra });
  count(tap, [
    span('frontend', SpanKind.SERVER, { spanId: randomSpanId(), parentSpanId: '' }),
    span('frontend', SpanKind.CLIENT, { spanId: clientId, parentSpanId: randomSpanId() }),
    span('checkout', SpanKind.SERVER, { parentSpanId: clientId, status: { code: StatusCode.ERROR, message: '' } }),
    span('checkout', SpanKind.CLIENT, {
      attributes: [
        { key: 'db.system', value: 'postgresql' },
        { key: 'db.namespace', value: 'orders' },
      ],
    }),
    span('checkout', SpanKind.CLIENT, { attributes: [{ key: 'peer.service', value: 'payments-legacy' }] }),
    span('checkout', SpanKind.PRODUCER, { spanId: producerId, attributes: [{ key: 'messaging.system', value: 'kafka' }] }),
    span('shipping', SpanKind.CONSUMER, {
      traceId: randomTraceId(),
      parentSpanId: '',
      links: [{ traceId: trace, spanId: producerId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }],
    }),
    span('checkout', SpanKind.CLIENT, {}), // no peer: unpaired
  ]);
  now.millis = 10_000;
  await tap.flush();
  const edges = written[0]!.edges.map((e) => `${e.client}→${e.server}:${e.connectionType}:${e.calls}/${e.failed}`).sort();
  assert.deepEqual(edges, [
    'checkout→orders:database:1/0',
    'checkout→payments-legacy:virtual_node:1/0',
    'checkout→shipping:messaging_system:1/0',
    'frontend→checkout::1/1',
    'user→frontend:virtual_node:1/0',
  ]);
  assert.equal(tap.serviceGraph!.unpairedClientSpans, 1);
  assert.match(tap.render(false), /traces_service_graph_request_total\{client="frontend",server="checkout"\} 1/);
  assert.match(tap.render(false), /traces_service_graph_request_failed_total\{client="frontend",server="checkout"\} 1/);
});

test('the store is bounded: halves past store.max_items are dropped and counted', () => {
  const { tap } = tapWith({ servicegraph: { store: { max_items: 2, ttl: '1h' } } });
  count(
    tap,
    Array.from({ length: 5 }, () => makeSpan({ kind: SpanKind.CLIENT })),
  );
  assert.equal(tap.serviceGraph!.pendingSize, 2);
  assert.equal(tap.serviceGraph!.droppedSpans, 3);
});

test('config: explicit and exponential together is an error; bad durations name the key', () => {
  const both = metricsTapConfigSchema.safeParse({ spanmetrics: { histogram: { explicit: {}, exponential: {} } } });
  assert.equal(both.success, false);
  const bad = metricsTapConfigSchema.safeParse({ spanmetrics: { metrics_flush_interval: 15 } });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /metrics_flush_interval/);
});
