import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { identityOf } from '../../component/request-identity.js';
import { OtlpDecodeError } from '../../model/decode-error.js';
import { decodeZipkinV2Json } from '../../model/zipkin-json.js';
import { decodeZipkinProto } from '../../model/zipkin-proto.js';
import type { ZipkinDecoded } from '../../model/zipkin-span.js';
import { zipkinToModel } from '../../model/zipkin-to-model.js';
import { decodeZipkinV1Json } from '../../model/zipkin-v1-json.js';
import type { SkeinMetrics } from '../../telemetry/skein-metrics.js';
import type { SpanConsumer } from '../pipeline/consume-result.js';
import { overloaded, statusOf, type ConsumeStatus } from '../pipeline/consume-status.js';
import { exportTraces } from './export-traces.js';
import type { ReceiverLogger } from './otlp-http-receiver.js';
import { IN_FLIGHT_RETRY_AFTER_MILLIS, type InFlightBytes } from './in-flight-bytes.js';
import { closeAfterAnswer } from './lingering-close.js';
import { RECEIVER_TURNS } from './receiver-turns.js';
import { readAdmittedBody, refusalReason, releaseAdmission, type HeldAdmission } from './request-admission.js';
import { ReceiverTelemetry } from './receiver-telemetry.js';

export interface ZipkinReceiverOptions {
  /** Largest accepted body, after decompression. */
  maxRequestBodyBytes: number;
  /** Body bytes in flight across receivers; past it requests get 429 (none: unbounded). */
  inFlightBytes?: InFlightBytes;
  /** Where received, accepted and refused spans are counted. */
  metrics?: SkeinMetrics;
}

export const DEFAULT_ZIPKIN_RECEIVER_OPTIONS: ZipkinReceiverOptions = { maxRequestBodyBytes: 64 * 1024 * 1024 };

const V2_PATH = '/api/v2/spans';
const V1_PATH = '/api/v1/spans';

type Format = 'v2-json' | 'v2-proto' | 'v1-json';

/**
 * Zipkin receiver (`POST /api/v2/spans` JSON or protobuf, `POST /api/v1/spans` JSON; gzip), with
 * Zipkin's contract: 202 with an empty body once the spans are safe. Zipkin clients do not read a
 * response body, so a span that cannot be stored (bad ID, no timestamp) is dropped alone and its
 * reason logged; the rest of the request is stored and the answer is still 202. Errors are plain
 * text, as Zipkin's server sends them. Thrift (v1) is not supported: 415.
 */
export function createZipkinHandler(pipeline: SpanConsumer, options: ZipkinReceiverOptions, logger: ReceiverLogger): RequestListener {
  const telemetry = new ReceiverTelemetry(options.metrics, 'zipkin', 'http');
  return (request, response) => {
    const held: HeldAdmission = {};
    handle(request, response, pipeline, options, logger, telemetry, held)
      .catch((error: unknown) => {
        // A bug must cost one request, never the process.
        telemetry.refused('internal');
        logger.warn(`Zipkin: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        if (!response.headersSent) send(response, 500, 'internal error');
        else response.destroy();
      })
      .finally(() => releaseAdmission(held));
  };
}

function formatOf(path: string, contentType: string | undefined): Format | undefined {
  // Zipkin's server reads a body without Content-Type as JSON; old clients send none.
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const json = mediaType === '' || mediaType === 'application/json';
  if (path === V1_PATH) return json ? 'v1-json' : undefined;
  if (json) return 'v2-json';
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'v2-proto';
  return undefined;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  pipeline: SpanConsumer,
  options: ZipkinReceiverOptions,
  logger: ReceiverLogger,
  telemetry: ReceiverTelemetry,
  held: HeldAdmission,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!;
  const refuse = (status: number, message: string): void => {
    logger.warn(`Zipkin ${request.method ?? '?'} ${path} from ${request.socket.remoteAddress ?? '?'}: ${status} ${message}`);
    send(response, status, message);
  };
  const refuseWith = (status: ConsumeStatus): void => {
    for (const [name, value] of Object.entries(status.httpHeaders)) response.setHeader(name, value);
    refuse(status.httpStatus, status.rpc.message);
  };

  if (path !== V2_PATH && path !== V1_PATH) {
    return refuse(404, `no Zipkin endpoint at ${path}: spans go to POST ${V2_PATH} (or ${V1_PATH})`);
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return refuse(405, `method ${request.method ?? '?'} not allowed on ${path}: use POST`);
  }
  const format = formatOf(path, request.headers['content-type']);
  if (format === undefined) {
    telemetry.refused('decode_error');
    const accepted = path === V1_PATH ? 'application/json' : 'application/json or application/x-protobuf';
    return refuse(415, `unsupported Content-Type "${request.headers['content-type'] ?? ''}" on ${path}: use ${accepted}`);
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
    return refuse(body.status, body.message);
  }

  await RECEIVER_TURNS.next();
  let decoded: ZipkinDecoded;
  try {
    if (format === 'v2-proto') decoded = decodeZipkinProto(body.body);
    else if (format === 'v2-json') decoded = decodeZipkinV2Json(body.body.toString('utf8'));
    else decoded = decodeZipkinV1Json(body.body.toString('utf8'));
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    telemetry.refused('decode_error');
    return refuse(400, `cannot decode Zipkin ${format === 'v2-proto' ? 'protobuf' : 'JSON'} body: ${error.message}`);
  }

  const converted = zipkinToModel(decoded.spans, identityOf(request).tenant);
  // Spans Zipkin decoding or conversion dropped are received and rejected as invalid here; the
  // rest are counted by exportTraces.
  const dropped = [...decoded.rejected, ...converted.rejected];
  telemetry.received(dropped.length);
  telemetry.rejectedInvalid(dropped.length);
  const outcome = await exportTraces(converted.spans, pipeline, telemetry, held.admission?.ticket);
  if (outcome.outcome !== 'accepted') return refuseWith(statusOf(outcome));
  const droppedCount = dropped.length + outcome.rejectedSpans;
  if (droppedCount > 0) {
    const reasons = [...dropped.slice(0, 5), ...(outcome.errorMessage === '' ? [] : [outcome.errorMessage])].join('; ');
    const total = decoded.spans.length + decoded.rejected.length;
    logger.warn(`Zipkin ${path}: dropped ${droppedCount} invalid span(s), stored ${outcome.acceptedSpans} of ${total}: ${reasons}`);
  }
  response.statusCode = 202;
  response.setHeader('Content-Length', 0);
  response.end();
}

function send(response: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`);
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Content-Length', body.length);
  response.end(body);
}
