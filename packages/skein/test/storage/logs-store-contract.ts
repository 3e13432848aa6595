import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogRecord } from '../../src/model/log-record.js';
import type { InstrumentationScope, Resource } from '../../src/model/span.js';
import { DEFAULT_TENANT, parseTenantId, type TenantId } from '../../src/model/tenant.js';
import type { StoredLog } from '../../src/storage/logs-store.js';
import type { ContractEnvironment } from './trace-store-contract.js';

/**
 * The logs half of the storage contract (schema v6), run on every engine: every OTLP field and
 * every body type comes back exactly; the logs of a trace and of a span; search by service,
 * severity, time, attribute and body text; retried batches read once; tenants stay apart.
 */

const T0 = 1_700_000_000_000_000_000n;
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE = '1af7651916cd43dd8448eb211c80319d';
const SPAN_A = 'b7ad6b7169203331';
const SPAN_B = 'c7ad6b7169203332';

export function logResource(service: string, tenant: TenantId = DEFAULT_TENANT): Resource {
  return {
    tenant,
    attributes: [
      { key: 'service.name', value: service },
      { key: 'host.cores', value: 8n },
    ],
    droppedAttributesCount: 1,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  };
}

const SCOPE: InstrumentationScope = {
  name: 'payments-logger',
  version: '2.1.0',
  attributes: [{ key: 'scope.kind', value: 'app' }],
  droppedAttributesCount: 2,
  schemaUrl: 'https://example.com/scope-schema',
};

export function logRecord(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: T0 + 1_000n,
    observedTimeUnixNano: T0 + 2_345n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'card declined: insufficient funds',
    attributes: [
      { key: 'payment.id', value: 'pay-42' },
      { key: 'retry', value: 3n },
      { key: 'amount', value: 12.5 },
      { key: 'ok', value: false },
    ],
    droppedAttributesCount: 4,
    flags: 1,
    traceId: TRACE,
    spanId: SPAN_A,
    eventName: 'payment.failed',
    resource: logResource('payments'),
    scope: SCOPE,
    ...overrides,
  };
}

/** Every body type OTLP's AnyValue has, with edge values. */
export const BODIES: readonly LogRecord['body'][] = [
  'plain text with \t tab, \n newline, \\ backslash and ünïcödé',
  '',
  true,
  -9223372036854775808n,
  -0,
  Number.NaN,
  1.5e-300,
  new Uint8Array([0, 1, 254, 255]),
  ['a', 1n, [true, null], { kvlist: [{ key: 'k', value: 2.5 }] }],
  {
    kvlist: [
      { key: 'message', value: 'structured' },
      { key: 'nested', value: { kvlist: [{ key: 'x', value: new Uint8Array([7]) }] } },
    ],
  },
  null,
];

function withoutId(log: StoredLog): LogRecord {
  const { logId, ...rest } = log;
  assert.match(logId, /^[0-9a-f]{16}$/);
  return rest;
}

