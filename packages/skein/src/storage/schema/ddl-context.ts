import type { EngineFeatures } from '../engine-features.js';
import { quoteIdentifier } from '../sql-binding.js';

/**
 * What DDL rendering depends on: the database and the engine's features. Everything a feature
 * changes is a storage detail (type wrapper, codec, index); column names and their value domains
 * are identical on every engine, so every query runs unchanged on all of them.
 */
export interface DdlContext {
  readonly features: EngineFeatures;
  /** Quoted, validated database name, for statements. */
  readonly db: string;
  /** The plain name, for binding as a value (system tables). */
  readonly database: string;
  /** Set when the schema's cluster variant is wanted (ARCHITECTURE decision 11). */
  readonly cluster?: ClusterDdl;
}

/**
 * The cluster variant: each table is a `Replicated*MergeTree` local table on every node, named
 * `<name>_local`, plus a `Distributed` table under the table's own name, so every query and insert
 * runs unchanged through the Distributed tables. DDL runs `ON CLUSTER` (every supported engine,
 * 18.16 included, has distributed DDL through ZooKeeper or Keeper), once for the whole cluster.
 */
export interface ClusterDdl {
  /** The cluster's name in the servers' `remote_servers`; validated identifier. */
  readonly name: string;
  /**
   * The replication path of a local table; `{table}` is replaced by the local table's name and
   * `{database}` by the database; `{shard}` is the servers' macro. Default
   * `/clickhouse/tables/{shard}/{database}/{table}`.
   */
  readonly replicationPath: string;
}

export const DEFAULT_REPLICATION_PATH = '/clickhouse/tables/{shard}/{database}/{table}';

export function ddlContext(database: string, features: EngineFeatures, cluster?: ClusterDdl): DdlContext {
  if (cluster !== undefined) quoteIdentifier(cluster.name);
  return { features, db: quoteIdentifier(database), database, ...(cluster !== undefined ? { cluster } : {}) };
}

/** `LowCardinality(String)` where supported, else `String`. */
export function lowCardinalityString(ctx: DdlContext): string {
  return ctx.features.lowCardinality ? 'LowCardinality(String)' : 'String';
}

/** A column codec clause (with its leading space), or nothing on engines without codecs. */
export function codec(ctx: DdlContext, spec: string): string {
  return ctx.features.codecs ? ` CODEC(${spec})` : '';
}

/** A data-skipping index line (with its leading comma), or nothing on engines without them. */
export function skipIndex(ctx: DdlContext, definition: string): string {
  return ctx.features.skipIndexes ? `,\n  INDEX ${definition}` : '';
}

/**
 * Day partitions of a nanosecond column. The time zone is fixed so that partition boundaries do
 * not depend on the server's configuration.
 */
export function dayPartition(column: string): string {
  return `toYYYYMMDD(toDateTime(intDiv(${column}, 1000000000), 'UTC'))`;
}
