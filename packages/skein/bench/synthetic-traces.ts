/**
 * Deterministic trace-shaped spans for the ingest benchmark: 16-span traces across 6 services
 * with realistic attribute cardinality (routes, status codes, user IDs, db statements). A simple
 * stand-in until `skein loadgen` brings full topologies.
 */
import type { KeyValue, Resource, Span, SpanKind } from '../src/model/span.js';
import { DEFAULT_TENANT } from '../src/model/tenant.js';
import { seededRandom } from '../test/unit/fixtures/sample-spans.js';

export { seededRandom };

function hex(random: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

const SERVICES = ['gateway', 'auth', 'cart', 'catalog', 'pricing', 'payment'];
const ROUTES = ['/api/cart', '/api/cart/items', '/api/checkout', '/api/products/{id}', '/api/search', '/api/users/{id}'];

function resources(): Resource[] {
  return SERVICES.map((service, i) => ({
    tenant: DEFAULT_TENANT,
    attributes: [
      { key: 'service.name', value: service },
      { key: 'service.version', value: `2.${i}.1` },
      { key: 'service.instance.id', value: `${service}-7d9f8b-${i}x2` },
      { key: 'host.name', value: `node-${i}.cluster.local` },
      { key: 'deployment.environment', value: 'production' },
      { key: 'telemetry.sdk.language', value: 'nodejs' },
      { key: 'telemetry.sdk.version', value: '2.2.0' },
    ],
    droppedAttributesCount: 0,
    schemaUrl: '',
  }));
}

const SCOPE = { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

/** One trace of `spanCount` spans starting at `startNano`. */
export function syntheticTrace(random: () => number, startNano: bigint, spanCount = 16, res: Resource[] = RESOURCES): Span[] {
  const traceId = hex(random, 16);
  const route = ROUTES[Math.floor(random() * ROUTES.length)]!;
  const userId = `user-${Math.floor(random() * 100_000)}`;
  const error = random() < 0.01;
  const spans: Span[] = [];
  const rootDuration = BigInt(5_000_000 + Math.floor(random() * random() * 2_000_000_000));
  for (let i = 0; i < spanCount; i++) {
    const parent = i === 0 ? undefined : spans[Math.floor((i - 1) / 3)]!;
    const service = i === 0 ? 0 : 1 + ((i + Math.floor(random() * 2)) % (SERVICES.length - 1));
    const parentStart = parent?.startTimeUnixNano ?? startNano;
    const parentDuration = parent ? parent.endTimeUnixNano - parent.startTimeUnixNano : rootDuration;
    const start = parentStart + (parentDuration * BigInt(Math.floor(random() * 300))) / 1000n;
    const duration = (parentDuration * BigInt(100 + Math.floor(random() * 500))) / 1000n;
    const isDb = i % 4 === 3;
    const attributes: KeyValue[] = isDb
      ? [
          { key: 'db.system', value: 'postgresql' },
          { key: 'db.name', value: 'shop' },
          { key: 'db.operation', value: 'SELECT' },
          { key: 'db.statement', value: 'SELECT id, price FROM items WHERE cart_id = ?' },
          { key: 'server.address', value: 'pg-primary.cluster.local' },
          { key: 'server.port', value: 5432n },
          { key: 'db.rows_affected', value: BigInt(Math.floor(random() * 20)) },
          { key: 'net.peer.name', value: 'pg-primary' },
          { key: 'thread.id', value: BigInt(Math.floor(random() * 16)) },
          { key: 'code.function', value: 'loadItems' },
        ]
      : [
          { key: 'http.request.method', value: i % 5 === 0 ? 'POST' : 'GET' },
          { key: 'http.route', value: route },
          { key: 'url.path', value: route.replace('{id}', String(Math.floor(random() * 5000))) },
          { key: 'http.response.status_code', value: error && i === 0 ? 500n : 200n },
          { key: 'server.address', value: `${SERVICES[service]}.svc` },
          { key: 'server.port', value: 8080n },
          { key: 'network.protocol.version', value: '1.1' },
          { key: 'user_agent.original', value: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0' },
          { key: 'enduser.id', value: userId },
          { key: 'app.cart.items', value: BigInt(Math.floor(random() * 12)) },
          { key: 'app.cache.hit', value: random() < 0.7 },
          { key: 'app.ratio', value: Math.round(random() * 1000) / 1000 },
        ];
    spans.push({
      traceId,
      spanId: hex(random, 8),
      parentSpanId: parent?.spanId ?? '',
      traceState: '',
      flags: 1,
      name: isDb ? 'SELECT shop.items' : `${i % 5 === 0 ? 'POST' : 'GET'} ${route}`,
      kind: (i === 0 ? 2 : isDb ? 3 : i % 2 === 0 ? 2 : 3) as SpanKind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + (duration > 0n ? duration : 1000n),
      attributes,
      droppedAttributesCount: 0,
      events:
        i === 0 && error
          ? [
              {
                timeUnixNano: start + 1000n,
                name: 'exception',
                attributes: [{ key: 'exception.type', value: 'Error' }],
                droppedAttributesCount: 0,
              },
            ]
          : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: error && i === 0 ? { code: 2, message: 'upstream failed' } : { code: 0, message: '' },
      resource: res[service]!,
      scope: SCOPE,
    });
  }
  return spans;
}

const RESOURCES = resources();

/**
 * Whole traces from `generator` (e.g. loadgen's TraceGenerator) until `totalSpans`, cut into
 * batches of at least `batchSpans` spans (a trace is never split); the last batch may be empty.
 */
export function traceBatches(generator: { nextTrace(): Span[] }, totalSpans: number, batchSpans: number): Span[][] {
  const batches: Span[][] = [[]];
  let spans = 0;
  while (spans < totalSpans) {
    const trace = generator.nextTrace();
    spans += trace.length;
    batches[batches.length - 1]!.push(...trace);
    if (batches[batches.length - 1]!.length >= batchSpans) batches.push([]);
  }
  return batches;
}
