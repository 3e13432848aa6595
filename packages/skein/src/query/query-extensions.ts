import { z } from 'zod';
import type { Component, ExtensionFactory, Host, ListenerAccess } from '../component/component.js';
import { endpointSchema } from '../component/endpoint.js';
import { addHealthEndpoints } from './health-endpoints.js';
import { HttpRouter } from './http-router.js';
import { withJaegerApi } from './jaeger/jaeger-routes.js';
import { addJaegerSpmApi } from './jaeger-spm-api.js';
import { addMetricsApi } from './metrics-api.js';
import { addLogsApi } from './logs-api.js';
import { addNativeApi } from './native-api.js';
import { isUiRoute, withUiAssets } from './ui-assets.js';

const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/** Jaeger's routes are matched by jaeger-routes.ts, not the router: samples the auth enumeration test knocks on. */
const JAEGER_ROUTE_SAMPLES = [
  '/api/services',
  '/api/services/frontend/operations',
  '/api/operations',
  '/api/traces',
  '/api/traces/0af7651916cd43dd8448eb211c80319c',
  '/api/dependencies',
  '/api/v3/services',
  '/api/v3/operations',
  '/api/v3/traces',
  '/api/v3/trace-summaries',
];

/**
 * Health checks answer anyone (orchestrators probe without credentials; they reveal nothing), and
 * so do the UI's page and static files, which hold no data and must load to show the login form.
 * Every API path needs `read`: the data is behind it.
 */
const queryAccess: ListenerAccess = (_method, path) =>
  HEALTH_PATHS.has(path) || isUiRoute(path) || path.startsWith('/assets/') ? 'public' : 'read';
const healthAccess: ListenerAccess = (_method, path) => (HEALTH_PATHS.has(path) ? 'public' : 'read');

/** One listener's config: where it listens (the UI and query port, 16686, by default). */
export const queryListenerConfigSchema = z.object({ endpoint: endpointSchema.default('0.0.0.0:16686') }).strict();

export type QueryListenerConfig = z.output<typeof queryListenerConfigSchema>;

const QUERY_PORT_HINT = 'set --query-port or SKEIN_QUERY_PORT';

/** `query`: the native JSON API, Jaeger's query APIs, health checks and the web UI, reading the process's trace store. */
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
      addLogsApi(router, store);
      addMetricsApi(router, store);
      addJaegerSpmApi(router, store);
      // The web UI (`/`, `/search`, `/trace/…`, `/assets/…`) is answered in front of the JSON API,
      // Jaeger's query APIs (`/api/traces`, `/api/v3/…`) beside the native one (`/api/v1/…`).
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler: withUiAssets(withJaegerApi(store, settings.logger, router.handler(settings.logger)), { logger: settings.logger }),
        description: 'the query API',
        portHint: QUERY_PORT_HINT,
        portName: 'query',
        access: queryAccess,
        routes: [
          ...router.patterns(),
          ...JAEGER_ROUTE_SAMPLES,
          '/',
          '/search',
          '/trace/0af7651916cd43dd8448eb211c80319c',
          '/assets/index.js',
        ],
      });
      settings.logger.info(`query API listening on http://${host.boundHost('query')}:${port}/api/v1`);
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
        access: healthAccess,
        routes: router.patterns(),
      });
      settings.logger.info(`health checks listening on http://${host.boundHost('query')}:${port}/healthz`);
    },
    shutdown: () => Promise.resolve(),
  }),
};
