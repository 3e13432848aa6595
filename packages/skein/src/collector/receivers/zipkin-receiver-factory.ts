import { z } from 'zod';
import { accessFor, type Component, type Host } from '../../component/component.js';
import { endpointSchema } from '../../component/endpoint.js';
import type { ReceiverFactory } from '../pipeline/component-factories.js';
import { admissionSchema } from './admission-config.js';
import { InFlightBytes } from './in-flight-bytes.js';
import { createZipkinHandler } from './zipkin-receiver.js';

/** `zipkin` (:9411): the Collector's zipkinreceiver keys plus Skein's admission control. */
export const zipkinReceiverConfigSchema = z
  .object({
    endpoint: endpointSchema.default('0.0.0.0:9411'),
    max_request_body_size: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    admission: admissionSchema,
  })
  .strict();

export type ZipkinReceiverConfig = z.output<typeof zipkinReceiverConfigSchema>;

export const zipkinReceiverFactory: ReceiverFactory<ZipkinReceiverConfig> = {
  kind: 'receiver',
  type: 'zipkin',
  configSchema: zipkinReceiverConfigSchema,
  createDefaultConfig: () => zipkinReceiverConfigSchema.parse({}),
  create: (settings, config, next): Component => ({
    async start(host: Host): Promise<void> {
      const { metrics, logger } = settings;
      const inFlightBytes = new InFlightBytes(config.admission.request_limit_mib * 1024 * 1024, settings.id.text, metrics);
      const handler = createZipkinHandler(next, { maxRequestBodyBytes: config.max_request_body_size, inFlightBytes, metrics }, logger);
      const port = await host.listenHttp({
        endpoint: config.endpoint,
        handler,
        description: 'the Zipkin receiver',
        portHint: 'set --zipkin-port or SKEIN_ZIPKIN_PORT',
        portName: 'zipkin',
        // Sharing :9411 with the Zipkin query API (query/zipkin), which takes the GETs.
        claims: (method) => method !== 'GET' && method !== 'HEAD',
        access: accessFor('ingest'),
        routes: ['/api/v2/spans', '/api/v1/spans'],
      });
      logger.info(
        `Zipkin receiver listening on http://${host.boundHost('zipkin')}:${port}/api/v2/spans (v2 JSON and protobuf, v1 JSON, gzip)`,
      );
    },
    // Its listener is the host's: closed by it right after this, before the pipeline flushes.
    shutdown: () => Promise.resolve(),
  }),
};
