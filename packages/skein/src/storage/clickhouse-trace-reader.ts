import { skewCorrectedExtent, type SkewSpan } from '../model/clock-skew.js';
import { SpanKind, type InstrumentationScope, type Resource, type Span } from '../model/span.js';
import type { TenantId } from '../model/tenant.js';
import { ClickHouseMetricsReader } from './metrics-tables.js';
import { ClickHouseLogsReader } from './clickhouse-logs-reader.js';
import type { LogSearchQuery, SpanLogCount, StoredLog } from './logs-store.js';
import type { SqlParams } from './sql-binding.js';
import type { TraceCondition } from './traceql-condition.js';
import { prefilterSql } from './traceql-prefilter.js';
import { decodeOutlineRow } from './trace-outline-columns.js';
import { isStringLimitError, type SqlEngine } from './sql-engine.js';
import { aggregateSpans, listTypedValues } from './span-aggregation.js';
import { groupSpans, spanHeatmap } from './span-analysis.js';
import { countAttributeValues } from './attribute-counts-sql.js';
import { findTraceShapes, operationTraceGroups } from './trace-shape-sql.js';
import type {
  AttributeCountsQuery,
  AttributeCountsResult,
  GroupByQuery,
  GroupByResult,
  HeatmapQuery,
  HeatmapResult,
  OperationTraceGroups,
  OperationTraceGroupsQuery,
  TraceShape,
  TraceShapeQuery,
} from './span-analysis-types.js';
import type { SpanAggregationQuery, SpanAggregationRow, TypedValueRow, TypedValuesQuery } from './span-query-types.js';
import {
  BUCKET_NANO,
  newBuiltObjects,
  resourceFromRow,
  scopeFromRow,
  spansFromRows,
  storedKey,
  type BuiltObjects,
  type ResourceRow,
  type ScopeRow,
  type SpanRow,
} from './span-rows.js';
import {
  attributeKeysSql,
  attributeValuesSql,
  dependenciesSql,
  getTraceSql,
  incomingLinksSql,
  listOperationsSql,
  listServicesSql,
  resourcesByHashSql,
  samplingProbabilitiesSql,
  scopesByHashSql,
  searchTraceIdsSql,
  traceOutlineSql,
  traceSpanPageSql,
  traceSkeletonsSql,
  traceSummariesSql,
  tracesSpansSql,
  type AttributeKeyRow,
  type AttributeValueRow,
  type DependencyRow,
  type IncomingLinkRow,
  type SearchRow,
  type SkeletonRow,
} from './trace-queries.js';
import {
  MAX_OUTLINE_SPANS,
  MAX_PAGE_SPANS,
  StorageError,
  type AttributeKeyCount,
  type AttributeQuery,
  type AttributeValueCount,
  type CandidateQuery,
  type TracesReadOptions,
  type DependencyEdge,
  type IncomingLink,
  type OperationInfo,
  type SamplingProbability,
  type ServiceSpanCount,
  type TenantTraceReader,
  type TraceOutlineColumns,
  type TraceReadOptions,
  type TraceSearchQuery,
  type TraceSummary,
} from './trace-store.js';

const MAX_SEARCH_LIMIT = 10000;
const MAX_CANDIDATES = 100_000;
const MAX_ATTRIBUTE_LIMIT = 1000;
/** Spans an autocompletion query looks at, at most (see trace-queries.ts, sampledSpans). */
const ATTRIBUTE_SAMPLE_SPANS = 100_000;
/** Decoded-row caches for reads: resources and scopes never change under a (tenant, hash). */
const MAX_CACHED_ROWS = 10_000;
const DEFAULT_PAGE_SPANS = 10_000;
/**
 * Spans of one search result read to correct its clock skew, at most; and of all results of one
 * search together. A bigger trace keeps its raw times (`skewCorrected: false`), so a search of
 * huge traces costs what it cost before (~40 B per span row read).
 */
