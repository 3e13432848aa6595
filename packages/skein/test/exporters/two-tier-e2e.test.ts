/**
 * Real processes on loopback: a `skein collector` with the `loadbalancing` exporter (static list)
 * in front of two all-in-one Skeins, each with its own data directory. Traces go in through the
 * front; every one must land whole on exactly one backend, also while one backend restarts
 * (stopped mid-traffic, started again on the same ports and data directory), with nothing lost.
 * When the tail_sampling processor is available the backends run it (always_sample), which is the
 * reason routing by trace ID exists: a split trace would be decided twice, in halves.
 *
 * A second front, an all-in-one Skein with `exporters: [storage, otlphttp]`, checks the plain OTLP
 * exporter against a real Skein: the same trace stored locally and downstream.
 */
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { knownTypes } from '../../src/cli/component-registry.js';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import { eventually, getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const SPANS_PER_TRACE = 4;
const TAIL_SAMPLING = knownTypes('processor').includes('tail_sampling');

/**
 * A backend restarts on its old ports; every listener on port 0 that binds before the OTLP
 * receivers could take one of them (CI 2026-12-05: the sampling gRPC listener got the old OTLP/HTTP
 * port). The backends serve no query-side extensions but the query API, so only the metrics
 * listener binds port 0 before the receivers.
 */
const NO_EXTRA_LISTENERS = `
extensions:
  zipkin: null
  tempo: null
  sampling: null
`;

const backendConfig =
  NO_EXTRA_LISTENERS +
  (TAIL_SAMPLING
    ? `
processors:
  tail_sampling:
    decision_wait: 2s
    policies: [{ name: keep-all, type: always_sample }]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling]
`
    : `
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
`);

/** Several Skeins run at once: each serves its /metrics on a port of its own. */
const METRICS_ON_FREE_PORT = ['--metrics-port', '0'];

/** Skein's own metrics (Prometheus text) of a process, found through its start-up log line. */
async function metricsOf(skein: SkeinProcess): Promise<string> {
  const line = skein.logs.find((text) => text.includes('metrics listening on'));
  const port = line && /:(\d+)\/metrics/.exec(line)?.[1];
  assert.ok(port, 'the process logged its metrics port');
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

let backends: SkeinProcess[] = [];
const started: SkeinProcess[] = [];

async function startBackend(options: { dataDir?: string; ports?: Partial<SkeinProcess['ports']> } = {}): Promise<SkeinProcess> {
  const { otlpGrpc = 0, otlpHttp = 0, query = 0 } = options.ports ?? {};
  const portArgs = ['--otlp-grpc-port', String(otlpGrpc), '--otlp-http-port', String(otlpHttp), '--query-port', String(query)];
  const skein = await startSkein({
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    args: ['--config', writeConfig(backendConfig), ...portArgs, ...METRICS_ON_FREE_PORT],
    timeoutMillis: 40_000,
  });
  started.push(skein);
  return skein;
}

before(async () => {
  backends = await Promise.all([startBackend(), startBackend()]);
});

after(async () => {
  await Promise.all(started.map((skein) => skein.stop()));
  for (const skein of started) removeDir(skein.dataDir);
});

/** Traces of SPANS_PER_TRACE spans over two services, cut into interleaved requests (a trace spans several). */
function makeTraffic(traces: number, spansPerRequest = 30): { requests: Span[][]; traceIds: string[] } {
  const traceIds: string[] = [];
  const all: Span[] = [];
  const perTrace = Array.from({ length: traces }, () => {
    const traceId = randomTraceId();
    traceIds.push(traceId);
    const rootId = randomSpanId();
    return Array.from({ length: SPANS_PER_TRACE }, (_, i) =>
      makeSpan({
        traceId,
        spanId: i === 0 ? rootId : randomSpanId(),
        parentSpanId: i === 0 ? '' : rootId,
        name: i === 0 ? 'GET /checkout' : `step-${i}`,
        resource: makeResource(i % 2 === 0 ? 'frontend' : 'payments'),
      }),
    );
  });
  // Children first, roots last, traces interleaved: every trace is spread over several requests.
  for (let i = SPANS_PER_TRACE - 1; i >= 0; i--) for (const spans of perTrace) all.push(spans[i]!);
  const requests: Span[][] = [];
  for (let i = 0; i < all.length; i += spansPerRequest) requests.push(all.slice(i, i + spansPerRequest));
  return { requests, traceIds };
}

/** POSTs each request (OTLP/HTTP protobuf) until it is acknowledged, as an SDK with retries would. */
async function send(url: string, requests: Span[][], pauseMillis = 0, hooks: SendHooks = {}): Promise<void> {
  for (const spans of requests) {
    await hooks.beforeEach?.();
    const body = encodeOtlpProtoTraces(spans);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body }).then(
        async (response) => (await response.arrayBuffer(), response.status),
        () => 0,
      );
      if (status === 200) break;
      assert.ok(status === 0 || status === 429 || status === 503, `the front answered ${status}`);
      assert.ok(Date.now() < deadline, 'a request was not acknowledged within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    hooks.onAcknowledged?.();
    if (pauseMillis > 0) await new Promise((resolve) => setTimeout(resolve, pauseMillis));
  }
}

interface SendHooks {
  /** Awaited before each request: lets a test hold the traffic at a chosen point. */
  beforeEach?: () => Promise<void>;
  onAcknowledged?: () => void;
}

/** Trace ID → span count, as stored by one Skein. */
async function storedTraces(skein: SkeinProcess): Promise<Map<string, number>> {
  const { status, body } = await getJson(`${skein.queryUrl}/api/v1/search?limit=10000`);
  assert.equal(status, 200, JSON.stringify(body));
  return new Map((body.traces as Array<{ traceId: string; spanCount: number }>).map((trace) => [trace.traceId, trace.spanCount]));
}

/**
 * Waits until every span of every trace is stored, then checks that each trace is on exactly one backend.
 * Returns how many traces each backend holds.
 */
async function assertWholeOnOneBackend(traceIds: readonly string[]): Promise<number[]> {
  const stores = await eventually(
    async () => {
      const current = await Promise.all(backends.map(storedTraces));
      // Complete counting all backends together: a split trace is reported below, not waited for.
      const complete = traceIds.every((traceId) => current.reduce((sum, store) => sum + (store.get(traceId) ?? 0), 0) >= SPANS_PER_TRACE);
      return complete ? current : undefined;
    },
    30_000,
    `all ${traceIds.length} traces to be stored`,
  );
  const problems: string[] = [];
  for (const traceId of traceIds) {
    const holders = stores.map((store) => store.get(traceId) ?? 0);
    if (holders.filter((count) => count > 0).length !== 1 || !holders.includes(SPANS_PER_TRACE)) {
      problems.push(`${traceId}: spans per backend ${holders.join(' / ')}`);
    }
  }
  assert.deepEqual(problems, [], `${problems.length} of ${traceIds.length} traces split, lost or duplicated`);
  return stores.map((store) => traceIds.filter((traceId) => store.has(traceId)).length);
}

async function startFront(): Promise<SkeinProcess> {
  const hostnames = backends.map((backend) => `127.0.0.1:${backend.ports.otlpGrpc}`);
  const front = await startSkein({
    args: [
      ...METRICS_ON_FREE_PORT,
      'collector',
      '--config',
      writeConfig(`
receivers:
  zipkin: null
exporters:
  loadbalancing:
    routing_key: traceID
    protocol:
      otlp:
        tls: { insecure: true }
        timeout: 2s
        retry_on_failure: { initial_interval: 100ms, max_interval: 1s, max_elapsed_time: 60s }
    resolver:
      static:
        hostnames: [${hostnames.join(', ')}]
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [loadbalancing]
`),
    ],
    timeoutMillis: 40_000,
  });
  started.push(front);
  return front;
}

test(`two tiers: every trace lands whole on exactly one backend (tail_sampling on the backends: ${TAIL_SAMPLING ? 'yes' : 'not available'})`, async (t) => {
  const front = await startFront();
  assert.ok(front.logs.some((line) => line.includes('traces pipeline: otlp → loadbalancing')));

  await t.test('steady traffic', async () => {
    const { requests, traceIds } = makeTraffic(200);
    await Promise.all(
      [0, 1, 2].map((lane) =>
        send(
          front.otlpHttpUrl,
          requests.filter((_, i) => i % 3 === lane),
        ),
      ),
    );
    const perBackend = await assertWholeOnOneBackend(traceIds);
    assert.ok(
      perBackend.every((count) => count > traceIds.length * 0.25),
      `both backends take a share: ${perBackend.join(' / ')}`,
    );
  });

  await t.test('while one backend restarts on the same ports and data directory', async () => {
    const { requests, traceIds } = makeTraffic(240, 20);
    const restarting = backends[1]!;
    // Once a quarter of the requests are acknowledged, the senders hold while the backend stops,
    // so the rest is sent while it is down whatever the machine's speed.
    let acknowledged = 0;
    let releaseTraffic!: () => void;
    const backendDown = new Promise<void>((resolve) => (releaseTraffic = resolve));
    const quarter = Math.ceil(requests.length / 4);
    const hooks: SendHooks = {
      beforeEach: () => (acknowledged >= quarter ? backendDown : Promise.resolve()),
      onAcknowledged: () => void acknowledged++,
    };
    const traffic = Promise.all(
      [0, 1].map((lane) =>
        send(
          front.otlpHttpUrl,
          requests.filter((_, i) => i % 2 === lane),
          60,
          hooks,
        ),
      ),
    );
    while (acknowledged < quarter) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await restarting.stop(), 0, 'the backend shut down cleanly');
    releaseTraffic();
    await new Promise((resolve) => setTimeout(resolve, 500));
    backends[1] = await startBackend({ dataDir: restarting.dataDir, ports: restarting.ports });
    await traffic;
    const perBackend = await assertWholeOnOneBackend(traceIds);
    assert.ok(perBackend[1]! > 0, 'the restarted backend has its share');
    assert.ok(
      front.logs.some((line) => /retrying in \d+ ms/.test(line)),
      'the front retried the backend that was down (not re-routed its traces)',
    );
  });
});

