import type { LogRecord } from './log-record.js';
import { decodeAnyValue, decodeKeyValue, decodeOtlpProtoEnvelope, type OtlpProtoEnvelope } from './otlp-proto-decode.js';
import {
  fixed64Field,
  hexField,
  keyValuesField,
  stringField,
  uint32Field,
  withWriter,
  writeAnyValue,
  writeResourceScopeGroups,
} from './otlp-proto-encode.js';
import { MessageSchema, type ProtoReader, WireType } from './protobuf-reader.js';
import type { ProtoWriter } from './protobuf-writer.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './span.js';
import { DEFAULT_TENANT, type TenantId } from './tenant.js';

/**
 * OTLP/protobuf `ExportLogsServiceRequest` (wire-identical to `LogsData`) ↔ Skein log records,
 * with the traces codec's rules (otlp-proto-decode.ts): one pass, proto3 defaults, the last
 * occurrence of a singular field wins, unknown fields skipped, known fields with the wrong wire
 * type rejected. Resource, scope, key/value and AnyValue decoding are the traces codec's own.
 *
 * The response needs no code of its own: `ExportLogsServiceResponse { partial_success = 1 {
 * rejected_log_records = 1 (int64); error_message = 2 } }` is byte-for-byte the traces response
 * (`encodeExportTraceServiceResponse`) with the count renamed.
 */

const { VARINT, I64, LEN, I32 } = WireType;

const REQUEST = new MessageSchema('ExportLogsServiceRequest', [[1, 'resource_logs', LEN]]);
const RESOURCE_LOGS = new MessageSchema('ResourceLogs', [
  [1, 'resource', LEN],
  [2, 'scope_logs', LEN],
  [3, 'schema_url', LEN],
]);
const SCOPE_LOGS = new MessageSchema('ScopeLogs', [
  [1, 'scope', LEN],
  [2, 'log_records', LEN],
  [3, 'schema_url', LEN],
]);
const LOG_RECORD = new MessageSchema('LogRecord', [
  [1, 'time_unix_nano', I64],
  [2, 'severity_number', VARINT],
  [3, 'severity_text', LEN],
  [5, 'body', LEN],
  [6, 'attributes', LEN],
  [7, 'dropped_attributes_count', VARINT],
  [8, 'flags', I32],
  [9, 'trace_id', LEN],
  [10, 'span_id', LEN],
  [11, 'observed_time_unix_nano', I64],
  [12, 'event_name', LEN],
]);

const LOGS: OtlpProtoEnvelope<LogRecord> = {
  request: REQUEST,
  resourceItems: RESOURCE_LOGS,
  scopeItems: SCOPE_LOGS,
  decodeItem: decodeLogRecord,
};

/** Decodes an OTLP/protobuf logs export request; throws only `OtlpDecodeError`. */
export function decodeOtlpProtoLogs(bytes: Uint8Array, tenant: TenantId = DEFAULT_TENANT): LogRecord[] {
  return decodeOtlpProtoEnvelope(bytes, tenant, LOGS);
}

function decodeLogRecord(r: ProtoReader, end: number, resource: Resource, scope: InstrumentationScope): LogRecord {
  let timeUnixNano = 0n;
  let observedTimeUnixNano = 0n;
  let severityNumber = 0;
  let severityText = '';
  let body: AnyValue = null;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';
  while (r.pos < end) {
    const tag = r.tag(end, LOG_RECORD);
    if (tag === 0x09) timeUnixNano = r.fixed64(end, 'LogRecord.time_unix_nano');
    else if (tag === 0x10) severityNumber = r.uint32(end, 'LogRecord.severity_number');
    else if (tag === 0x1a) severityText = r.string(end, 'LogRecord.severity_text');
    else if (tag === 0x2a) body = decodeAnyValue(r, r.lengthEnd(end, 'LogRecord.body'), 0);
    else if (tag === 0x32) attributes.push(decodeKeyValue(r, r.lengthEnd(end, 'LogRecord.attributes'), 0));
    else if (tag === 0x38) droppedAttributesCount = r.uint32(end, 'LogRecord.dropped_attributes_count');
    else if (tag === 0x45) flags = r.fixed32(end, 'LogRecord.flags');
    else if (tag === 0x4a) traceId = r.hex(end, 'LogRecord.trace_id');
    else if (tag === 0x52) spanId = r.hex(end, 'LogRecord.span_id');
    else if (tag === 0x59) observedTimeUnixNano = r.fixed64(end, 'LogRecord.observed_time_unix_nano');
    else if (tag === 0x62) eventName = r.string(end, 'LogRecord.event_name');
    else r.skipUnknown(tag, end, LOG_RECORD); // includes the reserved field 4
  }
  return {
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
    resource,
    scope,
  };
}

/** Log records → OTLP/protobuf `ExportLogsServiceRequest`, regrouped by resource and scope (tests, forwarding). */
export function encodeOtlpProtoLogs(logs: readonly LogRecord[]): Uint8Array {
  return withWriter((w) => writeResourceScopeGroups(w, logs, writeLogRecord));
}

function writeLogRecord(w: ProtoWriter, log: LogRecord): void {
  fixed64Field(w, 0x09, log.timeUnixNano);
  uint32Field(w, 0x10, log.severityNumber);
  stringField(w, 0x1a, log.severityText);
  if (log.body !== null) {
    w.uint32(0x2a);
    const at = w.fork();
    writeAnyValue(w, log.body);
    w.join(at);
  }
  keyValuesField(w, 0x32, log.attributes);
  uint32Field(w, 0x38, log.droppedAttributesCount);
  if (log.flags !== 0) {
    w.uint32(0x45);
    w.fixed32(log.flags);
  }
  hexField(w, 0x4a, log.traceId);
  hexField(w, 0x52, log.spanId);
  fixed64Field(w, 0x59, log.observedTimeUnixNano);
  stringField(w, 0x62, log.eventName);
}
