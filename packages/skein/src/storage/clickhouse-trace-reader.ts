import type { InstrumentationScope, Resource, Span } from '../model/span.js';
import type { TenantId } from '../model/tenant.js';
import { ClickHouseAnalysisReader, MAX_ATTRIBUTE_LIMIT, type AnalysisStatements } from './clickhouse-analysis-reader.js';
import { windowParams } from './window-params.js';
import type { ResourceSetCache } from './resource-sets.js';
import { ClickHouseLogsReader } from './clickhouse-logs-reader.js';
import { searchTraces, traceQLCandidates, type SearchStatements } from './clickhouse-trace-search.js';
import type { LogSearchQuery, SpanLogCount, StoredLog } from './logs-store.js';
import type { TraceCondition } from './traceql-condition.js';
import { decodeOutlineRow } from './trace-outline-columns.js';
import { isStringLimitError, type SqlEngine } from './sql-engine.js';
import { BUCKET_NANO, storedKey } from './span-rows.js';
import {
  newBuiltObjects,
  resourceFromRow,
  scopeFromRow,
  spansFromRows,
  type BuiltObjects,
  type ResourceRow,
  type ScopeRow,
  type SpanRow,
} from './stored-span-rows.js';
import {
  dependenciesSql,
  getTraceSql,
  incomingLinksSql,
  listOperationsSql,
  listServicesSql,
  resourcesByHashSql,
  scopesByHashSql,
  traceOutlineSql,
  traceSpanPageSql,
  tracesSpansSql,
  type IncomingLinkRow,
} from './trace-queries.js';
import { traceSkeletonsSql, traceSummariesSql } from './search-queries.js';
import {
  MAX_OUTLINE_SPANS,
  MAX_PAGE_SPANS,
  StorageError,
  type CandidateQuery,
  type TracesReadOptions,
  type IncomingLink,
  type TenantTraceReader,
  type TraceOutlineColumns,
  type TraceReadOptions,
  type TraceSearchQuery,
  type TraceSummary,
} from './trace-store.js';

/** Decoded-row caches for reads: resources and scopes never change under a (tenant, hash). */
const MAX_CACHED_ROWS = 10_000;
const DEFAULT_PAGE_SPANS = 10_000;
/**
 * Result text a page of readTrace aims at, an eighth of V8's string cap: after the first page,
 * each page's span count is sized from the text per span measured on the page before, so a page
 * of larger spans than that still fits. The first page is sized by `pageSpans` alone (an extra
 * small page would cost a whole extra pass over the trace: +30 % at 100k spans, measured); one
 * that passes the cap anyway (spans of several kB each) is read again in halves.
 */
const PAGE_TEXT_CHARS = 64 * 1024 * 1024;

/** The store's read statements, rendered once per store (they differ only by database). */
export interface ReadStatements extends AnalysisStatements, SearchStatements {
  getTrace: string;
  outline: string;
  firstPage: string;
  nextPage: string;
  resources: string;
  scopes: string;
  tracesSpans: string;
  tracesSpansNarrow: string;
}

export function readStatements(db: string): ReadStatements {
  return {
    db,
    getTrace: getTraceSql(db),
    outline: traceOutlineSql(db),
    firstPage: traceSpanPageSql(db, false),
    nextPage: traceSpanPageSql(db, true),
    resources: resourcesByHashSql(db),
    scopes: scopesByHashSql(db),
    summaries: traceSummariesSql(db),
    skeletons: traceSkeletonsSql(db),
    services: listServicesSql(db),
    operations: listOperationsSql(db),
    dependencies: dependenciesSql(db),
    tracesSpans: tracesSpansSql(db, true),
    tracesSpansNarrow: tracesSpansSql(db, false),
  };
}

/** Decoded resource / scope rows shared by every reader of a store, keyed by {@link storedKey}. */
export interface ReadCaches {
  resourceRows: Map<string, ResourceRow>;
  scopeRows: Map<string, ScopeRow>;
  /** Where every writer is in this process: search conditions' resource sides (resource-sets.ts). */
  resourceSets?: ResourceSetCache;
}

/**
 * One tenant's reads (TraceStore.forTenant): traces, their search and their logs here, the reads
 * across many spans in the analysis reader it extends. Every statement is bound with this reader's
 * tenant, which each one tests first (trace-queries.ts); the caches are keyed by tenant as well.
 */
