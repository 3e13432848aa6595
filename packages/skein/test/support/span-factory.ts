import { randomBytes } from 'node:crypto';
import type { InstrumentationScope, Resource, Span } from '../../src/model/span.js';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';

export function randomTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function randomSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function makeResource(serviceName: string, extra: Resource['attributes'] = []): Resource {
  return {
    tenant: DEFAULT_TENANT,
    attributes: [{ key: 'service.name', value: serviceName }, ...extra],
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}

export function makeScope(name = 'test-scope'): InstrumentationScope {
  return { name, version: '1.0.0', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

const NOW_NANO = BigInt(Date.now()) * 1_000_000n;

/** A valid span (recent, 1 ms long) with any field overridden. */
export function makeSpan(overrides: Partial<Span> = {}): Span {
  const start = overrides.startTimeUnixNano ?? NOW_NANO - 60_000_000_000n;
  return {
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: 'test-span',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_000_000n,
    attributes: [{ key: 'test.index', value: 1n }],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource: makeResource('test-service'),
    scope: makeScope(),
    ...overrides,
  };
}
