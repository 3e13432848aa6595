import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for OTLP/HTTP, so browser SDKs (OTel JS web) can export straight to Skein. Same settings as
 * the OpenTelemetry Collector's `cors` block: origins are exact, `*`, or wildcard patterns such
 * as `https://*.example.com`; only those origins get CORS headers.
 */
export interface CorsOptions {
  allowedOrigins: readonly string[];
  /** Request headers a browser may send besides the ones OTLP exporters always use. */
  allowedHeaders: readonly string[];
  maxAgeSeconds: number;
}

/** What browsers' OTLP exporters send on every request. */
const ALWAYS_ALLOWED_HEADERS = ['content-type', 'content-encoding', 'accept', 'accept-encoding'];

export class CorsPolicy {
  private readonly origins: RegExp[];
  private readonly headers: Set<string>;

  constructor(private readonly options: CorsOptions) {
    this.origins = options.allowedOrigins.map(
      (pattern) =>
        new RegExp(
          `^${pattern
            .split('*')
            .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
            .join('.*')}$`,
          'i',
        ),
    );
    this.headers = new Set([...ALWAYS_ALLOWED_HEADERS, ...options.allowedHeaders.map((h) => h.toLowerCase())]);
  }

  allows(origin: string): boolean {
    return this.origins.some((pattern) => pattern.test(origin));
  }

  /** Adds the response headers for an allowed cross-origin request; a no-op otherwise. */
  decorate(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    if (origin === undefined || !this.allows(origin)) return;
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Vary', 'Origin');
  }

  /**
   * Answers a preflight. Returns the refusal reason when the origin, method or a header is not
   * allowed (the caller answers 403 with it), or undefined once a 204 has been sent.
   */
  preflight(request: IncomingMessage, response: ServerResponse): string | undefined {
    const origin = request.headers.origin ?? '';
    if (!this.allows(origin)) return `CORS origin ${JSON.stringify(origin)} is not in receivers.otlp.protocols.http.cors.allowed_origins`;
    const method = (request.headers['access-control-request-method'] ?? '').toUpperCase();
    if (method !== 'POST') return `CORS preflight for method ${JSON.stringify(method)}: only POST is allowed`;
    const requested = (request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const refused = requested.filter((h) => !this.headers.has(h));
    if (refused.length > 0) return `CORS preflight asks for headers not in cors.allowed_headers: ${refused.join(', ')}`;
    response.statusCode = 204;
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Vary', 'Origin');
    response.setHeader('Access-Control-Allow-Methods', 'POST');
    if (requested.length > 0) response.setHeader('Access-Control-Allow-Headers', requested.join(', '));
    response.setHeader('Access-Control-Max-Age', String(this.options.maxAgeSeconds));
    response.end();
    return undefined;
  }
}
