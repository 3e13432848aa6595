/**
 * Counters and export latencies of a run: the per-second progress line and the final summary.
 * Latencies are kept as plain arrays of milliseconds (one number per request is cheap even for
 * long runs) and sorted only when a percentile is asked for.
 */

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadCounters {
  /** Spans handed to the transport (counted once, however many times their request was retried). */
  sent: number;
  /** Spans the endpoint accepted (request succeeded, minus partial_success rejections). */
  acknowledged: number;
  /** Spans refused one by one in partial_success. */
  rejected: number;
  /** Spans whose request failed for good (non-retryable answer, or retries exhausted). */
  failed: number;
  requests: number;
  /** Retry attempts (requests sent again after a throttle or a transient failure). */
  retried: number;
}

export function percentiles(values: number[]): LatencySummary {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => round2(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round2(sorted[sorted.length - 1]!) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export class LoadStats implements LoadCounters {
  sent = 0;
  acknowledged = 0;
  rejected = 0;
  failed = 0;
  requests = 0;
  retried = 0;
  readonly latencies: number[] = [];
  /** The first distinct error messages (partial_success reasons, failures), for the summary. */
  readonly messages: string[] = [];
  private windowLatencies: number[] = [];
  private windowAcknowledged = 0;
  private windowStart = performance.now();

  recordLatency(millis: number): void {
    this.latencies.push(millis);
    this.windowLatencies.push(millis);
  }

  acknowledge(spans: number): void {
    this.acknowledged += spans;
    this.windowAcknowledged += spans;
  }

  /** Remembers a message; true when it is new (and so worth logging once). */
  note(message: string): boolean {
    if (message === '' || this.messages.length >= 5 || this.messages.includes(message)) return false;
    this.messages.push(message);
    return true;
  }

  /** One progress line about the window since the previous call. */
  progressLine(elapsedSeconds: number): string {
    const now = performance.now();
    const rate = (this.windowAcknowledged * 1000) / Math.max(1, now - this.windowStart);
    const { p50, p99 } = percentiles(this.windowLatencies);
    this.windowLatencies = [];
    this.windowAcknowledged = 0;
    this.windowStart = now;
    return (
      `loadgen ${elapsedSeconds.toFixed(0).padStart(4)}s  sent ${this.sent}  acked ${this.acknowledged}  rejected ${this.rejected}` +
      `  failed ${this.failed}  retried ${this.retried}  rate ${Math.round(rate)} spans/s  latency p50 ${p50} ms p99 ${p99} ms`
    );
  }
}
