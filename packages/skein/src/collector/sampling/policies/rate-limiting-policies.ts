import { encodeOtlpProtoTraces } from '../../../model/otlp-proto-encode.js';
import type { Decision, PolicyEvaluator, TraceView } from './policy.js';

/**
 * `rate_limiting`: samples traces while the spans sampled in the current wall-clock second stay
 * within `spans_per_second`; a trace that would overflow it is not sampled (a smaller one later in
 * the same second still may be), as the Collector. One difference: a second may hold exactly
 * `spans_per_second` spans (the Collector stops one short, comparing with `<`).
 */
export class RateLimitingPolicy implements PolicyEvaluator {
  private currentSecond = -1;
  private spansInSecond = 0;

  constructor(private readonly spansPerSecond: number) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.spansInSecond = 0;
    }
    const ifSampled = this.spansInSecond + trace.spans.length;
    if (ifSampled > this.spansPerSecond) return 'not_sampled';
    this.spansInSecond = ifSampled;
    return 'sampled';
  }
}

/**
 * `bytes_limiting`: a token bucket of `burst_capacity` bytes (default twice the rate), refilled
 * continuously at `bytes_per_second`, starting full. A trace costs its OTLP/protobuf size, as the
 * Collector measures it; when the bucket holds less, the trace is not sampled and nothing is taken.
 */
export class BytesLimitingPolicy implements PolicyEvaluator {
  private tokens: number;
  private lastRefillMs: number | undefined;
  private readonly capacity: number;

  constructor(
    private readonly bytesPerSecond: number,
    burstCapacity: number | undefined,
  ) {
    this.capacity = burstCapacity ?? bytesPerSecond * 2;
    this.tokens = this.capacity;
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    if (this.lastRefillMs !== undefined && nowMs > this.lastRefillMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastRefillMs) / 1000) * this.bytesPerSecond);
    }
    this.lastRefillMs = Math.max(nowMs, this.lastRefillMs ?? nowMs);
    const size = encodeOtlpProtoTraces(trace.spans).byteLength;
    if (size > this.tokens) return 'not_sampled';
    this.tokens -= size;
    return 'sampled';
  }
}
