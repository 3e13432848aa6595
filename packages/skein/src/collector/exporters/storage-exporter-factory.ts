import { z } from 'zod';
import { durationMillisSchema } from '../../model/duration-schema.js';
import type { Host } from '../../component/component.js';
import type { LogRecord } from '../../model/log-record.js';
import type { Span } from '../../model/span.js';
import type { LogsExporter } from '../pipeline/logs-consumer.js';
import type { Exporter, ExporterFactory } from '../pipeline/component-factories.js';
import type { AdmissionRequest, ConsumeResult } from '../pipeline/consume-result.js';
import { StorageExporter } from './storage-exporter.js';
import { limitingTraceSize, TraceSizeLimit } from './trace-size-limit.js';

const positiveInt = z.number().int().positive();

/** `storage`: writes to the process's trace store (the top-level `storage` section says which). */
export const storageExporterConfigSchema = z
  .object({
    max_batch_spans: positiveInt.default(20_000),
    max_queued_spans: positiveInt.default(200_000),
    max_concurrent_writes: positiveInt.max(64).default(1),
    retry_after_millis: positiveInt.default(1_000),
    // A request's insert starts within this or the request is refused (429 / RESOURCE_EXHAUSTED) at
    // once (0: no bound). With inserts sized to about 1 s (storage-exporter.ts), an answer comes
    // within about 3 s: inside the Collector's 5 s and the OTel SDKs' 10 s export timeouts, so no
    // sender times out waiting and resends what Skein later stores.
    max_queue_wait: durationMillisSchema.default(2_000),
  })
  .strict();

export type StorageExporterConfig = z.output<typeof storageExporterConfigSchema>;

export const storageExporterFactory: ExporterFactory<StorageExporterConfig> = {
  kind: 'exporter',
  type: 'storage',
  configSchema: storageExporterConfigSchema,
  createDefaultConfig: () => storageExporterConfigSchema.parse({}),
  create: (settings, config): Exporter => {
    // The store is opened in start(), through the host: a process without a storage exporter (a
    // forwarding collector) never opens it, so never loads chDB.
    let exporter: StorageExporter | undefined;
    // Spans pass the tenants' max_spans_per_trace (when any tenant has one) before the write queue.
    let consume: ((spans: Span[]) => Promise<ConsumeResult>) | undefined;
    let lastLoggedAt = 0;
    return {
      async start(host: Host): Promise<void> {
        const started = new StorageExporter(await host.traceStore(), {
          maxBatchSpans: config.max_batch_spans,
          maxQueuedSpans: config.max_queued_spans,
          maxConcurrentWrites: config.max_concurrent_writes,
          retryAfterMillis: config.retry_after_millis,
          ...(config.max_queue_wait > 0 && { maxQueueWaitMillis: config.max_queue_wait }),
          metrics: settings.metrics,
        });
        exporter = started;
        consume = host.maxSpansPerTrace
          ? limitingTraceSize(started, new TraceSizeLimit(host.maxSpansPerTrace), settings.metrics, (refusal) => {
              // One line per 10 s at most: a runaway trace refuses spans in every request.
              const now = Date.now();
              if (now - lastLoggedAt < 10_000) return;
              lastLoggedAt = now;
              host.logger.warn(`storage: ${refusal.message}`);
            })
          : (spans) => started.consume(spans);
      },
      consume(spans: Span[]): Promise<ConsumeResult> {
        if (!consume) return Promise.resolve({ outcome: 'failure', message: `exporter ${settings.id.text} is not started` });
        return consume(spans);
      },
      admission: (request?: AdmissionRequest) => exporter?.admission(request),
      shutdown: async () => {
        await exporter?.shutdown();
      },
    };
  },
  // Logs (issue 17) go through their own queue with the same bounds and answers into the same
  // store; its counters are span-named, so they count spans only.
  createLogs: (settings, config): LogsExporter => {
    let exporter: StorageExporter<LogRecord> | undefined;
    return {
      async start(host: Host): Promise<void> {
        exporter = new StorageExporter<LogRecord>(
          await host.traceStore(),
          {
            maxBatchSpans: config.max_batch_spans,
            maxQueuedSpans: config.max_queued_spans,
            maxConcurrentWrites: config.max_concurrent_writes,
            retryAfterMillis: config.retry_after_millis,
            ...(config.max_queue_wait > 0 && { maxQueueWaitMillis: config.max_queue_wait }),
          },
          (store, logs) => store.writeLogs(logs),
        );
      },
      consume(logs: LogRecord[]): Promise<ConsumeResult> {
        if (!exporter) return Promise.resolve({ outcome: 'failure', message: `exporter ${settings.id.text} (logs) is not started` });
        return exporter.consume(logs);
      },
      admission: (request?: AdmissionRequest) => exporter?.admission(request),
      shutdown: async () => {
        await exporter?.shutdown();
      },
    };
  },
};
