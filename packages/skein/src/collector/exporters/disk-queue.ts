import { DEFAULT_TENANT, isTenantId, type TenantId } from '../../model/tenant.js';
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
      await this.queue.append(tenantRecord(payload.tenant, payload.proto()), payload.spanCount);
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
    const { tenant, proto } = readTenantRecord(await this.queue.read(this.record));
    return ExportPayload.ofProto(proto, this.record.spanCount, tenant);
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

/**
 * A queued record: `0x00 | u8 tenant length | tenant | OTLP protobuf`. An OTLP request never starts
 * with 0x00 (field 0 does not exist), so records written before tenancy (bare OTLP) still read back,
 * as the default tenant's, and a restart restores every batch to the tenant that sent it.
 */
const TENANT_RECORD_MARK = 0x00;

function tenantRecord(tenant: TenantId, proto: Uint8Array): Uint8Array {
  const name = Buffer.from(tenant, 'utf8');
  return Buffer.concat([Buffer.from([TENANT_RECORD_MARK, name.length]), name, proto]);
}

function readTenantRecord(bytes: Uint8Array): { tenant: TenantId; proto: Uint8Array } {
  if (bytes.length < 2 || bytes[0] !== TENANT_RECORD_MARK) return { tenant: DEFAULT_TENANT, proto: bytes };
  const length = bytes[1]!;
  const name = Buffer.from(bytes.buffer, bytes.byteOffset + 2, length).toString('utf8');
  if (!isTenantId(name)) throw new Error(`queued record names an invalid tenant ${JSON.stringify(name)}`);
  return { tenant: name, proto: bytes.subarray(2 + length) };
}
