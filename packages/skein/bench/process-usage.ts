/**
 * CPU time and memory of another process, read from Linux /proc, for benchmarks that run Skein as
 * a separate process. /proc counts every thread of the process, so chDB's native insert and merge
 * threads are included in the CPU time and in the RSS, which `process.cpuUsage()` inside Skein
 * would not tell apart from the JavaScript thread anyway.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/PID/stat: 100 on every Linux we run, but asked. */
const CLOCK_TICKS = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

export interface ProcessUsage {
  /** User + system CPU seconds since the process started (all threads). */
  cpuSeconds: number;
  /** Resident set size now (VmRSS), MiB. */
  rssMiB: number;
  /** Peak resident set size so far (VmHWM, the kernel's high-water mark), MiB. */
  peakRssMiB: number;
}

/** Usage of `pid`, or undefined when the process is gone (or this is not Linux). */
export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    // The command name (field 2) may contain spaces; the fields after its closing paren are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 12 and 13 after the name.
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { cpuSeconds, rssMiB: statusMiB(status, 'VmRSS'), peakRssMiB: statusMiB(status, 'VmHWM') };
  } catch {
    return undefined;
  }
}

function statusMiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? NaN : Number(match[1]) / 1024;
}

/**
 * CPU seconds per thread name of `pid` (from /proc/PID/task/TID/{comm,stat}): the main thread
 * (named after the executable, e.g. `node`) apart from chDB's engine threads (ClickHouse names its
 * pools: `QueryPipelineEx`, `MergeMutate`, …), libuv's pool (`libuv-worker`) and V8's helpers
 * (`V8 DefaultWorke`). Threads that ended are missing: subtract two samples taken while it runs.
 */
export function threadUsage(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const name = tid === String(pid) ? 'main thread' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}
