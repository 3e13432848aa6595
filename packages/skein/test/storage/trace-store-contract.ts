import assert from 'node:assert/strict';
import { MIGRATED_TABLES } from './migrated-tables.js';
import { describe, test } from 'node:test';
import type { Span } from '../../src/model/span.js';
import type { SpanFilter } from '../../src/storage/span-query-types.js';
import { DEFAULT_TENANT, parseTenantId, type TenantId } from '../../src/model/tenant.js';
import { migrate } from '../../src/storage/schema/migrate.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';
import { featuresForVersion } from '../../src/storage/engine-features.js';
import type { SqlEngine } from '../../src/storage/sql-engine.js';
import type {
  AttributeQuery,
  StorageError,
  TenantTraceReader,
  TraceSearchQuery,
  TraceStore,
  TraceSummary,
} from '../../src/storage/trace-store.js';
import { MAX_SKEW_TRACE_SPANS } from '../../src/storage/clickhouse-trace-search.js';
import { buildRowBatches, SPAN_COLUMNS } from '../../src/storage/span-rows.js';
import { insertRowBatches } from '../../src/storage/span-writer.js';
import { insertV1Spans } from './v1-rows.js';
import {
  HOSTILE_STRINGS,
  MS,
  SECOND,
  T0,
  W_END,
  W_START,
  makeSpan,
  plainScope,
  resourceOf,
  richSpan,
  searchWorld,
  spanId,
  traceId,
} from './trace-fixtures.js';

/** How the contract reaches an engine: a fresh database name per test, a store and a raw engine on it. */
export interface ContractEnvironment {
  newDatabase(): string;
  openStore(database: string): Promise<TraceStore>;
  openEngine(database: string): Promise<SqlEngine>;
  /** Set on a cluster: it starts at the tenant-keyed tables, so v1/v2 → v3 copies do not apply. */
  noLegacySchema?: string;
}

/**
 * The one storage contract every engine is held to. Every test works in a fresh, empty database:
 * every test owns its data.
 */
