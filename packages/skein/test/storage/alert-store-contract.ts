import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TENANT, parseTenantId } from '../../src/model/tenant.js';
import type { ContractEnvironment } from './trace-store-contract.js';

/**
 * The alerts half of the storage contract (schema v7), run on every engine: the latest version of
 * a rule, a state or a silence wins, a deleted rule is gone, history is newest first, tenants stay
 * apart, and a lease's newest epoch is won by the least holder name.
 */
export function runAlertStoreContract(name: string, environment: ContractEnvironment): void {
  describe(`${name}: alert store contract`, () => {
    test('rules, states, history, silences and the lease', async () => {
      const store = await environment.openStore(environment.newDatabase());
      try {
        const a = store.alerts.forTenant(DEFAULT_TENANT);
        const b = store.alerts.forTenant(parseTenantId('tenant-b'));
        await a.putRule('p99', '{"v":1}');
        await a.putRule('p99', '{"v":2}');
        await a.putRule('gone', '{}');
        await a.deleteRule('gone');
        await b.putRule('theirs', '{"b":1}');
        assert.deepEqual(
          (await a.listRules()).map((r) => [r.id, r.definition]),
          [['p99', '{"v":2}']],
        );
        assert.deepEqual(
          (await b.listRules()).map((r) => r.id),
          ['theirs'],
        );
        assert.deepEqual((await store.alerts.tenantsWithRules()).sort(), [DEFAULT_TENANT, 'tenant-b']);

        const state = { ruleId: 'p99', state: 'pending', activeSinceMs: 1_000, changedAtMs: 1_000, notified: '', detail: '{"value":1}' };
        await a.putState(state);
        await a.putState({ ...state, state: 'firing', changedAtMs: 2_000, notified: 'firing', detail: '{"value":2}' });
        assert.deepEqual(await a.listStates(), [
          { ruleId: 'p99', state: 'firing', activeSinceMs: 1_000, changedAtMs: 2_000, notified: 'firing', detail: '{"value":2}' },
        ]);
        assert.deepEqual(await b.listStates(), []);
        await a.appendHistory({ ruleId: 'p99', atMs: 1_000, state: 'pending', detail: '{}' });
        await a.appendHistory({ ruleId: 'p99', atMs: 2_000, state: 'firing', detail: '{}' });
        assert.deepEqual(
          (await a.history('p99', 10)).map((e) => [e.atMs, e.state]),
          [
            [2_000, 'firing'],
            [1_000, 'pending'],
          ],
        );
        assert.equal((await a.history(undefined, 1)).length, 1);
        assert.deepEqual(await b.history(undefined, 10), []);
        await a.putSilence('p99', 5_000);
        await a.putSilence('p99', 0);
        assert.deepEqual([...(await a.silences())], [['p99', 0]]);

        assert.equal(await store.alerts.readLease('evaluator'), undefined);
        await store.alerts.writeLease('evaluator', { epoch: 1, holder: 'node-b', expiresMs: 10_000 });
        await store.alerts.writeLease('evaluator', { epoch: 1, holder: 'node-a', expiresMs: 9_000 });
        assert.deepEqual(await store.alerts.readLease('evaluator'), { epoch: 1, holder: 'node-a', expiresMs: 9_000 });
        await store.alerts.writeLease('evaluator', { epoch: 1, holder: 'node-a', expiresMs: 12_000 });
        await store.alerts.writeLease('evaluator', { epoch: 2, holder: 'node-c', expiresMs: 20_000 });
        assert.deepEqual(await store.alerts.readLease('evaluator'), { epoch: 2, holder: 'node-c', expiresMs: 20_000 });
      } finally {
        await store.close();
      }
    });
  });
}
