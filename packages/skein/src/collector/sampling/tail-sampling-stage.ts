import { join } from 'node:path';
import type { Span } from '../../model/span.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../pipeline/consume-result.js';
import type { SpanStage, StageContext } from '../pipeline/span-processor.js';
import { JournaledBuffer } from './journaled-buffer.js';
import { SampledDelivery, type SampledTrace } from './sampled-delivery.js';
import { TailSampler, type SamplingDecision } from './tail-sampler.js';
import { defaultTailSamplingConfig, tailSamplingConfigSchema, type TailSamplingConfig } from './tail-sampling-config.js';
import { overloaded, unavailable } from '../pipeline/consume-status.js';
import { ConfigError } from '../../model/config-error.js';
import { LogsSamplingStage } from './logs-sampling-stage.js';
import { decisionHubOf, type DecisionSource, type SamplingDecisionHub } from './sampling-decision-hub.js';

export { SAMPLING_POLICY_ATTRIBUTE } from './tail-sampler.js';

const RETRY_AFTER_MS = 1_000;

/** A tail sampling configuration this Skein cannot run (a journal without a state directory). */
export class TailSamplingStartError extends ConfigError {
  override readonly name: string = 'TailSamplingStartError';
}

export interface TailSamplingStageOptions {
  /** Milliseconds; Date.now by default. Journal arrival times are in this clock. */
  readonly clock?: () => number;
  /** Run decisions from an interval timer (default); tests turn it off and call {@link TailSamplingStage.runDueDecisions}. */
  readonly autoTick?: boolean;
}

/**
 * `tail_sampling`: holds each trace's spans until it can be judged as a whole, decides with the
 * configured policies, passes sampled traces on and drops the rest. A composition of three parts
 * and the timer that drives them:
 *
 * - `TailSampler` (pure): buffer, policies, decision cache; says when a trace is decided and how;
 * - `JournaledBuffer`: the crash-safety layer (append before acknowledging, release once
 *   resolved, replay at start);
 * - `SampledDelivery`: hands sampled traces to the next stage, retrying retryable answers.
 *
 * Durability (architecture decision 4): `consume` answers success only once the spans are in the
 * journal and fsynced (group commit); a trace's journal entries are released only after the next
 * stage took its sampled spans (or it was not sampled), so a crash at any point replays every
 * acknowledged span that did not reach the next stage (at least once).
 *
 * Bounds: spans held in memory (`max_buffered_spans`, buffered + awaiting delivery) and journal
 * bytes (`journal.max_size_mib`); past either, `consume` answers retryable (overloaded).
 */
export class TailSamplingStage implements SpanStage {
  private readonly sampler: TailSampler;
  private readonly journal: JournaledBuffer | undefined;
  private readonly delivery: SampledDelivery;
  private readonly clock: () => number;
  private readonly ticker: NodeJS.Timeout | undefined;
  /** Spans in the buffer or decided and not yet taken by the next stage. */
  private heldSpans = 0;
  private closed = false;
  /** Where this processor's logs stage (if a logs pipeline lists it) reads and awaits decisions. */
  private readonly hub: SamplingDecisionHub;
  private readonly decisionSource: DecisionSource = { decisionOf: (key) => this.sampler.decisionFor(key) };

