import type { TenantId } from '../../model/tenant.js';
import type { TraceStore } from '../../storage/trace-store.js';

/**
 * Sampled traces that reached Skein per operation (service, root span name) in a window, by the
 * OpenTelemetry sampling threshold (`ot=th:…`) they carried. Adaptive sampling divides each by the
 * probability its SDK sampled with to get the operation's true traffic.
 */
export interface OperationCount {
  serviceName: string;
  operation: string;
  /** The `th` hex digits of the trace's `ot` trace state entry; '' when it had none. */
  threshold: string;
  /** The probability its Jaeger remote sampler reported (`jaeger.sampler.param`), if any. */
  samplerProbability?: number;
  count: number;
}

/**
 * Where adaptive sampling reads per-operation throughput (ARCHITECTURE decisions 6 and 12: a
 * tap counting 100 % of what arrives, written pre-aggregated so every node reads the same).
 */
export interface OperationThroughputSource {
  countsBetween(tenant: TenantId, startUnixNano: bigint, endUnixNano: bigint): Promise<OperationCount[]>;
}

/**
 * MERGE NOTE (issue 13 × the metrics tap, branch w-metrics): until the metrics tap writes its
 * per-operation counts, this reads root spans from the span table by its primary key (tenant,
 * service, minute). That is what arrived after every SDK's head sampling, as the tap would count
 * it, but after any tail sampling too; at the merge, implement this interface over the tap's
 * table and pass it to the sampling extension instead.
 */
export class StoredRootSpanThroughput implements OperationThroughputSource {
  constructor(private readonly store: TraceStore) {}

  async countsBetween(tenant: TenantId, startUnixNano: bigint, endUnixNano: bigint): Promise<OperationCount[]> {
    const rows = await this.store.forTenant(tenant).countRootSpans(startUnixNano, endUnixNano);
    return rows.map((row) => {
      const reported = row.samplerParam === '' ? NaN : Number(row.samplerParam);
      return {
        serviceName: row.serviceName,
        operation: row.spanName,
        threshold: row.threshold,
        ...(reported > 0 && reported <= 1 && { samplerProbability: reported }),
        count: row.count,
      };
    });
  }
}

/** The sampling probability an OpenTelemetry rejection threshold (`th`, 1-14 hex digits) means. */
export function probabilityOfThreshold(threshold: string): number | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(threshold)) return undefined;
  const rejected = Number.parseInt(threshold.padEnd(14, '0'), 16) / 2 ** 56;
  return 1 - rejected;
}
