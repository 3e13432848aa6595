import assert from 'node:assert/strict';
import { MIGRATED_TABLES } from './migrated-tables.js';
import { describe, test } from 'node:test';
import { DEFAULT_STORAGE_EXPORTER_OPTIONS, StorageExporter } from '../../src/collector/exporters/storage-exporter.js';
import type { Resource, Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, parseTenantId, type TenantId } from '../../src/model/tenant.js';
import { featuresForVersion } from '../../src/storage/engine-features.js';
import { migrate } from '../../src/storage/schema/migrate.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';
import { buildRowBatches, OPERATION_COLUMNS, RESOURCE_COLUMNS, SCOPE_COLUMNS, SPAN_COLUMNS } from '../../src/storage/span-rows.js';
import type { TenantTraceReader, TraceSearchQuery } from '../../src/storage/trace-store.js';
import type { ContractEnvironment } from './trace-store-contract.js';
import { MS, SECOND, T0, W_END, W_START, makeSpan, resourceOf, richSpan, searchWorld, traceId } from './trace-fixtures.js';

const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant_b.2');

/** The spans, re-homed to `tenant`: each distinct resource gets one copy, still shared. */
function inTenant(spans: readonly Span[], tenant: TenantId): Span[] {
  const copies = new Map<Resource, Resource>();
  return spans.map((span) => {
    let resource = copies.get(span.resource);
    if (resource === undefined) copies.set(span.resource, (resource = { ...span.resource, tenant }));
    return { ...span, resource };
  });
}

function search(overrides: Partial<TraceSearchQuery> = {}): TraceSearchQuery {
  return { attributes: [], errorsOnly: false, startTimeUnixNano: W_START, endTimeUnixNano: W_END, limit: 100, ...overrides };
}

const WINDOW = { startTimeUnixNano: W_START, endTimeUnixNano: W_END, limit: 100 };

async function pagesOf(reader: TenantTraceReader, id: string): Promise<Span[]> {
  const spans: Span[] = [];
  for await (const page of reader.readTrace(id, { pageSpans: 2 })) spans.push(...page);
  return spans;
}

/** Everything a reader can be asked about the search world: all of it empty for a stranger. */
async function everythingSeenBy(reader: TenantTraceReader): Promise<unknown[]> {
  return [
    await reader.getTrace(traceId(1)),
    await pagesOf(reader, traceId(1)),
    await reader.searchTraces(search()),
    await reader.searchTraces(search({ serviceName: 'frontend' })),
    await reader.searchTraces(search({ attributes: [{ key: 'deployment.environment', value: 'prod' }] })),
    await reader.listServices(),
    await reader.listOperations('frontend'),
    await reader.getDependencies(W_START, W_END),
    await reader.listAttributeKeys(WINDOW),
    await reader.listAttributeValues('http.method', WINDOW),
    await reader.listAttributeValues('deployment.environment', WINDOW),
  ];
}

