import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessor } from '../support/build-step.js';
import type { AnyValue, Resource } from '../../src/model/span.js';
import { makeResource, makeSpan } from '../support/span-factory.js';

function asObject(resource: Resource): Record<string, AnyValue> {
  return Object.fromEntries(resource.attributes.map((kv) => [kv.key, kv.value]));
}

test('applies the actions to resource attributes', () => {
  const p = createProcessor('resource', {
    attributes: [
      { key: 'deployment.environment', value: 'production', action: 'upsert' },
      { key: 'host.ip', action: 'delete' },
      { key: 'service.instance.id', action: 'hash' },
    ],
  });
  const span = makeSpan({
    resource: makeResource('cart', [
      { key: 'host.ip', value: '10.0.0.1' },
      { key: 'service.instance.id', value: 'i-1' },
    ]),
  });
  p.process([span]);
  assert.deepEqual(Object.keys(asObject(span.resource)), ['service.name', 'service.instance.id', 'deployment.environment']);
  assert.equal(asObject(span.resource)['deployment.environment'], 'production');
  assert.match(String(asObject(span.resource)['service.instance.id']), /^[0-9a-f]{64}$/);
});

test('copy-on-write: the original Resource objects are untouched, spans sharing one still share its copy', () => {
  const p = createProcessor('resource', { attributes: [{ key: 'team', value: 'payments', action: 'insert' }] });
  const cart = makeResource('cart');
  const auth = makeResource('auth', [{ key: 'team', value: 'identity' }]);
  const cartSnapshot = structuredClone(cart);
  const authSnapshot = structuredClone(auth);
  const spans = [makeSpan({ resource: cart }), makeSpan({ resource: auth }), makeSpan({ resource: cart })];
  const other = makeSpan({ resource: cart }); // a span of another batch or pipeline
  p.process(spans);
  assert.deepEqual(cart, cartSnapshot);
  assert.deepEqual(auth, authSnapshot);
  assert.equal(other.resource, cart);
  assert.notEqual(spans[0]!.resource, cart);
  assert.equal(spans[0]!.resource, spans[2]!.resource, 'one copy per distinct resource');
  assert.equal(asObject(spans[0]!.resource)['team'], 'payments');
  // Unchanged resources are not copied.
  assert.equal(spans[1]!.resource, auth);
  assert.equal(asObject(spans[1]!.resource)['team'], 'identity');
});

test('from_attribute and convert on resources', () => {
  const p = createProcessor('resource', {
    attributes: [
      { key: 'k8s.pod.count', converted_type: 'int', action: 'convert' },
      { key: 'service.namespace', from_attribute: 'k8s.namespace.name', action: 'insert' },
    ],
  });
  const span = makeSpan({
    resource: makeResource('x', [
      { key: 'k8s.pod.count', value: '3' },
      { key: 'k8s.namespace.name', value: 'shop' },
    ]),
  });
  p.process([span]);
  assert.equal(asObject(span.resource)['k8s.pod.count'], 3n);
  assert.equal(asObject(span.resource)['service.namespace'], 'shop');
});

test('config requires attributes and rejects unknown keys', () => {
  assert.throws(() => createProcessor('resource', {}), /processors\.resource\.attributes/);
  assert.throws(() => createProcessor('resource', { attributes: [{ key: 'a', value: 1, action: 'upsert' }], actions: [] }), /actions/);
});
