/**
 * OTLP/protobuf codec benchmark: Skein's hand-written decoder/encoder against protobufjs (loaded
 * with the same .proto files), on a realistic export request (512 spans, 3 resources, 10–20
 * attributes of mixed types per span, 1–2 events, some links).
 *
 *   node --import tsx bench/decode-bench.ts [--spans 512] [--runs 7] [--run-ms 1000] [--warmup-ms 1500] [--json out.json]
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
  },
});
const spanCount = Number(options.spans);
const runs = Number(options.runs);
const runMs = Number(options['run-ms']);
const warmupMs = Number(options['warmup-ms']);

interface Result {
  name: string;
  spansPerSecond: number;
  minSpansPerSecond: number;
  maxSpansPerSecond: number;
  requestsPerSecond: number;
  runs: number[];
}

/** Keeps results observable so that the JIT cannot drop the work. */
let sink = 0;

/** Calls `fn` for `ms` milliseconds, returns requests per second. */
function timeFor(fn: () => number, ms: number): number {
  const deadlineNs = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let iterations = 0;
  let now = start;
  do {
    // Several calls per clock read: the clock is not free next to a ~1 ms call.
    for (let i = 0; i < 4; i++) {
      sink += fn();
    }
    iterations += 4;
    now = process.hrtime.bigint();
  } while (now < deadlineNs);
  return (iterations * 1e9) / Number(now - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `fn` returns a number derived from its output (a length), fed to the sink. */
function bench(name: string, fn: () => number): Result {
  process.stdout.write(`  ${name}: warming up…`);
  timeFor(fn, warmupMs);
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    process.stdout.write(` run ${run + 1}/${runs}`);
    rates.push(timeFor(fn, runMs) * spanCount);
  }
  const spansPerSecond = median(rates);
  const result: Result = {
    name,
    spansPerSecond,
    minSpansPerSecond: Math.min(...rates),
    maxSpansPerSecond: Math.max(...rates),
    requestsPerSecond: spansPerSecond / spanCount,
    runs: rates,
  };
  process.stdout.write('\n');
  console.log(
    `RESULT ${name.padEnd(44)} ${fmt(spansPerSecond).padStart(11)} spans/s (median of ${runs}; min ${fmt(result.minSpansPerSecond)}, max ${fmt(result.maxSpansPerSecond)}; ${result.requestsPerSecond.toFixed(0)} req/s)`,
  );
  return result;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

// ---- payload, and a check that every contender computes the same thing ----
const spans = realisticSpans(spanCount);
const ours = encodeOtlpProtoTraces(spans);
const theirs = encodeWithProtobufjs(spans);
assert.deepStrictEqual(decodeOtlpProtoTraces(ours), spans);
assert.deepStrictEqual(decodeOtlpProtoTraces(theirs), spans);
assert.deepStrictEqual(decodeWithProtobufjs(ours), spans);
const protobufjsObject = spansToProtobufjsObject(spans);

console.log(
  `Payload: ${spanCount} spans, ${new Set(spans.map((s) => s.resource)).size} resources, ` +
    `${spans.reduce((n, s) => n + s.attributes.length, 0) / spanCount} attributes/span on average, ` +
    `${ours.length} bytes (ours) / ${theirs.length} bytes (protobufjs); Node ${process.version}`,
);
console.log(`Method: ${warmupMs} ms warm-up, then ${runs} runs of ${runMs} ms; median run reported.`);

const results: Result[] = [];
console.log('Decode:');
results.push(bench('decode protobufjs Type.decode only (baseline)', () => (ExportTraceServiceRequest.decode(ours) as unknown as { resourceSpans: unknown[] }).resourceSpans.length));
results.push(bench('decode protobufjs + conversion to model', () => decodeWithProtobufjs(ours).length));
results.push(bench('decode hand-written into model', () => decodeOtlpProtoTraces(ours).length));
console.log('Encode:');
results.push(bench('encode protobufjs Type.encode only (prebuilt object)', () => ExportTraceServiceRequest.encode(protobufjsObject).finish().length));
results.push(bench('encode protobufjs from model (conversion + encode)', () => encodeWithProtobufjs(spans).length));
results.push(bench('encode hand-written from model', () => encodeOtlpProtoTraces(spans).length));

const byName = new Map(results.map((r) => [r.name, r.spansPerSecond]));
const ratio = (a: string, b: string): string => (byName.get(a)! / byName.get(b)!).toFixed(2);
console.log(`Hand-written decode vs protobufjs decode only:       ${ratio('decode hand-written into model', 'decode protobufjs Type.decode only (baseline)')}x`);
console.log(`Hand-written decode vs protobufjs decode+conversion: ${ratio('decode hand-written into model', 'decode protobufjs + conversion to model')}x`);
console.log(`Hand-written encode vs protobufjs from model:        ${ratio('encode hand-written from model', 'encode protobufjs from model (conversion + encode)')}x`);
if (sink === -1) console.log('unreachable');

if (options.json !== undefined) {
  writeFileSync(
    options.json,
    `${JSON.stringify({ node: process.version, spans: spanCount, bytes: ours.length, runs, runMs, warmupMs, results }, null, 2)}\n`,
  );
  console.log(`Wrote ${options.json}`);
}
