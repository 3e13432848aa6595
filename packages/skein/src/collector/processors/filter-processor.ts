import { z } from 'zod';
import type { Span } from '../../model/span.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';
import { compileMatchProperties, matchPropertiesSchema } from './span-matcher.js';

/**
 * `filter`: drops spans, in the OpenTelemetry Collector filter processor's `spans.include` /
 * `spans.exclude` shape (the older, pre-OTTL one). A span is kept when it matches `include` (or
 * there is none) and does not match `exclude`. Criteria: see `span-matcher.ts` — span name,
 * service, kind, status, span/resource attributes (strict, regexp, numeric bounds),
 * instrumentation library, duration bounds. No defaults: at least one of include/exclude.
 *
 * ```yaml
 * processors:
 *   filter/noise:
 *     spans:
 *       exclude:
 *         match_type: strict
 *         attributes: [{ key: http.route, value: /healthz }]
 * ```
 *
 * Dropping a span in the middle of a trace leaves its children pointing at a missing parent;
 * trace assembly shows them as orphans. Filter leaf noise (health checks, fs calls) by choice.
 */
export const filterConfigSchema = z
  .object({
    spans: z
      .object({
        include: matchPropertiesSchema.optional(),
        exclude: matchPropertiesSchema.optional(),
      })
      .strict()
      .refine((spans) => spans.include !== undefined || spans.exclude !== undefined, {
        message: 'spans needs include or exclude',
      }),
  })
  .strict();

export type FilterConfig = z.output<typeof filterConfigSchema>;

export class FilterProcessor implements SpanProcessor {
  readonly dropReason = 'filtered';
  /** Spans dropped since start. */
  dropped = 0;
  private readonly included;
  private readonly excluded;

  constructor(
    readonly name: string,
    config: FilterConfig,
  ) {
    this.included = config.spans.include ? compileMatchProperties(config.spans.include) : undefined;
    this.excluded = config.spans.exclude ? compileMatchProperties(config.spans.exclude) : undefined;
  }

  process(spans: Span[]): Span[] {
    const kept = spans.filter((span) => (this.included === undefined || this.included(span)) && !(this.excluded?.(span) ?? false));
    this.dropped += spans.length - kept.length;
    return kept;
  }
}

export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  kind: 'processor',
  type: 'filter',
  configSchema: filterConfigSchema,
  // As the Collector's: matches nothing, so it is refused until include or exclude is written.
  createDefaultConfig: () => ({ spans: {} }),
  create: (settings, config) => ({ kind: 'processor', processor: new FilterProcessor(settings.id.text, config) }),
};
