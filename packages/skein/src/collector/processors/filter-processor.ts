import { z } from 'zod';
import type { Span } from '../../model/span.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';
import { ConfigError } from '../../model/config-error.js';
import type { LogRecord } from '../../model/log-record.js';
import type { LogsProcessor } from '../pipeline/logs-consumer.js';
import { compileLogMatchProperties, logMatchPropertiesSchema } from './log-matcher.js';
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
 * In a logs pipeline the `logs` section does the same for log records, in the Collector's
 * `logs.include` / `logs.exclude` shape (criteria: `log-matcher.ts`); one `filter` may carry both
 * sections and serve both pipelines:
 *
 * ```yaml
 *   filter/quiet:
 *     logs:
 *       include:
 *         severity_number: { min: WARN }   # keeps WARN and above
 *       exclude:
 *         match_type: regexp
 *         bodies: ['^GET /healthz']
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
      })
      .optional(),
    logs: z
      .object({
        include: logMatchPropertiesSchema.optional(),
        exclude: logMatchPropertiesSchema.optional(),
      })
      .strict()
      .refine((logs) => logs.include !== undefined || logs.exclude !== undefined, {
        message: 'logs needs include or exclude',
      })
      .optional(),
  })
  .strict()
  .refine((filter) => filter.spans !== undefined || filter.logs !== undefined, {
    message: 'filter needs spans (for a traces pipeline) or logs (for a logs pipeline)',
  });

export type FilterConfig = z.output<typeof filterConfigSchema>;

export class FilterProcessor implements SpanProcessor {
  readonly dropReason = 'filtered';
  /** Spans dropped since start. */
  dropped = 0;
  private readonly included;
  private readonly excluded;

  constructor(
    readonly name: string,
    spans: NonNullable<FilterConfig['spans']>,
  ) {
    this.included = spans.include ? compileMatchProperties(spans.include) : undefined;
    this.excluded = spans.exclude ? compileMatchProperties(spans.exclude) : undefined;
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
  create: (settings, config) => {
    if (config.spans === undefined) throw missingSection(settings.id.text, 'spans', 'traces');
    return { kind: 'processor', processor: new FilterProcessor(settings.id.text, config.spans) };
  },
  createLogs: (settings, config) => {
    if (config.logs === undefined) throw missingSection(settings.id.text, 'logs', 'logs');
    const name = settings.id.text;
    const filter = new LogsFilterProcessor(name, config.logs);
    return {
      kind: 'processor',
      processor: {
        name,
        process: (logs) => {
          const kept = filter.process(logs);
          if (kept.length < logs.length)
            settings.metrics.droppedLogRecords.inc({ processor: name, reason: 'filtered' }, logs.length - kept.length);
          return kept;
        },
      },
    };
  },
};

/** The logs form: keeps a record when it matches `include` (or there is none) and not `exclude`. */
export class LogsFilterProcessor implements LogsProcessor {
  /** Records dropped since start. */
  dropped = 0;
  private readonly included;
  private readonly excluded;

  constructor(
    readonly name: string,
    logs: NonNullable<FilterConfig['logs']>,
  ) {
    this.included = logs.include ? compileLogMatchProperties(logs.include) : undefined;
    this.excluded = logs.exclude ? compileLogMatchProperties(logs.exclude) : undefined;
  }

  process(logs: LogRecord[]): LogRecord[] {
    const kept = logs.filter((log) => (this.included === undefined || this.included(log)) && !(this.excluded?.(log) ?? false));
    this.dropped += logs.length - kept.length;
    return kept;
  }
}

function missingSection(id: string, section: 'spans' | 'logs', signal: 'traces' | 'logs'): ConfigError {
  return new ConfigError(
    `processors.${id}: a ${signal} pipeline needs ${section}.include or ${section}.exclude, and this filter has no ${section} section`,
    `processors.${id}.${section}`,
  );
}
