/**
 * CPU time and memory of another process, read from Linux /proc, for benchmarks that run Skein as
 * a separate process. /proc counts every thread of the process, so chDB's native insert and merge
 * threads are included in the CPU time and in the RSS, which `process.cpuUsage()` inside Skein
 * would not tell apart from the JavaScript thread anyway.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
