import { z } from 'zod';
import { parseComponentId, type ComponentId, type ComponentKind } from '../component/component.js';
import { endpointSchema, parseEndpoint } from '../component/endpoint.js';
import { ConfigError, configProblems } from '../model/config-error.js';
import { readYamlFile } from '../model/yaml-file.js';
import { factoryOf, knownTypes, type AnyFactory } from './component-registry.js';
import { httpServerLimitsSchema, type HttpServerLimits } from './http-server-limits.js';
import { securityConfigSchema, type SecurityConfig } from './security-config.js';

/**
 * Skein's configuration: a YAML file in the OpenTelemetry Collector's shape (receivers,
 * processors, exporters, connectors, extensions, service) plus Skein's own `storage` section (the
 * host's trace store). Parsed once, at start-up: each component id (`otlp`, `otlp/backup`) is
 * looked up in the component registry by its type and validated by that factory's schema; every
 * error names the key and the bad value, and all of them come as one `ConfigError`. Unknown keys
 * are errors, so a typo never silently falls back to a default.
 */

export { ConfigError, parseEndpoint };

/** The YAML sections holding components, with the kind of component each holds. */
const SECTIONS = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
} as const satisfies Record<string, ComponentKind>;

type Section = keyof typeof SECTIONS;

/**
 * Components defined when the file does not write them, so that no config at all is today's
 * all-in-one: [otlp, zipkin] → redaction → storage, the query API on :16686 (a collector answers
 * health checks there instead), Zipkin's query API beside the Zipkin receiver on :9411, the Tempo
 * API on :3200 and Jaeger's remote sampling API (:5778 HTTP, :5779 gRPC, `/api/sampling` on the
 * query port), as Jaeger serves sampling out of the box. Setting one of these to null removes it
 * (`zipkin: null`, `sampling: null`).
 */
const DEFAULT_COMPONENTS: Readonly<Record<Section, readonly string[]>> = {
  receivers: ['otlp', 'zipkin'],
  // memory_limiter first: memory protection is on by default (issue 20); the metrics tap sees
  // every span before any sampler (decision 6).
  processors: ['memory_limiter', 'redaction', 'metrics_tap'],
  exporters: ['storage'],
  connectors: [],
  extensions: ['query', 'health', 'zipkin', 'tempo', 'sampling'],
};

const storageSchema = z
  .object({
    engine: z.enum(['chdb', 'clickhouse']).default('chdb'),
    data_dir: z.string().min(1).default('./data'),
    url: z.string().url().optional(),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier')
      .default('skein'),
    retention_days: z.number().int().min(1).max(36_500).optional(),
    // chDB's own memory cap (max_server_memory_usage): its memory is outside the JS heap, so the
    // memory_limiter alone cannot bound RSS. Default: 40 % of the machine's or cgroup's memory.
    memory_limit_mib: z.number().int().min(64).optional(),
    /** TLS to an https:// ClickHouse server: `ca_file`, and `cert_file` + `key_file` for mTLS. */
    tls: z
      .object({ ca_file: z.string().min(1), cert_file: z.string().min(1).optional(), key_file: z.string().min(1).optional() })
      .strict()
      .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), { message: 'give cert_file and key_file together' })
      .optional(),
    // The metrics tables' own retention: pre-aggregated minutes are small, dashboards look back further.
    metrics_retention_days: z.number().int().min(1).max(36_500).optional(),
    // The schema's cluster variant on a ClickHouse cluster (docs/scaling.md).
    cluster: z
      .object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier'),
        replication_path: z
          .string()
          .regex(/^\/[A-Za-z0-9_/{}.-]+$/, 'expected an absolute ZooKeeper path of letters, digits, _ / { } . -')
          .optional(),
        insert_quorum: z.number().int().min(0).max(16).default(0),
      })
      .strict()
      .optional(),
    // Log records' own retention (default: retention_days, the spans').
    logs_retention_days: z.number().int().min(1).max(36_500).optional(),
  })
  .strict()
  .superRefine((storage, context) => {
    if (storage.engine === 'clickhouse' && storage.url === undefined) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'is required when storage.engine is clickhouse' });
    }
    if (storage.engine !== 'clickhouse' && storage.cluster !== undefined) {
      context.addIssue({ code: 'custom', path: ['cluster'], message: 'needs storage.engine clickhouse (a ClickHouse cluster)' });
    }
  });

