import { join } from 'node:path';
import { decodeOtlpProtoTraces } from '../../model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../../model/otlp-proto-encode.js';
import type { Span } from '../../model/span.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../pipeline/consume-result.js';
import type { ProcessorFactory, SpanStage, StageContext } from '../pipeline/span-processor.js';
import { DecisionCache } from './decision-cache.js';
import { encodeDecisionsRecord, encodeSpansRecord, type DecisionEntry, type JournalRecord } from './journal-records.js';
import { PolicySet } from './policy-set.js';
import { tailSamplingConfigSchema, type TailSamplingConfig } from './tail-sampling-config.js';
import { TailSamplingJournal } from './tail-sampling-journal.js';
import { TraceBuffer, type BufferedTrace } from './trace-buffer.js';

interface DecidedTrace {
  readonly trace: BufferedTrace;
  readonly policy: string;
}

/** The span attribute naming the policy that sampled the trace (a Skein convention). */
export const SAMPLING_POLICY_ATTRIBUTE = 'tailsampling.policy';
/** The `policy` label of decisions no policy made (nothing sampled the trace). */
const NO_POLICY = 'none';
const MAX_RETRY_DELAY_MS = 30_000;
const OVERLOADED_RETRY_AFTER_MS = 1_000;

export class TailSamplingStartError extends Error {
  override readonly name = 'TailSamplingStartError';
}

export interface TailSamplingStageOptions {
  /** Milliseconds; Date.now by default. Journal arrival times are in this clock. */
  readonly clock?: () => number;
  /** Run decisions from an interval timer (default); tests turn it off and call {@link TailSamplingStage.runDueDecisions}. */
  readonly autoTick?: boolean;
}

/**
 * `tail_sampling`: holds each trace's spans until it can be judged as a whole, decides with the
 * configured policies, passes sampled traces on and drops the rest.
 *
 * When a trace is decided: `decision_wait` after its first span; earlier once its root span has
 * arrived and nothing came for `early_decision_quiet_period`; at once when it reaches
 * `max_spans_per_trace`; and, when the buffer holds `num_traces`, the oldest traces are decided
 * early to make room — a trace is never evicted undecided. Decided traces leave the buffer; the
 * decision cache makes their late spans follow the decision (sampled: passed on at once; not
 * sampled: dropped as `tail_late_span_dropped`).
 *
 * Durability (architecture decision 4): `consume` answers success only once the spans are in the
 * journal and fsynced (group commit). A trace's journal entries are released by a DECISIONS
 * record, written only after the next stage took its sampled spans (or it was dropped), so a
 * crash at any point replays every acknowledged span that did not reach the next stage. The
 * guarantee is at-least-once: a crash between the next stage's success and the fsync of the
 * DECISIONS record delivers that trace again after the restart.
 *
 * Bounds: spans held in memory (`max_buffered_spans`, buffered + awaiting delivery) and journal
 * bytes (`journal.max_size_mib`); past either, `consume` answers retryable (overloaded).
 */
export class TailSamplingStage implements SpanStage {
  private readonly buffer = new TraceBuffer();
  private readonly cache: DecisionCache;
  private readonly policies: PolicySet;
  private readonly journal: TailSamplingJournal | undefined;
  private readonly clock: () => number;
  private readonly ticker: NodeJS.Timeout | undefined;
  /** Decided, sampled traces waiting for the next delivery batch. */
  private deliveryQueue: DecidedTrace[] = [];
  private deliveryScheduled = false;
  private readonly deliveries = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /**
   * Sampled traces (ID → policy) whose DECISIONS record is not yet appended: left out of
   * snapshots, and their late spans follow the decision even when the cache no longer holds it —
   * buffered again, they would be released by that DECISIONS record and lost to a crash.
   */
  private readonly unresolved = new Map<string, string>();
  /** Spans in the buffer or decided and not yet taken by the next stage. */
  private heldSpans = 0;
  private closed = false;
  /** After a replay, bounds (size cap, num_traces) are enforced once on the next tick. */
  private enforceBoundsOnTick = false;

