import { ApiClientError } from './client';
import { transferables } from './compact-trace';
import { downloadCompactColumns } from './trace-download';
import type { TraceLoaderReply, TraceLoaderRequest } from './trace-loader-protocol';

/**
 * A module worker that downloads, parses and checks a trace in the compact format, so that the
 * main thread never parses a big JSON body: it receives typed columns (transferred, not copied)
 * and only builds the span objects (compact-trace.ts). Progress goes out as bytes arrive.
 */
interface WorkerScope {
  onmessage: ((event: MessageEvent<TraceLoaderRequest>) => void) | null;
  postMessage(message: TraceLoaderReply, options?: { transfer?: Transferable[] }): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  downloadCompactColumns(event.data.url, (phase, bytes, spanCount) =>
    scope.postMessage({ type: 'progress', phase, bytes, ...(spanCount !== undefined && { spanCount }) }),
  ).then(
    (columns) => scope.postMessage({ type: 'done', columns }, { transfer: transferables(columns) }),
    (error: unknown) => {
      // Errors do not survive postMessage as classes: their fields travel instead.
      if (error instanceof ApiClientError)
        scope.postMessage({ type: 'error', status: error.status, code: error.code, message: error.message });
      else
        scope.postMessage({ type: 'error', status: 0, code: 'internal', message: error instanceof Error ? error.message : String(error) });
    },
  );
};
