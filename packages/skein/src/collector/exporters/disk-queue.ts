import { rm } from 'node:fs/promises';
import { CONSUME_SUCCESS, type ConsumeResult } from '../pipeline/consume-result.js';
import type { ExporterLogger } from './exporter-telemetry.js';
import { ExportPayload } from './otlp-transport.js';
import { PersistentQueue, type QueuedRecord } from './persistent-queue.js';
import { QUEUE_RETRY_AFTER_MILLIS, type QueuedBatch, type SendingQueue } from './sending-queue.js';
import { unavailable } from '../pipeline/consume-status.js';

/**
 * The on-disk sending queue (`sending_queue.storage` / `.persistent`): a caller hears success once
 * its batch is fsynced (ARCHITECTURE decision 4); the batch is then delivered in the background,
 * across restarts, until the destination takes it or refuses it for good (then it is dropped,
 * logged, so it cannot block the queue).
 */
export class DiskQueue implements SendingQueue {
  private constructor(
    private readonly name: string,
    private readonly queue: PersistentQueue,
    private readonly logger: ExporterLogger,
  ) {}

  /** Opens (or creates) the queue in `dir`; what is left from before is logged and delivered. */
  static async open(name: string, dir: string, logger: ExporterLogger, onReady: () => void): Promise<DiskQueue> {
    const { queue, report } = await PersistentQueue.open(dir, { onReady });
    if (report.replayedRecords > 0 || report.discardedBytes > 0) {
      logger.info(
        `exporter ${name}: ${report.replayedSpans} spans in ${report.replayedRecords} batches queued on disk from before, delivering them` +
          (report.discardedBytes > 0 ? ` (${report.discardedBytes} bytes of a torn last write discarded: never acknowledged)` : ''),
      );
    }
    return new DiskQueue(name, queue, logger);
  }

  get heldRequests(): number {
    return this.queue.pendingRecords;
  }

  get heldSpans(): number {
    return this.queue.pendingSpans;
  }

  get hasPending(): boolean {
    return this.queue.pendingRecords > 0;
  }

  async offer(payload: ExportPayload): Promise<ConsumeResult> {
    try {
      await this.queue.append(payload.proto(), payload.spanCount);
      return CONSUME_SUCCESS;
    } catch (error) {
      return unavailable(`exporter ${this.name}: cannot write its on-disk queue: ${(error as Error).message}`, QUEUE_RETRY_AFTER_MILLIS);
    }
  }

  take(): QueuedBatch | undefined {
    const record = this.queue.take();
    return record && new DiskBatch(this.queue, record, (spanCount, why) => this.drop(spanCount, why));
  }

  refuseWaiting(): void {
    // Nothing waits for a caller here: what is on disk stays for the next start.
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  async discard(): Promise<void> {
    await this.queue.close();
    await rm(this.queue.dir, { recursive: true, force: true });
  }

  private drop(spanCount: number, why: string): void {
    this.logger.error(`exporter ${this.name}: dropping ${spanCount} queued spans: ${why}`);
  }
}

/** A record handed out by the on-disk queue; acknowledged there only once its delivery ended. */
class DiskBatch implements QueuedBatch {
  readonly acknowledgedUpstream = true;

  constructor(
    private readonly queue: PersistentQueue,
    private readonly record: QueuedRecord,
    private readonly drop: (spanCount: number, why: string) => void,
  ) {}

  get spanCount(): number {
    return this.record.spanCount;
  }

  async payload(): Promise<ExportPayload> {
    return ExportPayload.ofProto(await this.queue.read(this.record), this.record.spanCount);
  }

  finish(result: ConsumeResult): void {
    // A final refusal, or a record that cannot be read back: keeping it would block the queue.
    if (result.outcome !== 'success') this.drop(this.record.spanCount, result.message);
    this.queue.acknowledge(this.record);
  }

  interrupt(): void {
    this.queue.giveBack(this.record);
  }
}
