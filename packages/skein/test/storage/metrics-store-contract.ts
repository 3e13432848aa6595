import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { histogramIndexOf, histogramQuantileNanos } from '../../src/model/latency-histogram.js';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import type { MetricsBatch } from '../../src/storage/metrics-store.js';
import type { ContractEnvironment } from './trace-store-contract.js';
import { makeSpan, resourceOf } from './trace-fixtures.js';

/**
 * The metrics half of the storage contract (schema v4), run on every engine: deltas written in
 * several flushes sum on read, histograms merge, tenants stay apart, exemplars come back only when
 * their trace is stored, and dependencies read the tap's edges when there are any.
 */

const MINUTE = 28_333_334; // 2023-11-14T22:14Z
const B = parseTenantId('tenant-b');

function series(minute: number, calls: number, durationsMillis: number[], tenant = DEFAULT_TENANT): MetricsBatch['spanMetrics'][number] {
  const histogram = new Map<number, number>();
  for (const ms of durationsMillis) histogram.set(histogramIndexOf(ms * 1e6), (histogram.get(histogramIndexOf(ms * 1e6)) ?? 0) + 1);
  return {
    tenant,
    minute,
    serviceName: 'api',
    spanName: 'GET /x',
    spanKind: 2,
    statusCode: 0,
    dimensions: '',
    calls,
    errors: 1,
    durationSumNanos: durationsMillis.reduce((a, b) => a + b, 0) * 1e6,
    histogramIndexes: [...histogram.keys()],
    histogramCounts: [...histogram.values()],
  };
}

