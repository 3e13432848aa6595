import type { Span } from '../../model/span.js';
import type { TenantId } from '../../model/tenant.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { Consumer, ConsumeResult } from '../pipeline/consume-result.js';

/**
 * A tenant's `max_spans_per_trace` (docs/security.md), applied where every span enters storage
 * (the storage exporter: OTLP, Zipkin, tail-sampled and forwarded spans alike), so one runaway
 * trace (a loop that opens spans for ever) cannot fill a tenant's share of the database or make
 * its trace view unusable. Like Tempo's per-trace limit it counts in memory, per process: with
 * several collectors, the load-balancing exporter routes a trace to one of them, so each sees all
 * of a trace. A trace idle for `idleMillis` is forgotten (it is finished); the table is bounded,
 * the least recently seen trace forgotten first: a forgotten trace counts again from zero.
 */

export interface TraceSizeRefusal {
  readonly refusedSpans: number;
  /** Names tenant, trace and limit: for the log line and the refused-spans metric. */
  readonly message: string;
}

const DEFAULT_MAX_TRACKED_TRACES = 100_000;
const DEFAULT_IDLE_MILLIS = 10 * 60_000;

export class TraceSizeLimit {
  /** Spans stored so far by `tenant\0traceId`, with when the trace was last seen; in least recently seen order. */
  private readonly traces = new Map<string, { spans: number; seenAt: number }>();

  constructor(
    private readonly maxSpansPerTrace: (tenant: TenantId) => number | undefined,
    private readonly maxTrackedTraces = DEFAULT_MAX_TRACKED_TRACES,
    private readonly idleMillis = DEFAULT_IDLE_MILLIS,
  ) {}

  /** The spans that fit their trace's limit (counted as stored), and what was refused. */
  admit(spans: Span[], now = Date.now()): { admitted: Span[]; refusal: TraceSizeRefusal | undefined } {
    let admitted: Span[] | undefined;
    let refusedSpans = 0;
    let example = '';
    spans.forEach((span, index) => {
      const tenant = span.resource.tenant;
      const limit = this.maxSpansPerTrace(tenant);
      if (limit === undefined) {
        admitted?.push(span);
        return;
      }
      const key = `${tenant}\0${span.traceId}`;
      let entry = this.traces.get(key);
      if (entry !== undefined && now - entry.seenAt > this.idleMillis) entry = undefined;
      entry ??= { spans: 0, seenAt: now };
      // Re-inserted so the map's order stays least recently seen first.
      this.traces.delete(key);
      this.traces.set(key, entry);
      entry.seenAt = now;
      if (entry.spans < limit) {
        entry.spans++;
        admitted?.push(span);
        return;
      }
      admitted ??= spans.slice(0, index);
      refusedSpans++;
      example ||= `tenant ${tenant}: trace ${span.traceId} has reached max_spans_per_trace (${limit})`;
    });
    this.forgetOldest(now);
    if (admitted === undefined) return { admitted: spans, refusal: undefined };
    return { admitted, refusal: { refusedSpans, message: `${example}; ${refusedSpans} span(s) of this request refused` } };
  }

  private forgetOldest(now: number): void {
    for (const [key, entry] of this.traces) {
      if (this.traces.size <= this.maxTrackedTraces && now - entry.seenAt <= this.idleMillis) break;
      this.traces.delete(key);
    }
  }
}

/**
 * The storage exporter's traces-only step before its (signal-generic) write queue: spans past
 * their trace's limit are refused one by one and the request answered as a partial success; what
 * fits goes on to `next`, whose failure wins over the partial success.
 */
export function limitingTraceSize(
  next: Consumer<Span>,
  limit: TraceSizeLimit,
  metrics: SkeinMetrics,
  onRefusal: (refusal: TraceSizeRefusal) => void,
): (spans: Span[]) => Promise<ConsumeResult> {
  return (spans) => {
    const { admitted, refusal } = limit.admit(spans);
    if (refusal === undefined) return next.consume(spans);
    metrics.droppedSpans.inc({ processor: 'storage', reason: 'trace_too_large' }, refusal.refusedSpans);
    onRefusal(refusal);
    const partial: ConsumeResult = { outcome: 'success', rejectedSpans: refusal.refusedSpans, rejectedMessage: refusal.message };
    if (admitted.length === 0) return Promise.resolve(partial);
    return next.consume(admitted).then((result) => (result.outcome === 'success' ? partial : result));
  };
}
