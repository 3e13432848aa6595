import type { IncomingMessage } from 'node:http';
import { AdmissionTicket } from '../pipeline/admission-ticket.js';
import type { Consumer, ConsumeResult } from '../pipeline/consume-result.js';
import { overloaded } from '../pipeline/consume-status.js';
import { IN_FLIGHT_RETRY_AFTER_MILLIS, type BodyReservation, type InFlightBytes } from './in-flight-bytes.js';
import { checkBodyHeaders, readBody, type BodyResult } from './read-body.js';

export type RequestAdmission =
  | {
      readonly admitted: true;
      /** Settle it when the items are handed to the pipeline (exportItems does) and again, harmlessly, when the request ends. */
      readonly ticket: AdmissionTicket;
      /** The request's share of the in-flight budget (its declared bytes already in it); release it once answered. */
      readonly reservation: BodyReservation | undefined;
    }
  | { readonly admitted: false; readonly refusal: ConsumeResult };

/**
 * The one admission decision of every receiver (OTLP/HTTP, OTLP/gRPC, Zipkin), taken as soon as a
 * request's headers have arrived: before a byte of its body is read, decompressed or decoded
 * (gRPC: at its metadata, before grpc-js reads the message). A refused request costs only its
 * headers, so an overloaded Skein spends its CPU on the requests it takes (issue 20, item 3).
 *
 * Refused when the receivers' in-flight body budget cannot take the declared bytes (or, size
 * unknown, is spent), or when the pipeline would refuse (`Consumer.admission`: memory_limiter
 * above its limit, a storage queue whose predicted wait passes `max_queue_wait`). Admitted, the
 * request holds its declared bytes in the budget and counts as arriving work in the storage
 * queue's prediction until its ticket is settled.
 */
export function admitRequest(
  consumer: Pick<Consumer<unknown>, 'admission'>,
  inFlightBytes: InFlightBytes | undefined,
  declaredBytes: number | undefined,
): RequestAdmission {
  const reservation = inFlightBytes?.reserve();
  if (inFlightBytes && reservation) {
    const fits = declaredBytes === undefined ? !inFlightBytes.spent : reservation.growTo(declaredBytes);
    if (!fits) {
      reservation.release();
      return {
        admitted: false,
        refusal: overloaded(
          'too many request bytes in flight: Skein is reading or processing other requests',
          IN_FLIGHT_RETRY_AFTER_MILLIS,
        ),
      };
    }
  }
  const ticket = new AdmissionTicket(declaredBytes);
  const refusal = consumer.admission?.(ticket);
  if (refusal === undefined) return { admitted: true, ticket, reservation };
  ticket.settle();
  reservation?.release();
  return { admitted: false, refusal };
}

/** A request's declared body size: its Content-Length when that is a plain number, else undefined. */
export function declaredBodyBytes(contentLength: string | undefined): number | undefined {
  if (contentLength === undefined || !/^\d{1,15}$/.test(contentLength.trim())) return undefined;
  return Number(contentLength);
}

/** Where an HTTP receiver keeps its request's admission until the answer is sent. */
export interface HeldAdmission {
  admission?: Extract<RequestAdmission, { admitted: true }>;
}

/**
 * An HTTP request's body, read only once the request is admitted on its headers: the header
 * checks first (declared size, encoding), then {@link admitRequest}, then the read within the
 * request's reservation. `refusal` when admission said no: nothing of the body was read (node:http
 * drains it without a data listener: no gunzip, no decode, and the connection stays usable).
 * Shared by the OTLP/HTTP and Zipkin receivers.
 */
export async function readAdmittedBody(
  request: IncomingMessage,
  consumer: Pick<Consumer<unknown>, 'admission'>,
  limits: { readonly maxRequestBodyBytes: number; readonly inFlightBytes?: InFlightBytes | undefined },
  held: HeldAdmission,
): Promise<{ readonly refusal: ConsumeResult } | { readonly body: BodyResult }> {
  const checked = checkBodyHeaders(request, limits.maxRequestBodyBytes);
  if (checked !== undefined) return { body: checked };
  const admission = admitRequest(consumer, limits.inFlightBytes, declaredBodyBytes(request.headers['content-length']));
  if (!admission.admitted) return { refusal: admission.refusal };
  held.admission = admission;
  return { body: await readBody(request, limits.maxRequestBodyBytes, admission.reservation) };
}

/** After the answer: the ticket settles (if the items never reached the pipeline) and the bytes go back to the budget. */
export function releaseAdmission(held: HeldAdmission): void {
  held.admission?.ticket.settle();
  held.admission?.reservation?.release();
}

/** The refusal counter's reason for an admission refusal. */
export function refusalReason(refusal: ConsumeResult): 'overloaded' | 'unavailable' | 'internal' {
  return refusal.outcome === 'retryable' ? refusal.reason : 'internal';
}
