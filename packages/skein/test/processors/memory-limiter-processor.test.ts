import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryLimiterProcessor,
  memoryLimiterConfigSchema,
  resolveMemoryLimits,
  type MemoryProbe,
} from '../../src/collector/processors/memory-limiter-processor.js';
import { createPipelineStep } from '../support/build-step.js';
import { CONSUME_SUCCESS, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan } from '../support/span-factory.js';

const MIB = 1024 * 1024;

class FakeProbe implements MemoryProbe {
  clock = 0;
  collections = 0;
  /** What a collection brings resident memory down to (undefined: no GC exposed). */
  afterGc: number | undefined;
  constructor(
    public resident: number,
    public total = 8192 * MIB,
  ) {}
  collectGarbage(): boolean {
    if (this.afterGc === undefined) return false;
    this.collections++;
    this.resident = this.afterGc;
    return true;
  }
  now(): number {
    return this.clock;
  }
  residentBytes(): number {
    return this.resident;
  }
  totalBytes(): number {
    return this.total;
  }
}

function config(raw: unknown) {
  return memoryLimiterConfigSchema.parse(raw);
}

function recorder(): SpanConsumer & { received: Span[][] } {
  const received: Span[][] = [];
  return {
    received,
    consume: (spans) => {
      received.push(spans);
      return Promise.resolve(CONSUME_SUCCESS);
    },
  };
}

test('limits as the Collector computes them: spike defaults to 20 %, percentages of total memory', () => {
  const probe = new FakeProbe(0, 1000 * MIB);
  assert.deepEqual(resolveMemoryLimits(config({ limit_mib: 300 }), probe), { hardBytes: 300 * MIB, softBytes: 240 * MIB });
  assert.deepEqual(resolveMemoryLimits(config({ limit_mib: 300, spike_limit_mib: 100 }), probe), {
    hardBytes: 300 * MIB,
    softBytes: 200 * MIB,
  });
  assert.deepEqual(resolveMemoryLimits(config({ limit_percentage: 50, spike_limit_percentage: 10 }), probe), {
    hardBytes: 500 * MIB,
    softBytes: 400 * MIB,
  });
  assert.deepEqual(resolveMemoryLimits(config({ limit_percentage: 50 }), probe), { hardBytes: 500 * MIB, softBytes: 400 * MIB });
  // limit_mib wins over limit_percentage, as in the Collector.
  assert.equal(resolveMemoryLimits(config({ limit_mib: 100, limit_percentage: 90 }), probe).hardBytes, 100 * MIB);
  assert.equal(config({ limit_mib: 1 }).checkIntervalMillis, 1000);
  // Neither limit written: 80 % of available memory, the default that keeps memory protection on (issue 20).
  assert.deepEqual(resolveMemoryLimits(config({}), probe), { hardBytes: 800 * MIB, softBytes: 640 * MIB });
});

test('bad configurations are refused naming the key', () => {
  assert.throws(
    () => createPipelineStep('memory_limiter', { limit_mib: 100, spike_limit_mib: 100 }),
    /processors\.memory_limiter\.spike_limit_mib: must be below limit_mib \(100\)/,
  );
  assert.throws(
    () => createPipelineStep('memory_limiter', { limit_percentage: 20, spike_limit_percentage: 30 }),
    /processors\.memory_limiter\.spike_limit_percentage: must be below limit_percentage/,
  );
  assert.throws(() => createPipelineStep('memory_limiter', { limit_percentage: 120 }), /limit_percentage: must be a percentage/);
  assert.throws(() => createPipelineStep('memory_limiter', { limit_mib: 10, check_interval: '0s' }), /check_interval: must be above 0/);
  assert.throws(() => createPipelineStep('memory_limiter', { limit_mib: 10, ballast_size_mib: 5 }), /ballast_size_mib/);
});

test('above the soft limit batches are refused as overloaded with a retry hint; below again they pass', async () => {
  const probe = new FakeProbe(100 * MIB);
  const downstream = recorder();
  const metrics = new SkeinMetrics();
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (m: string) => warnings.push(m), error: () => undefined };
  const limiter = new MemoryLimiterProcessor(
    'memory_limiter',
    config({ limit_mib: 300, check_interval: '1h' }),
    downstream,
    { metrics, logger },
    probe,
  );
  try {
    assert.deepEqual(await limiter.consume([makeSpan()]), CONSUME_SUCCESS);
    probe.resident = 250 * MIB; // soft limit is 240 MiB
    assert.deepEqual(await limiter.consume([makeSpan()]), CONSUME_SUCCESS, 'nothing changes before the next check');
    limiter.check();
    const refused = await limiter.consume([makeSpan()]);
    assert.equal(refused.outcome, 'retryable');
    assert.ok(refused.outcome === 'retryable' && refused.reason === 'overloaded');
    assert.equal(refused.retryAfterMillis, 60_000, 'the retry hint is one check interval, at most a minute');
    assert.match(refused.message, /memory usage 250 MiB is above the soft limit of 240 MiB/);
    assert.equal(downstream.received.length, 2);
    assert.match(warnings.join('\n'), /above the soft limit: refusing data/);
    assert.match(
      await metrics.registry.getSingleMetricAsString('skein_memory_limiter_refusing'),
      /refusing\{processor="memory_limiter"\} 1/,
    );
    probe.resident = 200 * MIB;
    limiter.check();
    assert.deepEqual(await limiter.consume([makeSpan()]), CONSUME_SUCCESS);
    assert.equal(downstream.received.length, 3);
  } finally {
    await limiter.shutdown();
  }
});

test('garbage is collected above the hard limit every time and above the soft limit at most every 10 s (Collector defaults)', async () => {
  const probe = new FakeProbe(10 * MIB);
  const limiter = new MemoryLimiterProcessor('memory_limiter', config({ limit_mib: 100, check_interval: '1h' }), recorder(), {}, probe);
  try {
    probe.afterGc = 85 * MIB; // GC frees a little: still above the soft limit (80)
    probe.resident = 90 * MIB;
    probe.clock = 1_000;
    limiter.check();
    assert.equal(probe.collections, 1, 'above soft: first GC');
    assert.equal(limiter.isRefusing, true);
    probe.clock = 5_000;
    limiter.check();
    assert.equal(probe.collections, 1, 'above soft: not again within min_gc_interval_when_soft_limited');
    probe.resident = 120 * MIB;
    limiter.check();
    assert.equal(probe.collections, 2, 'above hard: GC whenever checked (min interval 0)');
    probe.afterGc = 50 * MIB;
    probe.resident = 90 * MIB;
    probe.clock = 16_000; // 11 s after the last GC
    limiter.check();
    assert.equal(probe.collections, 3);
    assert.equal(limiter.isRefusing, false, 'memory is measured again after the GC: below soft, data flows');
  } finally {
    await limiter.shutdown();
  }
});

test('without an exposed GC the limiter only refuses', async () => {
  const probe = new FakeProbe(150 * MIB);
  const limiter = new MemoryLimiterProcessor('memory_limiter', config({ limit_mib: 100, check_interval: '1h' }), recorder(), {}, probe);
  try {
    assert.equal(probe.collections, 0);
    assert.equal(limiter.isRefusing, true);
  } finally {
    await limiter.shutdown();
  }
});

test('the check runs every check_interval', async () => {
  const probe = new FakeProbe(10 * MIB);
  const limiter = new MemoryLimiterProcessor('memory_limiter', config({ limit_mib: 100, check_interval: '10ms' }), recorder(), {}, probe);
  try {
    probe.resident = 95 * MIB;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(limiter.isRefusing, true);
  } finally {
    await limiter.shutdown();
  }
});
