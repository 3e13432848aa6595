import type { Host } from '../../component/component.js';
import type { Span } from '../../model/span.js';
import type { DropReason, SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';

/**
 * One pipeline stage: a pure `(batch) → batch` function apart from its own counters. It returns the
 * spans to pass on: the same array (span-level fields it owns edited in place) or a filtered one.
 * Shared objects (Resource, InstrumentationScope) are never edited in place: a stage that changes
 * one puts a copy on the spans that pointed at it, because other spans, batches or fan-out
 * pipelines may still hold the original.
 */
export interface SpanProcessor {
  readonly name: string;
  /** Spans this processor leaves out are counted as dropped under this reason (none: it never drops). */
  readonly dropReason?: DropReason;
  process(spans: Span[]): Span[];
}

/** What a stateful stage gets when the pipeline is assembled. */
export interface StageContext {
  readonly metrics: SkeinMetrics;
  readonly logger: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /**
   * A directory the stage may keep durable state in (journals, persisted queues), created and
   * owned by Skein; undefined when running without one (then a stage that needs durability must
   * refuse to start with a clear message).
   */
  readonly stateDir: string | undefined;
  /**
   * The host's trace store, opened on first call: for the metrics tap, which writes pre-aggregated
   * metrics through it off the ingest path. Absent where a pipeline runs without a host (tests).
   */
  readonly traceStore?: Host['traceStore'];
}

/**
 * A stage that holds spans, waits or refuses (batch, memory_limiter, tail_sampling): it consumes
 * batches and hands them to `next` when it decides to. Its answer to `consume` is the answer the
 * receiver gives, so a stage that holds spans must answer success only once they are safe
 * (passed on and acknowledged downstream, or durable) — ARCHITECTURE decision 4.
 */
export interface SpanStage extends SpanConsumer {
  readonly name: string;
  /** Passes on or persists everything held, stops timers; resolves when done. */
  shutdown(): Promise<void>;
}

/** A configured processor, ready to be put into a pipeline. */
export type PipelineStep =
  | { readonly kind: 'processor'; readonly processor: SpanProcessor }
  | { readonly kind: 'stage'; readonly name: string; connect(next: SpanConsumer, context: StageContext): SpanStage };
