/** The storage part's public surface. */
export { MAX_PAGE_SPANS, StorageError } from './trace-store.js';
export type {
  AttributeFilter,
  AttributeKeyCount,
  AttributeQuery,
  AttributeValueCount,
  CandidateQuery,
  DependencyEdge,
  OperationInfo,
  ServiceSpanCount,
  StorageErrorCode,
  TenantTraceReader,
  TraceReadOptions,
  TracesReadOptions,
  TraceSearchQuery,
  TraceStore,
  TraceSummary,
  IncomingLink,
} from './trace-store.js';
export type { AttributeTest, PrefilterOp, SpanPredicate, TraceCondition } from './traceql-condition.js';
export { openTraceStore } from './open-trace-store.js';
export type { OpenTraceStoreOptions } from './open-trace-store.js';
export { ClickHouseTraceStore } from './clickhouse-trace-store.js';
export type { SqlEngine } from './sql-engine.js';
export { bindSql } from './sql-binding.js';
export type { SqlParams, SqlParamType } from './sql-binding.js';
export { featuresForVersion, parseEngineVersion } from './engine-features.js';
export type { EngineFeatures } from './engine-features.js';
export { ClickHouseEngine } from './engines/clickhouse-engine.js';
export type { ClickHouseTls } from './engines/clickhouse-engine.js';
export { migrate } from './schema/migrate.js';
