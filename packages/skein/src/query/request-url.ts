import type { IncomingMessage } from 'node:http';

const ORIGIN = 'http://localhost';

/**
 * The request target as a URL, for every HTTP route of the query side. `new URL(target, base)` reads a
 * target that starts with `//` as a host: `//?end=x` throws "Invalid URL" (found by the fuzz test: the query
 * port then never answered) and `//evil/x` becomes host `evil`, path `/x`. An origin-form target is an
 * absolute path (RFC 9112 §3.2.1), so it is appended to a fixed origin instead; an absolute-form target
 * (`GET http://host/path`) keeps its path and query. Never throws: Node's parser has already refused targets
 * with bytes a URL cannot hold.
 */
export function requestUrl(request: Pick<IncomingMessage, 'url'>): URL {
  const target = request.url ?? '/';
  try {
    if (target.startsWith('/')) return new URL(`${ORIGIN}${target}`);
    const absolute = new URL(target);
    return new URL(`${ORIGIN}${absolute.pathname}${absolute.search}`);
  } catch {
    return new URL(`${ORIGIN}/`);
  }
}
