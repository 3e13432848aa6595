import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server, status as grpcStatus, type ServerUnaryCall, type ServiceDefinition, type sendUnaryData } from '@grpc/grpc-js';
import { z } from 'zod';
import type { Component, ExtensionFactory, Host, ListenerAccess } from '../../component/component.js';
import { endpointSchema } from '../../component/endpoint.js';
import { tenantOfCall } from '../../component/request-identity.js';
import { durationMillisSchema } from '../../model/duration-schema.js';
import {
  decodeSamplingParameters,
  encodeSamplingStrategy,
  samplingStrategyToJson,
  type SamplingStrategy,
} from '../../model/jaeger-sampling.js';
import type { TenantId } from '../../model/tenant.js';
import { tenantOf } from '../tenant-of.js';
import { AdaptiveSampling } from './adaptive-sampling.js';
import { TapThroughput } from './operation-throughput.js';
import { SAMPLE_ALL, StrategyFileWatcher } from './strategy-file.js';
import { requestUrl } from '../request-url.js';

/**
 * `sampling` extension: Jaeger's remote sampling API, which the stock Jaeger remote samplers of
 * the OpenTelemetry SDKs poll: `GET /sampling?service=` (and `/api/sampling`) over HTTP on :5778
 * and on the query port, and `jaeger.api_v2.SamplingManager/GetSamplingStrategy` over gRPC on
 * :5779. Strategies come from a file in Jaeger's format (hot-reloaded) or, with `adaptive`, are
 * computed from the per-operation throughput the metrics tap counts (adaptive-sampling.ts); without
 * either, every trace is sampled.
 */
const probability = z.number().min(0).max(1);

export const samplingConfigSchema = z
  .object({
    http: z
      .object({ endpoint: endpointSchema.default('0.0.0.0:5778') })
      .strict()
      .nullable()
      .prefault({}),
    grpc: z
      .object({ endpoint: endpointSchema.default('0.0.0.0:5779') })
      .strict()
      .nullable()
      .prefault({}),
    /** `/api/sampling` on the query port; the config loader fills in the query extension's endpoint. */
    query_endpoint: endpointSchema.nullable().default(null),
    strategies_file: z.string().min(1).optional(),
    reload_interval: durationMillisSchema.default(10_000),
    adaptive: z
      .object({
        target_traces_per_second: z.number().positive().default(1),
        min_sampling_probability: probability.default(0.00001),
        max_sampling_probability: probability.default(1),
        initial_sampling_probability: probability.default(1),
        lower_bound_traces_per_second: z.number().min(0).default(0),
        interval: durationMillisSchema.default(60_000),
        /** At least the metrics tap's `metrics_flush_interval` (15 s by default) plus a write. */
        delay: durationMillisSchema.default(20_000),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.adaptive !== undefined && config.strategies_file !== undefined) {
      context.addIssue({ code: 'custom', path: ['adaptive'], message: 'give either strategies_file or adaptive, not both' });
    }
    if (config.adaptive !== undefined && config.adaptive.min_sampling_probability > config.adaptive.max_sampling_probability) {
      context.addIssue({
        code: 'custom',
        path: ['adaptive', 'min_sampling_probability'],
        message: 'is greater than max_sampling_probability',
      });
    }
  });

export type SamplingConfig = z.output<typeof samplingConfigSchema>;

type StrategySource = (tenant: TenantId, service: string) => Promise<SamplingStrategy>;

const identity = (value: Buffer): Buffer => value;

/** `jaeger.api_v2.SamplingManager`, with our own protobuf codec (model/jaeger-sampling.ts). */
const SAMPLING_GRPC_PATH = '/jaeger.api_v2.SamplingManager/GetSamplingStrategy';

/**
 * SDKs poll strategies with the credential they export spans with (`ingest`); operators' tools
 * hold `read`: either suffices (docs/security.md). Strategies name services and operations only.
 */
const SAMPLING_ACCESS: ListenerAccess = () => ['ingest', 'read'];

const SAMPLING_MANAGER: ServiceDefinition = {
  GetSamplingStrategy: {
    path: SAMPLING_GRPC_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

function sendText(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(text);
}

/** Jaeger's HTTP handler: `service` given exactly once, else its 400. */
function httpHandler(strategies: StrategySource, warn: (message: string) => void) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = requestUrl(request);
    if (!['/', '/sampling', '/api/sampling'].includes(url.pathname)) return sendText(response, 404, '404 page not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Method Not Allowed\n');
    const services = url.searchParams.getAll('service');
    if (services.length !== 1) return sendText(response, 400, "'service' parameter must be provided once\n");
    strategies(tenantOf(request), services[0]!)
      .then((strategy) => {
        const text = JSON.stringify(samplingStrategyToJson(strategy));
        response.statusCode = 200;
        response.setHeader('Content-Type', 'application/json');
        response.end(text);
      })
      .catch((error: unknown) => {
        warn(`sampling strategy for ${JSON.stringify(services[0])}: ${(error as Error).message}`);
        sendText(response, 500, `collector error: ${(error as Error).message}\n`);
      });
  };
}

function grpcServer(strategies: StrategySource): Server {
  const server = new Server();
  server.addService(SAMPLING_MANAGER, {
    GetSamplingStrategy: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      let service: string;
      try {
        service = decodeSamplingParameters(call.request);
      } catch (error) {
        callback({ code: grpcStatus.INVALID_ARGUMENT, details: (error as Error).message });
        return;
      }
      // The tenant the host's interceptor authenticated (the default one without auth).
      strategies(tenantOfCall(call.metadata), service).then(
        (strategy) => callback(null, Buffer.from(encodeSamplingStrategy(strategy))),
        (error: unknown) => callback({ code: grpcStatus.UNAVAILABLE, details: (error as Error).message }),
      );
    },
  });
  return server;
}

