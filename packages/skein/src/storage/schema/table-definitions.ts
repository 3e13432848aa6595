import { codec, dayPartition, lowCardinalityString, skipIndex, type DdlContext } from './ddl-context.js';

/**
 * The one source of Skein's table definitions (schema v2 onwards): columns, engine, partitioning,
 * order, and the key a cluster shards by. `render-ddl.ts` turns a definition into single-node DDL
 * or the cluster variant (ARCHITECTURE decision 11); migrations only pick definitions. v3 is v2
 * with `tenant` first, so both render from the same column lists here.
 */
export interface TableDefinition {
  readonly name: string;
  /** Column lines, indented by two spaces, without the closing parenthesis. */
  columns(ctx: DdlContext): string;
  readonly engine: 'ReplacingMergeTree' | 'MergeTree';
  /** The ReplacingMergeTree version column, if any. */
  readonly versionColumn?: string;
  readonly partitionBy?: string;
  readonly orderBy: string;
  readonly settings?: string;
  /**
   * A cluster's Distributed table sends each row to the shard this expression picks. Every table
   * keyed by a trace shards by its trace ID, so a trace (its spans and its index rows) lives on one
   * shard; the small lookup tables shard by their own key.
   */
  readonly shardingKey: string;
}

/** How rows are written and read on a cluster, whatever the table. */
const BY_TRACE = 'cityHash64(trace_id)';

function attributes(ctx: DdlContext): string {
  const lc = lowCardinalityString(ctx);
  const text = codec(ctx, 'ZSTD(1)');
  return `attr_keys Array(${lc}),
  attr_types String${text},
  attr_values Array(String)${text}`;
}

/** `tenant ${lc},\n  ` when the table is tenant-keyed (v3 on), else nothing (v2). */
function tenantColumn(ctx: DdlContext, tenant: boolean): string {
  return tenant ? `tenant ${lowCardinalityString(ctx)},\n  ` : '';
}

/** `trace_spans` (v2) / `trace_spans_v3`: the one lossless row per span (see migrations.ts, v2). */
export function traceSpansTable(tenant: boolean): TableDefinition {
  return {
    name: tenant ? 'trace_spans_v3' : 'trace_spans',
    columns(ctx) {
      const lc = lowCardinalityString(ctx);
      const time = codec(ctx, 'Delta, ZSTD(1)');
      const text = codec(ctx, 'ZSTD(1)');
      return `  ${tenantColumn(ctx, tenant)}service_name ${lc},
  bucket UInt32,
  trace_id String${text},
  span_id String${text},
  parent_span_id String${text},
  start_ns UInt64${time},
  duration_ns UInt64${text},
  name ${lc},
  kind UInt8,
  status_code UInt8,
  status_message String${text},
  trace_state String${text},
  flags UInt32,
  ${attributes(ctx)},
  dropped_attributes_count UInt32,
  events String${text},
  dropped_events_count UInt32,
  links String${text},
  dropped_links_count UInt32,
  resource_hash String${text},
  scope_hash String${text}${skipIndex(ctx, ATTR_VALUES_BLOOM)}`;
    },
    engine: 'ReplacingMergeTree',
    partitionBy: dayPartition('start_ns'),
    orderBy: `(${tenant ? 'tenant, ' : ''}service_name, bucket, trace_id, span_id)`,
    settings: 'index_granularity = 1024',
    shardingKey: BY_TRACE,
  };
}

/** The bloom filter over span attribute values that attribute search skips granules with. */
export const ATTR_VALUES_BLOOM = 'attr_values_bloom attr_values TYPE bloom_filter(0.01) GRANULARITY 1';

/** A column's storage from some schema version on: its type and codec. */
export interface ColumnStorage {
  readonly column: string;
  readonly type: (ctx: DdlContext) => string;
  readonly codec: string;
  /** The type differs from the column's before (not only its codec): existing parts are rewritten. */
  readonly retyped?: boolean;
}

const lcString = (ctx: DdlContext): string => lowCardinalityString(ctx);
const fixed = (type: string) => (): string => type;

/**
 * `trace_spans_v3`'s columns whose storage schema v16 changes (migrations.ts, v16), on engines with
 * codecs and LowCardinality. Measured per column on 300k spans of the loadgen topology after merges
 * (BENCHMARKS.md, issue 19 item 4), B/span before → after: attribute values as a dictionary per
 * part plus indexes 18.8 → 9.7 (the topology's values repeat: statements, URLs, flags, a few
 * thousand IDs); type tags 1.5 → 0.3, resource and scope hashes 1.0 / 0.9 → 0.3 / 0.2 (a few
 * distinct strings per part); ZSTD instead of LZ4 on the small columns (flags 0.9 → 0.3, kind 0.6
 * → 0.2, name 0.7 → 0.3); start times with ZSTD alone 4.6 → 4.3 (Delta made it worse: rows sort
 * by trace ID within a minute, so consecutive starts jump back and forth; DoubleDelta 5.3, T64 4.5).
 */
