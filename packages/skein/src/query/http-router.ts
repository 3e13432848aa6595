import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { sendStreamed, StreamedResponse } from './streamed-response.js';
import { requestUrl } from './request-url.js';

export interface RouteContext {
  request: IncomingMessage;
  url: URL;
  /** Decoded path segments matched by `:name` patterns. */
  params: Record<string, string>;
}

/** A handler returns the JSON body of a 200 (or a {@link StreamedResponse}), or throws an {@link ApiError}. */
export type RouteHandler = (context: RouteContext) => Promise<unknown>;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

export interface RouterLogger {
  warn(message: string): void;
}

/**
 * A minimal JSON router over node:http: GET routes with `:param` segments, errors as
 * `{"error":{"code","message"}}` with the ApiError's status. Small enough that a framework
 * would add more than it saves; receivers need raw node:http anyway for body-size control.
 */
export class HttpRouter {
  private readonly routes: Route[] = [];

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }

  /** POST and DELETE: only the admin API's token routes use them (admin-token-api.ts). */
  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler);
  }

  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  private add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Every route's pattern (`/api/v1/traces/:traceId`), so the host and tests can enumerate them. */
  patterns(): string[] {
    return [...new Set(this.routes.map((route) => `/${route.segments.join('/')}`))];
  }

  /**
   * `sendError` writes an error response (default: Skein's JSON error body); foreign APIs pass
   * their server's own error form (Zipkin answers plain text).
   */
  handler(logger: RouterLogger, sendError: ErrorWriter = sendJsonError): RequestListener {
    return (request, response) => {
      this.dispatch(request, response).catch((error: unknown) => {
        const apiError = error instanceof ApiError ? error : new ApiError('internal', 'internal error');
        if (!(error instanceof ApiError) || apiError.status >= 500) {
          logger.warn(
            `query API ${request.method ?? '?'} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
        // A streamed body failed part-way: the status is sent, only cutting the connection tells.
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (apiError.code === 'method_not_allowed') response.setHeader('Allow', this.allowedOn(request));
        sendError(response, apiError);
      });
    };
  }

  /** The `Allow` header of a 405: the methods the path's routes take. */
  private allowedOn(request: IncomingMessage): string {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean);
    const methods = new Set(this.routes.filter((route) => matchSegments(route.segments, path) !== undefined).map((route) => route.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].join(', ') || 'GET, HEAD';
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    const pathSegments = url.pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, pathSegments);
      if (params === undefined) continue;
      pathMatched = true;
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      if (method !== route.method) continue;
      const body = await route.handler({ request, url, params });
      if (body instanceof StreamedResponse) await sendStreamed(request, response, body);
      else sendJson(response, 200, body);
      return;
    }
    if (pathMatched) throw new ApiError('method_not_allowed', `method ${request.method ?? '?'} not allowed on ${url.pathname}`);
    throw new ApiError('not_found', `no API endpoint at ${url.pathname}`);
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = path[i]!;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export type ErrorWriter = (response: ServerResponse, error: ApiError) => void;

function sendJsonError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, { error: { code: error.code, message: error.message } });
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
