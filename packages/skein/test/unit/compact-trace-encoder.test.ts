/**
 * The compact trace format (`?format=compact`): the encoder's output for a trace that has every
 * awkward case (ns beyond 2^53, offsets beyond 2^53, typed attributes of every kind, events,
 * links, orphans, repeated span IDs, several resources and scopes) is pinned in golden files next
 * to the native JSON of the same spans. The UI's decoder test (packages/ui/src/api/
 * compact-trace.test.ts) decodes the golden compact file and must get the golden native file: the
 * two tests together are the server encode → UI decode round trip, without either package
 * importing the other. `UPDATE_GOLDEN=1` rewrites the files after an intended format change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Span } from '../../src/model/span.js';
import { StorageError, type TraceStore } from '../../src/storage/trace-store.js';
import { CompactTraceEncoder, encodeCompactTrace } from '../../src/query/compact-trace-encoder.js';
import { MAX_WHOLE_TRACE_SPANS } from '../../src/query/compact-trace-route.js';
import { HttpRouter } from '../../src/query/http-router.js';
import { addNativeApi } from '../../src/query/native-api.js';
import { toNativeTrace } from '../../src/query/native-trace-json.js';
import { bigTraceChunks } from '../support/big-trace.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

const FIXTURES = resolve(import.meta.dirname, '../../../ui/src/api/fixtures');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** Beyond 2^53: a double would round the last digits. */
const T0 = 1_795_428_000_123_456_789n;

function resource(service: string | undefined, extra: Span['resource']['attributes'] = [], schemaUrl = ''): Span['resource'] {
  return {
    tenant: DEFAULT_TENANT,
    attributes: [...(service === undefined ? [] : [{ key: 'service.name', value: service }]), ...extra],
    droppedAttributesCount: 0,
    schemaUrl,
  };
}

