import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { removeInsertDirectories, writeInsertFile } from '../../src/storage/engines/insert-files.js';

test("insert files: a file per insert in this process's directory; a killed process's directory is swept", async () => {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  // A process that has ended: its directory is what a kill -9 mid-insert leaves behind.
  const ended = spawnSync(process.execPath, ['-e', ''], { timeout: 10_000 });
  assert.equal(ended.status, 0);
  const left = join(base, `skein-chdb-insert-${ended.pid}-test`);
  mkdirSync(left, { recursive: true });
  writeFileSync(join(left, '1-half.rowbinary'), Buffer.from([1, 2]));
  // Another running process's directory (this test's parent) is kept.
  const running = join(base, `skein-chdb-insert-${process.ppid}-test`);
  mkdirSync(running, { recursive: true });
  try {
    const first = await writeInsertFile(Buffer.from('one'));
    const second = await writeInsertFile(Buffer.from('two'));
    assert.notEqual(first, second);
    assert.equal(readFileSync(first, 'utf8'), 'one');
    assert.equal(readFileSync(second, 'utf8'), 'two');
    assert.equal(dirname(first), dirname(second));
    assert.ok(dirname(first).startsWith(join(base, `skein-chdb-insert-${process.pid}-`)), first);
    assert.equal(existsSync(left), false, 'the ended process directory is swept');
    assert.equal(existsSync(running), true, 'a running process directory is kept');
    await removeInsertDirectories();
    assert.equal(existsSync(dirname(first)), false);
  } finally {
    for (const dir of [left, running]) rmSync(dir, { recursive: true, force: true });
  }
});
