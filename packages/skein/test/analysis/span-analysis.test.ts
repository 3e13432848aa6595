import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import { addAnalysisApi } from '../../src/query/analysis/analysis-api.js';
import { rankAttributes } from '../../src/query/analysis/attribute-ranking.js';
import { HttpRouter } from '../../src/query/http-router.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import type { SpanFilter } from '../../src/storage/span-query-types.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server.js';
import { MS, traceId } from '../storage/trace-fixtures.js';
import {
  isCartOnlyTrace,
  isRetryTrace,
  MINUTE,
  NULL_T0,
  nullWorld,
  RETRY_T0,
  RETRY_TRACE_BASE,
  RETRY_TRACES,
  retryWorld,
  SLOW_T0,
  slowReplica,
  SPANS_PER_MINUTE,
} from './analysis-datasets.js';

/**
 * The population analyses (issue 15) on both engines, against designed datasets with known
 * answers (analysis-datasets.ts), through the reader contract and through the HTTP API.
 */

const everything: SpanFilter = { combine: 'all', conditions: [] };
const HOUR = 60n * MINUTE;
const OTHER_TENANT = parseTenantId('other-team');

interface Engine {
  name: string;
  skip: string | false;
  open(): Promise<TraceStore>;
  stop(): Promise<void>;
}

function engines(): Engine[] {
  const binary = findClickHouseServer();
  let server: ClickHouseServer | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-analysis-'));
  return [
    {
      name: 'chdb',
      skip: false,
      open: () => openTraceStore({ engine: 'chdb', dataDir, database: `analysis_${process.pid}` }),
      stop: async () => rmSync(dataDir, { recursive: true, force: true }),
    },
    {
      name: 'clickhouse-server',
      skip: binary === undefined && process.env['CI'] !== 'true' ? 'clickhouse-server is not installed' : false,
      open: async () => {
        if (binary === undefined) throw new Error('clickhouse-server is not installed');
        server = await startClickHouseServer(binary);
        return openTraceStore({ engine: 'clickhouse', url: server.url, database: `analysis_${process.pid}` });
      },
      stop: async () => server?.stop(),
    },
  ];
}

