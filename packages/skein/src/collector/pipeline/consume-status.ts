import type { ConsumeResult } from './consume-result.js';

/**
 * The one mapping of a pipeline answer to the protocols' statuses, shared by every receiver
 * (OTLP/HTTP, OTLP/gRPC, Zipkin), so a refusal means the same on every port:
 *
 * | ConsumeResult             | HTTP                    | gRPC                           |
 * |---------------------------|-------------------------|--------------------------------|
 * | success                   | 200                     | OK                             |
 * | retryable / overloaded    | 429 + Retry-After       | RESOURCE_EXHAUSTED + RetryInfo |
 * | retryable / unavailable   | 503 + Retry-After       | UNAVAILABLE + RetryInfo        |
 * | failure                   | 500                     | INTERNAL                       |
 *
 * OTLP clients retry exactly 429/503 and RESOURCE_EXHAUSTED/UNAVAILABLE (with RetryInfo, the
 * Collector's exporterhelper honours the delay), and never retry 500/INTERNAL: the data was fine,
 * Skein could not take it.
 */

/** gRPC status codes (grpc/doc/statuscodes.md) Skein answers with. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** A `google.rpc.Status`, with the delay of its `google.rpc.RetryInfo` detail when retrying is advised. */
export interface RpcStatus {
  code: GrpcCode;
  message: string;
  retryAfterMillis?: number;
}

export interface ConsumeStatus {
  readonly httpStatus: 200 | 429 | 500 | 503;
  /** `Retry-After` (whole seconds, at least 1) for a retryable result; empty otherwise. */
  readonly httpHeaders: Readonly<Record<string, string>>;
  readonly rpc: RpcStatus;
}

/** A bounded queue or buffer is full: retry after `retryAfterMillis` (429 / RESOURCE_EXHAUSTED). */
export function overloaded(message: string, retryAfterMillis: number): ConsumeResult {
  return { outcome: 'retryable', reason: 'overloaded', message, retryAfterMillis };
}

/** A downstream (storage, a backend) cannot take data now: retry after `retryAfterMillis` (503 / UNAVAILABLE). */
export function unavailable(message: string, retryAfterMillis: number): ConsumeResult {
  return { outcome: 'retryable', reason: 'unavailable', message, retryAfterMillis };
}

/** HTTP's Retry-After is whole seconds; round up, and never 0 (a client would retry at once). */
export function retryAfterSeconds(retryAfterMillis: number): number {
  return Math.max(1, Math.ceil(retryAfterMillis / 1000));
}

export function statusOf(result: ConsumeResult): ConsumeStatus {
  switch (result.outcome) {
    case 'success':
      return { httpStatus: 200, httpHeaders: {}, rpc: { code: GrpcCode.OK, message: '' } };
    case 'failure':
      return { httpStatus: 500, httpHeaders: {}, rpc: { code: GrpcCode.INTERNAL, message: result.message } };
    case 'retryable': {
      const isOverloaded = result.reason === 'overloaded';
      return {
        httpStatus: isOverloaded ? 429 : 503,
        httpHeaders: { 'Retry-After': String(retryAfterSeconds(result.retryAfterMillis)) },
        rpc: {
          code: isOverloaded ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.UNAVAILABLE,
          message: result.message,
          retryAfterMillis: result.retryAfterMillis,
        },
      };
    }
  }
}
