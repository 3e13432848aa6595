import { rm } from 'node:fs/promises';
import type { Span } from '../../model/span.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../pipeline/consume-result.js';
import { ExportPayload, type OtlpTransport } from './otlp-transport.js';
import { PersistentQueue, type QueuedRecord } from './persistent-queue.js';
import { retryDelayMillis, sleep, type RetryPolicy } from '../pipeline/retry-policy.js';

export interface ExporterLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What an exporter gets from the wiring: where to count, where to log. */
export interface ExporterTelemetry {
  readonly metrics: SkeinMetrics | undefined;
  readonly logger: ExporterLogger;
}

/** An exporter with a life cycle: started before the receivers listen, shut down after they stop. */
export interface ManagedExporter extends SpanConsumer {
  readonly name: string;
  start(): Promise<void>;
  /** Refuses new work, ends what is under way; resolves when done. */
  shutdown(): Promise<void>;
}

/** The Collector's `sending_queue`, plus Skein's on-disk variant. */
export interface SendingQueueOptions {
  readonly enabled: boolean;
  /** Batches sent at once. */
  readonly numConsumers: number;
  /** Capacity, in batches (`sizer: requests`) or spans (`sizer: items`). */
  readonly queueSize: number;
  readonly sizer: 'requests' | 'items';
  /** Set: the queue lives in this directory and survives restarts. */
  readonly persistentDir?: string;
}

/** The retry hint sent upstream when the queue is full. */
const QUEUE_FULL_RETRY_AFTER_MILLIS = 1_000;

/** Where a batch held for delivery goes instead once its destination is retired (load balancing). */
export type Reroute = (spans: Span[]) => Promise<ConsumeResult>;

interface WaitingRequest {
  payload: ExportPayload;
  resolve: (result: ConsumeResult) => void;
}

/** How one delivery ended, beyond a result for the caller. */
type Delivery = ConsumeResult | 'reroute' | 'interrupted';

export interface OtlpExporterStats {
  queuedRequests: number;
  queuedSpans: number;
  sendsInFlight: number;
  sentSpans: number;
  failedSpans: number;
}

/**
 * Forwards spans to one OTLP destination (`otlp` over gRPC, `otlphttp` over HTTP), through a
 * bounded queue worked by `num_consumers` senders, with retries and backoff.
 *
 * When a caller hears "success" is ARCHITECTURE decision 4's rule:
 * - in-memory queue: once the destination acknowledged the batch. Retries happen while the
 *   caller waits; after `max_elapsed_time` the caller is told to retry (429 if the destination was
 *   throttling, 503 otherwise) and the batch is not kept, since the caller still has it.
 * - persistent queue: once the batch is fsynced on disk. It is then delivered in the background,
 *   retried until the destination takes it (or refuses it for good), across restarts.
 * A full queue answers `overloaded` (429 upstream); a final refusal (400…) answers `failure` with
 * the destination's message.
 */
export class OtlpExporter implements ManagedExporter {
  private readonly waiting: WaitingRequest[] = [];
  /** In-memory mode: requests and spans held (waiting or being sent). */
  private heldRequests = 0;
  private heldSpans = 0;
  private sendsInFlight = 0;
  private sentSpans = 0;
  private failedSpans = 0;
  private queue: PersistentQueue | undefined;
  /** Aborted by shutdown: stop everything. */
  private readonly stopping = new AbortController();
  /** Aborted by shutdown or retire: cut backoff sleeps short. */
  private readonly interrupt = new AbortController();
  private reroute: Reroute | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly queueLabel: { queue: string };
  private lastWarning = 0;

  constructor(
    readonly name: string,
    private readonly transport: OtlpTransport,
    private readonly retry: RetryPolicy,
    private readonly sendingQueue: SendingQueueOptions,
    private readonly telemetry: ExporterTelemetry,
  ) {
    this.queueLabel = { queue: `exporter/${name}` };
  }

