import type { Component, ComponentFactory, CreateSettings } from '../../component/component.js';
import type { SpanConsumer } from './consume-result.js';
import type { LogsConsumer, LogsExporter, LogsPipelineStep } from './logs-consumer.js';
import type { PipelineStep } from './span-processor.js';

/** The signals a pipeline carries (`service.pipelines.traces…`, `service.pipelines.logs…`). */
export type PipelineSignal = 'traces' | 'logs';

/**
 * The span-side factories of the component registry (docs/architecture.md, "Component registry").
 * Each component folder exports one of these beside its code; `cli/component-registry.ts` lists
 * them; the config loader validates each YAML section with the factory's `configSchema`; the service
 * graph builds pipelines from `service.pipelines` and starts them exporters-first, receivers-last.
 */

/**
 * A receiver: listens (through the host) and feeds what it decodes to `next`, the traces pipelines
 * it is in. One that takes logs too lists 'logs' in `signals` and gets `logs`, the logs pipelines
 * it is in (undefined when it is in none: it then refuses logs as a path it does not serve).
 */
export interface ReceiverFactory<C> extends ComponentFactory<C> {
  readonly kind: 'receiver';
  /** What it can receive (absent: traces only). */
  readonly signals?: readonly PipelineSignal[];
  create(settings: CreateSettings, config: C, next: SpanConsumer, logs?: LogsConsumer): Component;
}

/**
 * A processor: a pure `SpanProcessor` or a stateful `SpanStage`, as a `PipelineStep` the pipeline
 * connects. Building one starts nothing (no timers, no files): a stage starts when connected.
 */
export interface ProcessorFactory<C> extends ComponentFactory<C> {
  readonly kind: 'processor';
  create(settings: CreateSettings, config: C): PipelineStep;
  /** The same processor in a logs pipeline; absent when it has no meaning for logs (the config loader says so). */
  createLogs?(settings: CreateSettings, config: C): LogsPipelineStep;
}

/** Where a pipeline ends: takes spans (answering with a `ConsumeResult`) and has a lifecycle. */
export interface Exporter extends SpanConsumer, Component {}

export interface ExporterFactory<C> extends ComponentFactory<C> {
  readonly kind: 'exporter';
  create(settings: CreateSettings, config: C): Exporter;
  /** The exporter of a logs pipeline; absent when it cannot take logs (the config loader says so). */
  createLogs?(settings: CreateSettings, config: C): LogsExporter;
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
