import type { Span } from '../../model/span.js';
import { StorageError, type TraceStore } from '../../storage/trace-store.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import { CONSUME_SUCCESS, type AdmissionRequest, type Consumer, type ConsumeResult } from '../pipeline/consume-result.js';
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
  /**
   * Longest a request may wait before its insert starts (none: unbounded). A request whose
   * predicted wait is longer is refused at once; one still waiting when it passes is refused then.
   */
  maxQueueWaitMillis?: number;
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

interface PendingRequest<T> {
  spans: T[];
  resolve: (result: ConsumeResult) => void;
  /** Refuses the request once it has waited maxQueueWaitMillis; cleared when its insert starts. */
  expiry?: NodeJS.Timeout;
  expired?: boolean;
}

/** With a bounded wait, inserts are sized to take about this long (see takeBatch). */
const MAX_INSERT_MILLIS = 1_000;

/** Weight of the newest insert in the moving average of insert cost (and of the newest request in request sizes). */
const COST_SMOOTHING = 0.3;

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
/** How one signal's items reach the store: spans by default; log records by `writeLogs`. */
export type StoreWrite<T> = (store: TraceStore, items: T[]) => Promise<void>;

const WRITE_SPANS: StoreWrite<Span> = (store, spans) => store.writeSpans(spans);

export class StorageExporter<T = Span> implements Consumer<T> {
  private readonly waiting: PendingRequest<T>[] = [];
  private waitingSpans = 0;
  private writesInFlight = 0;
  private writtenSpans = 0;
  private failedWrites = 0;
  private idleWaiters: Array<() => void> = [];
  private shuttingDown = false;
  /** Moving average of insert milliseconds per span, measured on this store; undefined before the first insert. */
  private millisPerSpan: number | undefined;
  /** When each running insert is predicted to finish (performance.now() milliseconds). */
  private readonly runningUntil: number[] = [];
  /** Spans of requests admitted at their headers whose items have not reached consume() yet (estimated). */
  private arrivingSpans = 0;
  /** Moving averages of admitted requests' sizes, to estimate a request's spans from its headers. */
  private spansPerRequest: number | undefined;
  private spansPerDeclaredByte: number | undefined;

  constructor(
    private readonly store: TraceStore,
    private readonly options: StorageExporterOptions = DEFAULT_STORAGE_EXPORTER_OPTIONS,
    /** The one signal-specific step (the queue, group commit, bounded wait and answers are shared). */
    private readonly writeItems: StoreWrite<T> = WRITE_SPANS as unknown as StoreWrite<T>,
  ) {
    options.metrics?.queueCapacitySpans.set(QUEUE, options.maxQueuedSpans);
    options.metrics?.queueSpans.set(QUEUE, 0);
  }

  consume(spans: T[]): Promise<ConsumeResult> {
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
    const admission = this.admission();
    if (admission !== undefined) return Promise.resolve(admission);
    const maxWait = this.options.maxQueueWaitMillis;
    return new Promise<ConsumeResult>((resolve) => {
      const request: PendingRequest<T> = { spans, resolve };
      if (maxWait !== undefined) {
        // Not unref'd: a waiting request is a promise someone awaits; the timer is cleared when its insert starts.
        request.expiry = setTimeout(() => this.expire(request), maxWait);
      }
      this.waiting.push(request);
      this.waitingSpans += spans.length;
      this.options.metrics?.queueSpans.set(QUEUE, this.waitingSpans);
      this.pump();
    });
  }

