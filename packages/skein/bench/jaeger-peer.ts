/**
 * Jaeger v2 as the peer of the side-by-side benchmark (issue 19, item 1): built once from the Go
 * module proxy into a cache outside the repository, then run on free ports with one storage
 * backend (badger: persistent; memory: nothing persisted) and an OTLP receiver, as the issue's
 * first measurements ran it.
 *
 * Jaeger's pipeline is the OpenTelemetry Collector's: the OTLP receiver answers once the `batch`
 * processor has queued the spans, before `jaeger_storage_exporter` writes them; Skein answers
 * after the write. Badger runs with its default `consistency: false` (no fsync per write).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const JAEGER_MODULE = 'github.com/jaegertracing/jaeger';
export const JAEGER_VERSION = 'v1.75.0';
const JAEGER_PACKAGE = `${JAEGER_MODULE}/cmd/jaeger`;
/** A cold build of Jaeger (~500 modules) on 2 busy cores takes minutes; past this something is stuck. */
const BUILD_TIMEOUT_MILLIS = 40 * 60_000;

const run = promisify(execFile);

export type JaegerStorage = 'badger' | 'memory';

export type JaegerBinary = { path: string; built: boolean } | { skipped: string };

/** `$SKEIN_BENCH_CACHE`, else `$XDG_CACHE_HOME/skein-bench`, else `~/.cache/skein-bench`: never inside the repository. */
export function benchCacheDir(): string {
  return process.env.SKEIN_BENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'skein-bench');
}

/**
 * The Jaeger binary: `explicit` when given, else the cached build, else a new build with the Go
 * toolchain (a module that records cmd/jaeger as a `tool`, as go.mod of /work/peers/jaeger does).
 * Without Go the benchmark is skipped, not failed: the rest of `npm run bench` needs no Go.
 */
export async function jaegerBinary(explicit: string | undefined, log: (line: string) => void): Promise<JaegerBinary> {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new Error(`--jaeger-bin ${explicit}: no such file`);
    return { path: explicit, built: false };
  }
  const dir = join(benchCacheDir(), `jaeger-${JAEGER_VERSION}`);
  const binary = join(dir, 'bin', 'jaeger');
  if (existsSync(binary)) return { path: binary, built: false };
  try {
    await run('go', ['version'], { timeout: 30_000 });
  } catch {
    return {
      skipped: `Go is not installed (no \`go\` on PATH): the Jaeger side by side needs it to build ${JAEGER_PACKAGE}@${JAEGER_VERSION}`,
    };
  }
  mkdirSync(join(dir, 'bin'), { recursive: true });
  log(`building ${JAEGER_PACKAGE}@${JAEGER_VERSION} into ${dir} (once; cached afterwards)…`);
  const options = { cwd: dir, timeout: BUILD_TIMEOUT_MILLIS, maxBuffer: 64 * 2 ** 20, env: { ...process.env, GOFLAGS: '-buildvcs=false' } };
  const started = performance.now();
  if (!existsSync(join(dir, 'go.mod'))) await run('go', ['mod', 'init', 'skein.local/jaeger-peer'], options);
  await run('go', ['get', '-tool', `${JAEGER_PACKAGE}@${JAEGER_VERSION}`], options);
  // Into a temporary name first: an interrupted build must not leave a binary that looks cached.
  await run('go', ['build', '-o', `${binary}.partial`, JAEGER_PACKAGE], options);
  await run('mv', [`${binary}.partial`, binary], { timeout: 10_000 });
  log(`built in ${Math.round((performance.now() - started) / 1000)} s`);
  return { path: binary, built: true };
}

