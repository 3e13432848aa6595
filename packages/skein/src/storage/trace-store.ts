import type { Span, SpanKind } from '../model/span.js';
import type { SpanIdTable } from '../model/span-id-table.js';
import type { TenantId } from '../model/tenant.js';
import type { SpanAggregationQuery, SpanAggregationRow, TypedValueRow, TypedValuesQuery } from './span-query-types.js';
import type { TraceCondition } from './traceql-condition.js';
import type { MetricsReader, MetricsWriter } from './metrics-store.js';
import type { ApiTokenTable } from './api-tokens.js';
import type { AlertStore } from './alert-store.js';
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
import type { LogsReader, LogsWriter } from './logs-store.js';

/**
 * One attribute filter of a search: matches a span whose own attributes, or whose resource's
 * attributes, contain `key` with a value whose string form equals `value` (strings as they are,
 * ints in decimal, doubles as JS prints them, booleans as `true`/`false`).
 */
export interface AttributeFilter {
  key: string;
  value: string;
}

/**
 * A trace search. A trace matches when at least one of its spans satisfies every given condition
 * at once (Jaeger's semantics): service, span name, every attribute filter, the duration bounds and
 * `errorsOnly`, with its start inside `[startTimeUnixNano, endTimeUnixNano]`.
 */
export interface TraceSearchQuery {
  serviceName?: string;
  spanName?: string;
  attributes: readonly AttributeFilter[];
  /**
   * Names the span must carry, each as an attribute key (its own or its resource's, any value) or
   * as an event name: Zipkin's bare `annotationQuery` terms (a tag key or an annotation value).
   */
  keysOrEventNames?: readonly string[];
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  /** Only spans with status code ERROR match. */
  errorsOnly: boolean;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** Maximum number of traces returned, 1..10000. */
  limit: number;
}

export interface ServiceSpanCount {
  serviceName: string;
  spanCount: number;
}

/** What a search returns per trace, computed over all of the trace's stored spans. */
export interface TraceSummary {
  traceId: string;
  rootServiceName: string;
  rootSpanName: string;
  /**
   * True when no span of the trace without a parent has been stored (yet): the earliest span
   * stands in for the root in `rootServiceName` / `rootSpanName`.
   */
  rootSpanMissing: boolean;
  /**
   * Earliest span start, after clock-skew correction when `skewCorrected` (the correction the
   * trace page applies: model/clock-skew.ts).
   */
  startTimeUnixNano: bigint;
  /** Latest span end minus earliest span start, corrected likewise. */
  durationNano: bigint;
  /**
   * True when start and duration are clock-skew corrected (they then equal the trace page's);
   * false when they are the raw recorded times (traces of more than 10,000 spans).
   */
  skewCorrected: boolean;
  spanCount: number;
  errorCount: number;
  /** Sorted by span count descending, then service name. */
  services: ServiceSpanCount[];
}

export interface OperationInfo {
  name: string;
  spanKind: SpanKind;
}

/** A caller → callee edge derived from parent/child spans that belong to different services. */
export interface DependencyEdge {
  parentService: string;
  childService: string;
  callCount: number;
  /** Calls whose child span has status ERROR. */
  errorCount: number;
}

/** A window (and optionally a service) for attribute autocompletion. */
export interface AttributeQuery {
  serviceName?: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** Maximum number of entries returned, 1..1000. */
  limit: number;
}

/** An attribute key seen on spans (`span`) or on their resources (`resource`) in the window. */
export interface AttributeKeyCount {
  key: string;
  scope: 'span' | 'resource';
  /** Spans carrying the key (counted over a bounded sample of the window's spans, see below). */
  count: number;
}

export interface AttributeValueCount {
  /** The value as search matches it (see {@link AttributeFilter}). */
  value: string;
  count: number;
}

/** One probability adaptive sampling computed, stored so that every Skein node serves the same. */
export interface SamplingProbability {
  tenant: TenantId;
  serviceName: string;
  operation: string;
  probability: number;
  /** When it was computed; the latest per (tenant, service, operation) wins. */
  computedAtMillis: number;
}

/** The window and size of {@link TenantTraceReader.traceQLCandidates}. */
export interface CandidateQuery {
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** Most trace IDs returned, 1..100,000. */
  limit: number;
}

