import type { Component, ComponentFactory, CreateSettings } from '../../component/component.js';
import type { SpanConsumer } from './consume-result.js';
import type { PipelineStep } from './span-processor.js';

/**
 * The span-side factories of the component registry (docs/architecture.md, "Component registry").
 * Each component folder exports one of these beside its code; `cli/component-registry.ts` lists
 * them; the config loader validates each YAML section with the factory's `configSchema`; the service
 * graph builds pipelines from `service.pipelines` and starts them exporters-first, receivers-last.
 */

/** A receiver: listens (through the host) and feeds what it decodes to `next`, the pipelines it is in. */
export interface ReceiverFactory<C> extends ComponentFactory<C> {
  readonly kind: 'receiver';
  create(settings: CreateSettings, config: C, next: SpanConsumer): Component;
}

/**
 * A processor: a pure `SpanProcessor` or a stateful `SpanStage`, as a `PipelineStep` the pipeline
 * connects. Building one starts nothing (no timers, no files): a stage starts when connected.
 */
export interface ProcessorFactory<C> extends ComponentFactory<C> {
  readonly kind: 'processor';
  create(settings: CreateSettings, config: C): PipelineStep;
}

/** Where a pipeline ends: takes spans (answering with a `ConsumeResult`) and has a lifecycle. */
export interface Exporter extends SpanConsumer, Component {}

export interface ExporterFactory<C> extends ComponentFactory<C> {
  readonly kind: 'exporter';
  create(settings: CreateSettings, config: C): Exporter;
}

/**
 * A connector: the exporter of one pipeline and the receiver of another (the Collector's
 * connectors), e.g. a tap that turns every span into metrics before sampling. `next` is what the
 * pipelines it feeds consume.
 */
export interface ConnectorFactory<C> extends ComponentFactory<C> {
  readonly kind: 'connector';
  create(settings: CreateSettings, config: C, next: SpanConsumer): Exporter;
}
