import type { Span } from '../../model/span.js';
import type { MetricsBatch, MetricsWriter } from '../../storage/metrics-store.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { AdmissionRequest, ConsumeResult, SpanConsumer } from '../pipeline/consume-result.js';
import type { PipelineStep, SpanStage, StageContext } from '../pipeline/span-processor.js';
import { AdjustedCounter } from './adjusted-count.js';
import { metricsTapConfigSchema, type MetricsTapConfig } from './metrics-tap-config.js';
import { OperationThroughputCounter, type RootSpanSampling } from './operation-throughput-counter.js';
import { renderTapMetrics } from './prometheus-exposition.js';
import { ServiceGraphBuilder } from './service-graph-builder.js';
import { SpanMetricsAggregator } from './span-metrics-aggregator.js';

/**
 * `metrics_tap`: span metrics and the service graph from 100 % of traffic (ARCHITECTURE decision
 * 6, issue 12), and adaptive sampling's root spans per operation (issue 13). The config loader puts it into every pipeline that exports to `storage`, before
 * its first sampling stage, unless the pipeline lists it (it must then come before any sampler)
 * or the file turns it off (`metrics_tap: null` or `enabled: false`).
 *
 * Hot path: a batch is counted once downstream accepted it (a batch refused with 429/503 is sent
 * again by the client and must not count twice); the adjusted counts are read before passing on,
 * since a sampler downstream writes its own `th:` into kept spans. Counting is a map lookup and a
 * few additions per span; nothing waits on storage.
 *
 * Storage: every `metrics_flush_interval` the minutes counted since the last flush are written
 * through the host's trace store (`writeMetrics`), off the ingest path. A failed write is kept and
 * retried with the next flush, up to {@link MAX_UNSENT_BATCHES} flushes; older ones are dropped and
 * counted. Shutdown writes what is left. Skein's /metrics serves the cumulative series.
 */

/** Flushes kept for retry while storage is failing (each holds at most a few minutes × series). */
export const MAX_UNSENT_BATCHES = 20;

export class MetricsTap {
  readonly spanMetrics: SpanMetricsAggregator;
  readonly serviceGraph: ServiceGraphBuilder | undefined;
  /** Root spans per operation for adaptive sampling (query/sampling), written with each flush. */
  readonly throughput: OperationThroughputCounter;
  private readonly adjusted = new AdjustedCounter();
  private unsent: MetricsBatch[] = [];
  private flushing: Promise<void> | undefined;
  droppedBatches = 0;
  writtenBatches = 0;

  constructor(
    readonly config: MetricsTapConfig,
    private readonly writerOf: (() => Promise<MetricsWriter>) | undefined,
    private readonly warn: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.spanMetrics = new SpanMetricsAggregator(config.spanmetrics);
    this.serviceGraph = config.servicegraph.enabled ? new ServiceGraphBuilder(config.servicegraph) : undefined;
    this.throughput = new OperationThroughputCounter(config.spanmetrics.aggregation_cardinality_limit, now());
  }

  weightsOf(spans: readonly Span[]): Float64Array {
    const weights = new Float64Array(spans.length);
    for (let index = 0; index < spans.length; index++) weights[index] = this.adjusted.weightOf(spans[index]!.traceState);
    return weights;
  }

  record(spans: readonly Span[], weights: Float64Array): void {
    const now = this.now();
    const graph = this.serviceGraph;
    for (let index = 0; index < spans.length; index++) {
      const span = spans[index]!;
      const weight = weights[index]!;
      this.spanMetrics.record(span, weight);
      graph?.record(span, weight, now);
    }
  }

  /** Read before passing spans on, like {@link weightsOf}: a sampler downstream rewrites `th`. */
  rootsOf(spans: readonly Span[]): RootSpanSampling[] {
    return this.throughput.rootsOf(spans);
  }

  recordRoots(roots: readonly RootSpanSampling[]): void {
    this.throughput.record(roots);
  }