  constructor(
    readonly name: string,
    private readonly config: TailSamplingConfig,
    private readonly next: SpanConsumer,
    private readonly context: StageContext,
    options: TailSamplingStageOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.policies = new PolicySet(config.policies);
    this.cache = new DecisionCache(config.decision_cache.sampled_cache_size, config.decision_cache.non_sampled_cache_size);
    if (config.journal !== false) {
      if (context.stateDir === undefined) {
        throw new TailSamplingStartError(
          `processors.${name}: the tail sampling journal needs a state directory and this Skein has none; ` +
            'run with a data directory, or set journal: false (a crash then loses the spans waiting for a decision)',
        );
      }
      const { journal, segments } = TailSamplingJournal.open(join(context.stateDir, name.replace(/[^A-Za-z0-9_.-]/g, '_')), {
        segmentBytes: config.journal.segment_size_mib * 1024 * 1024,
        maxBytes: config.journal.max_size_mib * 1024 * 1024,
        segmentPreamble: () => this.snapshotRecord(),
        logger: context.logger,
      });
      this.journal = journal;
      for (const { segment, records } of segments) for (const record of records) this.replay(segment, record);
      journal.start();
      if (this.buffer.traceCount > 0) {
        this.enforceBoundsOnTick = true;
        context.logger.info(
          `${name}: resumed ${this.buffer.traceCount} undecided traces (${this.buffer.spanCount} spans) from the journal`,
        );
      }
      this.heldSpans = this.buffer.spanCount;
      this.updateGauges();
    }
    if (options.autoTick ?? true) {
      // Often enough that a trace is decided within ~10 % of its wait; at most every 10 ms.
      const quiet = config.early_decision_quiet_period > 0 ? config.early_decision_quiet_period : Infinity;
      const tickMs = Math.min(1_000, Math.max(10, Math.min(config.decision_wait, quiet) / 10));
      this.ticker = setInterval(() => this.runDueDecisions(), tickMs);
      this.ticker.unref();
    }
  }

  async consume(spans: Span[]): Promise<ConsumeResult> {
    if (this.closed) {
      return {
        outcome: 'retryable',
        reason: 'unavailable',
        message: `${this.name} is shutting down`,
        retryAfterMillis: OVERLOADED_RETRY_AFTER_MS,
      };
    }
    if (spans.length === 0) return CONSUME_SUCCESS;
    const { metrics } = this.context;
    const lateSampled: Span[] = [];
    const fresh: Span[] = [];
    let lateDropped = 0;
    for (const span of spans) {
      const decision =
        this.buffer.get(span.traceId) === undefined ? (this.unresolved.get(span.traceId) ?? this.cache.get(span.traceId)) : undefined;
      if (decision === undefined) fresh.push(span);
      else if (decision === false) lateDropped++;
      else {
        tagPolicy(span, decision);
        lateSampled.push(span);
      }
    }
    const now = this.clock();
    let record: Buffer | undefined;
    if (fresh.length > 0) {
      if (this.heldSpans > 0 && this.heldSpans + fresh.length > this.config.max_buffered_spans) {
        return this.overloaded(`${this.heldSpans} spans held, limit max_buffered_spans ${this.config.max_buffered_spans}`);
      }
      if (this.journal) {
        record = encodeSpansRecord(now, encodeOtlpProtoTraces(fresh));
        if (!this.journal.hasRoomFor(record.length)) {
          return this.overloaded(`journal holds ${this.journal.sizeBytes} bytes, limit journal.max_size_mib ${this.journal.maxSizeMib}`);
        }
      }
    }
    metrics.processorIncomingSpans.inc({ processor: this.name }, spans.length);
    if (lateDropped > 0) metrics.droppedSpans.inc({ processor: this.name, reason: 'tail_late_span_dropped' }, lateDropped);

    const appended = record && this.journal ? this.journal.append(record) : undefined;
    if (fresh.length > 0) this.bufferSpans(fresh, now, appended?.segment);
    this.updateGauges();

    const [durable, forwarded] = await Promise.all([
      appended?.durable.then(
        () => undefined,
        (error: Error) => error,
      ),
      lateSampled.length > 0 ? this.forward(lateSampled) : CONSUME_SUCCESS,
    ]);
    if (durable !== undefined) {
      return { outcome: 'retryable', reason: 'unavailable', message: durable.message, retryAfterMillis: OVERLOADED_RETRY_AFTER_MS };
    }
    // A late span the next stage refused is refused here too: the sender retries the request (the
    // buffered spans of it are then received twice; storage sees them at least once).
    return forwarded;
  }

  /** Decides every trace that is due now (decision_wait, quiet period, bounds after a replay). */
  runDueDecisions(): void {
    if (this.closed) return;
    const now = this.clock();
    if (this.enforceBoundsOnTick) {
      this.enforceBoundsOnTick = false;
      const cap = this.config.max_spans_per_trace;
      if (cap > 0) for (const trace of [...this.buffer.all()]) if (trace.spans.length >= cap) this.decide(trace, now);
      this.decideOldestBeyondCapacity(now);
    }
    for (const trace of this.buffer.dueByWait(now, this.config.decision_wait)) this.decide(trace, now);
    if (this.config.early_decision_quiet_period > 0) {
      for (const trace of this.buffer.dueByQuiet(now, this.config.early_decision_quiet_period)) this.decide(trace, now);
    }
    this.updateGauges();
  }

