import type { Span, SpanKind } from '../model/span.js';
import { quoteIdentifier, type SqlParams } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import { attributeKvToken, buildRowBatches, spansFromRows, type SpanRow } from './span-rows.js';
import {
  dependenciesSql,
  getTraceSql,
  listOperationsSql,
  listServicesSql,
  searchTracesSql,
  type DependencyRow,
  type SearchRow,
} from './trace-queries.js';
import {
  StorageError,
  type DependencyEdge,
  type OperationInfo,
  type ServiceSpanCount,
  type TraceSearchQuery,
  type TraceStore,
  type TraceSummary,
} from './trace-store.js';

const MAX_SEARCH_LIMIT = 10000;
const MAX_KNOWN_OPERATIONS = 100_000;

/** {@link TraceStore} over any {@link SqlEngine}: the same schema and SQL on every engine. */
export class ClickHouseTraceStore implements TraceStore {
  readonly description: string;
  private readonly db: string;
  private readonly sql: { getTrace: string; services: string; operations: string; dependencies: string };
  private readonly tables: { spans: string; spanSearch: string; operations: string };
  private closed = false;
  /** Operations written by this process, with the last-seen time written: see buildRowBatches. */
  private readonly knownOperations = new Map<string, bigint>();

  constructor(
    private readonly engine: SqlEngine,
    database: string,
  ) {
    this.description = `${engine.name} ${engine.version}`;
    this.db = quoteIdentifier(database);
    this.sql = {
      getTrace: getTraceSql(this.db),
      services: listServicesSql(this.db),
      operations: listOperationsSql(this.db),
      dependencies: dependenciesSql(this.db),
    };
    // Insert targets are plain `db.table` (chDB's raw insert accepts no quoting); the name is
    // validated by quoteIdentifier above.
    this.tables = { spans: `${database}.spans`, spanSearch: `${database}.span_search`, operations: `${database}.operations` };
  }

  /**
   * One insert per table, in the order that keeps reads consistent: full spans first (what a
   * search resolves to), then the search rows, then the operation list. A failure part-way leaves
   * some tables written; the contract lets callers retry, and readers dedupe by span ID.
   */
  async writeSpans(spans: readonly Span[]): Promise<void> {
    if (spans.length === 0) return;
    const batches = buildRowBatches(spans, this.knownOperations);
    // A server runs the two inserts in parallel; chDB serialises them, at no extra cost.
    await Promise.all([
      this.engine.insertJsonEachRow(this.tables.spans, batches.spans),
      this.engine.insertJsonEachRow(this.tables.spanSearch, batches.spanSearch),
    ]);
    if (batches.operations.length === 0) return;
    await this.engine.insertJsonEachRow(this.tables.operations, batches.operations);
    // Span names with IDs in them can make operations unbounded: forget rather than grow.
    if (this.knownOperations.size > MAX_KNOWN_OPERATIONS) this.knownOperations.clear();
    for (const [key, lastSeen] of batches.writtenOperations) this.knownOperations.set(key, lastSeen);
  }

  async getTrace(traceId: string): Promise<Span[]> {
    const rows = await this.engine.query<SpanRow>(this.sql.getTrace, { traceId });
    try {
      return spansFromRows(rows);
    } catch (error) {
      throw new StorageError('rejected', `stored spans of trace ${traceId} could not be decoded: ${String(error)}`, { cause: error });
    }
  }

  async searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
      throw new StorageError('rejected', `search limit must be an integer in 1..${MAX_SEARCH_LIMIT}, got ${query.limit}`);
    }
    if (query.endTimeUnixNano < query.startTimeUnixNano) return [];
    const params: Record<string, unknown> = {
      startNs: clampUInt64(query.startTimeUnixNano),
      endNs: clampUInt64(query.endTimeUnixNano),
      limit: query.limit,
    };
    if (query.serviceName !== undefined) params['serviceName'] = query.serviceName;
    if (query.spanName !== undefined) params['spanName'] = query.spanName;
    query.attributes.forEach((filter, i) => {
      params[`attr${i}`] = attributeKvToken(filter.key, filter.value);
    });
    if (query.minDurationNano !== undefined) params['minDurationNs'] = clampUInt64(query.minDurationNano);
    if (query.maxDurationNano !== undefined) {
      if (query.maxDurationNano < 0n) return [];
      params['maxDurationNs'] = clampUInt64(query.maxDurationNano);
    }
    const sql = searchTracesSql(this.db, {
      serviceName: query.serviceName !== undefined,
      spanName: query.spanName !== undefined,
      attributeCount: query.attributes.length,
      minDuration: query.minDurationNano !== undefined,
      maxDuration: query.maxDurationNano !== undefined,
      errorsOnly: query.errorsOnly,
    });
    const rows = await this.engine.query<SearchRow>(sql, params as SqlParams);
    return rows.map(summaryFromRow);
  }

  async listServices(): Promise<string[]> {
    const rows = await this.engine.query<{ service_name: string }>(this.sql.services);
    return rows.map((r) => r.service_name);
  }

  async listOperations(serviceName: string): Promise<OperationInfo[]> {
    const rows = await this.engine.query<{ name: string; kind: number }>(this.sql.operations, { serviceName });
    return rows.map((r) => ({ name: r.name, spanKind: Number(r.kind) as SpanKind }));
  }

  async getDependencies(startTimeUnixNano: bigint, endTimeUnixNano: bigint): Promise<DependencyEdge[]> {
    if (endTimeUnixNano < startTimeUnixNano) return [];
    const rows = await this.engine.query<DependencyRow>(this.sql.dependencies, {
      startNs: clampUInt64(startTimeUnixNano),
      endNs: clampUInt64(endTimeUnixNano),
    });
    return rows.map((r) => ({
      parentService: r.parent_service,
      childService: r.child_service,
      callCount: Number(r.call_count),
      errorCount: Number(r.error_count),
    }));
  }

  async ping(): Promise<void> {
    await this.engine.query('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }
}

/** Times and durations are unsigned 64-bit in storage; a query bound outside that range is clamped. */
function clampUInt64(value: bigint): bigint {
  if (value < 0n) return 0n;
  const max = 18446744073709551615n;
  return value > max ? max : value;
}

function summaryFromRow(row: SearchRow): TraceSummary {
  const services: ServiceSpanCount[] = row.services.map((serviceName, i) => ({
    serviceName,
    spanCount: Number(row.service_spans[i] ?? 0),
  }));
  // Byte order for names, as the engine sorts strings, so every list Skein returns agrees.
  services.sort((a, b) => b.spanCount - a.spanCount || Buffer.compare(Buffer.from(a.serviceName), Buffer.from(b.serviceName)));
  return {
    traceId: row.trace_id,
    rootServiceName: row.root_service,
    rootSpanName: row.root_name,
    rootSpanMissing: Number(row.has_root) === 0,
    startTimeUnixNano: BigInt(row.start_text),
    durationNano: BigInt(row.duration_text),
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    services,
  };
}
