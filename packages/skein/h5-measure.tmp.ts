import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTopology } from '/work/wt-tenancy/packages/skein/src/loadgen/default-topology.js';
import { TraceGenerator } from '/work/wt-tenancy/packages/skein/src/loadgen/trace-generator.js';
import type { Span } from '/work/wt-tenancy/packages/skein/src/model/span.js';
import { ChdbEngine } from '/work/wt-tenancy/packages/skein/src/storage/engines/chdb-engine.js';
import { featuresForVersion } from '/work/wt-tenancy/packages/skein/src/storage/engine-features.js';
import { migrate } from '/work/wt-tenancy/packages/skein/src/storage/schema/migrate.js';
import { MIGRATIONS } from '/work/wt-tenancy/packages/skein/src/storage/schema/migrations.js';
import { buildRowBatches, OPERATION_COLUMNS, RESOURCE_COLUMNS, SCOPE_COLUMNS, SPAN_COLUMNS } from '/work/wt-tenancy/packages/skein/src/storage/span-rows.js';
import { insertRowBatches } from '/work/wt-tenancy/packages/skein/src/storage/span-writer.js';

const N = Number(process.argv[2] ?? 300000);
const dir = mkdtempSync(join(tmpdir(), 'h5-bytes-'));
const engine = await ChdbEngine.open(dir, 'x');
const features = featuresForVersion(engine.version);
await engine.command('CREATE DATABASE IF NOT EXISTS v2');
await engine.command('CREATE DATABASE IF NOT EXISTS v3');
await migrate(engine, { database: 'v2', features, migrations: MIGRATIONS.filter((m) => m.version <= 2), progress: () => {} });
await migrate(engine, { database: 'v3', features, progress: () => {} });
const gen = new TraceGenerator(defaultTopology(), { seed: 1, startTimeUnixNano: BigInt(Date.now()) * 1_000_000n - 3_600_000_000_000n, meanTraceIntervalNanos: 1e6 });
const strip = (b: Buffer) => Buffer.from(b.toString('utf8').split('\n').map((l) => (l === '' ? l : l.slice(l.indexOf('\t') + 1))).join('\n'));
const v2 = (c: readonly string[]) => c.filter((x) => x !== 'tenant');
let n = 0;
let batch: Span[] = [];
const known = { resources: new Set<string>(), scopes: new Set<string>(), operations: new Map<string, bigint>() };
while (n < N) {
  const t = gen.nextTrace();
  batch.push(...t);
  n += t.length;
  if (batch.length >= 20000 || n >= N) {
    const rows = buildRowBatches(batch, known);
    await insertRowBatches(engine, 'v3', rows);
    await engine.insertTabSeparated('v2.resources', v2(RESOURCE_COLUMNS), strip(rows.resources));
    await engine.insertTabSeparated('v2.scopes', v2(SCOPE_COLUMNS), strip(rows.scopes));
    await engine.insertTabSeparated('v2.trace_spans', v2(SPAN_COLUMNS), strip(rows.spans));
    await engine.insertTabSeparated('v2.operations', v2(OPERATION_COLUMNS), strip(rows.operations));
    for (const h of rows.newResources) known.resources.add(h);
    for (const h of rows.newScopes) known.scopes.add(h);
    for (const [k, v] of rows.writtenOperations) known.operations.set(k, v);
    batch = [];
  }
}
for (const db of ['v2', 'v3']) {
  const tables = await engine.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = '${db}' AND engine LIKE '%MergeTree%'`);
  for (const t of tables) await engine.command(`OPTIMIZE TABLE ${db}.${t.name} FINAL`);
  const rows = await engine.query<{ table: string; rows: string; bytes: string }>(
    `SELECT table, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = '${db}' AND active GROUP BY table ORDER BY table`,
  );
  const total = rows.reduce((s, r) => s + Number(r.bytes), 0);
  console.log(db, engine.version, `${n} spans`, `${(total / n).toFixed(1)} B/span`, JSON.stringify(rows.map((r) => [r.table, r.rows, (Number(r.bytes) / n).toFixed(2)])));
}
import { getTraceSql, searchTraceIdsSql } from '/work/wt-tenancy/packages/skein/src/storage/trace-queries.js';
const v3sql = getTraceSql('v3');
const v2sql = v3sql.replaceAll('tenant = {tenant:String} AND ', '').replaceAll('_v3', '').replaceAll('v3.', 'v2.');
const ids = (await engine.query<{ trace_id: string }>('SELECT DISTINCT trace_id FROM v3.trace_spans_v3 LIMIT 200')).map((r) => r.trace_id);
for (let round = 0; round < 2; round++) {
  for (const [name, sql] of [['v2', v2sql], ['v3', v3sql]] as const) {
    const t0 = performance.now();
    let spans = 0;
    for (const traceId of ids) spans += (await engine.query(sql, { tenant: 'single-tenant', traceId })).length;
    console.log('getTrace', name, ((performance.now() - t0) / ids.length).toFixed(2), 'ms/trace', spans);
  }
  const s3 = searchTraceIdsSql('v3', { serviceName: true, spanName: false, attributeCount: 1, minDuration: false, maxDuration: false, errorsOnly: false });
  const s2 = s3.replaceAll('tenant = {tenant:String}\n  AND ', '').replaceAll('tenant = {tenant:String} AND ', '').replaceAll('_v3', '').replaceAll('v3.', 'v2.');
  const now = BigInt(Date.now()) * 1_000_000n;
  const p = { tenant: 'single-tenant', startNs: now - 7_200_000_000_000n, endNs: now, startBucket: (now - 7_200_000_000_000n) / 60_000_000_000n, endBucket: now / 60_000_000_000n, limit: 20, serviceName: 'cart', attrKey0: 'http.route', attrValue0: '/api/checkout' };
  for (const [name, sql] of [['v2', s2], ['v3', s3]] as const) {
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 20; i++) n = (await engine.query(sql, p)).length;
    console.log('search', name, ((performance.now() - t0) / 20).toFixed(2), 'ms', n);
  }
}
await engine.close();
