import type { LogRecord } from '../../model/log-record.js';
import { CONSUME_SUCCESS, type AdmissionRequest, type ConsumeResult } from './consume-result.js';
import type { LogsConsumer, LogsPipelineStep, LogsProcessor, LogsStage } from './logs-consumer.js';
import type { StageContext } from './span-processor.js';

/**
 * A logs pipeline (`service.pipelines.logs`): processors in configured order, then every
 * exporter, built as `TracePipeline` is (stages wrap everything after them; runs of pure
 * processors become one consumer; the first exporter that did not take a batch decides the answer).
 */
export class LogsPipeline implements LogsConsumer {
  private readonly head: LogsConsumer;
  private readonly stages: LogsStage[] = [];

  constructor(exporters: readonly LogsConsumer[], steps: readonly LogsPipelineStep[], context: StageContext) {
    if (exporters.length === 0) throw new Error('a logs pipeline needs at least one exporter');
    let next: LogsConsumer = exporters.length === 1 ? exporters[0]! : fanOutLogs(exporters, false);
    let pure: LogsProcessor[] = [];
    const flushPure = (): void => {
      if (pure.length > 0) next = processorRun(pure, next);
      pure = [];
    };
    for (const step of [...steps].reverse()) {
      if (step.kind === 'processor') {
        pure.unshift(step.processor);
        continue;
      }
      flushPure();
      const stage = step.connect(next, context);
      this.stages.unshift(stage);
      next = stage;
    }
    flushPure();
    this.head = next;
  }

  consume(logs: LogRecord[]): Promise<ConsumeResult> {
    return this.head.consume(logs);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.head.admission?.(request);
  }

  /** Stops stateful stages front to back, so each one's last records reach the stages after it. */
  async shutdown(): Promise<void> {
    for (const stage of this.stages) await stage.shutdown();
  }
}

function processorRun(processors: readonly LogsProcessor[], next: LogsConsumer): LogsConsumer {
  return {
    consume(input: LogRecord[]): Promise<ConsumeResult> {
      let logs = input;
      for (const processor of processors) {
        logs = processor.process(logs);
        // Everything filtered out: delivered, as far as the sender is concerned.
        if (logs.length === 0) return Promise.resolve(CONSUME_SUCCESS);
      }
      return next.consume(logs);
    },
    admission: (request?: AdmissionRequest) => next.admission?.(request),
  };
}

/**
 * Feeds every consumer (a pipeline's exporters, or the logs pipelines one receiver is in); the
 * answer is the first that is not a success. Processors edit records in place, so when the
 * consumers are pipelines (`copies`), each but the last gets its own copy; exporters only read.
 */
export function fanOutLogs(consumers: readonly LogsConsumer[], copies: boolean): LogsConsumer {
  if (consumers.length === 1) return consumers[0]!;
  return {
    async consume(logs: LogRecord[]): Promise<ConsumeResult> {
      const results = await Promise.all(
        consumers.map((consumer, index) => consumer.consume(!copies || index === consumers.length - 1 ? logs : structuredClone(logs))),
      );
      return results.find((result) => result.outcome !== 'success') ?? CONSUME_SUCCESS;
    },
    admission(request?: AdmissionRequest): ConsumeResult | undefined {
      for (const consumer of consumers) {
        const refusal = consumer.admission?.(request);
        if (refusal !== undefined) return refusal;
      }
      return undefined;
    },
  };
}
