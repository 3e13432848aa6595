import { parseArgs } from 'node:util';
import { ConfigError } from '../model/config-error.js';
import { parseEndpoint, readConfigFile } from './config.js';

export const USAGE = `Usage: skein [all-in-one|collector|ingester|query] [options]
       skein loadgen [options]     (realistic OTLP traffic against any endpoint; skein loadgen --help)

Roles:
  all-in-one (default)   receivers + storage + query API in one process (embedded chDB by default)
  collector              OTLP receivers writing to storage (use a ClickHouse server to share it),
                         or to Kafka (the pipelines that do not read Kafka)
  ingester               the pipelines that read Kafka (kafka receiver → storage); docs/scaling.md
  query                  query API only, reading the shared ClickHouse server

Options (each has a SKEIN_* environment variable; flags win over variables, variables over the file):
  -c, --config FILE        YAML configuration (OpenTelemetry Collector shape)    SKEIN_CONFIG
      --data-dir DIR       embedded storage directory (default ./data)           SKEIN_DATA_DIR
      --storage TARGET     chdb (default), or a ClickHouse server:               SKEIN_STORAGE
                           clickhouse://[user:pass@]host:8123/database or http(s)://host:8123/?database=db
      --host HOST          listen address of every listener (default 0.0.0.0;    SKEIN_HOST
                           loopback only until security.auth is configured)
      --insecure-expose    listen on other addresses without authentication      SKEIN_INSECURE_EXPOSE=true
                           (anyone who reaches Skein can write and read every trace; docs/security.md)
      --otlp-grpc-port N   OTLP/gRPC receiver port (default 4317)                SKEIN_OTLP_GRPC_PORT
      --otlp-http-port N   OTLP/HTTP receiver port (default 4318)                SKEIN_OTLP_HTTP_PORT
      --zipkin-port N      Zipkin receiver port (default 9411)                   SKEIN_ZIPKIN_PORT
      --query-port N       query API and UI port (default 16686)                 SKEIN_QUERY_PORT
      --tempo-port N       Tempo-compatible API port (default 3200)              SKEIN_TEMPO_PORT
      --sampling-port N    Jaeger remote sampling, HTTP (default 5778)           SKEIN_SAMPLING_PORT
      --sampling-grpc-port N  Jaeger remote sampling, gRPC (default 5779)        SKEIN_SAMPLING_GRPC_PORT
      --metrics-port N     Skein's own Prometheus /metrics port (default 8888)   SKEIN_METRICS_PORT
  -h, --help               show this help
  -v, --version            print the version
`;

export type Role = 'all-in-one' | 'collector' | 'ingester' | 'query';

export interface CommandLine {
  role: Role;
  help: boolean;
  version: boolean;
  /** Where the raw config came from, for error messages. */
  source: string;
  /** The raw config: file contents with env and flag overrides applied, not yet validated. */
  rawConfig: Record<string, unknown>;
}

const OPTION_ENV: Record<string, string> = {
  config: 'SKEIN_CONFIG',
  'data-dir': 'SKEIN_DATA_DIR',
  storage: 'SKEIN_STORAGE',
  host: 'SKEIN_HOST',
  'otlp-grpc-port': 'SKEIN_OTLP_GRPC_PORT',
  'otlp-http-port': 'SKEIN_OTLP_HTTP_PORT',
  'query-port': 'SKEIN_QUERY_PORT',
  'tempo-port': 'SKEIN_TEMPO_PORT',
  'sampling-port': 'SKEIN_SAMPLING_PORT',
  'sampling-grpc-port': 'SKEIN_SAMPLING_GRPC_PORT',
  'zipkin-port': 'SKEIN_ZIPKIN_PORT',
  'metrics-port': 'SKEIN_METRICS_PORT',
};

