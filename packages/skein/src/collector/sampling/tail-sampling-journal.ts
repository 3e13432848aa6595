import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SEGMENT_MAGIC, readSegment, type JournalRecord } from './journal-records.js';

export interface JournalOptions {
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
  /** Bytes on disk (all segments, written or pending) beyond which span appends are refused. */
  maxBytes: number;
  /** The first record of every new segment (a snapshot of the decision cache), so older segments can go. */
  segmentPreamble: () => Buffer;
  logger: { warn(message: string): void; error(message: string): void };
}

/** Where an appended record went, and a promise that settles once it is on disk (fsynced). */
export interface Appended {
  readonly segment: number;
  readonly durable: Promise<void>;
}

export class JournalWriteError extends Error {
  override readonly name = 'JournalWriteError';
}

interface Pending {
  segment: number;
  bytes: Buffer;
}

const SEGMENT_FILE = /^segment-(\d{12})\.journal$/;

function segmentFile(dir: string, segment: number): string {
  return join(dir, `segment-${String(segment).padStart(12, '0')}.journal`);
}

/**
 * The tail sampler's append-only journal: numbered segment files in one directory. Appends go to
 * memory at once (so the order of records is the order of calls) and are written and fsynced by
 * one flusher, which takes everything appended while the previous fsync ran — group commit, as
 * the storage exporter: one fsync covers all concurrent requests, so throughput does not fall to
 * one request per disk flush.
 *
 * Segments are reference-counted by the stage (one reference per undecided trace with spans in
 * it). A segment is deleted once it and every older segment have no references and a newer
 * segment's preamble (the decision-cache snapshot) is durable — so decisions survive the segments
 * that recorded them.
 */
export class TailSamplingJournal {
  private pending: Pending[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private flushing = false;
  private flushDone: Promise<void> = Promise.resolve();
  private handle: { segment: number; file: FileHandle } | undefined;
  private activeSegment: number;
  private activeBytes = 0;
  /** Bytes of the active segment's magic and preamble: a segment holding only these is never rotated. */
  private activePreambleBytes = 0;
  /** Bytes of every segment still on disk, including appended but unwritten records. */
  private totalBytes = 0;
  private readonly segmentSizes = new Map<number, number>();
  private readonly references = new Map<number, number>();
  /** The newest segment that has had a successful fsync (its preamble is durable). */
  private durableSegment = -1;
  private failure: Error | undefined;
  private readonly deletions = new Set<Promise<void>>();
  private syncs = 0;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly options: JournalOptions,
    existing: number[],
  ) {
    for (const segment of existing) {
      const size = statSync(segmentFile(dir, segment)).size;
      this.segmentSizes.set(segment, size);
      this.totalBytes += size;
    }
    this.activeSegment = (existing.at(-1) ?? 0) + 1;
  }

