import { ClickHouseTraceStore } from './clickhouse-trace-store.js';
import { featuresForVersion } from './engine-features.js';
import { ClickHouseEngine, parseClickHouseUrl, type ClickHouseTls } from './engines/clickhouse-engine.js';
import { DEFAULT_REPLICATION_PATH, ddlContext, type ClusterDdl } from './schema/ddl-context.js';
import { applyRetention } from './schema/retention.js';
import { LOGS_RETENTION_TABLES, METRICS_RETENTION_TABLES, SPAN_RETENTION_TABLES } from './schema/table-definitions.js';
import { migrate } from './schema/migrate.js';
import type { SqlEngine } from './sql-engine.js';
import type { TraceStore } from './trace-store.js';

interface CommonOptions {
  /** Database holding Skein's tables (default `skein`). */
  database?: string;
  /** Drop spans older than this many days on engines with TTL (default: keep everything). */
  retentionDays?: number;
  /** Drop metrics older than this many days on engines with TTL (default: keep everything). */
  metricsRetentionDays?: number;
  /** Per-tenant span retention in days, overriding `retentionDays`; key `default`: tenants not named. */
  tenantRetentionDays?: Readonly<Record<string, number>>;
  /** Drop log records older than this many days on engines with TTL (default: `retentionDays`). */
  logsRetentionDays?: number;
}

export type OpenTraceStoreOptions =
  | (CommonOptions & {
      engine: 'chdb';
      dataDir: string;
      /** chDB's memory cap for all its work (none: chDB's own default, 90 % of RAM); see ChdbEngine.open. */
      memoryLimitBytes?: number;
    })
  | (CommonOptions & { engine: 'clickhouse'; url: string; tls?: ClickHouseTls; cluster?: ClusterOptions });

/** The schema's cluster variant (ARCHITECTURE decision 11; docs/scaling.md). */
export interface ClusterOptions {
  /** The cluster's name in the servers' `remote_servers`. */
  name: string;
  /** Replication path of the local tables (default `/clickhouse/tables/{shard}/{database}/{table}`). */
  replicationPath?: string;
  /**
   * Replicas that must have a block before its insert is acknowledged (`insert_quorum`); 0 or 1:
   * one replica, the others catch up through replication (what `internal_replication` gives).
   */
  insertQuorum?: number;
}

/**
 * Settings of every statement a node of a cluster runs:
 * - `insert_distributed_sync`: an insert into a Distributed table answers only once every shard
 *   stored its rows (the default queues them on the receiving node and answers at once: a crash of
 *   that node would lose acknowledged spans);
 * - `insert_quorum`: how many replicas of the shard hold the block before it is acknowledged; the
 *   servers' `internal_replication` makes the Distributed table write one replica per shard and
 *   leaves the rest to replication;
 * - `distributed_product_mode = global`: the reads' `IN (SELECT …)` and joins on Distributed
 *   tables run the inner query once, on the node asked, and ship its result to every shard
 *   (resources and scopes are sharded by their own hash, not the trace's).
 */
export function clusterSettings(cluster: ClusterOptions): Record<string, string | number> {
  return {
    insert_distributed_sync: 1,
    distributed_product_mode: 'global',
    ...(cluster.insertQuorum !== undefined && cluster.insertQuorum > 1 ? { insert_quorum: cluster.insertQuorum } : {}),
  };
}

/** Opens the engine, brings the schema up to date, and returns the store. */
export async function openTraceStore(options: OpenTraceStoreOptions): Promise<TraceStore> {
  let engine: SqlEngine;
  let database: string;
  if (options.engine === 'chdb') {
    database = options.database ?? 'skein';
    // Loaded only when used: the embedded engine maps ~250 MiB into the process, which a collector
    // or query node writing to a ClickHouse server should not carry.
    const { ChdbEngine } = await import('./engines/chdb-engine.js');
    engine = await ChdbEngine.open(options.dataDir, database, options.memoryLimitBytes);
  } else {
    database = parseClickHouseUrl(options.url, options.database).database;
    const session = options.cluster && { name: options.cluster.name, settings: clusterSettings(options.cluster) };
    engine = await ClickHouseEngine.open(options.url, database, options.tls, session);
  }
  const cluster: ClusterDdl | undefined =
    options.engine === 'clickhouse' && options.cluster !== undefined
      ? { name: options.cluster.name, replicationPath: options.cluster.replicationPath ?? DEFAULT_REPLICATION_PATH }
      : undefined;
  try {
    await migrate(engine, {
      database,
      features: featuresForVersion(engine.version),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
      ...(options.metricsRetentionDays !== undefined ? { metricsRetentionDays: options.metricsRetentionDays } : {}),
      ...(options.tenantRetentionDays !== undefined ? { tenantRetentionDays: options.tenantRetentionDays } : {}),
      ...(options.logsRetentionDays !== undefined ? { logsRetentionDays: options.logsRetentionDays } : {}),
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const features = featuresForVersion(engine.version);
  const distributed = cluster !== undefined;
  const { retentionDays, metricsRetentionDays } = options;
  const logsRetentionDays = options.logsRetentionDays ?? retentionDays;
  if (features.ttl || (retentionDays === undefined && metricsRetentionDays === undefined && logsRetentionDays === undefined)) {
    return new ClickHouseTraceStore(engine, database, { distributed });
  }
  // No TTL (18.16): expired day partitions are dropped at start-up (migrate) and every hour.
  const ctx = ddlContext(database, features, cluster);
  const maintenance = async (): Promise<void> => {
    if (retentionDays !== undefined) await applyRetention(engine, ctx, retentionDays, SPAN_RETENTION_TABLES);
    if (metricsRetentionDays !== undefined) await applyRetention(engine, ctx, metricsRetentionDays, METRICS_RETENTION_TABLES);
    if (logsRetentionDays !== undefined) await applyRetention(engine, ctx, logsRetentionDays, LOGS_RETENTION_TABLES);
  };
  return new ClickHouseTraceStore(engine, database, { distributed, maintenance });
}
