import { SpanKind, StatusCode, type InstrumentationScope, type KeyValue, type Resource, type Span } from '../model/span.js';
import { DEFAULT_TENANT } from '../model/tenant.js';
import { compileAttributes, evaluateAttributes, type AttributeLookup, type AttributeMaker } from './attribute-values.js';
import { Random } from './random.js';
import type { Topology, TopologyOperation } from './topology.js';

/**
 * Walks a topology into traces. Everything random comes from one seeded {@link Random}, and time
 * from a virtual clock that starts at `startTimeUnixNano`, so the same seed, start time and
 * topology give the same spans, byte for byte once encoded.
 *
 * Shape guarantees (checked by the tests): one root per trace; every parent is in the trace;
 * a child starts and ends inside its parent, except async consumers, which start after their
 * producer ended and link back to it.
 */

export interface GeneratorOptions {
  seed: number;
  startTimeUnixNano: bigint;
  /** Mean gap between trace starts on the virtual clock (exponentially distributed). Default 1 ms. */
  meanTraceIntervalNanos?: number;
  /** Overrides the topology's `large_trace_share`. */
  largeTraceShare?: number;
}

const KIND: Record<TopologyOperation['kind'], SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** W3C "sampled" plus OTLP's has-is-remote bit, and is-remote when the parent is in another process. */
const FLAGS_LOCAL_PARENT = 0x101;
const FLAGS_REMOTE_PARENT = 0x301;

const FAILURE_REASONS = [
  'connection reset by peer',
  'deadline exceeded after 5000 ms',
  'upstream returned 503 Service Unavailable',
  'deadlock detected',
  'too many connections',
  'unexpected end of JSON input',
  'card declined by issuer',
  'null reference in response mapping',
];

interface CompiledCall {
  target: CompiledOperation;
  probability: number;
  repeat: readonly [number, number];
  parallel: boolean;
  async: boolean;
}

interface CompiledOperation {
  id: string;
  service: string;
  name: string;
  kind: SpanKind;
  scope: InstrumentationScope;
  resources: Resource[];
  medianMs: number;
  p99Ms: number;
  attributes: AttributeMaker[];
  errorAttributes: AttributeMaker[];
  errorRate: number;
  exceptionTypes: readonly string[];
  events: { name: string; probability: number; attributes: AttributeMaker[] }[];
  calls: CompiledCall[];
  client: { name: string; attributes: AttributeMaker[] } | undefined;
}

/** Per-trace state: the spans so far and the budget that keeps ordinary traces small. */
interface TraceContext {
  traceId: string;
  startNanos: bigint;
  spans: Span[];
  limit: number;
}

export class TraceGenerator {
  private readonly random: Random;
  private readonly roots: { ops: CompiledOperation[]; cumulative: number[] };
  private readonly largeRoots: { ops: CompiledOperation[]; cumulative: number[] };
  private readonly common: AttributeMaker[];
  private readonly largeShare: number;
  private readonly meanInterval: number;
  private clockNanos: bigint;
  tracesGenerated = 0;
  spansGenerated = 0;

  constructor(
    private readonly topology: Topology,
    options: GeneratorOptions,
  ) {
    this.random = new Random(options.seed);
    this.clockNanos = options.startTimeUnixNano;
    this.meanInterval = options.meanTraceIntervalNanos ?? 1_000_000;
    this.largeShare = options.largeTraceShare ?? topology.large_trace_share;
    this.common = compileAttributes(topology.common_attributes);
    const operations = compileOperations(topology);
    const rootsOf = (large: boolean): { ops: CompiledOperation[]; cumulative: number[] } => {
      let sum = 0;
      const chosen = topology.roots.filter((r) => r.large === large);
      return { ops: chosen.map((r) => operations.get(r.operation)!), cumulative: chosen.map((r) => (sum += r.weight)) };
    };
    this.roots = rootsOf(false);
    this.largeRoots = rootsOf(true);
  }

  /** The next trace: all its spans, root first. */
  nextTrace(): Span[] {
    const random = this.random;
    const large = this.largeRoots.ops.length > 0 && random.chance(this.largeShare);
    const roots = large ? this.largeRoots : this.roots;
    const root = roots.ops[random.weightedIndex(roots.cumulative)]!;
    const context: TraceContext = {
      traceId: random.hexId(16),
      startNanos: this.clockNanos,
      spans: [],
      limit: large ? this.topology.max_large_trace_spans : this.topology.max_spans_per_trace,
    };
    this.emitOperation(context, root, undefined, 0, undefined);
    // Exponential gaps: arrivals of independent users form a Poisson process.
    this.clockNanos += BigInt(Math.round(-Math.log(1 - random.next()) * this.meanInterval));
    this.tracesGenerated++;
    this.spansGenerated += context.spans.length;
    return context.spans;
  }

