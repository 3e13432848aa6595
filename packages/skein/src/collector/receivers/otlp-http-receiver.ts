import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { identityOf } from '../../component/request-identity.js';
import { OtlpDecodeError } from '../../model/decode-error.js';
import { encodeExportTraceServiceResponse } from '../../model/otlp-proto-encode.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';
import type { LogsConsumer } from '../pipeline/logs-consumer.js';
import { exportItems } from './export-traces.js';
import { LOGS_SIGNAL, TRACES_SIGNAL, type OtlpSignal, type SignalRoute } from './otlp-signals.js';
import type { CorsPolicy } from './cors-policy.js';
import { IN_FLIGHT_RETRY_AFTER_MILLIS, type InFlightBytes } from './in-flight-bytes.js';
import { closeAfterAnswer } from './lingering-close.js';
import { RECEIVER_TURNS } from './receiver-turns.js';
import { readAdmittedBody, refusalReason, releaseAdmission, type HeldAdmission } from './request-admission.js';
import { ReceiverTelemetry } from './receiver-telemetry.js';
import { GrpcCode, overloaded, statusOf, type ConsumeStatus, type RpcStatus } from '../pipeline/consume-status.js';
import { encodeRpcStatus, rpcStatusToJson } from './rpc-status.js';

export interface OtlpHttpReceiverOptions {
  /** Largest accepted body, after decompression. */
  maxRequestBodyBytes: number;
  /** Cross-origin requests from browsers; none are allowed without it. */
  cors?: CorsPolicy;
  /** Body bytes in flight across receivers; past it requests get 429 (none: unbounded). */
  inFlightBytes?: InFlightBytes;
  /** Where received, accepted and refused spans are counted. */
  metrics?: SkeinMetrics;
}

export const DEFAULT_OTLP_HTTP_RECEIVER_OPTIONS: OtlpHttpReceiverOptions = { maxRequestBodyBytes: 64 * 1024 * 1024 };

export interface ReceiverLogger {
  warn(message: string): void;
}

type WireEncoding = 'protobuf' | 'json';

function wireEncodingOf(contentType: string | undefined): WireEncoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

/**
 * OTLP/HTTP receiver (`POST /v1/traces`, and `POST /v1/logs` when `logs` is given), per the OTLP
 * spec: protobuf or JSON bodies, gzip/deflate, answers in the request's encoding,
 * `google.rpc.Status` bodies on errors, partial success for invalid items, 429/503 + Retry-After
 * when Skein cannot take the data now. Both signals share this one path (otlp-signals.ts).
 */
