import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OtlpExporter } from '../../src/collector/exporters/otlp-exporter.js';
import { OtlpHttpTransport } from '../../src/collector/exporters/otlp-http-transport.js';
import { DEFAULT_RETRY_POLICY } from '../../src/collector/pipeline/retry-policy.js';
import type { Span } from '../../src/model/span.js';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import { makeSpan } from '../support/span-factory.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { ScriptedTransport, silentLogger } from '../exporters/scripted-transport.js';

/** Forwarders keep each span's tenant: one request per tenant, `X-Scope-OrgID`, and across a restart of the disk queue. */

const ofTenant = (tenant: string): Span => {
  const span = makeSpan();
  return { ...span, resource: { ...span.resource, tenant: parseTenantId(tenant) } };
};

test('a mixed batch leaves as one request per tenant, each with X-Scope-OrgID (none for the default tenant)', async () => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    request.on('end', () => response.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const transport = new OtlpHttpTransport({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    encoding: 'proto',
    compression: 'none',
    headers: { Authorization: 'Bearer forwarder' },
    timeoutMillis: 5_000,
    maxSockets: 2,
  });
  const exporter = new OtlpExporter(
    'otlphttp/test',
    transport,
    DEFAULT_RETRY_POLICY,
    { enabled: false, numConsumers: 1, queueSize: 1, sizer: 'requests' },
    { metrics: undefined, logger: silentLogger },
  );
  try {
    await exporter.start();
    const result = await exporter.consume([ofTenant('team-a'), ofTenant('team-b'), ofTenant('team-a'), makeSpan()]);
    assert.equal(result.outcome, 'success');
    assert.deepEqual(seen.map((headers) => headers['x-scope-orgid']).sort(), ['team-a', 'team-b', undefined].sort());
    assert.ok(seen.every((headers) => headers.authorization === 'Bearer forwarder'));
  } finally {
    await exporter.shutdown();
    transport.close();
    server.close();
  }
});

test('the on-disk queue restores each batch to its tenant after a restart', async () => {
  const dir = makeTempDir('tenant-queue');
  try {
    const options = { enabled: true, numConsumers: 1, queueSize: 100, sizer: 'requests' as const, persistentDir: dir };
    const down = new ScriptedTransport();
    down.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
    const before = new OtlpExporter('otlp/test', down, DEFAULT_RETRY_POLICY, options, { metrics: undefined, logger: silentLogger });
    await before.start();
    assert.equal((await before.consume([ofTenant('team-a'), makeSpan(), ofTenant('team-b')])).outcome, 'success');
    await before.shutdown();

    const up = new ScriptedTransport();
    const after = new OtlpExporter('otlp/test', up, DEFAULT_RETRY_POLICY, options, { metrics: undefined, logger: silentLogger });
    await after.start();
    const deadline = Date.now() + 10_000;
    while (up.sends.length < 3 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    await after.shutdown();
    const tenants = up.sends.flatMap((send) => send.spans.map((span) => span.resource.tenant)).sort();
    assert.deepEqual(tenants, [DEFAULT_TENANT, 'team-a', 'team-b'].sort());
  } finally {
    removeDir(dir);
  }
});