/** Options of {@link TenantTraceReader.getTraces}. */
export interface TracesReadOptions {
  /** False: spans come back without events and links (their columns are not read). Default true. */
  eventsAndLinks?: boolean;
}

/** A span of another trace that links to a span of the trace asked about (a queue consumer, say). */
export interface IncomingLink {
  /** The linking span. */
  traceId: string;
  spanId: string;
  serviceName: string;
  spanName: string;
  /** The span of the asked trace it links to. */
  linkedSpanId: string;
}

/** Options of {@link TenantTraceReader.readTrace}. */
export interface TraceReadOptions {
  /** Most spans in one page, 1..100,000 (default 10,000). Pages may be smaller, see readTrace. */
  pageSpans?: number;
}

/**
 * The narrow columns of a trace's spans, one entry per span ID (as {@link TenantTraceReader.getTrace}
 * deduplicates: the earliest copy), in no promised order: what the trace outline
 * (query/trace-outline.ts) needs to draw a million-span trace without reading or holding its
 * spans. Binary, not strings: 1M spans are ~40 MB of typed arrays and no string per ID.
 */
export interface TraceOutlineColumns {
  spanCount: number;
  /** Span IDs as 8 bytes each (span `i` at `8 * i`); stored IDs are validated 16-hex-digit IDs. */
  spanIds: Uint8Array;
  /** Parent span IDs likewise; 8 zero bytes for none (a zero span ID is invalid). */
  parentSpanIds: Uint8Array;
  /** Start as whole Unix seconds and the nanoseconds within: both exact as numbers. */
  startSeconds: Uint32Array;
  startNanos: Uint32Array;
  /** Duration in nanoseconds (exact below 2^53 ns, 104 days); a negative stored one is 0. */
  durationsNano: Float64Array;
  /** OTLP status codes: 0 unset, 1 ok, 2 error. */
  statusCodes: Uint8Array;
  /** Distinct service names, and each span's index into them. */
  services: string[];
  serviceIndex: Uint16Array;
  /** Span names as UTF-8, span `i` at `nameBytes[nameOffsets[i] .. nameOffsets[i + 1]]` (decoded when shown). */
  nameBytes: Uint8Array;
  nameOffsets: Uint32Array;
  /** When set, a table over exactly `spanIds` (index `i` for span `i`): built while dropping copies. */
  idTable?: SpanIdTable;
}

/** Most spans {@link TenantTraceReader.readTraceOutline} reads: its one result stays ~100 B/span of text. */
export const MAX_OUTLINE_SPANS = 3_000_000;

/** Largest `pageSpans` a paged read accepts. */
export const MAX_PAGE_SPANS = 100_000;

/**
 * The storage contract every engine implements (chDB embedded, ClickHouse server). One shared
 * test suite (`test/storage/trace-store-contract.ts`) holds every engine to it.
 *
 * Contract:
 * - `writeSpans` resolves only once the spans are durably stored: a process killed with SIGKILL
 *   after the promise resolved loses none of them, and every read started after it resolved sees
 *   them. It rejects with a {@link StorageError} and then nothing of the batch may be assumed
 *   stored (a retry may store spans twice; readers tolerate duplicates by span ID).
 * - Writes are not batched here: callers (the storage exporter) batch; one call is one insert.
 * - Reads never load all spans into JS: filtering and aggregation run in the engine.
 * - Every span field round-trips exactly, including nanosecond times, typed attributes, events,
 *   links, resource, scope and dropped counts.
 * - A resource or scope is stored once per tenant (by content hash) and shared by the spans that
 *   carry it; spans read back from one stored resource/scope share one object.
 * - Tenants are isolated: spans are written under their resource's tenant and read back only
 *   through {@link TraceStore.forTenant} of that tenant. The same trace ID in two tenants is two
 *   traces. Spans read back carry the reader's tenant.
 */
export interface TraceStore extends MetricsWriter, LogsWriter {
  /** Engine name and version, e.g. `chdb 26.7.2.1`, `clickhouse 18.16.1`. */
  readonly description: string;

  /** Stores each span under its own tenant, `span.resource.tenant`; one batch may hold several. */
  writeSpans(spans: readonly Span[]): Promise<void>;

