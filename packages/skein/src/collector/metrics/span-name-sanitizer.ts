/**
 * Span-name sanitisation: names that carry ids (`GET /users/4711/orders`, `/files/3f2a…`) make one
 * series per id and exhaust the cardinality limit within minutes. A path segment (between `/`,
 * before any `?`) that is a number, a UUID, or a long token containing a digit is replaced by
 * `{id}`; the query string is dropped. Names without a digit are returned as they are (the
 * common case, one regex test).
 */

const HAS_DIGIT = /\d/;
const NUMBER = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^[0-9a-f]{12,}$/i;
const TOKEN = /^[A-Za-z0-9_~.=+-]{16,}$/;

export function sanitizeSpanName(name: string): string {
  if (!HAS_DIGIT.test(name)) return name;
  const query = name.indexOf('?');
  const path = query === -1 ? name : name.slice(0, query);
  if (!path.includes('/')) return NUMBER.test(path) ? '{id}' : path;
  return path
    .split('/')
    .map((segment) => (isId(segment) ? '{id}' : segment))
    .join('/');
}

function isId(segment: string): boolean {
  if (!HAS_DIGIT.test(segment)) return false;
  return NUMBER.test(segment) || UUID.test(segment) || HEX_ID.test(segment) || TOKEN.test(segment);
}