/** One of everything the format must carry. Spans are in the store's order (start, span ID). */
function goldenSpans(): Span[] {
  const frontend = resource('frontend', [{ key: 'host.name', value: 'fe-1' }], 'https://opentelemetry.io/schemas/1.24.0');
  const cart = resource('cart', [{ key: 'host.name', value: 'cart-1' }]);
  const nameless = { ...resource(undefined, [{ key: 'host.name', value: 'x' }]), droppedAttributesCount: 2 };
  const http = { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const custom = {
    name: 'custom',
    version: '',
    attributes: [{ key: 'scope.attr', value: true }],
    droppedAttributesCount: 1,
    schemaUrl: 'https://x',
  };
  const base = {
    traceId: TRACE_ID,
    traceState: '',
    flags: 257,
    kind: 2 as const,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 as const, message: '' },
    resource: frontend,
    scope: http,
  };
  return [
    {
      ...base,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: '',
      traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      name: 'GET /checkout',
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 + 500_000_001n,
      attributes: [
        { key: 'http.route', value: '/checkout' },
        { key: 'http.status_code', value: 200n },
        { key: 'big.int', value: 9_223_372_036_854_775_807n },
        { key: 'negative.int', value: -9_007_199_254_740_993n },
        { key: 'ratio', value: 0.25 },
        { key: 'nan', value: NaN },
        { key: 'inf', value: -Infinity },
        { key: 'neg.zero', value: -0 },
        { key: 'flag', value: false },
        { key: 'blob', value: new Uint8Array([0, 1, 254, 255]) },
        { key: 'list', value: ['a', 1n, 2.5, true, null, [false]] },
        {
          key: 'map',
          value: {
            kvlist: [
              { key: 'inner', value: 'v' },
              { key: 'deep', value: { kvlist: [] } },
            ],
          },
        },
        { key: 'nothing', value: null },
        { key: 'unicode', value: 'Zürich 東京 "quoted" \\ \n' },
      ],
      droppedAttributesCount: 3,
      events: [
        {
          timeUnixNano: T0 - 7n,
          name: 'before the span',
          attributes: [{ key: 'http.route', value: '/checkout' }],
          droppedAttributesCount: 0,
        },
        {
          timeUnixNano: T0 + 200_000_000n,
          name: 'exception',
          attributes: [{ key: 'exception.type', value: 'E' }],
          droppedAttributesCount: 1,
        },
      ],
      droppedEventsCount: 4,
      links: [
        {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceState: 'k=v',
          flags: 769,
          attributes: [{ key: 'link.kind', value: 'follows' }],
          droppedAttributesCount: 2,
        },
      ],
      droppedLinksCount: 5,
      status: { code: 2, message: 'card declined' },
    },
    {
      ...base,
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'eee19b7ec3c1b174',
      kind: 3,
      name: 'GET /cart',
      startTimeUnixNano: T0 + 1n,
      endTimeUnixNano: T0 + 1n,
      attributes: [{ key: 'http.route', value: '/checkout' }],
    },
    {
      ...base,
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'eee19b7ec3c1b174',
      name: 'GET /cart (repeated span ID)',
      startTimeUnixNano: T0 + 2n,
      endTimeUnixNano: T0 + 3n,
      resource: cart,
      scope: custom,
    },
    {
      ...base,
      spanId: 'a000000000000001',
      parentSpanId: '00f067aa0ba902b7',
      kind: 1,
      name: 'child of the repeated ID',
      startTimeUnixNano: T0 + 10n,
      endTimeUnixNano: T0 + 20n,
      resource: cart,
      links: [{ traceId: TRACE_ID, spanId: 'eee19b7ec3c1b174', traceState: '', flags: 0, attributes: [], droppedAttributesCount: 0 }],
    },
    {
      ...base,
      spanId: 'b000000000000002',
      parentSpanId: 'ffffffffffffffff',
      kind: 5,
      name: 'orphan: its parent never arrived',
      startTimeUnixNano: T0 + 30n,
      endTimeUnixNano: T0 + 40n,
      resource: nameless,
      status: { code: 1, message: '' },
    },
    {
      ...base,
      spanId: 'c000000000000003',
      parentSpanId: 'ffffffffffffffff',
      kind: 0,
      name: 'orphan: a sibling',
      startTimeUnixNano: T0 + 50n,
      endTimeUnixNano: T0 + 60n,
      flags: 0,
    },
    {
      ...base,
      spanId: 'd000000000000004',
      parentSpanId: '',
      kind: 4,
      name: 'a second root, 200 days later, 300 days long: offsets beyond 2^53 ns',
      startTimeUnixNano: T0 + 200n * 86_400_000_000_000n + 9n,
      endTimeUnixNano: T0 + 500n * 86_400_000_000_000n + 11n,
    },
  ];
}

function encodeToText(traceId: string, spans: readonly Span[]): { text: string; longestChunk: number } {
  let longestChunk = 0;
  const chunks: string[] = [];
  for (const chunk of encodeCompactTrace(traceId, spans)) {
    chunks.push(chunk);
    longestChunk = Math.max(longestChunk, chunk.length);
  }
  return { text: chunks.join(''), longestChunk };
}

function golden(name: string, actual: unknown): void {
  const path = resolve(FIXTURES, name);
  const text = `${JSON.stringify(actual, null, 1)}\n`;
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, text);
  assert.deepEqual(actual, JSON.parse(readFileSync(path, 'utf8')), `${name} differs: run with UPDATE_GOLDEN=1 if the change is intended`);
}

test('golden: the compact encoding of a trace with every awkward case, and its native JSON', () => {
  const spans = goldenSpans();
  const compact: unknown = JSON.parse(encodeToText(TRACE_ID, spans).text);
  golden('golden-trace.compact.json', compact);
  golden('golden-trace.native.json', JSON.parse(JSON.stringify(toNativeTrace(TRACE_ID, spans))));
});

