import { z } from 'zod';
import type { Span } from '../../model/span.js';
import { attributeActionSchema, compileActions } from './attribute-actions.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';
import { includeExcludePredicate, logIncludeExcludePredicate, matchPropertiesSchema } from './span-matcher.js';

/**
 * `attributes`: edits span attributes, as the OpenTelemetry Collector's attributes processor does
 * (actions in `attribute-actions.ts`, selection in `span-matcher.ts`). No defaults: `actions` is
 * required; without `include`/`exclude` every span is processed.
 *
 * ```yaml
 * processors:
 *   attributes/tidy:
 *     include:
 *       match_type: strict
 *       services: [checkout]
 *     actions:
 *       - { key: deployment.region, value: eu-west-1, action: insert }
 *       - { key: enduser.id, action: hash }
 *       - { pattern: ^internal\., action: delete }
 *       - { key: http.url, pattern: '^https?://[^/]+/(?<api_version>v\d+)/', action: extract }
 *       - { key: http.response.status_code, converted_type: int, action: convert }
 * ```
 */
export const attributesConfigSchema = z
  .object({
    actions: z.array(attributeActionSchema).min(1),
    include: matchPropertiesSchema.optional(),
    exclude: matchPropertiesSchema.optional(),
  })
  .strict();

export type AttributesConfig = z.output<typeof attributesConfigSchema>;

export class AttributesProcessor implements SpanProcessor {
  private readonly apply;
  private readonly selected;

  constructor(
    readonly name: string,
    config: AttributesConfig,
  ) {
    this.apply = compileActions(config.actions);
    this.selected = includeExcludePredicate(config.include, config.exclude);
  }

  /** Span attributes belong to their span: edited in place, same array returned. */
  process(spans: Span[]): Span[] {
    for (const span of spans) if (this.selected(span)) this.apply(span.attributes);
    return spans;
  }
}

export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  configSchema: attributesConfigSchema,
  // As the Collector's: no actions, refused until some are written.
  createDefaultConfig: () => ({ actions: [] }),
  create: (settings, config) => ({ kind: 'processor', processor: new AttributesProcessor(settings.id.text, config) }),
  // On log records the actions edit each record's attributes; include/exclude select records by
  // what they share with spans (services, resources, attributes, libraries); span-only criteria
  // (span names, kinds, status, duration) are a config error.
  createLogs: (settings, config) => {
    const apply = compileActions(config.actions);
    const selected = logIncludeExcludePredicate(config.include, config.exclude, `processors.${settings.id.text}`);
    return {
      kind: 'processor',
      processor: {
        name: settings.id.text,
        process: (logs) => {
          for (const log of logs) if (selected(log)) apply(log.attributes);
          return logs;
        },
      },
    };
  },
};
