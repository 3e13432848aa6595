import {
  attributeSearchValue,
  resourceFromJson,
  resourceToJson,
  scopeFromJson,
  scopeToJson,
  spanFromOtlpJson,
  spanToOtlpJson,
} from '../model/otlp-json.js';
import { RowBuffer } from './row-buffer.js';
import { serviceNameOf, type InstrumentationScope, type KeyValue, type Resource, type Span } from '../model/span.js';

/**
 * Span ↔ table rows. The write side builds JSONEachRow text directly (one template per row, JSON
 * escaping of strings by `JSON.stringify` on the string alone), so the engine's native parser does
 * the parsing. Resource- and scope-derived text is computed once per distinct object in a batch:
 * spans of one export share them, and they are the largest part of a row.
 */

/** JSON string literal of `s` (standard escaping, the engine reads it back byte for byte). */
const str = JSON.stringify as (s: string) => string;

/**
 * One `attr_kv` token: `<key length>:<key>=<value>`. The length prefix makes the token
 * unambiguous whatever characters key and value contain ("a=b"="c" vs "a"="b=c").
 */
export function attributeKvToken(key: string, value: string): string {
  return `${key.length}:${key}=${value}`;
}

interface ResourceParts {
  serviceName: string;
  json: string;
  keys: string;
  values: string;
  kv: string;
}

/** JSON array texts; `kv` without its brackets so span and resource parts can be joined. */
interface SearchAttributes {
  keys: string;
  values: string;
  kv: string;
}

function searchAttributes(attributes: readonly KeyValue[]): SearchAttributes {
  let keys = '';
  let values = '';
  let kv = '';
  for (let i = 0; i < attributes.length; i++) {
    const { key, value } = attributes[i]!;
    const text = attributeSearchValue(value);
    const sep = i === 0 ? '' : ',';
    keys += sep + str(key);
    values += sep + str(text);
    kv += sep + str(attributeKvToken(key, text));
  }
  return { keys: `[${keys}]`, values: `[${values}]`, kv };
}

export interface RowBatches {
  spans: Buffer;
  spanSearch: Buffer;
  /** Empty when every operation of the batch was written recently (see `knownOperations`). */
  operations: Buffer;
  /** The operations in `operations` with their last-seen time, to record once the insert succeeded. */
  writtenOperations: Array<[key: string, lastSeenNano: bigint]>;
}

/** An operation already stored is rewritten only when its last sighting moved on this much. */
const OPERATION_REFRESH_NANO = 60_000_000_000n;

/**
 * Builds the three tables' insert bodies for one batch. `knownOperations` (key → last-seen time
 * written) lets the caller skip the `operations` insert when nothing new was seen: every insert
 * has a fixed cost of several milliseconds in the engine, and operations rarely change.
 */
export function buildRowBatches(spans: readonly Span[], knownOperations?: ReadonlyMap<string, bigint>): RowBatches {
  const resources = new Map<Resource, ResourceParts>();
  const scopes = new Map<InstrumentationScope, string>();
  const operations = new Map<string, { service: string; name: string; kind: number; lastSeen: bigint }>();
  const spanRows = new RowBuffer();
  const searchRows = new RowBuffer();

  for (const span of spans) {
    let resource = resources.get(span.resource);
    if (resource === undefined) {
      const search = searchAttributes(span.resource.attributes);
      resource = {
        serviceName: str(serviceNameOf(span.resource)),
        json: str(JSON.stringify(resourceToJson(span.resource))),
        keys: search.keys,
        values: search.values,
        kv: search.kv,
      };
      resources.set(span.resource, resource);
    }
    let scope = scopes.get(span.scope);
    if (scope === undefined) {
      scope = str(JSON.stringify(scopeToJson(span.scope)));
      scopes.set(span.scope, scope);
    }

    const otlp = spanToOtlpJson(span);
    const start = span.startTimeUnixNano;
    const end = span.endTimeUnixNano;
    const duration = end > start ? end - start : 0n;
    const traceId = str(span.traceId);
    const spanId = str(span.spanId);
    const parentId = str(span.parentSpanId);
    const name = str(span.name);

    spanRows.append(
      `{"trace_id":${traceId},"span_id":${spanId},"parent_span_id":${parentId},"trace_state":${str(span.traceState)},` +
        `"flags":${span.flags},"name":${name},"kind":${span.kind},"start_ns":"${start}","end_ns":"${end}","duration_ns":"${duration}",` +
        `"status_code":${span.status.code},"status_message":${str(span.status.message)},"service_name":${resource.serviceName},` +
        `"attributes_json":${str(JSON.stringify(otlp.attributes ?? []))},"dropped_attributes_count":${span.droppedAttributesCount},` +
        `"events_json":${str(JSON.stringify(otlp.events ?? []))},"dropped_events_count":${span.droppedEventsCount},` +
        `"links_json":${str(JSON.stringify(otlp.links ?? []))},"dropped_links_count":${span.droppedLinksCount},` +
        `"resource_json":${resource.json},"scope_json":${scope}}\n`,
    );

    const own = searchAttributes(span.attributes);
    searchRows.append(
      `{"service_name":${resource.serviceName},"start_ns":"${start}","trace_id":${traceId},"span_id":${spanId},` +
        `"parent_span_id":${parentId},"name":${name},"kind":${span.kind},"duration_ns":"${duration}","status_code":${span.status.code},` +
        `"span_attr_keys":${own.keys},"span_attr_values":${own.values},"resource_attr_keys":${resource.keys},` +
        `"resource_attr_values":${resource.values},"attr_kv":[${own.kv}${own.kv === '' || resource.kv === '' ? '' : ','}${resource.kv}]}\n`,
    );

    const opKey = `${resource.serviceName}\u0000${name}\u0000${span.kind}`;
    const op = operations.get(opKey);
    if (op === undefined) operations.set(opKey, { service: resource.serviceName, name, kind: span.kind, lastSeen: start });
    else if (start > op.lastSeen) op.lastSeen = start;
  }

  let opText = '';
  const writtenOperations: Array<[string, bigint]> = [];
  for (const [key, op] of operations) {
    const known = knownOperations?.get(key);
    if (known !== undefined && op.lastSeen - known < OPERATION_REFRESH_NANO) continue;
    writtenOperations.push([key, op.lastSeen]);
    opText += `{"service_name":${op.service},"name":${op.name},"kind":${op.kind},"last_seen_ns":"${op.lastSeen}"}\n`;
  }
  return { spans: spanRows.bytes(), spanSearch: searchRows.bytes(), operations: Buffer.from(opText), writtenOperations };
}

/** The `spans` columns a read selects (64-bit values as strings: JSON numbers would round). */
export const SPAN_ROW_COLUMNS = `trace_id, span_id, parent_span_id, trace_state, flags, name, kind,
  toString(start_ns) AS start_text, toString(end_ns) AS end_text, status_code, status_message,
  attributes_json, dropped_attributes_count, events_json, dropped_events_count,
  links_json, dropped_links_count, resource_json, scope_json`;

export interface SpanRow {
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
 * Rebuilds spans. Identical resource/scope text maps to one shared object, as the model expects
 * (encoders regroup spans by resource and scope identity first).
 */
export function spansFromRows(rows: readonly SpanRow[]): Span[] {
  const resources = new Map<string, Resource>();
  const scopes = new Map<string, InstrumentationScope>();
  return rows.map((row) => {
    let resource = resources.get(row.resource_json);
    if (resource === undefined) {
      resource = resourceFromJson(JSON.parse(row.resource_json));
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
