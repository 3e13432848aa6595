import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import { ClickHouseEngine } from '../../src/storage/engines/clickhouse-engine.js';
import { featuresForVersion } from '../../src/storage/engine-features.js';
import { clusterSettings, openTraceStore, type ClusterOptions } from '../../src/storage/open-trace-store.js';
import { DEFAULT_REPLICATION_PATH, ddlContext } from '../../src/storage/schema/ddl-context.js';
import { dropExpiredPartitions } from '../../src/storage/schema/retention.js';
import { LOGS_RETENTION_TABLES, SPAN_RETENTION_TABLES } from '../../src/storage/schema/table-definitions.js';
import { findClickHouseServer } from '../support/clickhouse-server.js';
import { CLUSTER_NAME, clusterPrerequisites, startClickHouseCluster, type ClickHouseCluster } from '../support/clickhouse-cluster.js';
import { makeResource, makeSpan } from '../support/span-factory.js';
import { runAlertStoreContract } from '../storage/alert-store-contract.js';
import { logRecord, runLogsStoreContract } from '../storage/logs-store-contract.js';
import { runMetricsStoreContract } from '../storage/metrics-store-contract.js';
import { runTenantIsolationContract } from '../storage/tenant-isolation-contract.js';
import { runTraceStoreContract } from '../storage/trace-store-contract.js';

/**
 * The storage contract on the schema's cluster variant: 2 shards × 2 replicas of clickhouse-server
 * (Debian's 18.16 here) with Debian's ZooKeeper, inserts with insert_quorum 2, every read through
 * the Distributed tables of whichever node the store talks to.
 */
const binary = findClickHouseServer();
const missing = clusterPrerequisites(binary);
const options: ClusterOptions = { name: CLUSTER_NAME, insertQuorum: 2 };

