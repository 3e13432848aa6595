/**
 * The JS main thread's share of ingest, stage by stage (issue 19, item 2), on the traffic the
 * end-to-end bench sends: `skein loadgen`'s default topology with a seed, cut into requests of
 * 512 spans and encoded as OTLP/protobuf. Each stage runs on freshly decoded spans (processors edit
 * spans in place), and its cost is the difference to the stage before:
 *
 *   decode      decodeOtlpProtoTraces
 *   validate    partitionValidSpans (ID checks, normalisation)
 *   redaction   the default `redaction` processor (every built-in detector, SQL stripping)
 *   metrics     the default metrics tap: weights, span metrics, service graph
 *
 *   node --import tsx bench/ingest-js-bench.ts [--requests 200] [--runs 5] [--seed 7]
 *
 * Figures are CPU-µs per span of this process (the median run, min–max alongside), GC included:
 * the allocation a stage leaves behind is part of its cost. One process, stages one after the
 * other, so compare runs of the same invocation, and label them with the machine's load.
 */
import { parseArgs } from 'node:util';
import { MetricsTap } from '../src/collector/metrics/metrics-tap.js';
import { metricsTapConfigSchema } from '../src/collector/metrics/metrics-tap-config.js';
import { RedactionProcessor, redactionConfigSchema } from '../src/collector/processors/redaction-processor.js';
import { defaultTopology } from '../src/loadgen/default-topology.js';
import { TraceGenerator } from '../src/loadgen/trace-generator.js';
import { decodeOtlpProtoTraces } from '../src/model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../src/model/otlp-proto-encode.js';
import type { Span } from '../src/model/span.js';
import { partitionValidSpans } from '../src/model/validate-span.js';

const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
  },
});
const BATCH = 512;

function requests(count: number, seed: number): Uint8Array[] {
  const generator = new TraceGenerator(defaultTopology(), { seed, startTimeUnixNano: BigInt(Date.now()) * 1_000_000n });
  const out: Uint8Array[] = [];
  let pending: Span[] = [];
  while (out.length < count) {
    while (pending.length < BATCH) pending.push(...generator.nextTrace());
    out.push(encodeOtlpProtoTraces(pending.slice(0, BATCH)));
    pending = pending.slice(BATCH);
  }
  return out;
}

type Stage = (body: Uint8Array) => void;

function stages(): [string, Stage][] {
  const redaction = new RedactionProcessor('redaction', redactionConfigSchema.parse({}));
  const tap = new MetricsTap(metricsTapConfigSchema.parse({}), undefined, () => {});
  const decode = (body: Uint8Array): Span[] => decodeOtlpProtoTraces(body);
  const validate = (body: Uint8Array): Span[] => partitionValidSpans(decode(body)).valid;
  const redact = (body: Uint8Array): Span[] => redaction.process(validate(body));
  return [
    ['decode', decode],
    ['validate', validate],
    ['redaction', redact],
    [
      'metrics',
      (body) => {
        const spans = redact(body);
        tap.record(spans, tap.weightsOf(spans));
      },
    ],
  ];
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function main(): void {
  const bodies = requests(Number(options.requests), Number(options.seed));
  const spanCount = bodies.length * BATCH;
  const runs = Number(options.runs);
  const perStage = new Map<string, number[]>();
  const list = stages();
  for (let run = -1; run < runs; run++) {
    for (const [name, stage] of list) {
      const start = cpuMicros();
      for (const body of bodies) stage(body);
      const micros = cpuMicros() - start;
      if (run >= 0) perStage.set(name, [...(perStage.get(name) ?? []), micros / spanCount]);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  let before = 0;
  console.log(`${spanCount} spans (${bodies.length} requests of ${BATCH}), ${runs} runs; CPU-µs per span, median (min–max)`);
  for (const [name] of list) {
    const xs = perStage.get(name)!;
    const total = median(xs);
    console.log(
      `${name.padEnd(10)} cumulative ${total.toFixed(2).padStart(6)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})  stage ${(total - before).toFixed(2).padStart(6)}`,
    );
    before = total;
  }
}

main();
