import { resourceFromJson, scopeFromJson, spanFromOtlpJson } from '../../model/otlp-json.js';
import { DEFAULT_TENANT } from '../../model/tenant.js';
import type { InstrumentationScope, Resource, Span } from '../../model/span.js';

/**
 * Reading schema v1's `spans` rows, kept only so the v2 migration can copy v1 data into the v2
 * tables (v1 stored resource, scope, attributes, events and links as OTLP JSON text, which the
 * engine cannot turn into v2's typed columns on 18.16, so the copy goes through JS).
 */

/** The `spans` columns a read selects (64-bit values as strings: JSON numbers would round). */
export const V1_SPAN_COLUMNS = `trace_id, span_id, parent_span_id, trace_state, flags, name, kind,
  toString(start_ns) AS start_text, toString(end_ns) AS end_text, status_code, status_message,
  attributes_json, dropped_attributes_count, events_json, dropped_events_count,
  links_json, dropped_links_count, resource_json, scope_json`;

export interface V1SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  flags: number;
  name: string;
  kind: number;
  start_text: string;
  end_text: string;
  status_code: number;
  status_message: string;
  attributes_json: string;
  dropped_attributes_count: number;
  events_json: string;
  dropped_events_count: number;
  links_json: string;
  dropped_links_count: number;
  resource_json: string;
  scope_json: string;
}

/**
 * Rebuilds spans, owned by the default tenant (v1 knew no tenants). Identical resource/scope text
 * maps to one shared object, as the model expects (encoders regroup spans by resource and scope
 * identity first).
 */
export function spansFromV1Rows(rows: readonly V1SpanRow[]): Span[] {
  const resources = new Map<string, Resource>();
  const scopes = new Map<string, InstrumentationScope>();
  return rows.map((row) => {
    let resource = resources.get(row.resource_json);
    if (resource === undefined) {
      resource = resourceFromJson(JSON.parse(row.resource_json), DEFAULT_TENANT);
      resources.set(row.resource_json, resource);
    }
    let scope = scopes.get(row.scope_json);
    if (scope === undefined) {
      scope = scopeFromJson(JSON.parse(row.scope_json));
      scopes.set(row.scope_json, scope);
    }
    const otlp = {
      traceId: row.trace_id,
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      traceState: row.trace_state,
      flags: Number(row.flags),
      name: row.name,
      kind: Number(row.kind),
      startTimeUnixNano: row.start_text,
      endTimeUnixNano: row.end_text,
      attributes: JSON.parse(row.attributes_json) as unknown,
      droppedAttributesCount: Number(row.dropped_attributes_count),
      events: JSON.parse(row.events_json) as unknown,
      droppedEventsCount: Number(row.dropped_events_count),
      links: JSON.parse(row.links_json) as unknown,
      droppedLinksCount: Number(row.dropped_links_count),
      status: { code: Number(row.status_code), message: row.status_message },
    };
    return spanFromOtlpJson(otlp, resource, scope);
  });
}
