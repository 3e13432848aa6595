import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, fromStorage, readingStorage } from '../../src/query/api-error.js';
import { StorageError } from '../../src/storage/trace-store.js';

test('fromStorage: every storage error is a 503 naming the engine reason; other errors pass unchanged', async () => {
  for (const code of ['unavailable', 'rejected', 'schema'] as const) {
    const mapped = fromStorage(new StorageError(code, 'clickhouse query failed: Code: 210. Connection refused'));
    assert.ok(mapped instanceof ApiError);
    assert.equal(mapped.status, 503);
    assert.equal(mapped.code, 'storage_unavailable');
    assert.equal(mapped.message, 'storage error: clickhouse query failed: Code: 210. Connection refused');
  }
  const notFound = new ApiError('not_found', 'trace 1 not found');
  assert.equal(fromStorage(notFound), notFound);
  const bug = new TypeError('x is undefined');
  assert.equal(fromStorage(bug), bug);
  assert.equal(await readingStorage(Promise.resolve(7)), 7);
  await assert.rejects(readingStorage(Promise.reject(new StorageError('unavailable', 'down'))), { name: 'ApiError', status: 503 });
  await assert.rejects(readingStorage(Promise.reject(bug)), (error: unknown) => error === bug);
});
