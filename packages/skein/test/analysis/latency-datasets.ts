import { histogramIndexOf } from '../../src/model/latency-histogram.js';
import type { Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, type TenantId } from '../../src/model/tenant.js';
import type { LatencySlot } from '../../src/query/analysis/latency-change.js';
import type { ExemplarRow, MetricsBatch, SpanMetricsRow } from '../../src/storage/metrics-store.js';
import { makeSpan, resourceOf, spanId, traceId } from '../storage/trace-fixtures.js';
import { seeded } from './analysis-datasets.js';

/**
 * Designed latency series for the change-point detector (issue 15: "the Services page detects a
 * p99 jump by itself"), as the metrics tap's per-minute histograms:
 * - `normalMillis`: log-normal, median 100 ms, σ 0.38 (p99 ≈ 240 ms);
 * - `slowTailMillis`: the same, except 5 % of calls take ~1.5 s (p99 ≈ 1.8 s, the median barely moves);
 * - `checkoutWorld`: an hour of three operations: `frontend GET /checkout` jumps from the first to
 *   the second at minute 37; `frontend GET /cart` is steady noise; `payments POST /pay` has one
 *   slow minute (a spike) at minute 20. Only the checkout jump is a change. Each minute of checkout
 *   has a stored exemplar trace (its slowest call).
 */

export const JUMP_MINUTE = 37;
export const WORLD_MINUTES = 60;

/** Log-normal milliseconds: median × e^(σ·z). */
export function logNormalMillis(next: () => number, medianMillis: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return medianMillis * Math.exp(sigma * z);
}

export const normalMillis = (next: () => number): number => logNormalMillis(next, 100, 0.38);
export const slowTailMillis = (next: () => number): number => (next() < 0.05 ? logNormalMillis(next, 1500, 0.12) : normalMillis(next));

/** Per minute, `calls(minute)` durations from `draw(minute)`, as sparse histograms. */
export function slotsOf(
  firstMinute: number,
  minutes: number,
  calls: (minute: number) => number,
  draw: (minute: number) => number,
): Array<LatencySlot & { calls: number; maxMillis: number }> {
  return Array.from({ length: minutes }, (_, minute) => {
    const histogram = new Map<number, number>();
    let maxMillis = 0;
    for (let k = 0; k < calls(minute); k++) {
      const millis = draw(minute);
      maxMillis = Math.max(maxMillis, millis);
      const index = histogramIndexOf(millis * 1e6);
      histogram.set(index, (histogram.get(index) ?? 0) + 1);
    }
    return {
      minute: firstMinute + minute,
      calls: calls(minute),
      maxMillis,
      histogramIndexes: [...histogram.keys()],
      histogramCounts: [...histogram.values()],
    };
  });
}

/** The checkout world from `firstMinute` (minutes since the epoch): metrics rows, exemplars and their traces. */
export function checkoutWorld(firstMinute: number, tenant: TenantId = DEFAULT_TENANT): { batch: MetricsBatch; spans: Span[] } {
  const next = seeded(15);
  const series = [
    {
      service: 'frontend',
      operation: 'GET /checkout',
      slots: slotsOf(
        firstMinute,
        WORLD_MINUTES,
        () => 200,
        (m) => (m >= JUMP_MINUTE ? slowTailMillis(next) : normalMillis(next)),
      ),
    },
    {
      service: 'frontend',
      operation: 'GET /cart',
      slots: slotsOf(
        firstMinute,
        WORLD_MINUTES,
        () => 150,
        () => normalMillis(next),
      ),
    },
    {
      service: 'payments',
      operation: 'POST /pay',
      slots: slotsOf(
        firstMinute,
        WORLD_MINUTES,
        () => 200,
        (m) => (m === 20 ? logNormalMillis(next, 2000, 0.2) : normalMillis(next)),
      ),
    },
  ];
  const spanMetrics: SpanMetricsRow[] = [];
  const exemplars: ExemplarRow[] = [];
  const spans: Span[] = [];
  for (const { service, operation, slots } of series) {
    for (const slot of slots) {
      spanMetrics.push({
        tenant,
        minute: slot.minute,
        serviceName: service,
        spanName: operation,
        spanKind: 2,
        statusCode: 0,
        dimensions: '',
        calls: slot.calls,
        errors: 0,
        durationSumNanos: 0,
        histogramIndexes: slot.histogramIndexes,
        histogramCounts: slot.histogramCounts,
      });
      if (operation !== 'GET /checkout') continue;
      const n = spans.length + 1;
      const durationNanos = Math.round(slot.maxMillis * 1e6);
      const start = BigInt(slot.minute) * 60_000_000_000n + 1_000_000_000n;
      spans.push(
        makeSpan({
          trace: n,
          span: n,
          resource: resourceOf(service, [], tenant),
          name: operation,
          kind: 2,
          start,
          duration: BigInt(durationNanos),
        }),
      );
      exemplars.push({
        tenant,
        minute: slot.minute,
        serviceName: service,
        spanName: operation,
        kind: 'slowest',
        traceId: traceId(n),
        spanId: spanId(n),
        durationNanos,
        statusCode: 0,
      });
    }
  }
  return { batch: { spanMetrics, edges: [], exemplars }, spans };
}
