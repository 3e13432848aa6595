import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ApiError, fromStorage } from '../api-error.js';

/**
 * The Tempo API's HTTP layer. Not the native API's router (http-router.ts): Tempo answers errors as
 * `text/plain` bodies (Go's `http.Error`), which is what Grafana's data source shows to the user,
 * it answers some routes in protobuf, and it ignores query parameters it does not read (Grafana
 * sends a few Tempo does not use), so nothing here rejects an unknown parameter.
 */

/** A route's answer: a JSON value, or raw bytes / text with their content type. */
export type TempoReply = { kind: 'json'; body: unknown } | { kind: 'raw'; contentType: string; body: string | Uint8Array };

export interface TempoRouteContext {
  request: IncomingMessage;
  url: URL;
  /** Decoded `:name` path segments. */
  params: Record<string, string>;
}

export type TempoRouteHandler = (context: TempoRouteContext) => Promise<TempoReply>;

/** An error Tempo answers with `status` and the message as a plain-text body. */
export class TempoHttpError extends Error {
  override readonly name = 'TempoHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): TempoHttpError {
  return new TempoHttpError(400, message);
}

export function json(body: unknown): TempoReply {
  return { kind: 'json', body };
}

export function text(body: string): TempoReply {
  return { kind: 'raw', contentType: 'text/plain; charset=utf-8', body };
}

interface Route {
  segments: string[];
  handler: TempoRouteHandler;
}

export interface TempoRouterLogger {
  warn(message: string): void;
}

export class TempoRouter {
  private readonly routes: Route[] = [];

  /** Every registered path pattern (`/api/traces/:traceId`), for the listener's route list. */
  patterns(): string[] {
    return this.routes.map((route) => `/${route.segments.join('/')}`);
  }

  get(pattern: string, handler: TempoRouteHandler): this {
    this.routes.push({ segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  handler(logger: TempoRouterLogger): RequestListener {
    return (request, response) => {
      this.dispatch(request, response).catch((error: unknown) => {
        const { status, message } = statusOf(fromStorage(error));
        if (status >= 500) {
          logger.warn(
            `Tempo API ${request.method ?? '?'} ${request.url ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (status === 405) response.setHeader('Allow', 'GET, HEAD');
        send(response, status, 'text/plain; charset=utf-8', `${message}\n`);
      });
    };
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, path);
      if (params === undefined) continue;
      pathMatched = true;
      if (request.method !== 'GET' && request.method !== 'HEAD') continue;
      const reply = await route.handler({ request, url, params });
      if (reply.kind === 'json') send(response, 200, 'application/json', JSON.stringify(reply.body));
      else send(response, 200, reply.contentType, reply.body);
      return;
    }
    if (pathMatched) throw new TempoHttpError(405, `method ${request.method ?? '?'} not allowed on ${url.pathname}`);
    throw new TempoHttpError(404, `404 page not found: ${url.pathname}`);
  }
}

function statusOf(error: unknown): { status: number; message: string } {
  if (error instanceof TempoHttpError) return { status: error.status, message: error.message };
  if (error instanceof ApiError) return { status: error.status, message: error.message };
  return { status: 500, message: 'internal error' };
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

function send(response: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
