/**
 * OTLP/protobuf codec benchmark: Skein's hand-written decoder/encoder against protobufjs (loaded
 * with the same .proto files), on realistic export requests (512 spans, 3 resources, 10–20
 * attributes of mixed types per span, 1–2 events, some links).
 *
 *   node --import tsx bench/decode-bench.ts [--spans 512] [--runs 7] [--run-ms 1000] [--warmup-ms 1500] [--only text] [--json out.json]
 *
 * GC dominates decoding cost (a 512-span request becomes a few MB of objects), and V8's young
 * generation sizing and allocation-site pretenuring swing all contenders' figures by 2-5x from run
 * to run; compare with `node --max-semi-space-size=32 --import tsx …` or
 * `--no-allocation-site-pretenuring` for steadier numbers.
 *
 * Each contender is warmed up, then timed over several fixed-length runs; the reported rate is the
 * median run (robust to a GC pause or a noisy neighbour in one run), with min and max alongside.
 * Contenders run one after the other in the same process, so they share JIT and heap conditions.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeOtlpProtoTraces } from '../src/model/otlp-proto-decode.js';
import { encodeOtlpProtoTraces } from '../src/model/otlp-proto-encode.js';
import {
  ExportTraceServiceRequest,
  decodeWithProtobufjs,
  encodeWithProtobufjs,
  spansToProtobufjsObject,
} from '../test/unit/fixtures/protobufjs-otlp.js';
import { realisticSpans } from '../test/unit/fixtures/sample-spans.js';

const { values: options } = parseArgs({
  options: {
    spans: { type: 'string', default: '512' },
    runs: { type: 'string', default: '7' },
    'run-ms': { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '1500' },
    json: { type: 'string' },
    only: { type: 'string' },
  },
});
const spanCount = Number(options.spans);
const runs = Number(options.runs);
const runMs = Number(options['run-ms']);
const warmupMs = Number(options['warmup-ms']);
/** Runs only the contenders whose name contains this text. */
const only = options.only;

interface Result {
  name: string;
  /** Median over the runs, in spans per CPU second of this process: the headline figure. */
  spansPerCpuSecond: number;
  /** Median over the runs, in spans per wall-clock second (noisy on a shared machine). */
  spansPerSecond: number;
  runsSpansPerCpuSecond: number[];
  runsSpansPerSecond: number[];
}

/** Keeps results observable so that the JIT cannot drop the work. */
let sink = 0;

interface Rate {
  /** Requests per wall-clock second. */
  wall: number;
  /** Requests per CPU second of this process (all its threads, GC helpers included). */
  cpu: number;
}

/**
 * Calls `fn` for `ms` milliseconds. Both wall-clock and CPU-time rates are taken: on a shared
 * machine, other processes steal wall-clock time from us but not CPU time.
 */
