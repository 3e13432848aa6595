import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TENANT, InvalidTenantError, isTenantId, parseTenantId } from '../../src/model/tenant.js';

test('tenant IDs: letters, digits, - _ . and 1..64 characters', () => {
  assert.equal(DEFAULT_TENANT, 'single-tenant');
  for (const valid of ['a', 'single-tenant', 'Team_42.prod', 'x'.repeat(64), '...']) {
    assert.equal(parseTenantId(valid), valid);
    assert.equal(isTenantId(valid), true, valid);
  }
  for (const invalid of ['', 'x'.repeat(65), 'a/b', 'a b', 'tenant\n', "a'b", 'ünï', '.', '..', 'a\u0000']) {
    assert.throws(
      () => parseTenantId(invalid),
      (e: unknown) => e instanceof InvalidTenantError && e.message.includes('invalid tenant ID'),
      JSON.stringify(invalid),
    );
    assert.equal(isTenantId(invalid), false, JSON.stringify(invalid));
  }
});
