/**
 * The load-balancing exporter with scripted backends: whole traces per backend, a backend that is
 * down keeps its traces (retried, not re-routed), a backend that leaves the resolver's set gives
 * its queued spans to the others, DNS changes rebuild the ring, orphaned on-disk queues are
 * re-routed at start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResolver, StaticResolver, type BackendResolver } from '../../src/collector/exporters/backend-resolver.js';
import { LoadBalancingExporter } from '../../src/collector/exporters/load-balancing-exporter.js';
import { OtlpExporter, type SendingQueueOptions } from '../../src/collector/exporters/otlp-exporter.js';
import type { RetryPolicy } from '../../src/collector/pipeline/retry-policy.js';
import type { Span } from '../../src/model/span.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { ScriptedTransport, silentLogger, until } from './scripted-transport.js';

const RETRY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 10,
  randomizationFactor: 0,
  multiplier: 2,
  maxIntervalMillis: 50,
  maxElapsedMillis: 0,
};

class Backends {
  readonly transports = new Map<string, ScriptedTransport>();
  transport(endpoint: string): ScriptedTransport {
    let transport = this.transports.get(endpoint);
    if (!transport) {
      transport = new ScriptedTransport(endpoint);
      this.transports.set(endpoint, transport);
    }
    return transport;
  }
  /** Trace ID → the backends that accepted spans of it. */
  placement(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const [endpoint, transport] of this.transports) {
      for (const send of transport.sends) {
        if (send.outcome?.kind !== 'accepted') continue;
        for (const span of send.spans) {
          const set = out.get(span.traceId) ?? new Set<string>();
          set.add(endpoint);
          out.set(span.traceId, set);
        }
      }
    }
    return out;
  }
}

function loadBalancer(
  backends: Backends,
  resolver: BackendResolver,
  queue: Partial<SendingQueueOptions> & { persistentRoot?: string } = {},
): LoadBalancingExporter {
  const { persistentRoot, ...queueOptions } = queue;
  return new LoadBalancingExporter(
    'loadbalancing',
    {
      routingKey: 'traceID',
      resolver,
      ...(persistentRoot !== undefined && { persistentRoot }),
      createBackendExporter: (endpoint, queueDir) =>
        new OtlpExporter(
          `loadbalancing[${endpoint}]`,
          backends.transport(endpoint),
          RETRY,
          {
            enabled: true,
            numConsumers: 2,
            queueSize: 1000,
            sizer: 'requests',
            ...queueOptions,
            ...(queueDir !== undefined && { persistentDir: queueDir }),
          },
          { metrics: undefined, logger: silentLogger },
        ),
    },
    { metrics: undefined, logger: silentLogger },
  );
}

/** `traces` traces of `spansPerTrace` spans, cut into interleaved batches. */
function traffic(traces: number, spansPerTrace: number): { batches: Span[][]; traceIds: string[] } {
  const traceIds = Array.from({ length: traces }, () => randomTraceId());
  const all: Span[] = [];
  for (let i = 0; i < spansPerTrace; i++) for (const traceId of traceIds) all.push(makeSpan({ traceId, name: `op-${i}` }));
  const batches: Span[][] = [];
  for (let i = 0; i < all.length; i += 37) batches.push(all.slice(i, i + 37));
  return { batches, traceIds };
}

/** A resolver the test moves by hand. */
class ManualResolver implements BackendResolver {
  private onChange: ((endpoints: string[]) => void) | undefined;
  constructor(private endpoints: string[]) {}
  start(onChange: (endpoints: string[]) => void): Promise<string[]> {
    this.onChange = onChange;
    return Promise.resolve(this.endpoints);
  }
  set(endpoints: string[]): void {
    this.endpoints = endpoints;
    this.onChange?.(endpoints);
  }
  stop(): void {}
}

test('every trace lands whole on exactly one backend, and the load is spread', async () => {
  const backends = new Backends();
  const exporter = loadBalancer(backends, new StaticResolver(['b1:4317', 'b2:4317', 'b3:4317']));
  await exporter.start();
  const { batches, traceIds } = traffic(300, 4);
  for (const batch of batches) assert.deepEqual(await exporter.consume(batch), { outcome: 'success' });
  const placement = backends.placement();
  assert.equal(placement.size, traceIds.length);
  for (const [traceId, where] of placement) assert.equal(where.size, 1, `trace ${traceId} went to ${[...where].join(' and ')}`);
  for (const [endpoint, transport] of backends.transports) {
    const share = transport.sentSpans().length / (traceIds.length * 4);
    assert.ok(share > 0.2 && share < 0.47, `${endpoint} got ${(share * 100).toFixed(0)}%`);
  }
  await exporter.shutdown();
});

