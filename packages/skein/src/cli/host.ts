import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { accessFor, type GrpcListenerSpec, type Host, type HttpListenerSpec } from '../component/component.js';
import { parseEndpoint } from '../component/endpoint.js';
import { availableMemoryBytes } from '../model/available-memory.js';
import { featuresForVersion, openTraceStore, type ClickHouseTls } from '../storage/index.js';
import type { TenantId } from '../model/tenant.js';
import type { TraceStore } from '../storage/trace-store.js';
import type { SkeinMetrics } from '../telemetry/skein-metrics.js';
import type { Role } from './command-line.js';
import type { StorageConfig } from './config.js';
import { applyHttpServerLimits, DEFAULT_HTTP_SERVER_LIMITS, httpServerOptions, type HttpServerLimits } from './http-server-limits.js';
import { listenGrpc, listenHttp } from './listen.js';
import { ListenerSecurity } from './listener-security.js';
import { SharedHttpServer } from './shared-http-server.js';
import type { Logger } from './logger.js';
import type { SecurityConfig } from './security-config.js';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

function prepareDataDir(dataDir: string): string {
  const absolute = resolve(dataDir);
  try {
    mkdirSync(absolute, { recursive: true });
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    throw new DataDirError(
      `data directory ${absolute} is not writable: ${(error as Error).message} (choose another with --data-dir or SKEIN_DATA_DIR)`,
    );
  }
  return absolute;
}

/** Share of available memory chDB may use by default: with memory_limiter's soft limit at 64 %, the rest is Node's. */
const DEFAULT_CHDB_MEMORY_SHARE = 0.4;

/** `storage.memory_limit_mib`, else 40 % of the machine's or cgroup's memory. */
function chdbMemoryLimitBytes(storage: StorageConfig): number {
  return storage.memory_limit_mib !== undefined
    ? storage.memory_limit_mib * 1024 * 1024
    : Math.floor(availableMemoryBytes() * DEFAULT_CHDB_MEMORY_SHARE);
}

type Listener = { kind: 'http'; shared: SharedHttpServer } | { kind: 'grpc'; server: GrpcServer };

/** A bound listener as tests enumerate it: every one must refuse a stranger (docs/security.md). */
export interface BoundListener {
  readonly kind: 'http' | 'grpc';
  readonly portName: string;
  readonly port: number;
  readonly description: string;
  readonly routes: readonly string[];
}

/**
 * What the running process offers its components (component.ts `Host`): it binds their listeners
 * (messages from listen.ts), records each under the component that asked, and closes them when the
 * service graph says that component has stopped; it opens the trace store on first request and
 * closes it last. The data directory too is made on first use, so a process that needs neither
 * (a forwarding collector with in-memory queues) touches no disk and never loads chDB.
 */
export class SkeinHost {
  /** Bound ports by listener name (`otlpGrpc`, `otlpHttp`, `zipkin`, `query`, `metrics`). */
  readonly ports: Record<string, number> = {};
  /** Bound address by listener name, for log lines (loopback when no auth is configured). */
  private readonly boundHosts: Record<string, string> = {};
  private readonly listeners = new Map<string, Listener[]>();
  /** HTTP servers by endpoint: listeners of one endpoint that claim their requests share one. */
  private readonly httpServers: SharedHttpServer[] = [];
  private store: Promise<TraceStore> | undefined;
  private openedStore: TraceStore | undefined;
  private stateDirPath: string | undefined;
  /** Every listener bound so far, in order. */
  readonly bound: BoundListener[] = [];
  private readonly security: ListenerSecurity;
  /** `security.limits`: the storage-side ones (trace size, retention) are applied here. */
  private readonly tenantLimits: SecurityConfig['limits'];

  constructor(
    private readonly storage: StorageConfig,
    private readonly role: Role,
    readonly logger: Logger,
    readonly metrics: SkeinMetrics,
    security: SecurityConfig,
    /** Slow-client timeouts of every HTTP listener (`service.http_server`). */
    private readonly httpLimits: HttpServerLimits = DEFAULT_HTTP_SERVER_LIMITS,
  ) {
    this.security = new ListenerSecurity(security, logger, () => this.openedStore?.apiTokens());
    this.tenantLimits = security.limits;
  }

