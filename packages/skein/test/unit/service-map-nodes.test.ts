import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceMapOf } from '../../src/query/metrics-api.js';
import type { EdgeTotal, SeriesPoint } from '../../src/storage/metrics-store.js';

const point = (serviceName: string): SeriesPoint => ({
  serviceName,
  spanName: '',
  minute: 0,
  calls: 10,
  errors: 0,
  durationSumNanos: 1e8,
  histogramIndexes: [],
  histogramCounts: [],
});

const edge = (client: string, server: string, connectionType: string): EdgeTotal => ({
  client,
  server,
  connectionType,
  calls: 10,
  failed: 1,
  histogramIndexes: [],
  histogramCounts: [],
});

test('service map nodes: queues, databases and external peers without spans are virtual, consumers are services', () => {
  const map = serviceMapOf(
    [
      edge('checkout', 'shipping', 'messaging_system'),
      edge('checkout', 'orders-topic', 'messaging_system'),
      edge('checkout', 'orders', 'database'),
      edge('checkout', 'payments-legacy', 'virtual_node'),
      edge('frontend', 'checkout', ''),
      edge('user', 'frontend', 'virtual_node'),
    ],
    [point('frontend'), point('checkout'), point('shipping')],
    60,
  );
  const nodes = map.nodes as Array<{ name: string; virtual: boolean; type: string; rate: number }>;
  assert.deepEqual(
    nodes.map((n) => [n.name, n.virtual, n.type]),
    [
      ['checkout', false, 'service'],
      ['frontend', false, 'service'],
      ['orders', true, 'database'],
      ['orders-topic', true, 'messaging_system'],
      ['payments-legacy', true, 'virtual_node'],
      ['shipping', false, 'service'],
      ['user', true, 'user'],
    ],
  );
  // A virtual node's RED is its callers' view of it.
  assert.equal(nodes.find((n) => n.name === 'orders-topic')!.rate, 0.166667);
});
