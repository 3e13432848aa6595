import type { RequestListener } from 'node:http';
import type { TempoRouter, TempoRouterLogger } from './tempo-http.js';

/**
 * The Tempo API (the same router as the `tempo` extension's listener) answered on another
 * listener under a path prefix: the web UI's TraceQL box runs on the query port and uses exactly
 * the search, tag and metrics routes Grafana uses, without a second origin (no CORS, one login).
 * Requests outside the prefix go to `next`.
 */
export function withTempoApiAt(prefix: string, router: TempoRouter, logger: TempoRouterLogger, next: RequestListener): RequestListener {
  const tempo = router.handler(logger);
  return (request, response) => {
    const url = request.url ?? '/';
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
      next(request, response);
      return;
    }
    request.url = url.slice(prefix.length) || '/';
    tempo(request, response);
  };
}

/** The prefixed route patterns, for the listener's route list (the auth enumeration knocks on them). */
export function tempoPatternsAt(prefix: string, router: TempoRouter): string[] {
  return router.patterns().map((pattern) => `${prefix}${pattern}`);
}
