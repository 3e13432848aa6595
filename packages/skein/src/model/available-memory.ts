import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/**
 * Memory this process may use: the cgroup limit when one is set (a container), else the machine's
 * physical memory. The base of every memory default (memory_limiter's percentages, chDB's cap).
 */
export function availableMemoryBytes(): number {
  return Math.min(totalmem(), cgroupMemoryLimit() ?? Number.POSITIVE_INFINITY);
}

/** cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`; undefined when unlimited or absent. */
function cgroupMemoryLimit(): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    const bytes = Number(text);
    // "max" (v2) or a page-rounded 2^63 (v1) mean no limit.
    return Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60 ? bytes : undefined;
  }
  return undefined;
}
