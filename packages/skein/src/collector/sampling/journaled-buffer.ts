import { decodeOtlpProtoTraces } from '../../model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../../model/otlp-proto-encode.js';
import type { Span } from '../../model/span.js';
import { splitByTenant } from '../../model/tenant-groups.js';
import { encodeDecisionsRecord, encodeSpansRecord, type DecisionEntry, type JournalRecord } from './journal-records.js';
import { TailSamplingJournal, type Appended } from './tail-sampling-journal.js';
import type { BufferedTrace } from './trace-buffer.js';
import type { TraceKey } from './trace-key.js';

/** What a replay rebuilds: the sampler's buffer and decision cache (implemented by `TailSampler`). */
export interface ReplayTarget {
  restoreSpans(spans: readonly Span[], arrivalMs: number): Iterable<BufferedTrace>;
  restoreDecision(key: TraceKey, decision: string | false, resolves: boolean): BufferedTrace | undefined;
  /** The decisions a new segment's snapshot records (those of resolved traces). */
  resolvedDecisions(): Iterable<DecisionEntry>;
}

export interface JournaledBufferOptions {
  /** The processor's name, for log lines. */
  readonly name: string;
  readonly segmentBytes: number;
  readonly maxBytes: number;
  readonly logger: { warn(message: string): void; error(message: string): void };
}

/** A SPANS record ready to append, or why it may not be (the journal is full). */
export type PreparedSpans = { readonly record: Buffer } | { readonly refusal: string };

/**
 * The crash-safety layer around the sampler (architecture decision 4), on the CRC-framed journal:
 *
 * - **append**: spans are written (SPANS record, fsynced by group commit) before `consume`
 *   answers success; each trace holds a reference on every segment with its spans.
 * - **release**: once a trace is resolved (the next stage took its sampled spans, or it was not
 *   sampled) a DECISIONS record says so, and once that is durable the trace's references go, so
 *   its segments can be deleted. A crash at any point replays every acknowledged span that did
 *   not reach the next stage (at least once: a crash between the next stage's success and the
 *   fsync of the DECISIONS record delivers that trace again).
 * - **replay**: at open, every record is fed back to the sampler (spans with their original
 *   arrival time; decisions into the cache, resolved traces out of the buffer); each new segment
 *   starts with a snapshot of the resolved decisions, so old segments can go without losing them.
 */
export class JournaledBuffer {
  private constructor(private readonly journal: TailSamplingJournal) {}

  /** Opens the journal in `dir`, replays it into `target` and starts a new segment. */
  static open(dir: string, options: JournaledBufferOptions, target: ReplayTarget): JournaledBuffer {
    const { journal, segments } = TailSamplingJournal.open(dir, {
      segmentBytes: options.segmentBytes,
      maxBytes: options.maxBytes,
      segmentPreamble: () => encodeDecisionsRecord(target.resolvedDecisions(), true),
      logger: options.logger,
    });
    for (const { segment, records } of segments) {
      for (const record of records) replay(journal, segment, record, target, options);
    }
    journal.start();
    return new JournaledBuffer(journal);
  }

  /** Encodes spans that arrived at `now`, or refuses when the journal has no room (max_size_mib). */
  prepare(spans: Span[], now: number): PreparedSpans {
    // One SPANS record per tenant: OTLP bytes cannot say whose spans they are.
    const record = Buffer.concat(
      splitByTenant(spans).map((group) => encodeSpansRecord(now, encodeOtlpProtoTraces(group), group[0]!.resource.tenant)),
    );
    if (this.journal.hasRoomFor(record.length)) return { record };
    return { refusal: `journal holds ${this.journal.sizeBytes} bytes, limit journal.max_size_mib ${this.journal.maxSizeMib}` };
  }

  /** Appends a prepared SPANS record; `durable` settles once it is fsynced. */
  append(record: Buffer): Appended {
    return this.journal.append(record);
  }

  /** Notes that these traces have spans in `segment`: it is kept until each of them is released. */
  retain(traces: Iterable<BufferedTrace>, segment: number): void {
    for (const trace of traces) retainSegment(this.journal, trace, segment);
  }

  /** Records that these traces are resolved; once that is durable their segments are released. */
  release(traces: readonly BufferedTrace[], entries: readonly DecisionEntry[]): void {
    const journal = this.journal;
    journal.append(encodeDecisionsRecord(entries)).durable.then(
      () => {
        for (const trace of traces) for (const segment of trace.segments) journal.release(segment);
      },
      // The journal is broken (logged by it): keeping the segments is the safe side.
      () => undefined,
    );
  }

  /** Resolves once everything appended so far is on disk (or the journal failed). */
  whenWritten(): Promise<void> {
    return this.journal.whenWritten();
  }

  /** Writes and fsyncs everything appended, then closes; later appends are refused. */
  close(): Promise<void> {
    return this.journal.close();
  }

  get segmentCount(): number {
    return this.journal.segmentCount;
  }

  get syncCount(): number {
    return this.journal.syncCount;
  }
}

function retainSegment(journal: TailSamplingJournal, trace: BufferedTrace, segment: number): void {
  if (trace.segments.has(segment)) return;
  trace.segments.add(segment);
  journal.retain(segment);
}

function replay(
  journal: TailSamplingJournal,
  segment: number,
  record: JournalRecord,
  target: ReplayTarget,
  options: JournaledBufferOptions,
): void {
  if (record.type === 'spans') {
    let spans: Span[];
    try {
      spans = decodeOtlpProtoTraces(record.otlp, record.tenant);
    } catch (error) {
      // The CRC matched, so this is not a torn write; refusing to start would not bring it back.
      options.logger.error(
        `${options.name}: a journal record in segment ${segment} cannot be decoded, skipped: ${(error as Error).message}`,
      );
      return;
    }
    for (const trace of target.restoreSpans(spans, record.arrivalMs)) retainSegment(journal, trace, segment);
    return;
  }
  for (const { traceKey, decision } of record.entries) {
    const resolved = target.restoreDecision(traceKey, decision, record.type === 'decisions');
    if (resolved) for (const held of resolved.segments) journal.release(held);
  }
}