export function runTraceStoreContract(name: string, env: ContractEnvironment): void {
  /** A store on a fresh database, and its reader for the default tenant (what these tests write). */
  async function withStore(fn: (store: TraceStore, reader: TenantTraceReader) => Promise<void>): Promise<void> {
    const store = await env.openStore(env.newDatabase());
    try {
      await fn(store, store.forTenant(DEFAULT_TENANT));
    } finally {
      await store.close();
    }
  }

  function query(overrides: Partial<TraceSearchQuery> = {}): TraceSearchQuery {
    return { attributes: [], errorsOnly: false, startTimeUnixNano: W_START, endTimeUnixNano: W_END, limit: 100, ...overrides };
  }

  async function ids(reader: TenantTraceReader, overrides: Partial<TraceSearchQuery> = {}): Promise<number[]> {
    return (await reader.searchTraces(query(overrides))).map((s) => parseInt(s.traceId, 16));
  }

  function byStartThenId(spans: readonly Span[]): Span[] {
    return [...spans].sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : a.spanId < b.spanId ? -1 : 1,
    );
  }

  describe(`TraceStore contract: ${name}`, () => {
    test('describes its engine and answers ping', () =>
      withStore(async (store) => {
        assert.match(store.description, /^(chdb|clickhouse) \d+\.\d+/);
        await store.ping();
      }));

    test('every span field round-trips exactly', () =>
      withStore(async (store, reader) => {
        const rich = richSpan(0xa1);
        const sibling: Span = {
          ...richSpan(0xa1),
          spanId: '00000000000000ff',
          startTimeUnixNano: T0 + 1n,
          resource: rich.resource,
          scope: rich.scope,
        };
        await store.writeSpans([rich, sibling]);
        const got = await reader.getTrace(rich.traceId);
        assert.deepStrictEqual(got, byStartThenId([rich, sibling]));
        // Spans of one resource come back sharing one resource object, as encoders expect.
        assert.equal(got[0]!.resource, got[1]!.resource);
      }));

    test('getTrace of an unknown or malformed ID is empty', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.getTrace(traceId(0x77)), []);
        assert.deepStrictEqual(await reader.getTrace("'; DROP TABLE spans; --"), []);
        assert.equal((await reader.getTrace(traceId(1))).length, 3);
      }));

    test('spans stored twice are read once', () =>
      withStore(async (store, reader) => {
        const world = searchWorld();
        await store.writeSpans(world);
        await store.writeSpans(world.filter((s) => s.traceId === traceId(1)));
        const trace = await reader.getTrace(traceId(1));
        assert.deepStrictEqual(trace, byStartThenId(world.filter((s) => s.traceId === traceId(1))));
        const [summary] = await reader.searchTraces(query({ serviceName: 'frontend', spanName: 'GET /' }));
        assert.equal(summary?.spanCount, 3);
        assert.equal(summary?.errorCount, 1);
        assert.deepStrictEqual(await reader.getDependencies(W_START, W_END), [
          { parentService: 'frontend', childService: 'backend', callCount: 2, errorCount: 1 },
          { parentService: 'frontend', childService: 'payments', callCount: 1, errorCount: 0 },
        ]);
      }));

    test('search summaries carry the trace page clock-skew correction; sub-millisecond jitter is left alone', () =>
      withStore(async (store, reader) => {
        const web = resourceOf('web', [{ key: 'host.name', value: 'web-1' }]);
        const skewed = resourceOf('fraud', [{ key: 'host.name', value: 'fraud-1' }]);
        const jittery = resourceOf('geo', [{ key: 'host.name', value: 'geo-1' }]);
        const start = T0 + 30n * SECOND;
        await store.writeSpans([
          // Trace 0x31: the fraud host runs 2.5 s ahead; its SERVER span is centred in the CLIENT call.
          makeSpan({ trace: 0x31, span: 1, resource: web, name: 'GET /order', kind: 2, start, duration: 86n * MS }),
          makeSpan({
            trace: 0x31,
            span: 2,
            parent: 1,
            resource: web,
            name: 'POST fraud',
            kind: 3,
            start: start + 10n * MS,
            duration: 40n * MS,
          }),
          makeSpan({
            trace: 0x31,
            span: 3,
            parent: 2,
            resource: skewed,
            name: 'check',
            kind: 2,
            start: start + 2510n * MS,
            duration: 30n * MS,
          }),
          // Trace 0x32: the geo server span sticks out of its client by 0.3 ms: within tolerance, raw.
          makeSpan({ trace: 0x32, span: 1, resource: web, name: 'GET /near', kind: 2, start: start + SECOND, duration: 20n * MS }),
          makeSpan({
            trace: 0x32,
            span: 2,
            parent: 1,
            resource: web,
            name: 'GET geo',
            kind: 3,
            start: start + SECOND + MS,
            duration: 10n * MS,
          }),
          makeSpan({
            trace: 0x32,
            span: 3,
            parent: 2,
            resource: jittery,
            name: 'radius',
            kind: 2,
            start: start + SECOND + MS - 300_000n,
            duration: 10n * MS + 200_000n,
          }),
        ]);
        const summaries = await reader.searchTraces(query({ serviceName: 'web' }));
        assert.deepStrictEqual(
          summaries.map((s) => [parseInt(s.traceId, 16), s.startTimeUnixNano - start, s.durationNano, s.skewCorrected]),
          [
            // Newer first. The 0.3 ms early start is jitter: nothing moves, the root's 20 ms stand.
            [0x32, SECOND, 20n * MS, true],
            // Raw this trace spans 2.54 s; corrected it is its root's 86 ms.
            [0x31, 0n, 86n * MS, true],
          ],
        );
      }));

    test('a search result above the clock-skew span cap is summarised in the engine, copies once, raw times', () =>
      withStore(async (store, reader) => {
        const web = resourceOf('web');
        const db = resourceOf('db');
        const start = T0 + 10n * SECOND;
        const spans = [makeSpan({ trace: 0x40, span: 1, resource: web, name: 'GET /big', kind: 2, start, duration: 2n * SECOND })];
        for (let i = 2; i <= MAX_SKEW_TRACE_SPANS + 2; i++) {
          const resource = i % 2 === 0 ? db : web;
          spans.push(
            makeSpan({
              trace: 0x40,
              span: i,
              parent: 1,
              resource,
              name: 'q',
              kind: 3,
              start: start + BigInt(i) * 1000n,
              duration: MS,
              error: i === 7,
            }),
          );
        }
        await store.writeSpans(spans);
        await store.writeSpans(spans.slice(0, 3)); // a retried batch: copies
        const [summary, ...rest] = await reader.searchTraces(query({ serviceName: 'web', spanName: 'GET /big' }));
        assert.equal(rest.length, 0);
        assert.deepStrictEqual(summary, {
          traceId: traceId(0x40),
          rootServiceName: 'web',
          rootSpanName: 'GET /big',
          rootSpanMissing: false,
          startTimeUnixNano: start,
          durationNano: 2n * SECOND,
          spanCount: MAX_SKEW_TRACE_SPANS + 2,
          errorCount: 1,
          services: [
            { serviceName: 'db', spanCount: MAX_SKEW_TRACE_SPANS / 2 + 1 },
            { serviceName: 'web', spanCount: MAX_SKEW_TRACE_SPANS / 2 + 1 },
          ],
          skewCorrected: false,
        });
      }));

    test('incoming links: spans of other traces linking to this one, in the window, this tenant only', () =>
      withStore(async (store, reader) => {
        const queue = resourceOf('queue');
        const start = T0 + 40n * SECOND;
        const producer = makeSpan({ trace: 0x41, span: 1, resource: queue, name: 'publish order', kind: 4, start, duration: MS });
        const link = (toTrace: number, toSpan: number) => ({
          traceId: traceId(toTrace),
          spanId: spanId(toSpan),
          traceState: '',
          attributes: [{ key: 'messaging.operation', value: 'process' }],
          droppedAttributesCount: 0,
          flags: 1,
        });
        const consumer: Span = {
          ...makeSpan({ trace: 0x42, span: 7, resource: queue, name: 'process order', kind: 5, start: start + 2n * SECOND, duration: MS }),
          links: [link(0x99, 1), link(0x41, 1)],
        };
        const sameTrace: Span = {
          ...makeSpan({ trace: 0x41, span: 2, resource: queue, name: 'retry', start: start + MS, duration: MS }),
          links: [link(0x41, 1)],
        };
        const elsewhere = { ...resourceOf('queue'), tenant: 'other-tenant' as TenantId };
        const otherTenant: Span = { ...consumer, spanId: spanId(8), resource: elsewhere };
        await store.writeSpans([producer, consumer, sameTrace, otherTenant]);
        assert.deepStrictEqual(await reader.findIncomingLinks(traceId(0x41), W_START, W_END, 10), [
          { traceId: traceId(0x42), spanId: spanId(7), serviceName: 'queue', spanName: 'process order', linkedSpanId: spanId(1) },
        ]);
        // Outside the window, or asked for a trace nobody links to: nothing.
        assert.deepStrictEqual(await reader.findIncomingLinks(traceId(0x41), W_START, start, 10), []);
        assert.deepStrictEqual(await reader.findIncomingLinks(traceId(0x42), W_START, W_END, 10), []);
        assert.equal((await store.forTenant('other-tenant' as TenantId).findIncomingLinks(traceId(0x41), W_START, W_END, 10)).length, 1);
        await assert.rejects(
          reader.findIncomingLinks(traceId(0x41), W_START, W_END, 0),
          (error: StorageError) => error.code === 'rejected',
        );
      }));

    test('search summaries are exact', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        const summaries = await reader.searchTraces(query({ serviceName: 'frontend' }));
        const expected: TraceSummary[] = [
          {
            traceId: traceId(2),
            rootServiceName: 'frontend',
            rootSpanName: 'GET /checkout',
            rootSpanMissing: false,
            startTimeUnixNano: T0 + 20n * SECOND,
            durationNano: 2000n * MS,
            spanCount: 2,
            errorCount: 0,
            services: [
              { serviceName: 'frontend', spanCount: 1 },
              { serviceName: 'payments', spanCount: 1 },
            ],
            skewCorrected: true,
          },
          {
            traceId: traceId(1),
            rootServiceName: 'frontend',
            rootSpanName: 'GET /',
            rootSpanMissing: false,
            startTimeUnixNano: T0 + 10n * SECOND,
            durationNano: 100n * MS,
            spanCount: 3,
            errorCount: 1,
            services: [
              { serviceName: 'backend', spanCount: 2 },
              { serviceName: 'frontend', spanCount: 1 },
            ],
            skewCorrected: true,
          },
        ];
        assert.deepStrictEqual(summaries, expected);
      }));

    test('a trace of more than 10,000 spans is summarised exactly with raw times, beside corrected small ones', () =>
      withStore(async (store, reader) => {
        const web = resourceOf('web', [{ key: 'host.name', value: 'web-1' }]);
        const db = resourceOf('db', [{ key: 'host.name', value: 'db-1' }]);
        const start = T0 + 50n * SECOND;
        // Trace 0x51: a root and 10,000 children on another host, one an error, the last one 2 s late.
        const big = [makeSpan({ trace: 0x51, span: 1, resource: web, name: 'batch', kind: 2, start, duration: 100n * MS })];
        for (let i = 2; i <= 10_001; i++) {
          const late = i === 10_001 ? 2n * SECOND : 0n;
          big.push(
            makeSpan({
              trace: 0x51,
              span: i,
              parent: 1,
              resource: db,
              name: 'row',
              start: start + MS + late,
              duration: MS,
              error: i === 7,
            }),
          );
        }
        // Trace 0x52: its server span runs 3 s ahead of its client: corrected to the root's 50 ms.
        const small = [
          makeSpan({ trace: 0x52, span: 1, resource: web, name: 'GET /', kind: 3, start: start + SECOND, duration: 50n * MS }),
          makeSpan({ trace: 0x52, span: 2, parent: 1, resource: db, name: 'q', kind: 2, start: start + 4n * SECOND, duration: 10n * MS }),
        ];
        await store.writeSpans([...big, ...small]);
        assert.deepStrictEqual(await reader.searchTraces(query({ serviceName: 'web' })), [
          {
            traceId: traceId(0x52),
            rootServiceName: 'web',
            rootSpanName: 'GET /',
            rootSpanMissing: false,
            startTimeUnixNano: start + SECOND,
            durationNano: 50n * MS,
            spanCount: 2,
            errorCount: 0,
            services: [
              { serviceName: 'db', spanCount: 1 },
              { serviceName: 'web', spanCount: 1 },
            ],
            skewCorrected: true,
          },
          {
            traceId: traceId(0x51),
            rootServiceName: 'web',
            rootSpanName: 'batch',
            rootSpanMissing: false,
            startTimeUnixNano: start,
            durationNano: 2n * SECOND + 2n * MS,
            spanCount: 10_001,
            errorCount: 1,
            services: [
              { serviceName: 'db', spanCount: 10_000 },
              { serviceName: 'web', spanCount: 1 },
            ],
            skewCorrected: false,
          },
        ]);
      }));

    test('a trace without its root is summarised from its earliest span', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.searchTraces(query({ spanName: 'orphan' })), [
          {
            traceId: traceId(3),
            rootServiceName: 'backend',
            rootSpanName: 'orphan',
            rootSpanMissing: true,
            startTimeUnixNano: T0 + 30n * SECOND,
            durationNano: 5n * MS,
            spanCount: 1,
            errorCount: 0,
            services: [{ serviceName: 'backend', spanCount: 1 }],
            skewCorrected: true,
          },
        ]);
      }));

    test('search by service, span name, window; all services; limit; newest first with ties by trace ID', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await ids(reader), [5, 6, 3, 2, 1]);
        assert.deepStrictEqual(await ids(reader, { limit: 2 }), [5, 6]);
        assert.deepStrictEqual(await ids(reader, { limit: 1 }), [5]);
        assert.deepStrictEqual(await ids(reader, { serviceName: 'backend' }), [3, 1]);
        assert.deepStrictEqual(await ids(reader, { serviceName: 'nobody' }), []);
        assert.deepStrictEqual(await ids(reader, { spanName: 'charge' }), [2]);
        assert.deepStrictEqual(await ids(reader, { spanName: 'job' }), [5, 6]);
        assert.deepStrictEqual(await ids(reader, { startTimeUnixNano: T0 + 15n * SECOND, endTimeUnixNano: T0 + 25n * SECOND }), [2]);
        assert.deepStrictEqual(await ids(reader, { endTimeUnixNano: T0 + 3n * 3600n * SECOND }), [4, 5, 6, 3, 2, 1]);
        assert.deepStrictEqual(await ids(reader, { startTimeUnixNano: W_END, endTimeUnixNano: W_START }), []);
      }));

    test('search by span attribute, resource attribute, typed values, and several ANDed on one span', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        const attr = (key: string, value: string) => ({ key, value });
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.method', 'GET')] }), [1]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.status_code', '200')] }), [1]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('amount', '12.5')] }), [2]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('retry', 'true')] }), [2]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('db.statement', "SELECT * FROM t WHERE x = 'it''s'")] }), [1]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('deployment.environment', 'prod')] }), [3, 1]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('service.name', 'payments')] }), [2]);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.method', 'GET'), attr('http.status_code', '200')] }), [1]);
        // On different spans of the same trace: no single span matches both.
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.method', 'GET'), attr('deployment.environment', 'prod')] }), []);
        assert.deepStrictEqual(await ids(reader, { serviceName: 'backend', attributes: [attr('http.method', 'GET')] }), []);
        assert.deepStrictEqual(
          await ids(reader, { serviceName: 'frontend', spanName: 'GET /', attributes: [attr('deployment.environment', 'staging')] }),
          [1],
        );
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.method', 'get')] }), []);
        assert.deepStrictEqual(await ids(reader, { attributes: [attr('http.method=GET', '')] }), []);
      }));

    test('search by duration bounds and errors only', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await ids(reader, { minDurationNano: 1000n * MS }), [5, 6, 2]);
        assert.deepStrictEqual(await ids(reader, { minDurationNano: 1600n * MS }), [2]);
        assert.deepStrictEqual(await ids(reader, { serviceName: 'backend', maxDurationNano: 5n * MS }), [3, 1]);
        assert.deepStrictEqual(await ids(reader, { minDurationNano: 1600n * MS, maxDurationNano: 3000n * MS }), [2]);
        assert.deepStrictEqual(await ids(reader, { minDurationNano: 1600n * MS, maxDurationNano: 1700n * MS }), []);
        assert.deepStrictEqual(await ids(reader, { errorsOnly: true }), [1]);
        assert.deepStrictEqual(await ids(reader, { errorsOnly: true, serviceName: 'frontend' }), []);
        assert.deepStrictEqual(await ids(reader, { errorsOnly: true, spanName: 'query', maxDurationNano: 50n * MS }), [1]);
      }));

    test('services and operations', () =>
      withStore(async (store, reader) => {
        assert.deepStrictEqual(await reader.listServices(), []);
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.listServices(), ['backend', 'batch', 'frontend', 'payments']);
        assert.deepStrictEqual(await reader.listOperations('frontend'), [
          { name: 'GET /', spanKind: 2 },
          { name: 'GET /checkout', spanKind: 2 },
          { name: 'GET /late', spanKind: 2 },
        ]);
        await store.writeSpans([
          makeSpan({ trace: 9, span: 91, resource: resourceOf('backend'), name: 'query', kind: 1, start: T0, duration: MS }),
        ]);
        assert.deepStrictEqual(await reader.listOperations('backend'), [
          { name: 'cache', spanKind: 3 },
          { name: 'orphan', spanKind: 1 },
          { name: 'query', spanKind: 1 },
          { name: 'query', spanKind: 3 },
        ]);
        assert.deepStrictEqual(await reader.listOperations('nobody'), []);
      }));

    test('dependencies across services in a window, with child errors', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.getDependencies(W_START, W_END), [
          { parentService: 'frontend', childService: 'backend', callCount: 2, errorCount: 1 },
          { parentService: 'frontend', childService: 'payments', callCount: 1, errorCount: 0 },
        ]);
        assert.deepStrictEqual(await reader.getDependencies(T0 + 15n * SECOND, W_END), [
          { parentService: 'frontend', childService: 'payments', callCount: 1, errorCount: 0 },
        ]);
        // The parent started before the window; the child inside it still makes the edge.
        assert.deepStrictEqual(await reader.getDependencies(T0 + 20n * SECOND + 50n * MS, T0 + 21n * SECOND), [
          { parentService: 'frontend', childService: 'payments', callCount: 1, errorCount: 0 },
        ]);
        assert.deepStrictEqual(await reader.getDependencies(W_END, W_START), []);
      }));

    test('hostile strings are stored, searched and listed unchanged', () =>
      withStore(async (store, reader) => {
        const spans = HOSTILE_STRINGS.map((s, i) =>
          makeSpan({
            trace: 0x100 + i,
            span: 0x100 + i,
            resource: resourceOf(`svc ${s}`),
            name: `op ${s}`,
            start: T0 + BigInt(i) * SECOND,
            duration: MS,
            attributes: [{ key: `k ${s}`, value: s }],
          }),
        );
        await store.writeSpans(spans);
        for (const [i, s] of HOSTILE_STRINGS.entries()) {
          const span = spans[i]!;
          assert.deepStrictEqual(await reader.getTrace(span.traceId), [span]);
          const expected = [0x100 + i];
          assert.deepStrictEqual(await ids(reader, { serviceName: `svc ${s}` }), expected, `service ${JSON.stringify(s)}`);
          assert.deepStrictEqual(await ids(reader, { spanName: `op ${s}` }), expected, `name ${JSON.stringify(s)}`);
          assert.deepStrictEqual(
            await ids(reader, { attributes: [{ key: `k ${s}`, value: s }] }),
            expected,
            `attribute ${JSON.stringify(s)}`,
          );
          assert.deepStrictEqual(await reader.listOperations(`svc ${s}`), [{ name: `op ${s}`, spanKind: 1 }]);
        }
        const services = await reader.listServices();
        assert.deepStrictEqual([...services].sort(), HOSTILE_STRINGS.map((s) => `svc ${s}`).sort());
      }));

    // chDB 26.7's has/indexOf never find '' in a LowCardinality array (storage/array-sql.ts).
    test('an attribute with an empty key is found like any other', () =>
      withStore(async (store, reader) => {
        const span = makeSpan({
          trace: 0x180,
          span: 0x180,
          resource: resourceOf('empty-key', [{ key: '', value: 'on the resource' }]),
          name: 'op',
          start: T0 + SECOND,
          duration: MS,
          attributes: [{ key: '', value: 'on the span' }],
        });
        const other = makeSpan({
          trace: 0x181,
          span: 0x181,
          resource: resourceOf('plain'),
          name: 'op',
          start: T0 + 2n * SECOND,
          duration: MS,
        });
        await store.writeSpans([span, other]);
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: [''] }), [0x180], 'a bare term');
        assert.deepStrictEqual(await ids(reader, { attributes: [{ key: '', value: 'on the span' }] }), [0x180], 'a key and value');
        const range = { startTimeUnixNano: W_START, endTimeUnixNano: W_END, limit: 10 };
        assert.deepStrictEqual(await reader.listAttributeValues('', range), [
          { value: 'on the resource', count: 1 },
          { value: 'on the span', count: 1 },
        ]);
        const exists = (scope: 'span' | 'resource'): SpanFilter => ({
          combine: 'all',
          conditions: [{ field: { kind: 'attribute', scope, key: '' }, op: '!=', value: { type: 'nil' } }],
        });
        for (const scope of ['span', 'resource'] as const) {
          const rows = await reader.aggregateSpans({
            filter: exists(scope),
            groupBy: [{ kind: 'attribute', scope, key: '' }],
            aggregate: { fn: 'count' },
            fromNano: W_START,
            toNano: W_END,
            stepNano: W_END - W_START,
            exemplarsPerRow: 0,
          });
          assert.deepStrictEqual(
            rows.map((r) => [r.groups.map((g) => g.value), r.values.reduce((a, b) => a + b, 0)]),
            [[[scope === 'span' ? 'on the span' : 'on the resource'], 1]],
            `${scope} scope`,
          );
        }
      }));

    test('RowBinary span rows store exactly what TabSeparated rows store', async () => {
      // Both formats on every engine, whichever one its writer picks (SqlEngine.bulkInsertFormat).
      const databases = [env.newDatabase(), env.newDatabase()] as const;
      const stores = [await env.openStore(databases[0]), await env.openStore(databases[1])];
      const engine = await env.openEngine(databases[0]);
      try {
        const hostile = [...HOSTILE_STRINGS, `é${'x'.repeat(60)}`, `${'☃'.repeat(50)}`];
        const spans = [
          richSpan(0x700),
          ...hostile.map((s, i) =>
            makeSpan({
              trace: 0x701 + i,
              span: 0x701 + i,
              resource: resourceOf(`svc ${s}`, [{ key: `r ${s}`, value: s }]),
              name: `op ${s}`,
              start: T0 + BigInt(i) * SECOND,
              duration: i === 0 ? -MS : MS,
              attributes: [
                { key: `k ${s}`, value: s },
                { key: 'n', value: BigInt(i) - 3n },
              ],
            }),
          ),
        ];
        const formats = ['TabSeparated', 'RowBinary'] as const;
        const columns = SPAN_COLUMNS.map((c) => (c === 'start_ns' || c === 'duration_ns' ? `toString(${c}) AS ${c}` : c)).join(', ');
        const stored = [];
        for (const [i, format] of formats.entries()) {
          const batches = buildRowBatches(spans, undefined, format);
          assert.equal(batches.spansFormat, format);
          await insertRowBatches(engine, databases[i]!, batches);
          stored.push(await engine.query(`SELECT ${columns} FROM ${databases[i]!}.trace_spans_v3 ORDER BY trace_id, span_id`));
        }
        assert.equal(stored[0]!.length, spans.length);
        assert.deepStrictEqual(stored[1], stored[0]);
        for (const [i, store] of stores.entries()) {
          const reader = store.forTenant(DEFAULT_TENANT);
          for (const span of spans) assert.deepStrictEqual(await reader.getTrace(span.traceId), [span], `${formats[i]} ${span.name}`);
        }
      } finally {
        await engine.close();
        for (const store of stores) await store.close();
      }
    });

    test('a resource or scope is stored once, and spans read back share it', async () => {
      const database = env.newDatabase();
      const store = await env.openStore(database);
      const engine = await env.openEngine(database);
      try {
        // Content-equal resources from different requests are different objects.
        const batch = (n: number): Span[] =>
          [0, 1, 2].map((i) =>
            makeSpan({
              trace: 0x500,
              span: 0x500 + n * 10 + i,
              resource: resourceOf('dedup', [{ key: 'k', value: 1n }]),
              name: 'op',
              start: T0 + BigInt(n * 10 + i) * MS,
              duration: MS,
            }),
          );
        await store.writeSpans(batch(0));
        await store.writeSpans(batch(1));
        await store.writeSpans([
          makeSpan({ trace: 0x501, span: 0x510, resource: resourceOf('other'), name: 'op', start: T0, duration: MS }),
        ]);
        const count = async (table: string): Promise<number> =>
          Number((await engine.query<{ n: string }>(`SELECT count() AS n FROM ${database}.${table}`))[0]?.n);
        assert.equal(await count('resources_v3'), 2);
        assert.equal(await count('scopes_v3'), 1);
        const trace = await store.forTenant(DEFAULT_TENANT).getTrace(traceId(0x500));
        assert.equal(trace.length, 6);
        assert.ok(trace.every((span) => span.resource === trace[0]!.resource && span.scope === trace[0]!.scope));
        assert.deepStrictEqual(trace[0]!.resource, resourceOf('dedup', [{ key: 'k', value: 1n }]));
      } finally {
        await engine.close();
        await store.close();
      }
    });

    function attributeQuery(overrides: Partial<AttributeQuery> = {}): AttributeQuery {
      return { startTimeUnixNano: W_START, endTimeUnixNano: W_END, limit: 200, ...overrides };
    }

    test('attribute keys of spans and resources, most frequent first', () =>
      withStore(async (store, reader) => {
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery()), []);
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery()), [
          { key: 'service.name', scope: 'resource', count: 9 },
          { key: 'deployment.environment', scope: 'resource', count: 5 },
          { key: 'http.method', scope: 'span', count: 2 },
          { key: 'amount', scope: 'span', count: 1 },
          { key: 'db.statement', scope: 'span', count: 1 },
          { key: 'http.status_code', scope: 'span', count: 1 },
          { key: 'retry', scope: 'span', count: 1 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery({ serviceName: 'frontend' })), [
          { key: 'deployment.environment', scope: 'resource', count: 2 },
          { key: 'http.method', scope: 'span', count: 2 },
          { key: 'service.name', scope: 'resource', count: 2 },
          { key: 'http.status_code', scope: 'span', count: 1 },
        ]);
        // A window past storage's unsigned 64-bit range is clamped to it, as every window is.
        assert.deepStrictEqual(
          await reader.listAttributeKeys(attributeQuery({ startTimeUnixNano: -1n, endTimeUnixNano: 2n ** 64n + 5n })),
          await reader.listAttributeKeys(attributeQuery({ startTimeUnixNano: 0n, endTimeUnixNano: 2n ** 64n - 1n })),
        );
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery({ limit: 1 })), [
          { key: 'service.name', scope: 'resource', count: 9 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery({ serviceName: 'nobody' })), []);
        assert.deepStrictEqual(await reader.listAttributeKeys(attributeQuery({ startTimeUnixNano: W_END, endTimeUnixNano: W_START })), []);
      }));

    test('search by key or event name: a span or resource attribute key, or an event name (Zipkin annotationQuery terms)', () =>
      withStore(async (store, reader) => {
        const withEvent = makeSpan({
          trace: 7,
          span: 71,
          resource: resourceOf('worker'),
          name: 'poll',
          start: T0 + 50n * SECOND,
          duration: MS,
        });
        withEvent.events = [
          {
            timeUnixNano: T0 + 50n * SECOND,
            name: 'cache "miss"',
            attributes: [{ key: 'name', value: 'retry' }],
            droppedAttributesCount: 0,
          },
        ];
        await store.writeSpans([...searchWorld(), withEvent]);
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['retry'] }), [2], 'a span attribute key (an event attribute is not)');
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['deployment.environment'] }), [3, 2, 1], 'a resource attribute key');
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['cache "miss"'] }), [7], 'an event name');
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['cache'] }), [], 'a whole event name only');
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['retry', 'amount'] }), [2], 'every term on one span');
        assert.deepStrictEqual(await ids(reader, { keysOrEventNames: ['retry', 'http.method'] }), []);
      }));

    // chDB answers resource sides from sets cached until a resource is written (resource-sets.ts).
    test('search by resource attribute or key finds resources stored after an earlier search, by any store or by logs', async () => {
      const database = env.newDatabase();
      const store = await env.openStore(database);
      const other = await env.openStore(database);
      try {
        const reader = store.forTenant(DEFAULT_TENANT);
        await store.writeSpans(searchWorld());
        const prod = { attributes: [{ key: 'deployment.environment', value: 'prod' }] };
        const canary = { keysOrEventNames: ['canary.id'] };
        assert.deepStrictEqual(await ids(reader, prod), [3, 1]);
        assert.deepStrictEqual(await ids(reader, canary), []);
        const newResource = resourceOf('frontend', [
          { key: 'deployment.environment', value: 'prod' },
          { key: 'canary.id', value: 'c1' },
        ]);
        await other.writeSpans([
          makeSpan({ trace: 8, span: 81, resource: newResource, name: 'GET /x', start: T0 + 60n * SECOND, duration: MS }),
        ]);
        assert.deepStrictEqual(await ids(reader, prod), [8, 3, 1], 'a resource another store wrote');
        assert.deepStrictEqual(await ids(reader, canary), [8]);
        // A resource first stored with a log: the spans' write then stores no resource row.
        const logged = resourceOf('batch', [{ key: 'canary.id', value: 'c2' }]);
        await store.writeLogs([
          {
            timeUnixNano: T0,
            observedTimeUnixNano: T0,
            severityNumber: 9,
            severityText: 'INFO',
            body: 'started',
            attributes: [],
            droppedAttributesCount: 0,
            flags: 0,
            traceId: '',
            spanId: '',
            eventName: '',
            resource: logged,
            scope: plainScope,
          },
        ]);
        assert.deepStrictEqual(await ids(reader, canary), [8]);
        await store.writeSpans([makeSpan({ trace: 9, span: 91, resource: logged, name: 'tick', start: T0 + 70n * SECOND, duration: MS })]);
        assert.deepStrictEqual(await ids(reader, canary), [9, 8], 'a resource a log stored first');
        assert.deepStrictEqual(await ids(reader, { attributes: [{ key: 'canary.id', value: 'c2' }] }), [9]);
      } finally {
        await other.close();
        await store.close();
      }
    });

    // Root-span counts for adaptive sampling are the metrics tap's (metrics-store-contract.ts, v11).
    test('sampling probabilities, latest wins, per tenant', () =>
      withStore(async (store, reader) => {
        const row = (operation: string, probability: number, computedAtMillis: number, tenant = DEFAULT_TENANT) => ({
          tenant,
          serviceName: 'frontend',
          operation,
          probability,
          computedAtMillis,
        });
        await store.writeSamplingProbabilities([row('GET /', 0.5, 1000), row('GET /checkout', 0.25, 1000)]);
        await store.writeSamplingProbabilities([
          row('GET /', 0.125, 2000),
          row('GET /', 1, 1500),
          row('GET /', 0.9, 3000, parseTenantId('other')),
        ]);
        assert.deepStrictEqual(await reader.readSamplingProbabilities(), [row('GET /', 0.125, 2000), row('GET /checkout', 0.25, 1000)]);
        assert.deepStrictEqual(await store.forTenant(parseTenantId('other')).readSamplingProbabilities(), [
          row('GET /', 0.9, 3000, parseTenantId('other')),
        ]);
      }));

    test('attribute values as search matches them, most frequent first', () =>
      withStore(async (store, reader) => {
        await store.writeSpans(searchWorld());
        assert.deepStrictEqual(await reader.listAttributeValues('http.method', attributeQuery()), [
          { value: 'GET', count: 1 },
          { value: 'POST', count: 1 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeValues('deployment.environment', attributeQuery()), [
          { value: 'prod', count: 3 },
          { value: 'staging', count: 2 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeValues('http.status_code', attributeQuery()), [{ value: '200', count: 1 }]);
        assert.deepStrictEqual(await reader.listAttributeValues('amount', attributeQuery()), [{ value: '12.5', count: 1 }]);
        assert.deepStrictEqual(await reader.listAttributeValues('service.name', attributeQuery({ serviceName: 'backend' })), [
          { value: 'backend', count: 3 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeValues('deployment.environment', attributeQuery({ limit: 1 })), [
          { value: 'prod', count: 3 },
        ]);
        assert.deepStrictEqual(await reader.listAttributeValues("'; DROP TABLE spans; --", attributeQuery()), []);
      }));

    test(
      'schema v1 data is copied into v3 (default tenant), then the v1 and v2 tables are dropped',
      { skip: env.noLegacySchema ?? false },
      async () => {
        const database = env.newDatabase();
        const engine = await env.openEngine(database);
        try {
          await migrate(engine, {
            database,
            features: featuresForVersion(engine.version),
            migrations: MIGRATIONS.filter((m) => m.version === 1),
          });
          const rich = richSpan(0xa2);
          const world = searchWorld();
          await insertV1Spans(engine, database, [rich, ...world, world[0]!]);
          const store = await env.openStore(database);
          const reader = store.forTenant(DEFAULT_TENANT);
          try {
            assert.deepStrictEqual(await reader.getTrace(rich.traceId), [rich]);
            assert.deepStrictEqual(await reader.getTrace(traceId(1)), byStartThenId(world.filter((s) => s.traceId === traceId(1))));
            assert.deepStrictEqual(await ids(reader, { attributes: [{ key: 'deployment.environment', value: 'prod' }] }), [3, 1]);
            const tables = await engine.query<{ name: string }>(
              'SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name',
              {
                database,
              },
            );
            assert.deepStrictEqual(
              tables.map((t) => t.name),
              [...MIGRATED_TABLES],
            );
          } finally {
            await store.close();
          }
        } finally {
          await engine.close();
        }
      },
    );

    test('readTrace: pages of getTrace, at any page size, across ties, minutes and duplicates', () =>
      withStore(async (store, reader) => {
        const front = resourceOf('frontend');
        const back = resourceOf('backend');
        // 23 spans over two services and two minute buckets; every third start is shared by a
        // second span, so (start, span ID) ties straddle page boundaries at some page sizes.
        const spans: Span[] = [];
        for (let i = 0; i < 23; i++) {
          spans.push(
            makeSpan({
              trace: 0x900,
              span: 0x100 + ((i * 7) % 23),
              ...(i > 0 && { parent: 0x100 }),
              resource: i % 2 === 0 ? front : back,
              name: `op ${i}`,
              start: T0 + 50n * SECOND + BigInt(Math.floor(i / 2)) * 2n * SECOND,
              duration: MS,
            }),
          );
        }
        await store.writeSpans([
          ...spans,
          makeSpan({ trace: 0x901, span: 1, resource: front, name: 'other trace', start: T0, duration: MS }),
        ]);
        // Copies: a retried batch (identical rows), and one span stored again with a later start
        // (a later page): getTrace keeps only the earliest copy, and so must every page size.
        await store.writeSpans(spans.slice(3, 9));
        await store.writeSpans([{ ...spans[4]!, startTimeUnixNano: spans[4]!.startTimeUnixNano + 90n * SECOND, name: 'late copy' }]);
        const whole = await reader.getTrace(traceId(0x900));
        assert.deepStrictEqual(whole, byStartThenId(spans));
        for (const pageSpans of [1, 2, 3, 5, 22, 23, 24, 10_000]) {
          const pages: Span[][] = [];
          for await (const page of reader.readTrace(traceId(0x900), { pageSpans })) pages.push(page);
          assert.deepStrictEqual(pages.flat(), whole, `pageSpans ${pageSpans}`);
          for (const page of pages) assert.ok(page.length >= 1 && page.length <= pageSpans, `page of ${page.length} at ${pageSpans}`);
          // Resources are shared across pages, not only within one.
          const flat = pages.flat();
          assert.equal(
            flat.filter((s) => s.resource.attributes[0]!.value === 'frontend').every((s) => s.resource === flat[0]!.resource),
            true,
          );
        }
        for await (const page of reader.readTrace(traceId(0x900))) assert.deepStrictEqual(page, whole);
        for (const unknown of [traceId(0x77), "'; DROP TABLE trace_spans; --"]) {
          for await (const page of reader.readTrace(unknown, { pageSpans: 2 })) assert.fail(`a page for ${unknown}: ${page.length} spans`);
        }
        for (const pageSpans of [0, 100_001, 1.5]) {
          await assert.rejects(
            async () => {
              for await (const _page of reader.readTrace(traceId(0x900), { pageSpans })) assert.fail('read with a bad page size');
            },
            (error: Error) => error.name === 'StorageError' && (error as StorageError).code === 'rejected',
          );
        }
      }));

    test('readTraceOutline: the narrow columns of getTrace, one entry per span ID, tenant-scoped', () =>
      withStore(async (store, reader) => {
        const front = resourceOf('frontend');
        const back = resourceOf('backend');
        const spans: Span[] = [];
        for (let i = 0; i < 12; i++) {
          spans.push(
            makeSpan({
              trace: 0xa00,
              span: 0x200 + i,
              ...(i > 0 && { parent: 0x200 + Math.floor((i - 1) / 3) }),
              resource: i % 2 === 0 ? front : back,
              name: `op ${i}`,
              start: T0 + BigInt(i) * 7n * SECOND + 123_456_789n,
              duration: BigInt(i + 1) * MS,
              ...(i === 5 && { error: true }),
            }),
          );
        }
        await store.writeSpans(spans);
        await store.writeSpans(spans.slice(2, 6)); // a retried batch: copies
        const whole = await reader.getTrace(traceId(0xa00));
        const outline = await reader.readTraceOutline(traceId(0xa00));
        // No order is promised: compare as rows sorted by span ID.
        const nameOf = (i: number): string =>
          Buffer.from(outline.nameBytes.subarray(outline.nameOffsets[i]!, outline.nameOffsets[i + 1]!)).toString();
        const hex = (bytes: Uint8Array, i: number): string => Buffer.from(bytes.subarray(i * 8, i * 8 + 8)).toString('hex');
        const rows = Array.from({ length: outline.spanCount }, (_, i) => ({
          spanId: hex(outline.spanIds, i),
          parent: hex(outline.parentSpanIds, i) === '0000000000000000' ? '' : hex(outline.parentSpanIds, i),
          start: BigInt(outline.startSeconds[i]!) * 1_000_000_000n + BigInt(outline.startNanos[i]!),
          duration: outline.durationsNano[i],
          status: outline.statusCodes[i],
          service: outline.services[outline.serviceIndex[i]!],
          name: nameOf(i),
        })).sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
        const expected = [...whole]
          .sort((a, b) => (a.spanId < b.spanId ? -1 : 1))
          .map((span) => ({
            spanId: span.spanId,
            parent: span.parentSpanId,
            start: span.startTimeUnixNano,
            duration: Number(span.endTimeUnixNano - span.startTimeUnixNano),
            status: span.status.code,
            service: span.resource.attributes.find((a) => a.key === 'service.name')?.value,
            name: span.name,
          }));
        assert.deepStrictEqual(rows, expected);
        const empty = await reader.readTraceOutline(traceId(0x77));
        assert.equal(empty.spanCount, 0);
        assert.equal((await store.forTenant('another-tenant' as TenantId).readTraceOutline(traceId(0xa00))).spanCount, 0);
      }));

    test('an empty batch is a no-op', () =>
      withStore(async (store, reader) => {
        await store.writeSpans([]);
        assert.deepStrictEqual(await reader.searchTraces(query()), []);
      }));
  });
}
