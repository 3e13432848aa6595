import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { credentials as grpcCredentials, Metadata, status as grpcStatus, Client } from '@grpc/grpc-js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { validateConfig } from '../../src/cli/config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein, type RunningSkein } from '../../src/cli/start-skein.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import {
  CALL_TIMEOUT_MILLIS,
  callWith,
  makePki,
  NO_ANSWER,
  otlpJson,
  sha256Hex,
  type CallOptions,
  type TestPki,
} from './security-support.js';

/**
 * One Skein with every security feature on (tokens, htpasswd, OIDC, mTLS, limits, audit log),
 * knocked on from outside: every listener and route, two tenants, TLS and OIDC. docs/security.md.
 */

const TOKENS = { teamA: 'team-a-secret-token', teamB: 'team-b-secret-token', ingestOnly: 'ingest-only-token', admin: 'admin-token' };
const ISSUER_PATH = '/issuer';
let dir: string;
let pki: TestPki;
let skein: RunningSkein;
let jwksServer: Server;
let issuer: string;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const logLines: string[] = [];

/** Paths that answer without a credential: health checks and the UI shell (no data in either). */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/', '/search', '/trace/0af7651916cd43dd8448eb211c80319c', '/assets/index.js']);

before(async () => {
  dir = makeTempDir('skein-security-');
  pki = makePki(dir);
  // The OIDC provider: a discovery document and a key set served by the test.
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((request, response) => {
    response.setHeader('Content-Type', 'application/json');
    if (request.url === `${ISSUER_PATH}/.well-known/openid-configuration`)
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (request.url === `${ISSUER_PATH}/jwks`) response.end(JSON.stringify({ keys: [jwk] }));
    else response.writeHead(404).end('{}');
  });
  await new Promise<void>((done) => jwksServer.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}${ISSUER_PATH}`;
  writeFileSync(join(dir, 'htpasswd'), `reader:{SHA}${createHash('sha1').update('reader-password').digest('base64')}\n`);

  const config = validateConfig(
    {
      receivers: {
        otlp: { protocols: { grpc: { endpoint: '0.0.0.0:0' }, http: { endpoint: '0.0.0.0:0' } } },
        zipkin: { endpoint: '0.0.0.0:0' },
      },
      extensions: {
        query: { endpoint: '0.0.0.0:0' },
        sampling: { http: { endpoint: '0.0.0.0:0' }, grpc: { endpoint: '0.0.0.0:0' } },
        tempo: { endpoint: '0.0.0.0:0' },
      },
      storage: { data_dir: join(dir, 'data') },
      security: {
        auth: {
          tokens: [
            { name: 'team-a', sha256: sha256Hex(TOKENS.teamA), tenant: 'team-a', roles: ['ingest', 'read'] },
            { name: 'team-b', sha256: sha256Hex(TOKENS.teamB), tenant: 'team-b', roles: ['ingest', 'read'] },
            { name: 'sdk', sha256: sha256Hex(TOKENS.ingestOnly), tenant: 'team-a', roles: ['ingest'] },
            { name: 'ops', sha256: sha256Hex(TOKENS.admin), roles: ['admin'] },
          ],
          htpasswd: { file: join(dir, 'htpasswd'), tenant: 'team-a', roles: ['read'] },
          oidc: { issuer_url: issuer, audience: 'skein', clock_skew: '5s' },
          max_failures_per_minute: 1000,
        },
        tls: {
          cert_file: join(dir, 'served.crt'),
          key_file: join(dir, 'served.key'),
          client_ca_file: pki.caFile,
          reload_interval: '200ms',
        },
        audit_log: true,
      },
      service: { extensions: ['query', 'zipkin', 'sampling', 'tempo'], telemetry: { metrics: { address: '0.0.0.0:0' } } },
    },
    'test',
  );
  copyFileSync(pki.serverCertFile, join(dir, 'served.crt'));
  copyFileSync(pki.serverKeyFile, join(dir, 'served.key'));
  skein = await startSkein(config, 'all-in-one', createLogger({ write: (line) => logLines.push(line) }));
});

after(async () => {
  try {
    await withDeadline(skein?.stop(), 30_000, 'skein.stop()');
    jwksServer?.closeAllConnections();
    await withDeadline(new Promise<void>((done) => (jwksServer ? jwksServer.close(() => done()) : done())), 5_000, 'the JWKS server');
  } finally {
    if (dir) removeDir(dir);
  }
});

/** A stop that does not finish fails the hook, naming what hung, instead of holding the run open. */
async function withDeadline(work: Promise<unknown> | undefined, millis: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${millis} ms`)), millis);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const call = (portName: string, path: string, options: CallOptions = {}) => callWith(pki, skein.ports[portName]!, path, options);
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const concrete = (route: string): string => route.replace(/:[A-Za-z]+/g, 'x');

