import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';

/**
 * The little HTTP the demo services need: exact-path JSON routes on `node:http`. No framework on
 * purpose: the spans in Skein then come from the SDK's own `http` instrumentation and from the
 * demo's code, nothing in between.
 */
export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface JsonResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type JsonHandler = (request: JsonRequest) => Promise<JsonResponse>;

/** Routes keyed by `METHOD /path`, e.g. `POST /orders`. */
export type Routes = Map<string, JsonHandler>;

export function jsonRoutes(handlers: Record<string, JsonHandler>): Routes {
  return new Map(Object.entries(handlers));
}

/** An error that becomes an HTTP answer with this status and `{ error: message }`. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 1 << 20;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function send(response: ServerResponse, answer: JsonResponse): void {
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  response.end(text);
}

async function dispatch(routes: Routes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const handler = routes.get(`${method} ${url.pathname}`);
  if (handler === undefined) {
    send(response, { status: 404, body: { error: `no route ${method} ${url.pathname}` } });
    return;
  }
  // The http instrumentation cannot know our routes: name the server span after the route so the
  // UI's operation list reads "POST /orders" rather than a bare "POST".
  const serverSpan = trace.getActiveSpan();
  serverSpan?.updateName(`${method} ${url.pathname}`);
  serverSpan?.setAttribute(ATTR_HTTP_ROUTE, url.pathname);
  try {
    const body = await readBody(request);
    send(response, await handler({ method, path: url.pathname, query: url.searchParams, headers: request.headers, body }));
  } catch (error) {
    if (error instanceof HttpError) {
      send(response, { status: error.status, body: { error: error.message } });
      return;
    }
    serverSpan?.recordException(error instanceof Error ? error : String(error));
    send(response, { status: 500, body: { error: error instanceof Error ? error.message : String(error) } });
  }
}

/** Listens on 127.0.0.1:`port` (0 = any free port) and resolves once it accepts connections. */
export async function startJsonServer(port: number, routes: Routes): Promise<Server> {
  const server = createServer((request, response) => void dispatch(routes, request, response));
  // Long polls (queue consumers) must outlive Node's default keep-alive timing quirks.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export interface CallResult<T> {
  status: number;
  body: T;
}

/**
 * Calls another service with JSON (through global `fetch`, which the SDK traces and which carries
 * the trace context). Network failures throw; HTTP error statuses are returned for the caller to judge.
 */
export async function callJson<T = unknown>(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CallResult<T>> {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body: body as T };
}

/** Fields a request body must have, checked with the name of the first bad one in the 400. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object body');
  return body as Record<string, unknown>;
}

export function requireString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `"${key}" must be a non-empty string`);
  return value;
}

export function requireNumber(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `"${key}" must be a number`);
  return value;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
