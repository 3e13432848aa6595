import type { Span } from '../../model/span.js';
import { StorageError, type TraceStore } from '../../storage/trace-store.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../pipeline/consume-result.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';

export interface StorageExporterOptions {
  /** Spans per insert at most; a larger request is written in several inserts. */
  maxBatchSpans: number;
  /** Spans accepted but not yet written, across all requests; beyond it callers get 'overloaded'. */
  maxQueuedSpans: number;
  /** Inserts running at once. */
  maxConcurrentWrites: number;
  /** Retry hint sent with 'overloaded' / 'unavailable'. */
  retryAfterMillis: number;
  /** Queue depth (queue "storage"), spans written or failed (exporter "storage"), insert timings. */
  metrics?: SkeinMetrics;
}

const QUEUE = { queue: 'storage' } as const;
const EXPORTER = { exporter: 'storage' } as const;

export const DEFAULT_STORAGE_EXPORTER_OPTIONS: StorageExporterOptions = {
  maxBatchSpans: 20_000,
  maxQueuedSpans: 200_000,
  maxConcurrentWrites: 1,
  retryAfterMillis: 1_000,
};

interface PendingRequest {
  spans: Span[];
  resolve: (result: ConsumeResult) => void;
}

export interface StorageExporterStats {
  queuedSpans: number;
  writesInFlight: number;
  writtenSpans: number;
  failedWrites: number;
}

/**
 * Writes spans to storage and resolves each request only once its spans are stored, so a
 * receiver acknowledges nothing that a crash could lose (ARCHITECTURE decision 4).
 *
 * Batching is group commit: a request arriving while inserts are running waits and is merged
 * with every other waiting request into the next insert. An idle exporter therefore writes at
 * once (lowest latency), and a busy one writes big batches (highest throughput), with no timer.
 * The queue is bounded in spans; past it, callers are told to retry rather than grow the heap.
 */
export class StorageExporter implements SpanConsumer {
  private readonly waiting: PendingRequest[] = [];
  private waitingSpans = 0;
  private writesInFlight = 0;
  private writtenSpans = 0;
  private failedWrites = 0;
  private idleWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(
    private readonly store: TraceStore,
    private readonly options: StorageExporterOptions = DEFAULT_STORAGE_EXPORTER_OPTIONS,
  ) {
    options.metrics?.queueCapacitySpans.set(QUEUE, options.maxQueuedSpans);
    options.metrics?.queueSpans.set(QUEUE, 0);
  }

  consume(spans: Span[]): Promise<ConsumeResult> {
    if (spans.length === 0) return Promise.resolve(CONSUME_SUCCESS);
    if (this.shuttingDown) {
      return Promise.resolve(unavailable('Skein is shutting down', this.options.retryAfterMillis));
    }
    if (this.waitingSpans + spans.length > this.options.maxQueuedSpans && this.waitingSpans > 0) {
      return Promise.resolve(
        overloaded(
          `storage write queue is full (${this.waitingSpans} spans waiting, limit ${this.options.maxQueuedSpans})`,
          this.options.retryAfterMillis,
        ),
      );
    }
    return new Promise<ConsumeResult>((resolve) => {
      this.waiting.push({ spans, resolve });
      this.waitingSpans += spans.length;
      this.options.metrics?.queueSpans.set(QUEUE, this.waitingSpans);
      this.pump();
    });
  }

  stats(): StorageExporterStats {
    return {
      queuedSpans: this.waitingSpans,
      writesInFlight: this.writesInFlight,
      writtenSpans: this.writtenSpans,
      failedWrites: this.failedWrites,
    };
  }

  /** Refuses new work and resolves once everything accepted has been written (or failed). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.waiting.length === 0 && this.writesInFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.writesInFlight < this.options.maxConcurrentWrites && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.writesInFlight++;
      void this.write(batch);
    }
    if (this.writesInFlight === 0 && this.waiting.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Whole requests up to maxBatchSpans (at least one request, however big). */
  private takeBatch(): PendingRequest[] {
    const batch: PendingRequest[] = [];
    let spans = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (batch.length > 0 && spans + next.spans.length > this.options.maxBatchSpans) break;
      this.waiting.shift();
      batch.push(next);
      spans += next.spans.length;
    }
    this.waitingSpans -= spans;
    this.options.metrics?.queueSpans.set(QUEUE, this.waitingSpans);
    return batch;
  }

  private async write(batch: PendingRequest[]): Promise<void> {
    const spans = batch.length === 1 ? batch[0]!.spans : batch.flatMap((request) => request.spans);
    let result: ConsumeResult;
    try {
      for (let offset = 0; offset < spans.length; offset += this.options.maxBatchSpans) {
        await this.timedWrite(
          offset === 0 && spans.length <= this.options.maxBatchSpans ? spans : spans.slice(offset, offset + this.options.maxBatchSpans),
        );
      }
      this.writtenSpans += spans.length;
      this.options.metrics?.exportedSpans.inc(EXPORTER, spans.length);
      result = CONSUME_SUCCESS;
    } catch (error) {
      this.failedWrites++;
      this.options.metrics?.exportFailedSpans.inc(EXPORTER, spans.length);
      result = toConsumeResult(error, this.options.retryAfterMillis);
    }
    for (const request of batch) request.resolve(result);
    this.writesInFlight--;
    this.pump();
  }

  /** One insert, timed and sized into the storage histograms. */
  private async timedWrite(spans: Span[]): Promise<void> {
    const metrics = this.options.metrics;
    const started = performance.now();
    let outcome: 'success' | 'failure' = 'failure';
    try {
      await this.store.writeSpans(spans);
      outcome = 'success';
    } finally {
      metrics?.storageWriteSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      metrics?.storageWriteSpans.observe(spans.length);
    }
  }
}

function toConsumeResult(error: unknown, retryAfterMillis: number): ConsumeResult {
  if (error instanceof StorageError && error.code === 'rejected') {
    return { outcome: 'failure', message: `storage rejected the batch: ${error.message}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return unavailable(`storage is unavailable: ${message}`, retryAfterMillis);
}
