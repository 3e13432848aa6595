import { ClickHouseTraceStore } from './clickhouse-trace-store.js';
import { featuresForVersion } from './engine-features.js';
import { ClickHouseEngine, parseClickHouseUrl, type ClickHouseTls } from './engines/clickhouse-engine.js';
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
  | (CommonOptions & { engine: 'clickhouse'; url: string; tls?: ClickHouseTls });

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
    engine = await ClickHouseEngine.open(options.url, database, options.tls);
  }
  try {
    await migrate(engine, {
      database,
      features: featuresForVersion(engine.version),
      ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
      ...(options.metricsRetentionDays !== undefined ? { metricsRetentionDays: options.metricsRetentionDays } : {}),
      ...(options.logsRetentionDays !== undefined ? { logsRetentionDays: options.logsRetentionDays } : {}),
    });
  } catch (error) {
    await engine.close();
    throw error;
  }
  return new ClickHouseTraceStore(engine, database);
}
