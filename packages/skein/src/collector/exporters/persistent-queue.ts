import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../model/crc32.js';

/**
 * A durable FIFO of export requests (OTLP protobuf bytes) in a directory: what lets an exporter
 * acknowledge a batch as soon as it is on disk (ARCHITECTURE decision 4) and still deliver it after
 * a crash or restart.
 *
 * Layout: append-only segment files `segment-<n>.log` of records
 * `[u32 payload length][u32 span count][u32 CRC-32 of the first 8 bytes and the payload][payload]`
 * (little-endian), and a small `head` file naming the first record not yet acknowledged. Appends
 * are group-committed: every append waiting while a write runs goes out in the next write, with one
 * fdatasync for all of them. Segments are rolled at `segmentBytes` and deleted once every record in
 * them is acknowledged, so the disk holds what is pending plus at most one segment.
 *
 * The head file is written without fsync: losing it after a crash replays records that were
 * already delivered (duplicates), never loses one. A record cut short by a crash in the middle of
 * an append (a torn tail) was never acknowledged to anyone: on open it is cut off the file.
 */

const HEADER_BYTES = 12;
const SEGMENT_NAME = /^segment-(\d{16})\.log$/;
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

export interface QueuedRecord {
  readonly segment: number;
  /** Offset of the record's header in its segment. */
  readonly offset: number;
  readonly length: number;
  readonly spanCount: number;
  acknowledged: boolean;
}

interface PendingAppend {
  payload: Uint8Array;
  spanCount: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface PersistentQueueOpenReport {
  /** Records found on disk and not yet acknowledged. */
  replayedRecords: number;
  replayedSpans: number;
  /** Bytes cut off the end because the last record was torn (or corrupt). */
  discardedBytes: number;
}

export class PersistentQueue {
  /** Records not yet acknowledged, in file order (the head is the first). */
  private readonly unacknowledged: QueuedRecord[] = [];
  /** Records not handed out (or handed back), in file order. */
  private readonly ready: QueuedRecord[] = [];
  /** One read handle per segment, as the promise of its opening: two consumers reading a segment at once share one. */
  private readonly readHandles = new Map<number, Promise<FileHandle>>();
  private appendWaiting: PendingAppend[] = [];
  /** Appends in the write under way: pending too (a retired exporter must not delete them). */
  private appendsBeingWritten = 0;
  private appending = false;
  private activeSegment: number;
  private activeSize: number;
  private activeHandle: FileHandle | undefined;
  private headWrite: Promise<void> | undefined;
  private headDirty = false;
  private closed = false;
  private pendingSpanCount = 0;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    lastSegment: number,
    lastSegmentSize: number,
    /** Called when records become ready (after an append is durable). */
    private readonly onReady: () => void,
  ) {
    this.activeSegment = lastSegment;
    this.activeSize = lastSegmentSize;
  }

  static async open(
    dir: string,
    options: { segmentBytes?: number; onReady?: () => void } = {},
  ): Promise<{ queue: PersistentQueue; report: PersistentQueueOpenReport }> {
    await mkdir(dir, { recursive: true });
    const segments = (await readdir(dir))
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    const head = await readHead(dir);
    const report: PersistentQueueOpenReport = { replayedRecords: 0, replayedSpans: 0, discardedBytes: 0 };
    const records: QueuedRecord[] = [];
    let lastSize = 0;
    for (const [index, segment] of segments.entries()) {
      const path = segmentPath(dir, segment);
      if (head && segment < head.segment) {
        await rm(path, { force: true });
        continue;
      }
      const bytes = await readFile(path);
      const start = head && segment === head.segment ? Math.min(head.offset, bytes.length) : 0;
      const { found, goodEnd } = scanRecords(bytes, segment, start);
      records.push(...found);
      if (goodEnd < bytes.length) {
        report.discardedBytes += bytes.length - goodEnd;
        // Only the last segment can have been cut by a crash; a bad record anywhere else is
        // corruption, and what follows it cannot be trusted either. Either way it is cut off.
        const handle = await open(path, 'r+');
        await handle.truncate(goodEnd);
        await handle.sync();
        await handle.close();
      }
      if (index === segments.length - 1) lastSize = goodEnd;
    }
    const lastSegment = segments.length > 0 ? segments[segments.length - 1]! : 0;
    const queue = new PersistentQueue(dir, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, lastSegment, lastSize, options.onReady ?? noop);
    for (const record of records) {
      queue.unacknowledged.push(record);
      queue.ready.push(record);
      queue.pendingSpanCount += record.spanCount;
    }
    report.replayedRecords = records.length;
    report.replayedSpans = queue.pendingSpanCount;
    return { queue, report };
  }

