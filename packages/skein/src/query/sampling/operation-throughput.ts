import type { TenantId } from '../../model/tenant.js';
import type { TraceStore } from '../../storage/trace-store.js';

/**
 * Sampled traces that reached Skein's collectors per operation (service, root span name) in a window, by the
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
 * Reads the metrics tap's root-span counts (`operation_throughput_v11`, written by every collector
 * with each flush): what reached the collectors per operation, before tail or probabilistic
 * sampling dropped any (ARCHITECTURE decision 6). Not the span table: behind a sampler it holds
 * only the kept fraction, and probabilities computed from it came out too high by the inverse of
 * that fraction. Through the store, not the tap in this process: the sampling extension may run on
 * a query node while the collectors run elsewhere, and each collector counts only its own share.
 * A window reads whole flushes and the overlapping parts of flushes that straddle its edges.
 */
export class TapThroughput implements OperationThroughputSource {
  constructor(private readonly store: TraceStore) {}

  async countsBetween(tenant: TenantId, startUnixNano: bigint, endUnixNano: bigint): Promise<OperationCount[]> {
    const rows = await this.store
      .forTenant(tenant)
      .readOperationThroughput(Number(startUnixNano / 1_000_000n), Number(endUnixNano / 1_000_000n));
    return rows.map((row) => {
      const reported = row.samplerParam === '' ? NaN : Number(row.samplerParam);
      return {
        serviceName: row.serviceName,
        operation: row.operation,
        threshold: row.threshold,
        ...(reported > 0 && reported <= 1 && { samplerProbability: reported }),
        count: row.rootSpans,
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
