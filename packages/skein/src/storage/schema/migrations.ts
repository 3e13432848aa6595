import { codec, dayPartition, lowCardinalityString, skipIndex, type DdlContext } from './ddl-context.js';

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

export const MIGRATIONS: readonly Migration[] = [initialSchema];
