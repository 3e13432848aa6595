/**
 * Population analyses at scale (issue 15, item 1): loads the default loadgen topology's traces,
 * spread over the last 24 h, into embedded chDB through `writeSpans`, then times what the Explore
 * page asks: the group-by of a span attribute over 24 h (with its per-slot series), the heatmap
 * over 24 h, and the attribute ranking over the last hour (selection: spans ≥ 100 ms), each
 * through the reader contract exactly as the API runs them (same sampling limits). Target: p50 ≤ 2 s
 * for the group-by and the ranking at 10M spans.
 *
 *   node --import tsx bench/analysis-bench.ts [--spans 1000000] [--runs 5] [--json file]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import type { Span } from '../src/model/span.js';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { GROUP_BY_SAMPLE_SPANS, RANKING_SAMPLE_SPANS } from '../src/query/analysis/analysis-api.js';
import { rankAttributes } from '../src/query/analysis/attribute-ranking.js';
import { openTraceStore } from '../src/storage/open-trace-store.js';
import type { SpanFilter } from '../src/storage/span-query-types.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});
const totalSpans = Number(options.spans);
const runs = Number(options.runs);
const HOUR = 3_600_000_000_000n;
const BATCH = 50_000;
const AVERAGE_SPANS_PER_TRACE = 22.7; // measured for the default topology (query-bench.ts)
const everything: SpanFilter = { combine: 'all', conditions: [] };

/**
 * Wall time, and the process's CPU time: chDB runs in this process, so its threads' CPU counts
 * too. On a machine shared with other work, CPU time is the figure that does not depend on the
 * load; on a quiet machine of this size the wall time is at least CPU time / cores.
 */
async function time(work: () => Promise<unknown>): Promise<{ p50: number; p99: number; runs: number[]; cpuP50: number }> {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await work();
    const c = process.cpuUsage(c0);
    ms.push(Math.round(performance.now() - t0));
    cpu.push(Math.round((c.user + c.system) / 1000));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { p50: median(ms), p99: Math.max(...ms), runs: ms, cpuP50: median(cpu) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-analysis-bench-'));
  console.log(
    `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const store = await openTraceStore({ engine: 'chdb', dataDir });
  try {
    const now = BigInt(Date.now()) * 1_000_000n;
    const generator = new TraceGenerator(defaultTopology(), {
      seed: 1,
      startTimeUnixNano: now - 24n * HOUR,
      meanTraceIntervalNanos: Number(24n * HOUR) / (totalSpans / AVERAGE_SPANS_PER_TRACE),
    });
    let stored = 0;
    let batch: Span[] = [];
    const started = performance.now();
    while (stored < totalSpans) {
      batch.push(...generator.nextTrace());
      if (batch.length >= BATCH) {
        await store.writeSpans(batch);
        stored += batch.length;
        batch = [];
        process.stdout.write(`\r  loaded ${stored} spans (${Math.round(stored / ((performance.now() - started) / 1000))} spans/s)   `);
      }
    }
    console.log();
    const loadSeconds = Math.round((performance.now() - started) / 1000);
    const reader = store.forTenant(DEFAULT_TENANT);
    const day = { filter: everything, fromNano: now - 24n * HOUR, toNano: now, stepNano: (24n * HOUR) / 60n };
    const loadBefore = loadavg()[0]!;
    const groupBy24h = await time(() =>
      reader.groupSpans({
        ...day,
        field: { kind: 'attribute', scope: 'span', key: 'http.route' },
        limit: 20,
        maxSampleSpans: GROUP_BY_SAMPLE_SPANS,
      }),
    );
    console.log(
      `group-by span.http.route over 24 h: p50 ${groupBy24h.p50} ms (${groupBy24h.runs.join(', ')}), CPU ${groupBy24h.cpuP50} ms`,
    );
    const heatmap24h = await time(() => reader.spanHeatmap(day));
    console.log(`heatmap over 24 h: p50 ${heatmap24h.p50} ms, CPU ${heatmap24h.cpuP50} ms`);
    let selection = 0;
    let baseline = 0;
    const ranking1h = await time(async () => {
      const counts = await reader.countAttributeValues({
        filter: everything,
        fromNano: now - HOUR,
        toNano: now,
        selection: { minDurationNano: 100_000_000n },
        topValues: 10,
        maxSampleSpans: RANKING_SAMPLE_SPANS,
      });
      const ranking = rankAttributes(counts, 10, 30);
      selection = ranking.selection.spans;
      baseline = ranking.baseline.spans;
    });
    console.log(
      `ranking over 1 h (${selection} selected vs ${baseline}): p50 ${ranking1h.p50} ms (${ranking1h.runs.join(', ')}), CPU ${ranking1h.cpuP50} ms`,
    );
    const summary = {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      loadAverage1m: { beforeQueries: loadBefore, after: loadavg()[0] },
      storedSpans: stored,
      loadSeconds,
      groupBy24hMs: groupBy24h,
      heatmap24hMs: heatmap24h,
      ranking1hMs: { ...ranking1h, selectionSpans: selection, baselineSpans: baseline },
    };
    if (options.json !== undefined) writeFileSync(options.json, JSON.stringify(summary, null, 2));
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