test('the otlphttp exporter forwards to a real Skein: stored here and there', async () => {
  const downstream = backends[0]!;
  const forwarder = await startSkein({
    args: [
      ...METRICS_ON_FREE_PORT,
      '--config',
      writeConfig(`
exporters:
  otlphttp/downstream:
    endpoint: http://127.0.0.1:${downstream.ports.otlpHttp}
    compression: gzip
    headers: { X-Tenant: e2e }
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [storage, otlphttp/downstream]
`),
    ],
    timeoutMillis: 40_000,
  });
  started.push(forwarder);
  const { requests, traceIds } = makeTraffic(20);
  await send(forwarder.otlpHttpUrl, requests);
  for (const skein of [forwarder, downstream]) {
    await eventually(
      async () => {
        const stored = await storedTraces(skein);
        return traceIds.every((traceId) => stored.get(traceId) === SPANS_PER_TRACE) ? true : undefined;
      },
      20_000,
      `the forwarded traces on ${skein === forwarder ? 'the forwarder' : 'the downstream Skein'}`,
    );
  }
  const metrics = await metricsOf(forwarder);
  assert.match(metrics, /skein_exporter_sent_spans_total\{exporter="otlphttp\/downstream"\} 80\b/);
  assert.match(metrics, /skein_queue_spans\{queue="exporter\/otlphttp\/downstream"\} 0\b/);
});

