import type { EngineFeatures } from '../engine-features.js';
import { bindSql } from '../sql-binding.js';
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
  /**
   * Days each named tenant's spans are kept, overriding `retentionDays` (`default`: every tenant
   * not named). One TTL whose interval depends on the row's tenant, so ClickHouse drops each
   * tenant's rows on its own schedule while merging, with no job of Skein's.
   */
  tenantRetentionDays?: Readonly<Record<string, number>>;
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
    if (options.retentionDays !== undefined || options.tenantRetentionDays !== undefined) {
      await applyRetention(engine, ctx, retentionInterval(options.retentionDays, options.tenantRetentionDays ?? {}), TTL_TABLES);
    }
    if (options.metricsRetentionDays !== undefined && done.has(4)) {
      await applyRetention(engine, ctx, retentionInterval(options.metricsRetentionDays, {}), METRICS_TTL_TABLES);
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

/** A TTL's days are at most this: `toDateTime` past 2106 wraps around, and the rows would be dropped at once. */
const KEEP_DAYS = 20_000;

/**
 * The interval expression of a retention: `toIntervalDay(7)`, or with per-tenant days
 * `toIntervalDay(multiIf(tenant = 'a', 7, tenant = 'b', 30, <default>))`, tenant IDs bound as
 * values (sql-binding.ts). Tenants without their own days keep `days`, or everything (KEEP_DAYS).
 */
export function retentionInterval(days: number | undefined, tenantDays: Readonly<Record<string, number>>): string {
  const all = [days, ...Object.values(tenantDays)];
  for (const value of all) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 36500)) {
      throw new StorageError('schema', `retention must be a whole number of days between 1 and 36500, got ${value}`);
    }
  }
  const fallback = tenantDays['default'] ?? days ?? KEEP_DAYS;
  const named = Object.entries(tenantDays).filter(([tenant]) => tenant !== 'default');
  if (named.length === 0) return `toIntervalDay(${fallback})`;
  const params: Record<string, unknown> = {};
  const branches = named.map(([tenant, tenantDaysValue], index) => {
    params[`tenant${index}`] = tenant;
    return `tenant = {tenant${index}:String}, ${tenantDaysValue}`;
  });
  return bindSql(`toIntervalDay(multiIf(${branches.join(', ')}, ${fallback}))`, params);
}

/**
 * Retention is configuration, not schema history: it may change between runs, so it is (re)set at
 * every start-up instead of living in a migration. Engines without TTL keep everything.
 */
async function applyRetention(
  engine: SqlEngine,
  ctx: DdlContext,
  interval: string,
  tables: readonly (readonly [string, string])[],
): Promise<void> {
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
    const wanted = `TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + ${interval}`;
    if (current.get(table)?.includes(wanted) === true) continue;
    // `interval` holds only integers and values bound by bindSql.
    await engine.command(`ALTER TABLE ${ctx.db}.${table} MODIFY ${wanted}`);
  }
}
