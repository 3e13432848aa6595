import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Files that carry one insert's rows to embedded chDB (ChdbEngine.insertRowBinary). They live in
 * a directory of this process, `skein-chdb-insert-<pid>-…`, in /dev/shm where it exists (memory:
 * nothing needs them after a crash, so nothing should reach a disk), else the OS temp directory.
 * Every insert has a file name of its own and removes its file when its statement has returned.
 * A process killed mid-insert leaves its directory behind; the next process sweeps directories
 * whose process is gone before it makes its own.
 */

const PREFIX = 'skein-chdb-insert-';

function baseDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

let directory: Promise<string> | undefined;
let sequence = 0;

/** A path no other insert of any process uses (the file is not created here). */
export async function newInsertFile(): Promise<string> {
  directory ??= makeDirectory().catch((error: unknown) => {
    directory = undefined;
    throw error;
  });
  const dir = await directory;
  return join(dir, `${++sequence}-${randomBytes(4).toString('hex')}.rowbinary`);
}

/** Removes this process's directory (its files are removed by their inserts); a later insert makes a new one. */
export async function removeInsertDirectory(): Promise<void> {
  const made = directory;
  directory = undefined;
  if (made === undefined) return;
  await rm(await made, { recursive: true, force: true });
}

async function makeDirectory(): Promise<string> {
  const base = baseDir();
  await sweep(base);
  return mkdtemp(join(base, `${PREFIX}${process.pid}-`));
}

/** Removes the directories of processes that no longer run (killed mid-insert). */
async function sweep(base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isRunning(pid)) continue;
    await rm(join(base, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
