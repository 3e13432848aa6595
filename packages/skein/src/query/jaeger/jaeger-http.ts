import type { ServerResponse } from 'node:http';
import { stringifyJaegerJson } from '../../model/jaeger-json.js';

/** One answer of a Jaeger route: status, content type and the exact body text. */
export interface JaegerAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Go's encoding/json escapes these by default (HTML safety); Jaeger's bodies carry the escapes. */
function goJsonEscapes(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Jaeger's `prettyPrint` parameter: anything but '' and `false` indents the body by 4 spaces. */
export function prettyPrintIndent(url: URL): string {
  const value = url.searchParams.get('prettyPrint') ?? '';
  return value !== '' && value !== 'false' ? '    ' : '';
}

/** Jaeger's `structuredResponse` envelope, as its handlers write it (json.Marshal, no newline). */
export function structuredAnswer(
  data: unknown,
  options: { total?: number; errors?: unknown[] | null; indent?: string } = {},
): JaegerAnswer {
  const envelope = { data, total: options.total ?? 0, limit: 0, offset: 0, errors: options.errors ?? null };
  return { status: 200, contentType: 'application/json', body: goJsonEscapes(stringifyJaegerJson(envelope, options.indent ?? '')) };
}

/**
 * An error as Jaeger's `handleError` sends it: the envelope with one `{code, msg}` error, through
 * Go's `http.Error` (so `text/plain`, a trailing newline and `nosniff`).
 */
export function structuredError(status: number, message: string): JaegerAnswer {
  const envelope = { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg: message }] };
  return { status, contentType: 'text/plain; charset=utf-8', body: `${goJsonEscapes(stringifyJaegerJson(envelope))}\n` };
}

/** An api_v3 gateway error: `{"error":{"httpCode","message"}}` through `http.Error`. */
export function v3Error(status: number, message: string): JaegerAnswer {
  return {
    status,
    contentType: 'text/plain; charset=utf-8',
    body: `${goJsonEscapes(JSON.stringify({ error: { httpCode: status, message } }))}\n`,
  };
}

/** An api_v3 success: proto3 JSON (the current Jaeger labels it application/json; v1.75.0 did not). */
export function v3Answer(body: unknown): JaegerAnswer {
  return { status: 200, contentType: 'application/json', body: stringifyJaegerJson(body) };
}

/** Gorilla mux's answer for a known path with another method: a bare 405. */
export const METHOD_NOT_ALLOWED: JaegerAnswer = { status: 405, contentType: '', body: '' };

export function sendAnswer(response: ServerResponse, answer: JaegerAnswer): void {
  response.statusCode = answer.status;
  if (answer.contentType !== '') response.setHeader('Content-Type', answer.contentType);
  if (answer.contentType.startsWith('text/plain')) response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Length', Buffer.byteLength(answer.body));
  response.end(response.req.method === 'HEAD' ? undefined : answer.body);
}

/**
 * A message like Go's encoding/json gives for `tags` text that is not a JSON object of strings
 * (the first problem only; Go's wording for the common cases).
 */
export function goJsonMapError(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const trimmed = text.trimStart();
    if (trimmed === '') return 'unexpected end of JSON input';
    const first = trimmed[0]!;
    for (const literal of ['null', 'true', 'false']) {
      if (first !== literal[0]) continue;
      for (let i = 1; i < literal.length; i++) {
        const c = trimmed[i];
        if (c === undefined) return 'unexpected end of JSON input';
        if (c !== literal[i]) return `invalid character '${c}' in literal ${literal} (expecting '${literal[i]}')`;
      }
      return `invalid character '${trimmed[literal.length] ?? ''}' after top-level value`;
    }
    if (!'{["-0123456789'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
    return 'unexpected end of JSON input';
  }
  const kind = (value: unknown): string =>
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'object'
          ? 'object'
          : typeof value === 'boolean'
            ? 'bool'
            : typeof value;
  if (parsed === null) return undefined;
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    return `json: cannot unmarshal ${kind(parsed)} into Go value of type map[string]string`;
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && value !== null)
      return `json: cannot unmarshal ${kind(value)} into Go struct field .${key} of type string`;
  }
  return undefined;
}