export const SPAN_COLUMN_STORAGE_V16: readonly ColumnStorage[] = [
  { column: 'attr_values', retyped: true, type: (ctx) => `Array(${lcString(ctx)})`, codec: 'ZSTD(1)' },
  { column: 'attr_types', retyped: true, type: lcString, codec: 'ZSTD(1)' },
  { column: 'resource_hash', retyped: true, type: lcString, codec: 'ZSTD(1)' },
  { column: 'scope_hash', retyped: true, type: lcString, codec: 'ZSTD(1)' },
  { column: 'name', type: lcString, codec: 'ZSTD(1)' },
  { column: 'start_ns', type: fixed('UInt64'), codec: 'ZSTD(1)' },
  { column: 'bucket', type: fixed('UInt32'), codec: 'ZSTD(1)' },
  { column: 'flags', type: fixed('UInt32'), codec: 'ZSTD(1)' },
  { column: 'kind', type: fixed('UInt8'), codec: 'ZSTD(1)' },
  { column: 'status_code', type: fixed('UInt8'), codec: 'ZSTD(1)' },
];

/** `trace_index_v12`'s columns whose codec schema v16 changes (bucket 0.23 → 0.11 B/span). */
export const INDEX_COLUMN_STORAGE_V16: readonly ColumnStorage[] = [
  { column: 'bucket', type: fixed('UInt32'), codec: 'ZSTD(1)' },
  { column: 'service_name', type: lcString, codec: 'ZSTD(1)' },
];

/**
 * The metrics tap's tables (schema v4) grow with series × minutes, not spans: per stored span they
 * matter at low span rates. Measured at 1M spans over 24 h (11.6 spans/s, query-bench): exemplars
 * 8.6 → 3.9 B/span (trace and span IDs as hex text without a codec: LZ4 has no entropy coding),
 * span metrics 1.9 → 1.5. Codec changes only (schema v16).
 */
export const EXEMPLAR_COLUMN_STORAGE_V16: readonly ColumnStorage[] = [
  { column: 'trace_id', type: fixed('String'), codec: 'ZSTD(1)' },
  { column: 'span_id', type: fixed('String'), codec: 'ZSTD(1)' },
  { column: 'duration_ns', type: fixed('UInt64'), codec: 'T64, ZSTD(1)' },
  { column: 'minute', type: fixed('UInt32'), codec: 'ZSTD(1)' },
];

export const SPAN_METRICS_COLUMN_STORAGE_V16: readonly ColumnStorage[] = [
  { column: 'minute', type: fixed('UInt32'), codec: 'ZSTD(1)' },
  { column: 'calls', type: fixed('Float64'), codec: 'ZSTD(1)' },
  { column: 'errors', type: fixed('Float64'), codec: 'ZSTD(1)' },
  { column: 'duration_sum_ns', type: fixed('Float64'), codec: 'ZSTD(1)' },
];

/**
 * Compression blocks of `trace_spans_v3` and `trace_index_v12` from schema v12 on (migrations.ts,
 * v12), on engines with the table setting. Measured at 10M spans (BENCHMARKS.md, issue 19 item 3).
 */
export const LOOKUP_COMPRESS_BLOCKS = 'min_compress_block_size = 4096';

/** `trace_index` (v2) / `trace_index_v3`: trace ID → (service, minute) ranges of the span table. */
export function traceIndexTable(tenant: boolean): TableDefinition {
  return {
    name: tenant ? 'trace_index_v3' : 'trace_index',
    columns(ctx) {
      return `  ${tenantColumn(ctx, tenant)}trace_id String${codec(ctx, 'ZSTD(1)')},
  service_name ${lowCardinalityString(ctx)},
  bucket UInt32`;
    },
    engine: 'ReplacingMergeTree',
    partitionBy: dayPartition('toUInt64(bucket) * 60000000000'),
    orderBy: `(${tenant ? 'tenant, ' : ''}trace_id, service_name, bucket)`,
    shardingKey: BY_TRACE,
  };
}