  /**
   * Refused now if a request arriving now could not start being written within
   * maxQueueWaitMillis. An admitted `request` (asked at its headers) counts as arriving work, at
   * its estimated spans, until it settles: so of many requests admitted while their bodies are
   * read and decoded, only as many as fit the bound are let in, and the rest are refused before
   * any of their bytes are decoded (issue 20, item 3).
   */
  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    const maxWait = this.options.maxQueueWaitMillis;
    if (maxWait === undefined) return undefined;
    if (this.waiting.length > 0 || this.arrivingSpans > 0) {
      const predicted = this.predictedWaitMillis();
      if (predicted > maxWait) return this.tooLongWait(`is predicted to be ${Math.round(predicted)} ms`);
    }
    if (request !== undefined) this.holdArriving(request);
    return undefined;
  }

  private holdArriving(request: AdmissionRequest): void {
    const declared = request.declaredBytes;
    const perByte = this.spansPerDeclaredByte;
    const estimate = declared !== undefined && perByte !== undefined ? declared * perByte : (this.spansPerRequest ?? 0);
    this.arrivingSpans += estimate;
    request.hold((items) => {
      this.arrivingSpans = Math.max(0, this.arrivingSpans - estimate);
      if (items === undefined || items === 0) return;
      const smooth = (average: number | undefined, sample: number): number =>
        average === undefined ? sample : average + COST_SMOOTHING * (sample - average);
      this.spansPerRequest = smooth(this.spansPerRequest, items);
      if (declared !== undefined && declared > 0) this.spansPerDeclaredByte = smooth(this.spansPerDeclaredByte, items / declared);
    });
  }

  /**
   * How long a request arriving now would wait for its insert to start: the running inserts'
   * predicted remaining time, then the spans already waiting or admitted and on their way, at
   * the measured cost per span. Under
   * overload the waiting requests go out in batches of maxBatchSpans, so the fixed cost of an
   * insert (7-20 ms on chDB) is spread over many spans and the per-span average predicts well.
   */
  private predictedWaitMillis(): number {
    const perSpan = this.millisPerSpan;
    if (perSpan === undefined) return 0;
    const now = performance.now();
    let running = 0;
    if (this.writesInFlight >= this.options.maxConcurrentWrites) {
      running = Number.POSITIVE_INFINITY;
      for (const until of this.runningUntil) running = Math.min(running, Math.max(0, until - now));
      if (!Number.isFinite(running)) running = 0;
    }
    return running + ((this.waitingSpans + this.arrivingSpans) * perSpan) / this.options.maxConcurrentWrites;
  }

  private tooLongWait(why: string): ConsumeResult {
    return overloaded(
      `storage cannot start this write within ${this.options.maxQueueWaitMillis ?? 0} ms: the wait ${why} (${this.waitingSpans} spans waiting)`,
      this.options.retryAfterMillis,
    );
  }

  private expire(request: PendingRequest<T>): void {
    const index = this.waiting.indexOf(request);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.waitingSpans -= request.spans.length;
    this.options.metrics?.queueSpans.set(QUEUE, this.waitingSpans);
    request.resolve(this.tooLongWait('passed the limit'));
    this.pump();
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

  /**
   * Whole requests up to maxBatchSpans (at least one request, however big). With a bounded wait,
   * also no more than about MAX_INSERT_MILLIS of work at the measured cost: every request of a
   * batch is answered when the insert ends, so a batch of 3 s of spans would add 3 s to the wait
   * (measured: answers at 8.4 s with a 3 s wait before this cap). The fixed cost of an insert
   * (7-20 ms on chDB) stays below 2 % of a 1 s insert.
   */
  private takeBatch(): PendingRequest<T>[] {
    const batch: PendingRequest<T>[] = [];
    let spans = 0;
    const perSpan = this.options.maxQueueWaitMillis === undefined ? undefined : this.millisPerSpan;
    const maxSpans = Math.min(this.options.maxBatchSpans, perSpan ? Math.max(1, Math.floor(MAX_INSERT_MILLIS / perSpan)) : Infinity);
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (batch.length > 0 && spans + next.spans.length > maxSpans) break;
      this.waiting.shift();
      clearTimeout(next.expiry);
      batch.push(next);
      spans += next.spans.length;
    }
    this.waitingSpans -= spans;
    this.options.metrics?.queueSpans.set(QUEUE, this.waitingSpans);
    return batch;
  }

  private async write(batch: PendingRequest<T>[]): Promise<void> {
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
  private async timedWrite(spans: T[]): Promise<void> {
    const metrics = this.options.metrics;
    const started = performance.now();
    const until = started + spans.length * (this.millisPerSpan ?? 0);
    this.runningUntil.push(until);
    let outcome: 'success' | 'failure' = 'failure';
    try {
      await this.writeItems(this.store, spans);
      outcome = 'success';
    } finally {
      this.runningUntil.splice(this.runningUntil.indexOf(until), 1);
      const elapsed = performance.now() - started;
      if (outcome === 'success') {
        const cost = elapsed / spans.length;
        this.millisPerSpan = this.millisPerSpan === undefined ? cost : this.millisPerSpan + COST_SMOOTHING * (cost - this.millisPerSpan);
      }
      metrics?.storageWriteSeconds.observe({ outcome }, elapsed / 1000);
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
