import type { SqlEngine } from '../sql-engine.js';
import { copyV1Spans } from './v1-copy.js';
import { copyV2Tables } from './v2-copy.js';
import { moveTraceIndexToV12 } from './v12-trace-index.js';
import { codec, dayPartition, lowCardinalityString, skipIndex, type DdlContext } from './ddl-context.js';
import { createTableStatements, createViewStatement, onCluster, storedTableName } from './render-ddl.js';
import {
  LOGS_TRACE_INDEX_V6,
  LOGS_V6,
  METRIC_EXEMPLARS_V4,
  OPERATIONS_V3,
  OPERATION_THROUGHPUT_V11,
  SERVICE_GRAPH_EDGES_V4,
  SPAN_METRICS_V4,
  ATTR_VALUES_BLOOM,
  EXEMPLAR_COLUMN_STORAGE_V16,
  INDEX_COLUMN_STORAGE_V16,
  LOOKUP_COMPRESS_BLOCKS,
  SPAN_COLUMN_STORAGE_V16,
  SPAN_METRICS_COLUMN_STORAGE_V16,
  TRACE_INDEX_V12,
  type ColumnStorage,
  resourcesTable,
  scopesTable,
  traceIndexTable,
  traceIndexViewColumns,
  traceSpansTable,
} from './table-definitions.js';

/**
 * The schema's history: numbered, reviewed DDL lists. Rules for adding one:
 * - append a new version, never edit an applied one (its DDL may already be on disk somewhere);
 * - every statement is idempotent (`IF NOT EXISTS`, ...) so two processes starting at once, or a
 *   crash between a statement and the version record, only repeat harmless work.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(ctx: DdlContext): string[];
  /**
   * Data to move after the statements ran, before the version is recorded; must be repeatable.
   * `progress` takes one line of text per step of a long copy (rows copied so far).
   */
  moveData?(engine: SqlEngine, ctx: DdlContext, progress: (line: string) => void): Promise<void>;
}

/**
 * Version 1 — three tables, each ordered for the reads it serves:
 * - `spans`: the full lossless span, ordered by (trace_id, span_id) so a trace is one primary-key
 *   range per day partition. Typed columns for what SQL filters and aggregates on; the nested rest
 *   (attributes, events, links, resource, scope) as OTLP JSON text from the model's codec.
 * - `span_search`: one narrow row per span ordered by (service_name, start_ns), so a search for a
 *   service in a window is a primary-key range. Attributes of the span and of its resource as
 *   parallel key/value arrays (kept separate so TraceQL can scope `span.` / `resource.`), plus
 *   `attr_kv`: both sets as unambiguous `<key length>:<key>=<value>` strings, so one `has()`
 *   answers "span OR resource attribute equals" exactly, and a bloom filter can skip granules.
 * - `operations`: distinct (service, span name, kind) with the latest sighting, tiny, for the
 *   service and operation lists.
 * ReplacingMergeTree: a retried batch stores spans twice; merges drop the copies (readers still
 * dedupe by span ID, since merges happen whenever they happen).
 */
const initialSchema: Migration = {
  version: 1,
  name: 'spans, span_search, operations',
  statements(ctx) {
    // A cluster starts at the tenant-keyed tables: it never held v1's or v2's, nothing to copy.
    if (ctx.cluster !== undefined) return [];
    const lc = lowCardinalityString(ctx);
    const time = codec(ctx, 'Delta, ZSTD(1)');
    const text = codec(ctx, 'ZSTD(1)');
    return [
      `CREATE TABLE IF NOT EXISTS ${ctx.db}.spans (
  trace_id String,
  span_id String,
  parent_span_id String,
  trace_state String${text},
  flags UInt32,
  name ${lc},
  kind UInt8,
  start_ns UInt64${time},
  end_ns UInt64${time},
  duration_ns UInt64${text},
  status_code UInt8,
  status_message String${text},
  service_name ${lc},
  attributes_json String${text},
  dropped_attributes_count UInt32,
  events_json String${text},
  dropped_events_count UInt32,
  links_json String${text},
  dropped_links_count UInt32,
  resource_json String${text},
  scope_json String${text}
) ENGINE = ReplacingMergeTree()
PARTITION BY ${dayPartition('start_ns')}
ORDER BY (trace_id, span_id)`,
      `CREATE TABLE IF NOT EXISTS ${ctx.db}.span_search (
  service_name ${lc},
  start_ns UInt64${time},
  trace_id String,
  span_id String,
  parent_span_id String,
  name ${lc},
  kind UInt8,
  duration_ns UInt64${text},
  status_code UInt8,
  span_attr_keys Array(${lc}),
  span_attr_values Array(String)${text},
  resource_attr_keys Array(${lc}),
  resource_attr_values Array(String)${text},
  attr_kv Array(String)${text}${skipIndex(ctx, 'attr_kv_bloom attr_kv TYPE bloom_filter(0.01) GRANULARITY 1')}
) ENGINE = ReplacingMergeTree()
PARTITION BY ${dayPartition('start_ns')}
ORDER BY (service_name, start_ns, trace_id, span_id)`,
      `CREATE TABLE IF NOT EXISTS ${ctx.db}.operations (
  service_name ${lc},
  name ${lc},
  kind UInt8,
  last_seen_ns UInt64
) ENGINE = ReplacingMergeTree(last_seen_ns)
ORDER BY (service_name, name, kind)`,
    ];
  },
};

