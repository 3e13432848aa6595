import { api, ApiClientError } from './client';
import { materializeTrace, type CompactColumns } from './compact-trace';
import { downloadCompactColumns } from './trace-download';
import type { TraceLoaderReply, TraceLoaderRequest } from './trace-loader-protocol';
import type { TraceLoadProgress } from '../model/trace-load-progress';
import type { NativeTrace } from './schemas';

export type { TraceLoadPhase } from './trace-loader-protocol';
export type { TraceLoadProgress } from '../model/trace-load-progress';

export interface TraceLoadOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: TraceLoadProgress) => void) | undefined;
}

function abortError(): DOMException {
  return new DOMException('the trace is no longer wanted', 'AbortError');
}

/** Lets the browser paint (the progress text) before a long step on the main thread. */
function nextPaint(): Promise<void> {
  return new Promise((done) => setTimeout(done, 0));
}

/** Downloads and checks the compact columns in a worker; rejects like the API client does. */
function columnsInWorker(url: string, options: TraceLoadOptions): Promise<CompactColumns> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./trace-loader-worker.ts', import.meta.url), { type: 'module' });
    const finish = (): void => {
      worker.terminate();
      options.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(abortError());
    };
    options.signal?.addEventListener('abort', onAbort);
    worker.onmessage = (event: MessageEvent<TraceLoaderReply>) => {
      const reply = event.data;
      if (reply.type === 'progress') {
        // For bench/ui-big-trace-bench.ts: a worker's fetch is not in the page's resource timeline.
        if (reply.phase === 'decode') performance.mark('skein:trace-downloaded');
        options.onProgress?.({
          phase: reply.phase,
          bytes: reply.bytes,
          ...(reply.spanCount !== undefined && { spanCount: reply.spanCount }),
        });
        return;
      }
      finish();
      if (reply.type === 'done') resolve(reply.columns);
      else reject(new ApiClientError(reply.message, reply.status, reply.code));
    };
    worker.onerror = (event) => {
      finish();
      reject(new ApiClientError(`the trace loader worker failed: ${event.message}`, 0, 'worker_failed'));
    };
    worker.postMessage({ url } satisfies TraceLoaderRequest);
  });
}

/** Without module workers (old browsers): the same steps on the main thread. */
function columnsHere(url: string, options: TraceLoadOptions): Promise<CompactColumns> {
  return downloadCompactColumns(
    url,
    (phase, bytes, spanCount) => options.onProgress?.({ phase, bytes, ...(spanCount !== undefined && { spanCount }) }),
    options.signal,
  );
}

/**
 * A stored trace for the trace page, in the compact format (docs/api.md): downloaded, parsed and
 * checked in a worker, then turned into span objects here. A backend that predates the format
 * answers 400 to `format=compact`: the native JSON is fetched instead.
 */
export async function loadStoredTrace(traceId: string, options: TraceLoadOptions = {}): Promise<NativeTrace> {
  const url = `/api/v1/traces/${encodeURIComponent(traceId)}?format=compact`;
  if (options.signal?.aborted) throw abortError();
  let columns: CompactColumns;
  try {
    columns = typeof Worker === 'undefined' ? await columnsHere(url, options) : await columnsInWorker(url, options);
  } catch (error) {
    if (error instanceof ApiClientError && error.status === 400 && error.code === 'bad_parameter')
      return api.trace(traceId, options.signal);
    // A worker that cannot start (a content security policy, a failed script load) is no reason
    // not to show the trace: the same steps run here.
    if (error instanceof ApiClientError && error.code === 'worker_failed') columns = await columnsHere(url, options);
    else throw error;
  }
  if (options.signal?.aborted) throw abortError();
  options.onProgress?.({ phase: 'build', bytes: 0, spanCount: columns.spanCount });
  await nextPaint();
  return materializeTrace(columns);
}