/**
 * `trace_index_v12` (schema v12): `trace_index_v3`'s rows in 256-row granules instead of 8,192. A
 * lookup of one trace ID reads one granule per part; at 8,192 rows that was ~270 KB of trace IDs to
 * decompress per part, and a search reading its 20 found traces read 40 such granules before any
 * span (issue 19 item 3, measured in BENCHMARKS.md). ~0.2 B per span more marks.
 */
export const TRACE_INDEX_V12: TableDefinition = { ...traceIndexTable(true), name: 'trace_index_v12', settings: 'index_granularity = 256' };

/** The columns the index's materialized view selects from each span insert. */
export function traceIndexViewColumns(tenant: boolean): string {
  return `${tenant ? 'tenant, ' : ''}trace_id, service_name, bucket`;
}

export function resourcesTable(tenant: boolean): TableDefinition {
  return {
    name: tenant ? 'resources_v3' : 'resources',
    columns(ctx) {
      return `  ${tenantColumn(ctx, tenant)}resource_hash String,
  service_name ${lowCardinalityString(ctx)},
  ${attributes(ctx)},
  dropped_attributes_count UInt32,
  schema_url String`;
    },
    engine: 'ReplacingMergeTree',
    orderBy: tenant ? '(tenant, resource_hash)' : 'resource_hash',
    shardingKey: 'cityHash64(resource_hash)',
  };
}

export function scopesTable(tenant: boolean): TableDefinition {
  return {
    name: tenant ? 'scopes_v3' : 'scopes',
    columns(ctx) {
      return `  ${tenantColumn(ctx, tenant)}scope_hash String,
  name String,
  version String,
  ${attributes(ctx)},
  dropped_attributes_count UInt32,
  schema_url String`;
    },
    engine: 'ReplacingMergeTree',
    orderBy: tenant ? '(tenant, scope_hash)' : 'scope_hash',
    shardingKey: 'cityHash64(scope_hash)',
  };
}

export const OPERATIONS_V3: TableDefinition = {
  name: 'operations_v3',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  service_name ${lc},
  name ${lc},
  kind UInt8,
  last_seen_ns UInt64`;
  },
  engine: 'ReplacingMergeTree',
  versionColumn: 'last_seen_ns',
  orderBy: '(tenant, service_name, name, kind)',
  shardingKey: 'cityHash64(service_name, name)',
};

function histogram(ctx: DdlContext): string {
  const text = codec(ctx, 'ZSTD(1)');
  return `hist_idx Array(UInt16)${text},
  hist_cnt Array(Float64)${text}`;
}

const MINUTE_PARTITION = dayPartition('toUInt64(minute) * 60000000000');

/** v4's metrics tables (see migrations.ts, v4): plain MergeTree, deltas summed by reads. */
export const SPAN_METRICS_V4: TableDefinition = {
  name: 'span_metrics_v4',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  service_name ${lc},
  span_name ${lc},
  span_kind UInt8,
  status_code UInt8,
  dimensions String${codec(ctx, 'ZSTD(1)')},
  minute UInt32,
  calls Float64,
  errors Float64,
  duration_sum_ns Float64,
  ${histogram(ctx)}`;
  },
  engine: 'MergeTree',
  partitionBy: MINUTE_PARTITION,
  orderBy: '(tenant, service_name, span_name, minute)',
  shardingKey: 'cityHash64(service_name, span_name)',
};

export const SERVICE_GRAPH_EDGES_V4: TableDefinition = {
  name: 'service_graph_edges_v4',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  minute UInt32,
  client ${lc},
  server ${lc},
  connection_type ${lc},
  calls Float64,
  failed Float64,
  ${histogram(ctx)}`;
  },
  engine: 'MergeTree',
  partitionBy: MINUTE_PARTITION,
  orderBy: '(tenant, minute, client, server)',
  shardingKey: 'cityHash64(client, server)',
};

export const METRIC_EXEMPLARS_V4: TableDefinition = {
  name: 'metric_exemplars_v4',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  service_name ${lc},
  span_name ${lc},
  minute UInt32,
  kind ${lc},
  trace_id String,
  span_id String,
  duration_ns UInt64,
  status_code UInt8`;
  },
  engine: 'MergeTree',
  partitionBy: MINUTE_PARTITION,
  orderBy: '(tenant, service_name, span_name, minute)',
  shardingKey: BY_TRACE,
};

/**
 * `operation_throughput_v11` (schema v11): root spans per operation and flush as the metrics tap
 * counted them (storage/metrics-store.ts `OperationThroughputRow`), adaptive sampling's source.
 * Sorted (tenant, start, …): the calculator reads one tenant's last interval, a primary-key range.
 */