  get destination(): string {
    return this.transport.destination;
  }

  get persistent(): boolean {
    return this.sendingQueue.enabled && this.sendingQueue.persistentDir !== undefined;
  }

  async start(): Promise<void> {
    const { persistentDir } = this.sendingQueue;
    if (this.sendingQueue.enabled && persistentDir !== undefined) {
      const { queue, report } = await PersistentQueue.open(persistentDir, { onReady: () => this.pump() });
      this.queue = queue;
      if (report.replayedRecords > 0 || report.discardedBytes > 0) {
        this.telemetry.logger.info(
          `exporter ${this.name}: ${report.replayedSpans} spans in ${report.replayedRecords} batches queued on disk from before, delivering them` +
            (report.discardedBytes > 0 ? ` (${report.discardedBytes} bytes of a torn last write discarded: never acknowledged)` : ''),
        );
      }
    }
    if (this.sendingQueue.enabled && this.sendingQueue.sizer === 'items') {
      this.telemetry.metrics?.queueCapacitySpans.set(this.queueLabel, this.sendingQueue.queueSize);
    }
    this.updateGauge();
    this.pump();
  }

  consume(spans: Span[]): Promise<ConsumeResult> {
    if (spans.length === 0) return Promise.resolve(CONSUME_SUCCESS);
    if (this.reroute) return this.reroute(spans);
    if (this.stopping.signal.aborted) return Promise.resolve(this.shuttingDown());
    const payload = ExportPayload.ofSpans(spans);
    if (!this.sendingQueue.enabled) return this.sendNow(payload);
    if (this.isFull(spans.length)) {
      const { queueSize, sizer } = this.sendingQueue;
      return Promise.resolve({
        outcome: 'retryable',
        reason: 'overloaded',
        message: `exporter ${this.name}: sending queue is full (${this.queueUsage()} of ${queueSize} ${sizer === 'items' ? 'spans' : 'batches'})`,
        retryAfterMillis: QUEUE_FULL_RETRY_AFTER_MILLIS,
      });
    }
    if (this.queue) return this.persist(payload);
    return new Promise<ConsumeResult>((resolve) => {
      this.waiting.push({ payload, resolve });
      this.heldRequests++;
      this.heldSpans += spans.length;
      this.updateGauge();
      this.pump();
    });
  }

  stats(): OtlpExporterStats {
    return {
      queuedRequests: this.queue ? this.queue.pendingRecords : this.heldRequests,
      queuedSpans: this.queue ? this.queue.pendingSpans : this.heldSpans,
      sendsInFlight: this.sendsInFlight,
      sentSpans: this.sentSpans,
      failedSpans: this.failedSpans,
    };
  }

  /**
   * Stops sending to this destination (it left the load balancer's backend set): every batch held
   * now or later, waiting, being retried or on disk, goes to `reroute` instead. Resolves when
   * nothing is left; the on-disk queue is then deleted.
   */
  async retire(reroute: Reroute): Promise<void> {
    this.reroute = reroute;
    this.interrupt.abort();
    this.pump();
    await this.whenIdle();
    if (this.stopping.signal.aborted) return;
    this.transport.close();
    await this.queue?.close();
    if (this.queue) await rm(this.queue.dir, { recursive: true, force: true });
    this.removeGauges();
  }

  async shutdown(): Promise<void> {
    this.stopping.abort();
    this.interrupt.abort();
    for (const request of this.waiting.splice(0)) {
      this.release(request.payload.spanCount);
      request.resolve(this.shuttingDown());
    }
    this.pump();
    await this.whenIdle();
    await this.queue?.close();
    this.transport.close();
  }

  private isFull(spanCount: number): boolean {
    const used = this.queueUsage();
    if (this.sendingQueue.sizer === 'requests') return used + 1 > this.sendingQueue.queueSize;
    // One batch bigger than the whole queue still goes through an empty queue, or it never could.
    return used > 0 && used + spanCount > this.sendingQueue.queueSize;
  }