  /** Mean spans per trace over a sample drawn from a separate stream (for rate planning). */
  static meanSpansPerTrace(topology: Topology, sample = 300, largeTraceShare?: number): number {
    const generator = new TraceGenerator(topology, {
      seed: 0x5eed,
      startTimeUnixNano: 1n,
      ...(largeTraceShare === undefined ? {} : { largeTraceShare }),
    });
    for (let i = 0; i < sample; i++) generator.nextTrace();
    return generator.spansGenerated / sample;
  }

  private newSpan(context: TraceContext, parent: Span | undefined, remoteParent: boolean, resource: Resource): Span {
    const span: Span = {
      traceId: context.traceId,
      spanId: this.random.hexId(8),
      parentSpanId: parent?.spanId ?? '',
      traceState: '',
      flags: remoteParent ? FLAGS_REMOTE_PARENT : FLAGS_LOCAL_PARENT,
      name: '',
      kind: SpanKind.INTERNAL,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: [],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: StatusCode.UNSET, message: '' },
      resource,
      scope: parent?.scope ?? EMPTY_SCOPE,
    };
    context.spans.push(span);
    return span;
  }

  private nanos(context: TraceContext, offsetMs: number): bigint {
    // Rounding is monotonic, so "inside the parent" in milliseconds stays true in nanoseconds.
    return context.startNanos + BigInt(Math.round(offsetMs * 1e6));
  }

  /** Emits one operation's span (and its subtree); returns its end, in ms from the trace start. */
  private emitOperation(
    context: TraceContext,
    op: CompiledOperation,
    parent: Span | undefined,
    startMs: number,
    producer: Span | undefined,
  ): number {
    const random = this.random;
    const resource = random.pick(op.resources);
    const remote = parent !== undefined && serviceOfSpan(parent) !== op.service;
    const span = this.newSpan(context, parent, remote, resource);
    span.name = op.name;
    span.kind = op.kind;
    span.scope = op.scope;
    evaluateAttributes(op.attributes, random, span.attributes);
    evaluateAttributes(this.common, random, span.attributes);
    const failed = random.chance(op.errorRate);
    if (failed) evaluateAttributes(op.errorAttributes, random, span.attributes);

    const selfMs = random.logNormal(op.medianMs, op.p99Ms);
    // Some work happens before the first call (parsing, auth checks…), the rest after the last.
    let cursor = startMs + selfMs * 0.3 * random.next();
    let groupEnd = cursor;
    let inGroup = false;
    const deferred: CompiledOperation[] = [];
    outer: for (const call of op.calls) {
      if (!random.chance(call.probability)) continue;
      const times = random.int(call.repeat[0], call.repeat[1]);
      for (let i = 0; i < times; i++) {
        if (context.spans.length >= context.limit) break outer;
        if (call.async) {
          deferred.push(call.target);
        } else if (call.parallel) {
          if (!inGroup) groupEnd = cursor;
          inGroup = true;
          groupEnd = Math.max(groupEnd, this.emitCall(context, span, op.service, call.target, cursor + random.next() * 0.2));
        } else {
          if (inGroup) cursor = groupEnd;
          inGroup = false;
          cursor = this.emitCall(context, span, op.service, call.target, cursor + 0.02 + random.next() * 0.1);
        }
      }
    }
    if (inGroup) cursor = groupEnd;
    const endMs = Math.max(startMs + selfMs, cursor + selfMs * 0.1 * random.next());

    span.startTimeUnixNano = this.nanos(context, startMs);
    span.endTimeUnixNano = this.nanos(context, endMs);
    if (producer !== undefined) {
      span.links.push({
        traceId: producer.traceId,
        spanId: producer.spanId,
        traceState: '',
        attributes: [],
        droppedAttributesCount: 0,
        flags: FLAGS_REMOTE_PARENT,
      });
    }
    for (const event of op.events) {
      if (!random.chance(event.probability)) continue;
      const attributes: KeyValue[] = [];
      evaluateAttributes(event.attributes, random, attributes, lookupIn(span.attributes));
      span.events.push({
        timeUnixNano: this.nanos(context, startMs + random.next() * (endMs - startMs)),
        name: event.name,
        attributes,
        droppedAttributesCount: 0,
      });
    }
    if (failed) this.fail(context, span, random.pick(op.exceptionTypes), startMs, endMs, `${random.pick(FAILURE_REASONS)}`);

    // Queue consumers: start after the producer ended, after a queueing delay with its own tail.
    for (const target of deferred) {
      if (context.spans.length >= context.limit) break;
      this.emitOperation(context, target, span, endMs + random.logNormal(4, 80), span);
    }
    return endMs;
  }

  /** A call to another operation: through a CLIENT span when it crosses services and declares one. */
  private emitCall(context: TraceContext, caller: Span, callerService: string, target: CompiledOperation, startMs: number): number {
    if (target.client === undefined || target.service === callerService || context.spans.length + 2 > context.limit) {
      return this.emitOperation(context, target, caller, startMs, undefined);
    }
    const random = this.random;
    const client = this.newSpan(context, caller, false, caller.resource);
    client.name = target.client.name;
    client.kind = SpanKind.CLIENT;
    client.scope = caller.scope;
    const serverIndex = context.spans.length;
    const networkMs = random.logNormal(0.25, 3);
    const serverEnd = this.emitOperation(context, target, client, startMs + networkMs, undefined);
    const endMs = serverEnd + random.logNormal(0.25, 3);
    const server = context.spans[serverIndex]!;
    evaluateAttributes(target.client.attributes, random, client.attributes, lookupIn(server.attributes));
    evaluateAttributes(this.common, random, client.attributes);
    client.startTimeUnixNano = this.nanos(context, startMs);
    client.endTimeUnixNano = this.nanos(context, endMs);
    if (server.status.code === StatusCode.ERROR) {
      this.fail(context, client, 'RemoteCallError', startMs, endMs, `${target.service} answered: ${server.status.message}`);
    }
    return endMs;
  }

  private fail(context: TraceContext, span: Span, exceptionType: string, startMs: number, endMs: number, reason: string): void {
    const message = `${exceptionType}: ${reason}`;
    span.status = { code: StatusCode.ERROR, message };
    span.events.push({
      timeUnixNano: this.nanos(context, endMs - (endMs - startMs) * 0.05),
      name: 'exception',
      attributes: [
        { key: 'exception.type', value: exceptionType },
        { key: 'exception.message', value: reason },
        {
          key: 'exception.stacktrace',
          value: `${message}\n    at ${span.name} (${serviceOfSpan(span)}/handler:${42 + (span.name.length % 200)})`,
        },
      ],
      droppedAttributesCount: 0,
    });
  }
}

