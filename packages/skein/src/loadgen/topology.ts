import { z } from 'zod';
import { ConfigError } from '../model/config-error.js';
import { readYamlFile } from '../model/yaml-file.js';

/**
 * The topology a load generator walks: services, the operations they serve, and which operation
 * calls which. Loaded from YAML or JSON (`--topology FILE`), or the built-in e-commerce system
 * (default-topology.ts). Keys are snake_case like Skein's own configuration.
 *
 * Attribute values are literals (an integer becomes an OTLP int, any other number a double) or
 * generators:
 *   { one_of: [a, b, c], weights: [8, 1, 1] }     a choice, optionally weighted
 *   { int: [min, max] } / { double: [min, max] }   uniform numbers
 *   { template: "user-{n}", max: 50000, skew: 1 }  `{n}` is an integer in 1..max, skewed towards
 *       small values (hot keys); `{some.key}` is the value of an attribute computed earlier on the
 *       same span, or on the server span a client span wraps (so a client's url.full can repeat
 *       its server's url.path).
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const generatedValue = z.union([
  scalar,
  z
    .object({ one_of: z.array(scalar).min(1, 'needs at least one value'), weights: z.array(z.number().nonnegative()).optional() })
    .strict()
    .refine((v) => v.weights === undefined || v.weights.length === v.one_of.length, 'weights must have one entry per one_of value'),
  z
    .object({ int: z.tuple([z.number().int(), z.number().int()]) })
    .strict()
    .refine((v) => v.int[0] <= v.int[1], 'int: [min, max] needs min <= max'),
  z
    .object({ double: z.tuple([z.number(), z.number()]) })
    .strict()
    .refine((v) => v.double[0] <= v.double[1], 'double: [min, max] needs min <= max'),
  z.object({ template: z.string(), max: z.number().int().positive().default(1000), skew: z.number().min(0).default(0) }).strict(),
]);
export type GeneratedValue = z.infer<typeof generatedValue>;
export type GeneratedValueInput = z.input<typeof generatedValue>;

const attributes = z.record(z.string().min(1), generatedValue).default({});

const latency = z
  .object({ median_ms: z.number().positive(), p99_ms: z.number().positive() })
  .strict()
  .refine((v) => v.p99_ms >= v.median_ms, 'p99_ms must be >= median_ms');

const call = z
  .object({
    /** The id of the called operation (a key of `operations`). */
    to: z.string().min(1),
    probability: z.number().min(0).max(1).default(1),
    /** How many times the call is made: [min, max], drawn uniformly. */
    repeat: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .default([1, 1])
      .refine((r) => r[0] <= r[1], 'repeat: [min, max] needs min <= max'),
    /** Consecutive parallel calls start together; the caller waits for the slowest. */
    parallel: z.boolean().default(false),
    /** The callee starts after the caller ends (a queue consumer) and links back to the caller. */
    async: z.boolean().default(false),
  })
  .strict();

const spanEvent = z.object({ name: z.string().min(1), probability: z.number().min(0).max(1).default(1), attributes }).strict();

const operation = z
  .object({
    service: z.string().min(1),
    name: z.string().min(1),
    kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer']),
    /** Instrumentation scope name; default the service's. */
    scope: z.string().min(1).optional(),
    /** The operation's own time; its span also covers its calls. */
    latency: latency.default({ median_ms: 2, p99_ms: 20 }),
    attributes,
    /** Share of spans that fail (status ERROR + exception event); default the topology's error_rate. */
    error_rate: z.number().min(0).max(1).optional(),
    /** Attribute overrides on a failed span, e.g. http.response.status_code: { one_of: [500, 503] }. */
    error_attributes: attributes,
    exception_types: z.array(z.string().min(1)).min(1).default(['Error']),
    events: z.array(spanEvent).default([]),
    calls: z.array(call).default([]),
    /**
     * When set, a call from another service goes through a CLIENT span of the caller (name and
     * attributes below) that wraps this operation's span, as HTTP/gRPC instrumentation records it.
     */
    client: z
      .object({ name: z.string().min(1), attributes })
      .strict()
      .optional(),
  })
  .strict();
export type TopologyOperation = z.infer<typeof operation>;

