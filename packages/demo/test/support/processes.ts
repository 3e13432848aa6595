import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../../..');
export const SKEIN_MAIN = join(REPO, 'packages/skein/dist/cli/main.js');
export const DEMO_MAIN = join(REPO, 'packages/demo/dist/main.js');

/** A child process whose output lines are collected and can be waited for. */
export class WatchedProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  private waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((done) => child.once('exit', () => done()));
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          this.onLine(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      });
    }
  }

  private onLine(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      const match = waiter.pattern.exec(line);
      if (match !== null) waiter.resolve(match);
      return match === null;
    });
  }

  /** The first line (already seen or to come) matching `pattern`; rejects on exit or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no line matching ${pattern} after ${timeoutMs} ms; output:\n${this.output()}`)),
        timeoutMs,
      );
      this.waiters.push({
        pattern,
        resolve: (match) => {
          clearTimeout(timer);
          resolvePromise(match);
        },
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}; output:\n${this.output()}`,
          ),
        );
      });
    });
  }

  output(): string {
    return this.lines.slice(-80).join('\n');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Stops the process, or its whole process group when it was started detached (the demo
   * launcher and the services it spawned): SIGTERM, then SIGKILL after `graceMs`.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    const signal = (name: NodeJS.Signals): void => {
      try {
        if (this.child.pid !== undefined) process.kill(-this.child.pid, name);
      } catch {
        this.child.kill(name);
      }
    };
    signal('SIGTERM');
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((done) => setTimeout(() => done(true), graceMs)),
    ]);
    if (timedOut) signal('SIGKILL');
    await this.exited;
  }
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `skein-demo-test-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunningSkein {
  process: WatchedProcess;
  otlpHttpUrl: string;
  queryUrl: string;
}

/** The built Skein CLI on free ports, as the backend's own tests run it; resolves when it is ready. `extraArgs`: e.g. `--config`. */
export async function startSkein(dataDir: string, extraArgs: readonly string[] = []): Promise<RunningSkein> {
  if (!existsSync(SKEIN_MAIN)) throw new Error(`${SKEIN_MAIN} is missing: run \`npm run build --workspace @skein/skein\` first`);
  const child = spawn(
    process.execPath,
    [
      SKEIN_MAIN,
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--otlp-grpc-port',
      '0',
      '--otlp-http-port',
      '0',
      '--zipkin-port',
      '0',
      '--query-port',
      '0',
      '--tempo-port',
      '0',
      '--sampling-port',
      '0',
      '--sampling-grpc-port',
      '0',
      '--metrics-port',
      '0',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const skein = new WatchedProcess('skein', child);
  const [otlp, query] = await Promise.all([
    skein.waitForLine(/OTLP\/HTTP receiver listening on http:\/\/[^ ]*:(\d+)\//, 30_000),
    skein.waitForLine(/query API listening on http:\/\/[^ ]*:(\d+)\//, 30_000),
    skein.waitForLine(/skein is ready/, 30_000),
  ]);
  return { process: skein, otlpHttpUrl: `http://127.0.0.1:${otlp[1]}`, queryUrl: `http://127.0.0.1:${query[1]}` };
}

/** The demo launcher (`npm run demo`'s program) in its own process group, so one signal reaches all its services. */
export function startDemo(args: string[], env: Record<string, string>): WatchedProcess {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npm run build --workspace @skein/demo\` first`);
  const child = spawn(process.execPath, [DEMO_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...env },
  });
  return new WatchedProcess('demo', child);
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Polls `check` every 200 ms until it returns a value or `timeoutMs` passes (then throws `what`). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
