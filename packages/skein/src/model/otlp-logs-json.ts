import { OtlpDecodeError } from './decode-error.js';
import type { LogRecord } from './log-record.js';
import {
  decodeOtlpJsonEnvelope,
  resourceToOtlpJson,
  schemaUrlOf,
  scopeToOtlpJson,
  type OtlpJsonLevels,
  type OtlpJsonResource,
  type OtlpJsonScope,
} from './otlp-json-envelope.js';
import { idField, timeField } from './otlp-json-span.js';
import {
  anyValueFromOtlpJson,
  anyValueToOtlpJson,
  asObject,
  describe,
  keyValuesFromOtlpJson,
  keyValuesToOtlpJson,
  stringField,
  uint32Field,
  type OtlpJsonAnyValue,
  type OtlpJsonKeyValue,
} from './otlp-json-values.js';
import { groupByResourceAndScope } from './resource-scope-groups.js';
import type { InstrumentationScope, Resource } from './span.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';

/**
 * OTLP JSON `LogsData` / `ExportLogsServiceRequest` ↔ log records: the proto3 JSON mapping as
 * the traces codec reads it (lowerCamelCase or proto names, int64 as strings or numbers, hex IDs,
 * enums by number or name), with the same shared value, resource and scope decoders.
 */

export interface OtlpJsonLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpJsonAnyValue;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpJsonLogsData {
  resourceLogs: Array<{
    resource: OtlpJsonResource;
    scopeLogs: Array<{ scope: OtlpJsonScope; logRecords: OtlpJsonLogRecord[]; schemaUrl?: string }>;
    schemaUrl?: string;
  }>;
}

const LOGS_LEVELS: OtlpJsonLevels = {
  resources: ['resourceLogs', 'resource_logs'],
  scopes: ['scopeLogs', 'scope_logs'],
  items: ['logRecords', 'log_records'],
};

/** `SEVERITY_NUMBER_UNSPECIFIED`, `SEVERITY_NUMBER_TRACE`, … `SEVERITY_NUMBER_FATAL4`, by number. */
const SEVERITY_ENUM_NAMES: readonly string[] = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((range) =>
    ['', '2', '3', '4'].map((step) => `SEVERITY_NUMBER_${range}${step}`),
  ),
];

/** A severity as sent: range checks are validation's (one bad record does not reject its request). */
function severityField(raw: unknown, path: string): number {
  if (raw === undefined || raw === null) return 0;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string') {
    const index = SEVERITY_ENUM_NAMES.indexOf(raw);
    if (index >= 0) return index;
  }
  throw new OtlpDecodeError(`${path}: expected a SeverityNumber (0-24 or SEVERITY_NUMBER_…), got ${describe(raw)}`);
}

export function logRecordFromOtlpJson(raw: unknown, resource: Resource, scope: InstrumentationScope, path = 'logRecord'): LogRecord {
  const o = asObject(raw, path);
  return {
    timeUnixNano: timeField(o['timeUnixNano'] ?? o['time_unix_nano'], `${path}.timeUnixNano`),
    observedTimeUnixNano: timeField(o['observedTimeUnixNano'] ?? o['observed_time_unix_nano'], `${path}.observedTimeUnixNano`),
    severityNumber: severityField(o['severityNumber'] ?? o['severity_number'], `${path}.severityNumber`),
    severityText: stringField(o['severityText'] ?? o['severity_text'], `${path}.severityText`),
    body: o['body'] === undefined || o['body'] === null ? null : anyValueFromOtlpJson(o['body'], `${path}.body`),
    attributes: keyValuesFromOtlpJson(o['attributes'], `${path}.attributes`),
    droppedAttributesCount: uint32Field(o['droppedAttributesCount'] ?? o['dropped_attributes_count'], `${path}.droppedAttributesCount`),
    flags: uint32Field(o['flags'], `${path}.flags`),
    traceId: idField(o['traceId'] ?? o['trace_id'], `${path}.traceId`, 16),
    spanId: idField(o['spanId'] ?? o['span_id'], `${path}.spanId`, 8),
    eventName: stringField(o['eventName'] ?? o['event_name'], `${path}.eventName`),
    resource,
    scope,
  };
}

/** The OTLP JSON of one record, proto3 defaults left out. */
export function logRecordToOtlpJson(log: LogRecord): OtlpJsonLogRecord {
  const out: OtlpJsonLogRecord = {};
  if (log.timeUnixNano !== 0n) out.timeUnixNano = log.timeUnixNano.toString();
  if (log.observedTimeUnixNano !== 0n) out.observedTimeUnixNano = log.observedTimeUnixNano.toString();
  if (log.severityNumber !== 0) out.severityNumber = log.severityNumber;
  if (log.severityText !== '') out.severityText = log.severityText;
  if (log.body !== null) out.body = anyValueToOtlpJson(log.body);
  if (log.attributes.length > 0) out.attributes = keyValuesToOtlpJson(log.attributes);
  if (log.droppedAttributesCount !== 0) out.droppedAttributesCount = log.droppedAttributesCount;
  if (log.flags !== 0) out.flags = log.flags;
  if (log.traceId !== '') out.traceId = log.traceId;
  if (log.spanId !== '') out.spanId = log.spanId;
  if (log.eventName !== '') out.eventName = log.eventName;
  return out;
}

/** Log records → OTLP JSON `LogsData`, regrouped by resource and scope. */
export function encodeOtlpJsonLogs(logs: readonly LogRecord[]): OtlpJsonLogsData {
  return {
    resourceLogs: groupByResourceAndScope(logs).map((group) => ({
      resource: resourceToOtlpJson(group.resource),
      scopeLogs: group.scopes.map(({ scope, spans: records }) => ({
        scope: scopeToOtlpJson(scope),
        logRecords: records.map(logRecordToOtlpJson),
        ...schemaUrlOf(scope),
      })),
      ...schemaUrlOf(group.resource),
    })),
  };
}

/** OTLP JSON text → log records; throws {@link OtlpDecodeError} naming the first structural problem. */
export function decodeOtlpJsonLogs(text: string, tenant: TenantId = DEFAULT_TENANT): LogRecord[] {
  return decodeOtlpJsonEnvelope(text, tenant, LOGS_LEVELS, logRecordFromOtlpJson);
}
