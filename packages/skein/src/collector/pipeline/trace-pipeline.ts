import type { Span } from '../../model/span.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { PipelineStep, SpanProcessor, SpanStage, StageContext } from './span-processor.js';
import { CONSUME_SUCCESS, type AdmissionRequest, type ConsumeResult, type SpanConsumer } from './consume-result.js';

/**
 * The traces pipeline: processors in configured order, then every exporter (fan-out).
 *
 * Pure processors (`SpanProcessor`, batch → batch) run back to back in the caller's turn;
 * stateful stages (`SpanStage`: batch, memory_limiter, tail_sampling) are links in a chain of
 * consumers, each handing batches to the next when it decides to. Whatever answer comes back up
 * the chain is what the receiver tells the sender.
 *
 * A batch counts as delivered only when every exporter took it; the first exporter that did not
 * decides the answer, so a retry is requested whenever any destination missed the data.
 */
export class TracePipeline implements SpanConsumer {
  private readonly head: SpanConsumer;
  private readonly stages: SpanStage[] = [];

  constructor(exporters: readonly SpanConsumer[], steps: readonly (SpanProcessor | PipelineStep)[] = [], context?: StageContext) {
    if (exporters.length === 0) throw new Error('a traces pipeline needs at least one exporter');
    const metrics = context?.metrics;
    let next: SpanConsumer = exporters.length === 1 ? exporters[0]! : new FanOut(exporters);
    // Built from the exporters backwards: each stateful stage wraps everything after it, and runs
    // of pure processors between stages become one consumer.
    let pure: SpanProcessor[] = [];
    const flushPure = (): void => {
      if (pure.length > 0) next = new ProcessorRun(pure, next, metrics);
      pure = [];
    };
    for (const step of [...steps].reverse()) {
      const normalised: PipelineStep = 'process' in step ? { kind: 'processor', processor: step } : step;
      if (normalised.kind === 'processor') {
        pure.unshift(normalised.processor);
        continue;
      }
      flushPure();
      if (!context) throw new Error(`processor "${normalised.name}" needs a stage context (metrics, logger, state directory)`);
      const stage = normalised.connect(next, context);
      this.stages.unshift(stage);
      next = stage;
    }
    flushPure();
    this.head = next;
  }

  consume(spans: Span[]): Promise<ConsumeResult> {
    return this.head.consume(spans);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.head.admission?.(request);
  }

  /** Stops stateful stages front to back, so each one's last spans reach the stages after it. */
  async shutdown(): Promise<void> {
    for (const stage of this.stages) await stage.shutdown();
  }
}

class ProcessorRun implements SpanConsumer {
  constructor(
    private readonly processors: readonly SpanProcessor[],
    private readonly next: SpanConsumer,
    private readonly metrics: SkeinMetrics | undefined,
  ) {}

  consume(input: Span[]): Promise<ConsumeResult> {
    let spans = input;
    for (const processor of this.processors) {
      const incoming = spans.length;
      spans = processor.process(spans);
      if (this.metrics) {
        this.metrics.processorIncomingSpans.inc({ processor: processor.name }, incoming);
        this.metrics.processorOutgoingSpans.inc({ processor: processor.name }, spans.length);
        if (spans.length < incoming && processor.dropReason) {
          this.metrics.droppedSpans.inc({ processor: processor.name, reason: processor.dropReason }, incoming - spans.length);
        }
      }
      // Everything filtered or sampled out: delivered, as far as the sender is concerned.
      if (spans.length === 0) return Promise.resolve(CONSUME_SUCCESS);
    }
    return this.next.consume(spans);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.next.admission?.(request);
  }
}

class FanOut implements SpanConsumer {
  constructor(private readonly exporters: readonly SpanConsumer[]) {}

  async consume(spans: Span[]): Promise<ConsumeResult> {
    const results = await Promise.all(this.exporters.map((exporter) => exporter.consume(spans)));
    return (
      results.find((result) => result.outcome !== 'success') ??
      results.find((result) => result.outcome === 'success' && result.rejectedSpans !== undefined) ??
      CONSUME_SUCCESS
    );
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    for (const exporter of this.exporters) {
      const refusal = exporter.admission?.(request);
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }
}
