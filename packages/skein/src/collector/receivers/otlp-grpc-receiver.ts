import {
  Metadata,
  Server,
  ServerInterceptingCall,
  status as grpcStatus,
  type sendUnaryData,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
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
import { RECEIVER_TURNS } from './receiver-turns.js';
import { admitRequest, refusalReason, type RequestAdmission } from './request-admission.js';
import type { AdmissionTicket } from '../pipeline/admission-ticket.js';

export interface OtlpGrpcReceiverOptions {
  /** Largest accepted message, after decompression (grpc-js answers RESOURCE_EXHAUSTED above it). */
  maxReceiveMessageBytes: number;
  /**
   * Message bytes in flight across receivers; past it calls get RESOURCE_EXHAUSTED (none:
   * unbounded). Checked at a call's metadata (refused when the budget is spent) and again with
   * the message's size once grpc-js has read it (`max_recv_msg_size_mib` bounds the reading).
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
  const services = new Map<string, ExportService>([
    [
      TRACES_SIGNAL.grpcPath,
      { route: { signal: TRACES_SIGNAL, consumer: pipeline }, telemetry: new ReceiverTelemetry(options.metrics, 'otlp', 'grpc') },
    ],
  ]);
  // The receiver counters are span-named: log records are not counted there.
  if (logs)
    services.set(LOGS_SIGNAL.grpcPath, {
      route: { signal: LOGS_SIGNAL, consumer: logs },
      telemetry: new ReceiverTelemetry(undefined, 'otlp', 'grpc'),
    });
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    // After the host's authentication interceptor (grpc-js runs the credentials' interceptors first).
    interceptors: [admissionInterceptor(services, options, logger)],
  });
  for (const service of services.values()) addExportService(server, service, options, logger);
  return server;
}

interface ExportService {
  route: SignalRoute;
  telemetry: ReceiverTelemetry;
}

type AdmittedCall = Extract<RequestAdmission, { admitted: true }>;

/** Calls admitted at their metadata, by the Metadata object grpc-js hands on to the handler. */
const admittedCalls = new WeakMap<Metadata, AdmittedCall>();

function release(admission: AdmittedCall | undefined): void {
  admission?.ticket.settle();
  admission?.reservation?.release();
}

/**
 * Admission at a call's metadata (request-admission.ts), before grpc-js reads, decompresses or
 * hands on the message: the base call reads the stream only once the handler asks, so a refused
 * call answers RESOURCE_EXHAUSTED with its RetryInfo at once, and grpc-js then drains the rest of
 * its stream without decoding it. onCancel runs when any call ends (grpc-js notifies it after
 * every status), which returns an admitted call's bytes and settles its ticket on every path.
 */
function admissionInterceptor(
  services: Map<string, ExportService>,
  options: OtlpGrpcReceiverOptions,
  logger: ReceiverLogger,
): ServerInterceptor {
  return (method, call) => {
    const service = services.get(method.path);
    if (service === undefined) return new ServerInterceptingCall(call);
    let admitted: AdmittedCall | undefined;
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const admission = admitRequest(service.route.consumer, options.inFlightBytes, undefined);
            if (!admission.admitted) {
              service.telemetry.refused(refusalReason(admission.refusal));
              const rpc = statusOf(admission.refusal).rpc;
              logger.warn(`OTLP/gRPC Export from ${call.getPeer()}: ${grpcStatus[rpc.code]} ${rpc.message}`);
              const { code, details, metadata: trailers } = toServiceError(rpc);
              call.sendStatus({ code, details, metadata: trailers });
              return;
            }
            admitted = admission;
            admittedCalls.set(metadata, admission);
            passOn(metadata);
          },
          onCancel: () => release(admitted),
        }),
    });
  };
}

function addExportService(
  server: Server,
  { route, telemetry }: ExportService,
  options: OtlpGrpcReceiverOptions,
  logger: ReceiverLogger,
): void {
  server.addService(exportService(route.signal.grpcPath), {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      // Admitted by the interceptor; asked here only if grpc-js ever ran a handler without it.
      const admission = admittedCalls.get(call.metadata) ?? admitRequest(route.consumer, options.inFlightBytes, call.request.length);
      if (!admission.admitted) {
        telemetry.refused(refusalReason(admission.refusal));
        callback(toServiceError(statusOf(admission.refusal).rpc));
        return;
      }
      if (admission.reservation && !admission.reservation.growTo(call.request.length)) {
        release(admission);
        telemetry.refused('overloaded');
        logger.warn(`OTLP/gRPC Export from ${call.getPeer()}: RESOURCE_EXHAUSTED too many request bytes in flight`);
        callback(
          toServiceError(
            statusOf(overloaded('too many request bytes in flight: Skein is processing other requests', IN_FLIGHT_RETRY_AFTER_MILLIS)).rpc,
          ),
        );
        return;
      }
      exportCall(call.request, tenantOfCall(call.metadata), route, logger, call.getPeer(), telemetry, admission.ticket)
        .then(
          (response) => (Buffer.isBuffer(response) ? callback(null, response) : callback(toServiceError(response))),
          (error: unknown) => {
            telemetry.refused('internal');
            logger.warn(`OTLP/gRPC: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            callback(toServiceError({ code: GrpcCode.INTERNAL, message: 'internal error' }));
          },
        )
        .finally(() => release(admission));
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
  ticket: AdmissionTicket,
): Promise<Buffer | RpcStatus> {
  const refuse = (rpc: RpcStatus): RpcStatus => {
    logger.warn(`OTLP/gRPC Export from ${peer}: ${grpcStatus[rpc.code]} ${rpc.message}`);
    return rpc;
  };
  await RECEIVER_TURNS.next();
  let items: unknown[];
  try {
    items = signal.decodeProto(request, tenant);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    telemetry.refused('decode_error');
    return refuse({ code: GrpcCode.INVALID_ARGUMENT, message: `cannot decode ${signal.requestName}: ${error.message}` });
  }
  const outcome = await exportItems(items, (all) => signal.partition(all), pipeline, telemetry, ticket);
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
