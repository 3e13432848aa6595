import { z } from 'zod';
import { ConfigError } from '../../model/config-error.js';
import { durationMillisSchema } from '../../model/duration-schema.js';

/**
 * Configuration of the forwarding exporters, in the OpenTelemetry Collector's shape and key names
 * (otlpexporter, otlphttpexporter, loadbalancingexporter, exporterhelper's `retry_on_failure` and
 * `sending_queue`), so a Collector config carries over. Unknown keys are errors; defaults are the
 * Collector's. Durations are Go duration strings (model/duration-schema.ts), parsed to milliseconds.
 */

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected host:port, e.g. backend-1:4317')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port must be 0..65535');

/** A load-balancing backend: `host:port`, or a bare host on the OTLP/gRPC port (the Collector's `endpointWithPort`). */
const backendHost = z
  .string()
  .transform((value) => (value.includes(':') ? value : `${value}:4317`))
  .pipe(hostPort);

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');

const grpcEndpoint = z.union([hostPort, httpUrl], { message: 'expected host:port or an http(s):// URL, e.g. backend-1:4317' });

const positiveInt = z.number().int().positive();

const compression = z.enum(['gzip', 'none'], { message: 'expected gzip or none' }).default('gzip');

const headers = z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a header name'), z.string()).default({});

const tls = z
  .object({
    /** Plain text (no TLS), as in the Collector; an http:// endpoint implies it. */
    insecure: z.boolean().default(false),
    ca_file: z.string().min(1).optional(),
    insecure_skip_verify: z.boolean().default(false),
  })
  .strict()
  .prefault({});

const retryOnFailure = z
  .object({
    enabled: z.boolean().default(true),
    initial_interval: durationMillisSchema.default(5_000),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(1).default(1.5),
    max_interval: durationMillisSchema.default(30_000),
    /** 0: never give up. Applies to the in-memory queue; the on-disk queue retries until delivered. */
    max_elapsed_time: durationMillisSchema.default(300_000),
  })
  .strict()
  .prefault({});

const sendingQueue = z
  .object({
    enabled: z.boolean().default(true),
    num_consumers: positiveInt.max(1_000).default(10),
    queue_size: positiveInt.default(1_000),
    /** What queue_size counts: batches (`requests`, the Collector's default) or spans (`items`). */
    sizer: z.enum(['requests', 'items'], { message: 'expected requests or items' }).default('requests'),
    /**
     * The Collector names a storage extension here (`file_storage`); Skein has its own on-disk
     * queue under <data_dir>/collector-state, so any value switches it on.
     */
    storage: z.string().min(1).optional(),
    /** Skein's own spelling of the same switch. */
    persistent: z.boolean().default(false),
  })
  .strict()
  .prefault({});

/** Keys every OTLP exporter has, apart from where it sends. */
const otlpCommon = {
  compression,
  headers,
  retry_on_failure: retryOnFailure,
  sending_queue: sendingQueue,
};

export const otlpExporterSchema = z
  .object({
    endpoint: grpcEndpoint,
    timeout: durationMillisSchema.default(5_000),
    tls,
    ...otlpCommon,
  })
  .strict();

export const otlpHttpExporterSchema = z
  .object({
    /** Base URL; `/v1/traces` is appended. */
    endpoint: httpUrl.optional(),
    /** Full traces URL, used as is (wins over endpoint). */
    traces_endpoint: httpUrl.optional(),
    encoding: z.enum(['proto', 'json'], { message: 'expected proto or json' }).default('proto'),
    timeout: durationMillisSchema.default(30_000),
    tls,
    ...otlpCommon,
  })
  .strict()
  .refine((config) => config.endpoint !== undefined || config.traces_endpoint !== undefined, {
    message: 'needs endpoint (base URL) or traces_endpoint',
  });

/** `protocol.otlp` of the load balancer: an otlp exporter without endpoint (the resolver gives those). */
const loadBalancedOtlpSchema = z
  .object({
    timeout: durationMillisSchema.default(5_000),
    tls,
    ...otlpCommon,
  })
  .strict();

export const loadBalancingExporterSchema = z
  .object({
    routing_key: z.enum(['traceID', 'service'], { message: 'expected traceID or service' }).default('traceID'),
    protocol: z
      .object({ otlp: loadBalancedOtlpSchema.prefault({}) })
      .strict()
      .prefault({}),
    resolver: z
      .object({
        static: z
          .object({ hostnames: z.array(backendHost).min(1, 'needs at least one host:port') })
          .strict()
          .optional(),
        dns: z
          .object({
            hostname: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a host name'),
            port: z.number().int().min(1).max(65_535).default(4317),
            interval: durationMillisSchema.default(5_000),
            timeout: durationMillisSchema.default(1_000),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((resolver) => (resolver.static === undefined) !== (resolver.dns === undefined), {
        message: 'needs exactly one of static or dns',
      }),
  })
  .strict();

export type OtlpExporterConfig = z.infer<typeof otlpExporterSchema>;
export type OtlpHttpExporterConfig = z.infer<typeof otlpHttpExporterSchema>;
export type LoadBalancedOtlpConfig = z.infer<typeof loadBalancedOtlpSchema>;
export type LoadBalancingExporterConfig = z.infer<typeof loadBalancingExporterSchema>;

export type ExporterConfig =
  | { type: 'otlp'; config: OtlpExporterConfig }
  | { type: 'otlphttp'; config: OtlpHttpExporterConfig }
  | { type: 'loadbalancing'; config: LoadBalancingExporterConfig };

/** The types `exporters:` may define besides `storage` (an id is `type` or `type/name`). */
export const FORWARDING_EXPORTER_TYPES = ['otlp', 'otlphttp', 'loadbalancing'] as const;

/** Parses one `exporters.<id>` section; a ConfigError reports every problem with its full key and value. */
export function parseExporterConfig(id: string, raw: unknown): ExporterConfig {
  const type = id.split('/', 1)[0]!;
  // The Collector renamed `loadbalancing` to `load_balancing`; both spellings are accepted.
  const normalised = type === 'load_balancing' ? 'loadbalancing' : type;
  const schema =
    normalised === 'otlp'
      ? otlpExporterSchema
      : normalised === 'otlphttp'
        ? otlpHttpExporterSchema
        : normalised === 'loadbalancing'
          ? loadBalancingExporterSchema
          : undefined;
  if (schema === undefined) {
    throw new ConfigError(
      `exporters.${id}: unknown exporter type "${type}" (known: storage, ${FORWARDING_EXPORTER_TYPES.join(', ')})`,
      `exporters.${id}`,
    );
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) throw ConfigError.ofIssues(`invalid exporters.${id} config`, `exporters.${id}`, parsed.error.issues, raw ?? {});
  return { type: normalised, config: parsed.data } as ExporterConfig;
}