export function runLogsStoreContract(name: string, environment: ContractEnvironment): void {
  describe(`${name}: logs store contract`, () => {
    test('every field and every body type round-trips exactly; logs of a trace and of a span', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        const logs = BODIES.map((body, i) =>
          logRecord({ body, timeUnixNano: T0 + BigInt(i) * 1_000n, spanId: i % 2 === 0 ? SPAN_A : SPAN_B }),
        );
        const untraced = logRecord({ traceId: '', spanId: '', flags: 0, eventName: '', severityNumber: 9, severityText: 'INFO' });
        await store.writeLogs([...logs, untraced, logRecord({ traceId: OTHER_TRACE })]);
        const reader = store.forTenant(DEFAULT_TENANT);
        const read = await reader.getTraceLogs(TRACE);
        assert.equal(read.length, logs.length);
        assert.deepStrictEqual(read.map(withoutId), logs);
        const ofSpan = await reader.getTraceLogs(TRACE, { spanId: SPAN_B });
        assert.deepStrictEqual(
          ofSpan.map(withoutId),
          logs.filter((log) => log.spanId === SPAN_B),
        );
        assert.equal((await reader.getTraceLogs(TRACE, { limit: 2 })).length, 2);
        assert.deepStrictEqual(await reader.getTraceLogs('ffffffffffffffffffffffffffffffff'), []);
        // Per-span counts: one aggregate, every record counted (no limit applies).
        assert.deepStrictEqual(await reader.getTraceLogCounts(TRACE), [
          { spanId: SPAN_A, count: logs.filter((log) => log.spanId === SPAN_A).length },
          { spanId: SPAN_B, count: logs.filter((log) => log.spanId === SPAN_B).length },
        ]);
        assert.deepStrictEqual(await reader.getTraceLogCounts('ffffffffffffffffffffffffffffffff'), []);
      } finally {
        await store.close();
      }
    });

    test('search by service, severity, time, attribute and body text; retried batches read once; tenants apart', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        const b = parseTenantId('tenant-b');
        const batch = [
          logRecord({ timeUnixNano: T0 + 1n, severityNumber: 9, severityText: 'INFO', body: 'charging card 4111' }),
          logRecord({ timeUnixNano: T0 + 2n }),
          logRecord({ timeUnixNano: T0 + 3n, resource: logResource('checkout'), body: 'Card DECLINED by 100%_bank', severityNumber: 13 }),
          logRecord({ timeUnixNano: 0n, observedTimeUnixNano: T0 + 4n, attributes: [{ key: 'payment.id', value: 'pay-7' }] }),
          logRecord({ timeUnixNano: T0 + 5n, resource: logResource('payments', b), body: 'other tenant declined' }),
        ];
        await store.writeLogs(batch);
        await store.writeLogs(batch); // a retried batch
        const reader = store.forTenant(DEFAULT_TENANT);
        const window = { startTimeUnixNano: T0, endTimeUnixNano: T0 + 10n, attributes: [], limit: 100 };
        const times = (logs: StoredLog[]): bigint[] => logs.map((log) => log.timeUnixNano || log.observedTimeUnixNano);
        assert.deepStrictEqual(times(await reader.searchLogs(window)), [T0 + 4n, T0 + 3n, T0 + 2n, T0 + 1n]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, serviceName: 'checkout' })), [T0 + 3n]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, minSeverityNumber: 13 })), [T0 + 4n, T0 + 3n, T0 + 2n]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, startTimeUnixNano: T0 + 2n, endTimeUnixNano: T0 + 3n })), [
          T0 + 3n,
          T0 + 2n,
        ]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, attributes: [{ key: 'payment.id', value: 'pay-7' }] })), [
          T0 + 4n,
        ]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, attributes: [{ key: 'retry', value: '3' }] })), [
          T0 + 3n,
          T0 + 2n,
          T0 + 1n,
        ]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, bodyContains: 'declined' })), [T0 + 4n, T0 + 3n, T0 + 2n]);
        // LIKE's metacharacters are literal; case does not matter.
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, bodyContains: '100%_BANK' })), [T0 + 3n]);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, bodyContains: '100%%' })), []);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, traceId: OTHER_TRACE })), []);
        assert.deepStrictEqual(times(await reader.searchLogs({ ...window, limit: 1 })), [T0 + 4n]);
        assert.equal((await reader.getTraceLogs(TRACE)).length, 4);
        // The retried batch counts once; the other tenant's record of the same trace is its own.
        assert.deepStrictEqual(await reader.getTraceLogCounts(TRACE), [{ spanId: SPAN_A, count: 4 }]);
        assert.deepStrictEqual(await store.forTenant(b).getTraceLogCounts(TRACE), [{ spanId: SPAN_A, count: 1 }]);
        const other = await store.forTenant(b).searchLogs(window);
        assert.deepStrictEqual(
          other.map((log) => log.body),
          ['other tenant declined'],
        );
        assert.equal(other[0]!.resource.tenant, b);
        await assert.rejects(reader.searchLogs({ ...window, limit: 0 }), /limit/);
      } finally {
        await store.close();
      }
    });
  });
}
