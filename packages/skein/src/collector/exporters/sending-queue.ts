import type { ConsumeResult } from '../pipeline/consume-result.js';
import type { ExportPayload } from './otlp-transport.js';

/** The retry hint sent upstream when a queue is full or cannot be written, or the exporter is stopping. */
export const QUEUE_RETRY_AFTER_MILLIS = 1_000;

/** One batch taken from a sending queue by a consumer. */
export interface QueuedBatch {
  readonly spanCount: number;
  /**
   * Already acknowledged upstream (it is on disk): retried until delivered, and never handed back
   * to a caller, since none is waiting for it.
   */
  readonly acknowledgedUpstream: boolean;
  payload(): Promise<ExportPayload>;
  /** Its delivery ended. Memory: the caller hears `result`. Disk: acknowledged (a failure is logged as dropped). */
  finish(result: ConsumeResult): void;
  /** Its delivery was cut short by shutdown. Memory: the caller hears `refusal`. Disk: it stays queued, first in line. */
  interrupt(refusal: ConsumeResult): void;
}

/**
 * The first link of the sender chain (queue → retry → transport): the Collector's
 * `sending_queue`, in memory or on disk, worked by the exporter's `num_consumers` consumers.
 */
export interface SendingQueue {
  /** Batches held: waiting or being sent (memory), or not yet acknowledged (disk). */
  readonly heldRequests: number;
  readonly heldSpans: number;
  /** Something is still to take or to acknowledge. */
  readonly hasPending: boolean;
  /** Holds a batch. Memory: resolves once it was delivered (or not); disk: once it is fsynced. */
  offer(payload: ExportPayload): Promise<ConsumeResult>;
  take(): QueuedBatch | undefined;
  /** Shutdown: batches not taken yet and held for a caller are answered `refusal`. */
  refuseWaiting(refusal: ConsumeResult): void;
  /** Closes files; what is on disk stays there. */
  close(): Promise<void>;
  /** The exporter was retired and everything was handed over: deletes what is left of the queue. */
  discard(): Promise<void>;
}

/** A batch held in memory for a caller that waits for the outcome. */
export class MemoryBatch implements QueuedBatch {
  readonly acknowledgedUpstream = false;

  constructor(
    private readonly exportPayload: ExportPayload,
    private readonly resolve: (result: ConsumeResult) => void,
    private readonly release: (spanCount: number) => void,
  ) {}

  get spanCount(): number {
    return this.exportPayload.spanCount;
  }

  payload(): Promise<ExportPayload> {
    return Promise.resolve(this.exportPayload);
  }

  finish(result: ConsumeResult): void {
    this.release(this.spanCount);
    this.resolve(result);
  }

  interrupt(refusal: ConsumeResult): void {
    this.finish(refusal);
  }
}

/**
 * The in-memory queue: a caller hears success only once the destination acknowledged its batch
 * (ARCHITECTURE decision 4), so a batch lives here while it waits and while it is sent.
 */
export class MemoryQueue implements SendingQueue {
  private readonly waiting: MemoryBatch[] = [];
  heldRequests = 0;
  heldSpans = 0;

  get hasPending(): boolean {
    return this.waiting.length > 0;
  }

  offer(payload: ExportPayload): Promise<ConsumeResult> {
    return new Promise<ConsumeResult>((resolve) => {
      this.waiting.push(new MemoryBatch(payload, resolve, (spanCount) => this.release(spanCount)));
      this.heldRequests++;
      this.heldSpans += payload.spanCount;
    });
  }

  take(): MemoryBatch | undefined {
    return this.waiting.shift();
  }

  refuseWaiting(refusal: ConsumeResult): void {
    for (const batch of this.waiting.splice(0)) batch.finish(refusal);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  discard(): Promise<void> {
    return Promise.resolve();
  }

  private release(spanCount: number): void {
    this.heldRequests--;
    this.heldSpans -= spanCount;
  }
}
