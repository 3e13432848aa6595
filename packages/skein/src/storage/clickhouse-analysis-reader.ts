import type { TenantId } from '../model/tenant.js';
import type { SpanKind } from '../model/span.js';
import { countAttributeValues } from './attribute-counts-sql.js';
import { listAttributeKeys } from './attribute-key-scan.js';
import { ClickHouseMetricsReader } from './metrics-tables.js';
import type { SqlParams } from './sql-binding.js';
import type { SqlEngine } from './sql-engine.js';
import { aggregateSpans, listTypedValues } from './span-aggregation.js';
import { groupSpans, spanHeatmap } from './span-analysis.js';
import type {
  AttributeCountsQuery,
  AttributeCountsResult,
  GroupByQuery,
  GroupByResult,
  HeatmapQuery,
  HeatmapResult,
  OperationTraceGroups,
  OperationTraceGroupsQuery,
  TraceShape,
  TraceShapeQuery,
} from './span-analysis-types.js';
import type { SpanAggregationQuery, SpanAggregationRow, TypedValueRow, TypedValuesQuery } from './span-query-types.js';
import { BUCKET_NANO } from './span-rows.js';
import { clampUInt64, windowParams } from './window-params.js';
import { attributeValuesSql, samplingProbabilitiesSql, type AttributeValueRow, type DependencyRow } from './trace-queries.js';
import { findTraceShapes, operationTraceGroups } from './trace-shape-sql.js';
import {
  StorageError,
  type AttributeKeyCount,
  type AttributeQuery,
  type AttributeValueCount,
  type DependencyEdge,
  type OperationInfo,
  type SamplingProbability,
} from './trace-store.js';

export const MAX_ATTRIBUTE_LIMIT = 1000;
/** Spans an autocompletion query looks at, at most (see trace-queries.ts, sampledSpans). */
const ATTRIBUTE_SAMPLE_SPANS = 100_000;

/** The statements of these reads rendered once per store (the rest are rendered per call). */
export interface AnalysisStatements {
  /** The quoted database. */
  db: string;
  services: string;
  operations: string;
  dependencies: string;
}

/**
 * One tenant's reads across many spans (TraceStore.forTenant): services and operations, the
 * dependency graph, attribute autocompletion, aggregations and analysis, root-span counts and
 * sampling probabilities. The trace reader (clickhouse-trace-reader.ts) adds the reads of traces
 * and their search; every statement is bound with the tenant, which each one tests first.
 */
export class ClickHouseAnalysisReader extends ClickHouseMetricsReader {
  constructor(
    engine: SqlEngine,
    private readonly statements: AnalysisStatements,
    tenant: TenantId,
  ) {
    super(engine, statements.db, tenant);
  }

  async listServices(): Promise<string[]> {
    const rows = await this.engine.query<{ service_name: string }>(this.statements.services, { tenant: this.tenant });
    return rows.map((r) => r.service_name);
  }

  async listOperations(serviceName: string): Promise<OperationInfo[]> {
    const rows = await this.engine.query<{ name: string; kind: number }>(this.statements.operations, { tenant: this.tenant, serviceName });
    return rows.map((r) => ({ name: r.name, spanKind: Number(r.kind) as SpanKind }));
  }

  async getDependencies(startTimeUnixNano: bigint, endTimeUnixNano: bigint): Promise<DependencyEdge[]> {
    if (endTimeUnixNano < startTimeUnixNano) return [];
    // Edges the metrics tap wrote cover whole minutes: the window is widened to the minutes it touches.
    const startMinute = Number(clampUInt64(startTimeUnixNano) / BUCKET_NANO);
    const endMinute = Number(clampUInt64(endTimeUnixNano) / BUCKET_NANO) + 1;
    const edges = await this.readEdgeCounts(startMinute, endMinute);
    if (edges.length > 0) {
      return edges.map((edge) => ({
        parentService: edge.client,
        childService: edge.server,
        callCount: Math.round(edge.calls),
        errorCount: Math.round(edge.failed),
      }));
    }
    const rows = await this.engine.query<DependencyRow>(this.statements.dependencies, {
      tenant: this.tenant,
      ...windowParams(startTimeUnixNano, endTimeUnixNano),
    });
    return rows.map((r) => ({
      parentService: r.parent_service,
      childService: r.child_service,
      callCount: Number(r.call_count),
      errorCount: Number(r.error_count),
    }));
  }

  async listAttributeKeys(query: AttributeQuery): Promise<AttributeKeyCount[]> {
    if (this.attributeParams(query) === undefined) return [];
    return listAttributeKeys(this.engine, this.statements.db, this.tenant, query);
  }

  async listAttributeValues(key: string, query: AttributeQuery): Promise<AttributeValueCount[]> {
    const params = this.attributeParams(query);
    if (params === undefined) return [];
    const rows = await this.engine.query<AttributeValueRow>(attributeValuesSql(this.statements.db, query.serviceName !== undefined), {
      ...params,
      key,
    });
    return rows.map((r) => ({ value: r.value, count: Number(r.count) }));
  }

  aggregateSpans(query: SpanAggregationQuery): Promise<SpanAggregationRow[]> {
    return aggregateSpans(this.engine, this.statements.db, this.tenant, query);
  }

  listTypedValues(query: TypedValuesQuery): Promise<TypedValueRow[]> {
    return listTypedValues(this.engine, this.statements.db, this.tenant, query);
  }

  spanHeatmap(query: HeatmapQuery): Promise<HeatmapResult> {
    return spanHeatmap(this.engine, this.statements.db, this.tenant, query);
  }

  groupSpans(query: GroupByQuery): Promise<GroupByResult> {
    return groupSpans(this.engine, this.statements.db, this.tenant, query);
  }

  countAttributeValues(query: AttributeCountsQuery): Promise<AttributeCountsResult> {
    return countAttributeValues(this.engine, this.statements.db, this.tenant, query);
  }

  findTraceShapes(query: TraceShapeQuery): Promise<TraceShape[]> {
    return findTraceShapes(this.engine, this.statements.db, this.tenant, query);
  }

  operationTraceGroups(query: OperationTraceGroupsQuery): Promise<OperationTraceGroups> {
    return operationTraceGroups(this.engine, this.statements.db, this.tenant, query);
  }

  private attributeParams(query: AttributeQuery): SqlParams | undefined {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_ATTRIBUTE_LIMIT) {
      throw new StorageError('rejected', `attribute limit must be an integer in 1..${MAX_ATTRIBUTE_LIMIT}, got ${query.limit}`);
    }
    if (query.endTimeUnixNano < query.startTimeUnixNano) return undefined;
    return {
      tenant: this.tenant,
      ...windowParams(query.startTimeUnixNano, query.endTimeUnixNano),
      ...(query.serviceName !== undefined && { serviceName: query.serviceName }),
      sample: ATTRIBUTE_SAMPLE_SPANS,
      limit: query.limit,
    };
  }

  async readSamplingProbabilities(): Promise<SamplingProbability[]> {
    const rows = await this.engine.query<{ service_name: string; operation: string; p: number | string; computed_text: string }>(
      samplingProbabilitiesSql(this.statements.db),
      { tenant: this.tenant },
    );
    return rows.map((row) => ({
      tenant: this.tenant,
      serviceName: row.service_name,
      operation: row.operation,
      probability: Number(row.p),
      computedAtMillis: Number(row.computed_text),
    }));
  }
}
