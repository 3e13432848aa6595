import type { Span } from '../../model/span.js';
import { CONSUME_SUCCESS, type ConsumeResult } from '../pipeline/consume-result.js';
import { attemptOfConsumeResult, retryWithPolicy, type RetryPolicy } from '../pipeline/retry-policy.js';
import { DiskQueue } from './disk-queue.js';
import { RateLimitedWarning, type ExporterTelemetry, type ManagedExporter } from './exporter-telemetry.js';
import { Handover, type HandedOverBatch } from './handover.js';
import { splitByTenant } from '../../model/tenant-groups.js';
import { ExportPayload, type OtlpTransport } from './otlp-transport.js';
import { RetrySender, type Delivery } from './retry-sender.js';
import { MemoryBatch, MemoryQueue, QUEUE_RETRY_AFTER_MILLIS, type QueuedBatch, type SendingQueue } from './sending-queue.js';
import { TransportSender } from './transport-sender.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';

// Kept where cli/start-skein.ts imports them from until the component registry replaces that wiring.
export type { ExporterLogger, ExporterTelemetry, ManagedExporter } from './exporter-telemetry.js';

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

export interface OtlpExporterStats {
  queuedRequests: number;
  queuedSpans: number;
  sendsInFlight: number;
  sentSpans: number;
  failedSpans: number;
}

/**
 * Forwards spans to one OTLP destination (`otlp` over gRPC, `otlphttp` over HTTP) through the
 * Collector's exporterhelper chain: sending queue (sending-queue.ts, disk-queue.ts) → retry
 * (retry-sender.ts) → transport (transport-sender.ts over otlp-*-transport.ts). This class works
 * the queue with `num_consumers` consumers and owns the life cycle: start, shutdown, retire.
 *
 * When a caller hears "success" is ARCHITECTURE decision 4's rule:
 * - in-memory queue (or none): once the destination acknowledged the batch. Retries happen while
 *   the caller waits; after `max_elapsed_time` the caller is told to retry (429 if the destination
 *   was throttling, 503 otherwise) and the batch is not kept, since the caller still has it.
 * - on-disk queue: once the batch is fsynced. It is then delivered in the background, retried
 *   until the destination takes it (or refuses it for good), across restarts.
 * A full queue answers `overloaded` (429 upstream); a final refusal (400…) answers `failure` with
 * the destination's message.
 */
export class OtlpExporter implements ManagedExporter {
  private queue: SendingQueue | undefined;
  private readonly transportSender: TransportSender;
  private readonly retrySender: RetrySender;
  private sendsInFlight = 0;
  private started = false;
  /** Aborted by shutdown: stop everything. */
  private readonly stopping = new AbortController();
  /** Aborted by shutdown or retire: cut backoff sleeps short. */
  private readonly interrupt = new AbortController();
  /** Set once retired: every batch still held goes out through it instead of the transport. */
  private handover: Handover | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly queueLabel: { queue: string };

  constructor(
    readonly name: string,
    transport: OtlpTransport,
    retry: RetryPolicy,
    private readonly sendingQueue: SendingQueueOptions,
    private readonly telemetry: ExporterTelemetry,
  ) {
    this.queueLabel = { queue: `exporter/${name}` };
    const warning = new RateLimitedWarning(telemetry.logger);
    this.transportSender = new TransportSender(name, transport, telemetry, warning);
    this.retrySender = new RetrySender(name, this.transportSender, retry, this.interrupt.signal, warning);
    if (sendingQueue.enabled && sendingQueue.persistentDir === undefined) this.queue = new MemoryQueue();
  }

  get destination(): string {
    return this.transportSender.destination;
  }

  get persistent(): boolean {
    return this.sendingQueue.enabled && this.sendingQueue.persistentDir !== undefined;
  }

  async start(): Promise<void> {
    const { persistentDir } = this.sendingQueue;
    if (this.sendingQueue.enabled && persistentDir !== undefined) {
      this.queue = await DiskQueue.open(this.name, persistentDir, this.telemetry.logger, () => this.pump());
    }
    if (this.sendingQueue.enabled && this.sendingQueue.sizer === 'items') {
      this.telemetry.metrics?.queueCapacitySpans.set(this.queueLabel, this.sendingQueue.queueSize);
    }
    this.started = true;
    if (this.handover) void this.finishRetirement(this.handover);
    this.pump();
  }

  consume(spans: Span[]): Promise<ConsumeResult> {
    if (spans.length === 0) return Promise.resolve(CONSUME_SUCCESS);
    // One request per tenant: the tenant rides in a header, which is per request.
    const byTenant = splitByTenant(spans);
    if (byTenant.length > 1) {
      return Promise.all(byTenant.map((group) => this.consume(group))).then(
        (results) => results.find((result) => result.outcome !== 'success') ?? CONSUME_SUCCESS,
      );
    }
    if (this.handover) return this.handover.offer(spans);
    if (this.stopping.signal.aborted) return Promise.resolve(this.shuttingDown());
    const payload = ExportPayload.ofSpans(spans);
    if (!this.sendingQueue.enabled) return this.sendNow(payload);
    const queue = this.queue;
    if (queue === undefined) {
      // On disk, before start: the queue is not open yet, and nothing may be acknowledged.
      return Promise.resolve(unavailable(`exporter ${this.name}: not started yet`, QUEUE_RETRY_AFTER_MILLIS));
    }
    if (this.isFull(queue, spans.length)) {
      const { queueSize, sizer } = this.sendingQueue;
      return Promise.resolve(
        overloaded(
          `exporter ${this.name}: sending queue is full (${this.queueUsage(queue)} of ${queueSize} ${sizer === 'items' ? 'spans' : 'batches'})`,
          QUEUE_RETRY_AFTER_MILLIS,
        ),
      );
    }
    const offered = queue.offer(payload);
    this.pump();
    // An on-disk append that failed leaves the queue as it was: look again whether it is idle.
    return this.persistent ? offered.finally(() => this.pump()) : offered;
  }

