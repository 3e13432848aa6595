import type { LogRecord } from '../model/log-record.js';
import type { Span } from '../model/span.js';
import { buildLogRowBatches, LOG_COLUMNS } from './log-rows.js';
import type { TenantId } from '../model/tenant.js';
import { ClickHouseTraceReader, readStatements, type ReadCaches, type ReadStatements } from './clickhouse-trace-reader.js';
import { ResourceSetCache } from './resource-sets.js';
import { quoteIdentifier } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import { insertResourcesAndScopes, insertRowBatches } from './span-writer.js';
import { buildRowBatchesInTurns } from './span-rows.js';
import { StorageError, type SamplingProbability, type TenantTraceReader, type TraceStore } from './trace-store.js';
import { tsvString } from './tsv-text.js';
import type { MetricsBatch } from './metrics-store.js';
import { writeMetricsBatch } from './metrics-tables.js';
import { ClickHouseApiTokenTable } from './api-token-table.js';
import type { ApiTokenTable } from './api-tokens.js';

const SAMPLING_COLUMNS = ['tenant', 'service_name', 'operation', 'probability', 'computed_ms'];

/** How often a store without TTL drops expired day partitions (schema/retention.ts). */
const MAINTENANCE_INTERVAL_MILLIS = 3_600_000;
import type { AlertStore } from './alert-store.js';
import { ClickHouseAlertStore } from './alert-tables.js';

/** Caches of names and hashes are forgotten when they grow past this (IDs in names, churn). */
const MAX_KNOWN = 100_000;

/**
 * {@link TraceStore} over any {@link SqlEngine}: the same schema and SQL on every engine. Writes
 * are here; reads are {@link ClickHouseTraceReader}s, one tenant each.
 */
export class ClickHouseTraceStore implements TraceStore {
  readonly description: string;
  readonly alerts: AlertStore;
  private readonly sql: ReadStatements;
  private closed = false;
  /** What this process has stored (written after the insert succeeded), by tenant: see buildRowBatches. */
  private readonly known = { resources: new Set<string>(), scopes: new Set<string>(), operations: new Map<string, bigint>() };
  private readonly caches: ReadCaches;

  private readonly maintenanceTimer: NodeJS.Timeout | undefined;
  private readonly distributed: boolean;
  /** The last failure of the hourly maintenance, if its last run failed (retried an hour later). */
  maintenanceError: unknown;

  constructor(
    private readonly engine: SqlEngine,
    /** Validated by quoteIdentifier below before any use. */
    private readonly database: string,
    options: {
      /** Run every hour while open (retention by partition drops where the engine has no TTL). */
      maintenance?: () => Promise<void>;
      /** Reads go through a cluster's Distributed tables (see ClickHouseTraceReader). */
      distributed?: boolean;
    } = {},
  ) {
    const { maintenance } = options;
    this.distributed = options.distributed ?? false;
    this.description = `${engine.name} ${engine.version}`;
    this.sql = readStatements(quoteIdentifier(database));
    this.caches = {
      resourceRows: new Map(),
      scopeRows: new Map(),
      ...(engine.soleWriter === true && !this.distributed ? { resourceSets: new ResourceSetCache(database) } : {}),
    };
    if (maintenance !== undefined) {
      this.maintenanceTimer = setInterval(() => {
        maintenance().then(
          () => (this.maintenanceError = undefined),
          (error: unknown) => (this.maintenanceError = error),
        );
      }, MAINTENANCE_INTERVAL_MILLIS);
      this.maintenanceTimer.unref();
    }
    this.alerts = new ClickHouseAlertStore(engine, quoteIdentifier(database));
  }

  /** One insert per table with new rows (see insertRowBatches); most batches need only `trace_spans`. */
  async writeSpans(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) return;
    const batches = await buildRowBatchesInTurns(spans, this.known, undefined, this.engine.bulkInsertFormat);
    await insertRowBatches(this.engine, this.database, batches);
    // Only now: a failed insert must not make a later batch skip what it failed to store.
    remember(this.known.resources, batches.newResources);
    remember(this.known.scopes, batches.newScopes);
    if (this.known.operations.size > MAX_KNOWN) this.known.operations.clear();
    for (const [key, lastSeen] of batches.writtenOperations) this.known.operations.set(key, lastSeen);
  }

  async writeSamplingProbabilities(rows: readonly SamplingProbability[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows
      .map((row) => {
        if (!Number.isFinite(row.probability))
          throw new StorageError('rejected', `sampling probability must be finite, got ${row.probability}`);
        return `${tsvString(row.tenant)}\t${tsvString(row.serviceName)}\t${tsvString(row.operation)}\t${row.probability}\t${Math.trunc(row.computedAtMillis)}\n`;
      })
      .join('');
    await this.engine.insertTabSeparated(`${this.database}.sampling_probabilities`, SAMPLING_COLUMNS, Buffer.from(text));
  }

  /** Records' resources and scopes first (shared with spans), then the records; the trace index fills itself. */
  async writeLogs(logs: readonly LogRecord[]): Promise<void> {
    if (logs.length === 0) return;
    const batches = buildLogRowBatches(logs, this.known);
    await insertResourcesAndScopes(this.engine, this.database, batches);
    await this.engine.insertTabSeparated(`${this.database}.logs_v6`, LOG_COLUMNS, batches.logs);
    remember(this.known.resources, batches.newResources);
    remember(this.known.scopes, batches.newScopes);
  }

  async writeMetrics(batch: MetricsBatch): Promise<void> {
    await writeMetricsBatch(this.engine, this.database, batch);
  }

  forTenant(tenant: TenantId): TenantTraceReader {
    return new ClickHouseTraceReader(this.engine, this.sql, this.caches, tenant, this.distributed);
  }

  apiTokens(): ApiTokenTable {
    return new ClickHouseApiTokenTable(this.engine, this.database);
  }

  async ping(): Promise<void> {
    await this.engine.query('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenanceTimer);
    await this.engine.close();
  }
}

function remember(known: Set<string>, hashes: readonly string[]): void {
  if (known.size + hashes.length > MAX_KNOWN) known.clear();
  for (const hash of hashes) known.add(hash);
}
