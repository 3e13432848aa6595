import { parseComponentConfig } from '../../src/cli/config.js';
import type { ProcessorFactory } from '../../src/collector/pipeline/component-factories.js';
import type { LogsPipelineStep, LogsProcessor } from '../../src/collector/pipeline/logs-consumer.js';
import type { PipelineStep, SpanProcessor } from '../../src/collector/pipeline/span-processor.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';

/**
 * Builds a processor step the way the service graph does: the id's type looked up in the component
 * registry, the raw section validated by the factory's schema (errors as the config loader reports
 * them), then `create`. A stateful stage is only configured here: it starts when connected.
 */
export function createPipelineStep(idText: string, rawConfig: unknown): PipelineStep {
  const { id, factory, config } = parseComponentConfig('processor', idText, rawConfig);
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return (factory as ProcessorFactory<unknown>).create({ id, logger: silent, metrics: new SkeinMetrics() }, config);
}

/** As {@link createPipelineStep}, for a pure processor type. */
export function createProcessor(idText: string, rawConfig: unknown): SpanProcessor {
  const step = createPipelineStep(idText, rawConfig);
  if (step.kind === 'stage') throw new Error(`processors.${idText}: is a stateful stage; connect it with createPipelineStep`);
  return step.processor;
}

/** As {@link createPipelineStep}, for the logs form (`createLogs`) of a processor type. */
export function createLogsPipelineStep(idText: string, rawConfig: unknown): LogsPipelineStep {
  const { id, factory, config } = parseComponentConfig('processor', idText, rawConfig);
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const createLogs = (factory as ProcessorFactory<unknown>).createLogs;
  if (createLogs === undefined) throw new Error(`processors.${idText}: has no logs form`);
  return createLogs({ id, logger: silent, metrics: new SkeinMetrics() }, config);
}

/** As {@link createProcessor}, for the logs form of a pure processor type. */
export function createLogsProcessor(idText: string, rawConfig: unknown): LogsProcessor {
  const step = createLogsPipelineStep(idText, rawConfig);
  if (step.kind === 'stage') throw new Error(`processors.${idText}: is a stateful stage; connect it with createLogsPipelineStep`);
  return step.processor;
}