/** A free TCP port on 127.0.0.1 (Jaeger takes its ports from the config file, not port 0). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface JaegerPorts {
  otlpGrpc: number;
  otlpHttp: number;
  queryHttp: number;
  queryGrpc: number;
}

/** The collector config: OTLP in, `batch`, one store; no telemetry listener, no self-tracing. */
export function jaegerConfig(storage: JaegerStorage, ports: JaegerPorts, dataDir: string): string {
  const backend =
    storage === 'memory'
      ? // 1M traces (~23M spans): more than a run sends, so nothing is evicted before the lookups.
        ['        memory:', '          max_traces: 1000000']
      : [
          '        badger:',
          '          directories:',
          `            keys: ${JSON.stringify(join(dataDir, 'keys'))}`,
          `            values: ${JSON.stringify(join(dataDir, 'values'))}`,
          '          ephemeral: false',
          '          ttl:',
          '            spans: 48h',
        ];
  return [
    'service:',
    '  extensions: [jaeger_storage, jaeger_query]',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [jaeger_storage_exporter]',
    '  telemetry:',
    '    metrics:',
    '      level: none',
    '    logs:',
    '      level: warn',
    'extensions:',
    '  jaeger_query:',
    '    enable_tracing: false',
    '    storage:',
    '      traces: store',
    '    http:',
    `      endpoint: 127.0.0.1:${ports.queryHttp}`,
    '    grpc:',
    `      endpoint: 127.0.0.1:${ports.queryGrpc}`,
    '  jaeger_storage:',
    '    backends:',
    '      store:',
    ...backend,
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    `        endpoint: 127.0.0.1:${ports.otlpGrpc}`,
    '      http:',
    `        endpoint: 127.0.0.1:${ports.otlpHttp}`,
    'processors:',
    '  batch:',
    'exporters:',
    '  jaeger_storage_exporter:',
    '    trace_storage: store',
    '',
  ].join('\n');
}

export interface JaegerProcess {
  child: ChildProcess;
  storage: JaegerStorage;
  /** Badger's directory (empty for memory). */
  dataDir: string;
  otlpHttpUrl: string;
  /** `http://127.0.0.1:PORT`: the query service (`/api/traces`, `/api/services`). */
  queryUrl: string;
  logs: string[];
  /** SIGTERM (Jaeger flushes its batch and closes badger), SIGKILL after `graceMillis`; resolves with the exit code. */
  stop(graceMillis?: number): Promise<number | null>;
}

/** Starts Jaeger and waits until its query service answers and its OTLP/HTTP port accepts. */
export async function startJaeger(binary: string, storage: JaegerStorage, workDir: string, timeoutMillis = 60_000): Promise<JaegerProcess> {
  const ports: JaegerPorts = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    queryHttp: await freePort(),
    queryGrpc: await freePort(),
  };
  const dataDir = join(workDir, `jaeger-${storage}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(workDir, `jaeger-${storage}.yaml`);
  writeFileSync(configPath, jaegerConfig(storage, ports, dataDir));
  const child = spawn(binary, ['--config', configPath], { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      logs.push(...chunk.split('\n').filter((line) => line !== ''));
      if (logs.length > 500) logs.splice(0, logs.length - 500);
    });
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const jaeger: JaegerProcess = {
    child,
    storage,
    dataDir: storage === 'badger' ? dataDir : '',
    otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}/v1/traces`,
    queryUrl: `http://127.0.0.1:${ports.queryHttp}`,
    logs,
    async stop(graceMillis = 30_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = performance.now() + timeoutMillis;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`jaeger (${storage}) exited with code ${exitCode}; logs:\n${logs.slice(-30).join('\n')}`);
    if (performance.now() > deadline) {
      await jaeger.stop(1000);
      throw new Error(`jaeger (${storage}) did not become ready in ${timeoutMillis} ms; logs:\n${logs.slice(-30).join('\n')}`);
    }
    try {
      const services = await fetch(`${jaeger.queryUrl}/api/services`, { signal: AbortSignal.timeout(2000) });
      // An empty POST is a 400 from a listening receiver: enough to know it accepts.
      const otlp = await fetch(jaeger.otlpHttpUrl, { method: 'POST', signal: AbortSignal.timeout(2000) });
      if (services.ok && otlp.status < 500) return jaeger;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}
