import { z } from 'zod';
import type { Span } from '../../model/span.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import { CONSUME_SUCCESS, type AdmissionRequest, type Consumer, type ConsumeResult } from '../pipeline/consume-result.js';
import { durationNanosSchema } from '../../model/duration-schema.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { StageContext } from '../pipeline/span-processor.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';

/**
 * `batch`: merges small requests into bigger batches for the stages and exporters after it, as the
 * OpenTelemetry Collector's batch processor does, with Skein's acknowledgement rule on top.
 *
 * ```yaml
 * processors:
 *   batch:
 *     send_batch_size: 8192     # a batch is sent as soon as it holds this many spans
 *     timeout: 200ms            # … or this long after its first span arrived (0: send at once)
 *     send_batch_max_size: 0    # upper bound of a sent batch; larger ones are split (0: no bound)
 *     max_waiting_spans: 81920  # Skein: spans held (waiting or being sent) before callers get 429
 *                               #   (default 10 × send_batch_size, at least send_batch_max_size)
 * ```
 *
 * The Collector's batch processor answers its caller at once and loses the batch on a crash. Here a
 * caller's `consume` resolves only with the downstream answer for the batch (or batches, when
 * split) holding its spans: nothing is acknowledged before it is safe (ARCHITECTURE decision 4),
 * and a downstream refusal reaches every sender whose spans were in the refused batch, so they
 * retry. Spans held — merged but unsent, and sent but unanswered — are bounded by
 * `max_waiting_spans`; past it the caller is told to retry ('overloaded').
 */
export const batchConfigSchema = z
  .object({
    send_batch_size: z.number().int().positive().default(8192),
    timeout: durationNanosSchema.default(200_000_000n),
    send_batch_max_size: z.number().int().min(0).default(0),
    max_waiting_spans: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.send_batch_max_size > 0 && config.send_batch_max_size < config.send_batch_size) {
      context.addIssue({
        code: 'custom',
        path: ['send_batch_max_size'],
        message: `must be 0 (no bound) or at least send_batch_size (${config.send_batch_size})`,
      });
    }
    if (config.max_waiting_spans !== undefined && config.max_waiting_spans < config.send_batch_size) {
      context.addIssue({
        code: 'custom',
        path: ['max_waiting_spans'],
        message: `must be at least send_batch_size (${config.send_batch_size})`,
      });
    }
  })
  .transform((config) => ({
    sendBatchSize: config.send_batch_size,
    timeoutMillis: Number(config.timeout / 1_000_000n),
    sendBatchMaxSize: config.send_batch_max_size,
    maxWaitingSpans: config.max_waiting_spans ?? Math.max(10 * config.send_batch_size, config.send_batch_max_size),
  }));

export type BatchConfig = z.output<typeof batchConfigSchema>;

/** Retry hint when the stage is full: about one timeout plus one downstream write. */
const OVERLOADED_RETRY_AFTER_MILLIS = 1_000;

/** One caller's `consume`: resolved once none of its spans are waiting or in flight. */
interface Caller {
  unsentSpans: number;
  batchesInFlight: number;
  /** The first non-success answer of a batch holding its spans; success otherwise. */
  result: ConsumeResult;
  resolve(result: ConsumeResult): void;
}

/** A run of one caller's spans in the batch being filled. */
interface Segment<T> {
  caller: Caller;
  spans: T[];
}

type SendTrigger = 'size' | 'timeout' | 'shutdown';

/** A `SpanStage` in traces pipelines and a `LogsStage` in logs pipelines (counted in items either way). */
export class BatchProcessor<T = Span> implements Consumer<T> {
  private segments: Segment<T>[] = [];
  /** Spans in `segments`. */
  private unsentSpans = 0;
  /** Spans in `segments` plus spans sent downstream and not yet answered. */
  private heldSpans = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private shuttingDown = false;
  private readonly metrics: SkeinMetrics | undefined;

  constructor(
    readonly name: string,
    private readonly config: BatchConfig,
    private readonly next: Consumer<T>,
    context?: Pick<StageContext, 'metrics'>,
  ) {
    this.metrics = context?.metrics;
    this.metrics?.queueCapacitySpans.set({ queue: name }, config.maxWaitingSpans);
    this.metrics?.queueSpans.set({ queue: name }, 0);
  }