  /** Takes what was counted since the last flush and writes it (and earlier failed flushes). */
  flush(final = false): Promise<void> {
    if (this.flushing) return final ? this.flushing.then(() => this.flush(true)) : this.flushing;
    this.serviceGraph?.expire(this.now(), final);
    const { rows, exemplars } = this.spanMetrics.takeFlush();
    const edges = this.serviceGraph?.takeFlush() ?? [];
    const throughput = this.throughput.takeFlush(this.now());
    if (rows.length + edges.length + exemplars.length + throughput.length > 0) {
      this.unsent.push({ spanMetrics: rows, edges, exemplars, ...(throughput.length > 0 && { throughput }) });
    }
    while (this.unsent.length > MAX_UNSENT_BATCHES) {
      this.unsent.shift();
      this.droppedBatches += 1;
    }
    if (this.unsent.length === 0 || !this.writerOf) {
      if (!this.writerOf) this.unsent = [];
      return Promise.resolve();
    }
    this.flushing = this.writeUnsent().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeUnsent(): Promise<void> {
    try {
      const writer = await this.writerOf!();
      while (this.unsent.length > 0) {
        await writer.writeMetrics(this.unsent[0]!);
        this.unsent.shift();
        this.writtenBatches += 1;
      }
    } catch (error) {
      this.warn(
        `metrics_tap: writing metrics failed, retrying with the next flush: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  render(openMetrics: boolean): string {
    return renderTapMetrics(this.spanMetrics, this.serviceGraph, this.config.spanmetrics.histogram.unit, openMetrics);
  }
}

/** The tap as a pipeline stage: counts what downstream accepted, flushes on a timer. */
class MetricsTapStage implements SpanStage {
  readonly name = 'metrics_tap';
  private readonly timer: NodeJS.Timeout;
  private readonly unregister: () => void;

  constructor(
    private readonly tap: MetricsTap,
    private readonly next: SpanConsumer,
    context: StageContext,
  ) {
    this.timer = setInterval(() => void tap.flush(), tap.config.spanmetrics.metrics_flush_interval);
    this.timer.unref();
    this.unregister = context.metrics.addExposition((openMetrics) => tap.render(openMetrics));
  }

  async consume(spans: Span[]): Promise<ConsumeResult> {
    const weights = this.tap.weightsOf(spans);
    const roots = this.tap.rootsOf(spans);
    const result = await this.next.consume(spans);
    if (result.outcome === 'success') {
      this.tap.record(spans, weights);
      this.tap.recordRoots(roots);
    }
    return result;
  }

  /**
   * Passed on: without it the receivers' admission on headers stopped here, so in the default
   * pipeline (where the config loader puts this tap before storage) the storage queue's bounded
   * wait refused only after a body was read and decoded (measured 2026-12-05 under 3× load: all
   * 478-512 refusals came at consume(), each after ~25 ms of reading and ~4 ms of decoding).
   */
  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.next.admission?.(request);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tap.flush(true);
    this.unregister();
  }
}

/** The last tap built, for tests and the bench (one per pipeline; tests run one pipeline). */
export const builtTaps: MetricsTap[] = [];

export const metricsTapProcessorFactory: ProcessorFactory<MetricsTapConfig> = {
  kind: 'processor',
  type: 'metrics_tap',
  configSchema: metricsTapConfigSchema,
  createDefaultConfig: () => metricsTapConfigSchema.parse({}),
  create(settings, config): PipelineStep {
    return {
      kind: 'stage',
      name: settings.id.text,
      connect(next, context) {
        if (!config.enabled)
          return {
            name: settings.id.text,
            consume: (spans) => next.consume(spans),
            admission: (request) => next.admission?.(request),
            shutdown: () => Promise.resolve(),
          };
        const tap = new MetricsTap(config, context.traceStore, (message) => context.logger.warn(message));
        builtTaps.push(tap);
        if (builtTaps.length > 16) builtTaps.shift();
        return new MetricsTapStage(tap, next, context);
      },
    };
  },
};
