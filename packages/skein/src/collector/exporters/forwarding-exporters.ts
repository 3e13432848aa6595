import { join } from 'node:path';
import type { CreateSettings, Host } from '../../component/component.js';
import type { Span } from '../../model/span.js';
import { ConfigError } from '../../model/config-error.js';
import type { Exporter, ExporterFactory } from '../pipeline/component-factories.js';
import type { ConsumeResult } from '../pipeline/consume-result.js';
import type { RetryPolicy } from '../pipeline/retry-policy.js';
import { DnsResolver, StaticResolver, type BackendResolver } from './backend-resolver.js';
import {
  loadBalancingExporterSchema,
  otlpExporterSchema,
  otlpHttpExporterSchema,
  parseExporterConfig,
  type LoadBalancedOtlpConfig,
  type LoadBalancingExporterConfig,
  type OtlpExporterConfig,
  type OtlpHttpExporterConfig,
} from './exporter-config.js';
import type { ExporterTelemetry, ManagedExporter } from './exporter-telemetry.js';
import { LoadBalancingExporter } from './load-balancing-exporter.js';
import { OtlpExporter, type SendingQueueOptions } from './otlp-exporter.js';
import { OtlpGrpcTransport } from './otlp-grpc-transport.js';
import { OtlpHttpTransport } from './otlp-http-transport.js';
import { QUEUE_RETRY_AFTER_MILLIS } from './sending-queue.js';
import { unavailable } from '../pipeline/consume-status.js';

/**
 * The factories of the forwarding exporters (`otlp`, `otlphttp`, `loadbalancing`), registered in
 * the component registry. `create` only keeps the validated config: the exporter is built at
 * `start(host)`, because its on-disk queue (if any) lives under the host's state directory.
 */

export const otlpExporterFactory: ExporterFactory<OtlpExporterConfig> = {
  kind: 'exporter',
  type: 'otlp',
  configSchema: otlpExporterSchema,
  /** Every key at its default; `endpoint`, which an empty section lacks (an error), is the local OTLP/gRPC port. */
  createDefaultConfig: () => otlpExporterSchema.parse({ endpoint: 'localhost:4317' }),
  create: (settings, config) => new HostedExporter(settings, (stateDir) => buildOtlpExporter(settings.id.text, config, settings, stateDir)),
};

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpExporterConfig> = {
  kind: 'exporter',
  type: 'otlphttp',
  configSchema: otlpHttpExporterSchema,
  /** Every key at its default; `endpoint`, which an empty section lacks (an error), is the local OTLP/HTTP port. */
  createDefaultConfig: () => otlpHttpExporterSchema.parse({ endpoint: 'http://localhost:4318' }),
  create: (settings, config) =>
    new HostedExporter(settings, (stateDir) => buildOtlpHttpExporter(settings.id.text, config, settings, stateDir)),
};

export const loadBalancingExporterFactory: ExporterFactory<LoadBalancingExporterConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  configSchema: loadBalancingExporterSchema,
  /** Every key at its default; `resolver`, which an empty section lacks (an error), is one local backend. */
  createDefaultConfig: () => loadBalancingExporterSchema.parse({ resolver: { static: { hostnames: ['localhost:4317'] } } }),
  create: (settings, config) =>
    new HostedExporter(settings, (stateDir) => buildLoadBalancingExporter(settings.id.text, config, settings, stateDir)),
};

/** What the hand-wired start-up gives a forwarding exporter (until the component registry replaces it). */
export interface ExporterContext extends ExporterTelemetry {
  /** `<data_dir>/collector-state`; undefined when running without one (no on-disk queues then). */
  readonly stateDir: string | undefined;
}

/**
 * Builds a forwarding exporter (`otlp`, `otlphttp`, `loadbalancing`, or `type/name` of one) from
 * its raw `exporters.<id>` section, for the hand-wired start-up. Nothing starts here: call `start()`
 * before traffic arrives.
 */
export function createForwardingExporter(id: string, rawConfig: unknown, context: ExporterContext): ManagedExporter {
  const parsed = parseExporterConfig(id, rawConfig);
  if (parsed.type === 'loadbalancing') return buildLoadBalancingExporter(id, parsed.config, context, () => context.stateDir);
  if (parsed.type === 'otlp') return buildOtlpExporter(id, parsed.config, context, () => context.stateDir);
  return buildOtlpHttpExporter(id, parsed.config, context, () => context.stateDir);
}

