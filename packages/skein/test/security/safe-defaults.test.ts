import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { TenantLimits, FailureLimiter } from '../../src/cli/access-limits.js';
import { validateConfig } from '../../src/cli/config.js';
import { parseCommandLine } from '../../src/cli/command-line.js';
import { ListenError } from '../../src/cli/listen.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein } from '../../src/cli/start-skein.js';
import { writeConfig } from '../support/skein-process.js';
import { sha256Hex } from './security-support.js';

/** A forwarding collector (no storage): the listeners alone, with `security` as given. */
function collectorConfig(security: unknown, host = '0.0.0.0'): ReturnType<typeof validateConfig> {
  return validateConfig(
    {
      receivers: { zipkin: null, otlp: { protocols: { grpc: { endpoint: `${host}:0` }, http: { endpoint: `${host}:0` } } } },
      exporters: { storage: null, otlp: { endpoint: '127.0.0.1:1', tls: { insecure: true } } },
      extensions: {
        health: { endpoint: `${host}:0` },
        sampling: { http: { endpoint: `${host}:0` }, grpc: { endpoint: `${host}:0` } },
      },
      service: { pipelines: { traces: { exporters: ['otlp'] } }, telemetry: { metrics: { address: `${host}:0` } } },
      ...(security !== undefined && { security }),
    },
    'test',
  );
}

/** An address of this machine other than loopback, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
}

test('without auth the wildcard binds loopback, says how to expose, and other addresses are refused', async () => {
  const lines: string[] = [];
  const running = await startSkein(collectorConfig(undefined), 'collector', createLogger({ write: (line) => lines.push(line) }));
  try {
    assert.ok(lines.some((line) => line.includes('listeners bind loopback (127.0.0.1) only') && line.includes('--insecure-expose')));
    const health = await fetch(`http://127.0.0.1:${running.ports['query']}/healthz`);
    assert.equal(health.status, 200);
    // Remote sampling is on by default, on loopback like every listener.
    const strategy = await fetch(`http://127.0.0.1:${running.ports['sampling']}/sampling?service=checkout`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(strategy.status, 200);
    const external = externalAddress();
    if (external !== undefined) {
      await assert.rejects(fetch(`http://${external}:${running.ports['query']}/healthz`), 'not reachable from outside loopback');
      await assert.rejects(fetch(`http://${external}:${running.ports['sampling']}/sampling?service=x`), 'sampling neither');
    }
  } finally {
    await running.stop();
  }
  await assert.rejects(
    startSkein(collectorConfig(undefined, '192.0.2.10'), 'collector', createLogger({ write: () => undefined })),
    (error: unknown) => error instanceof ListenError && /without authentication: configure security.auth/.test(error.message),
  );
});

test('--insecure-expose binds as written and warns for each listener', async () => {
  const raw = parseCommandLine(['--insecure-expose'], {}).rawConfig;
  assert.deepEqual(raw['security'], { expose_without_auth: true });
  const lines: string[] = [];
  const running = await startSkein(
    collectorConfig({ expose_without_auth: true }),
    'collector',
    createLogger({ write: (line) => lines.push(line) }),
  );
  try {
    assert.ok(lines.some((line) => line.includes('WITHOUT authentication (--insecure-expose)')));
    const external = externalAddress();
    if (external !== undefined) assert.equal((await fetch(`http://${external}:${running.ports['query']}/healthz`)).status, 200);
  } finally {
    await running.stop();
  }
});

test('repeated failures from one client are answered 429 for a minute, even with a good token then', async () => {
  const token = 'good-token';
  const config = collectorConfig({
    auth: { tokens: [{ name: 'sdk', sha256: sha256Hex(token), tenant: 'team-a' }], max_failures_per_minute: 3 },
    limits: { 'team-a': { ingest_requests_per_second: 2 } },
  });
  const running = await startSkein(config, 'collector', createLogger({ write: () => undefined }));
  const url = `http://127.0.0.1:${running.ports['otlpHttp']}/v1/traces`;
  try {
    // GET passes authentication and admission, then the receiver answers 405: no pipeline needed.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).status);
    assert.deepEqual(statuses, [405, 405, 429], 'the third request in one second is over the tenant rate of 2/s');
    const limited = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);

    for (let i = 0; i < 3; i++) assert.equal((await fetch(url, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    const blocked = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 50);
  } finally {
    await running.stop();
  }
});

test('query concurrency per tenant: the next query waits for one to finish; the failure table stays bounded', () => {
  const limits = new TenantLimits({ default: { query_concurrency: 1 } });
  const first = new EventEmitter() as unknown as ServerResponse;
  assert.equal(limits.admit('team-a', 'read', first), undefined);
  assert.match(limits.admit('team-a', 'read', new EventEmitter() as unknown as ServerResponse)?.message ?? '', /1 queries running/);
  assert.equal(limits.admit('team-b', 'read', new EventEmitter() as unknown as ServerResponse), undefined, 'another tenant is not held up');
  first.emit('close');
  assert.equal(limits.admit('team-a', 'read', new EventEmitter() as unknown as ServerResponse), undefined);

  const failures = new FailureLimiter(1);
  for (let i = 0; i < 20_000; i++) failures.failed(`10.0.${i >> 8}.${i & 255}`, 0);
  assert.equal(failures.blockedFor('10.0.0.0', 1), 0, 'the oldest clients were forgotten, not the table grown');
  assert.equal(failures.blockedFor('10.0.78.31', 1), 60, 'the newest is blocked for a minute');
});

test('the hardened example in docs/security.md is a valid configuration', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(yaml, 'docs/security.md has a yaml block');
  const config = validateConfig(parseCommandLine(['--config', writeConfig(yaml)], {}).rawConfig, 'docs/security.md');
  assert.equal(config.security.auth?.tokens.length, 3);
  assert.equal(config.security.auth?.oidc?.clock_skew, 30_000);
  assert.equal(config.security.tls?.client_ca_file, '/etc/skein/tls/clients-ca.crt');
  assert.equal(config.security.limits['default']?.query_concurrency, 4);
});
