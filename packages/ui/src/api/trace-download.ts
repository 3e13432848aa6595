import { ApiClientError } from './client';
import { checkCompactTrace, type CompactColumns } from './compact-trace';
import type { TraceLoadPhase } from './trace-loader-protocol';

/** How often download progress is reported: often enough to move the text, rarely enough to be free. */
const PROGRESS_INTERVAL_MS = 100;

/** Reports phase, bytes and (once read) the span count the body's header states. */
export type DownloadProgress = (phase: TraceLoadPhase, bytes: number, spanCount: number | undefined) => void;

/**
 * The header of the compact body (`{"format":…,"traceId":…,"spanCount":N,…`, compact-trace-encoder.ts)
 * is its first ~100 bytes: they say how many spans are coming long before the last byte does.
 */
const HEAD_BYTES = 512;
const SPAN_COUNT = /"spanCount"\s*:\s*(\d+)/;

async function readText(response: Response, onProgress: DownloadProgress): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return response.text();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  let spanCount: number | undefined;
  let head = '';
  const headDecoder = new TextDecoder();
  // The first piece is reported at once (with the span count), later ones at most every interval.
  let reported = -Infinity;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    bytes += value.byteLength;
    if (spanCount === undefined && head.length < HEAD_BYTES) {
      head += headDecoder.decode(value.subarray(0, HEAD_BYTES), { stream: true });
      const match = SPAN_COUNT.exec(head);
      if (match) spanCount = Number(match[1]);
    }
    if (performance.now() - reported > PROGRESS_INTERVAL_MS) {
      reported = performance.now();
      onProgress('download', bytes, spanCount);
    }
  }
  onProgress('decode', bytes, spanCount);
  // One buffer decoded once: a multi-byte character may be split between two pieces.
  const whole = new Uint8Array(bytes);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  parts.length = 0;
  return new TextDecoder().decode(whole);
}

/**
 * GET a trace in the compact format and check it into typed columns (compact-trace.ts). Runs in
 * trace-loader-worker.ts; failures are {@link ApiClientError}s with the API's own message.
 */
export async function downloadCompactColumns(url: string, onProgress: DownloadProgress, signal?: AbortSignal): Promise<CompactColumns> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, ...(signal && { signal }) });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiClientError(`cannot reach Skein: ${error instanceof Error ? error.message : String(error)}`, 0, 'network');
  }
  const text = await readText(response, onProgress);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiClientError(
      `Skein answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      response.status,
      'bad_response',
    );
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === 'string' && typeof error.message === 'string')
      throw new ApiClientError(error.message, response.status, error.code);
    throw new ApiClientError(`Skein answered ${response.status} ${response.statusText}`, response.status, 'bad_response');
  }
  try {
    return checkCompactTrace(body);
  } catch (error) {
    throw new ApiClientError(
      `unexpected response from ${url.split('?')[0] ?? url}: ${error instanceof Error ? error.message : String(error)}`,
      response.status,
      'bad_response',
    );
  }
}