  /** Records appended and not yet acknowledged (handed out or not). */
  get pendingRecords(): number {
    return this.unacknowledged.length + this.appendWaiting.length + this.appendsBeingWritten;
  }

  get pendingSpans(): number {
    return this.pendingSpanCount;
  }

  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Resolves once the record is on disk (fsynced). */
  append(payload: Uint8Array, spanCount: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the queue in ${this.dir} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.appendWaiting.push({ payload, spanCount, resolve, reject });
      this.pendingSpanCount += spanCount;
      void this.pumpAppends();
    });
  }

  /** The oldest record not handed out yet, now handed out. */
  take(): QueuedRecord | undefined {
    return this.ready.shift();
  }

  /** Gives a record handed out back, to be taken again first (its delivery was interrupted). */
  giveBack(record: QueuedRecord): void {
    this.ready.unshift(record);
  }

  async read(record: QueuedRecord): Promise<Uint8Array> {
    let opening = this.readHandles.get(record.segment);
    if (!opening) {
      opening = open(segmentPath(this.dir, record.segment), 'r');
      this.readHandles.set(record.segment, opening);
      // A failed open is not kept: the next read tries again.
      opening.catch(() => this.readHandles.delete(record.segment));
    }
    const handle = await opening;
    const buffer = Buffer.allocUnsafe(record.length);
    const { bytesRead } = await handle.read(buffer, 0, record.length, record.offset + HEADER_BYTES);
    if (bytesRead !== record.length) throw new Error(`segment ${record.segment} of ${this.dir} is shorter than its index`);
    return buffer;
  }

  /** Marks a record delivered (or given up); frees whole segments behind the new head. */
  acknowledge(record: QueuedRecord): void {
    if (record.acknowledged) return;
    record.acknowledged = true;
    this.pendingSpanCount -= record.spanCount;
    const before = this.unacknowledged[0]?.segment;
    while (this.unacknowledged[0]?.acknowledged) this.unacknowledged.shift();
    const headSegment = this.unacknowledged[0]?.segment ?? this.activeSegment;
    if (before !== undefined && before < headSegment) void this.deleteSegmentsBefore(headSegment);
    this.headDirty = true;
    void this.writeHead();
  }

  /** Finishes the appends under way, writes the head, closes files. Records stay on disk. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.appending) await new Promise((resolve) => setTimeout(resolve, 5));
    while (this.headWrite) await this.headWrite;
    if (this.headDirty) await this.writeHead();
    await this.activeHandle?.close();
    this.activeHandle = undefined;
    for (const opening of this.readHandles.values()) await closeHandle(opening);
    this.readHandles.clear();
  }

  private async pumpAppends(): Promise<void> {
    if (this.appending) return;
    this.appending = true;
    try {
      while (this.appendWaiting.length > 0) {
        const batch = this.appendWaiting;
        this.appendWaiting = [];
        this.appendsBeingWritten = batch.length;
        try {
          const records = await this.writeRecords(batch);
          for (const record of records) {
            this.unacknowledged.push(record);
            this.ready.push(record);
          }
          this.appendsBeingWritten = 0;
          for (const append of batch) append.resolve();
          this.onReady();
        } catch (error) {
          this.appendsBeingWritten = 0;
          for (const append of batch) {
            this.pendingSpanCount -= append.spanCount;
            append.reject(error as Error);
          }
        }
      }
    } finally {
      this.appending = false;
    }
  }

  private async writeRecords(batch: readonly PendingAppend[]): Promise<QueuedRecord[]> {
    if (this.activeHandle === undefined || this.activeSize >= this.segmentBytes) await this.rollSegment();
    const handle = this.activeHandle!;
    const total = batch.reduce((sum, append) => sum + HEADER_BYTES + append.payload.byteLength, 0);
    const buffer = Buffer.allocUnsafe(total);
    const records: QueuedRecord[] = [];
    let position = 0;
    for (const append of batch) {
      buffer.writeUInt32LE(append.payload.byteLength, position);
      buffer.writeUInt32LE(append.spanCount, position + 4);
      buffer.set(append.payload, position + HEADER_BYTES);
      const checksum = crc32(append.payload, crc32(buffer.subarray(position, position + 8)));
      buffer.writeUInt32LE(checksum, position + 8);
      records.push({
        segment: this.activeSegment,
        offset: this.activeSize + position,
        length: append.payload.byteLength,
        spanCount: append.spanCount,
        acknowledged: false,
      });
      position += HEADER_BYTES + append.payload.byteLength;
    }
    try {
      await handle.write(buffer, 0, total, this.activeSize);
      await handle.datasync();
    } catch (error) {
      // A half-written batch must not stay in front of later appends.
      await handle.truncate(this.activeSize).catch(() => undefined);
      throw error;
    }
    this.activeSize += total;
    return records;
  }

  private async rollSegment(): Promise<void> {
    if (this.activeHandle !== undefined) {
      await this.activeHandle.close();
      this.activeSegment++;
      this.activeSize = 0;
    } else if (this.activeSize >= this.segmentBytes) {
      this.activeSegment++;
      this.activeSize = 0;
    }
    this.activeHandle = await open(segmentPath(this.dir, this.activeSegment), 'a+');
    // A new file's directory entry must be durable too, or a crash can lose the whole segment.
    const dirHandle = await open(this.dir, 'r');
    await dirHandle.sync().finally(() => dirHandle.close());
  }

  private async deleteSegmentsBefore(segment: number): Promise<void> {
    for (const [number, opening] of this.readHandles) {
      if (number >= segment) continue;
      this.readHandles.delete(number);
      await closeHandle(opening);
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const match = SEGMENT_NAME.exec(name);
      // Not deletable now (EACCES, EBUSY…): left on disk, tried again at the next clean-up; its
      // records are acknowledged, so a reopen skips it. A rejection here would be unhandled.
      if (match && Number(match[1]) < segment && Number(match[1]) !== this.activeSegment) {
        await rm(join(this.dir, name), { force: true }).catch(() => undefined);
      }
    }
  }

  /** One head write at a time; acknowledgements during a write are covered by the next one. */
  private async writeHead(): Promise<void> {
    if (this.headWrite) return;
    while (this.headDirty) {
      this.headDirty = false;
      const first = this.unacknowledged[0];
      const head = first ? { segment: first.segment, offset: first.offset } : { segment: this.activeSegment, offset: this.activeSize };
      const write = (async () => {
        const tmp = join(this.dir, 'head.tmp');
        await writeFile(tmp, JSON.stringify(head));
        await rename(tmp, join(this.dir, 'head'));
      })();
      this.headWrite = write.catch(() => undefined);
      await this.headWrite;
      this.headWrite = undefined;
    }
  }
}

function segmentPath(dir: string, segment: number): string {
  return join(dir, `segment-${String(segment).padStart(16, '0')}.log`);
}

async function readHead(dir: string): Promise<{ segment: number; offset: number } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, 'head'), 'utf8')) as { segment?: unknown; offset?: unknown };
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch {
    // No head yet (or unreadable): replay everything on disk; duplicates, never loss.
  }
  return undefined;
}

/** Whole, checksummed records from `start`; `goodEnd` is where the first bad or torn one begins. */
function scanRecords(bytes: Buffer, segment: number, start: number): { found: QueuedRecord[]; goodEnd: number } {
  const found: QueuedRecord[] = [];
  let offset = start;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const spanCount = bytes.readUInt32LE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (end > bytes.length) break;
    const expected = bytes.readUInt32LE(offset + 8);
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload, crc32(bytes.subarray(offset, offset + 8))) !== expected) break;
    found.push({ segment, offset, length, spanCount, acknowledged: false });
    offset = end;
  }
  return { found, goodEnd: offset };
}

function noop(): void {}

async function closeHandle(opening: Promise<FileHandle>): Promise<void> {
  await opening.then((handle) => handle.close()).catch(() => undefined);
}
