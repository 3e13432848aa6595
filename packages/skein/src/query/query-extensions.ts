import { z } from 'zod';
import type { Component, ExtensionFactory, Host } from '../component/component.js';
import { endpointSchema, parseEndpoint } from '../component/endpoint.js';
import { addHealthEndpoints } from './health-endpoints.js';
import { HttpRouter } from './http-router.js';
import { addJaegerSpmApi } from './jaeger-spm-api.js';
import { addMetricsApi } from './metrics-api.js';
import { addNativeApi } from './native-api.js';
import { withUiAssets } from './ui-assets.js';

/** One listener's config: where it listens (the UI and query port, 16686, by default). */
export const queryListenerConfigSchema = z.object({ endpoint: endpointSchema.default('0.0.0.0:16686') }).strict();

export type QueryListenerConfig = z.output<typeof queryListenerConfigSchema>;

const QUERY_PORT_HINT = 'set --query-port or SKEIN_QUERY_PORT';

/** `query`: the native JSON API, health checks and the web UI, reading the process's trace store. */
export const queryExtensionFactory: ExtensionFactory<QueryListenerConfig> = {
  kind: 'extension',
  type: 'query',
  configSchema: queryListenerConfigSchema,
  createDefaultConfig: () => queryListenerConfigSchema.parse({}),
  create: (settings, config): Component => ({
    async start(host: Host): Promise<void> {
      const store = await host.traceStore();
      const router = new HttpRouter();
      addHealthEndpoints(router, () => store);
      addNativeApi(router, store);
      addMetricsApi(router, store);
      addJaegerSpmApi(router, store);
      // The web UI (`/`, `/search`, `/trace/…`, `/assets/…`) is answered in front of the JSON API.
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler: withUiAssets(router.handler(settings.logger)),
        description: 'the query API',
        portHint: QUERY_PORT_HINT,
        portName: 'query',
      });
      settings.logger.info(`query API listening on http://${parseEndpoint(config.endpoint).host}:${port}/api/v1`);
    },
    shutdown: () => Promise.resolve(),
  }),
};

/**
 * `health`: `/healthz` and `/readyz` alone, for a process without the query API (the collector
 * role, on the query port as before). Ready means: the trace store answers, where one is used.
 */
export const healthExtensionFactory: ExtensionFactory<QueryListenerConfig> = {
  kind: 'extension',
  type: 'health',
  configSchema: queryListenerConfigSchema,
  createDefaultConfig: () => queryListenerConfigSchema.parse({}),
  create: (settings, config): Component => ({
    async start(host: Host): Promise<void> {
      const router = new HttpRouter();
      addHealthEndpoints(router, () => host.openedTraceStore());
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler: router.handler(settings.logger),
        description: 'health checks',
        portHint: QUERY_PORT_HINT,
        portName: 'query',
      });
      settings.logger.info(`health checks listening on http://${parseEndpoint(config.endpoint).host}:${port}/healthz`);
    },
    shutdown: () => Promise.resolve(),
  }),
};