/** A loopback port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a persistent otlp queue acknowledges on fsync and delivers after kill -9 and restart', async () => {
  const downstreamPort = await freePort();
  const config = writeConfig(`
receivers:
  zipkin: null
exporters:
  otlp/durable:
    endpoint: 127.0.0.1:${downstreamPort}
    tls: { insecure: true }
    retry_on_failure: { initial_interval: 100ms, max_interval: 500ms }
    sending_queue: { persistent: true }
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [otlp/durable]
`);
  const forwarder = await startSkein({ args: ['collector', '--config', config, ...METRICS_ON_FREE_PORT], timeoutMillis: 40_000 });
  started.push(forwarder);
  // Nothing listens downstream, yet every request is acknowledged: it is on disk.
  const { requests, traceIds } = makeTraffic(30);
  await send(forwarder.otlpHttpUrl, requests);
  await forwarder.kill();

  const downstream = await startBackend({ ports: { otlpGrpc: downstreamPort } });
  const restarted = await startSkein({
    dataDir: forwarder.dataDir,
    args: ['collector', '--config', config, ...METRICS_ON_FREE_PORT],
    timeoutMillis: 40_000,
  });
  started.push(restarted);
  assert.ok(
    restarted.logs.some((line) => /exporter otlp\/durable: \d+ spans in \d+ batches queued on disk from before/.test(line)),
    'the restarted forwarder found its queue',
  );
  await eventually(
    async () => {
      const stored = await storedTraces(downstream);
      return traceIds.every((traceId) => (stored.get(traceId) ?? 0) >= SPANS_PER_TRACE) ? true : undefined;
    },
    20_000,
    'the queued traces to reach the downstream Skein',
  );
});
