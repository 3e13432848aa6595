import { quoteIdentifier } from '../sql-binding.js';
import type { DdlContext } from './ddl-context.js';
import type { TableDefinition } from './table-definitions.js';

/** Suffix of a cluster's per-node table; the Distributed table carries the definition's name. */
export const LOCAL_SUFFIX = '_local';

/** ` ON CLUSTER "<name>"` on a cluster, else nothing. */
export function onCluster(ctx: DdlContext): string {
  return ctx.cluster === undefined ? '' : ` ON CLUSTER ${quoteIdentifier(ctx.cluster.name)}`;
}

/** The table that physically holds a definition's rows on a node: `<name>_local` on a cluster. */
export function storedTableName(ctx: DdlContext, name: string): string {
  return ctx.cluster === undefined ? name : `${name}${LOCAL_SUFFIX}`;
}

/** A path or name is spelt into a string literal: only characters that cannot end it. */
function literal(text: string): string {
  if (!/^[A-Za-z0-9_/{}.-]+$/.test(text)) throw new Error(`unexpected character in ${JSON.stringify(text)}`);
  return `'${text}'`;
}

function engineClause(ctx: DdlContext, table: TableDefinition): string {
  const version = table.versionColumn ?? '';
  if (ctx.cluster === undefined) return `${table.engine}(${version})`;
  const path = ctx.cluster.replicationPath.replaceAll('{database}', ctx.database).replaceAll('{table}', storedTableName(ctx, table.name));
  const args = [literal(path), literal('{replica}'), ...(version === '' ? [] : [version])];
  return `Replicated${table.engine}(${args.join(', ')})`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for one definition. Single node: the table itself. Cluster: the
 * replicated local table on every node, then the Distributed table over it (same columns, `AS`),
 * sharded by the definition's key, both `ON CLUSTER`. Idempotent either way.
 */
export function createTableStatements(ctx: DdlContext, table: TableDefinition): string[] {
  const stored = storedTableName(ctx, table.name);
  const tail = [
    table.partitionBy === undefined ? '' : `\nPARTITION BY ${table.partitionBy}`,
    `\nORDER BY ${table.orderBy}`,
    table.settings === undefined ? '' : `\nSETTINGS ${table.settings}`,
  ].join('');
  const create = `CREATE TABLE IF NOT EXISTS ${ctx.db}.${stored}${onCluster(ctx)} (
${table.columns(ctx)}
) ENGINE = ${engineClause(ctx, table)}${tail}`;
  if (ctx.cluster === undefined) return [create];
  const distributed = `CREATE TABLE IF NOT EXISTS ${ctx.db}.${table.name}${onCluster(ctx)} AS ${ctx.db}.${stored}
ENGINE = Distributed(${literal(ctx.cluster.name)}, ${literal(ctx.database)}, ${literal(stored)}, ${table.shardingKey})`;
  return [create, distributed];
}

/**
 * A materialized view filling `target` from every insert into `source`. On a cluster it reads and
 * writes the local tables of each node: both are sharded by the same key, so what a shard's view
 * writes belongs to that shard, and replication carries it to the other replicas.
 */
export function createViewStatement(
  ctx: DdlContext,
  view: string,
  target: string,
  source: string,
  select: string,
  groupBy: string,
): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${ctx.db}.${view}${onCluster(ctx)} TO ${ctx.db}.${storedTableName(ctx, target)}
AS SELECT ${select} FROM ${ctx.db}.${storedTableName(ctx, source)} GROUP BY ${groupBy}`;
}