  stats(): OtlpExporterStats {
    return {
      queuedRequests: this.queue?.heldRequests ?? 0,
      queuedSpans: this.queue?.heldSpans ?? 0,
      sendsInFlight: this.sendsInFlight,
      sentSpans: this.transportSender.sentSpans,
      failedSpans: this.transportSender.failedSpans,
    };
  }

  /**
   * Stops sending to this destination (it left the load balancer's backend set). Every batch held
   * now or later (waiting, being retried, or on disk) is handed over through the returned batches
   * instead, to whoever drains them; a batch from disk is handed over again (with backoff) until it
   * is settled with success or a final failure. Iteration ends once nothing is left; the on-disk
   * queue is deleted and the transport closed before. May be called before `start`.
   */
  retire(): AsyncIterable<HandedOverBatch> {
    if (this.handover) return this.handover;
    const handover = new Handover(this.name);
    this.handover = handover;
    this.interrupt.abort();
    if (this.started) void this.finishRetirement(handover);
    return handover;
  }

  async shutdown(): Promise<void> {
    this.stopping.abort();
    this.interrupt.abort();
    this.queue?.refuseWaiting(this.shuttingDown());
    this.pump();
    await this.whenIdle();
    await this.queue?.close();
    this.transportSender.close();
  }

  private async finishRetirement(handover: Handover): Promise<void> {
    try {
      this.pump();
      await this.whenIdle();
      if (this.stopping.signal.aborted) return;
      this.transportSender.close();
      await this.queue?.discard();
      this.telemetry.metrics?.queueSpans.remove(this.queueLabel);
      this.telemetry.metrics?.queueCapacitySpans.remove(this.queueLabel);
    } catch (error) {
      this.telemetry.logger.error(`exporter ${this.name}: retiring failed: ${(error as Error).message}`);
    } finally {
      handover.end();
    }
  }

  private isFull(queue: SendingQueue, spanCount: number): boolean {
    const used = this.queueUsage(queue);
    if (this.sendingQueue.sizer === 'requests') return used + 1 > this.sendingQueue.queueSize;
    // One batch bigger than the whole queue still goes through an empty queue, or it never could.
    return used > 0 && used + spanCount > this.sendingQueue.queueSize;
  }

  private queueUsage(queue: SendingQueue): number {
    return this.sendingQueue.sizer === 'requests' ? queue.heldRequests : queue.heldSpans;
  }

  /** No queue: the caller's own turn sends, and waits for the answer. */
  private sendNow(payload: ExportPayload): Promise<ConsumeResult> {
    return new Promise<ConsumeResult>((resolve) => {
      this.sendsInFlight++;
      void this.process(new MemoryBatch(payload, resolve, () => undefined));
    });
  }

  private pump(): void {
    const stopped = this.stopping.signal.aborted;
    const queue = this.queue;
    while (queue && !stopped && this.sendsInFlight < this.sendingQueue.numConsumers) {
      const batch = queue.take();
      if (!batch) break;
      this.sendsInFlight++;
      void this.process(batch);
    }
    this.telemetry.metrics?.queueSpans.set(this.queueLabel, queue?.heldSpans ?? 0);
    if (this.sendsInFlight === 0 && (stopped || queue?.hasPending !== true)) {
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

  /** One consumer's turn: one batch through retry → transport, or handed over once retired. */
  private async process(batch: QueuedBatch): Promise<void> {
    try {
      let payload: ExportPayload;
      try {
        payload = await batch.payload();
      } catch (error) {
        batch.finish({ outcome: 'failure', message: `cannot read it back from the on-disk queue: ${(error as Error).message}` });
        return;
      }
      let delivery: Delivery = this.handover ? 'interrupted' : await this.retrySender.send(payload, batch.acknowledgedUpstream);
      if (delivery === 'interrupted' && this.handover && !this.stopping.signal.aborted) {
        delivery = await this.handOver(this.handover, payload, batch.acknowledgedUpstream);
      }
      if (delivery === 'interrupted') batch.interrupt(this.shuttingDown());
      else batch.finish(delivery);
    } catch (error) {
      batch.finish({ outcome: 'failure', message: `exporter ${this.name}: ${(error as Error).message}` });
    } finally {
      this.sendsInFlight--;
      this.pump();
    }
  }

  /**
   * A caller waiting for its batch hears how the hand-over went. A batch from disk was acknowledged
   * long ago and only this queue has it: it is handed over until it is placed (or refused for
   * good), with the exporter's backoff in between, or until shutdown leaves it on disk.
   */
  private async handOver(handover: Handover, payload: ExportPayload, acknowledgedUpstream: boolean): Promise<Delivery> {
    if (!acknowledgedUpstream) return handover.offer(payload.spans());
    const result = await retryWithPolicy(
      async () => attemptOfConsumeResult(await handover.offer(payload.spans())),
      this.retrySender.policy,
      this.stopping.signal,
      { untilDone: true },
    );
    if (result.kind === 'success') return CONSUME_SUCCESS;
    if (result.kind === 'interrupted') return 'interrupted';
    return result.error;
  }

  private shuttingDown(): ConsumeResult {
    return unavailable(`exporter ${this.name}: Skein is shutting down`, QUEUE_RETRY_AFTER_MILLIS);
  }
}
