import { z } from 'zod';
import type { Resource, Span } from '../../model/span.js';
import { attributeActionSchema, compileActions } from './attribute-actions.js';
import type { ProcessorFactory } from '../pipeline/component-factories.js';
import type { SpanProcessor } from '../pipeline/span-processor.js';

/**
 * `resource`: the attributes actions (see `attribute-actions.ts`) on resource attributes, as the
 * OpenTelemetry Collector's resource processor. No defaults: `attributes` is required.
 *
 * ```yaml
 * processors:
 *   resource:
 *     attributes:
 *       - { key: deployment.environment, value: production, action: upsert }
 *       - { key: host.ip, action: delete }
 * ```
 *
 * Resources are shared (by the spans of one request, and possibly by other pipelines fed the same
 * batch), so they are copy-on-write: each distinct Resource object is transformed once per batch,
 * and when that changes it, its spans point at one new Resource (keeping them grouped together);
 * the original object is never touched.
 */
export const resourceConfigSchema = z
  .object({
    attributes: z.array(attributeActionSchema).min(1),
  })
  .strict();

export type ResourceConfig = z.output<typeof resourceConfigSchema>;

export class ResourceProcessor implements SpanProcessor {
  private readonly apply;

  constructor(
    readonly name: string,
    config: ResourceConfig,
  ) {
    this.apply = compileActions(config.attributes);
  }

  process(spans: Span[]): Span[] {
    const replaced = new Map<Resource, Resource>();
    for (const span of spans) {
      let next = replaced.get(span.resource);
      if (next === undefined) {
        next = this.transform(span.resource);
        replaced.set(span.resource, next);
      }
      span.resource = next;
    }
    return spans;
  }

  private transform(resource: Resource): Resource {
    const attributes = resource.attributes.slice();
    return this.apply(attributes) ? { ...resource, attributes } : resource;
  }
}

export const resourceProcessorFactory: ProcessorFactory<ResourceConfig> = {
  kind: 'processor',
  type: 'resource',
  configSchema: resourceConfigSchema,
  // As the Collector's: no actions, refused until some are written.
  createDefaultConfig: () => ({ attributes: [] }),
  create: (settings, config) => ({ kind: 'processor', processor: new ResourceProcessor(settings.id.text, config) }),
};