export function runMetricsStoreContract(name: string, environment: ContractEnvironment): void {
  describe(`${name}: metrics store contract`, () => {
    test('series sum across flushes, histograms merge, steps group minutes, tenants stay apart', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        await store.writeMetrics({
          spanMetrics: [series(MINUTE, 3, [10, 20, 30]), series(MINUTE + 1, 2, [40, 50])],
          edges: [],
          exemplars: [],
        });
        await store.writeMetrics({
          spanMetrics: [series(MINUTE, 1, [1000]), series(MINUTE, 5, [1, 1, 1, 1, 1], B)],
          edges: [],
          exemplars: [],
        });
        const reader = store.forTenant(DEFAULT_TENANT);
        const points = await reader.readSeries({
          startMinute: MINUTE,
          endMinute: MINUTE + 2,
          spanKinds: [],
          stepMinutes: 1,
          groupBy: 'operation',
        });
        assert.deepEqual(
          points.map((p) => [p.minute, p.calls, p.errors]),
          [
            [MINUTE, 4, 2],
            [MINUTE + 1, 2, 1],
          ],
        );
        const byService = await reader.readSeries({
          startMinute: MINUTE,
          endMinute: MINUTE + 2,
          serviceName: 'api',
          spanKinds: [2],
          stepMinutes: 2,
          groupBy: 'service',
        });
        assert.equal(byService.length, 1);
        assert.equal(byService[0]!.calls, 6);
        assert.equal(byService[0]!.spanName, '');
        const p50 = histogramQuantileNanos(byService[0]!.histogramIndexes, byService[0]!.histogramCounts, 0.5)!;
        assert.ok(Math.abs(p50 - 30e6) / 30e6 < 0.045, `p50 ${p50}`);
        const other = await store
          .forTenant(B)
          .readSeries({ startMinute: MINUTE, endMinute: MINUTE + 2, spanKinds: [], stepMinutes: 1, groupBy: 'service' });
        assert.deepEqual(
          other.map((p) => p.calls),
          [5],
        );
      } finally {
        await store.close();
      }
    });

    test('edges sum and answer dependencies; exemplars only for stored traces', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        const edge = {
          tenant: DEFAULT_TENANT,
          client: 'frontend',
          server: 'api',
          connectionType: '',
          histogramIndexes: [100],
          histogramCounts: [1],
        };
        const stored = makeSpan({
          trace: 77,
          span: 1,
          resource: resourceOf('api'),
          name: 'GET /x',
          start: BigInt(MINUTE) * 60_000_000_000n + 1000n,
          duration: 5n,
        });
        await store.writeSpans([stored]);
        await store.writeMetrics({
          spanMetrics: [],
          edges: [
            { ...edge, minute: MINUTE, calls: 10, failed: 1 },
            { ...edge, minute: MINUTE + 5, calls: 5, failed: 0 },
            { ...edge, server: 'orders', connectionType: 'database', minute: MINUTE, calls: 7, failed: 0 },
          ],
          exemplars: [
            {
              tenant: DEFAULT_TENANT,
              minute: MINUTE,
              serviceName: 'api',
              spanName: 'GET /x',
              kind: 'slowest',
              traceId: stored.traceId,
              spanId: stored.spanId,
              durationNanos: 5,
              statusCode: 0,
            },
            {
              tenant: DEFAULT_TENANT,
              minute: MINUTE,
              serviceName: 'api',
              spanName: 'GET /x',
              kind: 'random',
              traceId: 'f'.repeat(32),
              spanId: 'e'.repeat(16),
              durationNanos: 5,
              statusCode: 0,
            },
          ],
        });
        const reader = store.forTenant(DEFAULT_TENANT);
        const edges = await reader.readEdges(MINUTE, MINUTE + 10);
        assert.deepEqual(
          edges.map((e) => [e.client, e.server, e.connectionType, e.calls, e.failed]),
          [
            ['frontend', 'api', '', 15, 1],
            ['frontend', 'orders', 'database', 7, 0],
          ],
        );
        const start = BigInt(MINUTE) * 60_000_000_000n;
        assert.deepEqual(
          await reader.getDependencies(start, start + 10n * 60_000_000_000n),
          [{ parentService: 'frontend', childService: 'api', callCount: 15, errorCount: 1 }],
          'dependencies list instrumented pairs; the database is a virtual node of the service map',
        );
        const exemplars = await reader.readExemplars({ startMinute: MINUTE, endMinute: MINUTE + 1, limit: 10 });
        assert.deepEqual(
          exemplars.map((e) => [e.kind, e.traceId]),
          [['slowest', stored.traceId]],
        );
        assert.deepEqual(await store.forTenant(B).readEdges(MINUTE, MINUTE + 10), []);

        // Every tap exemplar sampled out: the slowest (and failed) span stored in that minute stands in.
        const failed = makeSpan({
          trace: 78,
          span: 2,
          resource: resourceOf('api'),
          name: 'GET /users/42',
          error: true,
          start: start + 2n * 60_000_000_000n,
          duration: 9n,
        });
        await store.writeSpans([failed]);
        const fallback = await reader.readExemplars({
          startMinute: MINUTE,
          endMinute: MINUTE + 3,
          serviceName: 'api',
          spanName: 'GET /users/{id}',
          limit: 10,
        });
        assert.deepEqual(
          fallback.map((e) => [e.kind, e.spanName, e.minute, e.traceId]),
          [
            ['slowest', 'GET /users/{id}', MINUTE + 2, failed.traceId],
            ['error', 'GET /users/{id}', MINUTE + 2, failed.traceId],
          ],
        );
      } finally {
        await store.close();
      }
    });

    test('operation throughput (v11): root spans per operation and sampling, flushes that straddle the window count in part', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        const T = 1_700_000_000_000; // ms
        const row = (operation: string, startMillis: number, endMillis: number, rootSpans: number, extra = {}) => ({
          tenant: DEFAULT_TENANT,
          serviceName: 'api',
          operation,
          threshold: '',
          samplerParam: '',
          startMillis,
          endMillis,
          rootSpans,
          ...extra,
        });
        await store.writeMetrics({
          spanMetrics: [],
          edges: [],
          exemplars: [],
          throughput: [
            row('GET /hot', T, T + 10_000, 1000),
            row('GET /hot', T + 10_000, T + 20_000, 3000),
            row('GET /hot', T + 10_000, T + 20_000, 50, { threshold: 'c' }),
            row('GET /cold', T + 10_000, T + 20_000, 10, { samplerParam: '0.5' }),
            row('GET /late', T + 20_000, T + 30_000, 7),
            { ...row('GET /hot', T, T + 20_000, 999), tenant: B },
          ],
        });
        // Not a series flush: the span metrics stay empty.
        await store.writeMetrics({ spanMetrics: [], edges: [], exemplars: [], throughput: [] });
        const reader = store.forTenant(DEFAULT_TENANT);
        // [T+5 s, T+20 s): half of the first hot flush, the whole second.
        assert.deepEqual(
          (await reader.readOperationThroughput(T + 5_000, T + 20_000)).map((r) => [r.operation, r.threshold, r.samplerParam, r.rootSpans]),
          [
            ['GET /cold', '', '0.5', 10],
            ['GET /hot', '', '', 3500],
            ['GET /hot', 'c', '', 50],
          ],
        );
        assert.deepEqual(await reader.readOperationThroughput(T + 20_000, T + 20_000), []);
        assert.deepEqual(
          (await store.forTenant(B).readOperationThroughput(T, T + 10_000)).map((r) => [r.serviceName, r.operation, r.rootSpans]),
          [['api', 'GET /hot', 499.5]],
        );
        assert.deepEqual(
          await reader.readSeries({ startMinute: 0, endMinute: 2 ** 31, spanKinds: [], stepMinutes: 1, groupBy: 'service' }),
          [],
        );
      } finally {
        await store.close();
      }
    });
  });
}
