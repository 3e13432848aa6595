import { severityName } from '../model/log-record.js';
import {
  anyValueToOtlpJson,
  keyValuesToOtlpJson,
  resourceToJson,
  scopeToJson,
  type OtlpJsonAnyValue,
  type OtlpJsonKeyValue,
} from '../model/otlp-json.js';
import { serviceNameOf, type InstrumentationScope, type Resource } from '../model/span.js';
import type { StoredLog } from '../storage/logs-store.js';
import { Indexer } from './native-trace-json.js';

/**
 * The native API's log shape (docs/api.md, "Logs"), in the trace shape's conventions: times are
 * decimal strings of nanoseconds, the body and attribute values keep OTLP JSON's typed form, and
 * resources and scopes are listed once and referenced by index. Every OTLP field is present, with
 * its default when it was not sent, so clients never test for absence.
 */
export interface NativeLog {
  logId: string;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  /** The SeverityNumber's short name (ERROR, WARN2, UNSPECIFIED). */
  severityName: string;
  severityText: string;
  body: OtlpJsonAnyValue;
  attributes: OtlpJsonKeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
  serviceName: string;
  resourceIndex: number;
  scopeIndex: number;
}

export interface NativeLogs {
  logs: NativeLog[];
  resources: ReturnType<typeof resourceToJson>[];
  scopes: ReturnType<typeof scopeToJson>[];
}

export function toNativeLogs(logs: readonly StoredLog[]): NativeLogs {
  const resources = new Indexer<Resource, ReturnType<typeof resourceToJson>>(resourceToJson);
  const scopes = new Indexer<InstrumentationScope, ReturnType<typeof scopeToJson>>(scopeToJson);
  return {
    logs: logs.map((log) => ({
      logId: log.logId,
      timeUnixNano: log.timeUnixNano.toString(),
      observedTimeUnixNano: log.observedTimeUnixNano.toString(),
      severityNumber: log.severityNumber,
      severityName: severityName(log.severityNumber),
      severityText: log.severityText,
      body: anyValueToOtlpJson(log.body),
      attributes: keyValuesToOtlpJson(log.attributes),
      droppedAttributesCount: log.droppedAttributesCount,
      flags: log.flags,
      traceId: log.traceId,
      spanId: log.spanId,
      eventName: log.eventName,
      serviceName: serviceNameOf(log.resource),
      resourceIndex: resources.indexOf(log.resource),
      scopeIndex: scopes.indexOf(log.scope),
    })),
    resources: resources.values,
    scopes: scopes.values,
  };
}