  /** `<data_dir>/collector-state`, made on first use; undefined in the query role (no durable state there). */
  get stateDir(): string | undefined {
    if (this.role === 'query') return undefined;
    this.stateDirPath ??= join(prepareDataDir(this.storage.data_dir), 'collector-state');
    return this.stateDirPath;
  }

  /** The `Host` one component sees: listeners it binds are recorded under `owner`. */
  viewFor(owner: string): Host {
    const stateDirOf = (): string | undefined => this.stateDir;
    return {
      logger: this.logger,
      metrics: this.metrics,
      get stateDir() {
        return stateDirOf();
      },
      listenHttp: (spec) => this.listenHttp(owner, spec),
      listenGrpc: (spec) => this.listenGrpc(owner, spec),
      traceStore: () => this.traceStore(),
      openedTraceStore: () => this.openedStore,
      boundHost: (portName) => this.boundHosts[portName] ?? '127.0.0.1',
      ...(Object.values(this.tenantLimits).some((limits) => limits.max_spans_per_trace !== undefined) && {
        maxSpansPerTrace: (tenant: TenantId) => (this.tenantLimits[tenant] ?? this.tenantLimits['default'])?.max_spans_per_trace,
      }),
    };
  }

  /**
   * Closes what `owner` listens on: HTTP servers finish their requests in flight first. A server
   * shared with another component's listener stays open, without `owner`'s routes, until the last
   * of them has stopped.
   */
  async closeListenersOf(owner: string): Promise<void> {
    const listeners = this.listeners.get(owner) ?? [];
    this.listeners.delete(owner);
    const closing = listeners.filter((listener) => {
      if (listener.kind === 'grpc') return true;
      const index = this.httpServers.indexOf(listener.shared);
      if (index === -1 || !listener.shared.remove(owner)) return false;
      this.httpServers.splice(index, 1);
      return true;
    });
    await Promise.all(closing.map(closeListener));
  }

  /** Closes listeners still open (a start that failed half-way), then the trace store. */
  async close(): Promise<void> {
    for (const owner of [...this.listeners.keys()].reverse()) await this.closeListenersOf(owner);
    this.security.close();
    const store = this.store;
    this.store = undefined;
    this.openedStore = undefined;
    if (store) await (await store.catch(() => undefined))?.close();
  }

  // Both listen through ListenerSecurity: loopback without auth, TLS, authentication and roles.
  private async listenHttp(owner: string, spec: HttpListenerSpec): Promise<number> {
    const { host, port } = parseEndpoint(spec.endpoint);
    const bindHost = this.security.bindHost(host, spec.description);
    const joined = this.httpServers.find((candidate) => candidate.boundPort !== undefined && candidate.accepts(spec, port !== 0));
    const shared =
      joined ??
      new SharedHttpServer(spec.endpoint, (handler, access) => {
        const server = this.security.createHttpServer(handler, access, httpServerOptions(this.httpLimits));
        applyHttpServerLimits(server, this.httpLimits, this.logger, spec.description);
        return server;
      });
    shared.add(owner, spec);
    this.record(owner, { kind: 'http', shared });
    if (joined === undefined) {
      this.httpServers.push(shared);
      shared.boundPort = listenHttp(shared.server, bindHost, port, spec.description, spec.portHint).catch((error: unknown) => {
        this.httpServers.splice(this.httpServers.indexOf(shared), 1);
        throw error;
      });
    }
    const bound = await shared.boundPort!;
    this.ports[spec.portName] = bound;
    this.boundHosts[spec.portName] = bindHost;
    this.bound.push({ kind: 'http', portName: spec.portName, port: bound, description: spec.description, routes: spec.routes ?? ['/'] });
    return bound;
  }

  private async listenGrpc(owner: string, spec: GrpcListenerSpec): Promise<number> {
    const { host, port } = parseEndpoint(spec.endpoint);
    const bindHost = this.security.bindHost(host, spec.description);
    this.record(owner, { kind: 'grpc', server: spec.server });
    const credentials = await this.security.grpcCredentials(spec.access ?? accessFor('read'));
    const bound = await listenGrpc(spec.server, bindHost, port, spec.description, spec.portHint, credentials);
    this.ports[spec.portName] = bound;
    this.boundHosts[spec.portName] = bindHost;
    this.bound.push({ kind: 'grpc', portName: spec.portName, port: bound, description: spec.description, routes: spec.routes ?? [] });
    return bound;
  }

