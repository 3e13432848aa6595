import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUME_SUCCESS } from '../../src/collector/pipeline/consume-result.js';
import { GrpcCode, overloaded, retryAfterSeconds, statusOf, unavailable } from '../../src/collector/pipeline/consume-status.js';

test('the helper constructors build the two retryable results', () => {
  assert.deepEqual(overloaded('queue full', 1500), {
    outcome: 'retryable',
    reason: 'overloaded',
    message: 'queue full',
    retryAfterMillis: 1500,
  });
  assert.deepEqual(unavailable('storage down', 5000), {
    outcome: 'retryable',
    reason: 'unavailable',
    message: 'storage down',
    retryAfterMillis: 5000,
  });
});

test('statusOf: one mapping to HTTP status + Retry-After and gRPC code + RetryInfo delay', () => {
  assert.deepEqual(statusOf(CONSUME_SUCCESS), { httpStatus: 200, httpHeaders: {}, rpc: { code: GrpcCode.OK, message: '' } });
  assert.deepEqual(statusOf({ outcome: 'failure', message: 'bug' }), {
    httpStatus: 500,
    httpHeaders: {},
    rpc: { code: GrpcCode.INTERNAL, message: 'bug' },
  });
  assert.deepEqual(statusOf(overloaded('queue full', 1500)), {
    httpStatus: 429,
    httpHeaders: { 'Retry-After': '2' },
    rpc: { code: GrpcCode.RESOURCE_EXHAUSTED, message: 'queue full', retryAfterMillis: 1500 },
  });
  assert.deepEqual(statusOf(unavailable('storage down', 5000)), {
    httpStatus: 503,
    httpHeaders: { 'Retry-After': '5' },
    rpc: { code: GrpcCode.UNAVAILABLE, message: 'storage down', retryAfterMillis: 5000 },
  });
});

test('Retry-After is whole seconds, rounded up, never 0', () => {
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(retryAfterSeconds(1), 1);
  assert.equal(retryAfterSeconds(1000), 1);
  assert.equal(retryAfterSeconds(1001), 2);
});
