import { OtlpDecodeError } from './decode-error.js';
import { parseJsonPreservingInt64 } from './json-int64.js';
import type { LogRecord } from './log-record.js';
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
    resource: { attributes: OtlpJsonKeyValue[]; droppedAttributesCount?: number };
    scopeLogs: Array<{
      scope: { name: string; version?: string; attributes?: OtlpJsonKeyValue[]; droppedAttributesCount?: number };
      logRecords: OtlpJsonLogRecord[];
      schemaUrl?: string;
    }>;
    schemaUrl?: string;
  }>;
}

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
      resource: {
        attributes: keyValuesToOtlpJson(group.resource.attributes),
        ...(group.resource.droppedAttributesCount !== 0 && { droppedAttributesCount: group.resource.droppedAttributesCount }),
      },
      scopeLogs: group.scopes.map(({ scope, spans: records }) => ({
        scope: {
          name: scope.name,
          ...(scope.version !== '' && { version: scope.version }),
          ...(scope.attributes.length > 0 && { attributes: keyValuesToOtlpJson(scope.attributes) }),
          ...(scope.droppedAttributesCount !== 0 && { droppedAttributesCount: scope.droppedAttributesCount }),
        },
        logRecords: records.map(logRecordToOtlpJson),
        ...(scope.schemaUrl !== '' && { schemaUrl: scope.schemaUrl }),
      })),
      ...(group.resource.schemaUrl !== '' && { schemaUrl: group.resource.schemaUrl }),
    })),
  };
}

/** OTLP JSON text → log records; throws {@link OtlpDecodeError} naming the first structural problem. */
export function decodeOtlpJsonLogs(text: string, tenant: TenantId = DEFAULT_TENANT): LogRecord[] {
  let parsed: unknown;
  try {
    parsed = parseJsonPreservingInt64(text);
  } catch (error) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`body must be a JSON object with "resourceLogs", got ${describe(parsed)}`);
  }
  const root = parsed as Record<string, unknown>;
  const logs: LogRecord[] = [];
  const resourceLogsList = listOf(root['resourceLogs'] ?? root['resource_logs'], 'resourceLogs');
  for (let r = 0; r < resourceLogsList.length; r++) {
    const rlPath = `resourceLogs[${r}]`;
    const rl = asObject(resourceLogsList[r], rlPath);
    const rawResource = asObject(rl['resource'], `${rlPath}.resource`);
    const resource: Resource = {
      tenant,
      attributes: keyValuesFromOtlpJson(rawResource['attributes'], `${rlPath}.resource.attributes`),
      droppedAttributesCount: uint32Field(
        rawResource['droppedAttributesCount'] ?? rawResource['dropped_attributes_count'],
        `${rlPath}.resource.droppedAttributesCount`,
      ),
      schemaUrl: stringField(rl['schemaUrl'] ?? rl['schema_url'], `${rlPath}.schemaUrl`),
    };
    const scopeLogsList = listOf(rl['scopeLogs'] ?? rl['scope_logs'], `${rlPath}.scopeLogs`);
    for (let s = 0; s < scopeLogsList.length; s++) {
      const slPath = `${rlPath}.scopeLogs[${s}]`;
      const sl = asObject(scopeLogsList[s], slPath);
      const rawScope = asObject(sl['scope'], `${slPath}.scope`);
      const scope: InstrumentationScope = {
        name: stringField(rawScope['name'], `${slPath}.scope.name`),
        version: stringField(rawScope['version'], `${slPath}.scope.version`),
        attributes: keyValuesFromOtlpJson(rawScope['attributes'], `${slPath}.scope.attributes`),
        droppedAttributesCount: uint32Field(
          rawScope['droppedAttributesCount'] ?? rawScope['dropped_attributes_count'],
          `${slPath}.scope.droppedAttributesCount`,
        ),
        schemaUrl: stringField(sl['schemaUrl'] ?? sl['schema_url'], `${slPath}.schemaUrl`),
      };
      const records = listOf(sl['logRecords'] ?? sl['log_records'], `${slPath}.logRecords`);
      for (let i = 0; i < records.length; i++) {
        logs.push(logRecordFromOtlpJson(records[i], resource, scope, `${slPath}.logRecords[${i}]`));
      }
    }
  }
  return logs;
}

function listOf(raw: unknown, path: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`${path}: expected an array, got ${describe(raw)}`);
  return raw;
}
