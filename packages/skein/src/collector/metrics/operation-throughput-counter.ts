import { serviceNameOf, type Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import type { OperationThroughputRow } from '../../storage/metrics-store.js';
import { formatThreshold, parseOtTraceState } from '../processors/ot-tracestate.js';
import { attributeText } from './span-metrics-aggregator.js';

/**
 * Adaptive sampling's throughput (issue 13, item 4): root spans — one per trace, what Jaeger's
 * adaptive sampling counts — per tenant, service and operation (the root span's raw name: SDKs
 * match per-operation strategies by exact name), by how the SDK said it sampled them (`ot=th`, or
 * `jaeger.sampler.param` when `jaeger.sampler.type` is `probabilistic`). The tap counts them from
 * every span that reached the collector, before any tail or probabilistic sampling, so the
 * computed probabilities follow what the SDKs send, not what storage kept.
 *
 * Counts are raw (a span counts 1): the sampling extension divides by the probability each trace
 * was sampled with, and for Jaeger remote samplers (which mark nothing) only it knows the
 * probability it told them. Each flush is one arrival window `[last flush, now)` of the tap's clock.
 */

/** The sampling a root span carries, read before any stage downstream rewrites its trace state. */
export interface RootSpanSampling {
  readonly tenant: TenantId;
  readonly serviceName: string;
  readonly operation: string;
  readonly threshold: string;
  readonly samplerParam: string;
}

const SEPARATOR = '\u001f';

export class OperationThroughputCounter {
  private counts = new Map<string, { sampling: RootSpanSampling; rootSpans: number }>();
  private readonly perTenant = new Map<TenantId, number>();
  /** Root spans of operations past the per-tenant limit since start: counted nowhere. */
  overflowedRootSpans = 0;

  constructor(
    /** Operations (× sampling variants) per tenant and flush; the span metrics' cardinality limit. */
    private readonly limitPerTenant: number,
    private windowStartMillis: number,
  ) {}

  /** The root spans of a batch and their sampling; [] when it has none (most batches of a busy service). */
  rootsOf(spans: readonly Span[]): RootSpanSampling[] {
    const roots: RootSpanSampling[] = [];
    for (const span of spans) {
      if (span.parentSpanId !== '') continue;
      const { threshold } = parseOtTraceState(span.traceState);
      const samplerParam =
        attributeText(span.attributes, 'jaeger.sampler.type') === 'probabilistic'
          ? (attributeText(span.attributes, 'jaeger.sampler.param') ?? '')
          : '';
      roots.push({
        tenant: span.resource.tenant,
        serviceName: serviceNameOf(span.resource),
        operation: span.name,
        threshold: threshold === undefined ? '' : formatThreshold(threshold),
        samplerParam,
      });
    }
    return roots;
  }

  record(roots: readonly RootSpanSampling[]): void {
    for (const sampling of roots) {
      const key = `${sampling.tenant}${SEPARATOR}${sampling.serviceName}${SEPARATOR}${sampling.operation}${SEPARATOR}${sampling.threshold}${SEPARATOR}${sampling.samplerParam}`;
      const existing = this.counts.get(key);
      if (existing) {
        existing.rootSpans += 1;
        continue;
      }
      const count = this.perTenant.get(sampling.tenant) ?? 0;
      if (count >= this.limitPerTenant) {
        this.overflowedRootSpans += 1;
        continue;
      }
      this.perTenant.set(sampling.tenant, count + 1);
      this.counts.set(key, { sampling, rootSpans: 1 });
    }
  }

  /** The counts of `[last flush, nowMillis)` as rows; a new window starts at `nowMillis`. */
  takeFlush(nowMillis: number): OperationThroughputRow[] {
    const startMillis = this.windowStartMillis;
    // A clock that stepped back still yields a non-empty window (the reader divides by its length).
    const endMillis = Math.max(nowMillis, startMillis + 1);
    this.windowStartMillis = endMillis;
    const rows: OperationThroughputRow[] = [];
    for (const { sampling, rootSpans } of this.counts.values()) rows.push({ ...sampling, startMillis, endMillis, rootSpans });
    this.counts = new Map();
    this.perTenant.clear();
    return rows;
  }
}
