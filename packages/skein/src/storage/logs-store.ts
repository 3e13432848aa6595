import type { LogRecord } from '../model/log-record.js';

/**
 * The logs half of the storage contract (issue 17): `TraceStore` extends {@link LogsWriter},
 * `TenantTraceReader` extends {@link LogsReader}, as they do for metrics, so every engine, every
 * tenant scope and the shared contract suite cover logs with no second store to open.
 */

/** A stored record: everything OTLP sent, plus the id the store keys it by. */
export interface StoredLog extends LogRecord {
  /** Content hash (16 hex digits): identical records written twice (a retried batch) share it. */
  readonly logId: string;
}

export interface LogsWriter {
  /** Writes records (each with its tenant on its Resource); resolves once stored. */
  writeLogs(logs: readonly LogRecord[]): Promise<void>;
}

/** `key = value`, the value in attribute search form (as span search's AttributeFilter). */
export interface LogAttributeFilter {
  key: string;
  value: string;
}

export interface LogSearchQuery {
  serviceName?: string;
  /** Records at or above this OTLP severity number (1-24). */
  minSeverityNumber?: number;
  /** Exact record attributes (value in attribute search form, as span search). */
  attributes: readonly LogAttributeFilter[];
  /** Case-insensitive substring of the body's text. */
  bodyContains?: string;
  traceId?: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  limit: number;
}

export interface SpanLogCount {
  readonly spanId: string;
  readonly count: number;
}

/** Most records one call returns. */
export const MAX_LOGS_LIMIT = 10_000;

export interface LogsReader {
  /**
   * The logs of one trace (optionally of one of its spans), oldest first, one per `logId`, at most
   * `limit`. Reads the trace's index ranges only, never a scan.
   */
  getTraceLogs(traceId: string, options?: { spanId?: string; limit?: number }): Promise<StoredLog[]>;
  /**
   * How many records each span of a trace has (span ID '' for records without one), by span ID;
   * one aggregate over the trace's index ranges, however many records there are (the trace
   * view's log counts, which must not read every record of a chatty trace).
   */
  getTraceLogCounts(traceId: string): Promise<SpanLogCount[]>;
  /** Newest first, at most `limit`. */
  searchLogs(query: LogSearchQuery): Promise<StoredLog[]>;
}
