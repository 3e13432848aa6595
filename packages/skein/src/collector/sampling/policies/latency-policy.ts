import type { Decision, PolicyEvaluator, TraceView } from './policy.js';

/**
 * `latency`: the trace's duration — earliest start to latest end over all its spans, whatever
 * happened in between, as the Collector — in whole milliseconds (truncated, as Go's
 * `Duration.Milliseconds`) is at least `threshold_ms`, or, with `upper_threshold_ms` set, in
 * (threshold_ms, upper_threshold_ms]. Computed in bigint nanoseconds, so nothing is rounded first.
 */
export class LatencyPolicy implements PolicyEvaluator {
  private readonly lowerMs: bigint;
  private readonly upperMs: bigint | undefined;

  constructor(thresholdMs: number, upperThresholdMs: number) {
    this.lowerMs = BigInt(thresholdMs);
    this.upperMs = upperThresholdMs > 0 ? BigInt(upperThresholdMs) : undefined;
  }

  evaluate(trace: TraceView): Decision {
    if (trace.spans.length === 0) return 'not_sampled';
    let start = trace.spans[0]!.startTimeUnixNano;
    let end = trace.spans[0]!.endTimeUnixNano;
    for (const span of trace.spans) {
      if (span.startTimeUnixNano < start) start = span.startTimeUnixNano;
      if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    }
    const durationMs = (end - start) / 1_000_000n;
    if (this.upperMs === undefined) return durationMs >= this.lowerMs ? 'sampled' : 'not_sampled';
    return durationMs > this.lowerMs && durationMs <= this.upperMs ? 'sampled' : 'not_sampled';
  }
}
