/** The span processors a pipeline can be configured with, by their Collector type name. */
import { attributesProcessorFactory, type AttributesConfig } from './attributes-processor.js';
import { batchProcessorFactory, type BatchConfig } from './batch-processor.js';
import { filterProcessorFactory, type FilterConfig } from './filter-processor.js';
import { memoryLimiterProcessorFactory, type MemoryLimiterConfig } from './memory-limiter-processor.js';
import { probabilisticSamplerProcessorFactory, type ProbabilisticSamplerConfig } from './probabilistic-sampler-processor.js';
import { redactionProcessorFactory, type RedactionConfig } from './redaction-processor.js';
import { resourceProcessorFactory, type ResourceConfig } from './resource-processor.js';
import type { PipelineStep, ProcessorFactory, SpanProcessor, SpanStage, StageContext } from '../pipeline/span-processor.js';
import { tailSamplingProcessorFactory } from '../sampling/tail-sampling-stage.js';

export type { PipelineStep, ProcessorFactory, SpanProcessor, SpanStage, StageContext };
export type {
  AttributesConfig,
  BatchConfig,
  FilterConfig,
  MemoryLimiterConfig,
  ProbabilisticSamplerConfig,
  RedactionConfig,
  ResourceConfig,
};
export { AttributesProcessor } from './attributes-processor.js';
export { BatchProcessor } from './batch-processor.js';
export { FilterProcessor } from './filter-processor.js';
export { MemoryLimiterProcessor } from './memory-limiter-processor.js';
export { ProbabilisticSamplerProcessor } from './probabilistic-sampler-processor.js';
export { RedactionProcessor } from './redaction-processor.js';
export { ResourceProcessor } from './resource-processor.js';

export const PROCESSOR_FACTORIES: Readonly<Record<string, ProcessorFactory<unknown>>> = {
  [attributesProcessorFactory.type]: attributesProcessorFactory,
  [resourceProcessorFactory.type]: resourceProcessorFactory,
  [redactionProcessorFactory.type]: redactionProcessorFactory,
  [filterProcessorFactory.type]: filterProcessorFactory,
  [probabilisticSamplerProcessorFactory.type]: probabilisticSamplerProcessorFactory,
  [batchProcessorFactory.type]: batchProcessorFactory,
  [memoryLimiterProcessorFactory.type]: memoryLimiterProcessorFactory,
  [tailSamplingProcessorFactory.type]: tailSamplingProcessorFactory,
};

/**
 * Builds a processor from its config id (`type` or `type/name`, as in Collector YAML) and raw
 * YAML section; a bad config throws naming the processor and the offending key. A stateful stage
 * is only configured here (no timers, no files): it starts when the pipeline connects it.
 */
export function createPipelineStep(id: string, rawConfig: unknown): PipelineStep {
  const type = id.split('/', 1)[0]!;
  const factory = PROCESSOR_FACTORIES[type];
  if (!factory)
    throw new Error(`processors.${id}: unknown processor type "${type}" (known: ${Object.keys(PROCESSOR_FACTORIES).join(', ')})`);
  const parsed = factory.configSchema.safeParse(rawConfig ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `processors.${id}${issue.path.map((part) => `.${String(part)}`).join('')}: ${issue.message}`,
    );
    throw new Error(problems.join('; '));
  }
  const config = parsed.data;
  if ('createStage' in factory) {
    return { kind: 'stage', name: id, connect: (next, context) => factory.createStage(id, config, next, context) };
  }
  return { kind: 'processor', processor: factory.create(id, config) };
}

/** As {@link createPipelineStep}, for a pure processor type (tests, benchmarks). */
export function createProcessor(id: string, rawConfig: unknown): SpanProcessor {
  const step = createPipelineStep(id, rawConfig);
  if (step.kind === 'stage') throw new Error(`processors.${id}: is a stateful stage; connect it with createPipelineStep`);
  return step.processor;
}
