/**
 * Where the main thread's CPU goes in a V8 `.cpuprofile` (from `node --cpu-prof`), by function
 * (self time) and by part of the ingest path (issue 19, item 2): receive (HTTP, streams, zlib),
 * decode (OTLP protobuf → model), pipeline (processors, exporter queue), row build (model →
 * TabSeparated rows), insert (the chDB binding on the JS side), GC, and V8/native outside JS.
 * chDB's own threads do not appear in a V8 profile: with `--process-cpu-seconds` (the process's
 * utime+stime over the same window) their share is the remainder, on a quiet machine.
 *
 *   node --import tsx bench/cpu-profile-parts.ts FILE.cpuprofile [--top 30] [--process-cpu-seconds 12.3] [--json FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    'process-cpu-seconds': { type: 'string' },
    json: { type: 'string' },
  },
});
if (positionals.length !== 1)
  throw new Error('usage: cpu-profile-parts.ts FILE.cpuprofile [--top N] [--process-cpu-seconds S] [--json FILE]');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the ingest path a function belongs to, by its source file. */
function partOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'v8/native (outside JS)';
  if (/\/(storage\/engines|node_modules\/chdb)\//.test(url)) return 'insert (chDB binding, JS side)';
  if (/\/storage\/(span-rows|attribute-columns|row-buffer|tsv-text|span-writer|clickhouse-trace-store)\./.test(url)) return 'row build';
  if (/\/model\/(otlp-proto-decode|protobuf-reader|ids|span-id-table|validate-span|resource-scope-groups|tenant-groups)\./.test(url))
    return 'decode';
  if (/\/collector\/receivers\/|^node:(_http|http|net|zlib|stream|internal\/(http|streams|stream_base|zlib|js_stream))/.test(url))
    return 'receive';
  if (/\/collector\//.test(url)) return 'pipeline (processors, exporter queue, metrics)';
  if (url === '') return 'native / builtins';
  if (url.startsWith('node:')) return 'node core (other)';
  return 'other';
}

function main(): void {
  const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
  for (let i = 0; i < profile.samples.length; i++) {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    selfMicros.set(profile.samples[i]!, (selfMicros.get(profile.samples[i]!) ?? 0) + micros);
  }
  const functions = new Map<string, { micros: number; part: string }>();
  const parts = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const part = partOf(functionName, url);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/packages\/skein\//, '').replace(/^.*\/node_modules\//, '')}:${lineNumber + 1}`;
    const entry = functions.get(key) ?? { micros: 0, part };
    entry.micros += micros;
    functions.set(key, entry);
    parts.set(part, (parts.get(part) ?? 0) + micros);
    if (part !== 'idle') total += micros;
  }
  const seconds = (micros: number): number => Number((micros / 1e6).toFixed(2));
  const share = (micros: number): string => `${((100 * micros) / total).toFixed(1)} %`;
  const processCpu = options['process-cpu-seconds'] === undefined ? undefined : Number(options['process-cpu-seconds']);
  const partRows = [...parts].filter(([part]) => part !== 'idle').sort((a, b) => b[1] - a[1]);
  console.log(`main thread busy ${seconds(total)} s (idle ${seconds(parts.get('idle') ?? 0)} s)`);
  for (const [part, micros] of partRows)
    console.log(`  ${share(micros).padStart(7)}  ${seconds(micros).toFixed(2).padStart(7)} s  ${part}`);
  if (processCpu !== undefined) {
    // V8 samples on a wall-clock tick: while the thread waits for a core, the sample still lands
    // on whatever was running, so on a loaded machine "busy" exceeds the CPU it got. Shares stay
    // meaningful; the split against other threads needs a quiet machine (or e2e-bench's
    // per-thread CPU, `skein.threadCpuSeconds`).
    const others = processCpu - total / 1e6;
    console.log(
      others >= 0
        ? `  other threads (chDB's engine, libuv pool, V8 helpers): ${others.toFixed(2)} s of ${processCpu} s process CPU`
        : `  busy ${seconds(total)} s > ${processCpu} s process CPU: the machine was loaded (wall-clock samples); read the shares only`,
    );
  }
  const top = [...functions].sort((a, b) => b[1].micros - a[1].micros).slice(0, Number(options.top));
  console.log(`top ${top.length} functions by self time:`);
  for (const [name, { micros, part }] of top) console.log(`  ${share(micros).padStart(7)}  ${name}  [${part}]`);
  if (options.json !== undefined) {
    const result = {
      mainThreadBusySeconds: seconds(total),
      processCpuSeconds: processCpu ?? null,
      parts: Object.fromEntries(partRows.map(([part, micros]) => [part, seconds(micros)])),
      top: top.map(([name, { micros, part }]) => ({ name, part, seconds: seconds(micros) })),
    };
    writeFileSync(options.json, JSON.stringify(result, null, 2) + '\n');
  }
}

main();
