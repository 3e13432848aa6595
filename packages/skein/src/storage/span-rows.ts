import { createHash } from 'node:crypto';
import { spanToOtlpJson } from '../model/otlp-json.js';
import { serviceNameOf, type InstrumentationScope, type Resource, type Span } from '../model/span.js';
import type { TenantId } from '../model/tenant.js';
import { attributeTsvFields, writeAttributeColumns } from './attribute-columns.js';
import { RowBinaryBuffer } from './row-binary.js';
import { RowBuffer } from './row-buffer.js';
import type { InsertFormat } from './sql-engine.js';
import { tsvString } from './tsv-text.js';

/**
 * Span ↔ table rows (schema v3, see schema/migrations.ts). The write side builds TabSeparated text
 * directly into one buffer per table. What makes the rows narrow:
 * - a resource or scope is stored once, in `resources` / `scopes`, under a 64-bit content hash;
 *   a span row carries only the hash. Each distinct resource/scope object of a batch is encoded
 *   and hashed once, and a hash this process has already stored is not sent again;
 * - attributes are typed parallel arrays (attribute-columns.ts), not OTLP JSON text;
 * - events and links, rare on most spans, are OTLP JSON text, and an empty string when absent;
 * - the end time is stored as the duration (end − start modulo 2^64: exact whatever the order of
 *   the two times; a "negative" duration wraps to ≥ 2^63, which queries read as 0);
 * - every row of every table starts with its tenant, the span's `resource.tenant`: one insert may
 *   hold rows of several tenants (each row says whose it is, so nothing can mix them up, and one
 *   insert per tenant would cost the engine milliseconds each); what the writer remembers as
 *   stored (resources, scopes, operations) is keyed by tenant too, so tenant B's first span with a
 *   resource identical to tenant A's still writes B's own resource row.
 */

/** Spans are grouped in the main table by this time bucket (one minute), see the v2 migration. */
export const BUCKET_NANO = 60_000_000_000n;

/** Durations at or beyond 2^63 ns are wrapped negative ones (end before start). */
export const NEGATIVE_DURATION_FROM = 9223372036854775808n;
/** 2^64: durations are stored as end − start modulo this. */
export const UINT64 = 18446744073709551616n;

export const SPAN_COLUMNS = [
  'tenant',
  'service_name',
  'bucket',
  'trace_id',
  'span_id',
  'parent_span_id',
  'start_ns',
  'duration_ns',
  'name',
  'kind',
  'status_code',
  'status_message',
  'trace_state',
  'flags',
  'attr_keys',
  'attr_types',
  'attr_values',
  'dropped_attributes_count',
  'events',
  'dropped_events_count',
  'links',
  'dropped_links_count',
  'resource_hash',
  'scope_hash',
] as const;
export const RESOURCE_COLUMNS = [
  'tenant',
  'resource_hash',
  'service_name',
  'attr_keys',
  'attr_types',
  'attr_values',
  'dropped_attributes_count',
  'schema_url',
] as const;
export const SCOPE_COLUMNS = [
  'tenant',
  'scope_hash',
  'name',
  'version',
  'attr_keys',
  'attr_types',
  'attr_values',
  'dropped_attributes_count',
  'schema_url',
] as const;
export const OPERATION_COLUMNS = ['tenant', 'service_name', 'name', 'kind', 'last_seen_ns'] as const;

/** What the writer remembers between batches (owned by the store, updated after a successful insert). */
export interface KnownRows {
  /** `tenant/hash` keys (see {@link storedKey}). */
  resources: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
  /** Operation key (tenant first) → last-seen time written. */
  operations: ReadonlyMap<string, bigint>;
}

/**
 * The format of the spans table's rows: TabSeparated text every engine reads, or RowBinary, which
 * the embedded engine stores for less CPU (see SqlEngine.bulkInsertFormat). The small tables
 * (resources, scopes, operations) are TabSeparated either way: they are rarely written, and a
 * resource's or scope's hash is of its TabSeparated text.
 */
export type SpanRowFormat = InsertFormat;

/**
 * {@link SPAN_COLUMNS} with the types their RowBinary values are encoded as (see
 * writeBinarySpanRow): plain String where the table has LowCardinality(String), which the engine
 * converts a whole column at a time.
 */
export const SPAN_ROW_BINARY_STRUCTURE =
  'tenant String, service_name String, bucket UInt32, trace_id String, span_id String, parent_span_id String, ' +
  'start_ns UInt64, duration_ns UInt64, name String, kind UInt8, status_code UInt8, status_message String, ' +
  'trace_state String, flags UInt32, attr_keys Array(String), attr_types String, attr_values Array(String), ' +
  'dropped_attributes_count UInt32, events String, dropped_events_count UInt32, links String, ' +
  'dropped_links_count UInt32, resource_hash String, scope_hash String';

