import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts a throw-away ClickHouse server (Debian's 18.16 in CI) for tests: its own temp directory,
 * free ports, unprivileged, killed and removed by `stop()` (or when the test process exits).
 */
export interface ClickHouseServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/local/bin/clickhouse-server'];
const CONFIG = '/etc/clickhouse-server/config.xml';

/** The server binary, or undefined when it is not installed (`SKEIN_CLICKHOUSE_SERVER` overrides). */
export function findClickHouseServer(): string | undefined {
  const fromEnv = process.env['SKEIN_CLICKHOUSE_SERVER'];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  if (!existsSync(CONFIG)) return undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startClickHouseServer(binary: string, timeoutMs = 30_000): Promise<ClickHouseServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skein-clickhouse-'));
  mkdirSync(join(dir, 'tmp'));
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    binary,
    [
      `--config-file=${CONFIG}`,
      '--',
      `--path=${dir}/`,
      `--tmp_path=${dir}/tmp/`,
      `--http_port=${http}`,
      `--tcp_port=${tcp}`,
      `--interserver_http_port=${interserver}`,
      '--listen_host=127.0.0.1',
      `--logger.log=${dir}/log`,
      `--logger.errorlog=${dir}/err`,
    ],
    { stdio: 'ignore' },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${url}/?query=SELECT%201`);
      if (response.ok && (await response.text()).trim() === '1') return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = existsSync(join(dir, 'err')) ? readFileSync(join(dir, 'err'), 'utf8').slice(-2000) : '(no error log)';
  await stop();
  throw new Error(`clickhouse-server did not become ready at ${url} (exited: ${exited}):\n${log}`);
}
