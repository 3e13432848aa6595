import type { RefusalReason, SkeinMetrics } from '../../telemetry/skein-metrics.js';

/**
 * One receiver transport's counters (`receiver` = otlp | zipkin, `transport` = grpc | http), so
 * each handler counts with one call per outcome and the label values stay fixed. Without metrics
 * (receivers built alone in tests) every call does nothing.
 */
export class ReceiverTelemetry {
  private readonly labels: { receiver: string; transport: string };

  constructor(
    private readonly metrics: SkeinMetrics | undefined,
    receiver: 'otlp' | 'zipkin' | 'kafka',
    transport: 'grpc' | 'http' | 'kafka',
  ) {
    this.labels = { receiver, transport };
  }

  /** Spans decoded from a request, valid or not. */
  received(spans: number): void {
    this.metrics?.receivedSpans.inc(this.labels, spans);
  }

  accepted(spans: number): void {
    if (spans > 0) this.metrics?.acceptedSpans.inc(this.labels, spans);
  }

  /** Spans individually rejected while the rest of the request was accepted (partial success). */
  rejectedInvalid(spans: number): void {
    if (spans > 0) this.metrics?.refusedSpans.inc({ ...this.labels, reason: 'invalid_span' }, spans);
  }

  /** A whole request refused; `spans` is how many it held when it could be decoded. */
  refused(reason: Exclude<RefusalReason, 'invalid_span'>, spans?: number): void {
    this.metrics?.refusedRequests.inc({ ...this.labels, reason });
    if (spans !== undefined && spans > 0) this.metrics?.refusedSpans.inc({ ...this.labels, reason }, spans);
  }
}