  consume(spans: T[]): Promise<ConsumeResult> {
    if (spans.length === 0) return Promise.resolve(CONSUME_SUCCESS);
    if (this.shuttingDown) return Promise.resolve(this.shuttingDownRefusal());
    // An empty stage takes any request, however large, so one oversized request cannot be
    // refused forever; otherwise the bound holds.
    if (this.heldSpans > 0 && this.heldSpans + spans.length > this.config.maxWaitingSpans) {
      return Promise.resolve(this.fullRefusal());
    }
    this.metrics?.processorIncomingSpans.inc({ processor: this.name }, spans.length);
    return new Promise<ConsumeResult>((resolve) => {
      const caller: Caller = { unsentSpans: spans.length, batchesInFlight: 0, result: CONSUME_SUCCESS, resolve };
      this.segments.push({ caller, spans });
      this.unsentSpans += spans.length;
      this.heldSpans += spans.length;
      this.updateQueueGauge();
      if (this.config.timeoutMillis === 0) {
        // timeout 0: no waiting, only the max-size split (Collector semantics).
        this.sendWhile(() => this.unsentSpans > 0, 'size');
      } else {
        this.sendWhile(() => this.unsentSpans >= this.config.sendBatchSize, 'size');
        if (this.unsentSpans > 0 && this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.sendWhile(() => this.unsentSpans > 0, 'timeout');
          }, this.config.timeoutMillis);
        }
      }
    });
  }

  /**
   * Refused at a request's headers when this stage is full or shutting down; otherwise the stages
   * after it decide (the storage queue's bounded wait), so a pipeline with `batch` still refuses
   * load before bodies are read and decoded (issue 20). A full stage refuses every request here,
   * though consume() would take a small one that still fits: the request's size is not known yet.
   */
  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    if (this.shuttingDown) return this.shuttingDownRefusal();
    if (this.heldSpans >= this.config.maxWaitingSpans) return this.fullRefusal();
    return this.next.admission?.(request);
  }

  private shuttingDownRefusal(): ConsumeResult {
    return unavailable('Skein is shutting down', OVERLOADED_RETRY_AFTER_MILLIS);
  }

  private fullRefusal(): ConsumeResult {
    return overloaded(
      `processor ${this.name} is full (${this.heldSpans} spans waiting to be sent or acknowledged, limit ${this.config.maxWaitingSpans})`,
      OVERLOADED_RETRY_AFTER_MILLIS,
    );
  }

  /** Sends everything still waiting and resolves once every batch has been answered. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.sendWhile(() => this.unsentSpans > 0, 'shutdown');
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private sendWhile(condition: () => boolean, trigger: SendTrigger): void {
    while (condition()) this.sendOne(trigger);
    if (this.unsentSpans === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Takes up to one batch from the front (splitting a segment at the max size) and sends it. */
  private sendOne(trigger: SendTrigger): void {
    const limit = this.config.sendBatchMaxSize > 0 ? this.config.sendBatchMaxSize : Number.POSITIVE_INFINITY;
    const parts: Segment<T>[] = [];
    let size = 0;
    while (this.segments.length > 0 && size < limit) {
      const segment = this.segments[0]!;
      const room = limit - size;
      if (segment.spans.length <= room) {
        this.segments.shift();
        parts.push(segment);
        size += segment.spans.length;
      } else {
        parts.push({ caller: segment.caller, spans: segment.spans.slice(0, room) });
        segment.spans = segment.spans.slice(room);
        size += room;
      }
    }
    this.unsentSpans -= size;
    const callers = new Set<Caller>();
    for (const part of parts) {
      part.caller.unsentSpans -= part.spans.length;
      callers.add(part.caller);
    }
    for (const caller of callers) caller.batchesInFlight++;
    const batch = parts.length === 1 ? parts[0]!.spans : parts.flatMap((part) => part.spans);
    this.metrics?.processorOutgoingSpans.inc({ processor: this.name }, batch.length);
    this.metrics?.batchSends.inc({ processor: this.name, trigger });
    this.metrics?.batchSendSpans.observe({ processor: this.name }, batch.length);
    const sending = this.deliver(batch).then((result) => {
      this.inFlight.delete(sending);
      this.heldSpans -= batch.length;
      this.updateQueueGauge();
      for (const caller of callers) {
        if (caller.result.outcome === 'success' && result.outcome !== 'success') caller.result = result;
        caller.batchesInFlight--;
        if (caller.batchesInFlight === 0 && caller.unsentSpans === 0) caller.resolve(caller.result);
      }
    });
    this.inFlight.add(sending);
  }

  private async deliver(batch: T[]): Promise<ConsumeResult> {
    try {
      return await this.next.consume(batch);
    } catch (error) {
      // A throwing consumer is a bug downstream; its callers must still get an answer.
      return { outcome: 'failure', message: `processor ${this.name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private updateQueueGauge(): void {
    this.metrics?.queueSpans.set({ queue: this.name }, this.heldSpans);
  }
}

export const batchProcessorFactory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  configSchema: batchConfigSchema,
  createDefaultConfig: () => batchConfigSchema.parse({}),
  create: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => new BatchProcessor(settings.id.text, config, next, context),
  }),
  // `max_waiting_spans` bounds held records in a logs pipeline; span metrics stay the traces pipelines'.
  createLogs: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next) => new BatchProcessor(`${settings.id.text} (logs)`, config, next),
  }),
};