export interface RowBatches {
  /** Rows of {@link SPAN_COLUMNS} in {@link RowBatches.spansFormat}. */
  spans: Buffer;
  spansFormat: SpanRowFormat;
  /** Only resources / scopes not in `known`: empty most of the time. Keys are {@link storedKey}s. */
  resources: Buffer;
  scopes: Buffer;
  operations: Buffer;
  newResources: string[];
  newScopes: string[];
  writtenOperations: Array<[key: string, lastSeenNano: bigint]>;
}

/** An operation already stored is rewritten only when its last sighting moved on this much. */
const OPERATION_REFRESH_NANO = 60_000_000_000n;

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * What the writer and the read caches key a stored resource or scope by: the same content in two
 * tenants is two rows. (The hash itself is of content only, so that the v2 → v3 migration keeps
 * every stored hash valid.) Tenant IDs never contain `/`.
 */
export function storedKey(tenant: TenantId, hash: string): string {
  return `${tenant}/${hash}`;
}

export interface ResourceRef {
  hash: string;
  /** {@link storedKey} */
  key: string;
  /** The tenant, TSV-ready (validated: nothing to escape). */
  tenant: string;
  /** TSV-escaped. */
  serviceName: string;
  rawServiceName: string;
  row: string;
}

export function resourceRef(resource: Resource): ResourceRef {
  const rawServiceName = serviceNameOf(resource);
  const serviceName = tsvString(rawServiceName);
  const body = `${attributeTsvFields(resource.attributes)}\t${resource.droppedAttributesCount}\t${tsvString(resource.schemaUrl)}`;
  const hash = contentHash(body);
  const tenant = resource.tenant;
  return { hash, key: storedKey(tenant, hash), tenant, serviceName, rawServiceName, row: `${tenant}\t${hash}\t${serviceName}\t${body}\n` };
}

export function scopeRef(scope: InstrumentationScope): { hash: string; body: string } {
  const body =
    `${tsvString(scope.name)}\t${tsvString(scope.version)}\t${attributeTsvFields(scope.attributes)}\t` +
    `${scope.droppedAttributesCount}\t${tsvString(scope.schemaUrl)}`;
  return { hash: contentHash(body), body };
}

/**
 * Builds every table's insert body for one batch. `known` lets the caller skip what is already
 * stored: every insert has a fixed cost of several milliseconds in the engine, and resources,
 * scopes and operations rarely change.
 */
export function buildRowBatches(spans: readonly Span[], known?: KnownRows, format: SpanRowFormat = 'TabSeparated'): RowBatches {
  const builder = new RowBatchBuilder(known, format);
  builder.add(spans, 0, spans.length);
  return builder.finish();
}

/**
 * Spans per slice of {@link buildRowBatchesInTurns}. Built in one go, the rows of a whole insert
 * (~18,000 loadgen spans, ~1 s of engine work) took 135-240 ms of the main thread (buildRowBatches
 * over a `skein loadgen --seed 20` fixture, 8 runs, 2026-12-05), during which no other request was
 * read and no new connection accepted (issue 20); a 2,000-span slice takes 13-32 ms (~15 once warm).
 */
export const ROW_BUILD_SLICE_SPANS = 2_000;

/**
 * The same rows as {@link buildRowBatches}, built a slice at a time with the event loop let go in
 * between (`setImmediate`), so a large insert does not stall the receivers for its whole build.
 */
export async function buildRowBatchesInTurns(
  spans: readonly Span[],
  known?: KnownRows,
  sliceSpans = ROW_BUILD_SLICE_SPANS,
  format: SpanRowFormat = 'TabSeparated',
): Promise<RowBatches> {
  const builder = new RowBatchBuilder(known, format);
  for (let from = 0; from < spans.length; from += sliceSpans) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    builder.add(spans, from, Math.min(spans.length, from + sliceSpans));
  }
  return builder.finish();
}

class RowBatchBuilder {
  private readonly resources = new Map<Resource, ResourceRef>();
  private readonly scopes = new Map<InstrumentationScope, { hash: string; body: string }>();
  private readonly newResources = new Map<string, string>();
  private readonly newScopes = new Map<string, string>();
  private readonly operations = new Map<string, { tenant: string; service: string; name: string; kind: number; lastSeen: bigint }>();
  /** One of the two, by format. */
  private readonly spanRows: RowBuffer | undefined;
  private readonly binaryRows: RowBinaryBuffer | undefined;

  constructor(
    private readonly known: KnownRows | undefined,
    private readonly format: SpanRowFormat,
  ) {
    if (format === 'RowBinary') this.binaryRows = new RowBinaryBuffer();
    else this.spanRows = new RowBuffer();
  }

