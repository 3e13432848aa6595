/**
 * Zipkin's v2 query API on a running Skein (issue 13, item 3), compared field by field with what a
 * real Zipkin server (3.6.1) answered for the same spans: fixtures/zipkin-api/responses.json,
 * recorded by fixtures/zipkin-api/record.mjs (its header has the command). Spans go in through
 * the Zipkin receiver and come out of the Zipkin API on the same port.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { eventually, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';

const FIXTURES = new URL('./fixtures/zipkin-api/', import.meta.url);
const spansJson = readFileSync(new URL('spans.json', FIXTURES), 'utf8');
const golden = JSON.parse(readFileSync(new URL('responses.json', FIXTURES), 'utf8')) as Record<string, { status: number; body: unknown }>;

interface ZipkinSpan {
  traceId: string;
  id: string;
  shared?: boolean;
  tags?: Record<string, string>;
}

/**
 * The differences Skein documents (docs/migrate-from-zipkin.md), applied to Zipkin's answer:
 * - an `error` tag becomes Skein's error status, written back as OpenTelemetry's Zipkin exporter
 *   writes it: `error` plus `otel.status_code: ERROR`;
 * - Skein's dependency links are its stored parent → child service edges: one call per client →
 *   server pair, none to an uninstrumented remote service (Zipkin counts the shared span's
 *   client and server halves and links the `postgres` remote endpoint).
 */
function expected(query: string, body: unknown): unknown {
  if (query.startsWith('dependencies?') && Array.isArray(body))
    return [{ parent: 'frontend', child: 'payments', callCount: 1, errorCount: 1 }];
  const addStatus = (span: ZipkinSpan): ZipkinSpan =>
    span.tags?.['error'] !== undefined ? { ...span, tags: sortKeys({ ...span.tags, 'otel.status_code': 'ERROR' }) } : span;
  if (query.startsWith('trace/')) return (body as ZipkinSpan[]).map(addStatus);
  if (query.startsWith('traces?') || query.startsWith('traceMany?')) return (body as ZipkinSpan[][]).map((trace) => trace.map(addStatus));
  return body;
}

function sortKeys(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Zipkin returns spans and traces in storage order: compare as sets (by trace ID, span ID, shared). */
function canonical(query: string, body: unknown): unknown {
  const spanKey = (span: ZipkinSpan): string => `${span.traceId}/${span.id}/${span.shared === true ? 1 : 0}`;
  const sortSpans = (spans: ZipkinSpan[]): ZipkinSpan[] => [...spans].sort((a, b) => (spanKey(a) < spanKey(b) ? -1 : 1));
  if (query.startsWith('trace/') && Array.isArray(body)) return sortSpans(body as ZipkinSpan[]);
  if ((query.startsWith('traces?') || query.startsWith('traceMany?')) && Array.isArray(body)) {
    return (body as ZipkinSpan[][]).map(sortSpans).sort((a, b) => (spanKey(a[0]!) < spanKey(b[0]!) ? -1 : 1));
  }
  return body;
}

describe('Zipkin API', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein();
    const posted = await fetch(`${skein.zipkinUrl}/api/v2/spans`, {
      signal: AbortSignal.timeout(30_000),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: spansJson,
    });
    assert.equal(posted.status, 202);
    await eventually(async () => {
      const response = await fetch(`${skein.zipkinUrl}/api/v2/trace/b7ad6b7169203331`, { signal: AbortSignal.timeout(30_000) });
      return response.status === 200 ? true : undefined;
    });
  });
  after(async () => {
    await skein?.stop();
    if (skein) removeDir(skein.dataDir);
  });

  test('is served on the Zipkin receiver port', () => {
    assert.ok(
      skein.logs.some((line) => line.includes(`Zipkin API listening on http://127.0.0.1:${skein.ports.zipkin}/api/v2`)),
      skein.logs.join('\n'),
    );
  });

  for (const [query, recorded] of Object.entries(golden)) {
    test(`GET /api/v2/${query} answers as Zipkin 3.6.1`, async () => {
      const response = await fetch(`${skein.zipkinUrl}/api/v2/${query}`, { signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      assert.equal(response.status, recorded.status, text);
      if (typeof recorded.body === 'string') {
        assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
        assert.equal(text, recorded.body);
        return;
      }
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(canonical(query, JSON.parse(text)), canonical(query, expected(query, recorded.body)));
    });
  }

  test('autocomplete lists only configured keys, as Zipkin does', async () => {
    const keys = await fetch(`${skein.zipkinUrl}/api/v2/autocompleteKeys`, { signal: AbortSignal.timeout(30_000) });
    assert.deepEqual(await keys.json(), []);
  });

  test("an unknown path is Zipkin's plain 404", async () => {
    const response = await fetch(`${skein.zipkinUrl}/api/v2/nope`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '404 Not Found');
  });
});