  private queueUsage(): number {
    if (this.sendingQueue.sizer === 'requests') return this.queue ? this.queue.pendingRecords : this.heldRequests;
    return this.queue ? this.queue.pendingSpans : this.heldSpans;
  }

  private async persist(payload: ExportPayload): Promise<ConsumeResult> {
    try {
      const appended = this.queue!.append(payload.proto(), payload.spanCount);
      this.updateGauge();
      await appended;
      return CONSUME_SUCCESS;
    } catch (error) {
      return {
        outcome: 'retryable',
        reason: 'unavailable',
        message: `exporter ${this.name}: cannot write its on-disk queue: ${(error as Error).message}`,
        retryAfterMillis: QUEUE_FULL_RETRY_AFTER_MILLIS,
      };
    } finally {
      this.updateGauge();
    }
  }

  /** No queue: the caller's own turn sends, and waits for the answer. */
  private async sendNow(payload: ExportPayload): Promise<ConsumeResult> {
    const delivery = await this.deliver(payload, false);
    if (delivery === 'reroute') return this.reroute!(payload.spans());
    if (delivery === 'interrupted') return this.shuttingDown();
    return delivery;
  }

  private pump(): void {
    const stopped = this.stopping.signal.aborted;
    while (!stopped && this.sendsInFlight < this.sendingQueue.numConsumers) {
      if (this.queue) {
        const record = this.queue.take();
        if (!record) break;
        this.sendsInFlight++;
        void this.processRecord(this.queue, record);
      } else {
        const request = this.waiting.shift();
        if (!request) break;
        this.sendsInFlight++;
        void this.processRequest(request);
      }
    }
    const empty = this.queue ? this.queue.pendingRecords === 0 || stopped : this.waiting.length === 0;
    if (this.sendsInFlight === 0 && empty) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.pump();
    });
  }

  private async processRequest(request: WaitingRequest): Promise<void> {
    let result: ConsumeResult;
    try {
      const delivery = this.reroute ? 'reroute' : await this.deliver(request.payload, false);
      if (delivery === 'reroute') result = await this.reroute!(request.payload.spans());
      else if (delivery === 'interrupted') result = this.shuttingDown();
      else result = delivery;
    } catch (error) {
      result = { outcome: 'failure', message: `exporter ${this.name}: ${(error as Error).message}` };
    }
    this.release(request.payload.spanCount);
    request.resolve(result);
    this.sendsInFlight--;
    this.pump();
  }

  /** Delivers (or re-routes) one batch from disk; only then is it acknowledged in the queue. */
  private async processRecord(queue: PersistentQueue, record: QueuedRecord): Promise<void> {
    try {
      let payload: ExportPayload | undefined;
      for (let attempt = 0; ; attempt++) {
        if (this.stopping.signal.aborted) {
          queue.giveBack(record);
          return;
        }
        payload ??= ExportPayload.ofProto(await queue.read(record), record.spanCount);
        if (this.reroute) {
          const result = await this.reroute(payload.spans());
          if (result.outcome === 'success') break;
          if (result.outcome === 'failure') {
            this.drop(record.spanCount, result.message);
            break;
          }
          await sleep(retryDelayMillis(this.retry, attempt, result.retryAfterMillis), this.stopping.signal);
          continue;
        }
        const delivery = await this.deliver(payload, true);
        if (delivery === 'reroute') continue;
        if (delivery === 'interrupted') {
          queue.giveBack(record);
          return;
        }
        // deliver() never gives up on a retryable error in persistent mode: success or final refusal.
        if (delivery.outcome !== 'success') this.drop(record.spanCount, delivery.message);
        break;
      }
      queue.acknowledge(record);
    } catch (error) {
      // The record cannot be read back (disk error, corruption): keeping it would block the queue.
      this.drop(record.spanCount, `cannot read it back from the on-disk queue: ${(error as Error).message}`);
      queue.acknowledge(record);
    } finally {
      this.sendsInFlight--;
      this.updateGauge();
      this.pump();
    }
  }

  /**
   * Sends with retries. In-memory mode gives up after `max_elapsed_time` (the caller still holds
   * the data and is told to retry); persistent mode never gives up on a retryable error, because
   * the data was acknowledged and only this queue has it.
   */
  private async deliver(payload: ExportPayload, persistent: boolean): Promise<Delivery> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && this.reroute) return 'reroute';
      if (attempt > 0 && this.stopping.signal.aborted) return 'interrupted';
      const outcome = await this.transport.send(payload);
      const metrics = this.telemetry.metrics;
      if (outcome.kind === 'accepted') {
        const delivered = payload.spanCount - Math.min(payload.spanCount, outcome.rejectedSpans);
        this.sentSpans += delivered;
        metrics?.exportedSpans.inc({ exporter: this.name }, delivered);
        if (outcome.rejectedSpans > 0) {
          this.failedSpans += outcome.rejectedSpans;
          metrics?.exportFailedSpans.inc({ exporter: this.name }, outcome.rejectedSpans);
          this.warnRateLimited(
            `exporter ${this.name}: ${this.destination} rejected ${outcome.rejectedSpans} of ${payload.spanCount} spans (partial success): ${outcome.errorMessage}`,
          );
        }
        return CONSUME_SUCCESS;
      }
      this.failedSpans += payload.spanCount;
      metrics?.exportFailedSpans.inc({ exporter: this.name }, payload.spanCount);
      if (outcome.kind === 'failed') {
        return { outcome: 'failure', message: `exporter ${this.name}: ${this.destination} refused the batch: ${outcome.message}` };
      }
      if (this.reroute) return 'reroute';
      if (this.stopping.signal.aborted) return persistent ? 'interrupted' : this.shuttingDown();
      const delay = retryDelayMillis(this.retry, attempt, outcome.retryAfterMillis);
      const { maxElapsedMillis } = this.retry;
      const outOfTime = maxElapsedMillis > 0 && Date.now() - started + delay > maxElapsedMillis;
      if (!persistent && (!this.retry.enabled || outOfTime)) {
        return {
          outcome: 'retryable',
          reason: outcome.throttled ? 'overloaded' : 'unavailable',
          message: `exporter ${this.name}: ${outcome.message}`,
          retryAfterMillis: delay,
        };
      }
      this.warnRateLimited(
        `exporter ${this.name}: sending ${payload.spanCount} spans failed (${outcome.message}); retrying in ${delay} ms`,
      );
      await sleep(delay, this.interrupt.signal);
    }
  }

  private drop(spanCount: number, why: string): void {
    this.telemetry.logger.error(`exporter ${this.name}: dropping ${spanCount} queued spans: ${why}`);
  }

  private release(spanCount: number): void {
    this.heldRequests--;
    this.heldSpans -= spanCount;
    this.updateGauge();
  }

  private shuttingDown(): ConsumeResult {
    return {
      outcome: 'retryable',
      reason: 'unavailable',
      message: `exporter ${this.name}: Skein is shutting down`,
      retryAfterMillis: QUEUE_FULL_RETRY_AFTER_MILLIS,
    };
  }

  /** A destination that is down fails every batch: one line a second is enough to say so. */
  private warnRateLimited(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning < 1_000) return;
    this.lastWarning = now;
    this.telemetry.logger.warn(message);
  }

  private updateGauge(): void {
    this.telemetry.metrics?.queueSpans.set(this.queueLabel, this.queue ? this.queue.pendingSpans : this.heldSpans);
  }

  private removeGauges(): void {
    this.telemetry.metrics?.queueSpans.remove(this.queueLabel);
    this.telemetry.metrics?.queueCapacitySpans.remove(this.queueLabel);
  }
}
