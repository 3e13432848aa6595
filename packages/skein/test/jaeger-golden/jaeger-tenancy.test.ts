/**
 * Jaeger's routes read through readerFor(store, request) (ARCHITECTURE decision 10): spans stored
 * under another tenant are invisible to them, even by trace ID. In-process, on an embedded store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTenantId } from '../../src/model/tenant.js';
import { withJaegerApi } from '../../src/query/jaeger/jaeger-routes.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

const dataDir = makeTempDir('jaeger-tenancy');
let store: TraceStore;
let server: Server;
let base: string;
const mine = randomTraceId();
const theirs = randomTraceId();

before(async () => {
  store = await openTraceStore({ engine: 'chdb', dataDir, database: 'jaeger_tenancy' });
  const other = { ...makeResource('their-service'), tenant: parseTenantId('another-tenant') };
  await store.writeSpans([
    makeSpan({ traceId: mine, resource: makeResource('my-service') }),
    makeSpan({ traceId: theirs, resource: other }),
  ]);
  const logger = { warn: (message: string) => assert.fail(message) };
  server = createServer(withJaegerApi(store, logger, (_request, response) => response.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  removeDir(dataDir);
});

const getJson = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as any };
};

test("services and traces of another tenant are not visible through Jaeger's APIs", async () => {
  assert.deepEqual((await getJson('/api/services')).body.data, ['my-service']);
  assert.deepEqual((await getJson('/api/v3/services')).body, { services: ['my-service'] });
  assert.equal((await getJson(`/api/traces/${mine}`)).status, 200);
  assert.deepEqual(await getJson(`/api/traces/${theirs}`), {
    status: 404,
    body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] },
  });
  assert.equal((await getJson(`/api/v3/traces/${theirs}`)).status, 404);
});
