import type { EngineFeatures } from '../engine-features.js';
import type { SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { ddlContext, type ClusterDdl, type DdlContext } from './ddl-context.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { createTableStatements } from './render-ddl.js';
import { applyRetention } from './retention.js';
import {
  LOGS_RETENTION_TABLES,
  METRICS_RETENTION_TABLES,
  OPERATION_THROUGHPUT_V11,
  SCHEMA_MIGRATIONS,
  SPAN_RETENTION_TABLES,
  TRACE_INDEX_V12,
  traceIndexTable,
} from './table-definitions.js';

export interface MigrateOptions {
  database: string;
  features: EngineFeatures;
  /** The schema's cluster variant (Replicated local tables + Distributed tables, DDL ON CLUSTER). */
  cluster?: ClusterDdl;
  /** Drop data older than this many days (TTL, or day-partition drops where TTL is missing). Default: keep everything. */
  retentionDays?: number;
  /** Drop metrics (span metrics, service-graph edges, exemplars) older than this many days. Default: keep. */
  metricsRetentionDays?: number;
  /**
   * Days each named tenant's spans are kept, overriding `retentionDays` (`default`: every tenant
   * not named). One TTL whose interval depends on the row's tenant, so ClickHouse drops each
   * tenant's rows on its own schedule while merging, with no job of Skein's.
   */
  tenantRetentionDays?: Readonly<Record<string, number>>;
  /** Drop log records older than this many days. Default: `retentionDays` (logs live as long as spans). */
  logsRetentionDays?: number;
  /** For tests: a different migration list. */
  migrations?: readonly Migration[];
  /** Progress lines of long data copies (default: written to stderr). */
  progress?: (line: string) => void;
}

export interface MigrationOutcome {
  /** Versions applied by this call, in order. */
  applied: number[];
  /** Highest version now recorded. */
  current: number;
}

/**
 * Migrations of one database run one at a time within a process. Two stores opening the same chDB
 * database at once (one process holds one chDB session) otherwise interleaved: one counted the v2
 * rows to copy while the other had just dropped the v2 tables (about 1 run in 6 of the concurrent
 * start test failed with UNKNOWN_TABLE). Across processes the statements stay idempotent.
 */
const migrationsRunning = new Map<string, Promise<MigrationOutcome>>();

/**
 * Brings the database to the newest schema: creates `schema_migrations`, applies each missing
 * migration in order, records it. Safe to run at every start-up and from two processes at once
 * (statements are idempotent; a version recorded twice is read with DISTINCT).
 */
export async function migrate(engine: SqlEngine, options: MigrateOptions): Promise<MigrationOutcome> {
  const previous = migrationsRunning.get(options.database) ?? Promise.resolve(undefined);
  const mine = previous.catch(() => undefined).then(() => migrateAlone(engine, options));
  migrationsRunning.set(options.database, mine);
  try {
    return await mine;
  } finally {
    if (migrationsRunning.get(options.database) === mine) migrationsRunning.delete(options.database);
  }
}

async function migrateAlone(engine: SqlEngine, options: MigrateOptions): Promise<MigrationOutcome> {
  const ctx = ddlContext(options.database, options.features, options.cluster);
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  try {
    if (ctx.cluster === undefined) {
      await engine.command(
        `CREATE TABLE IF NOT EXISTS ${ctx.db}.schema_migrations (version UInt32, name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY version`,
      );
    } else {
      // Replicated, read through its Distributed table: every node sees the cluster's history.
      for (const statement of createTableStatements(ctx, SCHEMA_MIGRATIONS)) await engine.command(statement);
    }
    const done = new Set(
      (await engine.query<{ version: number }>(`SELECT DISTINCT version FROM ${ctx.db}.schema_migrations`)).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await applyMigration(engine, ctx, migration, options.progress ?? writeProgress);
      applied.push(migration.version);
      done.add(migration.version);
    }
    if (options.retentionDays !== undefined || options.tenantRetentionDays !== undefined) {
      // trace_index_v12 replaces trace_index_v3 with v12, which a partial migration list may leave out.
      const tables = done.has(12)
        ? SPAN_RETENTION_TABLES
        : SPAN_RETENTION_TABLES.map(([table, time]) => [table === TRACE_INDEX_V12 ? traceIndexTable(true) : table, time] as const);
      await applyRetention(engine, ctx, options.retentionDays, tables, options.tenantRetentionDays ?? {});
    }
    if (options.metricsRetentionDays !== undefined && done.has(4)) {
      // operation_throughput_v11 comes with v11, which a partial migration list may leave out.
      const tables = done.has(11)
        ? METRICS_RETENTION_TABLES
        : METRICS_RETENTION_TABLES.filter(([table]) => table !== OPERATION_THROUGHPUT_V11);
      await applyRetention(engine, ctx, options.metricsRetentionDays, tables);
    }
    // On a cluster too: the logs tables' replicated variants drop a day ON CLUSTER like the spans'
    // (test/cluster/clickhouse-cluster-store.cluster.ts).
    const logsRetentionDays = options.logsRetentionDays ?? options.retentionDays;
    if (logsRetentionDays !== undefined && done.has(6)) {
      await applyRetention(engine, ctx, logsRetentionDays, LOGS_RETENTION_TABLES);
    }
    return { applied, current: Math.max(0, ...done) };
  } catch (error) {
    if (error instanceof StorageError && error.code === 'unavailable') throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new StorageError('schema', `schema migration of ${options.database} failed: ${message}`, { cause: error });
  }
}

function writeProgress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function applyMigration(engine: SqlEngine, ctx: DdlContext, migration: Migration, progress: (line: string) => void): Promise<void> {
  for (const statement of migration.statements(ctx)) await engine.command(statement);
  await migration.moveData?.(engine, ctx, progress);
  await engine.command(
    `INSERT INTO ${ctx.db}.schema_migrations (version, name, applied_at) SELECT {version:UInt32}, {name:String}, now()`,
    {
      version: migration.version,
      name: migration.name,
    },
  );
}