function timeFor(fn: () => number, ms: number): Rate {
  const deadlineNs = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let iterations = 0;
  let now: bigint;
  do {
    // Several calls per clock read: the clock is not free next to a ~1 ms call.
    for (let i = 0; i < 4; i++) sink += fn();
    iterations += 4;
    now = process.hrtime.bigint();
  } while (now < deadlineNs);
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (iterations * 1e9) / Number(now - start), cpu: (iterations * 1e6) / (cpu.user + cpu.system) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Contender {
  name: string;
  /** Returns a number derived from its output (a length), fed to the sink. */
  fn: () => number;
}

/**
 * Warms every contender up, then runs them round-robin (A B C A B C …) rather than one after the
 * other: on a shared machine, load changes over time, and interleaving spreads it evenly.
 */
function benchAll(group: string, contenders: readonly Contender[]): Result[] {
  const selected = contenders.filter((c) => only === undefined || c.name.includes(only));
  if (selected.length === 0) return [];
  console.log(`${group}:`);
  for (const c of selected) {
    process.stdout.write(`  warming up: ${c.name}\n`);
    timeFor(c.fn, warmupMs);
  }
  const rates = selected.map((): Rate[] => []);
  for (let run = 0; run < runs; run++) {
    process.stdout.write(`  run ${run + 1}/${runs}\n`);
    selected.forEach((c, i) => rates[i]!.push(timeFor(c.fn, runMs)));
  }
  return selected.map((c, i) => {
    const cpu = rates[i]!.map((r) => r.cpu * spanCount);
    const wall = rates[i]!.map((r) => r.wall * spanCount);
    const result: Result = {
      name: c.name,
      spansPerCpuSecond: median(cpu),
      spansPerSecond: median(wall),
      runsSpansPerCpuSecond: cpu,
      runsSpansPerSecond: wall,
    };
    console.log(
      `RESULT ${c.name.padEnd(52)} ${fmt(result.spansPerCpuSecond).padStart(9)} spans/CPU-s ` +
        `(runs ${fmt(Math.min(...cpu))}..${fmt(Math.max(...cpu))})  ${fmt(result.spansPerSecond).padStart(9)} spans/s wall ` +
        `(runs ${fmt(Math.min(...wall))}..${fmt(Math.max(...wall))})`,
    );
    return result;
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// ---- payloads, and a check that every contender computes the same thing ----
// Several distinct requests (same services and keys, different IDs and values), cycled through, so
// that no contender benefits from seeing the very same bytes every time.
const PAYLOADS = 4;
const spanSets = Array.from({ length: PAYLOADS }, (_, i) => realisticSpans(spanCount, 42 + i));
const ours = spanSets.map((spans) => encodeOtlpProtoTraces(spans));
const theirs = spanSets.map((spans) => encodeWithProtobufjs(spans));
spanSets.forEach((spans, i) => {
  assert.deepStrictEqual(decodeOtlpProtoTraces(ours[i]!), spans);
  assert.deepStrictEqual(decodeOtlpProtoTraces(theirs[i]!), spans);
  assert.deepStrictEqual(decodeWithProtobufjs(ours[i]!), spans);
});
const protobufjsObjects = spanSets.map((spans) => spansToProtobufjsObject(spans));
let next = 0;
const pick = <T>(items: readonly T[]): T => items[next++ & (PAYLOADS - 1)]!;

const first = spanSets[0]!;
console.log(
  `Payload: ${PAYLOADS} requests of ${spanCount} spans, ${new Set(first.map((s) => s.resource)).size} resources, ` +
    `${(first.reduce((n, s) => n + s.attributes.length, 0) / spanCount).toFixed(1)} attributes/span on average, ` +
    `~${ours[0]!.length} bytes each (ours; protobufjs: ${theirs[0]!.length}); Node ${process.version} ${process.execArgv.filter((a) => a !== '--import' && a !== 'tsx').join(' ')}`,
);
console.log(`Method: ${warmupMs} ms warm-up each, then ${runs} interleaved runs of ${runMs} ms; median run reported.`);

const results: Result[] = [
  ...benchAll('Decode', [
    {
      name: 'decode protobufjs Type.decode only (baseline)',
      fn: () => (ExportTraceServiceRequest.decode(pick(ours)) as unknown as { resourceSpans: unknown[] }).resourceSpans.length,
    },
    { name: 'decode protobufjs + conversion to model', fn: () => decodeWithProtobufjs(pick(ours)).length },
    { name: 'decode hand-written into model', fn: () => decodeOtlpProtoTraces(pick(ours)).length },
  ]),
  ...benchAll('Encode', [
    {
      name: 'encode protobufjs Type.encode only (prebuilt object)',
      fn: () => ExportTraceServiceRequest.encode(pick(protobufjsObjects)).finish().length,
    },
    { name: 'encode protobufjs from model (conversion + encode)', fn: () => encodeWithProtobufjs(pick(spanSets)).length },
    { name: 'encode hand-written from model', fn: () => encodeOtlpProtoTraces(pick(spanSets)).length },
  ]),
];

const byName = new Map(results.map((r) => [r.name, r.spansPerCpuSecond]));
const ratio = (label: string, a: string, b: string): void => {
  if (byName.has(a) && byName.has(b)) console.log(`${label.padEnd(52)} ${(byName.get(a)! / byName.get(b)!).toFixed(2)}x (per CPU second)`);
};
ratio('Hand-written decode / protobufjs decode only:', 'decode hand-written into model', 'decode protobufjs Type.decode only (baseline)');
ratio('Hand-written decode / protobufjs decode+conversion:', 'decode hand-written into model', 'decode protobufjs + conversion to model');
ratio(
  'Hand-written encode / protobufjs encode from model:',
  'encode hand-written from model',
  'encode protobufjs from model (conversion + encode)',
);
if (sink === -1) console.log('unreachable');

if (options.json !== undefined) {
  writeFileSync(
    options.json,
    `${JSON.stringify({ node: process.version, execArgv: process.execArgv, spans: spanCount, payloads: PAYLOADS, bytes: ours[0]!.length, runs, runMs, warmupMs, results }, null, 2)}\n`,
  );
  console.log(`Wrote ${options.json}`);
}
