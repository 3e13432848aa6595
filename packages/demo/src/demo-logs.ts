/**
 * The demo services' logs (issue 17): the OpenTelemetry logs SDK with its OTLP/HTTP protobuf
 * exporter, sending to `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/logs` (what the exporter does by
 * default) with the same resource the spans carry. A record emitted while a span is active is
 * stamped with that span's trace and span IDs by the SDK, so Skein shows it on the span.
 */
import { logs, SeverityNumber, type AnyValueMap, type Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';

export interface DemoLogs {
  /** Sends what is buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * The process's logger provider. Not the API's global one: @skein/sdk-node's NodeSDK registers a
 * global provider without processors first (it sends no logs unless OTEL_LOGS_EXPORTER asks), and
 * the API refuses a second registration.
 */
let provider: LoggerProvider | undefined;

/** Starts the logs SDK for service `name`; services log through {@link demoLogger}. */
export function startDemoLogs(name: string, resourceAttributes: Record<string, string>): DemoLogs {
  provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': name, 'service.version': '1.0.0', ...resourceAttributes }),
    // Logs reach Skein within a second, as the demo's spans do.
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(), scheduledDelayMillis: 1_000 })],
  });
  const started = provider;
  return { shutdown: () => started.shutdown() };
}

/**
 * A service's log lines. Without {@link startDemoLogs} (untraced services, tests) they go to the
 * API's no-op logger and cost nothing.
 */
export function demoLogger(scope: string): {
  info(body: string, attributes?: AnyValueMap): void;
  warn(body: string, attributes?: AnyValueMap): void;
  error(body: string, attributes?: AnyValueMap, eventName?: string): void;
} {
  const logger = (): Logger => (provider ?? logs.getLoggerProvider()).getLogger(scope, '1.0.0');
  return {
    info: (body, attributes) =>
      logger().emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body, ...(attributes && { attributes }) }),
    warn: (body, attributes) =>
      logger().emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body, ...(attributes && { attributes }) }),
    error: (body, attributes, eventName) =>
      logger().emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body,
        ...(attributes && { attributes }),
        ...(eventName !== undefined && { eventName }),
      }),
  };
}
