import type { Span } from '../../model/span.js';
import type { SpanProcessor } from '../processors/span-processor.js';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from './consume-result.js';

/**
 * The traces pipeline: processors in configured order (each a pure batch → batch stage), then
 * every exporter (fan-out).
 * A batch counts as delivered only when every exporter took it; the first exporter that did not
 * decides the answer, so a retry is requested whenever any destination missed the data.
 */
export class TracePipeline implements SpanConsumer {
  constructor(
    private readonly exporters: readonly SpanConsumer[],
    private readonly processors: readonly SpanProcessor[] = [],
  ) {
    if (exporters.length === 0) throw new Error('a traces pipeline needs at least one exporter');
  }

  async consume(input: Span[]): Promise<ConsumeResult> {
    let spans = input;
    for (const processor of this.processors) {
      spans = processor.process(spans);
      // Everything filtered or sampled out: delivered, as far as the sender is concerned.
      if (spans.length === 0) return CONSUME_SUCCESS;
    }
    if (this.exporters.length === 1) return this.exporters[0]!.consume(spans);
    const results = await Promise.all(this.exporters.map((exporter) => exporter.consume(spans)));
    return results.find((result) => result.outcome !== 'success') ?? CONSUME_SUCCESS;
  }
}
