import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { HttpListenerSpec } from '../../src/component/component.js';
import { SkeinHost } from '../../src/cli/host.js';
import { createLogger } from '../../src/cli/logger.js';
import { securityConfigSchema } from '../../src/cli/security-config.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';

const quiet = createLogger({ write: () => undefined });

function newHost(): SkeinHost {
  return new SkeinHost(
    { engine: 'chdb', data_dir: './unused', database: 'skein' },
    'all-in-one',
    quiet,
    new SkeinMetrics(),
    securityConfigSchema.parse({}),
  );
}

function answering(text: string): RequestListener {
  return (_request, response) => response.end(text);
}

function spec(
  endpoint: string,
  portName: string,
  text: string,
  claims?: (method: string, path: string) => boolean,
  sharesPortWith?: string,
): HttpListenerSpec {
  return {
    endpoint,
    portName,
    handler: answering(text),
    description: portName,
    portHint: 'set another port',
    ...(claims && { claims }),
    ...(sharesPortWith !== undefined && { sharesPortWith }),
  };
}

const isPost = (method: string): boolean => method === 'POST';
const isGet = (method: string): boolean => method === 'GET' || method === 'HEAD';

async function call(port: number, method: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v2/spans`, {
    method,
    ...(method === 'POST' && { body: '[]' }),
    signal: AbortSignal.timeout(10_000),
  });
  return response.text();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('host: listeners on one endpoint share one server', () => {
  const hosts: SkeinHost[] = [];
  after(async () => {
    for (const host of hosts) await host.close();
  });

  it('routes each request to the listener that claims it, on a fixed port', async () => {
    const host = newHost();
    hosts.push(host);
    const endpoint = `127.0.0.1:${await freePort()}`;
    const receiverPort = await host.viewFor('receiver zipkin').listenHttp(spec(endpoint, 'zipkin', 'receiver', isPost));
    const queryPort = await host.viewFor('extension zipkin').listenHttp(spec(endpoint, 'zipkinQuery', 'query', isGet));
    assert.equal(queryPort, receiverPort);
    assert.deepEqual(host.ports, { zipkin: receiverPort, zipkinQuery: receiverPort });
    assert.equal(await call(receiverPort, 'POST'), 'receiver');
    assert.equal(await call(receiverPort, 'GET'), 'query');
    // Unclaimed (DELETE): the first listener bound answers, as it would alone.
    assert.equal(await call(receiverPort, 'DELETE'), 'receiver');

    // The receiver stops first: the server stays up for the query API, which now gets everything.
    await host.closeListenersOf('receiver zipkin');
    assert.equal(await call(receiverPort, 'GET'), 'query');
    assert.equal(await call(receiverPort, 'POST'), 'query');
    await host.closeListenersOf('extension zipkin');
    await assert.rejects(call(receiverPort, 'GET'));
  });

  it('shares port 0 only with the listener named in sharesPortWith', async () => {
    const host = newHost();
    hosts.push(host);
    const a = await host.viewFor('a').listenHttp(spec('127.0.0.1:0', 'zipkinQuery', 'a', isGet, 'zipkin'));
    const b = await host.viewFor('b').listenHttp(spec('127.0.0.1:0', 'zipkin', 'b', isPost));
    assert.equal(a, b);
    assert.equal(await call(a, 'POST'), 'b');
    assert.equal(await call(a, 'GET'), 'a');
    // Not named: a free port of its own, even when it claims its requests.
    const c = await host.viewFor('c').listenHttp(spec('127.0.0.1:0', 'otlpHttp', 'c'));
    const d = await host.viewFor('d').listenHttp(spec('127.0.0.1:0', 'other', 'd', isPost));
    assert.notEqual(c, a);
    assert.notEqual(d, a);
    assert.notEqual(d, c);
    assert.equal(await call(c, 'POST'), 'c');
  });

  it('a listener with claims joins one without on a fixed port, in either order', async () => {
    const host = newHost();
    hosts.push(host);
    const endpoint = `127.0.0.1:${await freePort()}`;
    const port = await host
      .viewFor('sampling')
      .listenHttp(spec(endpoint, 'samplingQuery', 'sampling', (_method, path) => path === '/api/sampling'));
    assert.equal(await host.viewFor('query').listenHttp(spec(endpoint, 'query', 'query')), port);
    const answer = async (path: string): Promise<string> =>
      (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) })).text();
    assert.equal(await answer('/api/sampling'), 'sampling');
    assert.equal(await answer('/api/v1/services'), 'query');
  });

  it('a second listener without claims on a taken fixed port fails as before', async () => {
    const host = newHost();
    hosts.push(host);
    const endpoint = `127.0.0.1:${await freePort()}`;
    await host.viewFor('first').listenHttp(spec(endpoint, 'query', 'first'));
    await assert.rejects(host.viewFor('second').listenHttp(spec(endpoint, 'other', 'second')), /already in use/);
  });
});
