import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join, resolve } from 'node:path';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { createForwardingExporter } from '../collector/exporters/forwarding-exporters.js';
import type { ManagedExporter } from '../collector/exporters/otlp-exporter.js';
import { StorageExporter } from '../collector/exporters/storage-exporter.js';
import { TracePipeline } from '../collector/pipeline/trace-pipeline.js';
import { createPipelineStep } from '../collector/processors/index.js';
import { createOtlpGrpcServer } from '../collector/receivers/otlp-grpc-receiver.js';
import { CorsPolicy } from '../collector/receivers/cors-policy.js';
import { InFlightBytes } from '../collector/receivers/in-flight-bytes.js';
import { createOtlpHttpHandler } from '../collector/receivers/otlp-http-receiver.js';
import { createZipkinHandler } from '../collector/receivers/zipkin-receiver.js';
import { HttpRouter } from '../query/http-router.js';
import { addHealthEndpoints, addNativeApi } from '../query/native-api.js';
import { withUiAssets } from '../query/ui-assets.js';
import { featuresForVersion, openTraceStore } from '../storage/index.js';
import type { TraceStore } from '../storage/trace-store.js';
import { createMetricsHandler } from '../telemetry/metrics-endpoint.js';
import { SkeinMetrics } from '../telemetry/skein-metrics.js';
import type { Role } from './command-line.js';
import { parseEndpoint, type SkeinConfig } from './config.js';
import { listenGrpc, listenHttp, ListenError } from './listen.js';
import type { Logger } from './logger.js';

export interface RunningSkein {
  /** Bound ports by listener name (`otlpGrpc`, `otlpHttp`, `zipkin`, `query`, `metrics`). */
  ports: Record<string, number>;
  /** Stops listening, writes everything already accepted, closes storage. */
  stop(): Promise<void>;
}

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

function prepareDataDir(dataDir: string): string {
  const absolute = resolve(dataDir);
  try {
    mkdirSync(absolute, { recursive: true });
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    throw new DataDirError(
      `data directory ${absolute} is not writable: ${(error as Error).message} (choose another with --data-dir or SKEIN_DATA_DIR)`,
    );
  }
  return absolute;
}

async function openStore(config: SkeinConfig, logger: Logger): Promise<TraceStore> {
  const { storage } = config;
  const common = { database: storage.database, ...(storage.retention_days !== undefined && { retentionDays: storage.retention_days }) };
  const store =
    storage.engine === 'chdb'
      ? await openTraceStore({ engine: 'chdb', dataDir: prepareDataDir(storage.data_dir), ...common })
      : await openTraceStore({ engine: 'clickhouse', url: storage.url!, ...common });
  const version = store.description.split(' ')[1] ?? '';
  if (storage.retention_days !== undefined && !featuresForVersion(version).ttl) {
    logger.warn(`storage.retention_days is ignored: ${store.description} has no TTL support; drop old partitions by hand`);
  }
  return store;
}