export function createOtlpHttpHandler(
  pipeline: SpanConsumer,
  options: OtlpHttpReceiverOptions,
  logger: ReceiverLogger,
  logs?: LogsConsumer,
): RequestListener {
  const telemetry = new ReceiverTelemetry(options.metrics, 'otlp', 'http');
  // The receiver counters are span-named: log records are not counted there.
  const uncounted = new ReceiverTelemetry(undefined, 'otlp', 'http');
  const routes = new Map<string, { route: SignalRoute; telemetry: ReceiverTelemetry }>([
    [TRACES_SIGNAL.httpPath, { route: { signal: TRACES_SIGNAL, consumer: pipeline }, telemetry }],
  ]);
  if (logs) routes.set(LOGS_SIGNAL.httpPath, { route: { signal: LOGS_SIGNAL, consumer: logs }, telemetry: uncounted });
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const found = routes.get(path);
    const held: HeldAdmission = {};
    handle(request, response, path, found?.route, options, logger, found?.telemetry ?? telemetry, held)
      .catch((error: unknown) => {
        // Last line of defence: a bug must cost one request, never the process.
        telemetry.refused('internal');
        logger.warn(`OTLP/HTTP: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!response.headersSent) sendStatus(response, 'json', 500, { code: GrpcCode.INTERNAL, message: 'internal error' });
        else response.destroy();
      })
      .finally(() => releaseAdmission(held));
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  route: SignalRoute | undefined,
  options: OtlpHttpReceiverOptions,
  logger: ReceiverLogger,
  telemetry: ReceiverTelemetry,
  held: HeldAdmission,
): Promise<void> {
  const encoding = wireEncodingOf(request.headers['content-type']) ?? 'json';
  const refuse = (status: number, rpc: RpcStatus): void => {
    logger.warn(`OTLP/HTTP ${request.method ?? '?'} ${path} from ${request.socket.remoteAddress ?? '?'}: ${status} ${rpc.message}`);
    sendStatus(response, encoding, status, rpc);
  };
  const refuseWith = (status: ConsumeStatus): void => {
    for (const [name, value] of Object.entries(status.httpHeaders)) response.setHeader(name, value);
    refuse(status.httpStatus, status.rpc);
  };

  if (route === undefined) {
    const message =
      path === LOGS_SIGNAL.httpPath
        ? `no logs pipeline takes logs from this receiver: list it in service.pipelines.logs.receivers (traces go to POST ${TRACES_SIGNAL.httpPath})`
        : `no OTLP endpoint at ${path}: traces go to POST ${TRACES_SIGNAL.httpPath}, logs to POST ${LOGS_SIGNAL.httpPath}`;
    return refuse(404, { code: GrpcCode.UNIMPLEMENTED, message });
  }
  const { signal, consumer: pipeline } = route;
  if (request.method === 'OPTIONS' && options.cors && request.headers.origin !== undefined) {
    const refusal = options.cors.preflight(request, response);
    if (refusal !== undefined) refuse(403, { code: GrpcCode.INVALID_ARGUMENT, message: refusal });
    return;
  }
  options.cors?.decorate(request, response);
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return refuse(405, {
      code: GrpcCode.UNIMPLEMENTED,
      message: `method ${request.method ?? '?'} not allowed on ${signal.httpPath}: use POST`,
    });
  }
  const wire = wireEncodingOf(request.headers['content-type']);
  if (wire === undefined) {
    telemetry.refused('decode_error');
    return refuse(415, {
      code: GrpcCode.INVALID_ARGUMENT,
      message: `unsupported Content-Type "${request.headers['content-type'] ?? ''}": use application/x-protobuf or application/json`,
    });
  }

  // Refused on its headers (request-admission.ts), before the body is read or decoded.
  const read = await readAdmittedBody(request, pipeline, options, held);
  if ('refusal' in read) {
    telemetry.refused(refusalReason(read.refusal));
    return refuseWith(statusOf(read.refusal));
  }
  const body = read.body;
  if (!body.ok) {
    // Do not read the rest of an oversized or unadmitted body: answer and close the connection.
    if (body.status === 413 || body.status === 429) closeAfterAnswer(request, response);
    if (body.status === 429) {
      telemetry.refused('overloaded');
      return refuseWith(statusOf(overloaded(body.message, IN_FLIGHT_RETRY_AFTER_MILLIS)));
    }
    telemetry.refused(body.status === 413 ? 'too_large' : 'decode_error');
    return refuse(body.status, { code: GrpcCode.INVALID_ARGUMENT, message: body.message });
  }

  await RECEIVER_TURNS.next();
  let items: unknown[];
  try {
    // The tenant the host authenticated (the default one when auth is off) owns every item.
    const { tenant } = identityOf(request);
    items = wire === 'protobuf' ? signal.decodeProto(body.body, tenant) : signal.decodeJson(body.body.toString('utf8'), tenant);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    telemetry.refused('decode_error');
    return refuse(400, {
      code: GrpcCode.INVALID_ARGUMENT,
      message: `cannot decode OTLP ${wire === 'protobuf' ? 'protobuf' : 'JSON'} body: ${error.message}`,
    });
  }

  const outcome = await exportItems(items, (all) => signal.partition(all), pipeline, telemetry, held.admission?.ticket);
  if (outcome.outcome !== 'accepted') return refuseWith(statusOf(outcome));
  if (outcome.rejectedSpans > 0) {
    logger.warn(`OTLP/HTTP: rejected ${outcome.rejectedSpans} of ${items.length} ${signal.items}: ${outcome.errorMessage}`);
  }
  sendExportResponse(response, wire, signal, outcome.rejectedSpans, outcome.errorMessage);
}

function sendExportResponse(
  response: ServerResponse,
  wire: WireEncoding,
  signal: OtlpSignal<unknown>,
  rejected: number,
  errorMessage: string,
): void {
  const partial = rejected > 0 || errorMessage !== '' ? { rejectedSpans: BigInt(rejected), errorMessage } : undefined;
  if (wire === 'protobuf') {
    // Export<Signal>ServiceResponse: the same bytes for every signal (otlp-signals.ts).
    send(response, 200, 'application/x-protobuf', Buffer.from(encodeExportTraceServiceResponse(partial)));
  } else {
    const json = partial ? { partialSuccess: { [signal.rejectedJsonField]: String(rejected), errorMessage } } : {};
    send(response, 200, 'application/json', Buffer.from(JSON.stringify(json)));
  }
}

function sendStatus(response: ServerResponse, wire: WireEncoding, status: number, rpc: RpcStatus): void {
  if (wire === 'protobuf') send(response, status, 'application/x-protobuf', encodeRpcStatus(rpc));
  else send(response, status, 'application/json', Buffer.from(JSON.stringify(rpcStatusToJson(rpc))));
}

function send(response: ServerResponse, status: number, contentType: string, body: Buffer): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', body.length);
  response.end(body);
}
