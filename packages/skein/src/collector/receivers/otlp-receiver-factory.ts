import { z } from 'zod';
import { accessFor, type Component, type Host } from '../../component/component.js';
import { endpointSchema } from '../../component/endpoint.js';
import type { ReceiverFactory } from '../pipeline/component-factories.js';
import { CorsPolicy } from './cors-policy.js';
import { InFlightBytes } from './in-flight-bytes.js';
import { admissionSchema } from './admission-config.js';
import { createOtlpGrpcServer, OTLP_GRPC_EXPORT_PATH, OTLP_GRPC_LOGS_EXPORT_PATH } from './otlp-grpc-receiver.js';
import { createOtlpHttpHandler } from './otlp-http-receiver.js';

const positiveInt = z.number().int().positive();

/**
 * `otlp`: OTLP/gRPC (:4317) and OTLP/HTTP (:4318), the Collector's otlpreceiver keys. A protocol set
 * to null is off; `admission` is one body budget shared by both transports.
 */
export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        grpc: z
          .object({ endpoint: endpointSchema.default('0.0.0.0:4317'), max_recv_msg_size_mib: positiveInt.max(1024).default(64) })
          .strict()
          .nullable()
          .optional(),
        http: z
          .object({
            endpoint: endpointSchema.default('0.0.0.0:4318'),
            max_request_body_size: positiveInt.default(64 * 1024 * 1024),
            cors: z
              .object({
                allowed_origins: z.array(z.string().min(1)).min(1),
                allowed_headers: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name')).default([]),
                max_age: z.number().int().min(0).default(7200),
              })
              .strict()
              .optional(),
          })
          .strict()
          .nullable()
          .optional(),
      })
      .strict()
      .prefault({ grpc: {}, http: {} }),
    admission: admissionSchema,
  })
  .strict();

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  // Logs share the listeners, the body budget, auth and tenancy with traces (issue 17).
  signals: ['traces', 'logs'],
  configSchema: otlpReceiverConfigSchema,
  createDefaultConfig: () => otlpReceiverConfigSchema.parse({}),
  create: (settings, config, next, logs): Component => ({
    async start(host: Host): Promise<void> {
      const { grpc, http } = config.protocols;
      const { metrics, logger } = settings;
      const inFlightBytes = new InFlightBytes(config.admission.request_limit_mib * 1024 * 1024, settings.id.text, metrics);
      if (grpc) {
        const server = createOtlpGrpcServer(
          next,
          { maxReceiveMessageBytes: grpc.max_recv_msg_size_mib * 1024 * 1024, inFlightBytes, metrics },
          logger,
          logs,
        );
        const port = await host.listenGrpc({
          endpoint: grpc.endpoint,
          server,
          description: 'the OTLP/gRPC receiver',
          portHint: 'set --otlp-grpc-port or SKEIN_OTLP_GRPC_PORT',
          portName: 'otlpGrpc',
          access: accessFor('ingest'),
          routes: logs ? [OTLP_GRPC_EXPORT_PATH, OTLP_GRPC_LOGS_EXPORT_PATH] : [OTLP_GRPC_EXPORT_PATH],
        });
        logger.info(
          `OTLP/gRPC receiver listening on ${host.boundHost('otlpGrpc')}:${port} (${[OTLP_GRPC_EXPORT_PATH, ...(logs ? [OTLP_GRPC_LOGS_EXPORT_PATH] : [])].map((path) => path.slice(1)).join(', ')})`,
        );
      }
      if (http) {
        const cors =
          http.cors &&
          new CorsPolicy({
            allowedOrigins: http.cors.allowed_origins,
            allowedHeaders: http.cors.allowed_headers,
            maxAgeSeconds: http.cors.max_age,
          });
        const handler = createOtlpHttpHandler(
          next,
          { maxRequestBodyBytes: http.max_request_body_size, ...(cors && { cors }), inFlightBytes, metrics },
          logger,
          logs,
        );
        const port = await host.listenHttp({
          endpoint: http.endpoint,
          handler,
          description: 'the OTLP/HTTP receiver',
          portHint: 'set --otlp-http-port or SKEIN_OTLP_HTTP_PORT',
          portName: 'otlpHttp',
          access: accessFor('ingest'),
          routes: logs ? ['/v1/traces', '/v1/logs'] : ['/v1/traces'],
        });
        const also = logs ? ' and /v1/logs' : '';
        logger.info(
          `OTLP/HTTP receiver listening on http://${host.boundHost('otlpHttp')}:${port}/v1/traces${also} (protobuf and JSON, gzip)`,
        );
      }
    },
    // Its listeners are the host's: closed by it right after this, before the pipeline flushes.
    shutdown: () => Promise.resolve(),
  }),
};
