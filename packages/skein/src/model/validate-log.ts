import { isValidSpanId, isValidTraceId } from './ids.js';
import type { LogRecord } from './log-record.js';
import type { ValidationOutcome } from './validate-span.js';

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
const MAX_REASONS = 5;

/**
 * Checks one decoded log record against the rules every stored record obeys; the counterpart of
 * `validateSpan`. A log needs no trace: empty (or all-zero, which SDKs send outside a span) IDs
 * mean "none" and are normalised to ''. Present IDs must have OTLP's sizes, a span ID needs a trace
 * ID, and the severity number must be one OTLP defines. The reason goes back to the client in OTLP
 * `partial_success.error_message`, so it names the record and the field.
 */
export function validateLogRecord(log: LogRecord, index: number): string | undefined {
  if (log.traceId === ZERO_TRACE_ID) log.traceId = '';
  if (log.spanId === ZERO_SPAN_ID) log.spanId = '';
  if (log.traceId !== '' && !isValidTraceId(log.traceId)) {
    return `log record ${index}: invalid trace ID ${JSON.stringify(log.traceId)} (must be empty or 16 bytes / 32 hex digits)`;
  }
  if (log.spanId !== '' && !isValidSpanId(log.spanId)) {
    return `log record ${index}: invalid span ID ${JSON.stringify(log.spanId)} (must be empty or 8 bytes / 16 hex digits)`;
  }
  if (log.spanId !== '' && log.traceId === '') return `log record ${index}: span ID ${log.spanId} without a trace ID`;
  if (!Number.isInteger(log.severityNumber) || log.severityNumber < 0 || log.severityNumber > 24) {
    return `log record ${index}: severityNumber ${log.severityNumber} is not an OTLP SeverityNumber (0-24)`;
  }
  return undefined;
}

/** The valid records of a request and why the others were rejected (OTLP partial success). */
export function partitionValidLogs(logs: readonly LogRecord[], receivedUnixNano?: bigint): ValidationOutcome<LogRecord> {
  const valid: LogRecord[] = [];
  const reasons: string[] = [];
  let rejectedCount = 0;
  logs.forEach((log, index) => {
    const reason = validateLogRecord(log, index);
    if (reason === undefined) {
      // A record with neither time was observed by Skein, now (what observed_time means): it
      // would otherwise be stored, and searched for, in 1970.
      if (receivedUnixNano !== undefined && log.timeUnixNano === 0n && log.observedTimeUnixNano === 0n) {
        log.observedTimeUnixNano = receivedUnixNano;
      }
      valid.push(log);
    } else {
      rejectedCount++;
      if (reasons.length < MAX_REASONS) reasons.push(reason);
    }
  });
  let errorMessage = reasons.join('; ');
  if (rejectedCount > reasons.length) errorMessage += `; and ${rejectedCount - reasons.length} more`;
  return { valid, rejectedCount, errorMessage };
}
