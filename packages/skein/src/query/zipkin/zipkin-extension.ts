import { z } from 'zod';
import { accessFor, type Component, type ExtensionFactory, type Host } from '../../component/component.js';
import { endpointSchema } from '../../component/endpoint.js';
import { durationMillisSchema } from '../../model/duration-schema.js';
import { HttpRouter } from '../http-router.js';
import { addZipkinApi, sendZipkinError } from './zipkin-api.js';

/**
 * `zipkin` extension: Zipkin's v2 query API. By default on the Zipkin receiver's endpoint (:9411),
 * as one Zipkin server answers both: the host shares the port, this API takes the GETs and the
 * receiver the POSTs (cli/shared-http-server.ts).
 */
export const zipkinApiConfigSchema = z
  .object({
    endpoint: endpointSchema.default('0.0.0.0:9411'),
    /** Zipkin's `AUTOCOMPLETE_KEYS`: the tag keys offered by /autocompleteKeys (none by default, as in Zipkin). */
    autocomplete_keys: z.array(z.string().min(1)).default([]),
    /** Zipkin's `QUERY_LOOKBACK`: the window of a search or dependency query without `lookback`. */
    default_lookback: durationMillisSchema.default(86_400_000),
  })
  .strict();

export type ZipkinApiConfig = z.output<typeof zipkinApiConfigSchema>;

export const zipkinApiExtensionFactory: ExtensionFactory<ZipkinApiConfig> = {
  kind: 'extension',
  type: 'zipkin',
  configSchema: zipkinApiConfigSchema,
  createDefaultConfig: () => zipkinApiConfigSchema.parse({}),
  create: (settings, config): Component => ({
    async start(host: Host): Promise<void> {
      const store = await host.traceStore();
      const router = new HttpRouter();
      addZipkinApi(router, store, { defaultLookbackMillis: config.default_lookback, autocompleteKeys: config.autocomplete_keys });
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler: router.handler(settings.logger, sendZipkinError),
        description: 'the Zipkin API',
        portHint: 'set extensions.zipkin.endpoint (or --zipkin-port, which moves the receiver and this API together)',
        portName: 'zipkinQuery',
        claims: (method) => method === 'GET' || method === 'HEAD',
        sharesPortWith: 'zipkin',
        access: accessFor('read'),
        routes: router.patterns(),
      });
      settings.logger.info(`Zipkin API listening on http://${host.boundHost('zipkinQuery')}:${port}/api/v2`);
    },
    shutdown: () => Promise.resolve(),
  }),
};
