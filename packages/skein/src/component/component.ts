import type { RequestListener } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { z } from 'zod';
import type { TenantId } from '../model/tenant.js';
import type { TraceStore } from '../storage/trace-store.js';
import type { AccessRole } from './request-identity.js';
import type { SkeinMetrics } from '../telemetry/skein-metrics.js';

/**
 * The component contract (docs/architecture.md, "Component registry"): every receiver, processor,
 * connector, exporter and extension is made by a factory beside its code and registered once in
 * `cli/component-registry.ts`. This file is the kind-independent half: ids, factories, lifecycle and
 * the host. The span-specific halves (what a receiver feeds, what an exporter takes) are in
 * `collector/pipeline/`; query-side extensions use this file alone.
 *
 * Lives in its own part, importable by collector, query and cli, because query-side extensions
 * (Tempo, Jaeger, Zipkin APIs, MCP) are components too and the query part may not import the
 * collector (as the Collector's `component` module stands apart from `processor`, `exporter`, …).
 */

export type ComponentKind = 'receiver' | 'processor' | 'connector' | 'exporter' | 'extension';

/** A component id as Collector YAML writes it: `type` or `type/name` (`otlp`, `otlp/backup`). */
export interface ComponentId {
  readonly type: string;
  readonly name: string | undefined;
  /** The id as written, used in log lines, metric labels and config error paths. */
  readonly text: string;
}

const ID_PART = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Parses `type[/name]`; undefined when it is not a well-formed id. */
export function parseComponentId(text: string): ComponentId | undefined {
  const slash = text.indexOf('/');
  const type = slash === -1 ? text : text.slice(0, slash);
  const name = slash === -1 ? undefined : text.slice(slash + 1);
  if (!ID_PART.test(type)) return undefined;
  if (name !== undefined && !/^[A-Za-z0-9_.-]+$/.test(name)) return undefined;
  return { type, name, text };
}

/** What a component reports through: one log line per listener, warnings rate-limited by the host. */
export interface ComponentLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Passed to a factory's `create`: who the component is and what it reports through. */
export interface CreateSettings {
  readonly id: ComponentId;
  readonly logger: ComponentLogger;
  readonly metrics: SkeinMetrics;
}

/**
 * Which role a request needs, by method and path (gRPC: `POST` and the method path), or `public`
 * for what anyone may fetch (health checks, the UI's static files and its login page). The host
 * checks it before the handler runs; a listener that does not say is treated as a query API
 * (`read`), the strict choice, so a new listener is never open by omission.
 */
export type ListenerAccess = (method: string, path: string) => AccessRequirement;

/**
 * One role, or a list of roles any one of which suffices (SDKs fetch sampling strategies with the
 * `ingest` credential they send spans with, operators' tools with `read`), or `public`.
 */
export type AccessRequirement = AccessRole | readonly AccessRole[] | 'public';

/** Every request needs `role`. */
export function accessFor(role: AccessRole): ListenerAccess {
  return () => role;
}

/** One HTTP listener, bound by the host (so TLS, timeouts and auth live in one place). */
export interface HttpListenerSpec {
  /** `host:port`, as in config (`0.0.0.0:4318`); port 0 picks a free one. */
  readonly endpoint: string;
  readonly handler: RequestListener;
  /** What listens, for the log line and errors: "the OTLP/HTTP receiver". */
  readonly description: string;
  /** How to pick another port, for the "port in use" error: "set --otlp-http-port or SKEIN_OTLP_HTTP_PORT". */
  readonly portHint: string;
  /** Key of the bound port in the running process's port list (`otlpHttp`), which tests and tools read. */
  readonly portName: string;
  /**
   * The requests this listener answers when another component listens on the same endpoint (the
   * Zipkin receiver takes `POST`s on :9411, the Zipkin query API the `GET`s). Listeners of one
   * endpoint share one server; each request goes to the first listener that claims it, else to the
   * one listener without `claims`. Two listeners without it on one fixed port are a "port in use"
   * error, as with separate servers.
   */
  readonly claims?: (method: string, path: string) => boolean;
  /**
   * The `portName` of a listener this one is meant to share a port with even when the endpoint's
   * port is 0 (tests): on a fixed port, equal endpoints suffice.
   */
  readonly sharesPortWith?: string;
  /** Who may call it (default: `read` on every path). */
  readonly access?: ListenerAccess;
  /** The paths it answers (`/api/v1/traces/:traceId`), so tests can prove each one refuses strangers. */
  readonly routes?: readonly string[];
}

export interface GrpcListenerSpec {
  readonly endpoint: string;
  /** A server with its services added; the host binds it and shuts it down. */
  readonly server: GrpcServer;
  readonly description: string;
  readonly portHint: string;
  readonly portName: string;
  /** Who may call it, by method path (default: `read`). */
  readonly access?: ListenerAccess;
  /** The method paths it serves, for the tests that enumerate them. */
  readonly routes?: readonly string[];
}

/**
 * What a running process offers its components (the Collector's `component.Host`): listeners,
 * shared storage, durable state. Listeners it binds are closed by the host after the component
 * that asked for them has shut down, in reverse start order.
 */
export interface Host {
  readonly logger: ComponentLogger;
  readonly metrics: SkeinMetrics;
  /**
   * A directory a component may keep durable state in (journals, persisted queues), created and
   * owned by Skein; undefined in roles without one (a component that needs durability must then
   * refuse to start with a clear message).
   */
  readonly stateDir: string | undefined;
  /** Binds and resolves with the bound port; a taken port rejects with a message naming `portHint`. */
  listenHttp(spec: HttpListenerSpec): Promise<number>;
  listenGrpc(spec: GrpcListenerSpec): Promise<number>;
  /**
   * The process's trace store, opened on first call from the top-level `storage` section and closed
   * after every component stopped. A process none of whose components asks (a forwarding
   * collector) never opens it, so never loads chDB.
   */
  traceStore(): Promise<TraceStore>;
  /**
   * The trace store if a component has opened it, else undefined: for readiness checks, which must
   * report on storage where it is used without opening it where it is not.
   */
  openedTraceStore(): TraceStore | undefined;
  /**
   * The address the listener named `portName` was bound to, for its log line: without
   * authentication a `0.0.0.0` endpoint binds loopback (ARCHITECTURE decision 13).
   */
  boundHost(portName: string): string;
  /**
   * A tenant's `security.limits.<tenant>.max_spans_per_trace` (else `default`'s), present only
   * when some tenant has one: the storage exporter refuses spans beyond it (docs/security.md).
   */
  readonly maxSpansPerTrace?: (tenant: TenantId) => number | undefined;
}

/** What every built component is: started in dependency order, shut down in reverse. */
export interface Component {
  start(host: Host): Promise<void>;
  /** Finishes what was accepted (flush, deliver, persist), then releases everything; idempotent. */
  shutdown(): Promise<void>;
}

/**
 * The kind-independent half of every factory. `configSchema` parses the component's YAML section
 * (Collector key names, unknown keys rejected, defaults filled in); `createDefaultConfig()` is what
 * it yields for an empty section. Errors are reported by the config loader as `ConfigError`s with
 * the key path `<kind>s.<id>.<key>`.
 */
export interface ComponentFactory<C> {
  readonly kind: ComponentKind;
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  createDefaultConfig(): C;
}

/** An extension: a query API, the sampling API, health, the metrics endpoint. */
export interface ExtensionFactory<C> extends ComponentFactory<C> {
  readonly kind: 'extension';
  create(settings: CreateSettings, config: C): Component;
}
