import type { SqlEngine } from '../sql-engine.js';
import { StorageError } from '../trace-store.js';
import { dayPartition, type DdlContext } from './ddl-context.js';
import { onCluster, storedTableName } from './render-ddl.js';
import type { TableDefinition } from './table-definitions.js';

const DAY_NS = 86_400n * 1_000_000_000n;

/**
 * Retention is configuration, not schema history: it may change between runs, so it is (re)set at
 * every start-up instead of living in a migration, and works on every engine (ARCHITECTURE
 * decision 11): a table TTL where the engine has one, else the expired day partitions are dropped
 * (here at start-up, and by the store's retention timer every hour after that).
 */
export async function applyRetention(
  engine: SqlEngine,
  ctx: DdlContext,
  days: number,
  tables: readonly (readonly [TableDefinition, string])[],
  nowMillis = Date.now(),
): Promise<void> {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new StorageError('schema', `retention must be a whole number of days between 1 and 36500, got ${days}`);
  }
  if (ctx.features.ttl) await setTtl(engine, ctx, days, tables);
  else await dropExpiredPartitions(engine, ctx, days, tables, nowMillis);
}

async function setTtl(
  engine: SqlEngine,
  ctx: DdlContext,
  days: number,
  tables: readonly (readonly [TableDefinition, string])[],
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
    const wanted = `TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + toIntervalDay(${days})`;
    if (current.get(stored)?.includes(wanted) === true) continue;
    await engine.command(
      `ALTER TABLE ${ctx.db}.${stored}${onCluster(ctx)} MODIFY TTL toDateTime(intDiv(${column}, 1000000000), 'UTC') + toIntervalDay({days:UInt32})`,
      { days },
    );
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
  tables: readonly (readonly [TableDefinition, string])[],
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