/** Config → parts → listeners. Each listener logs one line once it is bound. */
export async function startSkein(config: SkeinConfig, role: Role, logger: Logger): Promise<RunningSkein> {
  if (role !== 'all-in-one' && config.storage.engine === 'chdb') {
    logger.warn(
      `running "${role}" on embedded chDB: other Skein processes cannot share its data directory; use --storage clickhouse://… to scale out`,
    );
  }
  const store = await openStore(config, logger);
  logger.info(
    `storage: ${store.description}${config.storage.engine === 'chdb' ? ` in ${resolve(config.storage.data_dir)}` : ` at ${config.storage.url ?? ''}`}`,
  );

  const httpServers: HttpServer[] = [];
  let grpcServer: GrpcServer | undefined;
  let exporter: StorageExporter | undefined;
  const forwardingExporters: ManagedExporter[] = [];
  let pipeline: TracePipeline | undefined;
  const metrics = new SkeinMetrics();
  metrics.collectProcessMetrics();
  // Durable state of stateful stages (tail-sampling journal, persisted queues) lives beside the
  // embedded data; with a ClickHouse server it goes to <data_dir> all the same.
  const stateDir = role === 'query' ? undefined : join(prepareDataDir(config.storage.data_dir), 'collector-state');
  const ports: Record<string, number> = {};

  const stop = async (): Promise<void> => {
    await Promise.all(httpServers.map((server) => new Promise<void>((done) => server.close(() => done()))));
    for (const server of httpServers) server.closeAllConnections();
    if (grpcServer) await new Promise<void>((done) => grpcServer!.tryShutdown(() => done()));
    await pipeline?.shutdown();
    await exporter?.shutdown();
    await Promise.all(forwardingExporters.map((forwarding) => forwarding.shutdown()));
    await store.close();
  };

  try {
    if (role !== 'query') {
      const exporterConfig = config.exporters.storage;
      exporter = new StorageExporter(store, {
        maxBatchSpans: exporterConfig.max_batch_spans,
        maxQueuedSpans: exporterConfig.max_queued_spans,
        maxConcurrentWrites: exporterConfig.max_concurrent_writes,
        retryAfterMillis: exporterConfig.retry_after_millis,
        metrics,
      });
      const processorIds = config.service.pipelines.traces.processors;
      const steps = processorIds.map((id) => createPipelineStep(id, config.processors[id] ?? {}));
      // Forwarding exporters start (open on-disk queues, resolve backends) before any receiver listens.
      const exporterIds = config.service.pipelines.traces.exporters;
      const exporters = [];
      for (const id of exporterIds) {
        if (id === 'storage') {
          exporters.push(exporter);
          continue;
        }
        const forwarding = createForwardingExporter(id, config.exporters[id], { metrics, logger, stateDir });
        forwardingExporters.push(forwarding);
        await forwarding.start();
        exporters.push(forwarding);
      }
      pipeline = new TracePipeline(exporters, steps, { metrics, logger, stateDir });
      logger.info(
        `traces pipeline: ${config.service.pipelines.traces.receivers.join(' + ')} → ${[...processorIds, exporterIds.join(' + ')].join(' → ')}`,
      );
      const { grpc, http } = config.receivers.otlp.protocols;
      // One body budget for both OTLP transports, as a Collector receiver's admission settings.
      const otlpInFlight = new InFlightBytes(config.receivers.otlp.admission.request_limit_mib * 1024 * 1024, 'otlp', metrics);
      if (grpc) {
        const { host, port } = parseEndpoint(grpc.endpoint);
        grpcServer = createOtlpGrpcServer(
          pipeline,
          { maxReceiveMessageBytes: grpc.max_recv_msg_size_mib * 1024 * 1024, inFlightBytes: otlpInFlight, metrics },
          logger,
        );
        ports['otlpGrpc'] = await listenGrpc(
          grpcServer,
          host,
          port,
          'the OTLP/gRPC receiver',
          'set --otlp-grpc-port or SKEIN_OTLP_GRPC_PORT',
        );
        logger.info(
          `OTLP/gRPC receiver listening on ${host}:${ports['otlpGrpc']} (opentelemetry.proto.collector.trace.v1.TraceService/Export)`,
        );
      }
      if (http) {
        const { host, port } = parseEndpoint(http.endpoint);
        const cors =
          http.cors &&
          new CorsPolicy({
            allowedOrigins: http.cors.allowed_origins,
            allowedHeaders: http.cors.allowed_headers,
            maxAgeSeconds: http.cors.max_age,
          });
        const server = createServer(
          createOtlpHttpHandler(
            pipeline,
            { maxRequestBodyBytes: http.max_request_body_size, ...(cors && { cors }), inFlightBytes: otlpInFlight, metrics },
            logger,
          ),
        );
        httpServers.push(server);
        ports['otlpHttp'] = await listenHttp(server, host, port, 'the OTLP/HTTP receiver', 'set --otlp-http-port or SKEIN_OTLP_HTTP_PORT');
        logger.info(`OTLP/HTTP receiver listening on http://${host}:${ports['otlpHttp']}/v1/traces (protobuf and JSON, gzip)`);
      }
      const zipkin = config.receivers.zipkin;
      if (zipkin && config.service.pipelines.traces.receivers.includes('zipkin')) {
        const { host, port } = parseEndpoint(zipkin.endpoint);
        const inFlightBytes = new InFlightBytes(zipkin.admission.request_limit_mib * 1024 * 1024, 'zipkin', metrics);
        const server = createServer(
          createZipkinHandler(pipeline, { maxRequestBodyBytes: zipkin.max_request_body_size, inFlightBytes, metrics }, logger),
        );
        httpServers.push(server);
        ports['zipkin'] = await listenHttp(server, host, port, 'the Zipkin receiver', 'set --zipkin-port or SKEIN_ZIPKIN_PORT');
        logger.info(`Zipkin receiver listening on http://${host}:${ports['zipkin']}/api/v2/spans (v2 JSON and protobuf, v1 JSON, gzip)`);
      }
    }
    if (role !== 'collector') {
      const router = new HttpRouter();
      addHealthEndpoints(router, store);
      addNativeApi(router, store);
      const { host, port } = parseEndpoint(config.query.endpoint);
      // The web UI (`/`, `/search`, `/trace/…`, `/assets/…`) is answered in front of the JSON API.
      const server = createServer(withUiAssets(router.handler(logger)));
      httpServers.push(server);
      ports['query'] = await listenHttp(server, host, port, 'the query API', 'set --query-port or SKEIN_QUERY_PORT');
      logger.info(`query API listening on http://${host}:${ports['query']}/api/v1`);
    } else {
      const router = new HttpRouter();
      addHealthEndpoints(router, store);
      // A collector still answers health checks, on the query port.
      const { host, port } = parseEndpoint(config.query.endpoint);
      const server = createServer(router.handler(logger));
      httpServers.push(server);
      ports['query'] = await listenHttp(server, host, port, 'health checks', 'set --query-port or SKEIN_QUERY_PORT');
      logger.info(`health checks listening on http://${host}:${ports['query']}/healthz`);
    }
    const metricsAddress = config.service.telemetry.metrics.address;
    if (metricsAddress !== null) {
      const { host, port } = parseEndpoint(metricsAddress);
      const server = createServer(createMetricsHandler(metrics));
      httpServers.push(server);
      ports['metrics'] = await listenHttp(server, host, port, "Skein's own metrics", 'set --metrics-port or SKEIN_METRICS_PORT');
      logger.info(`metrics listening on http://${host}:${ports['metrics']}/metrics`);
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { ports, stop };
}

export { ListenError };