export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        'data-dir': { type: 'string' },
        storage: { type: 'string' },
        host: { type: 'string' },
        'otlp-grpc-port': { type: 'string' },
        'otlp-http-port': { type: 'string' },
        'query-port': { type: 'string' },
        'tempo-port': { type: 'string' },
        'sampling-port': { type: 'string' },
        'sampling-grpc-port': { type: 'string' },
        'zipkin-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'insecure-expose': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const [roleArg, ...extra] = parsed.positionals;
  if (extra.length > 0) throw new ConfigError(`unexpected arguments: ${extra.join(' ')}\n\n${USAGE}`);
  const role = roleArg ?? 'all-in-one';
  if (role !== 'all-in-one' && role !== 'collector' && role !== 'ingester' && role !== 'query') {
    throw new ConfigError(`unknown command ${JSON.stringify(role)}: expected all-in-one, collector, ingester or query\n\n${USAGE}`);
  }

  // Flags win over environment variables.
  const value = (name: string): { value: string; from: string } | undefined => {
    const flag = parsed.values[name as keyof typeof parsed.values];
    if (typeof flag === 'string') return { value: flag, from: `--${name}` };
    const envName = OPTION_ENV[name]!;
    const fromEnv = env[envName];
    return fromEnv !== undefined && fromEnv !== '' ? { value: fromEnv, from: envName } : undefined;
  };

  const configFile = value('config');
  const rawConfig = configFile ? readConfigFile(configFile.value) : {};
  const source = configFile ? configFile.value : 'flags and environment';

  const dataDir = value('data-dir');
  if (dataDir) setPath(rawConfig, ['storage', 'data_dir'], dataDir.value);
  const storage = value('storage');
  if (storage) applyStorageTarget(rawConfig, storage.value, storage.from);

  if (parsed.values['insecure-expose'] === true || env['SKEIN_INSECURE_EXPOSE'] === 'true') {
    setPath(rawConfig, ['security', 'expose_without_auth'], true);
  }

  const host = value('host');
  const ports: Array<[string, string[], string]> = [
    ['otlp-grpc-port', ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], '0.0.0.0:4317'],
    ['otlp-http-port', ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], '0.0.0.0:4318'],
    ['query-port', ['extensions', 'query', 'endpoint'], '0.0.0.0:16686'],
    ['tempo-port', ['extensions', 'tempo', 'endpoint'], '0.0.0.0:3200'],
    ['sampling-port', ['extensions', 'sampling', 'http', 'endpoint'], '0.0.0.0:5778'],
    ['sampling-grpc-port', ['extensions', 'sampling', 'grpc', 'endpoint'], '0.0.0.0:5779'],
    ['zipkin-port', ['receivers', 'zipkin', 'endpoint'], '0.0.0.0:9411'],
    ['metrics-port', ['service', 'telemetry', 'metrics', 'address'], '0.0.0.0:8888'],
  ];
  for (const [name, path, fallback] of ports) {
    const port = value(name);
    if (port === undefined && host === undefined) continue;
    // --host alone must not re-enable a listener the file disabled
    // (`zipkin: null`, `metrics: { address: null }`, `sampling: { grpc: null }`); an explicit port does.
    const disabled = path.slice(2).some((_, i) => getPath(rawConfig, path.slice(0, i + 3)) === null);
    if (port === undefined && (getPath(rawConfig, path.slice(0, 2)) === null || disabled)) continue;
    // A component the file removed stays removed whatever the flags (`sampling: null`), so
    // harnesses can pass every port to any config.
    if (path[0] !== 'service' && getPath(rawConfig, path.slice(0, 2)) === null) continue;
    if (port !== undefined && !/^\d{1,5}$/.test(port.value))
      throw new ConfigError(`${port.from}: expected a port number, got ${JSON.stringify(port.value)}`);
    const current = getPath(rawConfig, path);
    const existing = parseEndpoint(typeof current === 'string' ? current : fallback);
    const newHost = host?.value ?? existing.host;
    const hostPart = newHost.includes(':') ? `[${newHost}]` : newHost;
    setPath(rawConfig, path, `${hostPart}:${port?.value ?? existing.port}`);
  }
  return { role, help: parsed.values.help === true, version: parsed.values.version === true, source, rawConfig };
}

/** `chdb`, `clickhouse://user:pass@host:port/db`, `http(s)://host:port/?database=db`. */
function applyStorageTarget(raw: Record<string, unknown>, target: string, from: string): void {
  if (target === 'chdb') {
    setPath(raw, ['storage', 'engine'], 'chdb');
    return;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ConfigError(
      `${from}: expected chdb or a ClickHouse URL (clickhouse://host:8123/db, http://host:8123), got ${JSON.stringify(target)}`,
    );
  }
  if (!['clickhouse:', 'http:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(`${from}: unsupported scheme ${url.protocol} (use clickhouse://, http:// or https://)`);
  }
  const database = url.protocol === 'clickhouse:' ? url.pathname.replace(/^\//, '') : (url.searchParams.get('database') ?? '');
  const httpUrl = new URL(url.toString().replace(/^clickhouse:/, 'http:'));
  httpUrl.pathname = '/';
  httpUrl.search = '';
  if (httpUrl.port === '') httpUrl.port = url.protocol === 'https:' ? '8443' : '8123';
  setPath(raw, ['storage', 'engine'], 'clickhouse');
  setPath(raw, ['storage', 'url'], httpUrl.toString());
  if (database !== '') setPath(raw, ['storage', 'database'], database);
}

function getPath(raw: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = raw;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (typeof next !== 'object' || next === null) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[path[path.length - 1]!] = value;
}
