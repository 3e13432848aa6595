import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE_DIR = resolve(import.meta.dirname, '../..');
const MAIN = join(PACKAGE_DIR, 'src/cli/main.ts');

export interface SkeinPorts {
  otlpGrpc: number;
  otlpHttp: number;
  query: number;
  /** 0 when the Zipkin receiver is disabled. */
  zipkin: number;
  /** Skein's own Prometheus `/metrics`; 0 when disabled (`service.telemetry.metrics.address: null`). */
  metrics: number;
  /** The Tempo API; 0 when not running. */
  tempo: number;
  /** Jaeger remote sampling over HTTP (`/sampling`); 0 when not running. */
  sampling: number;
  /** Jaeger remote sampling over gRPC; 0 when not running. */
  samplingGrpc: number;
}

export interface SkeinProcess {
  child: ChildProcess;
  ports: SkeinPorts;
  dataDir: string;
  /** Every line the process wrote to stderr/stdout so far. */
  logs: string[];
  queryUrl: string;
  otlpHttpUrl: string;
  /** `http://127.0.0.1:PORT` of the Zipkin receiver (paths `/api/v2/spans`, `/api/v1/spans`). */
  zipkinUrl: string;
  /** `http://127.0.0.1:PORT/metrics`: Skein's own metrics in Prometheus text. */
  metricsUrl: string;
  /** `http://127.0.0.1:PORT` of the Tempo API. */
  tempoUrl: string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  /** Run the built `dist/cli/main.js` instead of the TypeScript sources (benchmarks). */
  built?: boolean;
  /** Extra Node.js flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  args?: string[];
  env?: Record<string, string>;
  timeoutMillis?: number;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `skein-test-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs the real CLI (`skein`) in a child process on free ports and waits until it is ready. */
export async function startSkein(options: StartOptions = {}): Promise<SkeinProcess> {
  const dataDir = options.dataDir ?? makeTempDir('data');
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.built ? [join(PACKAGE_DIR, 'dist/cli/main.js')] : ['--import', 'tsx', MAIN]),
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--otlp-grpc-port',
      '0',
      '--otlp-http-port',
      '0',
      '--query-port',
      '0',
      '--zipkin-port',
      '0',
      '--tempo-port',
      '0',
      '--sampling-port',
      '0',
      '--sampling-grpc-port',
      '0',
      // Never the default 8888: tests run in parallel.
      '--metrics-port',
      '0',
      ...(options.args ?? []),
    ],
    { cwd: PACKAGE_DIR, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ports = await new Promise<SkeinPorts>((done, fail) => {
    const found: Partial<SkeinPorts> = {};
    const timer = setTimeout(() => {
      // Killed, or its open pipes would keep the test file from ever ending.
      child.kill('SIGKILL');
      fail(new Error(`skein did not become ready in time; logs:\n${logs.join('\n')}`));
    }, options.timeoutMillis ?? 30_000);
    const onLine = (line: string): void => {
      logs.push(line);
      let m: RegExpExecArray | null;
      if ((m = /OTLP\/gRPC receiver listening on .*:(\d+) /.exec(line))) found.otlpGrpc = Number(m[1]);
      if ((m = /OTLP\/HTTP receiver listening on http:\/\/.*:(\d+)\//.exec(line))) found.otlpHttp = Number(m[1]);
      if ((m = /(?:query API|health checks) listening on http:\/\/.*:(\d+)\//.exec(line))) found.query = Number(m[1]);
      if ((m = /Zipkin receiver listening on http:\/\/.*:(\d+)\//.exec(line))) found.zipkin = Number(m[1]);
      if ((m = /metrics listening on http:\/\/.*:(\d+)\/metrics/.exec(line))) found.metrics = Number(m[1]);
      if ((m = /Tempo API listening on http:\/\/.*:(\d+)\/api/.exec(line))) found.tempo = Number(m[1]);
      if ((m = /sampling strategies \(.*\) on http:\/\/.*:(\d+)\/sampling/.exec(line))) found.sampling = Number(m[1]);
      if ((m = /sampling strategies \(gRPC .*\) on .*:(\d+)$/.exec(line))) found.samplingGrpc = Number(m[1]);
      if (line.includes('skein is ready')) {
        clearTimeout(timer);
        done({
          otlpGrpc: found.otlpGrpc ?? 0,
          otlpHttp: found.otlpHttp ?? 0,
          query: found.query ?? 0,
          zipkin: found.zipkin ?? 0,
          metrics: found.metrics ?? 0,
          tempo: found.tempo ?? 0,
          sampling: found.sampling ?? 0,
          samplingGrpc: found.samplingGrpc ?? 0,
        });
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`skein exited with code ${code} before it was ready; logs:\n${logs.join('\n')}`));
    });
  });
  return {
    child,
    ports,
    dataDir,
    logs,
    queryUrl: `http://127.0.0.1:${ports.query}`,
    otlpHttpUrl: `http://127.0.0.1:${ports.otlpHttp}/v1/traces`,
    zipkinUrl: `http://127.0.0.1:${ports.zipkin}`,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    tempoUrl: `http://127.0.0.1:${ports.tempo}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      // A stop that does not end in exit 0 says why in the test output: the signal and the last log lines.
      if (code !== 0)
        console.error(`skein stopped with code ${code} (signal ${child.signalCode}); last logs:\n${logs.slice(-15).join('\n')}`);
      return code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the CLI to completion (for start-up failures) and returns its exit code and output. */
export async function runSkeinToExit(
  args: string[],
  env: Record<string, string> = {},
  timeoutMillis = 30_000,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(timer);
  return { code, output };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  // A stuck server fails the test instead of hanging it.
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMillis = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes a YAML config file into a fresh temporary directory and returns its path. */
export function writeConfig(yaml: string): string {
  const file = join(makeTempDir('config'), 'skein.yaml');
  writeFileSync(file, yaml);
  return file;
}