test('a big trace: small chunks, well under 150 B/span, columns of the right length', () => {
  const spans = [...bigTraceChunks(TRACE_ID, 20_000, T0, 5_000)].flat();
  const { text, longestChunk } = encodeToText(TRACE_ID, spans);
  const native = JSON.stringify(toNativeTrace(TRACE_ID, spans)).length;
  assert.ok(longestChunk < 1_000_000, `longest chunk ${longestChunk} characters`);
  const perSpan = text.length / spans.length;
  assert.ok(perSpan < 150, `${perSpan.toFixed(1)} B/span (native: ${(native / spans.length).toFixed(1)})`);
  const body = JSON.parse(text) as { spanCount: number; spans: Record<string, unknown[] | string>; strings: string[] };
  assert.equal(body.spanCount, 20_000);
  assert.equal((body.spans['spanIds'] as string).length, 16 * 20_000);
  for (const name of ['parent', 'name', 'kind', 'start', 'duration', 'flags', 'status', 'resource', 'scope', 'attributeCount']) {
    assert.equal(body.spans[name]!.length, 20_000, name);
  }
});

/**
 * A store whose default-tenant reader serves `spans` for TRACE_ID in pages of `pageSpans` (as
 * asked), or fails as told; any other tenant is refused (the API reads as the default tenant).
 */
function fakeStore(spans: readonly Span[], failure?: Error): TraceStore {
  const reader = {
    getTrace: async () => assert.fail('the trace routes read traces in pages'),
    readTrace: async function* (traceId: string, options: { pageSpans?: number } = {}) {
      if (failure) throw failure;
      if (traceId !== TRACE_ID) return;
      const pageSpans = options.pageSpans ?? 10_000;
      for (let from = 0; from < spans.length; from += pageSpans) yield spans.slice(from, from + pageSpans);
    },
  };
  return {
    forTenant: (tenant: string) => (tenant === DEFAULT_TENANT ? reader : assert.fail(`read as tenant ${tenant}`)),
  } as unknown as TraceStore;
}

async function serve<T>(store: TraceStore, run: (base: string) => Promise<T>): Promise<T> {
  const { createServer } = await import('node:http');
  const router = new HttpRouter();
  addNativeApi(router, store);
  const server = createServer(router.handler({ warn: () => undefined }));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    return await run(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    await new Promise((done) => server.close(done));
  }
}

