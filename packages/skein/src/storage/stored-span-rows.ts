import { spanFromOtlpJson } from '../model/otlp-json.js';
import type { InstrumentationScope, Resource, Span } from '../model/span.js';
import type { TenantId } from '../model/tenant.js';
import { attributesFromColumns } from './attribute-columns.js';
import { UINT64 } from './span-rows.js';

/**
 * Table rows → spans, the read side of span-rows.ts: the columns a span read selects, the row
 * shapes of the spans, resources and scopes tables, and the rebuilding of spans from them (one
 * resource or scope object per stored hash).
 */

/** The main table's columns a read selects (64-bit values as strings: JSON numbers would round). */
export const SPAN_ROW_COLUMNS = `trace_id, span_id, parent_span_id, trace_state, flags, name, kind,
  toString(start_ns) AS start_text, toString(duration_ns) AS duration_text, status_code, status_message,
  attr_keys, attr_types, attr_values, dropped_attributes_count, events, dropped_events_count,
  links, dropped_links_count, resource_hash, scope_hash`;

export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  flags: number;
  name: string;
  kind: number;
  start_text: string;
  duration_text: string;
  status_code: number;
  status_message: string;
  attr_keys: string[];
  attr_types: string;
  attr_values: string[];
  dropped_attributes_count: number;
  events: string;
  dropped_events_count: number;
  links: string;
  dropped_links_count: number;
  resource_hash: string;
  scope_hash: string;
}

export interface ResourceRow {
  resource_hash: string;
  attr_keys: string[];
  attr_types: string;
  attr_values: string[];
  dropped_attributes_count: number;
  schema_url: string;
}

export interface ScopeRow {
  scope_hash: string;
  name: string;
  version: string;
  attr_keys: string[];
  attr_types: string;
  attr_values: string[];
  dropped_attributes_count: number;
  schema_url: string;
}

export function resourceFromRow(row: ResourceRow, tenant: TenantId): Resource {
  return {
    tenant,
    attributes: attributesFromColumns(row.attr_keys, row.attr_types, row.attr_values),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    schemaUrl: row.schema_url,
  };
}

export function scopeFromRow(row: ScopeRow): InstrumentationScope {
  return {
    name: row.name,
    version: row.version,
    attributes: attributesFromColumns(row.attr_keys, row.attr_types, row.attr_values),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    schemaUrl: row.schema_url,
  };
}

/** Resources and scopes built from rows, by hash: one object per hash for a whole read. */
export interface BuiltObjects {
  resources: Map<string, Resource>;
  scopes: Map<string, InstrumentationScope>;
}

export function newBuiltObjects(): BuiltObjects {
  return { resources: new Map(), scopes: new Map() };
}

/**
 * Rebuilds spans. Spans of one resource/scope hash share one object, as the model expects
 * (encoders regroup spans by resource and scope identity first). Throws when a referenced
 * resource or scope is missing (it is always written before the spans that use it).
 */
export function spansFromRows(
  rows: readonly SpanRow[],
  resources: ReadonlyMap<string, ResourceRow>,
  scopes: ReadonlyMap<string, ScopeRow>,
  /** Whose spans these are: the tenant the read was scoped to. */
  tenant: TenantId,
  /** Objects already built by earlier pages of the same read, reused (and extended) here. */
  built: BuiltObjects = newBuiltObjects(),
): Span[] {
  const { resources: builtResources, scopes: builtScopes } = built;
  return rows.map((row) => {
    let resource = builtResources.get(row.resource_hash);
    if (resource === undefined) {
      const stored = resources.get(row.resource_hash);
      if (stored === undefined) throw new Error(`resource ${row.resource_hash} is not stored`);
      resource = resourceFromRow(stored, tenant);
      builtResources.set(row.resource_hash, resource);
    }
    let scope = builtScopes.get(row.scope_hash);
    if (scope === undefined) {
      const stored = scopes.get(row.scope_hash);
      if (stored === undefined) throw new Error(`scope ${row.scope_hash} is not stored`);
      scope = scopeFromRow(stored);
      builtScopes.set(row.scope_hash, scope);
    }
    const start = BigInt(row.start_text);
    const otlp = {
      traceId: row.trace_id,
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      traceState: row.trace_state,
      flags: Number(row.flags),
      name: row.name,
      kind: Number(row.kind),
      startTimeUnixNano: row.start_text,
      endTimeUnixNano: ((start + BigInt(row.duration_text)) % UINT64).toString(),
      events: row.events === '' ? [] : (JSON.parse(row.events) as unknown),
      droppedEventsCount: Number(row.dropped_events_count),
      links: row.links === '' ? [] : (JSON.parse(row.links) as unknown),
      droppedLinksCount: Number(row.dropped_links_count),
      status: { code: Number(row.status_code), message: row.status_message },
    };
    const span = spanFromOtlpJson(otlp, resource, scope);
    span.attributes = attributesFromColumns(row.attr_keys, row.attr_types, row.attr_values);
    span.droppedAttributesCount = Number(row.dropped_attributes_count);
    return span;
  });
}
