import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TraceStore } from '../../storage/trace-store.js';
import type { RouterLogger } from '../http-router.js';
import { readerFor } from '../tenant-of.js';
import { answerJaegerApiV3 } from './jaeger-api-v3.js';
import { sendAnswer, structuredError, v3Error } from './jaeger-http.js';
import { answerJaegerQuery } from './jaeger-query-api.js';

/**
 * Puts Jaeger's query APIs (internal `/api/…` and api_v3 `/api/v3/…`) in front of `next` on the
 * query port. Paths that are not Jaeger's (`/api/v1/…`, the UI) go to `next` unchanged. Reads go
 * through `readerFor(store, request)`: the request's tenant (ARCHITECTURE decision 10).
 */
export function withJaegerApi(store: TraceStore, logger: RouterLogger, next: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/') || url.pathname.startsWith('/api/v1/')) {
      next(request, response);
      return;
    }
    const reader = () => readerFor(store, request);
    const isV3 = url.pathname.startsWith('/api/v3/');
    const answering = isV3 ? answerJaegerApiV3(reader, request, url) : answerJaegerQuery(reader, request, url);
    answering.then(
      (answer) => {
        if (answer === undefined) next(request, response);
        else sendAnswer(response, answer);
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        // A path segment that is not valid percent-encoding is the client's error, as in Go's router.
        const status = error instanceof URIError ? 400 : 500;
        if (status === 500)
          logger.warn(
            `Jaeger API ${request.method ?? '?'} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? message) : message}`,
          );
        if (response.headersSent) response.destroy();
        else sendAnswer(response, isV3 ? v3Error(status, message) : structuredError(status, message));
      },
    );
  };
}
