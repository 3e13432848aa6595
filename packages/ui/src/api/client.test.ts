import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClientError, SkeinApi } from './client';

/** A fake fetch answering `status` with `body`, recording the URLs it was asked for. */
function fakeApi(status: number, body: unknown): { api: SkeinApi; urls: string[] } {
  const urls: string[] = [];
  const fetchImpl = async (input: RequestInfo | URL): Promise<Response> => {
    urls.push(String(input));
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
  return { api: new SkeinApi('', fetchImpl as typeof fetch), urls };
}

test('attribute suggestions: the scope goes into the query; the answer is validated', async () => {
  const { api, urls } = fakeApi(200, { attributes: [{ key: 'http.route', scope: 'span', count: 3 }] });
  const scope = { service: 'cart', start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z' };
  assert.deepEqual(await api.attributeKeys(scope), [{ key: 'http.route', scope: 'span', count: 3 }]);
  assert.equal(urls[0], '/api/v1/attributes?service=cart&start=2026-11-23T10%3A00%3A00Z&end=2026-11-23T11%3A00%3A00Z');
  const values = fakeApi(200, { values: [{ value: 'GET /cart', count: 45 }] });
  assert.deepEqual(await values.api.attributeValues('http.route', { limit: 100 }), [{ value: 'GET /cart', count: 45 }]);
  assert.equal(values.urls[0], '/api/v1/attributes/http.route/values?limit=100');
  await assert.rejects(
    fakeApi(200, { attributes: [{ key: 'k', scope: 'event', count: 1 }] }).api.attributeKeys({}),
    /attributes\.0\.scope/,
  );
});

test('a backend without the autocompletion endpoints (404) means no suggestions; other failures are errors', async () => {
  const missing = { error: { code: 'not_found', message: 'no route GET /api/v1/attributes' } };
  assert.deepEqual(await fakeApi(404, missing).api.attributeKeys({}), []);
  assert.deepEqual(await fakeApi(404, missing).api.attributeValues('k', {}), []);
  await assert.rejects(
    fakeApi(503, { error: { code: 'storage_unavailable', message: 'storage error: down' } }).api.attributeKeys({}),
    (error: unknown) => error instanceof ApiClientError && error.status === 503 && error.message === 'storage error: down',
  );
});

test('search with an absolute range sends start/end and no lookback; OTLP JSON comes back as sent', async () => {
  const search = fakeApi(200, { traces: [], limit: 20, startTimeUnixNano: '1', endTimeUnixNano: '2' });
  await search.api.search({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z', lookback: '1h', limit: 20 });
  assert.equal(search.urls[0], '/api/v1/search?start=2026-11-23T10%3A00%3A00Z&end=2026-11-23T11%3A00%3A00Z&limit=20');
  // Bare big integers must survive: the text is saved, not the parsed (rounded) numbers.
  const text = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1795428000123456789}]}]}]}';
  const otlp = fakeApi(200, text);
  assert.equal(await otlp.api.traceOtlpJson('abc'), text);
  assert.equal(otlp.urls[0], '/api/v1/traces/abc?format=otlp');
  await assert.rejects(fakeApi(200, { data: [] }).api.traceOtlpJson('abc'), /resourceSpans/);
});
