import type { IncomingMessage, Server as HttpServer, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { durationMillisSchema } from '../model/duration-schema.js';

/**
 * Slow-client limits of every HTTP listener the host binds (`service.http_server` in the config
 * file; Go's http.Server / the Collector's confighttp names where they exist):
 *
 * ```yaml
 * service:
 *   http_server:
 *     read_header_timeout: 10s    # the request line and headers must arrive within this
 *     body_progress_timeout: 10s  # while a body is read, some bytes must arrive this often
 *     read_timeout: 2m            # the whole request (headers and body) must arrive within this
 *     idle_timeout: 60s           # a keep-alive connection with no request in flight is closed after this
 * ```
 *
 * Node's defaults let a client that sends half its headers hold a connection for 60 s, and a
 * chunked body that announces a huge chunk and never sends it for 300 s. The answers are one log
 * line each: 408 for a timeout, 400 (431 for oversized headers) for a request that does not parse.
 * Waiting for the pipeline or storage is not covered: it is the server's time, and admission
 * (the receivers' bounded wait) answers that.
 */
export const httpServerLimitsSchema = z
  .object({
    read_header_timeout: durationMillisSchema.default(10_000),
    body_progress_timeout: durationMillisSchema.default(10_000),
    read_timeout: durationMillisSchema.default(120_000),
    idle_timeout: durationMillisSchema.default(60_000),
  })
  .strict()
  .superRefine((limits, context) => {
    for (const key of ['read_header_timeout', 'body_progress_timeout', 'read_timeout', 'idle_timeout'] as const) {
      if (limits[key] <= 0) context.addIssue({ code: 'custom', path: [key], message: 'must be above 0' });
    }
    if (limits.read_timeout > 0 && limits.read_header_timeout > limits.read_timeout) {
      context.addIssue({
        code: 'custom',
        path: ['read_header_timeout'],
        message: `must not exceed read_timeout (${limits.read_timeout} ms)`,
      });
    }
  })
  .prefault({});

export type HttpServerLimits = z.output<typeof httpServerLimitsSchema>;

export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = httpServerLimitsSchema.parse(undefined);

interface LimitLogger {
  warn(message: string): void;
}

/**
 * Options for `http.createServer` / `https.createServer`. Node checks the header and request
 * timeouts every `connectionsCheckingInterval` (30 s by default, which would let a 10 s limit hold
 * a connection for 40 s): check at a fifth of the shortest limit, at most once a second.
 */
export function httpServerOptions(limits: HttpServerLimits): ServerOptions {
  return {
    headersTimeout: limits.read_header_timeout,
    requestTimeout: limits.read_timeout,
    keepAliveTimeout: limits.idle_timeout,
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(Math.min(limits.read_header_timeout, limits.read_timeout) / 5))),
  };
}

/**
 * Answers and logs what Node's options alone do not: a body that stops arriving (408 once
 * `body_progress_timeout` passes without a byte while the request is incomplete), and one log line
 * for each connection closed for a timeout or a request that does not parse.
 */
export function applyHttpServerLimits(server: HttpServer, limits: HttpServerLimits, logger: LimitLogger, description: string): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? '';
    const [status, reason] =
      code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, `the request did not arrive within ${limits.read_header_timeout} ms for headers / ${limits.read_timeout} ms in all`]
        : code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'request headers are too large']
          : [400, `the request does not parse as HTTP/1.1 (${code || error.message})`];
    // A connection reset mid-request is the client leaving, not a problem to report.
    if (code !== 'ECONNRESET') logger.warn(`${description}: closed a connection from ${socket.remoteAddress ?? '?'}: ${status} ${reason}`);
    if (socket.writable && code !== 'ECONNRESET') {
      const text = `${reason}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    }
    socket.destroySoon();
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) =>
    watchBodyProgress(request, response, limits, logger, description),
  );
}

function watchBodyProgress(
  request: IncomingMessage,
  response: ServerResponse,
  limits: HttpServerLimits,
  logger: LimitLogger,
  description: string,
): void {
  if (request.complete) return;
  const socket = request.socket;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', restart);
  };
  const expire = (): void => {
    stop();
    // A handler that stopped reading (it already answered, or it pauses the body) is not waiting on the client.
    if (request.complete || request.readableFlowing === false || request.destroyed) return;
    const message = `no request body bytes for ${limits.body_progress_timeout} ms (service.http_server.body_progress_timeout)`;
    logger.warn(`${description}: closed a slow connection from ${socket.remoteAddress ?? '?'}: 408 ${message}`);
    if (!response.headersSent) {
      response.statusCode = 408;
      response.setHeader('Connection', 'close');
      response.setHeader('Content-Type', 'text/plain; charset=utf-8');
      response.end(`${message}\n`);
      response.once('finish', () => socket.destroy());
    } else socket.destroy();
  };
  // Read from the socket, not the request: listening to the request would take its data from the handler.
  function restart(): void {
    clearTimeout(timer);
    if (request.complete) return stop();
    timer = setTimeout(expire, limits.body_progress_timeout);
    timer.unref();
  }
  socket.on('data', restart);
  request.once('end', stop);
  response.once('close', stop);
  restart();
}