test('every HTTP listener and route refuses a request without a credential, or with a wrong one, alike', async () => {
  const http = skein.listeners.filter((listener) => listener.kind === 'http');
  assert.deepEqual(http.map((listener) => listener.portName).sort(), [
    'metrics',
    'otlpHttp',
    'query',
    'sampling',
    'samplingQuery',
    'tempo',
    'zipkin',
    'zipkinQuery',
  ]);
  let knocked = 0;
  for (const listener of http) {
    for (const route of [...listener.routes, '/no-such-path']) {
      const path = concrete(route);
      if (PUBLIC_PATHS.has(path)) continue;
      // Tempo's readiness probe, public as the query port's /readyz (tempo-extension.ts).
      if (listener.portName === 'tempo' && path === '/ready') continue;
      for (const method of ['GET', 'POST', 'DELETE']) {
        const none = await call(listener.portName, path, { method, body: '{}' });
        assert.equal(none.status, 401, `${listener.portName} ${method} ${path} without a credential: ${none.body}`);
        assert.match(String(none.headers['www-authenticate']), /Bearer realm="skein"/);
        const wrong = await call(listener.portName, path, { method, body: '{}', headers: bearer('not-a-token') });
        assert.equal(wrong.status, 401, `${listener.portName} ${method} ${path} with a wrong token`);
        assert.equal(wrong.body, none.body, 'the same reason whatever was wrong');
        knocked++;
      }
    }
  }
  assert.ok(knocked >= 20, `knocked on ${knocked} routes`);
  for (const path of PUBLIC_PATHS) {
    const answer = await call('query', path);
    assert.notEqual(answer.status, 401, `${path} is public`);
  }
});

test('the gRPC listener refuses a call without a credential (UNAUTHENTICATED) and accepts a token', async () => {
  const grpc = skein.listeners.filter((listener) => listener.kind === 'grpc' && listener.portName === 'otlpGrpc');
  assert.equal(grpc.length, 1);
  const client = new Client(`127.0.0.1:${grpc[0]!.port}`, grpcCredentials.createSsl(pki.caCert, pki.client.key, pki.client.cert));
  const exportCall = (metadata: Metadata): Promise<{ code: number; details?: string }> =>
    new Promise((resolve) =>
      client.makeUnaryRequest(
        grpc[0]!.routes[0]!,
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.alloc(0),
        metadata,
        { deadline: Date.now() + CALL_TIMEOUT_MILLIS },
        (error) => resolve(error ? { code: error.code, details: error.details } : { code: grpcStatus.OK }),
      ),
    );
  try {
    const first = await exportCall(new Metadata());
    assert.equal(first.code, grpcStatus.UNAUTHENTICATED, first.details ?? '');
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer nope');
    assert.equal((await exportCall(wrong)).code, grpcStatus.UNAUTHENTICATED);
    const reader = new Metadata();
    reader.set('authorization', `Basic ${Buffer.from('reader:reader-password').toString('base64')}`);
    assert.equal((await exportCall(reader)).code, grpcStatus.PERMISSION_DENIED, 'a read-only user cannot ingest');
    const good = new Metadata();
    good.set('authorization', `Bearer ${TOKENS.ingestOnly}`);
    assert.equal((await exportCall(good)).code, grpcStatus.OK);
  } finally {
    client.close();
  }
});