export class ClickHouseTraceReader extends ClickHouseAnalysisReader implements TenantTraceReader {
  constructor(
    engine: SqlEngine,
    private readonly sql: ReadStatements,
    private readonly caches: ReadCaches,
    tenant: TenantId,
    /**
     * Reads go through Distributed tables (a cluster). ClickHouse 18.16 applies a page's LIMIT on
     * each shard before the LIMIT 1 BY that drops a span's copies, which it runs only on the node
     * asked: a page can come back short while more spans follow, so only an empty page ends.
     */
    private readonly distributed = false,
  ) {
    super(engine, sql, tenant);
    this.logs = new ClickHouseLogsReader(engine, sql.db, tenant, (resourceHashes, scopeHashes) =>
      this.objectsOf(resourceHashes, scopeHashes),
    );
  }

  private readonly logs: ClickHouseLogsReader;

  getTraceLogs(traceId: string, options?: { spanId?: string; limit?: number }): Promise<StoredLog[]> {
    return this.logs.getTraceLogs(traceId, options);
  }

  getTraceLogCounts(traceId: string): Promise<SpanLogCount[]> {
    return this.logs.getTraceLogCounts(traceId);
  }

  searchLogs(query: LogSearchQuery): Promise<StoredLog[]> {
    return this.logs.searchLogs(query);
  }

  /** Resources and scopes by hash, through the same caches as spans (logs share their rows). */
  private async objectsOf(
    resourceHashes: readonly string[],
    scopeHashes: readonly string[],
  ): Promise<{ resources: Map<string, Resource>; scopes: Map<string, InstrumentationScope> }> {
    const [resourceRows, scopeRows] = await Promise.all([
      this.lookUp(this.caches.resourceRows, this.sql.resources, resourceHashes, (r: ResourceRow) => r.resource_hash),
      this.lookUp(this.caches.scopeRows, this.sql.scopes, scopeHashes, (r: ScopeRow) => r.scope_hash),
    ]);
    const resources = new Map([...resourceRows].map(([hash, row]) => [hash, resourceFromRow(row, this.tenant)]));
    const scopes = new Map([...scopeRows].map(([hash, row]) => [hash, scopeFromRow(row)]));
    return { resources, scopes };
  }

  async getTrace(traceId: string): Promise<Span[]> {
    const rows = await this.engine.query<SpanRow>(this.sql.getTrace, { tenant: this.tenant, traceId });
    return this.spansOf(traceId, rows, newBuiltObjects());
  }

  async *readTrace(traceId: string, options: TraceReadOptions = {}): AsyncGenerator<Span[]> {
    const pageSpans = options.pageSpans ?? DEFAULT_PAGE_SPANS;
    if (!Number.isInteger(pageSpans) || pageSpans < 1 || pageSpans > MAX_PAGE_SPANS) {
      throw new StorageError('rejected', `pageSpans must be an integer in 1..${MAX_PAGE_SPANS}, got ${pageSpans}`);
    }
    const built = newBuiltObjects();
    // Span IDs already yielded: a copy of one of them starting later than its first copy sorts
    // onto a later page, where getTrace's LIMIT 1 BY would have dropped it (~40 B per span).
    const yielded = new Set<string>();
    let limit = pageSpans;
    let after: SpanRow | undefined;
    for (;;) {
      const { rows, textLength, asked } = await this.readPage(traceId, after, limit);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!;
      const fresh = rows.filter((row) => !yielded.has(row.span_id));
      for (const row of fresh) yielded.add(row.span_id);
      if (fresh.length > 0) yield await this.spansOf(traceId, fresh, built);
      if (rows.length < asked && !this.distributed) return;
      limit = Math.max(1, Math.min(pageSpans, Math.floor(PAGE_TEXT_CHARS / Math.max(1, textLength / rows.length))));
    }
  }

  async readTraceOutline(traceId: string): Promise<TraceOutlineColumns> {
    const columns = decodeOutlineRow(await this.engine.queryRowBinary(this.sql.outline, { tenant: this.tenant, traceId }));
    if (columns.spanCount > MAX_OUTLINE_SPANS) {
      throw new StorageError('rejected', `trace ${traceId} has ${columns.spanCount} spans, more than the outline's ${MAX_OUTLINE_SPANS}`);
    }
    return columns;
  }

  /** One page of readTrace; one that overflows V8's string cap anyway is read again in halves. */
  private async readPage(
    traceId: string,
    after: SpanRow | undefined,
    limit: number,
  ): Promise<{ rows: SpanRow[]; textLength: number; asked: number }> {
    for (;;) {
      try {
        const page =
          after === undefined
            ? await this.engine.querySized<SpanRow>(this.sql.firstPage, { tenant: this.tenant, traceId, limit })
            : await this.engine.querySized<SpanRow>(this.sql.nextPage, {
                tenant: this.tenant,
                traceId,
                limit,
                afterBucket: BigInt(after.start_text) / BUCKET_NANO,
                afterStart: BigInt(after.start_text),
                afterSpanId: after.span_id,
              });
        return { ...page, asked: limit };
      } catch (error) {
        if (!isStringLimitError(error) || limit === 1) throw error;
        limit = Math.ceil(limit / 2);
      }
    }
  }