/** Tenancy (ARCHITECTURE decision 10): each tenant sees its own spans and nothing else. */
export function runTenantIsolationContract(name: string, env: ContractEnvironment): void {
  describe(`TraceStore tenant isolation: ${name}`, () => {
    test("tenant A's spans are invisible to B by ID, search, services, operations, dependencies, attributes, paged read", async () => {
      const store = await env.openStore(env.newDatabase());
      try {
        const world = inTenant(searchWorld(), A);
        await store.writeSpans(world);
        const a = store.forTenant(A);
        // A sees its world, every span read back carrying A.
        const trace = await a.getTrace(traceId(1));
        assert.equal(trace.length, 3);
        assert.ok(trace.every((span) => span.resource.tenant === A));
        assert.deepStrictEqual(await pagesOf(a, traceId(1)), trace);
        assert.deepStrictEqual(await a.listServices(), ['backend', 'batch', 'frontend', 'payments']);
        assert.equal((await a.getDependencies(W_START, W_END)).length, 2);
        assert.ok((await a.listAttributeKeys(WINDOW)).length > 0);
        // B, and the default tenant, see none of it through any read.
        for (const stranger of [B, DEFAULT_TENANT]) {
          const seen = await everythingSeenBy(store.forTenant(stranger));
          assert.deepStrictEqual(
            seen,
            seen.map(() => []),
            `seen by ${stranger}`,
          );
        }
      } finally {
        await store.close();
      }
    });

    test('the same trace ID in two tenants stays two traces, and no dependency crosses them', async () => {
      const store = await env.openStore(env.newDatabase());
      try {
        // Same trace ID, same span IDs, same batch: A has the parent, B a child of "it".
        const inA = makeSpan({
          trace: 0x600,
          span: 1,
          resource: resourceOf('alpha', [], A),
          name: 'a-op',
          start: T0 + SECOND,
          duration: MS,
        });
        const inB = makeSpan({
          trace: 0x600,
          span: 1,
          resource: resourceOf('beta', [], B),
          name: 'b-op',
          start: T0 + SECOND,
          duration: MS,
        });
        const childInB = makeSpan({
          trace: 0x600,
          span: 2,
          parent: 1,
          resource: resourceOf('gamma', [], B),
          name: 'b-child',
          start: T0 + SECOND + MS,
          duration: MS,
        });
        await store.writeSpans([inA, inB, childInB]);
        const a = store.forTenant(A);
        const b = store.forTenant(B);
        assert.deepStrictEqual(await a.getTrace(traceId(0x600)), [inA]);
        assert.deepStrictEqual(await b.getTrace(traceId(0x600)), [inB, childInB]);
        const [summaryA] = await a.searchTraces(search());
        const [summaryB] = await b.searchTraces(search());
        assert.deepStrictEqual(
          [summaryA?.spanCount, summaryA?.services, summaryA?.rootSpanName],
          [1, [{ serviceName: 'alpha', spanCount: 1 }], 'a-op'],
        );
        assert.deepStrictEqual([summaryB?.spanCount, summaryB?.rootSpanName], [2, 'b-op']);
        assert.deepStrictEqual(await a.getDependencies(W_START, W_END), []);
        assert.deepStrictEqual(await b.getDependencies(W_START, W_END), [
          { parentService: 'beta', childService: 'gamma', callCount: 1, errorCount: 0 },
        ]);
        assert.deepStrictEqual(await a.listOperations('beta'), []);
        assert.deepStrictEqual(await b.listOperations('beta'), [{ name: 'b-op', spanKind: 1 }]);
      } finally {
        await store.close();
      }
    });

    test("the storage exporter's group commit merges requests of two tenants and keeps each one's", async () => {
      const store = await env.openStore(env.newDatabase());
      try {
        const exporter = new StorageExporter(store, DEFAULT_STORAGE_EXPORTER_OPTIONS);
        const request = (tenant: TenantId, trace: number): Span[] =>
          [1, 2].map((span) =>
            makeSpan({ trace, span, resource: resourceOf(`svc-${tenant}`, [], tenant), name: 'op', start: T0 + SECOND, duration: MS }),
          );
        // The first request is written at once; the two arriving meanwhile go into one insert.
        const results = await Promise.all([
          exporter.consume(request(A, 0x801)),
          exporter.consume(request(B, 0x802)),
          exporter.consume(request(A, 0x803)),
        ]);
        assert.deepStrictEqual(
          results.map((r) => r.outcome),
          ['success', 'success', 'success'],
        );
        assert.equal(exporter.stats().writtenSpans, 6);
        const a = store.forTenant(A);
        const b = store.forTenant(B);
        assert.deepStrictEqual(
          (await a.searchTraces(search())).map((t) => t.traceId),
          [traceId(0x801), traceId(0x803)], // same start: by trace ID,
        );
        assert.deepStrictEqual(
          (await b.searchTraces(search())).map((t) => t.traceId),
          [traceId(0x802)],
        );
        assert.deepStrictEqual(await b.getTrace(traceId(0x803)), []);
        assert.deepStrictEqual(await b.listServices(), [`svc-${B}`]);
        await exporter.shutdown();
      } finally {
        await store.close();
      }
    });

    test("a resource already stored for A is stored again for B (the writer's memory is per tenant)", async () => {
      const store = await env.openStore(env.newDatabase());
      try {
        const rich = richSpan(0x700);
        await store.writeSpans(inTenant([rich], A));
        // A later batch, same resource and scope content, other tenant: B must get its own rows.
        const [inB] = inTenant([rich], B);
        await store.writeSpans([inB!]);
        assert.deepStrictEqual(await store.forTenant(B).getTrace(rich.traceId), [inB]);
        assert.deepStrictEqual(await store.forTenant(A).getTrace(rich.traceId), inTenant([rich], A));
      } finally {
        await store.close();
      }
    });

    test(
      'schema v2 data is moved to the default tenant, day by day, and v2 tables are dropped',
      { skip: env.noLegacySchema ?? false },
      async () => {
        const database = env.newDatabase();
        const engine = await env.openEngine(database);
        try {
          const features = featuresForVersion(engine.version);
          await migrate(engine, { database, features, migrations: MIGRATIONS.filter((m) => m.version <= 2) });
          // v2 rows are v3 rows without their first column, the tenant.
          const world = [
            ...searchWorld(),
            richSpan(0xa3),
            makeSpan({ trace: 0xa4, span: 1, resource: resourceOf('next-day'), name: 'later', start: T0 + 86_400n * SECOND, duration: MS }),
          ];
          const v3 = buildRowBatches(world);
          const stripTenant = (body: Buffer): Buffer =>
            Buffer.from(
              body
                .toString('utf8')
                .split('\n')
                .map((line) => (line === '' ? line : line.slice(line.indexOf('\t') + 1)))
                .join('\n'),
            );
          const v2 = (columns: readonly string[]): string[] => columns.filter((c) => c !== 'tenant');
          await engine.insertTabSeparated(`${database}.resources`, v2(RESOURCE_COLUMNS), stripTenant(v3.resources));
          await engine.insertTabSeparated(`${database}.scopes`, v2(SCOPE_COLUMNS), stripTenant(v3.scopes));
          await engine.insertTabSeparated(`${database}.trace_spans`, v2(SPAN_COLUMNS), stripTenant(v3.spans));
          await engine.insertTabSeparated(`${database}.operations`, v2(OPERATION_COLUMNS), stripTenant(v3.operations));

          // T0 is 2023-11-14 22:13 UTC: the search world's trace 4 and 'next-day' start on the 15th.
          const progress: string[] = [];
          const outcome = await migrate(engine, { database, features, progress: (line) => progress.push(line) });
          assert.deepStrictEqual(
            outcome.applied,
            [3, 4, 5, 6, 7, 8, 11, 12, 13, 16],
            'v3 moves the data; v4 adds the metrics tables, v5 sampling_probabilities; v6 logs; v7 the alert tables; v8 the API tokens; v11 operation_throughput_v11; v12 trace_index_v12 and compression blocks; v13 attribute codecs; v16 LowCardinality and codecs',
          );
          assert.equal(progress.length, 4, progress.join('\n'));
          assert.equal(progress[0], `schema v3: copying ${world.length} span rows of 2 day(s) to tenant single-tenant`);
          // Count, share, rate and time left per day.
          const share = (((world.length - 2) / world.length) * 100).toFixed(1);
          assert.match(
            progress[1]!,
            new RegExp(
              `^schema v3: ${world.length - 2} of ${world.length} span rows copied \\(day 20231114\\), ${share} %, [\\d,]+/s, ETA \\d+ s$`,
            ),
          );
          assert.match(
            progress[2]!,
            new RegExp(`^schema v3: ${world.length} of ${world.length} span rows copied \\(day 20231115\\), 100.0 %, [\\d,]+/s, done$`),
          );
          // v12: the copied spans' index rows (written by v3's view) move to trace_index_v12.
          assert.match(progress[3]!, /^schema v12: copying \d+ trace index rows to trace_index_v12$/);
          // Idempotent: nothing left to apply, nothing copied twice.
          assert.deepStrictEqual((await migrate(engine, { database, features, progress: (line) => progress.push(line) })).applied, []);
          assert.equal(progress.length, 4);

          const store = await env.openStore(database);
          try {
            const reader = store.forTenant(DEFAULT_TENANT);
            assert.deepStrictEqual(await reader.getTrace(traceId(0xa3)), [richSpan(0xa3)]);
            assert.equal((await reader.getTrace(traceId(1))).length, 3);
            assert.equal((await reader.getTrace(traceId(0xa4))).length, 1);
            assert.deepStrictEqual(
              (await reader.searchTraces(search({ attributes: [{ key: 'deployment.environment', value: 'prod' }] }))).map((s) => s.traceId),
              [traceId(3), traceId(1)],
            );
            assert.deepStrictEqual(await reader.listServices(), ['backend', 'batch', 'frontend', 'next-day', 'payments', 'rich-service']);
            assert.equal((await reader.getDependencies(W_START, W_END)).length, 2);
            assert.deepStrictEqual(await everythingSeenBy(store.forTenant(A)), new Array(11).fill([]));
          } finally {
            await store.close();
          }
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
          await engine.close();
        }
      },
    );
  });
}