  /**
   * Resolves once no decided trace is waiting for, or in, delivery, and the journal has written
   * all it was given (deliveries waiting on a retry timer are not waited for).
   */
  async whenIdle(): Promise<void> {
    while (this.deliveryScheduled || this.deliveries.size > 0 || this.deliveryQueue.length > 0) {
      if (this.deliveryScheduled || this.deliveryQueue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      else await Promise.all(this.deliveries);
    }
    await this.journal?.whenWritten();
  }

  get bufferedTraces(): number {
    return this.buffer.traceCount;
  }

  get journalSegments(): number {
    return this.journal?.segmentCount ?? 0;
  }

  /** fsyncs the journal has done (0 without one). */
  get journalSyncs(): number {
    return this.journal?.syncCount ?? 0;
  }

  /**
   * With the journal: decides nothing early (a restart resumes every buffered trace); passes on
   * what is already decided, waits for deliveries in flight, writes and fsyncs the journal.
   * Without it: decides everything buffered and passes it on, since memory is all there is.
   */
  async shutdown(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    if (!this.journal) {
      const now = this.clock();
      for (const trace of [...this.buffer.all()]) this.decide(trace, now);
    }
    this.closed = true;
    this.flushDeliveries();
    while (this.deliveries.size > 0) await Promise.all(this.deliveries);
    await this.journal?.close();
    this.updateGauges();
  }

  private bufferSpans(spans: Span[], now: number, segment: number | undefined): void {
    const touched = new Set<BufferedTrace>();
    for (const span of spans) {
      const trace = this.buffer.add(span, now);
      touched.add(trace);
      if (segment !== undefined && !trace.segments.has(segment)) {
        trace.segments.add(segment);
        this.journal!.retain(segment);
      }
    }
    this.heldSpans += spans.length;
    const cap = this.config.max_spans_per_trace;
    if (cap > 0) for (const trace of touched) if (trace.spans.length >= cap) this.decide(trace, now);
    this.decideOldestBeyondCapacity(now);
  }

  /** A full buffer makes room by deciding its oldest traces now — they are never dropped undecided. */
  private decideOldestBeyondCapacity(now: number): void {
    while (this.buffer.traceCount > this.config.num_traces) this.decide(this.buffer.oldest()!, now);
  }

  private decide(trace: BufferedTrace, now: number): void {
    if (this.buffer.remove(trace.traceId) === undefined) return;
    const { sampled, policy } = this.policies.decide(trace, now);
    const { metrics } = this.context;
    metrics.samplerDecisions.inc({ processor: this.name, policy: policy ?? NO_POLICY, decision: sampled ? 'sampled' : 'not_sampled' });
    if (sampled) {
      const name = policy ?? NO_POLICY;
      this.cache.put(trace.traceId, name);
      for (const span of trace.spans) tagPolicy(span, name);
      this.unresolved.set(trace.traceId, name);
      this.deliveryQueue.push({ trace, policy: name });
      this.scheduleDelivery();
    } else {
      this.cache.put(trace.traceId, false);
      this.heldSpans -= trace.spans.length;
      metrics.droppedSpans.inc({ processor: this.name, reason: 'tail_sampled_out' }, trace.spans.length);
      this.resolve([trace], [{ traceId: trace.traceId, decision: false }]);
    }
  }

  private scheduleDelivery(): void {
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    // Every trace decided in this turn (a tick can decide thousands) goes in one batch downstream.
    setImmediate(() => this.flushDeliveries());
  }

  private flushDeliveries(): void {
    this.deliveryScheduled = false;
    if (this.deliveryQueue.length === 0) return;
    const batch = this.deliveryQueue;
    this.deliveryQueue = [];
    this.startDelivery(batch, 0);
  }

  private startDelivery(batch: DecidedTrace[], attempt: number): void {
    const delivery = this.deliver(batch, attempt).finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async deliver(batch: DecidedTrace[], attempt: number): Promise<void> {
    const spans = batch.flatMap(({ trace }) => trace.spans);
    const result = await this.forward(spans);
    if (result.outcome === 'retryable') {
      if (this.closed) {
        this.context.logger.warn(
          `${this.name}: ${spans.length} sampled spans not delivered at shutdown (${result.message}); ` +
            (this.journal ? 'the journal delivers them after the restart' : 'they are lost (journal: false)'),
        );
        return;
      }
      // Exponential backoff from the next stage's hint, with jitter so retries of many batches spread out.
      const base = Math.min(Math.max(result.retryAfterMillis, 50), 5_000);
      const delay = Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.min(attempt, 10)) * (0.8 + Math.random() * 0.4);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.startDelivery(batch, attempt + 1);
      }, delay);
      this.retryTimers.add(timer);
      return;
    }
    if (result.outcome === 'failure') {
      // The next stage could not take data that is fine; retrying would block the journal forever.
      this.context.logger.error(`${this.name}: the next stage refused ${spans.length} sampled spans for good: ${result.message}`);
    }
    this.heldSpans -= spans.length;
    this.resolve(
      batch.map(({ trace }) => trace),
      batch.map(({ trace, policy }) => ({ traceId: trace.traceId, decision: policy })),
    );
    this.updateGauges();
  }

  private async forward(spans: Span[]): Promise<ConsumeResult> {
    let result: ConsumeResult;
    try {
      result = await this.next.consume(spans);
    } catch (error) {
      result = {
        outcome: 'retryable',
        reason: 'unavailable',
        message: (error as Error).message,
        retryAfterMillis: OVERLOADED_RETRY_AFTER_MS,
      };
    }
    if (result.outcome === 'success') this.context.metrics.processorOutgoingSpans.inc({ processor: this.name }, spans.length);
    return result;
  }

  /** Writes the DECISIONS record of resolved traces; once it is durable their journal segments are released. */
  private resolve(traces: BufferedTrace[], entries: DecisionEntry[]): void {
    for (const trace of traces) this.unresolved.delete(trace.traceId);
    if (!this.journal) return;
    const journal = this.journal;
    journal.append(encodeDecisionsRecord(entries)).durable.then(
      () => {
        for (const trace of traces) for (const segment of trace.segments) journal.release(segment);
      },
      // The journal is broken (logged by it): keeping the segments is the safe side.
      () => undefined,
    );
  }

  private replay(segment: number, record: JournalRecord): void {
    if (record.type === 'spans') {
      let spans: Span[];
      try {
        spans = decodeOtlpProtoTraces(record.otlp);
      } catch (error) {
        // The CRC matched, so this is not a torn write; refusing to start would not bring it back.
        this.context.logger.error(
          `${this.name}: a journal record in segment ${segment} cannot be decoded, skipped: ${(error as Error).message}`,
        );
        return;
      }
      for (const span of spans) {
        const trace = this.buffer.add(span, record.arrivalMs);
        if (!trace.segments.has(segment)) {
          trace.segments.add(segment);
          this.journal!.retain(segment);
        }
      }
      return;
    }
    for (const { traceId, decision } of record.entries) {
      this.cache.put(traceId, decision);
      if (record.type === 'decisions') {
        const trace = this.buffer.remove(traceId);
        if (trace) for (const held of trace.segments) this.journal!.release(held);
      }
    }
  }

  private snapshotRecord(): Buffer {
    const unresolved = this.unresolved;
    function* resolvedEntries(entries: Iterable<[string, string | false]>): Iterable<DecisionEntry> {
      for (const [traceId, decision] of entries) if (!unresolved.has(traceId)) yield { traceId, decision };
    }
    return encodeDecisionsRecord(resolvedEntries(this.cache.entries()), true);
  }

  private overloaded(detail: string): ConsumeResult {
    return {
      outcome: 'retryable',
      reason: 'overloaded',
      message: `${this.name} is full (${detail})`,
      retryAfterMillis: OVERLOADED_RETRY_AFTER_MS,
    };
  }

  private updateGauges(): void {
    const { metrics } = this.context;
    metrics.samplerTracesBuffered.set({ processor: this.name }, this.buffer.traceCount);
    metrics.samplerSpansBuffered.set({ processor: this.name }, this.heldSpans);
  }
}

/** Sets `tailsampling.policy` on a span (in place: a span belongs to one batch, unlike its resource). */
function tagPolicy(span: Span, policy: string): void {
  for (const attribute of span.attributes) {
    if (attribute.key === SAMPLING_POLICY_ATTRIBUTE) {
      attribute.value = policy;
      return;
    }
  }
  span.attributes.push({ key: SAMPLING_POLICY_ATTRIBUTE, value: policy });
}

export const tailSamplingProcessorFactory: ProcessorFactory<TailSamplingConfig> = {
  type: 'tail_sampling',
  configSchema: tailSamplingConfigSchema,
  createStage: (name, config, next, context) => new TailSamplingStage(name, config, next, context),
};
