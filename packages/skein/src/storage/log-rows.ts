import { logTimeUnixNano, type LogRecord } from '../model/log-record.js';
import { anyValueFromColumns, anyValueTsvFields, attributesFromColumns, attributeTsvFields } from './attribute-columns.js';
import type { StoredLog } from './logs-store.js';
import { RowBuffer } from './row-buffer.js';
import { BUCKET_NANO, contentHash, resourceRef, scopeRef, storedKey, type KnownRows, type ResourceRef } from './span-rows.js';
import { tsvString } from './tsv-text.js';
import type { InstrumentationScope, Resource } from '../model/span.js';

/** `logs_v6` columns in insert order (schema v6, migrations.ts). */
export const LOG_COLUMNS = [
  'tenant',
  'service_name',
  'bucket',
  'ts_ns',
  'log_id',
  'time_ns',
  'observed_ns',
  'trace_id',
  'span_id',
  'flags',
  'severity_number',
  'severity_text',
  'event_name',
  'body_type',
  'body',
  'attr_keys',
  'attr_types',
  'attr_values',
  'dropped_attributes_count',
  'resource_hash',
  'scope_hash',
] as const;

export interface LogRowBatches {
  logs: Buffer;
  /** New resource / scope rows (`resources_v3` / `scopes_v3`, shared with spans) and their keys. */
  resources: Buffer;
  scopes: Buffer;
  newResources: string[];
  newScopes: string[];
}

/**
 * One batch's insert bodies. The record's columns after the sort key are written first into the
 * row text, hashed into `log_id`, then prefixed with the key: identical records get identical ids.
 */
export function buildLogRowBatches(logs: readonly LogRecord[], known?: Pick<KnownRows, 'resources' | 'scopes'>): LogRowBatches {
  const resources = new Map<Resource, ResourceRef>();
  const scopes = new Map<InstrumentationScope, { hash: string; body: string }>();
  const newResources = new Map<string, string>();
  const newScopes = new Map<string, string>();
  const rows = new RowBuffer();
  for (const log of logs) {
    let resource = resources.get(log.resource);
    if (resource === undefined) {
      resource = resourceRef(log.resource);
      resources.set(log.resource, resource);
      if (known?.resources.has(resource.key) !== true) newResources.set(resource.key, resource.row);
    }
    let scope = scopes.get(log.scope);
    if (scope === undefined) {
      scope = scopeRef(log.scope);
      scopes.set(log.scope, scope);
    }
    const scopeKey = storedKey(log.resource.tenant, scope.hash);
    if (known?.scopes.has(scopeKey) !== true && !newScopes.has(scopeKey)) {
      newScopes.set(scopeKey, `${resource.tenant}\t${scope.hash}\t${scope.body}\n`);
    }
    const ts = logTimeUnixNano(log);
    const content =
      `${log.timeUnixNano}\t${log.observedTimeUnixNano}\t${tsvString(log.traceId)}\t${tsvString(log.spanId)}\t${log.flags}\t` +
      `${log.severityNumber}\t${tsvString(log.severityText)}\t${tsvString(log.eventName)}\t${anyValueTsvFields(log.body)}\t` +
      `${attributeTsvFields(log.attributes)}\t${log.droppedAttributesCount}\t${resource.hash}\t${scope.hash}`;
    rows.append(`${resource.tenant}\t${resource.serviceName}\t${ts / BUCKET_NANO}\t${ts}\t${contentHash(content)}\t${content}\n`);
  }
  return {
    logs: rows.bytes(),
    resources: Buffer.from([...newResources.values()].join('')),
    scopes: Buffer.from([...newScopes.values()].join('')),
    newResources: [...newResources.keys()],
    newScopes: [...newScopes.keys()],
  };
}

/** The columns a read selects (64-bit values as strings: JSON numbers would round). */
export const LOG_ROW_COLUMNS = `log_id, service_name, toString(time_ns) AS time_text, toString(observed_ns) AS observed_text,
  trace_id, span_id, flags, severity_number, severity_text, event_name, body_type, body,
  attr_keys, attr_types, attr_values, dropped_attributes_count, resource_hash, scope_hash`;

export interface LogRow {
  log_id: string;
  service_name: string;
  time_text: string;
  observed_text: string;
  trace_id: string;
  span_id: string;
  flags: number | string;
  severity_number: number | string;
  severity_text: string;
  event_name: string;
  body_type: string;
  body: string;
  attr_keys: string[];
  attr_types: string;
  attr_values: string[];
  dropped_attributes_count: number | string;
  resource_hash: string;
  scope_hash: string;
}

/** A stored record from its row and its (already looked-up) resource and scope. */
export function logFromRow(row: LogRow, resource: Resource, scope: InstrumentationScope): StoredLog {
  return {
    logId: row.log_id,
    timeUnixNano: BigInt(row.time_text),
    observedTimeUnixNano: BigInt(row.observed_text),
    severityNumber: Number(row.severity_number),
    severityText: row.severity_text,
    body: anyValueFromColumns(row.body_type, row.body),
    attributes: attributesFromColumns(row.attr_keys, row.attr_types, row.attr_values),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    flags: Number(row.flags),
    traceId: row.trace_id,
    spanId: row.span_id,
    eventName: row.event_name,
    resource,
    scope,
  };
}