/** A raw GET (fetch would decompress and hide Content-Encoding). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((done, fail) => {
    request(url, { headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts) }));
      response.on('error', fail);
    })
      .on('error', fail)
      .end();
  });
}

test('GET /api/v1/traces/{id}?format=compact: streamed, gzip when accepted, same content either way', async () => {
  const spans = [...bigTraceChunks(TRACE_ID, 3_000, T0, 1_000)].flat();
  const expected: unknown = JSON.parse(encodeToText(TRACE_ID, spans).text);
  await serve(fakeStore(spans), async (base) => {
    const plain = await get(`${base}/api/v1/traces/${TRACE_ID}?format=compact`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['transfer-encoding'], 'chunked');
    assert.match(String(plain.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(plain.body.toString()), expected);
    const zipped = await get(`${base}/api/v1/traces/${TRACE_ID}?format=compact`, { 'Accept-Encoding': 'br, gzip;q=0.8' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.body.length < plain.body.length / 3, `${zipped.body.length} vs ${plain.body.length} bytes`);
    assert.deepEqual(JSON.parse(gunzipSync(zipped.body).toString()), expected);
    const refused = await get(`${base}/api/v1/traces/${TRACE_ID}?format=compact`, { 'Accept-Encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    const missing = await get(`${base}/api/v1/traces/0000000000000000000000000000abcd?format=compact`);
    assert.equal(missing.status, 404);
    const bad = await get(`${base}/api/v1/traces/${TRACE_ID}?format=columns`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.toString(), /expected native, otlp or compact/);
  });
});

test('native JSON of a trace above the whole-trace bound answers trace_too_large, naming ?format=compact', async () => {
  const span = [...bigTraceChunks(TRACE_ID, 1, T0, 1)].flat()[0]!;
  const huge = new Array<Span>(MAX_WHOLE_TRACE_SPANS + 1).fill(span);
  await serve(fakeStore(huge), async (base) => {
    for (const format of ['', '?format=otlp']) {
      const answer = await get(`${base}/api/v1/traces/${TRACE_ID}${format}`);
      assert.equal(answer.status, 500);
      const body = JSON.parse(answer.body.toString()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'trace_too_large');
      assert.match(body.error.message, /more than 500,000 spans.*\?format=compact/);
    }
  });
  await serve(fakeStore([], new StorageError('unavailable', 'connection refused')), async (base) => {
    assert.equal((await get(`${base}/api/v1/traces/${TRACE_ID}`)).status, 503);
    assert.equal((await get(`${base}/api/v1/traces/${TRACE_ID}?format=compact`)).status, 503);
  });
});

/** Decodes what a page-fed encoding and a whole one must agree on (string positions may differ). */
function decodedSpans(text: string): Array<Record<string, unknown>> {
  const body = JSON.parse(text) as {
    spanCount: number;
    baseTimeUnixNano: string;
    spans: Record<string, number[]> & { spanIds: string };
    events: Record<string, number[]>;
    strings: string[];
    attributeTable: unknown[];
  };
  const { spans, strings } = body;
  const ids = (i: number): string => spans.spanIds.slice(16 * i, 16 * i + 16);
  const attributesOf = (counts: number[], positions: number[]): unknown[][] => {
    let at = 0;
    return counts.map((count) =>
      positions
        .slice(at, (at += count))
        .map((p) => body.attributeTable.slice(3 * p, 3 * p + 3))
        .map(([k, t, v]) => [strings[k as number], t, t === 0 ? strings[v as number] : v]),
    );
  };
  const attributes = attributesOf(spans['attributeCount']!, spans['attributes']!);
  return Array.from({ length: body.spanCount }, (_, i) => {
    const parent = spans['parent']![i]!;
    return {
      spanId: ids(i),
      parentSpanId: parent === -1 ? '' : parent >= 0 ? ids(parent) : strings[-2 - parent],
      parentPosition: parent >= 0 ? parent : null,
      name: strings[spans['name']![i]!],
      start: BigInt(body.baseTimeUnixNano) + BigInt(spans['start']![i]!),
      duration: spans['duration']![i],
      events: spans['eventCount']![i],
      attributes: attributes[i],
    };
  });
}

test('fed page by page, the encoder writes the same trace, also when a child arrives before its parent', () => {
  const spans = [...bigTraceChunks(TRACE_ID, 3_000, T0, 1_000)].flat();
  // A child that starts (clock skew) before its parent, whose parent is then on a later page.
  const late = spans.findIndex((span, i) => i > 2_500 && span.parentSpanId !== '');
  const parentIndex = spans.findIndex((span) => span.spanId === spans[late]!.parentSpanId);
  const reordered = [spans[late]!, ...spans.filter((_, i) => i !== late)];
  const whole = decodedSpans(encodeToText(TRACE_ID, reordered).text);
  for (const pageSpans of [1, 7, 1_000, 2_999, 3_000]) {
    const encoder = new CompactTraceEncoder(TRACE_ID, reordered[0]!.startTimeUnixNano);
    for (let from = 0; from < reordered.length; from += pageSpans) encoder.addPage(reordered.slice(from, from + pageSpans));
    const paged = decodedSpans([...encoder.finish()].join(''));
    assert.deepStrictEqual(paged, whole, `pages of ${pageSpans}`);
    assert.equal(paged[0]!['parentPosition'], parentIndex + 1, 'the early child points at its parent by position');
  }
});
