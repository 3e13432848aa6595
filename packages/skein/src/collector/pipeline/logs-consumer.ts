import type { Component } from '../../component/component.js';
import type { LogRecord } from '../../model/log-record.js';
import type { Consumer } from './consume-result.js';
import type { StageContext } from './span-processor.js';

/**
 * The logs side of the pipeline contracts (issue 17), beside the span side (consume-result.ts,
 * span-processor.ts): the same `ConsumeResult` answers, the same `admission()` refusal before a
 * body is read, the same split between pure processors and stateful stages, so a logs pipeline
 * obeys ARCHITECTURE decision 4 exactly as a traces pipeline does.
 */

/** Anything that takes log records: an exporter, a processor chain, a logs pipeline. */
export type LogsConsumer = Consumer<LogRecord>;

/** A pure `(records) → records` step; like `SpanProcessor`, shared Resource/scope objects are copied, never edited. */
export interface LogsProcessor {
  readonly name: string;
  process(logs: LogRecord[]): LogRecord[];
}

/** A stateful logs stage (batch, memory_limiter): answers only once what it holds is safe. */
export interface LogsStage extends LogsConsumer {
  readonly name: string;
  shutdown(): Promise<void>;
}

/** A configured processor, ready to be put into a logs pipeline. */
export type LogsPipelineStep =
  | { readonly kind: 'processor'; readonly processor: LogsProcessor }
  | { readonly kind: 'stage'; readonly name: string; connect(next: LogsConsumer, context: StageContext): LogsStage };

/** Where a logs pipeline ends: takes records and has a lifecycle. */
export interface LogsExporter extends LogsConsumer, Component {}
