import { Metadata, Server, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { tenantOfCall } from '../../component/request-identity.js';
import type { TenantId } from '../../model/tenant.js';
import { OtlpDecodeError } from '../../model/decode-error.js';
import { encodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';
import type { LogsConsumer } from '../pipeline/logs-consumer.js';
import { exportItems } from './export-traces.js';
import { LOGS_SIGNAL, TRACES_SIGNAL, type SignalRoute } from './otlp-signals.js';
import { IN_FLIGHT_RETRY_AFTER_MILLIS, type InFlightBytes } from './in-flight-bytes.js';
import type { ReceiverLogger } from './otlp-http-receiver.js';
import { ReceiverTelemetry } from './receiver-telemetry.js';
import { GrpcCode, overloaded, statusOf, type RpcStatus } from '../pipeline/consume-status.js';
import { encodeRpcStatus } from './rpc-status.js';
import { installGrpcDecompressStatus } from './grpc-decompress-status.js';

export interface OtlpGrpcReceiverOptions {
  /** Largest accepted message, after decompression (grpc-js answers RESOURCE_EXHAUSTED above it). */
  maxReceiveMessageBytes: number;
  /**
   * Message bytes in flight across receivers; past it calls get RESOURCE_EXHAUSTED (none:
   * unbounded). grpc-js has read a message before the handler runs, so this bounds how long
   * decoded messages are held, not the reading itself (`max_recv_msg_size_mib` bounds that).
   */
  inFlightBytes?: InFlightBytes;
  /** Where received, accepted and refused spans are counted. */
  metrics?: SkeinMetrics;
}

export const DEFAULT_OTLP_GRPC_RECEIVER_OPTIONS: OtlpGrpcReceiverOptions = { maxReceiveMessageBytes: 64 * 1024 * 1024 };

const identity = (value: Buffer): Buffer => value;

export const OTLP_GRPC_EXPORT_PATH = TRACES_SIGNAL.grpcPath;
export const OTLP_GRPC_LOGS_EXPORT_PATH = LOGS_SIGNAL.grpcPath;

/**
 * `opentelemetry.proto.collector.trace.v1.TraceService` (or `…logs.v1.LogsService`), with
 * raw-bytes (de)serialisers: decoding happens in the handler, so an undecodable message is
 * answered INVALID_ARGUMENT naming the problem (grpc-js would report a failed deserialiser as
 * INTERNAL) and our own decoder does the work.
 */
function exportService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

/**
 * The gRPC server with the trace service added, and the logs service when `logs` is given (without
 * it a logs export is UNIMPLEMENTED, as on a server that has no such service); the CLI binds it.
 */
export function createOtlpGrpcServer(
  pipeline: SpanConsumer,
  options: OtlpGrpcReceiverOptions,
  logger: ReceiverLogger,
  logs?: LogsConsumer,
): Server {
  // A body that does not decompress is INVALID_ARGUMENT, not grpc-js's INTERNAL (grpc-decompress-status.ts).
  if (!installGrpcDecompressStatus()) logger.warn('OTLP/gRPC: undecompressable messages will be answered INTERNAL (grpc-js changed)');
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  const telemetry = new ReceiverTelemetry(options.metrics, 'otlp', 'grpc');
  addExportService(server, { signal: TRACES_SIGNAL, consumer: pipeline }, options, logger, telemetry);
  // The receiver counters are span-named: log records are not counted there.
  if (logs)
    addExportService(server, { signal: LOGS_SIGNAL, consumer: logs }, options, logger, new ReceiverTelemetry(undefined, 'otlp', 'grpc'));
  return server;
}

function addExportService(
  server: Server,
  route: SignalRoute,
  options: OtlpGrpcReceiverOptions,
  logger: ReceiverLogger,
  telemetry: ReceiverTelemetry,
): void {
  server.addService(exportService(route.signal.grpcPath), {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const reservation = options.inFlightBytes?.reserve();
      if (reservation && !reservation.grow(call.request.length)) {
        reservation.release();
        telemetry.refused('overloaded');
        logger.warn(`OTLP/gRPC Export from ${call.getPeer()}: RESOURCE_EXHAUSTED too many request bytes in flight`);
        callback(
          toServiceError(
            statusOf(overloaded('too many request bytes in flight: Skein is processing other requests', IN_FLIGHT_RETRY_AFTER_MILLIS)).rpc,
          ),
        );
        return;
      }
      exportCall(call.request, tenantOfCall(call.metadata), route, logger, call.getPeer(), telemetry)
        .then(
          (response) => (Buffer.isBuffer(response) ? callback(null, response) : callback(toServiceError(response))),
          (error: unknown) => {
            telemetry.refused('internal');
            logger.warn(`OTLP/gRPC: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            callback(toServiceError({ code: GrpcCode.INTERNAL, message: 'internal error' }));
          },
        )
        .finally(() => reservation?.release());
    },
  });
}

async function exportCall(
  request: Buffer,
  tenant: TenantId,
  { signal, consumer: pipeline }: SignalRoute,
  logger: ReceiverLogger,
  peer: string,
  telemetry: ReceiverTelemetry,
): Promise<Buffer | RpcStatus> {
  const refuse = (rpc: RpcStatus): RpcStatus => {
    logger.warn(`OTLP/gRPC Export from ${peer}: ${grpcStatus[rpc.code]} ${rpc.message}`);
    return rpc;
  };
  // Refused before decoding: an overloaded Skein spends nothing on data it would refuse.
  const refusal = pipeline.admission?.();
  if (refusal !== undefined) {
    telemetry.refused(refusal.outcome === 'retryable' ? refusal.reason : 'internal');
    return refuse(statusOf(refusal).rpc);
  }
  let items: unknown[];
  try {
    items = signal.decodeProto(request, tenant);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    telemetry.refused('decode_error');
    return refuse({ code: GrpcCode.INVALID_ARGUMENT, message: `cannot decode ${signal.requestName}: ${error.message}` });
  }
  const outcome = await exportItems(items, (all) => signal.partition(all), pipeline, telemetry);
  if (outcome.outcome !== 'accepted') return refuse(statusOf(outcome).rpc);
  if (outcome.rejectedSpans > 0)
    logger.warn(`OTLP/gRPC: rejected ${outcome.rejectedSpans} of ${items.length} ${signal.items}: ${outcome.errorMessage}`);
  const partial =
    outcome.rejectedSpans > 0 ? { rejectedSpans: BigInt(outcome.rejectedSpans), errorMessage: outcome.errorMessage } : undefined;
  // Export<Signal>ServiceResponse: the same bytes for every signal (otlp-signals.ts).
  return Buffer.from(encodeExportTraceServiceResponse(partial));
}

function toServiceError(rpc: RpcStatus): { code: number; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  // Clients (OTel exporters) read the retry delay from the RetryInfo detail of this trailer.
  metadata.set('grpc-status-details-bin', encodeRpcStatus(rpc));
  return { code: rpc.code, details: rpc.message, metadata };
}