/**
 * Version 2 — narrow rows, one main table (issue 3). Measured on chDB (BENCHMARKS.md): the
 * engine's cost is per byte parsed, and v1 parsed ~3.5 KB of row text per span (resource JSON on
 * every span, attributes as OTLP JSON text and again as search arrays, two tables), and stored
 * 165–203 bytes per span.
 * - `trace_spans`: the one lossless row per span, ordered by (service_name, bucket, trace_id,
 *   span_id), `bucket` being the start minute. A search for a service in a window is a primary-key
 *   range; inside a minute the spans of a trace lie together, so trace IDs compress to almost
 *   nothing. Granules of 1024 rows instead of 8192: a trace lookup reads whole granules of each
 *   (service, minute) it touches, and the smaller ones halved its latency (measured at 500k spans)
 *   for ~2 % more bytes. Attributes are typed parallel arrays (attribute-columns.ts) that search, attribute
 *   autocompletion and the lossless read share; resource and scope are referenced by hash.
 * - `trace_index`: (trace_id, service_name, bucket), ordered by trace ID: a trace lookup reads
 *   the index by primary key, then exactly those (service, minute) ranges of `trace_spans`. It is
 *   filled by a materialized view from each insert into `trace_spans`: no second insert (each
 *   costs the engine milliseconds), and it is written atomically with the spans it indexes.
 * - `resources`, `scopes`: each distinct resource / instrumentation scope once, by content hash.
 * - `operations` is kept as it is.
 * ReplacingMergeTree everywhere: retried batches store identical rows with identical keys.
 * v1's `spans` are copied by version 3, straight into its tables (the row builder writes only the
 * newest schema), then `spans` and `span_search` are dropped.
 */
const narrowRows: Migration = {
  version: 2,
  name: 'trace_spans, trace_index, resources, scopes',
  statements(ctx) {
    if (ctx.cluster !== undefined) return [];
    return [
      ...createTableStatements(ctx, traceSpansTable(false)),
      ...createTableStatements(ctx, traceIndexTable(false)),
      createViewStatement(
        ctx,
        'trace_index_writer',
        'trace_index',
        'trace_spans',
        traceIndexViewColumns(false),
        traceIndexViewColumns(false),
      ),
      ...createTableStatements(ctx, resourcesTable(false)),
      ...createTableStatements(ctx, scopesTable(false)),
    ];
  },
};

/**
 * Version 3 — tenancy (ARCHITECTURE decision 10): every table gains `tenant`, the first column of
 * its sort key, so a tenant's reads are primary-key ranges of its own and no query can reach
 * another tenant's rows without naming it. Otherwise v2's layout, unchanged.
 *
 * New tables (`*_v3`) rather than v2's altered in place: ClickHouse cannot put a new column at the
 * front of an existing sort key, and copying into tables under new names needs no RENAME, so the
 * migration stays idempotent and safe with two processes at once (a v2 table that still exists
 * is exactly what is left to copy). v2-copy.ts moves v2's rows to the default tenant with
 * INSERT … SELECT and a bound constant (runs on 18.16), day by day with a progress line, then
 * drops v2's tables; v1's `spans`, if still there, are copied through the row builder (v1-copy.ts).
 * `tenant` is LowCardinality(String) where the engine has it: one value per row range, it costs
 * next to nothing per span.
 */
