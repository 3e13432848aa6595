/** The decision cache: bounded LRU per decision, so late spans follow recent decisions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecisionCache } from '../../src/collector/sampling/decision-cache.js';

test('remembers the policy of sampled traces and "not sampled" separately, each bounded', () => {
  const cache = new DecisionCache(2, 1);
  cache.put('a', 'errors');
  cache.put('b', 'slow');
  cache.put('x', false);
  assert.equal(cache.get('a'), 'errors');
  assert.equal(cache.get('x'), false);
  assert.equal(cache.get('unknown'), undefined);
  cache.put('c', 'errors'); // evicts the least recently used sampled entry: b (a was just read)
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 'errors');
  cache.put('y', false); // the non-sampled cache holds one
  assert.equal(cache.get('x'), undefined);
  assert.equal(cache.size, 3);
});

test('a new decision for a trace replaces the old one; size 0 turns a cache off', () => {
  const cache = new DecisionCache(0, 10);
  cache.put('a', 'errors');
  assert.equal(cache.get('a'), undefined, 'sampled cache off');
  cache.put('a', false);
  assert.equal(cache.get('a'), false);
  const both = new DecisionCache(10, 10);
  both.put('t', false);
  both.put('t', 'errors');
  assert.equal(both.get('t'), 'errors');
  assert.deepEqual([...both.entries()], [['t', 'errors']]);
});