test('sampling strategies need ingest or read: SDKs poll with their ingest token, tools with read', async () => {
  const basicReader = { Authorization: `Basic ${Buffer.from('reader:reader-password').toString('base64')}` };
  for (const [portName, path] of [
    ['sampling', '/sampling?service=checkout'],
    ['query', '/api/sampling?service=checkout'],
  ] as const) {
    assert.equal((await call(portName, path)).status, 401, `${portName} ${path} without a credential`);
    const sdk = await call(portName, path, { headers: bearer(TOKENS.ingestOnly) });
    assert.equal(sdk.status, 200, `${portName} ${path} with an ingest-only token: ${sdk.body}`);
    assert.equal((JSON.parse(sdk.body) as { strategyType: string }).strategyType, 'PROBABILISTIC');
    assert.equal((await call(portName, path, { headers: basicReader })).status, 200, `${portName} ${path} with read`);
  }
  const grpc = skein.listeners.find((listener) => listener.portName === 'samplingGrpc')!;
  const client = new Client(`127.0.0.1:${grpc.port}`, grpcCredentials.createSsl(pki.caCert, pki.client.key, pki.client.cert));
  const strategyCall = (metadata: Metadata): Promise<number> =>
    new Promise((resolve) =>
      client.makeUnaryRequest(
        grpc.routes[0]!,
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.from([0x0a, 0x02, 0x61, 0x62]), // serviceName "ab"
        metadata,
        (error) => resolve(error ? error.code : grpcStatus.OK),
      ),
    );
  try {
    assert.equal(await strategyCall(new Metadata()), grpcStatus.UNAUTHENTICATED);
    const sdk = new Metadata();
    sdk.set('authorization', `Bearer ${TOKENS.ingestOnly}`);
    assert.equal(await strategyCall(sdk), grpcStatus.OK);
    const reader = new Metadata();
    reader.set('authorization', basicReader.Authorization);
    assert.equal(await strategyCall(reader), grpcStatus.OK);
  } finally {
    client.close();
  }
});

test('on the shared Zipkin port the claiming listener decides the role: POST spans is ingest, the v2 API read', async () => {
  const services = '/api/v2/services';
  assert.equal((await call('zipkin', services, { headers: bearer(TOKENS.ingestOnly) })).status, 403, 'an ingest token cannot query');
  assert.equal((await call('zipkin', services, { headers: bearer(TOKENS.teamA) })).status, 200);
  const basicReader = { Authorization: `Basic ${Buffer.from('reader:reader-password').toString('base64')}` };
  const post = (headers: Record<string, string>) => call('zipkin', '/api/v2/spans', { method: 'POST', body: '[]', headers });
  assert.equal((await post(basicReader)).status, 403, 'a read-only user cannot ingest');
  assert.equal((await post(bearer(TOKENS.ingestOnly))).status, 202);
});

