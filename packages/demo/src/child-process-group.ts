import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';

/** A child process the launcher started and will stop. */
export interface ManagedChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  /**
   * Own process group: Ctrl-C in the terminal then does not reach it, and the launcher decides
   * when it stops (Skein must outlive the services so their last spans still arrive).
   */
  detached?: boolean;
  /** A line matching this means the process is ready. */
  ready: RegExp;
  readyTimeoutMs: number;
  /** Every output line, e.g. to print it with a prefix. */
  onLine: (line: string) => void;
  /** Called at once with the new child, before it is ready, so that it can be stopped even then. */
  onSpawn: (child: ManagedChild) => void;
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
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
  stream.on('end', () => {
    if (buffer !== '') onLine(buffer);
  });
}

/**
 * Starts `node ARGS` and resolves once it prints a line matching `ready`, with the match (ports
 * are read from it). Rejects, with the output so far, if the process exits or stays silent too long.
 */
export async function spawnNode(
  name: string,
  args: string[],
  options: SpawnOptions,
): Promise<{ child: ManagedChild; ready: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const managed: ManagedChild = { name, process: child, exited };
  options.onSpawn(managed);
  const output: string[] = [];
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready after ${options.readyTimeoutMs} ms; its output:\n${output.join('\n')}`));
    }, options.readyTimeoutMs);
    const onLine = (line: string): void => {
      output.push(line);
      options.onLine(line);
      const match = options.ready.exec(line);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    forEachLine(child.stdout!, onLine);
    forEachLine(child.stderr!, onLine);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited (code ${child.exitCode ?? child.signalCode}) before it was ready; its output:\n${output.join('\n')}`),
      );
    });
  });
  return { child: managed, ready };
}

/** Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs. */
export async function stopChild(child: ManagedChild, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
  const late = await Promise.race([child.exited.then(() => false), gaveUp]);
  clearTimeout(timer);
  if (late) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

/**
 * `count` ports that were free a moment ago (the OS picks them; they are released at once, so
 * another process could take one before the service binds it — fine for a demo and a test).
 */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