for (const engine of engines()) {
  describe(`analyses on ${engine.name}`, { skip: engine.skip }, () => {
    let store: TraceStore;
    let http: Server;
    let base = '';
    before(async () => {
      store = await engine.open();
      await store.writeSpans([...slowReplica(), ...nullWorld(), ...retryWorld()]);
      // A second tenant with the same slow world: no analysis of the default tenant may see it.
      await store.writeSpans(slowReplica(OTHER_TENANT));
      const router = new HttpRouter();
      addAnalysisApi(router, store);
      http = createServer(router.handler({ error: () => undefined, warn: () => undefined, info: () => undefined } as never));
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const address = http.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())));
      await store?.close();
      await engine.stop();
    });
    const get = async (path: string): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(20_000) });
      return { status: response.status, body: await response.json() };
    };
    const reader = () => store.forTenant(DEFAULT_TENANT);

    test('heatmap: every span once, the slow region in the high buckets of its minutes', async () => {
      const heatmap = await reader().spanHeatmap({ filter: everything, fromNano: SLOW_T0, toNano: SLOW_T0 + HOUR, stepNano: MINUTE });
      assert.equal(heatmap.slots, 60);
      assert.equal(heatmap.totalSpans, 60 * SPANS_PER_MINUTE);
      // 400 ms is 2^28.6 ns: bucket 114 and up (4 per doubling).
      const slowCells = heatmap.cells.filter((cell) => cell.bucket >= 114);
      assert.ok(slowCells.length > 0);
      for (const cell of slowCells) assert.ok(cell.slot >= 30 && cell.slot < 40, `slow cell at slot ${cell.slot}`);
      const fastMax = Math.max(...heatmap.cells.filter((c) => c.slot < 30 || c.slot >= 40).map((c) => c.bucket));
      assert.ok(fastMax <= Math.ceil(Math.log2(50e6) * 4), `fast spans up to bucket ${fastMax}`);
    });

    test('group-by an attribute: counts, error share, quantiles and series; the slow group stands out', async () => {
      const result = await reader().groupSpans({
        filter: everything,
        fromNano: SLOW_T0,
        toNano: SLOW_T0 + HOUR,
        stepNano: 5n * MINUTE,
        field: { kind: 'attribute', scope: 'span', key: 'db.instance' },
        limit: 20,
        maxSampleSpans: 1_000_000,
      });
      assert.equal(result.groups.length, 10);
      assert.equal(result.sample.rate, 1);
      assert.equal(result.sample.sampledSpans, 3600);
      assert.equal(result.groups.reduce((sum, g) => sum + g.count, 0) + result.other.count, 3600);
      const replica3 = result.groups.find((g) => g.value === 'replica-3')!;
      assert.equal(replica3.type, 's');
      const others = result.groups.filter((g) => g.value !== 'replica-3');
      assert.ok(replica3.p99Nano > 400e6, `replica-3 p99 ${replica3.p99Nano}`);
      for (const g of others) assert.ok(g.p99Nano < 51e6, `${g.value} p99 ${g.p99Nano}`);
      assert.equal(replica3.seriesCount.length, 12);
      assert.equal(
        replica3.seriesCount.reduce((a, b) => a + b, 0),
        replica3.count,
      );
      // The slow minutes 30..40 are slots 6 and 7.
      assert.ok(replica3.seriesP95Nano[6]! > 400e6 && replica3.seriesP95Nano[2]! < 51e6);
    });

    test('group-by a resource attribute and a high-cardinality one: top groups plus other; missing values are a group', async () => {
      const hosts = await reader().groupSpans({
        filter: everything,
        fromNano: SLOW_T0,
        toNano: SLOW_T0 + HOUR,
        stepNano: 10n * MINUTE,
        field: { kind: 'attribute', scope: 'resource', key: 'host.name' },
        limit: 2,
        maxSampleSpans: 1_000_000,
      });
      assert.equal(hosts.groups.length, 2);
      assert.equal(hosts.other.groups, 1);
      assert.equal(hosts.groups[0]!.count + hosts.groups[1]!.count + hosts.other.count, 3600);
      const missing = await reader().groupSpans({
        filter: everything,
        fromNano: RETRY_T0,
        toNano: RETRY_T0 + HOUR,
        stepNano: 10n * MINUTE,
        field: { kind: 'attribute', scope: 'span', key: 'db.instance' },
        limit: 5,
        maxSampleSpans: 1_000_000,
      });
      assert.deepEqual(
        missing.groups.map((g) => [g.value, g.type]),
        [['', '']],
      );
    });

    test('group-by samples a large population and says so', async () => {
      const result = await reader().groupSpans({
        filter: everything,
        fromNano: SLOW_T0,
        toNano: SLOW_T0 + HOUR,
        stepNano: 10n * MINUTE,
        field: { kind: 'intrinsic', name: 'name' },
        limit: 5,
        maxSampleSpans: 900,
      });
      assert.equal(result.sample.populationSpans, 3600);
      assert.equal(result.sample.rate, 0.25);
      assert.ok(result.sample.sampledSpans > 700 && result.sample.sampledSpans < 1100, `sampled ${result.sample.sampledSpans}`);
      assert.equal(result.groups[0]!.count, result.sample.sampledSpans);
    });

    test('ranking finds the one cause among twenty noisy attributes', async () => {
      const counts = await reader().countAttributeValues({
        filter: everything,
        fromNano: SLOW_T0,
        toNano: SLOW_T0 + HOUR,
        selection: { fromNano: SLOW_T0 + 30n * MINUTE, toNano: SLOW_T0 + 40n * MINUTE, minDurationNano: 200n * MS },
        topValues: 10,
        maxSampleSpans: 200_000,
      });
      const ranking = rankAttributes(counts, 10, 50);
      const first = ranking.attributes[0]!;
      assert.equal(first.attribute, 'span.db.instance');
      assert.equal(first.values[0]!.value, 'replica-3');
      assert.equal(first.values[0]!.selectionShare, 1);
      assert.ok(first.values[0]!.baselineShare < 0.15);
      assert.ok(first.values[0]!.significant);
      const causes = ranking.attributes.filter((a) => a.significant).map((a) => a.attribute);
      assert.deepEqual(causes, ['span.db.instance']);
      // The numeric attribute with thousands of values is compared in ranges.
      const bytes = ranking.attributes.find((a) => a.attribute === 'span.response.bytes');
      assert.equal(bytes?.compared, 'ranges');
      assert.ok(ranking.comparisons > 100, `${ranking.comparisons} comparisons`);
    });

    test('ranking invents no cause where there is none', async () => {
      for (const selection of [
        { minDurationNano: 40n * MS },
        { fromNano: NULL_T0 + 30n * MINUTE, toNano: NULL_T0 + 40n * MINUTE },
        { errorsOnly: true },
      ]) {
        const counts = await reader().countAttributeValues({
          filter: everything,
          fromNano: NULL_T0,
          toNano: NULL_T0 + HOUR,
          selection,
          topValues: 10,
          maxSampleSpans: 200_000,
        });
        assert.ok(counts.selectionSpans > 20, `selection of ${counts.selectionSpans}`);
        const ranking = rankAttributes(counts, 10, 50);
        assert.deepEqual(
          ranking.attributes.filter((a) => a.significant).map((a) => a.attribute),
          [],
          JSON.stringify(selection, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        );
      }
    });

    test('trace-level questions: span count, depth, services, has A but never B', async () => {
      const window = { fromNano: RETRY_T0, toNano: RETRY_T0 + HOUR, services: [] as string[], limit: 100 };
      const retries = await reader().findTraceShapes({ ...window, minSpans: 6 });
      const expectedRetries = Array.from({ length: RETRY_TRACES }, (_, n) => n).filter(isRetryTrace);
      assert.deepEqual(retries.map((t) => t.traceId).sort(), expectedRetries.map((n) => traceId(RETRY_TRACE_BASE + n)).sort());
      assert.ok(retries.every((t) => t.spanCount === 8 && t.depth === 4 && t.errorCount === 2 && t.rootSpanName === 'GET /checkout'));
      const cartOnly = await reader().findTraceShapes({
        ...window,
        services: ['checkout'],
        has: {
          combine: 'all',
          conditions: [
            { field: { kind: 'attribute', scope: 'resource', key: 'service.name' }, op: '=', value: { type: 'string', value: 'checkout' } },
          ],
        },
        hasNot: {
          combine: 'all',
          conditions: [
            { field: { kind: 'attribute', scope: 'resource', key: 'service.name' }, op: '=', value: { type: 'string', value: 'payment' } },
          ],
        },
      });
      const expectedCart = Array.from({ length: RETRY_TRACES }, (_, n) => n).filter(isCartOnlyTrace);
      assert.deepEqual(cartOnly.map((t) => t.traceId).sort(), expectedCart.map((n) => traceId(RETRY_TRACE_BASE + n)).sort());
      assert.ok(cartOnly.every((t) => t.depth === 3 && t.services.join() === 'cart-cache,checkout,frontend'));
      const shallow = await reader().findTraceShapes({ ...window, maxDepth: 3 });
      assert.equal(shallow.length, expectedCart.length);
      // Newest first.
      assert.ok(shallow.every((t, i) => i === 0 || t.startNano <= shallow[i - 1]!.startNano));
    });

    test('API: compare two traces: the retry loop is the added spans, with its time attributed', async () => {
      const { status, body } = await get(
        `/api/v1/analysis/compare-traces?a=${traceId(RETRY_TRACE_BASE + 1)}&b=${traceId(RETRY_TRACE_BASE + 8)}`,
      );
      assert.equal(status, 200, JSON.stringify(body));
      const first = body.paths[0];
      assert.deepEqual(first.path, ['frontend: GET /checkout', 'checkout: POST /order', 'payment: charge']);
      assert.equal(first.change, 'added');
      assert.equal(first.countA, 1);
      assert.equal(first.countB, 3);
      assert.equal(first.errorsB, 2);
      assert.ok(first.deltaSelfNano > 200e6, `charge gained ${first.deltaSelfNano} ns`);
      const insert = body.paths.find((p: { path: string[] }) => p.path.at(-1) === 'payment: INSERT payments');
      assert.equal(insert.change, 'added');
      const root = body.paths.find((p: { path: string[] }) => p.path.length === 1);
      assert.equal(root.change, 'same');
      assert.ok(body.durationNanoB > body.durationNanoA + 200e6);
    });

    test('API: slow vs fast traces of an operation: slow ones retry', async () => {
      const q = new URLSearchParams({
        service: 'frontend',
        operation: 'GET /checkout',
        start: String(RETRY_T0),
        end: String(RETRY_T0 + HOUR),
      });
      const { status, body } = await get(`/api/v1/analysis/compare-groups?${q}`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.ok(body.b.traceIds.length >= 3, `slow traces ${body.b.traceIds.length}`);
      for (const id of body.b.traceIds) assert.ok(isRetryTrace(parseInt(id, 16) - RETRY_TRACE_BASE), `${id} is slow but no retry`);
      const charge = body.paths.find((p: { path: string[] }) => p.path.at(-1) === 'payment: charge');
      assert.equal(charge.change, 'added');
      assert.equal(charge.countB, 3);
      assert.ok(charge.countA < 1);
      assert.equal(body.paths[0].path.at(-1), 'payment: charge');
    });

    test('API: heatmap, group-by and ranking answer from TraceQL or the filter form, tenant-scoped', async () => {
      const window = `start=${SLOW_T0}&end=${SLOW_T0 + HOUR}`;
      const heatmap = await get(`/api/v1/analysis/heatmap?${window}&q=${encodeURIComponent('{ span.db.instance = "replica-3" }')}&step=1m`);
      assert.equal(heatmap.status, 200, JSON.stringify(heatmap.body));
      const replica3 = heatmap.body.totalSpans;
      assert.ok(replica3 > 250 && replica3 < 450, `replica-3 spans ${replica3}`);
      const form = await get(`/api/v1/analysis/heatmap?${window}&attr=db.instance=replica-3&service=cart-db`);
      assert.equal(form.body.totalSpans, replica3);
      const grouped = await get(`/api/v1/analysis/group-by?${window}&by=resource.host.name`);
      assert.equal(grouped.status, 200, JSON.stringify(grouped.body));
      assert.equal(
        grouped.body.groups.reduce((sum: number, g: { count: number }) => sum + g.count, 0),
        3600,
      );
      const ranking = await get(
        `/api/v1/analysis/ranking?${window}&selectionStart=${SLOW_T0 + 30n * MINUTE}&selectionEnd=${SLOW_T0 + 40n * MINUTE}&selectionMinDuration=200ms`,
      );
      assert.equal(ranking.status, 200, JSON.stringify(ranking.body));
      assert.equal(ranking.body.attributes[0].attribute, 'span.db.instance');
      assert.match(ranking.body.measure, /difference of proportions/);
      assert.equal(ranking.body.baseline.spans, 3600 - ranking.body.selection.spans);
      const traces = await get(
        `/api/v1/analysis/traces?start=${RETRY_T0}&end=${RETRY_T0 + HOUR}&has=${encodeURIComponent('{ name = "charge" && status = error }')}`,
      );
      assert.equal(traces.status, 200, JSON.stringify(traces.body));
      assert.equal(traces.body.traces.length, Array.from({ length: RETRY_TRACES }, (_, n) => n).filter(isRetryTrace).length);
    });

    test('API: bad parameters are precise 400s', async () => {
      const cases: Array<[string, RegExp]> = [
        ['/api/v1/analysis/group-by?lookback=1h', /"by": is required/],
        ['/api/v1/analysis/group-by?by=nonsense', /"by": expected/],
        ['/api/v1/analysis/heatmap?q=%7B%20.a%20%3D%20', /"q": parse error/],
        ['/api/v1/analysis/heatmap?lookback=1h&step=1ms', /"step": must be at least 1s/],
        ['/api/v1/analysis/ranking?lookback=1h', /needs a selection/],
        ['/api/v1/analysis/compare-traces?a=zz&b=1', /"a": invalid trace ID/],
        ['/api/v1/analysis/compare-groups?service=x&operation=y&slowQuantile=2', /"slowQuantile"/],
        ['/api/v1/analysis/traces?colour=red', /"colour": unknown parameter/],
        ['/api/v1/analysis/heatmap?q=%7B%20.a%20%3D%201%20%7D%20%7C%20count()%20%3E%201', /"q": unsupported/],
      ];
      for (const [path, message] of cases) {
        const { status, body } = await get(path);
        assert.equal(status, 400, `${path}: ${JSON.stringify(body)}`);
        assert.match(String(body.error?.message), message, path);
      }
    });
  });
}