  /**
   * The read side, for one tenant: there is no read without one (ARCHITECTURE decision 10).
   * Every query the reader runs starts with `tenant = {tenant}`, so nothing one tenant stored is
   * visible through another tenant's reader, not even a trace whose ID it knows. Cheap: callers
   * may take one per request.
   */
  forTenant(tenant: TenantId): TenantTraceReader;

  /** Stores adaptive sampling's probabilities, each under its tenant (a small table, tenant first). */
  writeSamplingProbabilities(rows: readonly SamplingProbability[]): Promise<void>;
  /** Alert rules, states, history and the evaluator lease (schema v7, alert-store.ts). */
  readonly alerts: AlertStore;

  /** Health check used by `/readyz`: resolves when the engine answers a trivial query. */
  ping(): Promise<void>;

  /** Tokens made through the admin API (api-token-table.ts), shared by every process on this database. */
  apiTokens(): ApiTokenTable;

  /** Releases the engine (closes the chDB session or the HTTP client). Idempotent. */
  close(): Promise<void>;
}

/** One tenant's reads of a {@link TraceStore}: everything here sees that tenant's spans only. */
export interface TenantTraceReader extends MetricsReader, LogsReader {
  readonly tenant: TenantId;

  /**
   * All stored spans of a trace (deduplicated by span ID), ordered by start time then span ID;
   * an empty array when the trace is unknown. Served by an index on trace ID, not a scan.
   */
  getTrace(traceId: string): Promise<Span[]>;

  /**
   * The spans of {@link TenantTraceReader.getTrace}, in pages, for traces too big to hold or to read as
   * one engine result (every engine returns a result to JS as one string, which V8 caps at
   * 2^29 − 24 characters: about 1M spans).
   *
   * - Concatenated, the pages equal what `getTrace` returns when no write lands during the read:
   *   same spans, same order (start time, then span ID), deduplicated by span ID across pages
   *   exactly as `getTrace` deduplicates (the first copy in that order wins).
   * - Every page is non-empty and holds at most `pageSpans` spans. Pages are also bounded in
   *   bytes, whatever the spans' size: pages after the first are sized from the result text per
   *   span measured so far (to ~64 MiB, an eighth of the string limit), and a page whose result
   *   would pass the limit is read again with half the spans. An unknown trace yields no page.
   * - Spans of one stored resource/scope share one object across all pages of the read.
   * - Each page is a separate query (keyset on start time and span ID): spans written during the
   *   read may or may not appear, but none appears twice and none stored before the read is
   *   skipped. Stopping the iteration early cancels nothing pending and leaks nothing.
   * - Rejects with a {@link StorageError}: 'rejected' for a `pageSpans` outside 1..100,000.
   */
  readTrace(traceId: string, options?: TraceReadOptions): AsyncIterable<Span[]>;

  /**
   * The trace's spans as narrow columns ({@link TraceOutlineColumns}), one query and one result:
   * ~100 B/span of result text against ~1 kB for whole spans, so 1M spans are one read.
   * Empty columns when the trace is unknown. Rejects with a {@link StorageError} 'rejected'
   * for a trace of more than {@link MAX_OUTLINE_SPANS} spans (checked once read: a count first
   * would be one more pass over every trace).
   */
  readTraceOutline(traceId: string): Promise<TraceOutlineColumns>;

