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
 * Reads root spans from the span table by its primary key (tenant, service, minute): what arrived
 * after every SDK's head sampling (and after any tail sampling). Not the metrics tap's
 * `span_metrics_v4`, although it counts 100 % of arrivals, because (checked at the w-metrics
 * merge) its rows cannot say what this needs: they count every span of an operation, with no
 * root-span flag, so a downstream service's spans would count as traces of their own; its counts
 * are adjusted only by `ot=th`, with the threshold folded in, so neither `jaeger.sampler.param`
 * (OpenTelemetry Go's Jaeger sampler) nor the probability Skein served can be applied to them; and
 * they are per minute, flushed every 15 s, coarser than adaptive intervals of a few seconds.
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
