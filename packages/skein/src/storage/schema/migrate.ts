import type { EngineFeatures } from '../engine-features.js';
import type { SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { ddlContext, type DdlContext } from './ddl-context.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export interface MigrateOptions {
  database: string;
  features: EngineFeatures;
  /** Drop data older than this many days, on engines with TTL. Default: keep everything. */
  retentionDays?: number;
  /** Drop metrics (span metrics, service-graph edges, exemplars) older than this many days. Default: keep. */
  metricsRetentionDays?: number;
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

/** Tables with a time, and that time in Unix nanoseconds: what TTL applies to. */
const TTL_TABLES: readonly (readonly [string, string])[] = [
  ['trace_spans_v3', 'start_ns'],
  ['trace_index_v3', 'toUInt64(bucket) * 60000000000'],
  ['operations_v3', 'last_seen_ns'],
];

/** The metrics tables: their own retention (`storage.metrics_retention_days`), usually longer. */
const METRICS_TTL_TABLES: readonly (readonly [string, string])[] = [
  ['span_metrics_v4', 'toUInt64(minute) * 60000000000'],
  ['service_graph_edges_v4', 'toUInt64(minute) * 60000000000'],
  ['metric_exemplars_v4', 'toUInt64(minute) * 60000000000'],
];

/** The logs tables (schema v6): their own retention (`storage.logs_retention_days`, default the spans'). */
const LOGS_TTL_TABLES: readonly (readonly [string, string])[] = [
  ['logs_v6', 'ts_ns'],
  ['logs_trace_index_v6', 'toUInt64(bucket) * 60000000000'],
];

/**
 * Brings the database to the newest schema: creates `schema_migrations`, applies each missing
 * migration in order, records it. Safe to run at every start-up and from two processes at once
 * (statements are idempotent; a version recorded twice is read with DISTINCT).
 */
export async function migrate(engine: SqlEngine, options: MigrateOptions): Promise<MigrationOutcome> {
  const ctx = ddlContext(options.database, options.features);
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  try {
    await engine.command(
      `CREATE TABLE IF NOT EXISTS ${ctx.db}.schema_migrations (version UInt32, name String, applied_at DateTime) ENGINE = MergeTree() ORDER BY version`,
    );
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
    if (options.retentionDays !== undefined) await applyRetention(engine, ctx, options.retentionDays, TTL_TABLES);
    if (options.metricsRetentionDays !== undefined && done.has(4)) {
      await applyRetention(engine, ctx, options.metricsRetentionDays, METRICS_TTL_TABLES);
    }
    const logsRetentionDays = options.logsRetentionDays ?? options.retentionDays;
    if (logsRetentionDays !== undefined && done.has(6)) await applyRetention(engine, ctx, logsRetentionDays, LOGS_TTL_TABLES);
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

/**
 * Retention is configuration, not schema history: it may change between runs, so it is (re)set at
 * every start-up instead of living in a migration. Engines without TTL keep everything.
 */
async function applyRetention(
  engine: SqlEngine,
  ctx: DdlContext,
  days: number,
  tables: readonly (readonly [string, string])[],
): Promise<void> {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new StorageError('schema', `retention must be a whole number of days between 1 and 36500, got ${days}`);
  }
  if (!ctx.features.ttl) return;
  // MODIFY TTL starts a mutation over every part: only issue it when the TTL actually changes.
  const current = new Map(
    (
      await engine.query<{ name: string; engine_full: string }>(
        'SELECT name, engine_full FROM system.tables WHERE database = {database:String}',
        {
          database: ctx.database,
        },
      )
    ).map((r) => [r.name, r.engine_full]),
  );
  for (const [table, column] of tables) {
    const wanted = `TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + toIntervalDay(${days})`;
    if (current.get(table)?.includes(wanted) === true) continue;
    await engine.command(
      `ALTER TABLE ${ctx.db}.${table} MODIFY TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + toIntervalDay({days:UInt32})`,
      { days },
    );
  }
}
