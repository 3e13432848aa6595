import { parseArgs } from 'node:util';
import { NO_FAULTS, mergeFaults } from './faults.js';
import type { Faults } from './faults.js';

export interface LauncherOptions {
  /** First service port (services take consecutive ports); 0 picks free ports. */
  basePort: number;
  /** Traffic driver: user sessions started per second; 0 = no traffic. */
  rate: number;
  /** OTLP/HTTP base URL of a Skein that is already running; undefined = start one. */
  skeinUrl: string | undefined;
  /** Where the Skein UI is, for the banner; undefined = derived. */
  uiUrl: string | undefined;
  /** Data directory of the Skein the demo starts. */
  dataDir: string;
  faults: Faults;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run demo -- [options]

Starts Skein (all-in-one, its own data directory), the demo's services and a traffic driver.

Options:
  --rate N               user sessions per second from the traffic driver (default 2; 0 = none)
  --base-port N          first service port; services use N..N+9 (default 7100; 0 = any free ports)
  --skein-url URL        send to a Skein already running at this OTLP/HTTP URL (e.g. http://localhost:4318)
                         instead of starting one
  --ui-url URL           the Skein UI to print (default http://localhost:16686)
  --data-dir DIR         data directory of the Skein the demo starts (default packages/demo/data)
Faults at start (all switchable at run time with POST /faults on the gateway):
  --slow-geo MS          geo lookups lose their index and take at least MS milliseconds
  --payment-errors RATE  share of payment calls that fail (0..1)
  --retry-storm          payment sheds load and order retries it 5 times without back-off
  --clock-skew MS        fraud-check's host clock is off by MS milliseconds (behind: --clock-skew=-MS)
  --faults JSON          all of the above as JSON, e.g. '{"paymentErrorRate":0.2}'
  -h, --help             show this help`;

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function number(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function url(flag: string, raw: string): string {
  try {
    return new URL(raw).toString().replace(/\/+$/, '');
  } catch {
    throw new UsageError(`${flag} must be a URL, got "${raw}"`);
  }
}

/** Parses the launcher's flags; `undefined` means `--help` was asked for. Throws UsageError naming a bad flag. */
export function parseLauncherOptions(argv: string[], defaultDataDir: string): LauncherOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rate: { type: 'string' },
        'base-port': { type: 'string' },
        'skein-url': { type: 'string' },
        'ui-url': { type: 'string' },
        'data-dir': { type: 'string' },
        'slow-geo': { type: 'string' },
        'payment-errors': { type: 'string' },
        'retry-storm': { type: 'boolean' },
        'clock-skew': { type: 'string' },
        faults: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.help === true) return undefined;

  let faults: Faults = { ...NO_FAULTS };
  try {
    if (parsed.faults !== undefined) faults = mergeFaults(faults, JSON.parse(parsed.faults));
  } catch (error) {
    throw new UsageError(`--faults: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed['slow-geo'] !== undefined) faults.slowGeoMs = integer('--slow-geo', parsed['slow-geo'], 0, 60_000);
  if (parsed['payment-errors'] !== undefined) faults.paymentErrorRate = number('--payment-errors', parsed['payment-errors'], 0, 1);
  if (parsed['retry-storm'] === true) faults.retryStorm = true;
  if (parsed['clock-skew'] !== undefined) faults.clockSkewMs = integer('--clock-skew', parsed['clock-skew'], -86_400_000, 86_400_000);

  return {
    basePort: parsed['base-port'] === undefined ? 7100 : integer('--base-port', parsed['base-port'], 0, 65_525),
    rate: parsed.rate === undefined ? 2 : number('--rate', parsed.rate, 0, 1_000),
    skeinUrl: parsed['skein-url'] === undefined ? undefined : url('--skein-url', parsed['skein-url']),
    uiUrl: parsed['ui-url'] === undefined ? undefined : url('--ui-url', parsed['ui-url']),
    dataDir: parsed['data-dir'] ?? defaultDataDir,
    faults,
  };
}