if (missing !== undefined) {
  if (process.env['CI'] === 'true') test('cluster prerequisites are installed in CI', () => assert.fail(missing));
  else test('ClickHouse cluster store contract', { skip: missing }, () => {});
} else {
  let cluster: ClickHouseCluster | undefined;
  let counter = 0;
  const node = (i: number): string => {
    if (cluster === undefined) throw new Error('cluster not started');
    return cluster.nodes[i % cluster.nodes.length]!.url;
  };
  before(async () => {
    cluster = await startClickHouseCluster(binary!, 2, 2);
  });
  after(async () => {
    await cluster?.stop();
  });
  const environment = {
    newDatabase: () => `cluster_${process.pid}_${++counter}`,
    // Each store talks to another node: what one node wrote, every node reads.
    openStore: (database: string) => openTraceStore({ engine: 'clickhouse', url: node(counter), database, cluster: options }),
    openEngine: (database: string) =>
      ClickHouseEngine.open(node(counter + 1), database, undefined, { name: CLUSTER_NAME, settings: clusterSettings(options) }),
    noLegacySchema: 'a cluster starts at the tenant-keyed tables',
  };
  runTraceStoreContract('clickhouse-cluster', environment);
  runTenantIsolationContract('clickhouse-cluster', environment);
  runMetricsStoreContract('clickhouse-cluster', environment);
  // The v5–v8 tables' cluster variant (sampling probabilities are in the trace store contract).
  runAlertStoreContract('clickhouse-cluster', environment);
  runLogsStoreContract('clickhouse-cluster', environment);

  test('cluster: an API token made through one node is live on another, and revoked through a third', async () => {
    const database = environment.newDatabase();
    const open = (i: number) => openTraceStore({ engine: 'clickhouse', url: node(i), database, cluster: options });
    // Nodes s1r1, s2r1 and s2r2: whichever shard the token hashes to, one of them reaches it remotely.
    const maker = await open(0);
    const reader = await open(2);
    const revoker = await open(3);
    try {
      const team = parseTenantId('team-a');
      const createdAt = '2026-12-05T07:00:00.000Z';
      await maker.apiTokens().create({ tenant: team, name: 'ci', tokenSha256: 'c'.repeat(64), roles: ['ingest'], createdAt });
      assert.deepEqual(await reader.apiTokens().listFor(team), [
        { tenant: team, name: 'ci', tokenSha256: 'c'.repeat(64), roles: ['ingest'], createdAt },
      ]);
      assert.equal(await revoker.apiTokens().revoke(team, 'ci'), true);
      assert.deepEqual(await reader.apiTokens().live(), []);
    } finally {
      await Promise.all([maker, reader, revoker].map((store) => store.close()));
    }
  });

  test('cluster: a trace lives on one shard, both replicas hold it, and expired days of spans and logs are dropped everywhere', async () => {
    const database = environment.newDatabase();
    const store = await environment.openStore(database);
    const nowMillis = Date.UTC(2026, 11, 5, 12);
    const dayNs = 86_400_000_000_000n;
    const todayNs = BigInt(nowMillis) * 1_000_000n;
    try {
      const traces = Array.from({ length: 20 }, (_, t) => t);
      const spans = traces.flatMap((t) =>
        [0, 1, 2].map((s) =>
          makeSpan({
            traceId: (t + 1).toString(16).padStart(32, '0'),
            spanId: (t * 10 + s + 1).toString(16).padStart(16, '0'),
            resource: makeResource(`svc-${s}`),
            // Traces 0–9 are 10 days old, 10–19 from today.
            startTimeUnixNano: t < 10 ? todayNs - 10n * dayNs : todayNs - 1_000_000_000n,
          }),
        ),
      );
      await store.writeSpans(spans);
      // Log records beside them: the first ten traces' from the expired day, the rest from today.
      await store.writeLogs(
        spans.map((span, i) =>
          logRecord({ traceId: span.traceId, spanId: span.spanId, timeUnixNano: span.startTimeUnixNano, body: `log ${i}` }),
        ),
      );
      const perNode: { shard: number; traces: Set<string> }[] = [];
      for (const n of cluster!.nodes) {
        const engine = await ClickHouseEngine.open(n.url, database);
        try {
          const rows = await engine.query<{ trace_id: string }>(`SELECT DISTINCT trace_id FROM ${database}.trace_spans_v3_local`);
          perNode.push({ shard: n.shard, traces: new Set(rows.map((r) => r.trace_id)) });
        } finally {
          await engine.close();
        }
      }
      const shard1 = perNode.filter((n) => n.shard === 1).map((n) => [...n.traces].sort());
      const shard2 = perNode.filter((n) => n.shard === 2).map((n) => [...n.traces].sort());
      assert.deepStrictEqual(shard1[0], shard1[1], 'both replicas of shard 1 hold the same traces (insert_quorum 2)');
      assert.deepStrictEqual(shard2[0], shard2[1], 'both replicas of shard 2 hold the same traces');
      assert.equal(shard1[0]!.length + shard2[0]!.length, 20, 'every trace on exactly one shard');
      assert.ok(shard1[0]!.length > 0 && shard2[0]!.length > 0, 'both shards hold traces');
      assert.equal((await store.forTenant(DEFAULT_TENANT).getTrace(spans[0]!.traceId)).length, 3);

      const engine = await ClickHouseEngine.open(node(0), database, undefined, { name: CLUSTER_NAME, settings: clusterSettings(options) });
      let keptLogs = 0;
      try {
        const ctx = ddlContext(database, featuresForVersion(engine.version), {
          name: CLUSTER_NAME,
          replicationPath: DEFAULT_REPLICATION_PATH,
        });
        const dropped = await dropExpiredPartitions(engine, ctx, 7, SPAN_RETENTION_TABLES, nowMillis);
        assert.equal(dropped.length, 2, `one expired day in trace_spans_v3 and trace_index_v3: ${dropped.join(', ')}`);
        const droppedLogs = await dropExpiredPartitions(engine, ctx, 7, LOGS_RETENTION_TABLES, nowMillis);
        assert.equal(droppedLogs.length, 2, `one expired day in logs_v6 and logs_trace_index_v6: ${droppedLogs.join(', ')}`);
        const cutoff = todayNs - 7n * dayNs;
        for (const n of cluster!.nodes) {
          const local = await ClickHouseEngine.open(n.url, database);
          try {
            const rows = await local.query<{ spans: string; logs: string; kept: string }>(
              `SELECT
                 (SELECT count() FROM ${database}.trace_spans_v3_local WHERE start_ns < ${cutoff}) AS spans,
                 (SELECT count() FROM ${database}.logs_v6_local WHERE ts_ns < ${cutoff}) AS logs,
                 (SELECT count() FROM ${database}.logs_v6_local WHERE ts_ns >= ${cutoff}) AS kept`,
            );
            assert.equal(Number(rows[0]?.spans), 0, `${n.process.name} dropped the expired day's spans`);
            assert.equal(Number(rows[0]?.logs), 0, `${n.process.name} dropped the expired day's logs`);
            keptLogs += Number(rows[0]?.kept);
          } finally {
            await local.close();
          }
        }
        assert.equal(keptLogs, 2 * 30, "today's 30 log records kept, on both replicas of their shard");
        assert.equal((await store.forTenant(DEFAULT_TENANT).getTrace(spans[0]!.traceId)).length, 0, 'expired trace gone');
        assert.equal((await store.forTenant(DEFAULT_TENANT).getTrace(spans[30]!.traceId)).length, 3, "today's trace kept");
      } finally {
        await engine.close();
      }
    } finally {
      await store.close();
    }
  });
}