  add(spans: readonly Span[], from: number, to: number): void {
    const { resources, scopes, newResources, newScopes, operations, spanRows, binaryRows, known } = this;
    for (let index = from; index < to; index++) {
      const span = spans[index]!;
      let resource = resources.get(span.resource);
      if (resource === undefined) {
        resource = resourceRef(span.resource);
        resources.set(span.resource, resource);
        if (known?.resources.has(resource.key) !== true) newResources.set(resource.key, resource.row);
      }
      let scope = scopes.get(span.scope);
      if (scope === undefined) {
        scope = scopeRef(span.scope);
        scopes.set(span.scope, scope);
      }
      // A scope object is not tied to one tenant (a resource is): its row is per (tenant, hash).
      const scopeHash = scope.hash;
      const scopeKey = storedKey(span.resource.tenant, scopeHash);
      if (known?.scopes.has(scopeKey) !== true && !newScopes.has(scopeKey)) {
        newScopes.set(scopeKey, `${resource.tenant}\t${scopeHash}\t${scope.body}\n`);
      }

      const start = span.startTimeUnixNano;
      const end = span.endTimeUnixNano;
      const duration = end >= start ? end - start : end - start + UINT64;
      const bucket = start / BUCKET_NANO;
      if (binaryRows !== undefined) {
        writeBinarySpanRow(binaryRows, span, resource, bucket, duration, scopeHash);
      } else {
        const { events, links } = eventsAndLinksJson(span);
        spanRows!.append(
          `${resource.tenant}\t${resource.serviceName}\t${bucket}\t${tsvString(span.traceId)}\t${tsvString(span.spanId)}\t${tsvString(span.parentSpanId)}\t${start}\t${duration}\t` +
            `${tsvString(span.name)}\t${span.kind}\t${span.status.code}\t${tsvString(span.status.message)}\t${tsvString(span.traceState)}\t${span.flags}\t` +
            `${attributeTsvFields(span.attributes)}\t${span.droppedAttributesCount}\t` +
            `${tsvString(events)}\t${span.droppedEventsCount}\t${tsvString(links)}\t${span.droppedLinksCount}\t${resource.hash}\t${scopeHash}\n`,
        );
      }

      // Keyed by the raw name (escaping is one-to-one), escaped once per operation in finish().
      const name = span.name;
      const opKey = `${resource.tenant}\u0000${resource.serviceName}\u0000${name}\u0000${span.kind}`;
      const op = operations.get(opKey);
      if (op === undefined) {
        operations.set(opKey, { tenant: resource.tenant, service: resource.serviceName, name, kind: span.kind, lastSeen: start });
      } else if (start > op.lastSeen) op.lastSeen = start;
    }
  }

  finish(): RowBatches {
    const { newResources, newScopes, operations, known } = this;
    let opText = '';
    const writtenOperations: Array<[string, bigint]> = [];
    for (const [key, op] of operations) {
      const seen = known?.operations.get(key);
      if (seen !== undefined && op.lastSeen - seen < OPERATION_REFRESH_NANO) continue;
      writtenOperations.push([key, op.lastSeen]);
      opText += `${op.tenant}\t${op.service}\t${tsvString(op.name)}\t${op.kind}\t${op.lastSeen}\n`;
    }
    return {
      spans: (this.binaryRows ?? this.spanRows!).bytes(),
      spansFormat: this.format,
      resources: Buffer.from([...newResources.values()].join('')),
      scopes: Buffer.from([...newScopes.values()].join('')),
      operations: Buffer.from(opText),
      newResources: [...newResources.keys()],
      newScopes: [...newScopes.keys()],
      writtenOperations,
    };
  }
}

/** One row of {@link SPAN_COLUMNS} in RowBinary: the TabSeparated row's values, unescaped. */
function writeBinarySpanRow(
  out: RowBinaryBuffer,
  span: Span,
  resource: ResourceRef,
  bucket: bigint,
  duration: bigint,
  scopeHash: string,
): void {
  out.string(resource.tenant);
  out.string(resource.rawServiceName);
  out.uint32(Number(bucket));
  out.string(span.traceId);
  out.string(span.spanId);
  out.string(span.parentSpanId);
  out.uint64(span.startTimeUnixNano);
  out.uint64(duration);
  out.string(span.name);
  out.uint8(span.kind);
  out.uint8(span.status.code);
  out.string(span.status.message);
  out.string(span.traceState);
  out.uint32(span.flags);
  writeAttributeColumns(out, span.attributes);
  out.uint32(span.droppedAttributesCount);
  const { events, links } = eventsAndLinksJson(span);
  out.string(events);
  out.uint32(span.droppedEventsCount);
  out.string(links);
  out.uint32(span.droppedLinksCount);
  out.string(resource.hash);
  out.string(scopeHash);
}

/** A span's events and links as their OTLP JSON text, each '' when the span has none. */
function eventsAndLinksJson(span: Span): { events: string; links: string } {
  if (span.events.length === 0 && span.links.length === 0) return { events: '', links: '' };
  const otlp = spanToOtlpJson({ ...span, attributes: [] });
  return {
    events: otlp.events === undefined ? '' : JSON.stringify(otlp.events),
    links: otlp.links === undefined ? '' : JSON.stringify(otlp.links),
  };
}