export const MAX_SKEW_TRACE_SPANS = 10_000;
const MAX_SKEW_SEARCH_SPANS = 200_000;
/**
 * Result text a page of readTrace aims at, an eighth of V8's string cap: after the first page,
 * each page's span count is sized from the text per span measured on the page before, so a page
 * of larger spans than that still fits. The first page is sized by `pageSpans` alone (an extra
 * small page would cost a whole extra pass over the trace: +30 % at 100k spans, measured); one
 * that passes the cap anyway (spans of several kB each) is read again in halves.
 */
const PAGE_TEXT_CHARS = 64 * 1024 * 1024;

/** The store's read statements, rendered once per store (they differ only by database). */
export interface ReadStatements {
  /** The quoted database, for the statements rendered per call. */
  db: string;
  getTrace: string;
  outline: string;
  firstPage: string;
  nextPage: string;
  resources: string;
  scopes: string;
  summaries: string;
  skeletons: string;
  services: string;
  operations: string;
  dependencies: string;
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
}

/**
 * One tenant's reads (TraceStore.forTenant). Every statement is bound with this reader's tenant,
 * which each one tests first (trace-queries.ts); the caches are keyed by tenant as well.
 */
export class ClickHouseTraceReader extends ClickHouseMetricsReader implements TenantTraceReader {
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
    super(engine, sql.db, tenant);
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

