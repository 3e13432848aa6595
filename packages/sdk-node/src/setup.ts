import { trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { resolveConfig } from './config.js';
import type { ResolvedConfig } from './config.js';
import { registerEsmHook } from './esm-hook.js';
import { installExitHooks, settleWithin } from './exit-hooks.js';
import { createTraceExporter } from './exporter.js';
import { validateOptions } from './options.js';
import type { RegisterOptions } from './options.js';
import { createPropagator } from './propagation.js';
import { buildResource, readAppPackage } from './resource.js';
import { createSampler } from './sampling.js';

/** What `register()` hands back. */
export interface SkeinTracing {
  /** The `service.name` spans are reported under. */
  readonly serviceName: string;
  /** The settings in force after merging options and environment (for logging and tests). */
  readonly config: Readonly<ResolvedConfig>;
  /** Exports every span ended so far; the app keeps running and tracing. */
  forceFlush(): Promise<void>;
  /** Flushes and stops tracing; safe to call more than once. */
  shutdown(): Promise<void>;
}

let active: SkeinTracing | undefined;

function warn(message: string): void {
  console.warn(`@skein/sdk-node: ${message}`);
}

function instrumentationsFor(options: RegisterOptions): Instrumentation[] {
  const list: Instrumentation[] = [];
  if (options.http !== false) list.push(new HttpInstrumentation(typeof options.http === 'object' ? options.http : {}));
  if (options.fetch !== false) list.push(new UndiciInstrumentation(typeof options.fetch === 'object' ? options.fetch : {}));
  list.push(...(options.instrumentations ?? []));
  return list;
}

async function flushGlobalProvider(): Promise<void> {
  // The API hands out a proxy; the SDK's provider behind it is what can flush.
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = provider.getDelegate?.() as { forceFlush?: () => Promise<void> } | undefined;
  await delegate?.forceFlush?.();
}

/**
 * Starts tracing this process: OTLP export to Skein, W3C + B3 propagation, sampling, resource
 * detection and `http`/`https`/`fetch` instrumentation. Call it before the app loads the modules
 * it wants traced, or better use `node --import @skein/sdk-node/register app.js`.
 *
 * @throws SkeinOptionsError when an option is unusable (the message names it).
 */
export function register(options?: RegisterOptions): SkeinTracing {
  const valid = validateOptions(options);
  if (active !== undefined) {
    // Typically the side-effect import and an explicit call both ran: the first set-up stays.
    warn('tracing is already registered in this process; the new options are ignored');
    return active;
  }
  const config = resolveConfig(valid, process.env);
  for (const message of config.warnings) warn(message);
  if (process.env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') {
    // The spec's kill switch: no exporter, no instrumentation, no polling, no hooks.
    active = { serviceName: '', config, forceFlush: async () => {}, shutdown: async () => {} };
    return active;
  }

  const { resource, serviceName } = buildResource(valid, readAppPackage(process.argv[1]));
  let remoteFailureReported = false;
  const sampler = createSampler(config.sampler, serviceName, (error) => {
    // Once is enough: the endpoint may well be down for a long time, and polling goes on.
    if (remoteFailureReported) return;
    remoteFailureReported = true;
    warn(`cannot fetch sampling strategy (${error instanceof Error ? error.message : String(error)}); keeping the current sampler`);
  });
  const instrumentations = instrumentationsFor(valid);
  registerEsmHook(instrumentations);

  const sdkConfig: Partial<NodeSDKConfiguration> = {
    resource,
    autoDetectResources: false,
    traceExporter: createTraceExporter(config.protocol, config.tracesUrl, config.headers),
    sampler: sampler.sampler,
    textMapPropagator: createPropagator(config.inject, config.extractAllFormats),
    instrumentations,
  };
  // Skein stores traces only: metrics and logs stay off unless the environment asks for them,
  // otherwise NodeSDK would post them to a Skein that answers 404.
  if (process.env['OTEL_METRICS_EXPORTER'] === undefined) sdkConfig.metricReaders = [];
  if (process.env['OTEL_LOGS_EXPORTER'] === undefined) sdkConfig.logRecordProcessors = [];
  const sdk = new NodeSDK(sdkConfig);
  sdk.start();

  let stopping: Promise<void> | undefined;
  let uninstallExitHooks = (): void => {};
  const handle: SkeinTracing = {
    serviceName,
    config,
    forceFlush: () => settleWithin(flushGlobalProvider(), config.shutdownTimeoutMs),
    shutdown: () => {
      stopping ??= (async () => {
        uninstallExitHooks();
        sampler.stop();
        await sdk.shutdown();
      })();
      return stopping;
    },
  };
  if (config.shutdownOnExit) uninstallExitHooks = installExitHooks(() => handle.shutdown(), config.shutdownTimeoutMs);
  active = handle;
  return handle;
}