const tenancy: Migration = {
  version: 3,
  name: 'tenant first in every sort key (*_v3 tables)',
  async moveData(engine, ctx, progress) {
    if (ctx.cluster !== undefined) return;
    await copyV2Tables(engine, ctx, progress);
    await copyV1Spans(engine, ctx, progress);
  },
  statements(ctx) {
    const indexColumns = traceIndexViewColumns(true);
    return [
      ...createTableStatements(ctx, traceSpansTable(true)),
      ...createTableStatements(ctx, traceIndexTable(true)),
      createViewStatement(ctx, 'trace_index_v3_writer', 'trace_index_v3', 'trace_spans_v3', indexColumns, indexColumns),
      ...createTableStatements(ctx, resourcesTable(true)),
      ...createTableStatements(ctx, scopesTable(true)),
      ...createTableStatements(ctx, OPERATIONS_V3),
    ];
  },
};

/**
 * Version 4 — pre-aggregated metrics (issue 12, ARCHITECTURE decisions 6 and 12), written by the
 * pipeline's metrics tap from 100 % of spans, per tenant and minute:
 * - `span_metrics_v4`: one delta row per series (service, span name, kind, status, dimensions),
 *   minute and flush: adjusted call and error counts, the duration sum and a sparse exponential
 *   latency histogram (model/latency-histogram.ts) as parallel index/count arrays, merged by
 *   `sumMap`. Sorted (tenant, service, span name, minute): a service's or an operation's series
 *   over a day is one primary-key range of at most 1,440 rows per series and flush.
 * - `service_graph_edges_v4`: the same per (client, server) edge, sorted (tenant, minute, …): the
 *   dependencies of 24 h read at most 1,440 minutes × edges × flushes rows, whatever the span volume.
 * - `metric_exemplars_v4`: per series and minute a slowest, an error and a random span, confirmed
 *   at read time against `trace_index_v3` (sampling decides after the tap saw the span).
 * Plain MergeTree (deltas are summed by reads); day partitions, so retention drops whole days.
 */
const metrics: Migration = {
  version: 4,
  name: 'span_metrics_v4, service_graph_edges_v4, metric_exemplars_v4',
  statements(ctx) {
    return [SPAN_METRICS_V4, SERVICE_GRAPH_EDGES_V4, METRIC_EXEMPLARS_V4].flatMap((table) => createTableStatements(ctx, table));
  },
};

/**
 * Version 5 — adaptive sampling's computed probabilities (query/sampling), so that every Skein node serves
 * the same strategies: a handful of rows per service, the latest computation wins.
 */
const samplingProbabilities: Migration = {
  version: 5,
  name: 'sampling_probabilities (adaptive sampling)',
  statements(ctx) {
    const lc = lowCardinalityString(ctx);
    return [
      ...createTableStatements(ctx, {
        name: 'sampling_probabilities',
        columns: () => `  tenant ${lc},
  service_name ${lc},
  operation String,
  probability Float64,
  computed_ms UInt64`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'computed_ms',
        orderBy: '(tenant, service_name, operation)',
        shardingKey: 'cityHash64(tenant, service_name)',
      }),
    ];
  },
};

/**
 * Version 6 — logs (issue 17). (Version 5 belongs to the Zipkin work merged separately.)
 * - `logs_v6`: one lossless row per OTLP log record, sorted (tenant, service, minute, time,
 *   log_id) like `trace_spans_v3`, so a log search for a service in a window is a primary-key
 *   range. `ts_ns` is the record's time, or its observed time when it has none; both raw times
 *   are kept. The body is a type tag plus its search text (attribute-columns.ts, the same
 *   encoding attributes use), attributes the same three columns as spans, resource and scope by
 *   hash in `resources_v3` / `scopes_v3` (shared with spans: a service's resource is stored once).
 *   `log_id` is a hash of the row's content: a retried batch writes identical ids that the
 *   ReplacingMergeTree merges away (readers dedupe until then), and the UI links a log by it.
 *   Where the engine has data-skipping indexes (detected), an n-gram bloom filter over the
 *   lower-cased body serves the body text search; 18.16 scans the window's range instead.
 * - `logs_trace_index_v6`: (tenant, trace ID, service, minute) of every log that has a trace,
 *   filled by a materialized view, so "the logs of a trace" reads the index by primary key and
 *   then exactly those ranges of `logs_v6`, as `trace_index_v3` does for spans.
 */