  /** Spans from rows, with their resources and scopes (cached, the rest in one query each). */
  private async spansOf(traceId: string, rows: readonly SpanRow[], built: BuiltObjects): Promise<Span[]> {
    if (rows.length === 0) return [];
    const [resources, scopes] = await Promise.all([
      this.lookUp(
        this.caches.resourceRows,
        this.sql.resources,
        rows.map((r) => r.resource_hash),
        (r: ResourceRow) => r.resource_hash,
      ),
      this.lookUp(
        this.caches.scopeRows,
        this.sql.scopes,
        rows.map((r) => r.scope_hash),
        (r: ScopeRow) => r.scope_hash,
      ),
    ]);
    try {
      return spansFromRows(rows, resources, scopes, this.tenant, built);
    } catch (error) {
      throw new StorageError('rejected', `stored spans of trace ${traceId} could not be decoded: ${String(error)}`, { cause: error });
    }
  }

  /** Resource or scope rows by hash: from the cache (keyed by tenant too), the rest in one query. */
  private async lookUp<Row>(
    cache: Map<string, Row>,
    sql: string,
    wanted: readonly string[],
    hashOf: (row: Row) => string,
  ): Promise<Map<string, Row>> {
    const found = new Map<string, Row>();
    const missing = new Set<string>();
    for (const hash of wanted) {
      const row = cache.get(storedKey(this.tenant, hash));
      if (row !== undefined) found.set(hash, row);
      else missing.add(hash);
    }
    if (missing.size === 0) return found;
    const rows = await this.engine.query<Row>(sql, { tenant: this.tenant, hashes: [...missing] });
    if (cache.size + rows.length > MAX_CACHED_ROWS) cache.clear();
    for (const row of rows) {
      found.set(hashOf(row), row);
      cache.set(storedKey(this.tenant, hashOf(row)), row);
    }
    return found;
  }

  searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]> {
    return searchTraces(
      this.engine,
      this.sql,
      this.tenant,
      query,
      (hashes) => this.lookUp(this.caches.resourceRows, this.sql.resources, hashes, (r: ResourceRow) => r.resource_hash),
      this.caches.resourceSets,
    );
  }

  traceQLCandidates(condition: TraceCondition, query: CandidateQuery): Promise<string[]> {
    return traceQLCandidates(this.engine, this.sql.db, this.tenant, condition, query);
  }

  async findIncomingLinks(traceId: string, startTimeUnixNano: bigint, endTimeUnixNano: bigint, limit: number): Promise<IncomingLink[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ATTRIBUTE_LIMIT) {
      throw new StorageError('rejected', `incoming links limit must be an integer in 1..${MAX_ATTRIBUTE_LIMIT}, got ${limit}`);
    }
    if (endTimeUnixNano < startTimeUnixNano || !/^[0-9a-f]{32}$/.test(traceId)) return [];
    const rows = await this.engine.query<IncomingLinkRow>(incomingLinksSql(this.sql.db), {
      tenant: this.tenant,
      ...windowParams(startTimeUnixNano, endTimeUnixNano),
      needle: `"traceId":"${traceId}"`,
      traceId,
      limit,
    });
    const found: IncomingLink[] = [];
    for (const row of rows) {
      let links: unknown;
      try {
        links = JSON.parse(row.links_text);
      } catch (error) {
        throw new StorageError('rejected', `stored links of span ${row.span_id} could not be decoded: ${String(error)}`, { cause: error });
      }
      for (const link of Array.isArray(links) ? (links as { traceId?: unknown; spanId?: unknown }[]) : []) {
        if (link.traceId !== traceId || typeof link.spanId !== 'string') continue;
        found.push({
          traceId: row.trace_id,
          spanId: row.span_id,
          serviceName: row.service,
          spanName: row.span_name,
          linkedSpanId: link.spanId,
        });
      }
    }
    return found;
  }

  async getTraces(traceIds: readonly string[], options: TracesReadOptions = {}): Promise<Map<string, Span[]>> {
    const traces = new Map<string, Span[]>();
    if (traceIds.length === 0) return traces;
    const sql = options.eventsAndLinks === false ? this.sql.tracesSpansNarrow : this.sql.tracesSpans;
    const rows = await this.engine.query<SpanRow>(sql, { tenant: this.tenant, traceIds: [...traceIds] });
    const built = newBuiltObjects();
    for (let start = 0; start < rows.length;) {
      let end = start;
      while (end < rows.length && rows[end]!.trace_id === rows[start]!.trace_id) end++;
      traces.set(rows[start]!.trace_id, await this.spansOf(rows[start]!.trace_id, rows.slice(start, end), built));
      start = end;
    }
    return traces;
  }
}
