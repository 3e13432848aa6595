import type { z } from 'zod';
import type { Span } from '../../model/span.js';

/**
 * One pipeline stage: a pure `(batch) → batch` function apart from its own counters. It returns the
 * spans to pass on: the same array (span-level fields it owns edited in place) or a filtered one.
 * Shared objects (Resource, InstrumentationScope) are never edited in place: a stage that changes
 * one puts a copy on the spans that pointed at it, because other spans, batches or fan-out
 * pipelines may still hold the original.
 */
export interface SpanProcessor {
  readonly name: string;
  process(spans: Span[]): Span[];
}

/**
 * How a processor type is configured and built. `configSchema` parses the YAML section (OTel
 * Collector key names, unknown keys rejected) and fills in defaults; `create` gets its output.
 */
export type ProcessorFactory<C> = {
  type: string;
  configSchema: z.ZodType<C>;
  create(name: string, config: C): SpanProcessor;
};
