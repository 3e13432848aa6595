import type { ComponentKind, ExtensionFactory } from '../component/component.js';
import { loadBalancingExporterFactory, otlpExporterFactory, otlpHttpExporterFactory } from '../collector/exporters/forwarding-exporters.js';
import { storageExporterFactory } from '../collector/exporters/storage-exporter-factory.js';
import type { ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory } from '../collector/pipeline/component-factories.js';
import { metricsTapProcessorFactory } from '../collector/metrics/metrics-tap.js';
import { attributesProcessorFactory } from '../collector/processors/attributes-processor.js';
import { batchProcessorFactory } from '../collector/processors/batch-processor.js';
import { filterProcessorFactory } from '../collector/processors/filter-processor.js';
import { memoryLimiterProcessorFactory } from '../collector/processors/memory-limiter-processor.js';
import { probabilisticSamplerProcessorFactory } from '../collector/processors/probabilistic-sampler-processor.js';
import { redactionProcessorFactory } from '../collector/processors/redaction-processor.js';
import { resourceProcessorFactory } from '../collector/processors/resource-processor.js';
import { otlpReceiverFactory } from '../collector/receivers/otlp-receiver-factory.js';
import { zipkinReceiverFactory } from '../collector/receivers/zipkin-receiver-factory.js';
import { kafkaReceiverFactory } from '../collector/receivers/kafka-receiver.js';
import { kafkaExporterFactory } from '../collector/exporters/kafka-exporter.js';
import { tailSamplingProcessorFactory } from '../collector/sampling/tail-sampling-stage.js';
import { healthExtensionFactory, queryExtensionFactory } from '../query/query-extensions.js';
import { samplingExtensionFactory } from '../query/sampling/sampling-extension.js';
import { tempoExtensionFactory } from '../query/tempo/tempo-extension.js';
import { zipkinApiExtensionFactory } from '../query/zipkin/zipkin-extension.js';

/**
 * The component registry (docs/architecture.md, "Component registry"): every factory Skein has,
 * one line each, by kind. The config loader looks a YAML id's type up here; adding a component is
 * writing its factory beside its code and adding its line.
 */

/** A factory of any kind, as the config loader and the service graph handle them. */
export type AnyFactory =
  ReceiverFactory<unknown> | ProcessorFactory<unknown> | ExporterFactory<unknown> | ConnectorFactory<unknown> | ExtensionFactory<unknown>;

const RECEIVERS = [
  otlpReceiverFactory, //
  zipkinReceiverFactory,
  kafkaReceiverFactory,
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
  metricsTapProcessorFactory,
];

const EXPORTERS = [
  storageExporterFactory,
  otlpExporterFactory,
  otlpHttpExporterFactory,
  loadBalancingExporterFactory,
  kafkaExporterFactory,
];

const CONNECTORS: readonly ConnectorFactory<unknown>[] = [];

const EXTENSIONS = [
  queryExtensionFactory, //
  healthExtensionFactory,
  zipkinApiExtensionFactory,
  samplingExtensionFactory,
  tempoExtensionFactory,
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
