import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './span.js';

/**
 * Skein's log record: every field of OTLP's `LogRecord` (logs.proto), nothing lost, with the same
 * conventions as {@link Span}: IDs as lowercase hex ('' when absent: a log outside any trace),
 * nanosecond times as bigint, the body as any {@link AnyValue}, and pointers to the shared Resource
 * (which carries the tenant, ARCHITECTURE decision 10) and InstrumentationScope of its request.
 */
export interface LogRecord {
  /** When the event happened (0: unknown; then `observedTimeUnixNano` orders it). */
  timeUnixNano: bigint;
  /** When a collector or SDK saw it. */
  observedTimeUnixNano: bigint;
  /** OTLP `SeverityNumber` 0 (unspecified) to 24 (FATAL4). */
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  /** W3C trace flags (low byte) as sent. */
  flags: number;
  traceId: string;
  spanId: string;
  /** `LogRecord.event_name` (field 12): set for events, '' for plain logs. */
  eventName: string;
  resource: Resource;
  scope: InstrumentationScope;
}

/** OTLP `SeverityNumber` short names by range, as the Collector and the SDKs print them. */
const SEVERITY_RANGES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/** `SEVERITY_NUMBER_…` short name of a number: 17 → ERROR, 18 → ERROR2; 0 → UNSPECIFIED. */
export function severityName(severityNumber: number): string {
  if (severityNumber < 1 || severityNumber > 24) return 'UNSPECIFIED';
  const range = SEVERITY_RANGES[Math.floor((severityNumber - 1) / 4)]!;
  const step = (severityNumber - 1) % 4;
  return step === 0 ? range : `${range}${step + 1}`;
}

/** The lowest severity number of a range name (`error` → 17), or undefined when it is not one. */
export function severityOfName(name: string): number | undefined {
  const index = SEVERITY_RANGES.indexOf(name.toUpperCase() as (typeof SEVERITY_RANGES)[number]);
  return index < 0 ? undefined : index * 4 + 1;
}

/** The time a log is ordered and searched by: its event time, else when it was observed. */
export function logTimeUnixNano(log: LogRecord): bigint {
  return log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano;
}