const EMPTY_SCOPE: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

function lookupIn(attributes: readonly KeyValue[]): AttributeLookup {
  return (key) => attributes.find((kv) => kv.key === key)?.value;
}

/** service.name is always the first resource attribute of the resources built here. */
function serviceOfSpan(span: Span): string {
  const first = span.resource.attributes[0];
  return typeof first?.value === 'string' ? first.value : '';
}

function compileOperations(topology: Topology): Map<string, CompiledOperation> {
  const resources = new Map<string, Resource[]>();
  const scopes = new Map<string, InstrumentationScope>();
  const scopeOf = (name: string, version: string): InstrumentationScope => {
    const key = `${name}@${version}`;
    let scope = scopes.get(key);
    if (scope === undefined) scopes.set(key, (scope = { name, version, attributes: [], droppedAttributesCount: 0, schemaUrl: '' }));
    return scope;
  };
  // Instance IDs come from a fixed stream: they must not change with the seed of the traffic.
  const instanceRandom = new Random(0x1d);
  for (const [name, service] of Object.entries(topology.services)) {
    const list: Resource[] = [];
    for (let i = 0; i < service.instances; i++) {
      const pod = `${instanceRandom.hexId(8).slice(0, 10)}-${instanceRandom.hexId(8).slice(0, 5)}`;
      const attributes: KeyValue[] = [
        { key: 'service.name', value: name },
        { key: 'service.instance.id', value: `${name}-${pod}` },
        { key: 'host.name', value: `${name}-${pod}` },
      ];
      for (const [key, value] of Object.entries(service.attributes)) {
        attributes.push({ key, value: typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value });
      }
      list.push({ tenant: DEFAULT_TENANT, attributes, droppedAttributesCount: 0, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
    }
    resources.set(name, list);
  }

  const compiled = new Map<string, CompiledOperation>();
  for (const [id, op] of Object.entries(topology.operations)) {
    const serviceScope = topology.services[op.service]?.scope;
    compiled.set(id, {
      id,
      service: op.service,
      name: op.name,
      kind: KIND[op.kind],
      scope: scopeOf(op.scope ?? serviceScope?.name ?? `${op.service}-instrumentation`, serviceScope?.version ?? '1.0.0'),
      resources: resources.get(op.service)!,
      medianMs: op.latency.median_ms,
      p99Ms: op.latency.p99_ms,
      attributes: compileAttributes(op.attributes),
      errorAttributes: compileAttributes(op.error_attributes),
      errorRate: op.error_rate ?? topology.error_rate,
      exceptionTypes: op.exception_types,
      events: op.events.map((e) => ({ name: e.name, probability: e.probability, attributes: compileAttributes(e.attributes) })),
      calls: [],
      client: op.client === undefined ? undefined : { name: op.client.name, attributes: compileAttributes(op.client.attributes) },
    });
  }
  for (const [id, op] of Object.entries(topology.operations)) {
    compiled.get(id)!.calls = op.calls.map((c) => ({
      target: compiled.get(c.to)!,
      probability: c.probability,
      repeat: c.repeat,
      parallel: c.parallel,
      async: c.async,
    }));
  }
  return compiled;
}