export const OPERATION_THROUGHPUT_V11: TableDefinition = {
  name: 'operation_throughput_v11',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  service_name ${lc},
  operation ${lc},
  threshold ${lc},
  sampler_param ${lc},
  start_ms UInt64,
  end_ms UInt64,
  root_spans UInt64`;
  },
  engine: 'MergeTree',
  partitionBy: dayPartition('start_ms * 1000000'),
  orderBy: '(tenant, start_ms, service_name, operation)',
  shardingKey: 'cityHash64(tenant, service_name)',
};

/**
 * Logs (schema v6, issue 17; migrations.ts tells what each is for). `logs_v6` is sorted like
 * `trace_spans_v3`; where the engine has skipping indexes, an n-gram bloom filter over the
 * lower-cased body serves the body text search.
 */
export const LOGS_V6: TableDefinition = {
  name: 'logs_v6',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    const time = codec(ctx, 'Delta, ZSTD(1)');
    const text = codec(ctx, 'ZSTD(1)');
    return `  tenant ${lc},
  service_name ${lc},
  bucket UInt32,
  ts_ns UInt64${time},
  log_id String${text},
  time_ns UInt64${text},
  observed_ns UInt64${text},
  trace_id String${text},
  span_id String${text},
  flags UInt32,
  severity_number UInt8,
  severity_text ${lc},
  event_name ${lc},
  body_type String${text},
  body String${text},
  attr_keys Array(${lc}),
  attr_types String${text},
  attr_values Array(String)${text},
  dropped_attributes_count UInt32,
  resource_hash String${text},
  scope_hash String${text}${skipIndex(ctx, 'body_ngrams lowerUTF8(body) TYPE ngrambf_v1(3, 65536, 2, 0) GRANULARITY 1')}${skipIndex(
    ctx,
    'log_attr_values_bloom attr_values TYPE bloom_filter(0.01) GRANULARITY 1',
  )}`;
  },
  engine: 'ReplacingMergeTree',
  partitionBy: dayPartition('ts_ns'),
  orderBy: '(tenant, service_name, bucket, ts_ns, log_id)',
  settings: 'index_granularity = 1024',
  shardingKey: 'cityHash64(log_id)',
};

/** (tenant, trace ID, service, minute) of every log with a trace, filled by a materialized view. */
export const LOGS_TRACE_INDEX_V6: TableDefinition = {
  name: 'logs_trace_index_v6',
  columns(ctx) {
    const lc = lowCardinalityString(ctx);
    return `  tenant ${lc},
  trace_id String${codec(ctx, 'ZSTD(1)')},
  service_name ${lc},
  bucket UInt32`;
  },
  engine: 'ReplacingMergeTree',
  partitionBy: dayPartition('toUInt64(bucket) * 60000000000'),
  orderBy: '(tenant, trace_id, service_name, bucket)',
  shardingKey: BY_TRACE,
};

/** The migration record. On a cluster it is replicated and read through its Distributed table. */
export const SCHEMA_MIGRATIONS: TableDefinition = {
  name: 'schema_migrations',
  columns() {
    return 'version UInt32, name String, applied_at DateTime';
  },
  engine: 'MergeTree',
  orderBy: 'version',
  shardingKey: 'version',
};

/**
 * Tables with day partitions and the time (Unix nanoseconds) each row's day is taken from: what
 * retention drops, by TTL or by partition (schema/retention.ts).
 */
export const SPAN_RETENTION_TABLES: readonly (readonly [TableDefinition, string])[] = [
  [traceSpansTable(true), 'start_ns'],
  [TRACE_INDEX_V12, 'toUInt64(bucket) * 60000000000'],
  [OPERATIONS_V3, 'last_seen_ns'],
];

export const METRICS_RETENTION_TABLES: readonly (readonly [TableDefinition, string])[] = [
  [SPAN_METRICS_V4, 'toUInt64(minute) * 60000000000'],
  [SERVICE_GRAPH_EDGES_V4, 'toUInt64(minute) * 60000000000'],
  [METRIC_EXEMPLARS_V4, 'toUInt64(minute) * 60000000000'],
  [OPERATION_THROUGHPUT_V11, 'start_ms * 1000000'],
];

/** The logs tables: their own retention (`storage.logs_retention_days`, default the spans'). */
export const LOGS_RETENTION_TABLES: readonly (readonly [TableDefinition, string])[] = [
  [LOGS_V6, 'ts_ns'],
  [LOGS_TRACE_INDEX_V6, 'toUInt64(bucket) * 60000000000'],
];