test("tenant A's token cannot see tenant B's data through any query route", async () => {
  const traceA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
  const traceB = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1';
  const sendA = await call('otlpHttp', '/v1/traces', {
    method: 'POST',
    headers: bearer(TOKENS.teamA),
    body: otlpJson([{ service: 'a-front', traceId: traceA, spanId: 'a000000000000001', attribute: 'a.only' }]),
  });
  assert.equal(sendA.status, 200, sendA.body);
  const sendB = await call('otlpHttp', '/v1/traces', {
    method: 'POST',
    headers: bearer(TOKENS.teamB),
    body: otlpJson([
      { service: 'b-front', traceId: traceB, spanId: 'b000000000000001', kind: 3, attribute: 'b.secret' },
      { service: 'b-back', traceId: traceB, spanId: 'b000000000000002', parentSpanId: 'b000000000000001', kind: 2 },
      // The same trace ID as A's: tenancy must keep the two apart.
      { service: 'b-front', traceId: traceA, spanId: 'b000000000000003', attribute: 'b.secret' },
    ]),
  });
  assert.equal(sendB.status, 200, sendB.body);
  const zipkinB = await call('zipkin', '/api/v2/spans', {
    method: 'POST',
    headers: bearer(TOKENS.teamB),
    body: JSON.stringify([
      {
        traceId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2',
        id: 'b000000000000009',
        name: 'z',
        timestamp: Date.now() * 1000,
        duration: 10,
        localEndpoint: { serviceName: 'b-zipkin' },
      },
    ]),
  });
  assert.equal(zipkinB.status, 202, zipkinB.body);

  const asA = (path: string) => call('query', path, { headers: bearer(TOKENS.teamA) });
  const json = async (path: string): Promise<unknown> => {
    const answer = await asA(path);
    assert.equal(answer.status, 200, `${path}: ${answer.body}`);
    return JSON.parse(answer.body) as unknown;
  };
  assert.equal((await asA(`/api/v1/traces/${traceB}`)).status, 404, "B's trace by ID");
  const shared = JSON.stringify(await json(`/api/v1/traces/${traceA}`));
  assert.match(shared, /a-front/);
  assert.doesNotMatch(shared, /b-front|b000000000000003/, "B's spans under A's trace ID");
  const everything = [
    await json('/api/v1/search?lookback=1h&limit=100'),
    await json('/api/v1/services'),
    await json('/api/v1/services/b-front/operations'),
    await json('/api/v1/attributes'),
    await json('/api/v1/attributes/b.secret/values'),
    await json('/api/v1/dependencies'),
  ].map((body) => JSON.stringify(body));
  // Zipkin's v2 API on the Zipkin port reads through the same tenant scope.
  const zipkinAsA = async (path: string): Promise<string> => {
    const answer = await call('zipkin', path, { headers: bearer(TOKENS.teamA) });
    assert.equal(answer.status, 200, `zipkin ${path}: ${answer.body}`);
    return answer.body;
  };
  const endTs = Date.now() + 60_000;
  everything.push(
    await zipkinAsA('/api/v2/services'),
    await zipkinAsA('/api/v2/spans?serviceName=b-front'),
    await zipkinAsA('/api/v2/remoteServices?serviceName=b-front'),
    await zipkinAsA(`/api/v2/traces?lookback=3600000&endTs=${endTs}&limit=100`),
    await zipkinAsA(`/api/v2/traces?serviceName=b-zipkin&lookback=3600000&endTs=${endTs}`),
    await zipkinAsA(`/api/v2/traceMany?traceIds=${traceB},bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2`),
    await zipkinAsA(`/api/v2/dependencies?endTs=${endTs}&lookback=3600000`),
  );
  assert.equal((await call('zipkin', `/api/v2/trace/${traceB}`, { headers: bearer(TOKENS.teamA) })).status, 404, "B's trace on Zipkin");
  const sharedOnZipkin = await zipkinAsA(`/api/v2/trace/${traceA}`);
  assert.match(sharedOnZipkin, /a-front/);
  assert.doesNotMatch(sharedOnZipkin, /b-front|b000000000000003/, "B's spans under A's trace ID on Zipkin");
  for (const body of everything) assert.doesNotMatch(body, /b-front|b-back|b-zipkin|b\.secret|secret-value"?.*b|bbbbbbbb/, body);
  assert.match(everything[1]!, /a-front/, 'A sees its own service');
  assert.match(everything[6]!, /a-front/, 'A sees its own service on Zipkin');
  assert.equal(
    (await call('metrics', '/metrics', { headers: bearer(TOKENS.teamA) })).status,
    403,
    "every tenant's counters are admin-only",
  );
  assert.equal((await call('metrics', '/metrics', { headers: bearer(TOKENS.admin) })).status, 200);

  // B sees its own; an ingest-only token reads nothing; an admin reads any tenant by naming it.
  assert.match((await call('query', '/api/v1/services', { headers: bearer(TOKENS.teamB) })).body, /b-back/);
  assert.equal((await call('query', '/api/v1/services', { headers: bearer(TOKENS.ingestOnly) })).status, 403);
  const adminAsB = await call('query', '/api/v1/services', { headers: { ...bearer(TOKENS.admin), 'X-Scope-OrgID': 'team-b' } });
  assert.match(adminAsB.body, /b-back/);
  // X-Scope-OrgID from a non-admin changes nothing (no trusted proxy configured).
  const spoof = await call('query', '/api/v1/services', { headers: { ...bearer(TOKENS.teamA), 'X-Scope-OrgID': 'team-b' } });
  assert.doesNotMatch(spoof.body, /b-back/);
  // htpasswd user of team-a reads A's data.
  const basic = await call('query', '/api/v1/services', {
    headers: { Authorization: `Basic ${Buffer.from('reader:reader-password').toString('base64')}` },
  });
  assert.match(basic.body, /a-front/);
  const badBasic = await call('query', '/api/v1/services', {
    headers: { Authorization: `Basic ${Buffer.from('reader:nope').toString('base64')}` },
  });
  assert.equal(badBasic.status, 401);

  const audit = logLines.filter((line) => line.includes('"audit":"query"'));
  assert.ok(
    audit.some(
      (line) => line.includes('"subject":"token:team-a"') && line.includes('"tenant":"team-a"') && line.includes('/api/v1/services'),
    ),
  );
  assert.ok(!logLines.some((line) => Object.values(TOKENS).some((token) => line.includes(token))), 'no token is ever logged');
});

test('OIDC: a JWT signed by the issuer is accepted with its tenant; wrong audience, issuer or an expired token are refused', async () => {
  const sign = (claims: Record<string, unknown>, options: { audience?: string; issuer?: string; expiresIn?: string | number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setSubject('alice')
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? 'skein')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(signingKey);
  const services = async (token: string) => call('query', '/api/v1/services', { headers: bearer(token) });
  const good = await services(await sign({ tenant: 'team-b', roles: ['read'] }));
  assert.equal(good.status, 200, good.body);
  assert.match(good.body, /b-back/);
  assert.equal((await services(await sign({ tenant: 'team-b' }, { audience: 'other' }))).status, 401);
  assert.equal((await services(await sign({ tenant: 'team-b' }, { issuer: 'https://evil.example' }))).status, 401);
  assert.equal((await services(await sign({ tenant: 'team-b' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }))).status, 401);
  assert.equal((await services(await sign({ tenant: 'team-b', roles: ['ingest'] }))).status, 403, 'a JWT without read cannot query');
  const ingest = await call('otlpHttp', '/v1/traces', {
    method: 'POST',
    headers: bearer(await sign({ tenant: 'team-b', roles: ['read'] })),
    body: '{}',
  });
  assert.equal(ingest.status, 403);
});

test('TLS: mTLS refuses a missing or foreign client certificate; a changed certificate is served without a restart', async () => {
  // A refusal, not a timeout: with TLS 1.3 the server's "certificate required" alert arrives after
  // the client's handshake finished, and a client that missed it would wait (callWith's timeout).
  const refused = (error: Error): boolean => !error.message.includes(NO_ANSWER);
  await assert.rejects(call('query', '/healthz', { client: null }), refused, 'no client certificate');
  await assert.rejects(call('query', '/healthz', { client: pki.strangerClient }), refused, 'a certificate from another CA');
  const before = await call('query', '/healthz');
  assert.equal(before.status, 200);
  pki.reissueServer(join(dir, 'served.crt'), join(dir, 'served.key'));
  const deadline = Date.now() + 10_000;
  let after = before;
  while (after.serverSerial === before.serverSerial && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    after = await call('query', '/healthz');
  }
  assert.notEqual(after.serverSerial, before.serverSerial, 'the reissued certificate is served');
});

test('the OpenTelemetry JS SDK sends with a header over mTLS, and its spans land in its tenant only', async () => {
  const exporter = new OTLPTraceExporter({
    url: `https://127.0.0.1:${skein.ports['otlpHttp']}/v1/traces`,
    headers: { Authorization: `Bearer ${TOKENS.teamB}` },
    timeoutMillis: CALL_TIMEOUT_MILLIS,
    httpAgentOptions: { ca: pki.caCert, cert: pki.client.cert, key: pki.client.key },
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'b-sdk' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.getTracer('security-test').startSpan('sdk-span').end();
  await provider.forceFlush();
  await provider.shutdown();
  assert.match((await call('query', '/api/v1/services', { headers: bearer(TOKENS.teamB) })).body, /b-sdk/);
  assert.doesNotMatch((await call('query', '/api/v1/services', { headers: bearer(TOKENS.teamA) })).body, /b-sdk/);
});

test('token management: admin-only, per tenant, hashed at rest; a made token works at once and stops working when revoked', async () => {
  const admin = (tenant: string): Record<string, string> => ({ ...bearer(TOKENS.admin), 'X-Scope-OrgID': tenant });
  const tokensPath = '/api/v1/admin/tokens';
  // Not an admin: 403, even for its own tenant.
  assert.equal((await call('query', tokensPath, { headers: bearer(TOKENS.teamA) })).status, 403);
  assert.equal((await call('query', tokensPath, { method: 'POST', headers: bearer(TOKENS.teamA), body: '{"name":"x"}' })).status, 403);
  const bad = await call('query', tokensPath, { method: 'POST', headers: admin('team-b'), body: '{"name":"ops","roles":["admin"]}' });
  assert.equal(bad.status, 400, 'admin tokens are config only');
  assert.match(bad.body, /roles/);

  const made = await call('query', tokensPath, {
    method: 'POST',
    headers: admin('team-b'),
    body: '{"name":"ci","roles":["ingest","read"]}',
  });
  assert.equal(made.status, 200, made.body);
  const { token, tenant } = JSON.parse(made.body) as { token: string; tenant: string };
  assert.equal(tenant, 'team-b');
  assert.match(token, /^skn_[A-Za-z0-9_-]{43}$/);
  assert.equal(
    (await call('query', tokensPath, { method: 'POST', headers: admin('team-b'), body: '{"name":"ci"}' })).status,
    400,
    'one live token per name',
  );

  const listed = await call('query', tokensPath, { headers: admin('team-b') });
  assert.equal(listed.status, 200, listed.body);
  assert.match(listed.body, /"name":"ci"/);
  assert.ok(!listed.body.includes(token) && !listed.body.includes(sha256Hex(token)), 'neither the token nor its hash is listed');
  assert.doesNotMatch((await call('query', tokensPath, { headers: admin('team-a') })).body, /"ci"/, "another tenant's list");

  // The stored token authenticates as team-b (the table is re-read within a second of an unknown token).
  const services = () => call('query', '/api/v1/services', { headers: bearer(token) });
  const deadline = Date.now() + 10_000;
  let answer = await services();
  while (answer.status !== 200 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 200));
    answer = await services();
  }
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.body, /b-back/);
  assert.doesNotMatch(answer.body, /a-front/);

  assert.equal(
    (await call('query', `${tokensPath}/ci`, { method: 'DELETE', headers: admin('team-a') })).status,
    404,
    "team-a has no token 'ci'",
  );
  const revoked = await call('query', `${tokensPath}/ci`, { method: 'DELETE', headers: admin('team-b') });
  assert.equal(revoked.status, 200, revoked.body);
  const revokeDeadline = Date.now() + 15_000;
  while ((answer = await services()).status === 200 && Date.now() < revokeDeadline) await new Promise((done) => setTimeout(done, 250));
  assert.equal(answer.status, 401, 'a revoked token is refused within the cache age (5 s)');
  assert.doesNotMatch((await call('query', tokensPath, { headers: admin('team-b') })).body, /"ci"/);
  assert.ok(!logLines.some((line) => line.includes(token)), 'the made token is never logged');
});