export const samplingExtensionFactory: ExtensionFactory<SamplingConfig> = {
  kind: 'extension',
  type: 'sampling',
  configSchema: samplingConfigSchema,
  createDefaultConfig: () => samplingConfigSchema.parse({}),
  create: (settings, config): Component => {
    let file: StrategyFileWatcher | undefined;
    let adaptive: AdaptiveSampling | undefined;
    return {
      async start(host: Host): Promise<void> {
        const warn = (message: string): void => settings.logger.warn(message);
        let strategies: StrategySource = () => Promise.resolve(SAMPLE_ALL);
        if (config.strategies_file !== undefined) {
          const watcher = new StrategyFileWatcher(config.strategies_file, config.reload_interval, warn);
          file = watcher;
          await watcher.start();
          strategies = (_tenant, service) => Promise.resolve(watcher.strategyFor(service));
        } else if (config.adaptive !== undefined) {
          const store = await host.traceStore();
          const a = config.adaptive;
          const computing = new AdaptiveSampling(
            store,
            new TapThroughput(store),
            {
              targetTracesPerSecond: a.target_traces_per_second,
              minSamplingProbability: a.min_sampling_probability,
              maxSamplingProbability: a.max_sampling_probability,
              initialSamplingProbability: a.initial_sampling_probability,
              lowerBoundTracesPerSecond: a.lower_bound_traces_per_second,
              intervalMillis: a.interval,
              delayMillis: a.delay,
            },
            warn,
          );
          adaptive = computing;
          computing.start();
          strategies = (tenant, service) => computing.strategyFor(tenant, service);
        }
        const handler = httpHandler(strategies, warn);
        const mode = config.strategies_file !== undefined ? `from ${config.strategies_file}` : adaptive ? 'adaptive' : 'sample all';
        if (config.http !== null) {
          const port = await host.listenHttp({
            endpoint: config.http.endpoint,
            handler,
            description: 'the sampling API (HTTP)',
            portHint: 'set extensions.sampling.http.endpoint',
            portName: 'sampling',
            access: SAMPLING_ACCESS,
            routes: ['/sampling', '/api/sampling'],
          });
          settings.logger.info(`sampling strategies (${mode}) on http://${host.boundHost('sampling')}:${port}/sampling`);
        }
        if (config.query_endpoint !== null) {
          await host.listenHttp({
            endpoint: config.query_endpoint,
            handler,
            description: 'the sampling API on the query port',
            portHint: 'set extensions.query.endpoint',
            portName: 'samplingQuery',
            claims: (_method, path) => path === '/api/sampling',
            sharesPortWith: 'query',
            access: SAMPLING_ACCESS,
            routes: ['/api/sampling'],
          });
        }
        if (config.grpc !== null) {
          const port = await host.listenGrpc({
            endpoint: config.grpc.endpoint,
            server: grpcServer(strategies),
            description: 'the sampling API (gRPC)',
            portHint: 'set extensions.sampling.grpc.endpoint',
            portName: 'samplingGrpc',
            access: SAMPLING_ACCESS,
            routes: [SAMPLING_GRPC_PATH],
          });
          settings.logger.info(`sampling strategies (gRPC jaeger.api_v2.SamplingManager) on ${host.boundHost('samplingGrpc')}:${port}`);
        }
      },
      async shutdown(): Promise<void> {
        file?.stop();
        await adaptive?.stop();
      },
    };
  },
};
