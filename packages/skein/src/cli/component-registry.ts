import { z } from 'zod';
import type { ComponentKind, ExtensionFactory, Host } from '../component/component.js';
import { createForwardingExporter } from '../collector/exporters/forwarding-exporters.js';
import { loadBalancingExporterSchema, otlpExporterSchema, otlpHttpExporterSchema } from '../collector/exporters/exporter-config.js';
import type { ManagedExporter } from '../collector/exporters/otlp-exporter.js';
import { storageExporterFactory } from '../collector/exporters/storage-exporter-factory.js';
import type {
  ConnectorFactory,
  Exporter,
  ExporterFactory,
  ProcessorFactory,
  ReceiverFactory,
} from '../collector/pipeline/component-factories.js';
import { attributesProcessorFactory } from '../collector/processors/attributes-processor.js';
import { batchProcessorFactory } from '../collector/processors/batch-processor.js';
import { filterProcessorFactory } from '../collector/processors/filter-processor.js';
import { memoryLimiterProcessorFactory } from '../collector/processors/memory-limiter-processor.js';
import { probabilisticSamplerProcessorFactory } from '../collector/processors/probabilistic-sampler-processor.js';
import { redactionProcessorFactory } from '../collector/processors/redaction-processor.js';
import { resourceProcessorFactory } from '../collector/processors/resource-processor.js';
import { otlpReceiverFactory } from '../collector/receivers/otlp-receiver-factory.js';
import { zipkinReceiverFactory } from '../collector/receivers/zipkin-receiver-factory.js';
import type { TailSamplingConfig } from '../collector/sampling/tail-sampling-config.js';
import { tailSamplingProcessorFactory as legacyTailSamplingFactory } from '../collector/sampling/tail-sampling-stage.js';
import { healthExtensionFactory, queryExtensionFactory } from '../query/query-extensions.js';

/**
 * The component registry (docs/architecture.md, "Component registry"): every factory Skein has,
 * one line each, by kind. The config loader looks a YAML id's type up here; adding a component is
 * writing its factory beside its code and adding its line.
 */

/** A factory of any kind, as the config loader and the service graph handle them. */
export type AnyFactory =
  ReceiverFactory<unknown> | ProcessorFactory<unknown> | ExporterFactory<unknown> | ConnectorFactory<unknown> | ExtensionFactory<unknown>;

// ---- Adapters to replace at merge (marked MERGE) -------------------------------------------------
// MERGE(H3): replace by otlpExporterFactory, otlpHttpExporterFactory, loadBalancingExporterFactory from
// collector/exporters/forwarding-exporters.ts. They validate with today's schemas and build today's
// exporter through createForwardingExporter in start(), when the host's state directory is known.
function forwardingExporterAdapter(type: string, schema: z.ZodType): ExporterFactory<unknown> {
  return {
    kind: 'exporter',
    type,
    // Validated here with the exporter's own schema; the raw section is kept, as
    // createForwardingExporter parses it itself.
    configSchema: z.unknown().superRefine((raw, context) => {
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) for (const issue of parsed.error.issues) context.addIssue({ ...issue } as never);
    }),
    createDefaultConfig: () => ({}),
    create: (settings, raw): Exporter => {
      let exporter: ManagedExporter | undefined;
      return {
        async start(host: Host): Promise<void> {
          exporter = createForwardingExporter(settings.id.text, raw, {
            metrics: settings.metrics,
            logger: settings.logger,
            get stateDir() {
              return host.stateDir;
            },
          });
          await exporter.start();
        },
        consume: (spans) =>
          exporter
            ? exporter.consume(spans)
            : Promise.resolve({ outcome: 'failure', message: `exporter ${settings.id.text} is not started` }),
        shutdown: async () => {
          await exporter?.shutdown();
        },
      };
    },
  };
}

// MERGE(H4): replace by tailSamplingProcessorFactory of collector/sampling/tail-sampling-stage.ts once
// it conforms to ProcessorFactory; then delete the legacy ProcessorFactory of span-processor.ts.
const tailSamplingProcessorFactory: ProcessorFactory<TailSamplingConfig> = {
  kind: 'processor',
  type: legacyTailSamplingFactory.type,
  configSchema: legacyTailSamplingFactory.configSchema,
  // As the Collector's: no policies, refused until some are written.
  createDefaultConfig: () => ({
    ...legacyTailSamplingFactory.configSchema.parse({ policies: [{ name: 'default', type: 'always_sample' }] }),
    policies: [],
  }),
  create: (settings, config) => ({
    kind: 'stage',
    name: settings.id.text,
    connect: (next, context) => legacyTailSamplingFactory.createStage(settings.id.text, config, next, context),
  }),
};
// ---- end of adapters ----------------------------------------------------------------------------

const RECEIVERS = [
  otlpReceiverFactory, //
  zipkinReceiverFactory,
];

const PROCESSORS = [
  attributesProcessorFactory,
  resourceProcessorFactory,
  redactionProcessorFactory,
  filterProcessorFactory,
  probabilisticSamplerProcessorFactory,
  batchProcessorFactory,
  memoryLimiterProcessorFactory,
  tailSamplingProcessorFactory,
];

const EXPORTERS = [
  storageExporterFactory,
  forwardingExporterAdapter('otlp', otlpExporterSchema),
  forwardingExporterAdapter('otlphttp', otlpHttpExporterSchema),
  forwardingExporterAdapter('loadbalancing', loadBalancingExporterSchema),
];

const CONNECTORS: readonly ConnectorFactory<unknown>[] = [];

const EXTENSIONS = [
  queryExtensionFactory, //
  healthExtensionFactory,
];

/** Other spellings of a type, as the Collector accepts them (it renamed `loadbalancing`). */
const TYPE_ALIASES: Readonly<Record<string, string>> = { load_balancing: 'loadbalancing' };

const BY_KIND: Readonly<Record<ComponentKind, readonly AnyFactory[]>> = {
  // Each factory's config type is its own; past the registry, configs are what its schema returned.
  receiver: RECEIVERS as readonly unknown[] as readonly AnyFactory[],
  processor: PROCESSORS as readonly unknown[] as readonly AnyFactory[],
  exporter: EXPORTERS as readonly unknown[] as readonly AnyFactory[],
  connector: CONNECTORS,
  extension: EXTENSIONS as readonly unknown[] as readonly AnyFactory[],
};

/** The factory of `type` for `kind`, or undefined when Skein has none. */
export function factoryOf(kind: ComponentKind, type: string): AnyFactory | undefined {
  const canonical = TYPE_ALIASES[type] ?? type;
  return BY_KIND[kind].find((factory) => factory.type === canonical);
}

/** The types of `kind` Skein knows, for "unknown type" messages. */
export function knownTypes(kind: ComponentKind): string[] {
  return BY_KIND[kind].map((factory) => factory.type);
}
