import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Component, ExtensionFactory, Host } from '../../component/component.js';
import { endpointSchema } from '../../component/endpoint.js';
import type { TraceStore } from '../../storage/trace-store.js';
import { addTempoApi } from './tempo-api.js';
import { TempoRouter } from './tempo-http.js';

/** The `tempo` extension's config: its own listener, Tempo's port 3200 by default. */
export const tempoConfigSchema = z.object({ endpoint: endpointSchema.default('0.0.0.0:3200') }).strict();

export type TempoConfig = z.output<typeof tempoConfigSchema>;

function skeinVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

/** A router with the whole Tempo API: Tempo's field names, Skein's version (not a Tempo version). */
export function tempoApiRouter(store: TraceStore): TempoRouter {
  const router = new TempoRouter();
  addTempoApi(router, store, { version: skeinVersion(), revision: '', branch: '', buildDate: '', buildUser: '', goVersion: '' });
  return router;
}

/**
 * `tempo`: Grafana Tempo's HTTP query API (tempo-api.ts) on its own listener, so Grafana's Tempo
 * data source works against Skein unmodified (gRPC streaming excepted: turn "Streaming" off in
 * the data source's settings).
 */
export const tempoExtensionFactory: ExtensionFactory<TempoConfig> = {
  kind: 'extension',
  type: 'tempo',
  configSchema: tempoConfigSchema,
  createDefaultConfig: () => tempoConfigSchema.parse({}),
  create: (settings, config): Component => ({
    async start(host: Host): Promise<void> {
      const store = await host.traceStore();
      const router = tempoApiRouter(store);
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler: router.handler(settings.logger),
        description: 'the Tempo API',
        portHint: 'set --tempo-port or SKEIN_TEMPO_PORT',
        portName: 'tempo',
        // Readiness answers anyone (probes carry no credential and it reveals nothing); the rest needs `read`.
        access: (_method, path) => (path === '/ready' ? 'public' : 'read'),
        routes: router.patterns(),
      });
      settings.logger.info(`Tempo API listening on http://${host.boundHost('tempo')}:${port}/api`);
    },
    shutdown: () => Promise.resolve(),
  }),
};
