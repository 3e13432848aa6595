import type { LogRecord } from '../../model/log-record.js';
import { decodeOtlpJsonLogs } from '../../model/otlp-logs-json.js';
import { decodeOtlpProtoLogs } from '../../model/otlp-logs-proto.js';
import { decodeOtlpJsonTraces } from '../../model/otlp-json.js';
import { decodeOtlpProtoTraces } from '../../model/otlp-proto-decode.js';
import type { Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import { partitionValidLogs } from '../../model/validate-log.js';
import { partitionValidSpans, type ValidationOutcome } from '../../model/validate-span.js';
import type { Consumer } from '../pipeline/consume-result.js';

/**
 * What differs between the OTLP signals a receiver serves: paths, message names, decoders and
 * validation. Everything else (admission, body limits, decompression, tenancy, partial success,
 * `statusOf`, the response encodings) is one code path in otlp-http-receiver.ts and
 * otlp-grpc-receiver.ts. The export responses are wire-identical across signals (`partial_success
 * = 1 { rejected_<items> = 1; error_message = 2 }`); only their JSON names the count differently.
 */
export interface OtlpSignal<T> {
  readonly name: 'traces' | 'logs';
  readonly httpPath: string;
  readonly grpcPath: string;
  /** The request message, for decode errors. */
  readonly requestName: string;
  /** The partial-success count's JSON name. */
  readonly rejectedJsonField: 'rejectedSpans' | 'rejectedLogRecords';
  /** Plural noun for log lines ('spans', 'log records'). */
  readonly items: string;
  /** Whether the span counters of `ReceiverTelemetry` count this signal (they are span-named). */
  readonly countedAsSpans: boolean;
  decodeProto(bytes: Uint8Array, tenant: TenantId): T[];
  decodeJson(text: string, tenant: TenantId): T[];
  partition(items: readonly T[]): ValidationOutcome<T>;
}

export const TRACES_SIGNAL: OtlpSignal<Span> = {
  name: 'traces',
  httpPath: '/v1/traces',
  grpcPath: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  requestName: 'ExportTraceServiceRequest',
  rejectedJsonField: 'rejectedSpans',
  items: 'spans',
  countedAsSpans: true,
  decodeProto: decodeOtlpProtoTraces,
  decodeJson: decodeOtlpJsonTraces,
  partition: partitionValidSpans,
};

export const LOGS_SIGNAL: OtlpSignal<LogRecord> = {
  name: 'logs',
  httpPath: '/v1/logs',
  grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  requestName: 'ExportLogsServiceRequest',
  rejectedJsonField: 'rejectedLogRecords',
  items: 'log records',
  countedAsSpans: false,
  decodeProto: decodeOtlpProtoLogs,
  decodeJson: decodeOtlpJsonLogs,
  partition: (logs) => partitionValidLogs(logs, BigInt(Date.now()) * 1_000_000n),
};

/** A signal and the pipelines' consumer it feeds (method signatures: any item type fits `unknown`). */
export interface SignalRoute<T = unknown> {
  readonly signal: OtlpSignal<T>;
  readonly consumer: Consumer<T>;
}