  /**
   * Matching traces, newest first (by trace start as summarised, ties by trace ID): deterministic.
   * Summaries of traces up to 10,000 spans carry clock-skew corrected times (`skewCorrected`).
   */
  searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]>;

  /**
   * TraceQL search, step 1: IDs of the traces whose spans starting in the window meet `condition`
   * (traceql-prefilter.ts), newest first by their earliest such span, ties by trace ID.
   */
  traceQLCandidates(condition: TraceCondition, query: CandidateQuery): Promise<string[]>;

  /**
   * TraceQL search, step 2: the spans of several traces at once, as {@link TenantTraceReader.getTrace}
   * returns them per trace; unknown IDs are absent from the map.
   */
  getTraces(traceIds: readonly string[], options?: TracesReadOptions): Promise<Map<string, Span[]>>;

  /**
   * Spans of other traces, starting inside the window, with a link to a span of `traceId`: the
   * reverse of span links, which OTLP stores only on the linking side. Sorted by the linking
   * span's start, then IDs; at most `limit` (1..1000). Cost: a scan of the window's `links`
   * column (no index), so callers keep the window near the trace (the UI asks ±1 h).
   */
  findIncomingLinks(traceId: string, startTimeUnixNano: bigint, endTimeUnixNano: bigint, limit: number): Promise<IncomingLink[]>;

  /** Every service name that has stored spans, sorted. */
  listServices(): Promise<string[]>;

  /** Distinct (span name, span kind) pairs of a service, sorted by name then kind. */
  listOperations(serviceName: string): Promise<OperationInfo[]>;

  /**
   * Service edges in the window, sorted by parent then child: from the service-graph edges the
   * metrics tap wrote (minute resolution, every span before sampling) when it wrote any for the
   * window, else from the stored spans starting inside it (the tap is off, or data predates it).
   */
  getDependencies(startTimeUnixNano: bigint, endTimeUnixNano: bigint): Promise<DependencyEdge[]>;

  /**
   * Attribute keys of the spans starting in the window (and of their resources), most frequent
   * first, then by key and scope; at most `limit`. To stay fast on any amount of data, counts are
   * exact over the window's newest spans: it is read newest first in slices until at least
   * 100,000 spans are counted (attribute-key-scan.ts; copies of a retried batch may be counted
   * twice until merged).
   */
  listAttributeKeys(query: AttributeQuery): Promise<AttributeKeyCount[]>;

  /**
   * Values of attribute `key` (span or resource attribute) in the window, in the string form
   * search matches, most frequent first, then by value; at most `limit`. Counted over at most the
   * first 100,000 spans with the key the engine reads in the window.
   */
  listAttributeValues(key: string, query: AttributeQuery): Promise<AttributeValueCount[]>;

  /** The latest stored probability per (service, operation), sorted by service then operation. */
  readSamplingProbabilities(): Promise<SamplingProbability[]>;

  /**
   * Spans of a window that pass a filter, grouped by time slot and fields and reduced by one
   * aggregate, in the engine (span-aggregation.ts; TraceQL metrics). Throws a
   * `SpanConditionError` for a filter or aggregate storage cannot express, and a
   * {@link StorageError} 'rejected' when the result would pass `MAX_AGGREGATION_ROWS`.
   */
  aggregateSpans(query: SpanAggregationQuery): Promise<SpanAggregationRow[]>;

  /** Distinct typed values of a field on a sample of the window's spans that pass a filter, most frequent first. */
  listTypedValues(query: TypedValuesQuery): Promise<TypedValueRow[]>;

  /**
   * Population analyses (issue 15; span-analysis-types.ts). Each runs in the engine and returns
   * aggregates only; each throws a `SpanConditionError` for a filter storage cannot express.
   * A latency heatmap: spans per (time slot, log-scale duration bucket), with errors. Exact.
   */
  spanHeatmap(query: HeatmapQuery): Promise<HeatmapResult>;

  /** Spans grouped by one field: count, errors, p50/p95/p99 and per-slot series of the largest groups. Sampled above `maxSampleSpans`. */
  groupSpans(query: GroupByQuery): Promise<GroupByResult>;

  /** Per attribute and value, spans of the selection and of the baseline (the rest of the population). Each group sampled above `maxSampleSpans`. */
  countAttributeValues(query: AttributeCountsQuery): Promise<AttributeCountsResult>;

  /** Traces (newest first) by span count, depth, services, has A / never B; at most `limit`. */
  findTraceShapes(query: TraceShapeQuery): Promise<TraceShape[]>;

  /** Hash samples of the traces of an operation whose span is slow (≥ a quantile) and fast (≤ another). */
  operationTraceGroups(query: OperationTraceGroupsQuery): Promise<OperationTraceGroups>;
}

export type StorageErrorCode =
  /** The engine is unreachable or refused the work; retrying later may succeed. */
  | 'unavailable'
  /** The engine rejected the statement or data; retrying will not help. */
  | 'rejected'
  /** Schema set-up or migration failed. */
  | 'schema';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
