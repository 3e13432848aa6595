/**
 * The consistent-hash ring behind the load balancer: even shares, and the property that makes it
 * worth having, that a change of backends moves only the keys it must.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHashRing, hashKey } from '../../src/collector/exporters/consistent-hash-ring.js';
import { randomTraceId } from '../support/span-factory.js';

const KEYS = Array.from({ length: 40_000 }, () => randomTraceId());

function owners(ring: ConsistentHashRing): Map<string, string> {
  return new Map(KEYS.map((key) => [key, ring.lookup(key)!]));
}

test('each of 4 backends gets about a quarter of random trace IDs', () => {
  const ring = new ConsistentHashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317', '10.0.0.4:4317']);
  const counts = new Map<string, number>();
  for (const owner of owners(ring).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  assert.equal(counts.size, 4);
  for (const [backend, count] of counts) {
    const share = count / KEYS.length;
    assert.ok(share > 0.2 && share < 0.3, `${backend} got ${(share * 100).toFixed(1)}% of the keys`);
  }
});

test('adding a 4th backend moves about 1/4 of the keys, all of them to the new backend', () => {
  const three = owners(new ConsistentHashRing(['a:4317', 'b:4317', 'c:4317']));
  const four = owners(new ConsistentHashRing(['a:4317', 'b:4317', 'c:4317', 'd:4317']));
  let moved = 0;
  for (const key of KEYS) {
    if (three.get(key) === four.get(key)) continue;
    moved++;
    assert.equal(four.get(key), 'd:4317', 'a key only ever moves to the backend that was added');
  }
  const share = moved / KEYS.length;
  assert.ok(share > 0.18 && share < 0.32, `moved ${(share * 100).toFixed(1)}% of the keys, expected about 25%`);
});

test('removing a backend moves only the keys it owned', () => {
  const before = owners(new ConsistentHashRing(['a:4317', 'b:4317', 'c:4317', 'd:4317']));
  const after = owners(new ConsistentHashRing(['a:4317', 'b:4317', 'd:4317']));
  let moved = 0;
  for (const key of KEYS) {
    if (before.get(key) !== 'c:4317') assert.equal(after.get(key), before.get(key));
    else moved++;
  }
  assert.ok(moved > 0);
});

test('the ring depends only on the set of members, not on their order (every collector routes alike)', () => {
  const one = new ConsistentHashRing(['b:1', 'a:1', 'c:1']);
  const other = new ConsistentHashRing(['c:1', 'b:1', 'a:1', 'a:1']);
  for (const key of KEYS.slice(0, 2000)) assert.equal(one.lookup(key), other.lookup(key));
  assert.deepEqual(one.members, ['a:1', 'b:1', 'c:1']);
});

test('an empty ring owns nothing; a one-member ring owns everything', () => {
  assert.equal(new ConsistentHashRing([]).lookup('x'), undefined);
  const single = new ConsistentHashRing(['only:4317']);
  for (const key of KEYS.slice(0, 100)) assert.equal(single.lookup(key), 'only:4317');
});

test('similar service names are spread over the ring', () => {
  const ring = new ConsistentHashRing(['a:1', 'b:1', 'c:1', 'd:1']);
  const used = new Set(Array.from({ length: 64 }, (_, i) => ring.lookup(`service-${i}`)));
  assert.equal(used.size, 4);
  assert.notEqual(hashKey('service-1'), hashKey('service-2'));
});