  /**
   * Opens (creating) the journal in `dir` and returns the records of its existing segments, in
   * order, for replay. Writing starts in a new segment (the last old one may end in a torn record)
   * once {@link start} is called, after the replay has rebuilt the state the preamble snapshots.
   */
  static open(
    dir: string,
    options: JournalOptions,
  ): { journal: TailSamplingJournal; segments: { segment: number; records: JournalRecord[] }[] } {
    mkdirSync(dir, { recursive: true });
    const existing = readdirSync(dir)
      .map((name) => SEGMENT_FILE.exec(name))
      .filter((match) => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    const segments = existing.map((segment) => {
      const file = segmentFile(dir, segment);
      const { records, tornAt } = readSegment(readFileSync(file), file);
      if (tornAt !== undefined) {
        options.logger.warn(
          `tail sampling journal: ${file} ends in a torn record at byte ${tornAt} (a crash mid-write); replaying what precedes it`,
        );
      }
      return { segment, records };
    });
    return { journal: new TailSamplingJournal(dir, options, existing), segments };
  }

  /** Starts the first new segment (writing its preamble); old segments without references can now go. */
  start(): void {
    this.beginSegment(this.activeSegment);
  }

  /**
   * Whether `bytes` more can be appended within max_size (decision records are always let through).
   * When not, and the active segment holds at least half a segment of records, a new segment is
   * started: the active segment can only be deleted once a newer one exists, and with a journal
   * this full no span record would ever be appended to start one (with segment_size_mib close to
   * max_size_mib, the journal stayed full for good once every trace in it was decided).
   */
  hasRoomFor(bytes: number): boolean {
    if (this.totalBytes + bytes <= this.options.maxBytes) return true;
    if (!this.closed && !this.failure && this.activeBytes - this.activePreambleBytes >= this.options.segmentBytes / 2) {
      this.beginSegment(this.activeSegment + 1);
    }
    return false;
  }

  get maxSizeMib(): number {
    return this.options.maxBytes / (1024 * 1024);
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** fsyncs so far (group commit makes this far fewer than appends under concurrency). */
  get syncCount(): number {
    return this.syncs;
  }

  get segmentCount(): number {
    return this.segmentSizes.size;
  }

  append(record: Buffer): Appended {
    if (this.closed) return { segment: this.activeSegment, durable: Promise.reject(new JournalWriteError('the journal is closed')) };
    if (this.failure) return { segment: this.activeSegment, durable: Promise.reject(this.failure) };
    if (this.activeBytes + record.length > this.options.segmentBytes && this.activeBytes > this.activePreambleBytes) {
      this.beginSegment(this.activeSegment + 1);
    }
    const segment = this.activeSegment;
    this.push(segment, record);
    const durable = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.scheduleFlush();
    return { segment, durable };
  }

  /** Resolves once everything appended so far is on disk (or the journal failed) and resolved segments are gone. */
  async whenWritten(): Promise<void> {
    if (this.pending.length > 0) this.scheduleFlush();
    if (this.flushing) await this.flushDone;
    if (this.pending.length > 0) return this.whenWritten();
    await Promise.all(this.deletions);
  }

  retain(segment: number): void {
    this.references.set(segment, (this.references.get(segment) ?? 0) + 1);
  }

  release(segment: number): void {
    const count = (this.references.get(segment) ?? 0) - 1;
    if (count > 0) this.references.set(segment, count);
    else this.references.delete(segment);
    this.deleteResolvedSegments();
  }

  /** Writes and fsyncs everything appended, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.scheduleFlush();
    await this.flushDone;
    if (this.handle) {
      await this.handle.file.close();
      this.handle = undefined;
    }
  }

  private beginSegment(segment: number): void {
    this.activeSegment = segment;
    this.activeBytes = 0;
    this.segmentSizes.set(segment, 0);
    const preamble = Buffer.concat([SEGMENT_MAGIC, this.options.segmentPreamble()]);
    this.activePreambleBytes = preamble.length;
    this.push(segment, preamble);
    this.scheduleFlush();
  }

  private push(segment: number, bytes: Buffer): void {
    this.pending.push({ segment, bytes });
    this.activeBytes += bytes.length;
    this.totalBytes += bytes.length;
    this.segmentSizes.set(segment, (this.segmentSizes.get(segment) ?? 0) + bytes.length);
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    // setImmediate, not a microtask: every consume() of this event-loop turn joins the first fsync.
    this.flushDone = new Promise<void>((done) => setImmediate(() => void this.flushLoop().finally(done)));
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.write(batch);
        this.durableSegment = Math.max(this.durableSegment, batch.at(-1)!.segment);
        for (const waiter of waiters) waiter.resolve();
        this.deleteResolvedSegments();
      } catch (error) {
        this.failure = new JournalWriteError(`tail sampling journal write failed: ${(error as Error).message}`);
        this.options.logger.error(this.failure.message);
        for (const waiter of [...waiters, ...this.waiters]) waiter.reject(this.failure);
        this.waiters = [];
        this.pending = [];
      }
    }
    this.flushing = false;
  }

  private async write(batch: Pending[]): Promise<void> {
    let start = 0;
    while (start < batch.length) {
      const segment = batch[start]!.segment;
      let end = start;
      while (end < batch.length && batch[end]!.segment === segment) end++;
      const file = await this.fileFor(segment);
      await file.writev(batch.slice(start, end).map((pending) => pending.bytes));
      start = end;
    }
    await this.handle!.file.datasync();
    this.syncs++;
  }

  /** The open file of `segment`; the previous segment's file is fsynced and closed first. */
  private async fileFor(segment: number): Promise<FileHandle> {
    if (this.handle?.segment === segment) return this.handle.file;
    if (this.handle) {
      await this.handle.file.datasync();
      await this.handle.file.close();
      this.handle = undefined;
    }
    const file = await open(segmentFile(this.dir, segment), 'a');
    // The new directory entry must be durable too, or a crash could lose the whole file.
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.handle = { segment, file };
    return file;
  }

  private deleteResolvedSegments(): void {
    for (const segment of [...this.segmentSizes.keys()].sort((a, b) => a - b)) {
      if (segment >= this.durableSegment || segment >= this.activeSegment || this.references.has(segment)) return;
      this.totalBytes -= this.segmentSizes.get(segment)!;
      this.segmentSizes.delete(segment);
      const deletion = unlink(segmentFile(this.dir, segment))
        .catch((error: Error) =>
          this.options.logger.warn(`tail sampling journal: could not delete ${segmentFile(this.dir, segment)}: ${error.message}`),
        )
        .finally(() => this.deletions.delete(deletion));
      this.deletions.add(deletion);
    }
  }
}
