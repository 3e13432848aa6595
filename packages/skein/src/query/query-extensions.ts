import { join } from 'node:path';
import { z } from 'zod';
import type { Component, ExtensionFactory, Host, ListenerAccess } from '../component/component.js';
import { endpointSchema } from '../component/endpoint.js';
import { ADMIN_TOKENS_PATH, addAdminTokenApi } from './admin-token-api.js';
import { AlertEvaluator } from './alerts/alert-evaluator.js';
import { AlertNotifier } from './alerts/alert-notifier.js';
import { alertsConfigSchema } from './alerts/alerts-config.js';
import { ALERTS_PREFIX, withAlertsApi } from './alerts/alerts-api.js';
import { addAnalysisApi } from './analysis/analysis-api.js';
import { addLatencyChangeApi } from './analysis/latency-change-api.js';
import { addHealthEndpoints } from './health-endpoints.js';
import { HttpRouter } from './http-router.js';
import { withJaegerApi } from './jaeger/jaeger-routes.js';
import { addJaegerSpmApi } from './jaeger-spm-api.js';
import { addMetricsApi } from './metrics-api.js';
import { MCP_PATH, withMcp } from './mcp/mcp-route.js';
import { addLogsApi } from './logs-api.js';
import { addNativeApi } from './native-api.js';
import { tempoApiRouter } from './tempo/tempo-extension.js';
import { tempoPatternsAt, withTempoApiAt } from './tempo/tempo-mount.js';
import { isUiRoute, withUiAssets } from './ui-assets.js';

/** Where the query port answers Tempo's API (for the UI's TraceQL box): `/tempo/api/search` … */
export const TEMPO_PREFIX_ON_QUERY_PORT = '/tempo';

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
 * Every API path needs `read`: the data is behind it; managing tokens needs `admin`.
 */
const queryAccess: ListenerAccess = (method, path) =>
  HEALTH_PATHS.has(path) || isUiRoute(path) || path.startsWith('/assets/')
    ? 'public'
    : path === ADMIN_TOKENS_PATH || path.startsWith(`${ADMIN_TOKENS_PATH}/`)
      ? 'admin'
      : path.startsWith(`${ALERTS_PREFIX}/`) && method !== 'GET' && method !== 'HEAD'
        ? 'admin' // changing alert rules and silences: what notifications go out
        : 'read';
const healthAccess: ListenerAccess = (_method, path) => (HEALTH_PATHS.has(path) ? 'public' : 'read');

/** One listener's config: where it listens (the UI and query port, 16686, by default). */
export const queryListenerConfigSchema = z.object({ endpoint: endpointSchema.default('0.0.0.0:16686') }).strict();

/** The query extension's config: its listener, and alerting (alerts/alerts-config.ts, docs/alerts.md). */
export const queryConfigSchema = queryListenerConfigSchema.extend({ alerts: alertsConfigSchema.optional() }).strict();

export type QueryConfig = z.output<typeof queryConfigSchema>;

export type QueryListenerConfig = z.output<typeof queryListenerConfigSchema>;

const QUERY_PORT_HINT = 'set --query-port or SKEIN_QUERY_PORT';

/** `query`: the native JSON API, Jaeger's query APIs, health checks and the web UI, reading the process's trace store. */
export const queryExtensionFactory: ExtensionFactory<QueryConfig> = {
  kind: 'extension',
  type: 'query',
  configSchema: queryConfigSchema,
  createDefaultConfig: () => queryConfigSchema.parse({}),
  create: (settings, config): Component => {
    // Without an `alerts` section: no config rules or notifiers, API rules still evaluated.
    const alerts = config.alerts ?? alertsConfigSchema.parse({});
    let evaluator: AlertEvaluator | undefined;
    return {
      async start(host: Host): Promise<void> {
        const store = await host.traceStore();
        const router = new HttpRouter();
        addHealthEndpoints(router, () => store);
        addNativeApi(router, store);
        addLogsApi(router, store);
        addAnalysisApi(router, store);
        addLatencyChangeApi(router, store);
        addMetricsApi(router, store);
        addJaegerSpmApi(router, store);
        const tempo = tempoApiRouter(store);
        addAdminTokenApi(router, store);
        // The web UI (`/`, `/search`, `/trace/…`, `/assets/…`) is answered in front of the JSON API,
        // Jaeger's query APIs (`/api/traces`, `/api/v3/…`) beside the native one (`/api/v1/…`),
        // Tempo's (`/tempo/api/…`, the TraceQL box's) beside them; the MCP endpoint (`/mcp`,
        // mcp/mcp-route.ts) and the alerts API in front of all of them.
        const api = withTempoApiAt(TEMPO_PREFIX_ON_QUERY_PORT, tempo, settings.logger, router.handler(settings.logger));
        const port = await host.listenHttp({
          endpoint: config.endpoint,
          handler: withMcp(
            store,
            settings.logger,
            withAlertsApi(
              store,
              alerts,
              settings.logger,
              withUiAssets(withJaegerApi(store, settings.logger, api), { logger: settings.logger }),
            ),
          ),
          description: 'the query API',
          portHint: QUERY_PORT_HINT,
          portName: 'query',
          access: queryAccess,
          routes: [
            ...router.patterns(),
            ...JAEGER_ROUTE_SAMPLES,
            ...tempoPatternsAt(TEMPO_PREFIX_ON_QUERY_PORT, tempo),
            MCP_PATH,
            `${ALERTS_PREFIX}/rules`,
            `${ALERTS_PREFIX}/rules/:id`,
            `${ALERTS_PREFIX}/rules/:id/history`,
            `${ALERTS_PREFIX}/rules/:id/chart`,
            `${ALERTS_PREFIX}/history`,
            '/',
            '/search',
            '/trace/0af7651916cd43dd8448eb211c80319c',
            '/assets/index.js',
          ],
        });
        settings.logger.info(`query API listening on http://${host.boundHost('query')}:${port}/api/v1`);
        // Every query node runs an evaluator; the lease in ClickHouse lets one of them evaluate.
        const deadLetterFile = host.stateDir === undefined ? undefined : join(host.stateDir, 'alerts-dead-letter.jsonl');
        evaluator = new AlertEvaluator(
          store,
          alerts,
          new AlertNotifier(alerts.notifiers, settings.logger, deadLetterFile),
          settings.logger,
        );
        evaluator.start();
      },
      shutdown: async () => {
        await evaluator?.stop();
      },
    };
  },
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
