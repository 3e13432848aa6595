import type { Span } from '../../model/span.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { ApiError } from '../api-error.js';
import { readTraceSpans } from '../compact-trace-route.js';

/**
 * A whole trace's spans, or none for an unknown trace: Jaeger's routes turn "none" into their
 * own not-found answers. Other failures (storage, a trace too large) reject as they are.
 */
export async function traceSpansOrNone(reader: TenantTraceReader, traceId: string): Promise<Span[]> {
  try {
    return await readTraceSpans(reader, traceId);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') return [];
    throw error;
  }
}
