import type { RequestListener } from 'node:http';
import type { SkeinMetrics } from './skein-metrics.js';

/**
 * `GET /metrics`: Prometheus text exposition of Skein's own metrics (the Collector's :8888). Any
 * other path is 404, any other method 405; a failing collector callback is a 500 for that scrape,
 * never a crash.
 */
export function createMetricsHandler(metrics: SkeinMetrics): RequestListener {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, contentType: string, body: string): void => {
      response.statusCode = status;
      response.setHeader('Content-Type', contentType);
      response.setHeader('Content-Length', Buffer.byteLength(body));
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (path !== '/metrics') return reply(404, 'text/plain; charset=utf-8', `no metrics at ${path}: scrape /metrics\n`);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(405, 'text/plain; charset=utf-8', 'use GET /metrics\n');
    }
    const openMetrics = /application\/openmetrics-text/.test(request.headers.accept ?? '');
    metrics.render(openMetrics).then(
      ({ contentType, body }) => reply(200, contentType, body),
      (error: unknown) =>
        reply(500, 'text/plain; charset=utf-8', `cannot collect metrics: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  };
}
