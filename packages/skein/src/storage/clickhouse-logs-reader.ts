import type { TenantId } from '../model/tenant.js';
import type { InstrumentationScope, Resource } from '../model/span.js';
import { LOG_ROW_COLUMNS, logFromRow, type LogRow } from './log-rows.js';
import { MAX_LOGS_LIMIT, type LogSearchQuery, type LogsReader, type SpanLogCount, type StoredLog } from './logs-store.js';
import type { SqlParams } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import { BUCKET_NANO } from './span-rows.js';
import { TENANT } from './trace-queries.js';
import { StorageError } from './trace-store.js';

/** Resources and scopes of rows, by hash (the trace reader's cached lookups). */
export type ObjectsOf = (
  resourceHashes: readonly string[],
  scopeHashes: readonly string[],
) => Promise<{ resources: ReadonlyMap<string, Resource>; scopes: ReadonlyMap<string, InstrumentationScope> }>;

const DEFAULT_TRACE_LOGS_LIMIT = 10_000;
const UINT64_MAX = 18446744073709551615n;

/**
 * One tenant's reads of `logs_v6` (schema v6). Like every read, each statement tests the tenant
 * first. Rows are deduplicated by `log_id` (a retried batch stores copies until a merge).
 */
export class ClickHouseLogsReader implements LogsReader {
  constructor(
    private readonly engine: SqlEngine,
    /** Quoted database. */
    private readonly db: string,
    private readonly tenant: TenantId,
    private readonly objectsOf: ObjectsOf,
  ) {}

  async getTraceLogs(traceId: string, options: { spanId?: string; limit?: number } = {}): Promise<StoredLog[]> {
    const limit = checkedLimit(options.limit ?? DEFAULT_TRACE_LOGS_LIMIT);
    const span = options.spanId === undefined ? '' : '\n  AND span_id = {spanId:String}';
    const sql = `SELECT ${LOG_ROW_COLUMNS}
FROM ${this.db}.logs_v6
WHERE ${TENANT}
  AND (service_name, bucket) IN (SELECT service_name, bucket FROM ${this.db}.logs_trace_index_v6 WHERE ${TENANT} AND trace_id = {traceId:String})
  AND trace_id = {traceId:String}${span}
ORDER BY ts_ns, log_id
LIMIT 1 BY log_id
LIMIT {limit:UInt32}`;
    const params: SqlParams = { tenant: this.tenant, traceId, limit, ...(options.spanId !== undefined && { spanId: options.spanId }) };
    return this.logsOf(await this.engine.query<LogRow>(sql, params));
  }

  async getTraceLogCounts(traceId: string): Promise<SpanLogCount[]> {
    // uniqExact(log_id): copies of a retried batch count once, as the reads return them once.
    // toUInt32: a UInt64 would arrive as a JSON string from the server.
    const sql = `SELECT span_id, toUInt32(uniqExact(log_id)) AS logs
FROM ${this.db}.logs_v6
WHERE ${TENANT}
  AND (service_name, bucket) IN (SELECT service_name, bucket FROM ${this.db}.logs_trace_index_v6 WHERE ${TENANT} AND trace_id = {traceId:String})
  AND trace_id = {traceId:String}
GROUP BY span_id
ORDER BY span_id`;
    const rows = await this.engine.query<{ span_id: string; logs: number | string }>(sql, { tenant: this.tenant, traceId });
    return rows.map((row) => ({ spanId: row.span_id, count: Number(row.logs) }));
  }

  async searchLogs(query: LogSearchQuery): Promise<StoredLog[]> {
    const limit = checkedLimit(query.limit);
    const start = clamp(query.startTimeUnixNano);
    const end = clamp(query.endTimeUnixNano);
    const conditions = [
      TENANT,
      'bucket >= {startBucket:UInt32} AND bucket <= {endBucket:UInt32}',
      'ts_ns >= {startNs:UInt64} AND ts_ns <= {endNs:UInt64}',
    ];
    const params: Record<string, unknown> = {
      tenant: this.tenant,
      startBucket: start / BUCKET_NANO,
      endBucket: end / BUCKET_NANO,
      startNs: start,
      endNs: end,
      limit,
    };
    if (query.serviceName !== undefined) {
      conditions.push('service_name = {serviceName:String}');
      params['serviceName'] = query.serviceName;
    }
    if (query.minSeverityNumber !== undefined) {
      conditions.push('severity_number >= {minSeverity:UInt8}');
      params['minSeverity'] = query.minSeverityNumber;
    }
    if (query.traceId !== undefined) {
      conditions.push('trace_id = {traceId:String}');
      params['traceId'] = query.traceId;
    }
    if (query.bodyContains !== undefined && query.bodyContains !== '') {
      // The n-gram index (where the engine has one) is over exactly this expression.
      conditions.push('lowerUTF8(body) LIKE {bodyPattern:String}');
      params['bodyPattern'] = `%${likeEscape(query.bodyContains.toLowerCase())}%`;
    }
    query.attributes.forEach((filter, i) => {
      conditions.push(`arrayExists((k, v) -> k = {k${i}:String} AND v = {v${i}:String}, attr_keys, attr_values)`);
      params[`k${i}`] = filter.key;
      params[`v${i}`] = filter.value;
    });
    const sql = `SELECT ${LOG_ROW_COLUMNS}
FROM ${this.db}.logs_v6
WHERE ${conditions.join('\n  AND ')}
ORDER BY ts_ns DESC, log_id
LIMIT 1 BY log_id
LIMIT {limit:UInt32}`;
    return this.logsOf(await this.engine.query<LogRow>(sql, params));
  }

  private async logsOf(rows: readonly LogRow[]): Promise<StoredLog[]> {
    if (rows.length === 0) return [];
    const { resources, scopes } = await this.objectsOf(
      rows.map((row) => row.resource_hash),
      rows.map((row) => row.scope_hash),
    );
    return rows.map((row) => {
      const resource = resources.get(row.resource_hash);
      const scope = scopes.get(row.scope_hash);
      if (resource === undefined || scope === undefined) {
        throw new StorageError('rejected', `stored log ${row.log_id} references a resource or scope that is not stored`);
      }
      try {
        return logFromRow(row, resource, scope);
      } catch (error) {
        throw new StorageError('rejected', `stored log ${row.log_id} could not be decoded: ${String(error)}`, { cause: error });
      }
    });
  }
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOGS_LIMIT) {
    throw new StorageError('rejected', `logs limit must be an integer in 1..${MAX_LOGS_LIMIT}, got ${limit}`);
  }
  return limit;
}

function clamp(value: bigint): bigint {
  return value < 0n ? 0n : value > UINT64_MAX ? UINT64_MAX : value;
}

/** LIKE's own metacharacters taken literally (the SQL literal's quoting is sql-binding's). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