const service = z
  .object({
    /** Resource attributes besides service.name and the per-instance ones. */
    attributes: z.record(z.string().min(1), scalar).default({}),
    /** Distinct resources (service.instance.id, host.name) the spans of this service come from. */
    instances: z.number().int().min(1).max(1000).default(2),
    scope: z
      .object({ name: z.string().min(1), version: z.string().default('') })
      .strict()
      .optional(),
  })
  .strict();

const root = z
  .object({
    operation: z.string().min(1),
    weight: z.number().positive().default(1),
    /** A large root (1k+ spans) is picked in `large_trace_share` of the traces, the others otherwise. */
    large: z.boolean().default(false),
  })
  .strict();

export const topologySchema = z
  .object({
    name: z.string().default('custom'),
    error_rate: z.number().min(0).max(1).default(0.01),
    large_trace_share: z.number().min(0).max(1).default(0.002),
    /** Ordinary traces stop adding calls at this many spans; large ones at max_large_trace_spans. */
    max_spans_per_trace: z.number().int().min(1).default(60),
    max_large_trace_spans: z.number().int().min(1).max(100_000).default(5000),
    /** Added to every span after its operation's own attributes (thread, process details…). */
    common_attributes: attributes,
    services: z.record(z.string().min(1), service).refine((s) => Object.keys(s).length > 0, 'needs at least one service'),
    operations: z.record(z.string().min(1), operation).refine((o) => Object.keys(o).length > 0, 'needs at least one operation'),
    roots: z.array(root).min(1, 'needs at least one root operation'),
  })
  .strict();
export type Topology = z.infer<typeof topologySchema>;
export type TopologyInput = z.input<typeof topologySchema>;

/**
 * An invalid topology file: a ConfigError (the topology configures what loadgen sends), so `main`
 * prints it without a stack; its own name so tests and callers can tell it from a flag error.
 */
export class TopologyError extends ConfigError {
  override readonly name: string = 'TopologyError';
}

/** Validates a raw topology; errors name every bad key and the value found there. */
export function validateTopology(raw: unknown, source = 'topology'): Topology {
  const result = topologySchema.safeParse(raw);
  if (!result.success) {
    throw TopologyError.ofIssues(`invalid topology in ${source}`, '', result.error.issues, raw);
  }
  const problems = crossReferenceProblems(result.data);
  if (problems.length > 0) {
    throw TopologyError.ofProblems(`invalid topology in ${source}`, problems);
  }
  return result.data;
}

/** Loads a `.yaml`/`.yml`/`.json` topology file (YAML parses JSON too). */
export function loadTopologyFile(path: string): Topology {
  return validateTopology(readYamlFile(path, 'topology file'), path);
}

/** What the schema cannot see: dangling references, cycles (infinite traces), template keys. */
function crossReferenceProblems(topology: Topology): string[] {
  const problems: string[] = [];
  const operations = topology.operations;
  for (const [id, op] of Object.entries(operations)) {
    if (topology.services[op.service] === undefined) {
      problems.push(`operations.${id}.service: unknown service ${JSON.stringify(op.service)} (not a key of services)`);
    }
    op.calls.forEach((c, i) => {
      if (operations[c.to] === undefined) problems.push(`operations.${id}.calls.${i}.to: unknown operation ${JSON.stringify(c.to)}`);
    });
  }
  topology.roots.forEach((r, i) => {
    if (operations[r.operation] === undefined) problems.push(`roots.${i}.operation: unknown operation ${JSON.stringify(r.operation)}`);
  });
  if (!topology.roots.some((r) => !r.large)) problems.push('roots: needs at least one root that is not large');
  if (problems.length > 0) return problems;

  // Depth-first search for a call cycle, which would make every trace through it infinite.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): string | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path, id].join(' -> ');
    state.set(id, 'visiting');
    for (const c of operations[id]!.calls) {
      const cycle = visit(c.to, [...path, id]);
      if (cycle !== undefined) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(operations)) {
    const cycle = visit(id, []);
    if (cycle !== undefined) {
      problems.push(`operations: call cycle ${cycle} (a trace through it would never end)`);
      break;
    }
  }
  return problems;
}
