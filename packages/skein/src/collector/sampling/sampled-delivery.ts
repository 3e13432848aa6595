import type { Span } from '../../model/span.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { ConsumeResult, SpanConsumer } from '../pipeline/consume-result.js';
import { attemptOfConsumeResult, retryWithPolicy, type RetryPolicy } from '../pipeline/retry-policy.js';
import type { BufferedTrace } from './trace-buffer.js';
import { unavailable } from '../pipeline/consume-status.js';

/** A sampled trace on its way to the next stage, with the policy that sampled it (for its DECISIONS record). */
export interface SampledTrace {
  readonly trace: BufferedTrace;
  readonly policy: string;
}

/**
 * Retries of a batch the next stage answered retryable. The next stage is in-process (storage or
 * an exporter's queue), so the first retry comes sooner than an exporter's; it never gives up
 * (maxElapsedMillis 0): the journal holds the trace until it is delivered, and the bounds
 * (max_buffered_spans, journal.max_size_mib) push back on senders meanwhile. The next stage's
 * retryAfterMillis is a floor, as for every user of the retry policy.
 */
export const DELIVERY_RETRY_POLICY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 250,
  randomizationFactor: 0.2,
  multiplier: 2,
  maxIntervalMillis: 30_000,
  maxElapsedMillis: 0,
};

const THROWN_RETRY_AFTER_MS = 1_000;

export interface SampledDeliveryOptions {
  readonly name: string;
  readonly next: SpanConsumer;
  readonly metrics: SkeinMetrics;
  readonly logger: { warn(message: string): void; error(message: string): void };
  /** Whether a batch not delivered at shutdown survives (the journal replays it). */
  readonly durable: boolean;
  /** A batch is done with: taken by the next stage, or refused for good (logged). */
  readonly onDone: (batch: readonly SampledTrace[]) => void;
  readonly retry?: RetryPolicy;
}

/**
 * Hands sampled traces to the next stage. Every trace queued in one event-loop turn (a tick can
 * decide thousands) goes downstream in one batch; a retryable answer retries that batch after the
 * retry policy's backoff (a shutdown cuts the wait short and leaves the batch to the journal); a
 * failure answer is logged and the batch is done with, since retrying data the next stage cannot
 * take would hold the journal forever.
 */
export class SampledDelivery {
  private queue: SampledTrace[] = [];
  private flushScheduled = false;
  /** Attempts being sent or handled (not batches waiting out a backoff). */
  private readonly attempts = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();
  private readonly retry: RetryPolicy;

  constructor(private readonly options: SampledDeliveryOptions) {
    this.retry = options.retry ?? DELIVERY_RETRY_POLICY;
  }

  /** Queues a sampled trace for the next batch. */
  enqueue(sampled: SampledTrace): void {
    this.queue.push(sampled);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Passes spans on once (late spans of sampled traces: their sender retries on a refusal). */
  async forward(spans: Span[]): Promise<ConsumeResult> {
    let result: ConsumeResult;
    try {
      result = await this.options.next.consume(spans);
    } catch (error) {
      result = unavailable((error as Error).message, THROWN_RETRY_AFTER_MS);
    }
    if (result.outcome === 'success') this.options.metrics.processorOutgoingSpans.inc({ processor: this.options.name }, spans.length);
    return result;
  }

  /** Resolves once nothing is queued or being sent (batches waiting out a backoff are not waited for). */
  async whenIdle(): Promise<void> {
    while (this.flushScheduled || this.attempts.size > 0 || this.queue.length > 0) {
      if (this.flushScheduled || this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      else await Promise.all(this.attempts);
    }
  }

  /**
   * Ends every backoff (those batches stay in the journal), sends what is queued once (no
   * retries from here on) and waits for every attempt being sent.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.flush();
    while (this.attempts.size > 0) await Promise.all(this.attempts);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    void this.deliver(batch);
  }

  /** Sends the batch through the one retry loop (retry-policy.ts) until the next stage takes it or Skein stops. */
  private async deliver(batch: SampledTrace[]): Promise<void> {
    const spans = batch.flatMap(({ trace }) => trace.spans);
    // untilDone: the journal holds these spans and was already acknowledged, so giving up is never right.
    const outcome = await retryWithPolicy(
      async () => attemptOfConsumeResult(await this.track(this.forward(spans))),
      this.retry,
      this.stopping.signal,
      { untilDone: true },
    );
    const message = outcome.kind === 'success' || outcome.error.outcome === 'success' ? '' : outcome.error.message;
    if (outcome.kind === 'interrupted' || outcome.kind === 'gave-up') {
      this.options.logger.warn(
        `${this.options.name}: ${spans.length} sampled spans not delivered at shutdown (${message}); ` +
          (this.options.durable ? 'the journal delivers them after the restart' : 'they are lost (journal: false)'),
      );
      return;
    }
    if (outcome.kind === 'failure') {
      this.options.logger.error(`${this.options.name}: the next stage refused ${spans.length} sampled spans for good: ${message}`);
    }
    this.options.onDone(batch);
  }

  private track<T>(attempt: Promise<T>): Promise<T> {
    const tracked = attempt.finally(() => this.attempts.delete(tracked));
    this.attempts.add(tracked);
    return tracked;
  }
}