test('a backend that is down is retried, not re-routed: its traces stay whole on it', async () => {
  const backends = new Backends();
  const exporter = loadBalancer(backends, new StaticResolver(['b1:4317', 'b2:4317']));
  await exporter.start();
  const down = backends.transport('b2:4317');
  down.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
  const { batches } = traffic(60, 3);
  const results = batches.map((batch) => exporter.consume(batch));
  await until(() => down.sends.length >= 10, 5_000, 'retries against the down backend');
  down.whenEmpty = { kind: 'accepted', rejectedSpans: 0, errorMessage: '' };
  for (const result of await Promise.all(results)) assert.deepEqual(result, { outcome: 'success' });
  for (const [traceId, where] of backends.placement())
    assert.equal(where.size, 1, `trace ${traceId} was split over ${[...where].join(', ')}`);
  assert.ok(down.sends.length > batches.length, 'the down backend was retried');
  await exporter.shutdown();
});

test('a backend that leaves the resolver set has its queued spans re-routed, nothing lost', async () => {
  const backends = new Backends();
  const resolver = new ManualResolver(['b1:4317', 'b2:4317', 'b3:4317']);
  const exporter = loadBalancer(backends, resolver, { numConsumers: 1 });
  await exporter.start();
  const leaving = backends.transport('b3:4317');
  // b3 answers nothing: its first batch hangs, the rest wait in its queue.
  leaving.hold();
  leaving.script.push({ kind: 'retry', throttled: false, message: 'connection reset' });
  const { batches, traceIds } = traffic(90, 3);
  const results = batches.map((batch) => exporter.consume(batch));
  await until(() => leaving.heldSends === 1, 2_000, 'b3 to hold a batch');
  resolver.set(['b1:4317', 'b2:4317']);
  await until(() => exporter.backendEndpoints.length === 2, 2_000, 'the ring to drop b3');
  leaving.release();
  for (const result of await Promise.all(results)) assert.deepEqual(result, { outcome: 'success' });

  const delivered = new Map<string, number>();
  for (const endpoint of ['b1:4317', 'b2:4317']) {
    for (const span of backends.transport(endpoint).sentSpans()) delivered.set(span.traceId, (delivered.get(span.traceId) ?? 0) + 1);
  }
  assert.equal(delivered.size, traceIds.length, 'every trace reached a remaining backend');
  for (const traceId of traceIds) assert.equal(delivered.get(traceId), 3, `trace ${traceId} is complete on b1/b2`);
  assert.equal(leaving.closed, true, 'the retired backend is closed once empty');
  await exporter.shutdown();
});