  constructor(
    readonly name: string,
    private readonly config: TailSamplingConfig,
    next: SpanConsumer,
    private readonly context: StageContext,
    options: TailSamplingStageOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.sampler = new TailSampler(config);
    this.hub = decisionHubOf(config);
    this.delivery = new SampledDelivery({
      name,
      next,
      metrics: context.metrics,
      logger: context.logger,
      durable: config.journal !== false,
      onDone: (batch) => this.delivered(batch),
    });
    if (config.journal !== false) {
      if (context.stateDir === undefined) {
        throw new TailSamplingStartError(
          `processors.${name}: the tail sampling journal needs a state directory and this Skein has none; ` +
            'run with a data directory, or set journal: false (a crash then loses the spans waiting for a decision)',
          `processors.${name}.journal`,
        );
      }
      const dir = join(context.stateDir, name.replace(/[^A-Za-z0-9_.-]/g, '_'));
      this.journal = JournaledBuffer.open(
        dir,
        {
          name,
          segmentBytes: config.journal.segment_size_mib * 1024 * 1024,
          maxBytes: config.journal.max_size_mib * 1024 * 1024,
          logger: context.logger,
        },
        this.sampler,
      );
      if (this.sampler.traceCount > 0) {
        context.logger.info(
          `${name}: resumed ${this.sampler.traceCount} undecided traces (${this.sampler.spanCount} spans) from the journal`,
        );
      }
      this.heldSpans = this.sampler.spanCount;
      this.updateGauges();
    }
    if (options.autoTick ?? true) {
      // Often enough that a trace is decided within ~10 % of its wait; at most every 10 ms.
      const quiet = config.early_decision_quiet_period > 0 ? config.early_decision_quiet_period : Infinity;
      const tickMs = Math.min(1_000, Math.max(10, Math.min(config.decision_wait, quiet) / 10));
      this.ticker = setInterval(() => this.runDueDecisions(), tickMs);
      this.ticker.unref();
    }
    this.hub.attach(this.decisionSource);
  }

  async consume(spans: Span[]): Promise<ConsumeResult> {
    if (this.closed) {
      return unavailable(`${this.name} is shutting down`, RETRY_AFTER_MS);
    }
    if (spans.length === 0) return CONSUME_SUCCESS;
    const { metrics } = this.context;
    const { fresh, lateSampled, lateDropped } = this.sampler.classify(spans);
    const now = this.clock();
    let record: Buffer | undefined;
    if (fresh.length > 0) {
      if (this.heldSpans > 0 && this.heldSpans + fresh.length > this.config.max_buffered_spans) {
        return this.overloaded(`${this.heldSpans} spans held, limit max_buffered_spans ${this.config.max_buffered_spans}`);
      }
      if (this.journal) {
        const prepared = this.journal.prepare(fresh, now);
        if ('refusal' in prepared) return this.overloaded(prepared.refusal);
        record = prepared.record;
      }
    }
    metrics.processorIncomingSpans.inc({ processor: this.name }, spans.length);
    if (lateDropped > 0) metrics.droppedSpans.inc({ processor: this.name, reason: 'tail_late_span_dropped' }, lateDropped);

    const appended = record && this.journal ? this.journal.append(record) : undefined;
    if (fresh.length > 0) {
      const { touched, decisions } = this.sampler.add(fresh, now);
      this.heldSpans += fresh.length;
      if (appended) this.journal!.retain(touched, appended.segment);
      this.handle(decisions);
    }
    this.updateGauges();

    const [durable, forwarded] = await Promise.all([
      appended?.durable.then(
        () => undefined,
        (error: Error) => error,
      ),
      lateSampled.length > 0 ? this.delivery.forward(lateSampled) : CONSUME_SUCCESS,
    ]);
    if (durable !== undefined) {
      return unavailable(durable.message, RETRY_AFTER_MS);
    }
    // A late span the next stage refused is refused here too: the sender retries the request (the
    // buffered spans of it are then received twice; storage sees them at least once).
    return forwarded;
  }

  /**
   * Refused at a request's headers when the buffer is full or the stage is shutting down, before
   * the body is read and decoded (issue 20). Not passed on: what this stage takes is buffered for
   * `decision_wait` and acknowledged on its own terms (journal or memory), so the storage queue's
   * wait right now says nothing about it; sampled traces reach storage through retried deliveries.
   */
  admission(): ConsumeResult | undefined {
    if (this.closed) return unavailable(`${this.name} is shutting down`, RETRY_AFTER_MS);
    if (this.heldSpans >= this.config.max_buffered_spans) {
      return this.overloaded(`${this.heldSpans} spans held, limit max_buffered_spans ${this.config.max_buffered_spans}`);
    }
    return undefined;
  }

