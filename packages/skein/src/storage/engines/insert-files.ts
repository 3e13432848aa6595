import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Files that carry one insert's rows to embedded chDB (ChdbEngine.insertRowBinary). They live in
 * a directory of this process, `skein-chdb-insert-<pid>-…`, in /dev/shm where it exists (memory:
 * nothing needs them after a crash, so nothing should reach a disk), else, or when /dev/shm is full
 * or closed to us (a container's is 64 MiB by default), in the OS temp directory. Every insert has
 * a file of its own and removes it once its statement has returned. A process killed mid-insert
 * leaves its directory behind; the next process sweeps directories whose process is gone.
 */

const PREFIX = 'skein-chdb-insert-';
const BASES = existsSync('/dev/shm') ? ['/dev/shm', tmpdir()] : [tmpdir()];
/** Errors after which the next base directory is tried. */
const FULL_OR_DENIED = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS']);

const directories = new Map<string, Promise<string>>();
let sequence = 0;

/** Writes `rows` to a new file no other insert of any process uses; returns its path. */
export async function writeInsertFile(rows: Buffer): Promise<string> {
  let lastError: unknown;
  for (const base of BASES) {
    let file: string | undefined;
    try {
      file = join(await directoryIn(base), `${++sequence}-${randomBytes(4).toString('hex')}.rowbinary`);
      await writeFile(file, rows, { flag: 'wx' });
      return file;
    } catch (error) {
      if (file !== undefined) await rm(file, { force: true });
      if (!FULL_OR_DENIED.has(String((error as NodeJS.ErrnoException).code))) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** Removes this process's directories (their files are removed by their inserts); a later insert makes new ones. */
export async function removeInsertDirectories(): Promise<void> {
  const made = [...directories.values()];
  directories.clear();
  for (const dir of made) await rm(await dir.catch(() => ''), { recursive: true, force: true });
}

function directoryIn(base: string): Promise<string> {
  let dir = directories.get(base);
  if (dir === undefined) {
    dir = sweep(base).then(() => mkdtemp(join(base, `${PREFIX}${process.pid}-`)));
    // A failure is not kept: the next insert tries again.
    dir.catch(() => directories.delete(base));
    directories.set(base, dir);
  }
  return dir;
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
