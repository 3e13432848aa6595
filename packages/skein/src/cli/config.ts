import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { createPipelineStep } from '../collector/processors/index.js';
import { ExporterConfigError, parseExporterConfig } from '../collector/exporters/exporter-config.js';

/**
 * Skein's configuration: a YAML file in the OpenTelemetry Collector's shape (receivers,
 * exporters, service.pipelines) plus Skein's own `storage` and `query` sections. Validated once,
 * at start-up; every error names the key and the bad value. Unknown keys are errors, so a typo
 * never silently falls back to a default.
 */

const endpoint = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]*):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:4318')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port must be 0..65535');

const positiveInt = z.number().int().positive();

/**
 * Admission control of a receiver (the OTel Arrow receiver's key names): bytes of request bodies
 * being read, decoded or waiting for the pipeline, across the receiver's requests; past it, 429 /
 * RESOURCE_EXHAUSTED with a retry hint. A request alone may always be served.
 */
const admission = z
  .object({ request_limit_mib: positiveInt.max(65_536).default(128) })
  .strict()
  .prefault({});

const configSchema = z
  .object({
    receivers: z
      .object({
        otlp: z
          .object({
            protocols: z
              .object({
                grpc: z
                  .object({ endpoint: endpoint.default('0.0.0.0:4317'), max_recv_msg_size_mib: positiveInt.max(1024).default(64) })
                  .strict()
                  .nullable()
                  .optional(),
                http: z
                  .object({
                    endpoint: endpoint.default('0.0.0.0:4318'),
                    max_request_body_size: positiveInt.default(64 * 1024 * 1024),
                    cors: z
                      .object({
                        allowed_origins: z.array(z.string().min(1)).min(1),
                        allowed_headers: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name')).default([]),
                        max_age: z.number().int().min(0).default(7200),
                      })
                      .strict()
                      .optional(),
                  })
                  .strict()
                  .nullable()
                  .optional(),
              })
              .strict()
              .prefault({ grpc: {}, http: {} }),
            admission,
          })
          .strict()
          .prefault({}),
        // Zipkin (:9411): on unless set to null (or left out of service.pipelines.traces.receivers).
        zipkin: z
          .object({ endpoint: endpoint.default('0.0.0.0:9411'), max_request_body_size: positiveInt.default(64 * 1024 * 1024), admission })
          .strict()
          .nullable()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    processors: z.record(z.string(), z.unknown()).default({}),
    exporters: z
      .object({
        storage: z
          .object({
            max_batch_spans: positiveInt.default(20_000),
            max_queued_spans: positiveInt.default(200_000),
            max_concurrent_writes: positiveInt.max(64).default(1),
            retry_after_millis: positiveInt.default(1_000),
          })
          .strict()
          .prefault({}),
      })
      // Forwarding exporters (otlp, otlphttp, loadbalancing, or type/name of one) are validated by
      // their own schemas in the superRefine below.
      .catchall(z.unknown())
      .prefault({}),
    storage: z
      .object({
        engine: z.enum(['chdb', 'clickhouse']).default('chdb'),
        data_dir: z.string().min(1).default('./data'),
        url: z.string().url().optional(),
        database: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier')
          .default('skein'),
        retention_days: z.number().int().min(1).max(36_500).optional(),
      })
      .strict()
      .prefault({}),
    query: z
      .object({ endpoint: endpoint.default('0.0.0.0:16686') })
      .strict()
      .prefault({}),
    service: z
      .object({
        // Skein's own metrics (Prometheus text on /metrics), as the Collector's service.telemetry.
        telemetry: z
          .object({
            metrics: z
              .object({ address: endpoint.nullable().default('0.0.0.0:8888') })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
        pipelines: z
          .object({
            traces: z
              .object({
                receivers: z
                  .array(z.enum(['otlp', 'zipkin']))
                  .min(1)
                  .default(['otlp', 'zipkin']),
                processors: z.array(z.string()).default(['redaction']),
                exporters: z.array(z.string().min(1)).min(1).default(['storage']),
              })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    // Processors are validated by their own schemas; `redaction` is defined by default (on unless
    // removed from the pipeline), every other processor in the pipeline must be defined.
    for (const [id, raw] of Object.entries(config.processors)) {
      try {
        createPipelineStep(id, raw);
      } catch (error) {
        context.addIssue({ code: 'custom', path: [], message: (error as Error).message });
      }
    }
    config.service.pipelines.traces.processors.forEach((id, index) => {
      if (!(id in config.processors) && id !== 'redaction') {
        context.addIssue({
          code: 'custom',
          path: ['service', 'pipelines', 'traces', 'processors', index],
          message: `processor "${id}" is not defined under processors`,
        });
      }
    });
    // Exporters: `storage` is defined by default; every other one listed must be defined, and every
    // one defined must be valid (even if unused: a typo should not wait until it is switched on).
    for (const [id, raw] of Object.entries(config.exporters)) {
      if (id === 'storage') continue;
      try {
        parseExporterConfig(id, raw);
      } catch (error) {
        const problems = error instanceof ExporterConfigError ? error.problems : [(error as Error).message];
        for (const message of problems) context.addIssue({ code: 'custom', path: [], message });
      }
    }
    const listedExporters = new Set<string>();
    config.service.pipelines.traces.exporters.forEach((id, index) => {
      const path = ['service', 'pipelines', 'traces', 'exporters', index];
      if (listedExporters.has(id)) context.addIssue({ code: 'custom', path, message: `exporter "${id}" is listed twice` });
      listedExporters.add(id);
      if (id !== 'storage' && !(id in config.exporters)) {
        context.addIssue({ code: 'custom', path, message: `exporter "${id}" is not defined under exporters` });
      }
    });
    if (config.storage.engine === 'clickhouse' && config.storage.url === undefined) {
      context.addIssue({ code: 'custom', path: ['storage', 'url'], message: 'is required when storage.engine is clickhouse' });
    }
  });

export type SkeinConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a raw config object (from YAML, after flag/env overrides). */
export function validateConfig(raw: unknown, source: string): SkeinConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const value = valueAt(raw, issue.path);
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    const message =
      issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    if (issue.path.length === 0 && issue.code === 'custom') return `  ${issue.message}`;
    return `  ${key}: ${message}${issue.code === 'unrecognized_keys' ? '' : shown}`;
  });
  throw new ConfigError(`invalid configuration in ${source}:\n${lines.join('\n')}`);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`config file ${path} must hold a YAML mapping at the top level`);
  return parsed as Record<string, unknown>;
}

/** Splits `host:port` (IPv6 hosts in brackets) for listen(). */
export function parseEndpoint(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(value.slice(colon + 1)) };
}
