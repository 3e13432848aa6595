import type { Span } from '../model/span.js';
import { MAX_PAGE_SPANS, type TenantTraceReader } from '../storage/trace-store.js';
import { ApiError, fromStorage } from './api-error.js';
import { CompactTraceEncoder } from './compact-trace-encoder.js';
import { StreamedResponse } from './streamed-response.js';

/**
 * Spans per storage page: the most storage allows. Each page is one more pass over the trace's
 * rows in the engine (1M spans: 13–19 s in 100k pages, 25–30 s in 50k pages, measured), and
 * storage shrinks a page of large spans on its own, so this only caps the count.
 */
const PAGE_SPANS = MAX_PAGE_SPANS;

/**
 * Most spans the whole-trace forms (native JSON, OTLP JSON) are built for: each is one
 * `JSON.stringify` string at ~600 B/span, which passes V8's 2^29 − 24-character limit near 900k
 * spans, and holds every span as objects first. The compact form has no such bound.
 */
export const MAX_WHOLE_TRACE_SPANS = 500_000;

/**
 * A trace's spans for the whole-trace forms, read page by page; 404 when unknown, and
 * `trace_too_large` (naming the way out) above {@link MAX_WHOLE_TRACE_SPANS} instead of failing
 * late on a string limit with a generic error that would invite retries.
 */
export async function readTraceSpans(reader: TenantTraceReader, traceId: string): Promise<Span[]> {
  const spans: Span[] = [];
  try {
    for await (const page of reader.readTrace(traceId, { pageSpans: PAGE_SPANS })) {
      if (spans.length + page.length > MAX_WHOLE_TRACE_SPANS) {
        throw new ApiError(
          'trace_too_large',
          `trace ${traceId} has more than ${MAX_WHOLE_TRACE_SPANS.toLocaleString('en')} spans, too many for one JSON document ` +
            'in this format; fetch it with ?format=compact, which has no such limit',
        );
      }
      for (const span of page) spans.push(span);
    }
  } catch (error) {
    throw fromStorage(error);
  }
  if (spans.length === 0) throw new ApiError('not_found', `trace ${traceId} not found`);
  return spans;
}

/**
 * `?format=compact`: the compact columnar JSON (compact-trace-encoder.ts), streamed and gzipped.
 * Storage pages are encoded as they arrive and then dropped, so a trace is never held as span
 * objects nor read as one engine result: the server holds ~100 B/span of compact text, which
 * is what lets a 1M-span trace through. Sending starts after the last page (the layout's header
 * and string table need the whole trace), so storage errors still get a proper status.
 */
export async function compactTraceResponse(reader: TenantTraceReader, traceId: string): Promise<StreamedResponse> {
  const encoder = new CompactTraceEncoder(traceId);
  let spanCount = 0;
  try {
    for await (const page of reader.readTrace(traceId, { pageSpans: PAGE_SPANS })) {
      encoder.addPage(page);
      spanCount += page.length;
    }
  } catch (error) {
    throw fromStorage(error);
  }
  if (spanCount === 0) throw new ApiError('not_found', `trace ${traceId} not found`);
  return new StreamedResponse('application/json; charset=utf-8', encoder.finish());
}