  /** Decides every trace that is due now (decision_wait, quiet period, bounds after a replay). */
  runDueDecisions(): void {
    if (this.closed) return;
    this.handle(this.sampler.tick(this.clock()));
    this.updateGauges();
  }

  /**
   * Resolves once no decided trace is waiting for, or in, delivery, and the journal has written
   * all it was given (deliveries waiting on a retry timer are not waited for).
   */
  async whenIdle(): Promise<void> {
    await this.delivery.whenIdle();
    await this.journal?.whenWritten();
  }

  get bufferedTraces(): number {
    return this.sampler.traceCount;
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
    if (!this.journal) this.handle(this.sampler.decideAll(this.clock()));
    this.closed = true;
    this.hub.detach(this.decisionSource);
    await this.delivery.stop();
    await this.journal?.close();
    this.updateGauges();
  }

  /** Counts decisions; sampled traces go to delivery, the others are resolved at once. */
  private handle(decisions: readonly SamplingDecision[]): void {
    const { metrics } = this.context;
    const notSampled: SamplingDecision[] = [];
    for (const decision of decisions) {
      const { trace, sampled, policy } = decision;
      metrics.samplerDecisions.inc({ processor: this.name, policy, decision: sampled ? 'sampled' : 'not_sampled' });
      this.hub.decided(trace.key, sampled ? policy : false);
      if (sampled) {
        this.delivery.enqueue({ trace, policy });
        continue;
      }
      this.heldSpans -= trace.spans.length;
      metrics.droppedSpans.inc({ processor: this.name, reason: 'tail_sampled_out' }, trace.spans.length);
      notSampled.push(decision);
    }
    if (notSampled.length > 0) this.resolve(notSampled.map(({ trace }) => ({ trace, policy: false })));
  }

  private delivered(batch: readonly SampledTrace[]): void {
    for (const { trace } of batch) this.heldSpans -= trace.spans.length;
    this.resolve(batch);
    this.updateGauges();
  }

  /** The traces are resolved: late spans now follow the cache alone, and the journal may release them. */
  private resolve(resolved: readonly { trace: SampledTrace['trace']; policy: string | false }[]): void {
    this.sampler.markResolved(resolved.map(({ trace }) => trace.key));
    this.journal?.release(
      resolved.map(({ trace }) => trace),
      resolved.map(({ trace, policy }) => ({ traceKey: trace.key, decision: policy })),
    );
  }

  private overloaded(detail: string): ConsumeResult {
    return overloaded(`${this.name} is full (${detail})`, RETRY_AFTER_MS);
  }

  private updateGauges(): void {
    const { metrics } = this.context;
    metrics.samplerTracesBuffered.set({ processor: this.name }, this.sampler.traceCount);
    metrics.samplerSpansBuffered.set({ processor: this.name }, this.heldSpans);
  }
}

/**
 * The `tail_sampling` processor factory. `create` only configures (no timers, no files); the stage
 * opens its journal and starts its timer when the pipeline connects it.
 */
export const tailSamplingProcessorFactory: ProcessorFactory<TailSamplingConfig> = {
  kind: 'processor',
  type: 'tail_sampling',
  configSchema: tailSamplingConfigSchema,
  createDefaultConfig: defaultTailSamplingConfig,
  create: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => new TailSamplingStage(settings.id.text, config, next, context),
  }),
  // In a logs pipeline: logs follow the decisions of this processor's traces stage (issue 17).
  createLogs: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => {
      const hub = decisionHubOf(config);
      // Traces pipelines start before logs pipelines (cli/service-graph.ts), so it is attached by now.
      if (!hub.attached) {
        throw new TailSamplingStartError(
          `processors.${settings.id.text}: in a logs pipeline it makes logs follow the decisions it makes in a traces pipeline, ` +
            'and no traces pipeline of this Skein lists it: add it to service.pipelines.traces.processors',
          `processors.${settings.id.text}`,
        );
      }
      return new LogsSamplingStage(settings.id.text, hub, next, context, {
        maxWaitMs: config.logs.max_wait,
        maxHeldRecords: config.logs.max_held_records,
      });
    },
  }),
};
