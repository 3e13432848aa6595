import type { Span } from '../model/span.js';
import { StorageError, type TraceStore } from '../storage/trace-store.js';
import { ApiError } from './api-error.js';
import { encodeCompactTrace } from './compact-trace-encoder.js';
import { StreamedResponse } from './streamed-response.js';

/** V8's longest string (2^29 − 24 UTF-16 units): what storage's one-string result runs into. */
const V8_MAX_STRING_LENGTH = 0x1fffffe8;

/**
 * A trace's spans from storage, with the one failure a client can act on named as such: today
 * every engine returns a trace as one result string, which cannot exceed V8's string limit (near
 * 1M spans of typical size). Storage needs paged reads (by span ID or start-time range) to lift
 * it; until then a generic "storage error" 503 would invite retries that can never succeed.
 */
export async function readTraceSpans(store: TraceStore, traceId: string): Promise<Span[]> {
  try {
    return await store.getTrace(traceId);
  } catch (error) {
    if (error instanceof StorageError && /string longer than|Invalid string length/i.test(error.message)) {
      throw new ApiError(
        'trace_too_large',
        `trace ${traceId} is too large to read: storage returns a trace as one result string, and this one exceeds ` +
          `the ${V8_MAX_STRING_LENGTH.toLocaleString('en')}-character string limit of the JavaScript engine ` +
          '(about 1M spans); reading it needs paged trace reads in storage',
      );
    }
    if (error instanceof StorageError) throw new ApiError('storage_unavailable', `storage error: ${error.message}`);
    throw error;
  }
}

/** `?format=compact`: the compact columnar JSON (compact-trace-encoder.ts), streamed and gzipped. */
export function compactTraceResponse(traceId: string, spans: readonly Span[]): StreamedResponse {
  return new StreamedResponse('application/json; charset=utf-8', encodeCompactTrace(traceId, spans));
}