const logs: Migration = {
  version: 6,
  name: 'logs_v6, logs_trace_index_v6',
  statements(ctx) {
    return [
      ...createTableStatements(ctx, LOGS_V6),
      ...createTableStatements(ctx, LOGS_TRACE_INDEX_V6),
      // On a cluster the view reads and writes each node's local tables, as createViewStatement's do.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${ctx.db}.logs_trace_index_v6_writer${onCluster(ctx)} TO ${ctx.db}.${storedTableName(ctx, 'logs_trace_index_v6')}
AS SELECT tenant, trace_id, service_name, bucket FROM ${ctx.db}.${storedTableName(ctx, 'logs_v6')} WHERE trace_id != '' GROUP BY tenant, trace_id, service_name, bucket`,
    ];
  },
};

/**
 * Version 7 — alerting (issue 16; storage/alert-store.ts): rules created through the API, each
 * rule's state and what was last notified (so a restart or another node does not notify again),
 * the history of state changes, silences, and the evaluator lease. Tiny tables: a row per rule
 * change, per state change, per lease renewal. ReplacingMergeTree on a version where a key is
 * updated (reads take argMax by version); the history and the lease renewals only grow, by a few
 * rows a minute at most, in day partitions.
 */
const alertsSchema: Migration = {
  version: 7,
  name: 'alert_rules_v7, alert_state_v7, alert_history_v7, alert_silences_v7, alert_lease_v7',
  statements(ctx) {
    const lc = lowCardinalityString(ctx);
    return [
      ...createTableStatements(ctx, {
        name: 'alert_rules_v7',
        columns: () => `  tenant ${lc},
  rule_id String,
  version UInt64,
  deleted UInt8,
  definition String`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'version',
        orderBy: '(tenant, rule_id)',
        shardingKey: 'cityHash64(tenant, rule_id)',
      }),
      ...createTableStatements(ctx, {
        name: 'alert_state_v7',
        columns: () => `  tenant ${lc},
  rule_id String,
  version UInt64,
  state String,
  active_since_ms UInt64,
  changed_at_ms UInt64,
  notified String,
  detail String`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'version',
        orderBy: '(tenant, rule_id)',
        shardingKey: 'cityHash64(tenant, rule_id)',
      }),
      ...createTableStatements(ctx, {
        name: 'alert_history_v7',
        columns: () => `  tenant ${lc},
  rule_id String,
  at_ms UInt64,
  state String,
  detail String`,
        engine: 'MergeTree',
        partitionBy: "toYYYYMMDD(toDateTime(intDiv(at_ms, 1000), 'UTC'))",
        orderBy: '(tenant, rule_id, at_ms)',
        shardingKey: 'cityHash64(tenant, rule_id)',
      }),
      ...createTableStatements(ctx, {
        name: 'alert_silences_v7',
        columns: () => `  tenant ${lc},
  rule_id String,
  version UInt64,
  until_ms UInt64`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'version',
        orderBy: '(tenant, rule_id)',
        shardingKey: 'cityHash64(tenant, rule_id)',
      }),
      ...createTableStatements(ctx, {
        name: 'alert_lease_v7',
        columns: () => `  name String,
  epoch UInt64,
  holder String,
  expires_ms UInt64`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'expires_ms',
        orderBy: '(name, epoch, holder)',
        shardingKey: 'cityHash64(name)',
      }),
    ];
  },
};

/**
 * v8 (v6 logs, v7 alerts): API tokens made through the admin API (storage/api-token-table.ts).
 * In the database rather than a file in the state directory: every Skein process of a cluster
 * (collectors, query nodes) reads the same tokens, and the query role has no state directory.
 * Only the SHA-256 of a token is stored. A revoke is a newer version of the row (ReplacingMergeTree,
 * read with argMax by version: no mutation, works on 18.16).
 */
const apiTokens: Migration = {
  version: 8,
  name: 'api_tokens_v8',
  statements(ctx) {
    return [
      ...createTableStatements(ctx, {
        name: 'api_tokens_v8',
        columns: () => `  tenant String,
  name String,
  token_sha256 String,
  roles Array(String),
  created_at DateTime,
  revoked UInt8,
  version UInt64`,
        engine: 'ReplacingMergeTree',
        versionColumn: 'version',
        orderBy: '(tenant, name)',
        shardingKey: 'cityHash64(tenant, name)',
      }),
    ];
  },
};

/**
 * v11 (v9 and v10 belong to work merged separately): `operation_throughput_v11`, root spans per
 * operation and tap flush, by the sampling the SDK reported (`ot=th`, `jaeger.sampler.param`):
 * adaptive sampling's throughput, counted by the metrics tap from every span that reached the
 * collector, before tail or probabilistic sampling dropped any (issue 13, item 4). One row per
 * operation and flush (every 15 s by default), day partitions under the metrics retention.
 */
const operationThroughput: Migration = {
  version: 11,
  name: 'operation_throughput_v11 (adaptive sampling throughput)',
  statements(ctx) {
    return createTableStatements(ctx, OPERATION_THROUGHPUT_V11);
  },
};

/**
 * v12 — trace lookups that read what they need (issue 19 item 3; figures in BENCHMARKS.md):
 * - `trace_index_v12` replaces `trace_index_v3`: the same rows, filled the same way (a
 *   materialized view of every span insert), in 256-row granules (table-definitions.ts). v3's rows
 *   are copied over and v3's view and table dropped (v12-trace-index.ts); readers use v12 only.
 * - Compression blocks: a lookup reads one 1,024-row granule of each (service, minute) range the
 *   index names, but the engine decompresses whole blocks, cut only once they reach
 *   `min_compress_block_size` (64 KiB by default): a one-byte column's block held 64 granules, and
 *   a lookup of ~23 spans decompressed 12.6 MB. 4 KiB blocks cut that to 3.5 MB for ~3 % more
 *   bytes. A table setting where the engine has it (21.1 on); it applies to parts written from
 *   now on, by inserts and merges: parts written before keep their blocks and are read as before
 *   (correct, slower) until merged or dropped by retention. 18.16 has no such table setting.
 */
const lookupTables: Migration = {
  version: 12,
  name: 'trace_index_v12; compression blocks sized for trace lookups',
  statements(ctx) {
    const columns = traceIndexViewColumns(true);
    const blocks = ctx.features.tableCompressBlocks
      ? ['trace_spans_v3', 'trace_index_v12'].map(
          (table) => `ALTER TABLE ${ctx.db}.${storedTableName(ctx, table)}${onCluster(ctx)} MODIFY SETTING ${LOOKUP_COMPRESS_BLOCKS}`,
        )
      : [];
    return [
      ...createTableStatements(ctx, TRACE_INDEX_V12),
      createViewStatement(ctx, 'trace_index_v12_writer', 'trace_index_v12', 'trace_spans_v3', columns, columns),
      ...blocks,
    ];
  },
  moveData: moveTraceIndexToV12,
};

/**
 * v13 (v12 is the trace lookup work merged separately): stronger codecs on `trace_spans_v3`'s
 * attribute arrays (ZSTD(3)) and T64 before ZSTD on durations, on engines with codecs. Measured on
 * 300k spans of the loadgen topology written in 5k-span batches, then merged (BENCHMARKS.md,
 * issue 19 item 4): 60.9 → 53.9 B/span on disk for +1 % process CPU (13.5 → 13.6 CPU-s); ZSTD(6)
 * and ZSTD(9) gave 48.3 and 46.7 B/span for +19 % and +26 % CPU, so not those. A codec change is
 * metadata only (no mutation): parts written from now on, and older ones as they merge, get it.
 */
const attributeCodecs: Migration = {
  version: 13,
  name: 'trace_spans_v3 attribute arrays ZSTD(3), durations T64',
  statements(ctx) {
    if (!ctx.features.codecs) return [];
    const table = `${ctx.db}.${storedTableName(ctx, 'trace_spans_v3')}${onCluster(ctx)}`;
    return [
      `ALTER TABLE ${table} MODIFY COLUMN attr_keys Array(${lowCardinalityString(ctx)}) CODEC(ZSTD(3)),
  MODIFY COLUMN attr_types String CODEC(ZSTD(3)),
  MODIFY COLUMN attr_values Array(String) CODEC(ZSTD(3)),
  MODIFY COLUMN duration_ns UInt64 CODEC(T64, ZSTD(1))`,
    ];
  },
};

/**
 * v16 (v14 and v15 belong to work merged separately): fewer bytes per span (issue 19 item 4), on
 * engines with codecs and LowCardinality; engines without them (18.16) are unchanged. Measured on
 * 300k spans of the loadgen topology written in 5k-span batches, then merged (BENCHMARKS.md):
 * 57.5 → 43.6 B/span on disk for every table, for +12 % of the process's CPU while writing and
 * merging (14.7 → 16.6 CPU-s, bench/column-cpu-bench.ts; the attribute values' dictionary is about
 * half of it). Lookups at 1M spans are not slower (query-bench).
 * - `trace_spans_v3`: attribute values, type tags and the resource and scope hashes become
 *   LowCardinality (a dictionary per part and an index per value); ZSTD on the small columns and
 *   on start times (table-definitions.ts SPAN_COLUMN_STORAGE_V16 has each column's figures). Values
 *   read, compare and return exactly as before: LowCardinality is a storage detail.
 * - `trace_index_v12`: ZSTD on bucket and service name.
 * - The metrics tap's `metric_exemplars_v4` and `span_metrics_v4`: ZSTD on IDs, times and counts
 *   (they grow with series × minutes: 10.5 → 5.4 B per span at 11.6 spans/s, next to nothing at
 *   the loadgen's rates).
 * Codec changes are metadata only; the type changes rewrite those columns of every existing part
 * (a mutation the ALTER waits for: 0.3 s for 300k spans here). Older engines (20.x) refuse to change
 * the type of a column a skipping index reads, so the attribute values' bloom filter is dropped
 * first, added back, and rebuilt for the parts written before (`MATERIALIZE INDEX`, a background
 * mutation: until it has run, searches on those parts read them without skipping granules). Every
 * statement is repeatable. On a cluster the Distributed table's column types follow the local
 * table's (it has no codecs).
 */
const columnStorage: Migration = {
  version: 16,
  name: 'trace_spans_v3 LowCardinality attribute values, type tags and hashes; ZSTD on small columns and metrics tables',
  statements(ctx) {
    if (!ctx.features.codecs || !ctx.features.lowCardinality) return [];
    const table = (name: string): string => `${ctx.db}.${storedTableName(ctx, name)}${onCluster(ctx)}`;
    const spans = table('trace_spans_v3');
    const index = table('trace_index_v12');
    const modify = (columns: readonly ColumnStorage[]): string =>
      columns.map((c) => `MODIFY COLUMN ${c.column} ${c.type(ctx)} CODEC(${c.codec})`).join(',\n  ');
    const bloom = ctx.features.skipIndexes;
    const typed = SPAN_COLUMN_STORAGE_V16.filter((c) => c.retyped === true);
    return [
      ...(bloom ? [`ALTER TABLE ${spans} DROP INDEX IF EXISTS attr_values_bloom`] : []),
      `ALTER TABLE ${spans} ${modify(SPAN_COLUMN_STORAGE_V16)}`,
      ...(bloom
        ? [`ALTER TABLE ${spans} ADD INDEX IF NOT EXISTS ${ATTR_VALUES_BLOOM}`, `ALTER TABLE ${spans} MATERIALIZE INDEX attr_values_bloom`]
        : []),
      `ALTER TABLE ${index} ${modify(INDEX_COLUMN_STORAGE_V16)}`,
      `ALTER TABLE ${table('metric_exemplars_v4')} ${modify(EXEMPLAR_COLUMN_STORAGE_V16)}`,
      `ALTER TABLE ${table('span_metrics_v4')} ${modify(SPAN_METRICS_COLUMN_STORAGE_V16)}`,
      ...(ctx.cluster === undefined
        ? []
        : [
            `ALTER TABLE ${ctx.db}.trace_spans_v3${onCluster(ctx)} ${typed.map((c) => `MODIFY COLUMN ${c.column} ${c.type(ctx)}`).join(', ')}`,
          ]),
    ];
  },
};

export const MIGRATIONS: readonly Migration[] = [
  initialSchema,
  narrowRows,
  tenancy,
  metrics,
  samplingProbabilities,
  logs,
  alertsSchema,
  apiTokens,
  operationThroughput,
  lookupTables,
  attributeCodecs,
  columnStorage,
];