test('the DNS resolver re-resolves periodically; a new address joins the ring, a failed lookup changes nothing', async () => {
  let answer: string[] | Error = ['10.0.0.1', '10.0.0.2'];
  const logs: string[] = [];
  const resolver = new DnsResolver(
    {
      hostname: 'collectors.example',
      port: 4317,
      intervalMillis: 20,
      timeoutMillis: 100,
      lookup: (hostname) => {
        assert.equal(hostname, 'collectors.example');
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    },
    { ...silentLogger, warn: (message) => logs.push(message), info: (message) => logs.push(message) },
  );
  const backends = new Backends();
  const exporter = loadBalancer(backends, resolver);
  await exporter.start();
  assert.deepEqual(exporter.backendEndpoints, ['10.0.0.1:4317', '10.0.0.2:4317']);
  answer = new Error('SERVFAIL');
  await until(() => logs.some((line) => line.includes('SERVFAIL')), 2_000, 'a failed lookup');
  assert.deepEqual(exporter.backendEndpoints, ['10.0.0.1:4317', '10.0.0.2:4317'], 'a failed lookup keeps the backends');
  answer = ['10.0.0.2', '10.0.0.1', 'fd00::3'];
  await until(() => exporter.backendEndpoints.length === 3, 2_000, 'the new address');
  assert.deepEqual(exporter.backendEndpoints, ['10.0.0.1:4317', '10.0.0.2:4317', '[fd00::3]:4317']);
  const { batches } = traffic(100, 1);
  for (const batch of batches) await exporter.consume(batch);
  assert.ok(backends.transport('[fd00::3]:4317').sends.length > 0, 'the new backend takes its share');
  await exporter.shutdown();
});

test('persistent: the on-disk queue of a backend gone while Skein was down is re-routed at start', async () => {
  const root = makeTempDir('lb-queues');
  try {
    const backends = new Backends();
    const before = loadBalancer(backends, new StaticResolver(['b1:4317', 'b2:4317']), { persistentRoot: root });
    await before.start();
    backends.transport('b1:4317').hold();
    backends.transport('b2:4317').hold();
    const { batches, traceIds } = traffic(40, 2);
    for (const batch of batches) assert.deepEqual(await before.consume(batch), { outcome: 'success' }, 'acknowledged once on disk');
    // Skein stops while both backends hang: the sends under way fail, the batches stay on disk.
    const stopped = before.shutdown();
    for (const endpoint of ['b1:4317', 'b2:4317']) {
      backends.transport(endpoint).whenEmpty = { kind: 'retry', throttled: false, message: 'connection reset' };
      backends.transport(endpoint).release();
    }
    await stopped;

    const after = new Backends();
    const restarted = loadBalancer(after, new StaticResolver(['b1:4317', 'b3:4317']), { persistentRoot: root });
    await restarted.start();
    const delivered = () => new Set([...after.placement().keys()]);
    await until(() => delivered().size === traceIds.length, 5_000, 'every queued trace to be delivered');
    assert.equal(after.transports.get('b2:4317')?.sends.length ?? 0, 0, 'nothing is sent to the backend that is gone');
    for (const [traceId, where] of after.placement()) assert.equal(where.size, 1, `trace ${traceId} split over ${[...where].join(', ')}`);
    await restarted.shutdown();
  } finally {
    removeDir(root);
  }
});

test('persistent: a backend removed and added again while its queue is re-routed loses nothing', async () => {
  const root = makeTempDir('lb-queues');
  try {
    const backends = new Backends();
    const resolver = new ManualResolver(['b1:4317']);
    const exporter = loadBalancer(backends, resolver, { persistentRoot: root });
    await exporter.start();
    const b1 = backends.transport('b1:4317');
    b1.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
    const { batches, traceIds } = traffic(30, 2);
    for (const batch of batches) assert.deepEqual(await exporter.consume(batch), { outcome: 'success' });
    // b1 leaves: with no other backend its queue cannot be re-routed yet, and stays on disk.
    resolver.set([]);
    await until(() => exporter.backendEndpoints.length === 0, 2_000, 'the ring to empty');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // b1 comes back (a DNS flap) and now answers: the old queue drains into the new one.
    b1.whenEmpty = { kind: 'accepted', rejectedSpans: 0, errorMessage: '' };
    resolver.set(['b1:4317']);
    const delivered = (transport: ScriptedTransport) => new Set(transport.sentSpans().map((span) => span.traceId));
    await until(() => traceIds.every((traceId) => delivered(b1).has(traceId)), 5_000, 'every trace to reach b1');
    await until(() => b1.closed, 5_000, 'the retired exporter to finish');

    // What the new queue holds must survive the old one's clean-up: b1 goes down, more traffic
    // is acknowledged on disk, Skein restarts, and all of it arrives.
    b1.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
    const later = traffic(20, 2);
    for (const batch of later.batches) assert.deepEqual(await exporter.consume(batch), { outcome: 'success' });
    await exporter.shutdown();
    const afterRestart = new Backends();
    const restarted = loadBalancer(afterRestart, new StaticResolver(['b1:4317']), { persistentRoot: root });
    await restarted.start();
    const b1Again = afterRestart.transport('b1:4317');
    await until(() => later.traceIds.every((traceId) => delivered(b1Again).has(traceId)), 5_000, 'the later traces after the restart');
    await restarted.shutdown();
  } finally {
    removeDir(root);
  }
});

test('a backend change that fails to apply is logged and later changes still apply (no unhandled rejection)', async () => {
  const backends = new Backends();
  const resolver = new ManualResolver(['b1:4317']);
  const errors: string[] = [];
  const exporter = new LoadBalancingExporter(
    'loadbalancing',
    {
      routingKey: 'traceID',
      resolver,
      createBackendExporter: (endpoint) => {
        if (endpoint === 'bad:4317') throw new Error('cannot create its queue');
        return new OtlpExporter(
          `loadbalancing[${endpoint}]`,
          backends.transport(endpoint),
          RETRY,
          { enabled: true, numConsumers: 2, queueSize: 100, sizer: 'requests' },
          { metrics: undefined, logger: silentLogger },
        );
      },
    },
    { metrics: undefined, logger: { ...silentLogger, error: (message: string) => errors.push(message) } },
  );
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await exporter.start();
    resolver.set(['b1:4317', 'bad:4317']);
    await until(() => errors.length === 1, 2_000, 'the failed change to be logged');
    assert.match(errors[0]!, /cannot create its queue/);
    resolver.set(['b1:4317', 'b2:4317']);
    await until(() => exporter.backendEndpoints.includes('b2:4317'), 2_000, 'the next change to apply');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await exporter.shutdown();
  }
});

test('a change reported while the first backend set is being applied waits for it: one exporter per backend', async () => {
  const root = makeTempDir('lb-queues');
  try {
    const created: string[] = [];
    const backends = new Backends();
    // Reports a change in the next turn, while the first set's on-disk queue is still opening.
    const resolver: BackendResolver = {
      start(onChange) {
        setImmediate(() => onChange(['b1:4317', 'b2:4317']));
        return Promise.resolve(['b1:4317']);
      },
      stop() {},
    };
    const exporter = new LoadBalancingExporter(
      'loadbalancing',
      {
        routingKey: 'traceID',
        resolver,
        persistentRoot: root,
        createBackendExporter: (endpoint, queueDir) => {
          created.push(endpoint);
          return new OtlpExporter(
            `loadbalancing[${endpoint}]`,
            backends.transport(endpoint),
            RETRY,
            {
              enabled: true,
              numConsumers: 2,
              queueSize: 100,
              sizer: 'requests',
              ...(queueDir !== undefined && { persistentDir: queueDir }),
            },
            { metrics: undefined, logger: silentLogger },
          );
        },
      },
      { metrics: undefined, logger: silentLogger },
    );
    await exporter.start();
    await until(() => exporter.backendEndpoints.length === 2, 2_000, 'the change to apply');
    assert.deepEqual(created.sort(), ['b1:4317', 'b2:4317']);
    await exporter.shutdown();
  } finally {
    removeDir(root);
  }
});