  async searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
      throw new StorageError('rejected', `search limit must be an integer in 1..${MAX_SEARCH_LIMIT}, got ${query.limit}`);
    }
    if (query.endTimeUnixNano < query.startTimeUnixNano) return [];
    const params: Record<string, unknown> = {
      tenant: this.tenant,
      ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
      limit: query.limit,
    };
    if (query.serviceName !== undefined) params['serviceName'] = query.serviceName;
    if (query.spanName !== undefined) params['spanName'] = query.spanName;
    query.attributes.forEach((filter, i) => {
      params[`attrKey${i}`] = filter.key;
      params[`attrValue${i}`] = filter.value;
    });
    const terms = query.keysOrEventNames ?? [];
    terms.forEach((term, i) => {
      params[`term${i}`] = term;
      params[`termJson${i}`] = `"name":${JSON.stringify(term)}`;
    });
    if (query.minDurationNano !== undefined) params['minDurationNs'] = clampUInt64(query.minDurationNano);
    if (query.maxDurationNano !== undefined) {
      if (query.maxDurationNano < 0n) return [];
      params['maxDurationNs'] = clampUInt64(query.maxDurationNano);
    }
    const sql = searchTraceIdsSql(this.sql.db, {
      serviceName: query.serviceName !== undefined,
      spanName: query.spanName !== undefined,
      attributeCount: query.attributes.length,
      keyOrEventCount: terms.length,
      minDuration: query.minDurationNano !== undefined,
      maxDuration: query.maxDurationNano !== undefined,
      errorsOnly: query.errorsOnly,
    });
    // Two statements: the matching IDs are few (≤ limit), and sending them back bound reads the
    // traces by primary key; one statement would have to evaluate the search twice on 18.16.
    const traceIds = (await this.engine.query<{ trace_id: string }>(sql, params as SqlParams)).map((r) => r.trace_id);
    if (traceIds.length === 0) return [];
    const rows = await this.engine.query<SearchRow>(this.sql.summaries, { tenant: this.tenant, traceIds });
    return this.correctClockSkew(rows.map(summaryFromRow));
  }

  /**
   * Summaries with the trace page's clock-skew correction applied to start and duration
   * (model/clock-skew.ts), for the traces small enough; the rest keep raw times and say so.
   * Re-sorted newest first by the corrected start (the adjuster moves only non-root spans, so this
   * changes the order only when a skewed span started before its root).
   */
  private async correctClockSkew(summaries: TraceSummary[]): Promise<TraceSummary[]> {
    const chosen: string[] = [];
    let budget = MAX_SKEW_SEARCH_SPANS;
    for (const summary of summaries) {
      if (summary.spanCount <= MAX_SKEW_TRACE_SPANS && summary.spanCount <= budget) {
        chosen.push(summary.traceId);
        budget -= summary.spanCount;
      }
    }
    if (chosen.length === 0) return summaries;
    const rows = await this.engine.query<SkeletonRow>(this.sql.skeletons, { tenant: this.tenant, traceIds: chosen });
    const resources = await this.lookUp(
      this.caches.resourceRows,
      this.sql.resources,
      [...new Set(rows.map((r) => r.resource))],
      (r: ResourceRow) => r.resource_hash,
    );
    const perTrace = new Map<string, SkewSpan[]>();
    for (const row of rows) {
      const span: SkewSpan = {
        spanId: row.span_id,
        parentSpanId: row.parent,
        startNano: BigInt(row.start_text),
        durationNano: BigInt(row.duration_text),
        kind: Number(row.kind) === SpanKind.CLIENT ? 'CLIENT' : Number(row.kind) === SpanKind.SERVER ? 'SERVER' : 'OTHER',
        hostKey: hostKeyOf(resources.get(row.resource), row.service),
      };
      const list = perTrace.get(row.trace_id);
      if (list === undefined) perTrace.set(row.trace_id, [span]);
      else list.push(span);
    }
    const corrected = summaries.map((summary): TraceSummary => {
      const spans = perTrace.get(summary.traceId);
      if (spans === undefined) return summary;
      const extent = skewCorrectedExtent(spans);
      return { ...summary, startTimeUnixNano: extent.startNano, durationNano: extent.durationNano, skewCorrected: true };
    });
    return corrected.sort((a, b) =>
      a.startTimeUnixNano !== b.startTimeUnixNano
        ? a.startTimeUnixNano > b.startTimeUnixNano
          ? -1
          : 1
        : a.traceId < b.traceId
          ? -1
          : a.traceId > b.traceId
            ? 1
            : 0,
    );
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

  async traceQLCandidates(condition: TraceCondition, query: CandidateQuery): Promise<string[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_CANDIDATES) {
      throw new StorageError('rejected', `candidate limit must be an integer in 1..${MAX_CANDIDATES}, got ${query.limit}`);
    }
    if (query.endTimeUnixNano < query.startTimeUnixNano) return [];
    const { sql, params } = prefilterSql(this.sql.db, condition);
    const rows = await this.engine.query<{ trace_id: string }>(sql, {
      ...params,
      tenant: this.tenant,
      ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
      limit: query.limit,
    });
    return rows.map((r) => r.trace_id);
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

  async listServices(): Promise<string[]> {
    const rows = await this.engine.query<{ service_name: string }>(this.sql.services, { tenant: this.tenant });
    return rows.map((r) => r.service_name);
  }

  async listOperations(serviceName: string): Promise<OperationInfo[]> {
    const rows = await this.engine.query<{ name: string; kind: number }>(this.sql.operations, { tenant: this.tenant, serviceName });
    return rows.map((r) => ({ name: r.name, spanKind: Number(r.kind) as SpanKind }));
  }

  async getDependencies(startTimeUnixNano: bigint, endTimeUnixNano: bigint): Promise<DependencyEdge[]> {
    if (endTimeUnixNano < startTimeUnixNano) return [];
    // Edges the metrics tap wrote cover whole minutes: the window is widened to the minutes it touches.
    const startMinute = Number(clampUInt64(startTimeUnixNano) / BUCKET_NANO);
    const endMinute = Number(clampUInt64(endTimeUnixNano) / BUCKET_NANO) + 1;
    const edges = await this.readEdgeCounts(startMinute, endMinute);
    if (edges.length > 0) {
      return edges.map((edge) => ({
        parentService: edge.client,
        childService: edge.server,
        callCount: Math.round(edge.calls),
        errorCount: Math.round(edge.failed),
      }));
    }
    const rows = await this.engine.query<DependencyRow>(this.sql.dependencies, {
      tenant: this.tenant,
      ...windowParams(startTimeUnixNano, endTimeUnixNano),
    });
    return rows.map((r) => ({
      parentService: r.parent_service,
      childService: r.child_service,
      callCount: Number(r.call_count),
      errorCount: Number(r.error_count),
    }));
  }

  async listAttributeKeys(query: AttributeQuery): Promise<AttributeKeyCount[]> {
    const params = this.attributeParams(query);
    if (params === undefined) return [];
    const rows = await this.engine.query<AttributeKeyRow>(attributeKeysSql(this.sql.db, query.serviceName !== undefined), params);
    return rows.map((r) => ({ key: r.key, scope: r.scope, count: Number(r.count) }));
  }

  async listAttributeValues(key: string, query: AttributeQuery): Promise<AttributeValueCount[]> {
    const params = this.attributeParams(query);
    if (params === undefined) return [];
    const rows = await this.engine.query<AttributeValueRow>(attributeValuesSql(this.sql.db, query.serviceName !== undefined), {
      ...params,
      key,
    });
    return rows.map((r) => ({ value: r.value, count: Number(r.count) }));
  }

  aggregateSpans(query: SpanAggregationQuery): Promise<SpanAggregationRow[]> {
    return aggregateSpans(this.engine, this.sql.db, this.tenant, query);
  }

  listTypedValues(query: TypedValuesQuery): Promise<TypedValueRow[]> {
    return listTypedValues(this.engine, this.sql.db, this.tenant, query);
  }

  spanHeatmap(query: HeatmapQuery): Promise<HeatmapResult> {
    return spanHeatmap(this.engine, this.sql.db, this.tenant, query);
  }

  groupSpans(query: GroupByQuery): Promise<GroupByResult> {
    return groupSpans(this.engine, this.sql.db, this.tenant, query);
  }

  countAttributeValues(query: AttributeCountsQuery): Promise<AttributeCountsResult> {
    return countAttributeValues(this.engine, this.sql.db, this.tenant, query);
  }

  findTraceShapes(query: TraceShapeQuery): Promise<TraceShape[]> {
    return findTraceShapes(this.engine, this.sql.db, this.tenant, query);
  }

  operationTraceGroups(query: OperationTraceGroupsQuery): Promise<OperationTraceGroups> {
    return operationTraceGroups(this.engine, this.sql.db, this.tenant, query);
  }

  private attributeParams(query: AttributeQuery): SqlParams | undefined {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_ATTRIBUTE_LIMIT) {
      throw new StorageError('rejected', `attribute limit must be an integer in 1..${MAX_ATTRIBUTE_LIMIT}, got ${query.limit}`);
    }
    if (query.endTimeUnixNano < query.startTimeUnixNano) return undefined;
    return {
      tenant: this.tenant,
      ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
      ...(query.serviceName !== undefined && { serviceName: query.serviceName }),
      sample: ATTRIBUTE_SAMPLE_SPANS,
      limit: query.limit,
    };
  }

  async readSamplingProbabilities(): Promise<SamplingProbability[]> {
    const rows = await this.engine.query<{ service_name: string; operation: string; p: number | string; computed_text: string }>(
      samplingProbabilitiesSql(this.sql.db),
      { tenant: this.tenant },
    );
    return rows.map((row) => ({
      tenant: this.tenant,
      serviceName: row.service_name,
      operation: row.operation,
      probability: Number(row.p),
      computedAtMillis: Number(row.computed_text),
    }));
  }
}

