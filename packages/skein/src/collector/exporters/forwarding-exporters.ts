import { join } from 'node:path';
import { DnsResolver, StaticResolver, type BackendResolver } from './backend-resolver.js';
import {
  ExporterConfigError,
  parseExporterConfig,
  type LoadBalancedOtlpConfig,
  type LoadBalancingExporterConfig,
  type OtlpHttpExporterConfig,
} from './exporter-config.js';
import { LoadBalancingExporter } from './load-balancing-exporter.js';
import type { ExporterTelemetry, ManagedExporter } from './exporter-telemetry.js';
import { OtlpExporter, type SendingQueueOptions } from './otlp-exporter.js';
import { OtlpGrpcTransport } from './otlp-grpc-transport.js';
import { OtlpHttpTransport } from './otlp-http-transport.js';
import type { RetryPolicy } from '../pipeline/retry-policy.js';

/** What the wiring gives a forwarding exporter. */
export interface ExporterContext extends ExporterTelemetry {
  /** `<data_dir>/collector-state`; undefined when running without one (no on-disk queues then). */
  readonly stateDir: string | undefined;
}

/**
 * Builds a forwarding exporter (`otlp`, `otlphttp`, `loadbalancing`, or `type/name` of one) from
 * its raw `exporters.<id>` section. Nothing starts here: call `start()` before traffic arrives.
 */
export function createForwardingExporter(id: string, rawConfig: unknown, context: ExporterContext): ManagedExporter {
  const parsed = parseExporterConfig(id, rawConfig);
  if (parsed.type === 'loadbalancing') return createLoadBalancingExporter(id, parsed.config, context);
  const { config } = parsed;
  const persistentDir = queueDirectory(id, config.sending_queue, context);
  const transport =
    parsed.type === 'otlp'
      ? new OtlpGrpcTransport({
          endpoint: parsed.config.endpoint,
          insecure: parsed.config.tls.insecure,
          ...(parsed.config.tls.ca_file !== undefined && { caFile: parsed.config.tls.ca_file }),
          compression: config.compression,
          headers: config.headers,
          timeoutMillis: config.timeout,
        })
      : new OtlpHttpTransport({
          url: tracesUrl(parsed.config),
          encoding: parsed.config.encoding,
          compression: config.compression,
          headers: config.headers,
          timeoutMillis: config.timeout,
          maxSockets: config.sending_queue.enabled ? config.sending_queue.num_consumers : 64,
          ...(parsed.config.tls.ca_file !== undefined && { caFile: parsed.config.tls.ca_file }),
          insecureSkipVerify: parsed.config.tls.insecure_skip_verify,
        });
  return new OtlpExporter(
    id,
    transport,
    retryPolicyOf(config.retry_on_failure),
    sendingQueueOf(config.sending_queue, persistentDir),
    context,
  );
}

function createLoadBalancingExporter(id: string, config: LoadBalancingExporterConfig, context: ExporterContext): LoadBalancingExporter {
  const otlp: LoadBalancedOtlpConfig = config.protocol.otlp;
  const persistentRoot = queueDirectory(id, otlp.sending_queue, context);
  const resolver: BackendResolver = config.resolver.static
    ? new StaticResolver(config.resolver.static.hostnames)
    : new DnsResolver(
        {
          hostname: config.resolver.dns!.hostname,
          port: config.resolver.dns!.port,
          intervalMillis: config.resolver.dns!.interval,
          timeoutMillis: config.resolver.dns!.timeout,
        },
        context.logger,
      );
  return new LoadBalancingExporter(
    id,
    {
      routingKey: config.routing_key,
      resolver,
      ...(persistentRoot !== undefined && { persistentRoot }),
      createBackendExporter: (endpoint, queueDir) =>
        new OtlpExporter(
          `${id}[${endpoint}]`,
          new OtlpGrpcTransport({
            endpoint,
            insecure: otlp.tls.insecure,
            ...(otlp.tls.ca_file !== undefined && { caFile: otlp.tls.ca_file }),
            compression: otlp.compression,
            headers: otlp.headers,
            timeoutMillis: otlp.timeout,
          }),
          retryPolicyOf(otlp.retry_on_failure),
          sendingQueueOf(otlp.sending_queue, queueDir),
          context,
        ),
    },
    context,
  );
}

function tracesUrl(config: OtlpHttpExporterConfig): string {
  if (config.traces_endpoint !== undefined) return config.traces_endpoint;
  return `${config.endpoint!.replace(/\/+$/, '')}/v1/traces`;
}

/** The exporter's on-disk queue directory, when `sending_queue.storage` or `.persistent` asks for one. */
function queueDirectory(
  id: string,
  queue: { enabled: boolean; storage?: string | undefined; persistent: boolean },
  context: ExporterContext,
): string | undefined {
  if (!queue.enabled || (queue.storage === undefined && !queue.persistent)) return undefined;
  if (context.stateDir === undefined) {
    throw new ExporterConfigError([
      `exporters.${id}.sending_queue: an on-disk queue needs a data directory, and this Skein runs without one`,
    ]);
  }
  return join(context.stateDir, 'exporter-queues', encodeURIComponent(id));
}

function retryPolicyOf(config: LoadBalancedOtlpConfig['retry_on_failure']): RetryPolicy {
  return {
    enabled: config.enabled,
    initialIntervalMillis: config.initial_interval,
    randomizationFactor: config.randomization_factor,
    multiplier: config.multiplier,
    maxIntervalMillis: config.max_interval,
    maxElapsedMillis: config.max_elapsed_time,
  };
}

function sendingQueueOf(config: LoadBalancedOtlpConfig['sending_queue'], persistentDir: string | undefined): SendingQueueOptions {
  return {
    enabled: config.enabled,
    numConsumers: config.num_consumers,
    queueSize: config.queue_size,
    sizer: config.sizer,
    ...(persistentDir !== undefined && { persistentDir }),
  };
}