/** The host's state directory, read only when an on-disk queue needs it. */
type StateDirOf = () => string | undefined;

/** A registry exporter around one built at `start(host)`; before that, callers are told to retry. */
class HostedExporter implements Exporter {
  private exporter: ManagedExporter | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly build: (stateDir: StateDirOf) => ManagedExporter,
  ) {}

  async start(host: Host): Promise<void> {
    // Asked lazily: the host creates the state directory on first use, and only an on-disk queue needs it.
    const exporter = this.build(() => host.stateDir);
    await exporter.start();
    this.exporter = exporter;
  }

  consume(spans: Span[]): Promise<ConsumeResult> {
    if (this.exporter) return this.exporter.consume(spans);
    return Promise.resolve(unavailable(`exporter ${this.settings.id.text}: not started`, QUEUE_RETRY_AFTER_MILLIS));
  }

  async shutdown(): Promise<void> {
    await this.exporter?.shutdown();
  }
}

function buildOtlpExporter(id: string, config: OtlpExporterConfig, telemetry: ExporterTelemetry, stateDir: StateDirOf): OtlpExporter {
  const transport = new OtlpGrpcTransport({
    endpoint: config.endpoint,
    insecure: config.tls.insecure,
    ...(config.tls.ca_file !== undefined && { caFile: config.tls.ca_file }),
    insecureSkipVerify: config.tls.insecure_skip_verify,
    compression: config.compression,
    headers: config.headers,
    timeoutMillis: config.timeout,
  });
  const queue = sendingQueueOf(config.sending_queue, queueDirectory(id, config.sending_queue, stateDir));
  return new OtlpExporter(id, transport, retryPolicyOf(config.retry_on_failure), queue, telemetry);
}

function buildOtlpHttpExporter(
  id: string,
  config: OtlpHttpExporterConfig,
  telemetry: ExporterTelemetry,
  stateDir: StateDirOf,
): OtlpExporter {
  const transport = new OtlpHttpTransport({
    url: tracesUrl(config),
    encoding: config.encoding,
    compression: config.compression,
    headers: config.headers,
    timeoutMillis: config.timeout,
    maxSockets: config.sending_queue.enabled ? config.sending_queue.num_consumers : 64,
    ...(config.tls.ca_file !== undefined && { caFile: config.tls.ca_file }),
    insecureSkipVerify: config.tls.insecure_skip_verify,
  });
  const queue = sendingQueueOf(config.sending_queue, queueDirectory(id, config.sending_queue, stateDir));
  return new OtlpExporter(id, transport, retryPolicyOf(config.retry_on_failure), queue, telemetry);
}

function buildLoadBalancingExporter(
  id: string,
  config: LoadBalancingExporterConfig,
  telemetry: ExporterTelemetry,
  stateDir: StateDirOf,
): LoadBalancingExporter {
  const otlp: LoadBalancedOtlpConfig = config.protocol.otlp;
  const persistentRoot = queueDirectory(id, otlp.sending_queue, stateDir);
  const dns = config.resolver.dns;
  const resolver: BackendResolver =
    dns === undefined
      ? new StaticResolver(config.resolver.static?.hostnames ?? [])
      : new DnsResolver(
          { hostname: dns.hostname, port: dns.port, intervalMillis: dns.interval, timeoutMillis: dns.timeout },
          telemetry.logger,
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
            insecureSkipVerify: otlp.tls.insecure_skip_verify,
            compression: otlp.compression,
            headers: otlp.headers,
            timeoutMillis: otlp.timeout,
          }),
          retryPolicyOf(otlp.retry_on_failure),
          sendingQueueOf(otlp.sending_queue, queueDir),
          telemetry,
        ),
    },
    telemetry,
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
  stateDir: StateDirOf,
): string | undefined {
  if (!queue.enabled || (queue.storage === undefined && !queue.persistent)) return undefined;
  const directory = stateDir();
  if (directory === undefined) {
    const key = `exporters.${id}.sending_queue`;
    throw new ConfigError(`${key}: an on-disk queue needs a data directory, and this Skein runs without one`, key);
  }
  return join(directory, 'exporter-queues', encodeURIComponent(id));
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
