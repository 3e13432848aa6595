import { bindSql } from '../sql-binding.js';
import type { SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { dayPartition, type DdlContext } from './ddl-context.js';
import { onCluster, storedTableName } from './render-ddl.js';
import type { TableDefinition } from './table-definitions.js';

const DAY_NS = 86_400n * 1_000_000_000n;

/** What retention needs of a table: its name, and its partition key (day partitions can be dropped). */
export type RetentionTable = Pick<TableDefinition, 'name' | 'partitionBy'>;

/**
 * Retention is configuration, not schema history: it may change between runs, so it is (re)set at
 * every start-up instead of living in a migration, and works on every engine (ARCHITECTURE
 * decision 11): a table TTL where the engine has one, else the expired day partitions are dropped
 * (here at start-up, and by the store's retention timer every hour after that).
 */
export async function applyRetention(
  engine: SqlEngine,
  ctx: DdlContext,
  days: number | undefined,
  tables: readonly (readonly [RetentionTable, string])[],
  tenantDays: Readonly<Record<string, number>> = {},
  nowMillis = Date.now(),
): Promise<void> {
  const interval = retentionInterval(days, tenantDays); // validates every value
  if (ctx.features.ttl) await setTtl(engine, ctx, interval, tables);
  // Partitions are days, not tenants: without TTL only the global days apply (host.ts warns).
  else if (days !== undefined) await dropExpiredPartitions(engine, ctx, days, tables, nowMillis);
}

/** A TTL's days are at most this: `toDateTime` past 2106 wraps around, and the rows would be dropped at once. */
const KEEP_DAYS = 20_000;

/**
 * The interval expression of a retention: `toIntervalDay(7)`, or with per-tenant days
 * `toIntervalDay(multiIf(tenant = 'a', 7, tenant = 'b', 30, <default>))`, tenant IDs bound as
 * values (sql-binding.ts). Tenants without their own days keep `days`, or everything (KEEP_DAYS).
 */
export function retentionInterval(days: number | undefined, tenantDays: Readonly<Record<string, number>>): string {
  for (const value of [days, ...Object.values(tenantDays)]) {
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

async function setTtl(
  engine: SqlEngine,
  ctx: DdlContext,
  interval: string,
  tables: readonly (readonly [RetentionTable, string])[],
): Promise<void> {
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
    const stored = storedTableName(ctx, table.name);
    const wanted = `TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + ${interval}`;
    if (current.get(stored)?.includes(wanted) === true) continue;
    // `interval` holds only integers and values bound by bindSql (retentionInterval).
    await engine.command(`ALTER TABLE ${ctx.db}.${stored}${onCluster(ctx)} MODIFY ${wanted}`);
  }
}

/**
 * Drops every whole UTC day older than `days` before today from each day-partitioned table. The
 * expired days are found through the table Skein reads (on a cluster the Distributed table, so
 * every shard's days are seen; the partition key's min/max index prunes to expired partitions),
 * and each is dropped `ON CLUSTER` from the replicated local tables: every shard drops it, each
 * replica through replication or the DDL queue, including a replica that is down right now.
 * Dropping is idempotent; a day still being written is never expired. Returns the days dropped.
 */
export async function dropExpiredPartitions(
  engine: SqlEngine,
  ctx: DdlContext,
  days: number,
  tables: readonly (readonly [RetentionTable, string])[],
  nowMillis = Date.now(),
): Promise<string[]> {
  const today = (BigInt(Math.floor(nowMillis)) * 1_000_000n) / DAY_NS;
  const cutoffNs = (today - BigInt(days)) * DAY_NS;
  const dropped: string[] = [];
  for (const [table, column] of tables) {
    if (table.partitionBy !== dayPartition(column)) continue; // e.g. operations_v3: tiny, not partitioned
    const expired = await engine.query<{ day: string }>(
      `SELECT DISTINCT toString(${dayPartition(column)}) AS day FROM ${ctx.db}.${table.name} WHERE ${column} < {cutoff:UInt64} ORDER BY day`,
      { cutoff: cutoffNs },
    );
    for (const { day } of expired) {
      // A partition value is a YYYYMMDD number: checked, as it is spelt into the ALTER.
      if (!/^\d{8}$/.test(day)) throw new StorageError('schema', `unexpected ${table.name} partition ${JSON.stringify(day)}`);
      await engine.command(`ALTER TABLE ${ctx.db}.${storedTableName(ctx, table.name)}${onCluster(ctx)} DROP PARTITION ${day}`);
      dropped.push(`${table.name}/${day}`);
    }
  }
  return dropped;
}