/** The host's trace store: which engine, where. */
export type StorageConfig = z.output<typeof storageSchema>;

const idList = z.array(z.string().min(1));
const section = z.record(z.string(), z.unknown()).nullable().optional();

const fileSchema = z
  .object({
    receivers: section,
    processors: section,
    exporters: section,
    connectors: section,
    extensions: section,
    storage: storageSchema.prefault({}),
    security: securityConfigSchema.prefault({}),
    service: z
      .object({
        extensions: idList.optional(),
        // Skein's own metrics (Prometheus text on /metrics), as the Collector's service.telemetry.
        telemetry: z
          .object({
            metrics: z
              .object({ address: endpointSchema.nullable().default('0.0.0.0:8888') })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
        // Slow-client timeouts of every HTTP listener (http-server-limits.ts).
        http_server: httpServerLimitsSchema,
        pipelines: z
          .record(
            z.string(),
            z.object({ receivers: idList.min(1).optional(), processors: idList.optional(), exporters: idList.min(1).optional() }).strict(),
          )
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** One defined component: its id, its factory and the config its schema returned. */
export interface ComponentConfig {
  readonly id: ComponentId;
  readonly factory: AnyFactory;
  readonly config: unknown;
}

export interface PipelineConfig {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

export interface SkeinConfig {
  /** Defined components by section and id text; each config as its factory's schema returned it. */
  readonly receivers: Readonly<Record<string, ComponentConfig>>;
  readonly processors: Readonly<Record<string, ComponentConfig>>;
  readonly exporters: Readonly<Record<string, ComponentConfig>>;
  readonly connectors: Readonly<Record<string, ComponentConfig>>;
  readonly extensions: Readonly<Record<string, ComponentConfig>>;
  readonly storage: StorageConfig;
  readonly security: SecurityConfig;
  readonly service: {
    /** Extensions to start (all-in-one; the roles pick from them, see service-graph.ts). */
    readonly extensions: readonly string[];
    readonly telemetry: { readonly metrics: { readonly address: string | null } };
    /** Slow-client timeouts the host applies to every HTTP listener. */
    readonly http_server: HttpServerLimits;
    /** By pipeline id: `traces` or `traces/<name>`; `logs` or `logs/<name>` (the id's type is the signal). */
    readonly pipelines: Readonly<Record<string, PipelineConfig>>;
  };
}

/** Validates a raw config object (from YAML, after flag/env overrides); throws one ConfigError listing every problem. */
export function validateConfig(raw: unknown, source: string): SkeinConfig {
  const problems: string[] = [];
  let input = raw ?? {};
  // Moved with the component registry: refused with a pointer rather than as an unknown key.
  if (typeof input === 'object' && 'query' in input) {
    problems.push(`query: moved: write extensions.query.endpoint instead (got ${JSON.stringify(input.query)})`);
    const { query: _moved, ...rest } = input as Record<string, unknown>;
    input = rest;
  }
  const parsed = fileSchema.safeParse(input);
  if (!parsed.success) {
    problems.push(...configProblems('', parsed.error.issues, raw));
    // Report the components' problems too, so one run shows every mistake.
    for (const name of Object.keys(SECTIONS) as Section[]) {
      const written = (raw as Record<string, unknown>)[name];
      if (typeof written === 'object' && written !== null && !Array.isArray(written)) {
        defineSection(name, written as Record<string, unknown>, problems);
      }
    }
    throw ConfigError.ofProblems(`invalid configuration in ${source}`, problems);
  }
  const file = parsed.data;
  const components = {} as Record<Section, Record<string, ComponentConfig>>;
  for (const name of Object.keys(SECTIONS) as Section[]) {
    components[name] = defineSection(name, file[name] ?? {}, problems);
  }
  // Health checks listen where the query API does (the collector role's port) unless written.
  const query = components.extensions['query'];
  const health = components.extensions['health'];
  if (query && health && (file.extensions ?? {})['health'] === undefined) {
    components.extensions['health'] = { ...health, config: { endpoint: (query.config as { endpoint: string }).endpoint } };
  }

  // The sampling API's `/api/sampling` answers on the query port unless written.
  const sampling = Object.values(components.extensions).filter((c) => c.id.type === 'sampling');
  for (const component of sampling) {
    const written = (file.extensions ?? {})[component.id.text] as Record<string, unknown> | null | undefined;
    if (query && (written ?? {})['query_endpoint'] === undefined) {
      const endpoint = (query.config as { endpoint: string }).endpoint;
      components.extensions[component.id.text] = { ...component, config: { ...(component.config as object), query_endpoint: endpoint } };
    }
  }

  // Zipkin's API answers where the Zipkin receiver listens (one Zipkin server answers both),
  // and only where there is one, unless written.
  if ((file.extensions ?? {})['zipkin'] === undefined && components.extensions['zipkin']) {
    const receiver = components.receivers['zipkin'];
    if (receiver) {
      const endpoint = (receiver.config as { endpoint: string }).endpoint;
      const zipkin = components.extensions['zipkin'];
      components.extensions['zipkin'] = { ...zipkin, config: { ...(zipkin.config as object), endpoint } };
    } else {
      delete components.extensions['zipkin'];
    }
  }

  const service = file.service;
  const extensions = service.extensions ?? ['query', 'zipkin', 'tempo', 'sampling'].filter((id) => id in components.extensions);
  checkIds(extensions, 'service.extensions', 'extension', [components.extensions], problems);
  const pipelines: Record<string, PipelineConfig> = {};
  for (const [pipelineId, written] of Object.entries(service.pipelines ?? defaultPipelines(components))) {
    const key = `service.pipelines.${pipelineId}`;
    const id = parseComponentId(pipelineId);
    if (id?.type === 'logs') {
      const pipeline = logsPipeline(written, components, key, problems);
      if (pipeline) pipelines[pipelineId] = pipeline;
      continue;
    }
    if (id?.type !== 'traces') {
      problems.push(
        `${key}: unknown pipeline ${JSON.stringify(pipelineId)} (Skein has traces pipelines: traces or traces/<name>, and logs pipelines: logs or logs/<name>)`,
      );
      continue;
    }
    // Left out, a list is the defaults that are still defined (`zipkin: null` drops zipkin); the
    // metrics tap is placed by withMetricsTap, written or not.
    const defaults = (name: Section): string[] =>
      DEFAULT_COMPONENTS[name].filter((dflt) => dflt in components[name] && dflt !== METRICS_TAP);
    const pipeline: PipelineConfig = withMetricsTap(
      {
        receivers: written.receivers ?? defaults('receivers'),
        processors: written.processors ?? defaults('processors'),
        exporters: written.exporters ?? defaults('exporters'),
      },
      components,
      key,
      problems,
    );
    for (const field of ['receivers', 'exporters'] as const) {
      if (pipeline[field].length === 0) problems.push(`${key}.${field}: a pipeline needs at least one (its defaults were set to null)`);
    }
    checkIds(pipeline.receivers, `${key}.receivers`, 'receiver', [components.receivers, components.connectors], problems);
    checkIds(pipeline.processors, `${key}.processors`, 'processor', [components.processors], problems);
    checkIds(pipeline.exporters, `${key}.exporters`, 'exporter', [components.exporters, components.connectors], problems);
    pipelines[pipelineId] = pipeline;
  }
  followedSamplers(pipelines, components, problems);
  if (problems.length > 0) throw ConfigError.ofProblems(`invalid configuration in ${source}`, problems);
  return {
    ...components,
    storage: file.storage,
    security: file.security,
    service: { extensions, telemetry: service.telemetry, http_server: service.http_server, pipelines },
  };
}

type WrittenPipeline = { receivers?: string[] | undefined; processors?: string[] | undefined; exporters?: string[] | undefined };

/**
 * Without `service.pipelines`, the all-in-one's traces pipeline, and a logs pipeline (issue 17)
 * when there is something to build it from: the default `otlp` receiver and `storage` exporter.
 * A file that writes `service.pipelines` gets exactly the pipelines it writes, as the Collector does.
 */
function defaultPipelines(components: Record<Section, Record<string, ComponentConfig>>): Record<string, WrittenPipeline> {
  const logsPossible = components.receivers['otlp']?.id.type === 'otlp' && components.exporters['storage']?.id.type === 'storage';
  return logsPossible ? { traces: {}, logs: {} } : { traces: {} };
}

/** What a logs pipeline takes by default: the defaults that are defined and know logs (no metrics tap: it counts spans). */
const DEFAULT_LOGS_COMPONENTS: Readonly<Record<'receivers' | 'processors' | 'exporters', readonly string[]>> = {
  receivers: ['otlp'],
  processors: ['memory_limiter', 'redaction'],
  exporters: ['storage'],
};

/**
 * A logs pipeline: every id defined, and of a type that handles logs (a receiver listing 'logs'
 * in its signals, a processor or exporter with `createLogs`). Each logs processor is built once
 * here (building starts nothing) so that what it refuses on logs is a config error with its key.
 */
function logsPipeline(
  written: WrittenPipeline,
  components: Record<Section, Record<string, ComponentConfig>>,
  key: string,
  problems: string[],
): PipelineConfig | undefined {
  const defaults = (name: 'receivers' | 'processors' | 'exporters'): string[] =>
    DEFAULT_LOGS_COMPONENTS[name].filter((id) => id in components[name]);
  const pipeline: PipelineConfig = {
    receivers: written.receivers ?? defaults('receivers'),
    processors: written.processors ?? defaults('processors'),
    exporters: written.exporters ?? defaults('exporters'),
  };
  const before = problems.length;
  for (const field of ['receivers', 'exporters'] as const) {
    if (pipeline[field].length === 0) problems.push(`${key}.${field}: a pipeline needs at least one (its defaults were set to null)`);
  }
  checkIds(pipeline.receivers, `${key}.receivers`, 'receiver', [components.receivers, components.connectors], problems);
  checkIds(pipeline.processors, `${key}.processors`, 'processor', [components.processors], problems);
  checkIds(pipeline.exporters, `${key}.exporters`, 'exporter', [components.exporters, components.connectors], problems);
  if (problems.length > before) return undefined;
  pipeline.receivers.forEach((id, index) => {
    const receiver = components.receivers[id];
    const factory = receiver?.factory as { signals?: readonly string[] } | undefined;
    if (!(factory?.signals ?? ['traces']).includes('logs')) {
      problems.push(`${key}.receivers.${index}: "${id}" does not receive logs (receivers with logs: otlp)`);
    }
  });
  pipeline.processors.forEach((id, index) => {
    const processor = components.processors[id]!;
    const factory = processor.factory as { createLogs?: (settings: unknown, config: unknown) => unknown };
    if (factory.createLogs === undefined) {
      problems.push(
        `${key}.processors.${index}: "${id}" does not process logs (for logs: attributes, batch, filter, memory_limiter, redaction, tail_sampling)`,
      );
      return;
    }
    try {
      factory.createLogs({ id: processor.id, logger: SILENT, metrics: undefined }, processor.config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  });
  pipeline.exporters.forEach((id, index) => {
    const factory = components.exporters[id]?.factory as { createLogs?: unknown } | undefined;
    if (factory?.createLogs === undefined) problems.push(`${key}.exporters.${index}: "${id}" does not export logs (for logs: storage)`);
  });
  return pipeline;
}

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * `tail_sampling` in a logs pipeline makes logs follow the decisions the same processor makes in a
 * traces pipeline (collector/sampling/logs-sampling-stage.ts): without one, it would have none.
 */
function followedSamplers(
  pipelines: Readonly<Record<string, PipelineConfig>>,
  components: Record<Section, Record<string, ComponentConfig>>,
  problems: string[],
): void {
  const isLogs = (pipelineId: string): boolean => pipelineId === 'logs' || pipelineId.startsWith('logs/');
  const inTraces = new Set(Object.entries(pipelines).flatMap(([pipelineId, pipeline]) => (isLogs(pipelineId) ? [] : pipeline.processors)));
  for (const [pipelineId, pipeline] of Object.entries(pipelines)) {
    if (!isLogs(pipelineId)) continue;
    pipeline.processors.forEach((id, index) => {
      if (components.processors[id]?.id.type === 'tail_sampling' && !inTraces.has(id)) {
        problems.push(
          `service.pipelines.${pipelineId}.processors.${index}: "${id}" makes logs follow the decisions it makes in a traces pipeline, and no traces pipeline lists it`,
        );
      }
    });
  }
}

/** The id the metrics tap is defined under by default. */
const METRICS_TAP = 'metrics_tap';
/** Processor types that drop spans by sampling: the metrics tap must see spans before them. */
const SAMPLING_TYPES: ReadonlySet<string> = new Set(['probabilistic_sampler', 'tail_sampling']);

/**
 * ARCHITECTURE decision 6: span metrics and the service graph see 100 % of traffic. A pipeline
 * that exports to a `storage` exporter gets the `metrics_tap` processor right before its first
 * sampling stage (at the end when it has none), whether or not the file names it; a pipeline that
 * lists a tap keeps it where written, which must be before every sampler. `metrics_tap: null` (or
 * `enabled: false`) turns it off; a forwarding pipeline gets no tap unless it lists one.
 */
function withMetricsTap(
  pipeline: PipelineConfig,
  components: Record<Section, Record<string, ComponentConfig>>,
  key: string,
  problems: string[],
): PipelineConfig {
  const typeOf = (id: string): string | undefined => components.processors[id]?.id.type;
  const firstSampler = pipeline.processors.findIndex((id) => SAMPLING_TYPES.has(typeOf(id) ?? ''));
  const taps = pipeline.processors.flatMap((id, index) => (typeOf(id) === METRICS_TAP ? [index] : []));
  if (taps.length > 0) {
    for (const index of taps) {
      if (firstSampler !== -1 && index > firstSampler) {
        problems.push(
          `${key}.processors.${index}: "${pipeline.processors[index]}" must come before the sampling stage "${pipeline.processors[firstSampler]}" (the metrics tap counts 100 % of spans)`,
        );
      }
    }
    return pipeline;
  }
  const tap = components.processors[METRICS_TAP];
  if (tap?.id.type !== METRICS_TAP) return pipeline;
  if (!pipeline.exporters.some((id) => components.exporters[id]?.id.type === 'storage')) return pipeline;
  const at = firstSampler === -1 ? pipeline.processors.length : firstSampler;
  return { ...pipeline, processors: [...pipeline.processors.slice(0, at), METRICS_TAP, ...pipeline.processors.slice(at)] };
}

/** Parses one section: every written id through its factory, plus the defaults not written. */
function defineSection(name: Section, written: Record<string, unknown>, problems: string[]): Record<string, ComponentConfig> {
  const defined: Record<string, ComponentConfig> = {};
  for (const idText of DEFAULT_COMPONENTS[name]) {
    if (!(idText in written)) defined[idText] = parseComponentConfig(SECTIONS[name], idText, {});
  }
  for (const [idText, raw] of Object.entries(written)) {
    if (raw === null && DEFAULT_COMPONENTS[name].includes(idText)) continue;
    try {
      defined[idText] = parseComponentConfig(SECTIONS[name], idText, raw);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  return defined;
}

/**
 * Looks `<kind>s.<idText>` up in the registry and validates `raw` with the factory's schema (null
 * or nothing: its defaults). Throws a ConfigError naming each bad key and value.
 */
export function parseComponentConfig(kind: ComponentKind, idText: string, raw: unknown): ComponentConfig {
  const key = `${kind}s.${idText}`;
  const id = parseComponentId(idText);
  if (!id) throw new ConfigError(`${key}: not a component id (expected type or type/name)`, key);
  const factory = factoryOf(kind, id.type);
  if (!factory) {
    const message = `${key}: unknown ${kind} type "${id.type}" (known: ${knownTypes(kind).join(', ') || 'none yet'})`;
    throw new ConfigError(message, key);
  }
  const parsed = factory.configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw ConfigError.ofProblems(`invalid ${key}`, configProblems(key, parsed.error.issues, raw));
  }
  return { id, factory, config: parsed.data };
}

/** Every id must be defined in one of `defined`, once. */
function checkIds(
  ids: readonly string[],
  key: string,
  kind: ComponentKind,
  defined: readonly Record<string, ComponentConfig>[],
  problems: string[],
): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) problems.push(`${key}.${index}: ${kind} "${id}" is listed twice`);
    seen.add(id);
    if (!defined.some((section) => id in section)) problems.push(`${key}.${index}: ${kind} "${id}" is not defined under ${kind}s`);
  });
}

/** The config file as a mapping (an empty file is an empty config). */
export function readConfigFile(path: string): Record<string, unknown> {
  const parsed = readYamlFile(path, 'config file');
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a YAML mapping at the top level`);
  }
  return parsed as Record<string, unknown>;
}