  private record(owner: string, listener: Listener): void {
    const list = this.listeners.get(owner) ?? [];
    list.push(listener);
    this.listeners.set(owner, list);
  }

  private traceStore(): Promise<TraceStore> {
    this.store ??= this.openStore().then((store) => (this.openedStore = store));
    return this.store;
  }

  private async openStore(): Promise<TraceStore> {
    const { storage, role, logger } = this;
    if (role !== 'all-in-one' && storage.engine === 'chdb') {
      logger.warn(
        `running "${role}" on embedded chDB: other Skein processes cannot share its data directory; use --storage clickhouse://… to scale out`,
      );
    }
    const common = {
      database: storage.database,
      ...(storage.retention_days !== undefined && { retentionDays: storage.retention_days }),
      ...(storage.metrics_retention_days !== undefined && { metricsRetentionDays: storage.metrics_retention_days }),
      ...(tenantRetention(this.tenantLimits) && { tenantRetentionDays: tenantRetention(this.tenantLimits)! }),
      ...(storage.logs_retention_days !== undefined && { logsRetentionDays: storage.logs_retention_days }),
    };
    const store =
      storage.engine === 'chdb'
        ? await openTraceStore({
            engine: 'chdb',
            dataDir: prepareDataDir(storage.data_dir),
            memoryLimitBytes: chdbMemoryLimitBytes(storage),
            ...common,
          })
        : await openTraceStore({
            engine: 'clickhouse',
            url: storage.url!,
            ...common,
            ...(storage.tls && { tls: readClickHouseTls(storage.tls) }),
            ...(storage.cluster && {
              cluster: {
                name: storage.cluster.name,
                insertQuorum: storage.cluster.insert_quorum,
                ...(storage.cluster.replication_path !== undefined && { replicationPath: storage.cluster.replication_path }),
              },
            }),
          });
    const version = store.description.split(' ')[1] ?? '';
    if (!featuresForVersion(version).ttl) {
      if (storage.retention_days !== undefined)
        logger.info(`storage.retention_days: ${store.description} has no TTL; expired day partitions are dropped at start-up and hourly`);
      if (tenantRetention(this.tenantLimits))
        logger.warn(`security.limits.*.retention_days are ignored: ${store.description} has no TTL (its partitions are days, not tenants)`);
    }
    const where =
      storage.engine === 'chdb'
        ? ` in ${resolve(storage.data_dir)} (memory cap ${Math.round(chdbMemoryLimitBytes(storage) / 1024 / 1024)} MiB: storage.memory_limit_mib)`
        : ` at ${storage.url ?? ''}${storage.cluster ? ` (cluster ${storage.cluster.name})` : ''}`;
    logger.info(`storage: ${store.description}${where}`);
    return store;
  }
}

/** Tenants' own `retention_days` (`default`: every tenant not named), or undefined when none has one. */
function tenantRetention(limits: SecurityConfig['limits']): Record<string, number> | undefined {
  const days = Object.entries(limits).flatMap(([tenant, limit]) =>
    limit.retention_days === undefined ? [] : [[tenant, limit.retention_days] as const],
  );
  return days.length === 0 ? undefined : Object.fromEntries(days);
}

function readClickHouseTls(tls: NonNullable<StorageConfig['tls']>): ClickHouseTls {
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new DataDirError(`storage.tls.${key}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  return {
    caCert: read(tls.ca_file, 'ca_file'),
    ...(tls.cert_file !== undefined && { cert: read(tls.cert_file, 'cert_file') }),
    ...(tls.key_file !== undefined && { key: read(tls.key_file, 'key_file') }),
  };
}

async function closeListener(listener: Listener): Promise<void> {
  if (listener.kind === 'grpc') {
    await new Promise<void>((done) => listener.server.tryShutdown(() => done()));
    return;
  }
  const { server } = listener.shared;
  if (!server.listening) return;
  await new Promise<void>((done) => server.close(() => done()));
  server.closeAllConnections();
}
