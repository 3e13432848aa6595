import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateConfig } from '../../src/cli/config.js';
import { createLogger } from '../../src/cli/logger.js';
import { startSkein, type RunningSkein } from '../../src/cli/start-skein.js';
import { ChdbEngine } from '../../src/storage/engines/chdb-engine.js';
import { openTraceStore } from '../../src/storage/index.js';
import { retentionInterval } from '../../src/storage/schema/retention.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { otlpJson, sha256Hex } from './security-support.js';

/**
 * The storage-side per-tenant limits (docs/security.md): `max_spans_per_trace` refuses a runaway
 * trace's further spans with OTLP partial success naming tenant, trace and limit, whatever the
 * receiver; `retention_days` gives each tenant its own TTL on the span tables.
 */

const TOKENS = { a: 'limits-team-a', b: 'limits-team-b' };
const REQUEST_TIMEOUT_MILLIS = 15_000;
let dir: string;
let skein: RunningSkein;
const logLines: string[] = [];

before(async () => {
  dir = makeTempDir('skein-tenant-limits-');
  const config = validateConfig(
    {
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } }, zipkin: { endpoint: '127.0.0.1:0' } },
      extensions: { query: { endpoint: '127.0.0.1:0' }, tempo: null, sampling: null },
      storage: { data_dir: join(dir, 'data') },
      security: {
        auth: {
          tokens: [
            { name: 'a', sha256: sha256Hex(TOKENS.a), tenant: 'team-a' },
            { name: 'b', sha256: sha256Hex(TOKENS.b), tenant: 'team-b' },
          ],
        },
        limits: { 'team-a': { max_spans_per_trace: 3, retention_days: 7 }, default: { retention_days: 30 } },
      },
      service: { telemetry: { metrics: { address: '127.0.0.1:0' } } },
    },
    'test',
  );
  skein = await startSkein(config, 'all-in-one', createLogger({ write: (line) => logLines.push(line) }));
});

after(async () => {
  try {
    await skein?.stop();
  } finally {
    if (dir) removeDir(dir);
  }
});

async function call(portName: string, path: string, token: string, body?: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${skein.ports[portName]}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  });
  return { status: response.status, body: await response.text() };
}

const spansOf = (service: string, traceId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ service, traceId, spanId: (from + i + 1).toString(16).padStart(16, '0') }));

test('max_spans_per_trace: spans beyond the limit are refused with partial success naming the trace; other tenants are not limited', async () => {
  const trace = 'cccccccccccccccccccccccccccccc01';
  const first = await call('otlpHttp', '/v1/traces', TOKENS.a, otlpJson(spansOf('a-svc', trace, 0, 5)));
  assert.equal(first.status, 200, first.body);
  const partial = (JSON.parse(first.body) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } }).partialSuccess;
  assert.equal(partial?.rejectedSpans, '2');
  assert.match(partial?.errorMessage ?? '', /tenant team-a: trace cccccccccccccccccccccccccccccc01 has reached max_spans_per_trace \(3\)/);
  const again = await call('otlpHttp', '/v1/traces', TOKENS.a, otlpJson(spansOf('a-svc', trace, 10, 2)));
  assert.equal((JSON.parse(again.body) as { partialSuccess?: { rejectedSpans: string } }).partialSuccess?.rejectedSpans, '2');
  // Another trace of the same tenant has its own count.
  const other = await call('otlpHttp', '/v1/traces', TOKENS.a, otlpJson(spansOf('a-svc', 'cccccccccccccccccccccccccccccc02', 0, 3)));
  assert.equal(other.body, '{}', 'within the limit: full success');
  // Zipkin has no partial success: the request is accepted, the spans over the limit are not stored.
  const zipkin = await call(
    'zipkin',
    '/api/v2/spans',
    TOKENS.a,
    JSON.stringify([
      {
        traceId: trace,
        id: '00000000000000ff',
        name: 'z',
        timestamp: Date.now() * 1000,
        duration: 5,
        localEndpoint: { serviceName: 'a-svc' },
      },
    ]),
  );
  assert.equal(zipkin.status, 202, zipkin.body);
  // Team B (only `default` limits: no trace-size limit) stores all its spans of the same trace ID.
  const b = await call('otlpHttp', '/v1/traces', TOKENS.b, otlpJson(spansOf('b-svc', trace, 0, 6)));
  assert.equal(b.body, '{}');

  const spanCount = async (token: string): Promise<number> => {
    const answer = await call('query', `/api/v1/traces/${trace}`, token);
    assert.equal(answer.status, 200, answer.body);
    return (answer.body.match(/"spanId"/g) ?? []).length;
  };
  assert.equal(await spanCount(TOKENS.a), 3);
  assert.equal(await spanCount(TOKENS.b), 6);
  assert.ok(
    logLines.some((line) => line.includes('max_spans_per_trace (3)')),
    'the refusal is logged',
  );
});

test('retention_days per tenant: one TTL whose days depend on the tenant; rows older than their tenant’s retention are dropped', async () => {
  assert.equal(retentionInterval(14, {}), 'toIntervalDay(14)');
  assert.equal(retentionInterval(undefined, { default: 30 }), 'toIntervalDay(30)');
  assert.equal(
    retentionInterval(undefined, { "t'x": 7, default: 30 }),
    "toIntervalDay(multiIf(tenant = 't\\'x', 7, 30))",
    'tenant IDs are bound as quoted values',
  );
  assert.throws(() => retentionInterval(undefined, { a: 0 }), /between 1 and 36500/);

  // The running Skein applied team-a 7 days, everyone else 30, to the span tables.
  const engine = await ChdbEngine.open(join(dir, 'data'), 'skein');
  const ttl = await engine.query<{ engine_full: string }>(
    "SELECT engine_full FROM system.tables WHERE database = 'skein' AND name = 'trace_spans_v3'",
  );
  assert.match(ttl[0]?.engine_full ?? '', /toIntervalDay\(multiIf\(tenant = 'team-a', 7, 30\)\)/);

  // Spans 10 days old: team-a's (7 days) go at the next merge, team-b's (30 days) stay.
  const database = 'retention_probe';
  const store = await openTraceStore({
    engine: 'chdb',
    dataDir: join(dir, 'data'),
    database,
    tenantRetentionDays: { 'team-a': 7, default: 30 },
  });
  try {
    const tenDaysAgoNanos = BigInt(Date.now() - 10 * 86_400_000) * 1_000_000n;
    const probe = await ChdbEngine.open(join(dir, 'data'), database);
    for (const tenant of ['team-a', 'team-b']) {
      await probe.command(
        `INSERT INTO ${database}.trace_spans_v3 (tenant, trace_id, span_id, service_name, start_ns, bucket) VALUES ({tenant:String}, 'dddddddddddddddddddddddddddddd01', '0000000000000001', 'svc', {start:UInt64}, 1)`,
        { tenant, start: tenDaysAgoNanos },
      );
    }
    await probe.command(`OPTIMIZE TABLE ${database}.trace_spans_v3 FINAL`);
    const left = await probe.query<{ tenant: string }>(`SELECT tenant FROM ${database}.trace_spans_v3 ORDER BY tenant`);
    assert.deepEqual(
      left.map((row) => row.tenant),
      ['team-b'],
    );
  } finally {
    await store.close();
  }
});
