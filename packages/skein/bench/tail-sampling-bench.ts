/**
 * Tail-sampling stage micro-benchmark: acknowledged spans per second through `tail_sampling`
 * with its journal on (append + group-committed fsync before every answer) and off (memory only),
 * and the time until every trace is decided and passed on. 16-span synthetic traces in 512-span
 * requests (32 traces each), `--concurrency` requests in flight like a receiver under load; the
 * next stage is a no-op that answers success. Policies: errors OR 10 % probabilistic.
 *
 *   node --import tsx bench/tail-sampling-bench.ts [--spans 400000] [--concurrency 8]
 *
 * The journal lives in a temporary directory on the OS temp file system (the figure depends on
 * its fsync latency); it is removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONSUME_SUCCESS, type SpanConsumer } from '../src/collector/pipeline/consume-result.js';
import { tailSamplingConfigSchema } from '../src/collector/sampling/tail-sampling-config.js';
import { TailSamplingStage } from '../src/collector/sampling/tail-sampling-stage.js';
import type { Span } from '../src/model/span.js';
import { SkeinMetrics } from '../src/telemetry/skein-metrics.js';
import { seededRandom, syntheticTrace } from './synthetic-traces.js';

const { values: options } = parseArgs({
  options: { spans: { type: 'string', default: '400000' }, concurrency: { type: 'string', default: '8' } },
});
const totalSpans = Number(options.spans);
const concurrency = Number(options.concurrency);
const BATCH_TRACES = 32;
const SPANS_PER_TRACE = 16;

function requests(seed: number): Span[][] {
  const random = seededRandom(seed);
  const start = BigInt(Date.now()) * 1_000_000n;
  const out: Span[][] = [];
  for (let n = 0; n < totalSpans; n += BATCH_TRACES * SPANS_PER_TRACE) {
    out.push(Array.from({ length: BATCH_TRACES }, () => syntheticTrace(random, start, SPANS_PER_TRACE)).flat());
  }
  return out;
}

async function run(journal: boolean): Promise<{ ackedPerSecond: number; drainedPerSecond: number; passedOn: number }> {
  const batches = requests(journal ? 1 : 2); // built before timing
  const stateDir = mkdtempSync(join(tmpdir(), 'skein-bench-tail-'));
  let passedOn = 0;
  const next: SpanConsumer = {
    consume: (spans) => {
      passedOn += spans.length;
      return Promise.resolve(CONSUME_SUCCESS);
    },
  };
  const config = tailSamplingConfigSchema.parse({
    decision_wait: '2s',
    early_decision_quiet_period: '200ms',
    num_traces: 100_000,
    max_buffered_spans: 2_000_000,
    journal: journal ? { max_size_mib: 4096, segment_size_mib: 64 } : false,
    policies: [
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
      { name: 'ten-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
    ],
  });
  const logger = { info: () => undefined, warn: console.warn, error: console.error };
  const stage = new TailSamplingStage('tail_sampling', config, next, { metrics: new SkeinMetrics(), logger, stateDir });
  const started = performance.now();
  let index = 0;
  const worker = async (): Promise<void> => {
    while (index < batches.length) {
      const batch = batches[index++]!;
      for (;;) {
        const result = await stage.consume(batch);
        if (result.outcome === 'success') break;
        await new Promise((r) => setTimeout(r, 20)); // overloaded: back off as a sender would
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const acked = performance.now();
  while (stage.bufferedTraces > 0) await new Promise((r) => setTimeout(r, 20));
  await stage.whenIdle();
  const drained = performance.now();
  await stage.shutdown();
  rmSync(stateDir, { recursive: true, force: true });
  const spans = batches.length * BATCH_TRACES * SPANS_PER_TRACE;
  return { ackedPerSecond: spans / ((acked - started) / 1000), drainedPerSecond: spans / ((drained - started) / 1000), passedOn };
}

for (const journal of [true, false]) {
  const { ackedPerSecond, drainedPerSecond, passedOn } = await run(journal);
  console.log(
    `journal ${journal ? 'on ' : 'off'}: ${Math.round(ackedPerSecond).toLocaleString('en')} spans/s acknowledged, ` +
      `${Math.round(drainedPerSecond).toLocaleString('en')} spans/s including the wait for every decision ` +
      `(${passedOn.toLocaleString('en')} spans passed on)`,
  );
}