/** A time window as bound parameters: exact nanoseconds and the minute buckets holding them. */
function windowParams(startNano: bigint, endNano: bigint): Record<string, bigint> {
  const startNs = clampUInt64(startNano);
  const endNs = clampUInt64(endNano);
  return { startNs, endNs, startBucket: startNs / BUCKET_NANO, endBucket: endNs / BUCKET_NANO };
}

/** Times and durations are unsigned 64-bit in storage; a query bound outside that range is clamped. */
function clampUInt64(value: bigint): bigint {
  if (value < 0n) return 0n;
  const max = 18446744073709551615n;
  return value > max ? max : value;
}

/** The clock a span was timed by, as the UI's hostKey names it: host, else instance, else service. */
function hostKeyOf(resource: ResourceRow | undefined, serviceName: string): string {
  const value = (key: string): string | undefined => {
    const index = resource?.attr_keys.indexOf(key) ?? -1;
    const found = index < 0 ? undefined : resource?.attr_values[index];
    return found === undefined || found === '' ? undefined : found;
  };
  const host = value('host.name');
  if (host !== undefined) return `host:${host}`;
  const instance = value('service.instance.id');
  if (instance !== undefined) return `instance:${instance}`;
  return `service:${serviceName}`;
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
    skewCorrected: false,
  };
}
